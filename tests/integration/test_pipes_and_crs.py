"""Issue 13 through the CLI: standard input, pipes, projected inputs and plain GeoJSON maps (subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

from conflictmap import read_events
from conflictmap.resources import data_path

ROOT = Path(__file__).resolve().parents[2]
SEED = data_path("events/seed-article.geojson")
PLACES = ROOT.parent / "shared" / "data" / "boundaries" / "populated_places_levant_ne10m.geojson"
CLI = [sys.executable, "-c", "from conflictmap.cli import main; main()"]


def _run(*args, stdin=None, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [*CLI, *map(str, args)], input=stdin, capture_output=True, cwd=cwd, env=env, timeout=300, check=False
    )


def test_cat_geojson_into_export_writes_a_geopackage(tmp_path):
    out = tmp_path / "out.gpkg"
    done = _run("export", "-", "-o", out, stdin=SEED.read_bytes())
    assert done.returncode == 0, done.stderr.decode()
    assert read_events(out)["event_id"].tolist() == read_events(SEED)["event_id"].tolist()


def test_export_to_stdout_piped_into_map(tmp_path):
    csv = tmp_path / "a.csv"
    assert _run("export", SEED, "-o", csv).returncode == 0
    first = _run("export", csv, "-o", "-")
    assert first.returncode == 0
    done = _run("map", "-", "-o", tmp_path / "m.html", stdin=first.stdout)
    assert done.returncode == 0, done.stderr.decode()
    html = (tmp_path / "m.html").read_text()
    assert "window.conflictmap.timeControl" in html


def test_stdin_errors_name_standard_input_and_input_format(tmp_path):
    done = _run("export", "-", "--input-format", "geojson", "-o", tmp_path / "x.csv", stdin=b"not json")
    assert done.returncode == 2
    assert b"standard input" in done.stderr and b"stdin" not in done.stderr.replace(b"standard input", b"")
    assert not (tmp_path / "x.csv").exists()
    done = _run("export", tmp_path / "events.xyz", "-o", tmp_path / "x.csv")
    assert done.returncode == 2 and b"--input-format" in done.stderr


def test_projected_gpkg_exports_and_filters_as_its_4326_copy(tmp_path):
    truth = read_events(SEED)
    gpkg = tmp_path / "events_3857.gpkg"
    truth.to_crs(3857).to_file(
        gpkg, driver="GPKG", layer="events", engine="pyogrio", geometry_type="Unknown", promote_to_multi=False
    )
    out = tmp_path / "out.geojson"
    done = _run("export", gpkg, "-o", out, "--no-geocode")
    assert done.returncode == 0, done.stderr.decode()
    assert b"Note: " in done.stderr and b"reprojected from EPSG:3857" in done.stderr
    back = [shapely.geometry.shape(f["geometry"]) for f in json.loads(out.read_text())["features"]]
    np.testing.assert_allclose(
        shapely.get_coordinates(back), shapely.get_coordinates(truth.geometry.to_numpy()), rtol=0, atol=1e-6
    )
    kept = {}
    for name, source in (("3857", gpkg), ("4326", SEED)):
        target = tmp_path / f"south_{name}.geojson"
        done = _run("filter", source, "--region", "southern Syria", "-o", target, "--no-geocode")
        assert done.returncode == 0, done.stderr.decode()
        kept[name] = [f["id"] for f in json.loads(target.read_text())["features"]]
    assert kept["3857"] == kept["4326"] and kept["4326"]


@pytest.mark.shared_data
def test_map_of_a_plain_geojson_of_places(tmp_path):
    if not PLACES.is_file():
        pytest.skip("../shared data absent")
    done = _run("map", PLACES, "-o", tmp_path / "m.html")
    assert done.returncode == 0, done.stderr.decode()
    html = (tmp_path / "m.html").read_text()
    assert "window.conflictmap.timeControl" not in html
    assert b"Read 157 events" in done.stderr
