"""Accuracy bar: 97% of news spellings resolve within 10 km of the truth or to the right region."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

from geo.regions import default_regions
from geo.resolve import Resolver


def _load_bench():
    """bench/accuracy.py judges the answers; the tests assert on its verdicts (one definition)."""
    path = Path(__file__).resolve().parents[2] / "bench" / "accuracy.py"
    spec = importlib.util.spec_from_file_location("bench_accuracy", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH = _load_bench()

# place_spellings.yaml was written alongside the resolver; the holdout sets later, each by a
# reviewer who never saw the resolver or the other sets, to estimate accuracy on names it was not
# tuned for. First runs: holdout 94.0%, holdout2 95.8%, holdout3 97.5%, holdout4 99.0% (each after
# the fixes the earlier ones led to). The misses of each led to general fixes or curated names, so
# none of them is unseen any more.
SPELLING_SETS = sorted((Path(__file__).resolve().parent.parent / "data").glob("place_spellings*.yaml"))
BAR = BENCH.BAR  # 97%


def _check(resolver: Resolver, case: dict) -> str | None:
    """Return why the case failed (within 10 km, or the right region), or None when it passed."""
    return BENCH.judge(resolver, case)


@pytest.mark.parametrize("spellings", SPELLING_SETS, ids=lambda p: p.stem)
def test_spellings_meet_the_accuracy_bar(spellings: Path) -> None:
    cases = yaml.safe_load(spellings.read_text(encoding="utf-8"))
    assert len(cases) >= 100
    resolver = Resolver()
    failures = {c["query"]: why for c in cases if (why := _check(resolver, c)) is not None}
    rate = 1 - len(failures) / len(cases)
    report = "\n".join(f"  {q!r}: {why}" for q, why in failures.items())
    assert rate >= BAR, f"{rate:.1%} of {len(cases)} spellings right; failures:\n{report}"


@pytest.mark.parametrize(
    ("query", "region"),
    [
        ("southern Syria", "southern-syria"),
        ("As-Sweida governorate", "SY-SU"),
        ("Rural Damascus", "SY-RD"),
        ("Idleb province", "SY-ID"),
        ("Quneitra governorate", "SY-QU"),
        ("the northern Daraa countryside", "SY-DR"),
        ("northern Daraa", "SY-DR"),  # not "Daraa Shamali" matched on its consonants
        ("southern Suwayda", "SY-SU"),
        ("the occupied Golan Heights", "golan-heights"),
        ("the buffer zone", "buffer-zone"),
        ("Golan Heights", "golan-heights"),
    ],
)
def test_region_phrases_resolve_to_their_polygon_with_precision_3(query: str, region: str) -> None:
    res = Resolver().resolve(query)
    assert res.place is not None and res.place.region == region
    assert res.geo_precision == 3
    assert res.kind == "region"


@pytest.mark.parametrize(
    ("name", "region"),
    [
        ("Dar'a", "SY-DR"),  # ACLED
        ("As-Sweida", "SY-SU"),  # ACLED
        ("Rural Damascus", "SY-RD"),
        ("Idleb", "SY-ID"),
        ("Quneitra governorate", "SY-QU"),
        ("Hasaka (Al Haksa)", "SY-HA"),
        ("Deir ez-Zor", "SY-DY"),
        ("SY-LA", "SY-LA"),
        ("Lebanon", "LB"),
        ("UNDOF zone", "undof-zone"),
        ("northeast Syria", "northeast-syria"),
        ("coastal Syria", "coastal-syria"),
        ("northwest Syria", "northwest-syria"),
    ],
)
def test_region_names_of_event_datasets_find_the_region(name: str, region: str) -> None:
    assert default_regions().find(name).region_id == region


@pytest.mark.parametrize(
    ("query", "name", "precision"),
    [
        ("near Beit Jinn", "Bayt Jinn", 2),
        ("the outskirts of Khan Arnabeh", "Khan Arnabah", 2),
        ("Beit Jinn", "Bayt Jinn", 1),
        ("Mount Hermon", "Mount Hermon", 2),
    ],
)
def test_vague_phrases_keep_the_place_with_lower_precision(query: str, name: str, precision: int) -> None:
    res = Resolver().resolve(query)
    assert res.place is not None and res.place.name.replace("ā", "a") == name
    assert res.geo_precision == precision


@pytest.mark.shared_data
def test_acled_location_names_resolve_near_acled_coordinates(shared_events: Path) -> None:
    """Real event data: ACLED's own spellings, with the row's country and admin1 as context.

    ACLED geocodes by hand, so its coordinates are the truth. Names the gazetteer lacks (Istanbul
    neighbourhoods, military bases) may stay unresolved; a wrong place is worse than none.
    """
    scores = BENCH.acled_scores(Resolver(), next(shared_events.glob("acled_*.csv")))
    right, wrong, rows = scores["right"], scores["wrong"], scores["rows"]
    assert rows > 300
    # Measured 2026-11-26: 292 of 376 right (77.7%), 29 wrong (7.7%), 55 not found.
    assert right / rows >= 0.75
    assert wrong / rows <= 0.10
