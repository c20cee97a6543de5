from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conflictmap.cli import cli
from conflictmap.resources import data_path

SAMPLE = str(data_path("events/seed-article.geojson"))
ACLED_LIKE = (Path(__file__).resolve().parents[1] / "unit" / "test_acled_ucdp.py")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_map_writes_html_and_geojson_and_summarises(tmp_path):
    html, geojson = tmp_path / "out" / "map.html", tmp_path / "out" / "events.geojson"
    result = run("map", SAMPLE, "-o", str(html), "--geojson", str(geojson))
    assert result.exit_code == 0, result.output
    assert "Read 10 events from 1 input; filtered out 0; unlocated 0; written 10." in result.output
    assert "Statement or proposal  Diplomatic events   4" in result.output
    page = html.read_text()
    assert page.count("window.conflictmap.group(") == 3  # Incursions, Diplomatic events, Unrest
    assert page.count("window.conflictmap.store(") == 1  # the events travel once
    assert len(json.loads(geojson.read_text())["features"]) == 10


def test_export_filters_and_writes_stdout():
    result = run("export", SAMPLE, "-o", "-", "--since", "2026-01", "--category", "Diplomatic "
                 "events", "-q")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    ids = [f["id"] for f in doc["features"]]
    assert ids == ["seed-2026-liaison-office", "seed-2026-operations-room",
                   "seed-2026-paris-meeting", "seed-2026-joint-mechanism",
                   "seed-2026-sdf-arrangement", "seed-2026-withdrawal-timeline",
                   "seed-2026-suspension-proposal"]


@pytest.mark.parametrize("suffix", [".csv", ".gpkg", ".parquet", ".geojson"])
def test_export_every_format_reads_back(tmp_path, suffix):
    out = tmp_path / f"events{suffix}"
    assert run("export", SAMPLE, "-o", str(out), "-q").exit_code == 0
    again = tmp_path / "again.geojson"
    result = run("export", str(out), "-o", str(again))
    assert result.exit_code == 0, result.output
    assert "Read 10 events" in result.output


def test_mixed_inputs_are_concatenated(tmp_path, write):
    extra = write("extra.csv", "event_date,location,category\n2025-06-01,Beit Jinn,incursion\n")
    result = run("export", SAMPLE, str(extra), "-o", str(tmp_path / "all.geojson"))
    assert result.exit_code == 0, result.output
    assert "Read 11 events from 2 inputs; filtered out 0; unlocated 0; written 11." in \
        result.output
    assert "located from place names: 1 (1 by gazetteer)" in result.output


def test_bad_input_exits_2_without_traceback_or_output(tmp_path, write):
    bad = write("bad.csv", "event_date,latitude,longitude\n2025-01-01,95,36\n")
    out = tmp_path / "map.html"
    result = run("map", str(bad), "-o", str(out))
    assert result.exit_code == 2
    assert "Error: " in result.output and "line 2: field 'latitude' = '95'" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_existing_output_survives_a_failed_run(tmp_path, write):
    out = tmp_path / "events.geojson"
    out.write_text("keep me")
    result = run("export", str(write("e.csv", "")), "-o", str(out))
    assert result.exit_code == 2 and "the file is empty" in result.output
    assert out.read_text() == "keep me"


def test_usage_errors_exit_2(tmp_path):
    assert run("map", SAMPLE).exit_code == 2  # no -o
    result = run("export", SAMPLE, "-o", str(tmp_path / "x.csv"), "--category", "airstrik")
    assert result.exit_code == 2 and "did you mean 'airstrike'" in result.output
    result = run("export", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "x.csv"))
    assert result.exit_code == 2 and "no such file" in result.output


def test_warnings_are_printed_with_counts(tmp_path, write):
    odd = write("odd.csv", "event_date,location,category\n2025-01-01,A,sniping\n")
    result = run("export", str(odd), "-o", str(tmp_path / "x.geojson"))
    assert result.exit_code == 0
    assert "Warning: " in result.output and "1 events with unknown categories" in result.output


def test_help_on_every_command():
    for command in ([], ["map"], ["export"], ["categories"]):
        result = run(*command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output


def test_installed_entry_point_works_from_another_directory(tmp_path):
    exe = Path(sys.executable).parent / "conflictmap"
    proc = subprocess.run([str(exe), "export", SAMPLE, "-o", "-", "-q"], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["features"]) == 10
    proc = subprocess.run([str(exe), "export", "nope.csv", "-o", "x.csv"], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "nope.csv: no such file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_map_tiles_and_renderer_options(tmp_path):
    html = tmp_path / "map.html"
    bad = run("map", SAMPLE, "-o", str(html), "--tiles", "Esri.WorldImagry")
    assert bad.exit_code == 2 and not html.exists()
    assert "did you mean 'Esri.WorldImagery'" in bad.output
    done = run("map", SAMPLE, "-o", str(html), "--tiles", "offline", "--renderer", "canvas", "-q")
    assert done.exit_code == 0, done.output
    page = html.read_text()
    assert '"mode":"canvas"' in page and "tile.openstreetmap.org" not in page
    assert "Natural Earth" in page  # the offline basemap credits its boundaries
