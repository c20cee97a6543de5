"""A YAML alias bomb as events, --overrides, --categories or --lexicon: exit 2, nothing written.

Each command runs in a new process whose address space is capped at 2 GiB and whose run is cut
after 60 s, so a regression fails the test instead of eating the machine's memory (the bomb
expands to gigabytes when followed).
"""

from __future__ import annotations

import itertools
import resource
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXE = Path(sys.executable).parent / "conflictmap"
SAMPLE = ROOT / "data" / "events" / "seed-article.geojson"
ARTICLE = ROOT / "tests" / "data" / "articles" / "01-quneitra-beit-jinn-raid.txt"
MEMORY_CAP = 2 << 30
LAUGH = '["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'


def bomb_levels(indent: str = "", prefix: str = "") -> list[str]:
    """Nine levels: ``a`` holds nine strings, each further level nine aliases of the one before."""
    names = "abcdefghi"
    lines = [f"{indent}{prefix}a: &a {LAUGH}"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{indent}{prefix}{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    return lines


def run_capped(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    return subprocess.run(
        [str(EXE), *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60, preexec_fn=cap
    )


def test_alias_bomb_as_events_exits_2_naming_the_line(tmp_path):
    events = tmp_path / "bomb.yaml"
    head = ["- event_id: x", "  event_date: 2025-01-01", "  location: Damascus", "  category: clashes"]
    events.write_text("\n".join([*head, *bomb_levels("  ", "x")]) + "\n", encoding="utf-8")
    assert events.stat().st_size < 600
    proc = run_capped("export", str(events), "-o", "x.geojson", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (
        f"Error: {events}: line 6: YAML anchors and aliases are not allowed (found the alias *a); "
        "write the repeated value out in full"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.yaml"]


@pytest.mark.parametrize(
    ("option", "what", "command"),
    [
        ("--overrides", "cannot read overrides", ("export", str(SAMPLE), "-o", "x.geojson")),
        ("--overrides", "cannot read overrides", ("geocode", "Damascus")),
        ("--categories", "cannot read category file", ("map", str(SAMPLE), "-o", "x.html")),
        ("--lexicon", "cannot read the lexicon", ("extract", str(ARTICLE), "-o", "x.geojson")),
    ],
)
def test_alias_bomb_as_a_configuration_file_exits_2(tmp_path, option, what, command):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(bomb_levels()) + "\n", encoding="utf-8")
    proc = run_capped(*command, option, str(bomb), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (
        f"Error: {bomb}: {what}: line 2, column 8: YAML anchors and aliases are not allowed "
        "(found the alias *a); write the repeated value out in full"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.yaml"]
