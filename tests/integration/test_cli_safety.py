"""What the CLI must never do: overwrite an input, leave half the outputs, leave temporary files,
exit 1 on a bad option (issue 10)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import conflictmap.cli as cli_module
import conflictmap.outputs as outputs_module
from conflictmap.cli import cli
from conflictmap.resources import data_path

SAMPLE = data_path("events/seed-article.geojson")
ARTICLE = Path(__file__).resolve().parents[1] / "data" / "articles" / "01-quneitra-beit-jinn-raid.txt"
BAD_CSV = "event_date,latitude,longitude\n2025-01-01,95,36\n"  # an error if it were read
POLYGON = (
    '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": '
    '{"type": "Polygon", "coordinates": [[[35, 32], [37, 32], [37, 34], [35, 34], [35, 32]]]}}]}'
)


def run(*args: str | Path):
    return CliRunner().invoke(cli, [str(a) for a in args])


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too, links as their target's bytes)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.exists() else b"<dangling>"
        for p in sorted(folder.rglob("*"))
        if not p.is_dir()
    }


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A folder with the sample as GeoJSON and CSV, a bad CSV, an article and a polygon."""
    (tmp_path / "s.geojson").write_bytes(SAMPLE.read_bytes())
    (tmp_path / "bad.csv").write_text(BAD_CSV)
    (tmp_path / "article.txt").write_bytes(ARTICLE.read_bytes())
    (tmp_path / "area.geojson").write_text(POLYGON)
    (tmp_path / "cats.yaml").write_text("categories:\n  siege:\n    label: Siege\n    layer: Incursions\n")
    (tmp_path / "old.html").write_text("<p>an old map</p>")
    return tmp_path


# -- 1. an output is an input, or another output ------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["export", "bad.csv", "-o", "bad.csv"],
        ["export", "bad.csv", "-o", "sub/../bad.csv"],
        ["filter", "s.geojson", "--region", "southern Syria", "-o", "s.geojson"],
        ["filter", "bad.csv", "s.geojson", "--bbox", "35,32,37,34", "-o", "s.geojson", "--format", "geojson"],
        ["map", "s.geojson", "-o", "s.geojson"],
        ["map", "bad.csv", "-o", "old.html", "--geojson", "old.html"],
        ["map", "bad.csv", "-o", "old.html", "--geojson", "./old.html"],
        ["map", "bad.csv", "-o", "-", "--geojson", "-"],
        ["export", "bad.csv", "--within", "area.geojson", "-o", "area.geojson"],
        ["export", "bad.csv", "--categories", "cats.yaml", "-o", "cats.yaml", "--format", "csv"],
        ["extract", "article.txt", "-o", "article.txt"],
        ["extract", "article.txt", "-o", "e.geojson", "--mentions", "e.geojson"],
        ["extract", "article.txt", "-o", "e.geojson", "--mentions", "article.txt"],
    ],
)
def test_an_output_that_is_an_input_or_the_other_output_exits_2_and_nothing_changes(files, args, monkeypatch):
    (files / "sub").mkdir()
    before = snapshot(files)
    monkeypatch.chdir(files)
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "same file" in result.output or "both standard output" in result.output
    assert "line 2" not in result.output  # refused before the bad input was read
    assert snapshot(files) == before


def test_links_to_an_input_are_the_input(files):
    (files / "soft.geojson").symlink_to(files / "s.geojson")
    os.link(files / "s.geojson", files / "hard.geojson")
    (files / "linked-dir").symlink_to(files, target_is_directory=True)
    before = snapshot(files)
    for out in ("soft.geojson", "hard.geojson", "linked-dir/s.geojson"):
        result = run("export", files / "s.geojson", "-o", files / out)
        assert result.exit_code == 2, result.output
        assert f"-o {files / out} is the same file as the input {files / 's.geojson'}" in result.output
    result = run("export", files / "soft.geojson", "-o", files / "s.geojson")  # the input is the link
    assert result.exit_code == 2 and "same file" in result.output
    result = run("map", files / "s.geojson", "-o", files / "hard.geojson", "--geojson", files / "x.geojson")
    assert result.exit_code == 2 and "same file" in result.output
    result = run("map", files / "bad.csv", "-o", files / "m.html", "--geojson", files / "linked-dir/m.html")
    assert result.exit_code == 2 and "--geojson" in result.output and "are the same file" in result.output
    assert snapshot(files) == before


def test_overrides_found_in_the_working_directory_are_an_input(files, monkeypatch):
    (files / "conflictmap-overrides.yaml").write_text("Beit Jinn: gn:170000\n")
    before = snapshot(files)
    monkeypatch.chdir(files)
    result = run("export", "bad.csv", "-o", "conflictmap-overrides.yaml", "--format", "csv")
    assert result.exit_code == 2 and "--overrides file" in result.output
    assert snapshot(files) == before


# -- 2. map's -o: a warning for event-file names, - for standard output -------------------------


def test_map_warns_when_its_output_is_named_like_an_event_file(files):
    result = run("map", files / "s.geojson", "-o", files / "map.geojson", "-q")
    assert result.exit_code == 0, result.output
    assert "Warning: -o" in result.output and "map writes an HTML page, not geojson events" in result.output
    assert (files / "map.geojson").read_text().startswith("<!DOCTYPE html>")
    quiet = run("map", files / "s.geojson", "-o", files / "map.html", "-q")
    assert "Warning" not in quiet.output


def test_map_to_standard_output_writes_the_page_and_no_file(files):
    before = snapshot(files)
    result = CliRunner().invoke(cli, ["map", str(files / "s.geojson"), "-o", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!DOCTYPE html>") and result.stdout.rstrip().endswith("</html>")
    assert result.stdout.count("window.conflictmap.store(") == 1
    assert "wrote standard output" in result.stderr
    assert snapshot(files) == before


def test_map_to_standard_output_with_a_geojson_file(files):
    result = CliRunner().invoke(
        cli, ["map", str(files / "s.geojson"), "-o", "-", "--geojson", str(files / "m.geojson"), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert (files / "m.geojson").read_text().count('"type": "Feature"') == 10


# -- 3. both outputs or neither ----------------------------------------------------------------


def test_map_writes_neither_output_when_the_geojson_cannot_be_written(files):
    (files / "blocker").write_text("a file where a folder should be")
    before = snapshot(files)
    result = run("map", files / "s.geojson", "-o", files / "m.html", "--geojson", files / "blocker/x.geojson")
    assert result.exit_code == 2 and "blocker/x.geojson: cannot write here" in result.output
    result = run(
        "map", files / "s.geojson", "-o", files / "old.html", "--geojson", files / "blocker/x.geojson"
    )
    assert result.exit_code == 2
    assert snapshot(files) == before  # no m.html, old.html intact, no temporary file


def test_map_writes_neither_output_when_the_page_cannot_be_written(files):
    (files / "a-folder.html").mkdir()
    before = snapshot(files)
    result = run("map", files / "s.geojson", "-o", files / "a-folder.html", "--geojson", files / "m.geojson")
    assert result.exit_code == 2 and "is a directory" in result.output
    assert snapshot(files) == before


def test_extract_writes_neither_output_when_one_cannot_be_written(files):
    (files / "blocker").write_text("a file where a folder should be")
    before = snapshot(files)
    result = run(
        "extract", files / "article.txt", "-o", files / "e.geojson", "--mentions", files / "blocker/m.json"
    )
    assert result.exit_code == 2 and "blocker/m.json: cannot write here" in result.output
    result = run(
        "extract", files / "article.txt", "-o", files / "blocker/e.geojson", "--mentions", files / "m.json"
    )
    assert result.exit_code == 2 and "blocker/e.geojson: cannot write here" in result.output
    assert snapshot(files) == before


def test_a_rename_that_fails_puts_back_the_outputs_already_replaced(files, monkeypatch):
    html, geojson = files / "old.html", files / "old.geojson"
    geojson.write_text('{"old": true}')
    before = snapshot(files)
    real_replace = os.replace
    renamed: list[str] = []

    def replace(src, dst):
        if Path(dst) == html and not Path(src).name.endswith(".old"):
            raise PermissionError(13, "Permission denied")  # the second rename of the group
        renamed.append(Path(dst).name)
        real_replace(src, dst)

    monkeypatch.setattr(outputs_module.os, "replace", replace)
    result = run("map", files / "s.geojson", "-o", html, "--geojson", geojson)
    assert result.exit_code == 2, result.output
    assert f"{html}: cannot write: Permission denied" in result.output
    assert renamed == ["old.geojson", "old.geojson"]  # committed, then put back
    assert snapshot(files) == before


def test_a_new_output_is_removed_when_the_group_fails_after_it(files, monkeypatch):
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst).name == "new.html":
            raise OSError(5, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(outputs_module.os, "replace", replace)
    before = snapshot(files)
    result = run("map", files / "s.geojson", "-o", files / "new.html", "--geojson", files / "new.geojson")
    assert result.exit_code == 2 and "new.html: cannot write: Input/output error" in result.output
    assert snapshot(files) == before


# -- 4. interrupted writes: no temporary file, old output intact, 130 / 143 ---------------------


@pytest.fixture(scope="module")
def many_events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """100,000 point events as GeoParquet, built with numpy (a GeoJSON export takes seconds)."""
    import geopandas as gpd
    import shapely

    n = 100_000
    rng = np.random.default_rng(10)
    frame = pd.DataFrame(
        {
            "event_id": np.char.add("e", np.arange(n).astype(str)),
            "event_date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            "category": rng.choice(["airstrike", "shelling", "clashes"], n),
            "notes": "an event drawn at random for the interruption tests",
        }
    )
    points = shapely.points(rng.uniform(35, 37, n), rng.uniform(32, 34, n))
    path = tmp_path_factory.mktemp("many") / "many.parquet"
    gpd.GeoDataFrame(frame, geometry=points, crs="EPSG:4326").to_parquet(path)
    return path


@pytest.mark.parametrize(
    ("signum", "code", "said"), [(signal.SIGTERM, 143, "Terminated"), (signal.SIGINT, 130, "Interrupted")]
)
def test_a_signal_during_a_write_leaves_the_old_output_and_no_temporary_file(
    tmp_path, many_events, signum, code, said
):
    out = tmp_path / "out.geojson"
    out.write_text('{"old": "output"}')
    command = [sys.executable, "-c", "from conflictmap.cli import main; main()"]
    proc = subprocess.Popen(
        [*command, "export", str(many_events), "-o", str(out), "--no-geocode", "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A background job of a non-interactive shell starts with SIGINT ignored; Ctrl-C is default.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 300
    while not list(tmp_path.glob(".out.geojson.*")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the temporary file never appeared"
        time.sleep(0.005)
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, stderr
    assert said in stderr and "Traceback" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.geojson"]
    assert out.read_text() == '{"old": "output"}'


def test_click_abort_exits_130(monkeypatch, capsys):
    def abort(**_kwargs):
        raise click.exceptions.Abort

    monkeypatch.setattr(cli_module.cli, "main", abort)
    with pytest.raises(SystemExit) as ended:
        cli_module.main()
    assert ended.value.code == 130 and "Interrupted" in capsys.readouterr().err


def test_an_unexpected_error_still_exits_1(monkeypatch, capsys):
    def fail(**_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli_module.cli, "main", fail)
    with pytest.raises(SystemExit) as ended:
        cli_module.main()
    assert ended.value.code == 1 and "Unexpected error: RuntimeError: a bug" in capsys.readouterr().err


# -- 5. options checked before any input is read -----------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--near", "33,36", "--km", "inf"], "--km must be a positive distance in kilometres, got inf"),
        (["--near", "33,36", "--km", "nan"], "--km must be a positive distance in kilometres, got nan"),
        (["--near", "33,36", "--km", "-1"], "--km must be a positive distance in kilometres, got -1.0"),
        (["--near", "33,36", "--km", "0"], "--km must be a positive distance"),
        (
            ["--near", "95,200", "--km", "5"],
            "--near '95,200' is not a place: want LAT,LON with -90 <= LAT <= 90",
        ),
        (["--near", "100,33", "--km", "5"], "(latitude first: LAT,LON)"),
        (["--near", "nan,36", "--km", "5"], "--near 'nan,36' is not a place"),
        (
            ["--within", "{bad}"],
            "not a polygon file; give a GeoJSON (.geojson, .json) or GeoPackage (.gpkg) file",
        ),
        (["--within", "{points}"], "--within needs polygons, found geometry types Point"),
        (["--within", "{empty}"], "--within needs polygons, found no geometries"),
        (["--since", "2026-02", "--until", "2026-01"], "--since 2026-02 is later than --until 2026-01"),
        (["--since", "2026-01-31", "--until", "2025"], "is later than --until 2025"),
        (["--since", "someday"], "--since 'someday' is not a date"),
        (["--bbox", "35,34,37,32"], "--bbox '35,34,37,32' is not a box"),
        (["--bbox", "35,32,190,34"], "is not a box"),
        (["--bbox", "35,-95,37,34"], "is not a box"),
        (["--bbox", "35,nan,37,34"], "is not a box"),
        (["--bbox", "35,32,37"], "--bbox must be four numbers"),
        (["--category", "airstrik"], "did you mean 'airstrike'"),
    ],
)
@pytest.mark.parametrize("command", ["export", "map"])
def test_bad_options_exit_2_before_any_input_is_read(tmp_path, options, message, command):
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV)
    (tmp_path / "points.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
        '"geometry": {"type": "Point", "coordinates": [36, 33]}}]}'
    )
    (tmp_path / "empty.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    paths = {"bad": bad, "points": tmp_path / "points.geojson", "empty": tmp_path / "empty.geojson"}
    options = [o.format(**paths) for o in options]
    out = tmp_path / ("out.html" if command == "map" else "out.geojson")
    before = snapshot(tmp_path)
    result = run(command, bad, "-o", out, *options)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "line 2" not in result.output and "Unexpected" not in result.output
    assert snapshot(tmp_path) == before


# -- 6. disk full ------------------------------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A 128 kB tmpfs (needs root; skipped where mount is not allowed)."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        pytest.skip("no mount command")
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], check=False).returncode != 0:
            subprocess.run(["umount", "--lazy", str(folder)], check=False)  # busy: an open file


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".csv", ".parquet"])
def test_a_full_disk_is_exit_2_naming_the_file_and_leaves_nothing(tiny_disk, many_events, suffix):
    out = tiny_disk / f"events{suffix}"
    result = run("export", many_events, "-o", out, "--no-geocode", "-q")
    assert result.exit_code == 2, result.output
    assert f"Error: {out}: cannot write: " in result.output
    assert "no space left on" in result.output.lower()
    assert list(tiny_disk.iterdir()) == []


def test_a_full_disk_while_creating_a_geopackage(tiny_disk, files):
    (tiny_disk / "filler").write_bytes(b"\0" * (100 * 1024))  # the GeoPackage's own tables do not fit
    out = tiny_disk / "events.gpkg"
    result = run("export", files / "s.geojson", "-o", out, "-q")
    assert result.exit_code == 2, result.output
    assert f"Error: {out}: cannot write: no space left on the device" in result.output  # GDAL: "disk is full"
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler"]


def test_a_full_disk_keeps_the_old_outputs_of_a_map(tiny_disk, files):
    html, geojson = tiny_disk / "m.html", tiny_disk / "m.geojson"
    html.write_text("old page")
    geojson.write_text("old events")
    (tiny_disk / "filler").write_bytes(b"\0" * (100 * 1024))
    result = run("map", files / "s.geojson", "-o", html, "--geojson", geojson, "-q")
    assert result.exit_code == 2 and "no space left on" in result.output.lower()
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler", "m.geojson", "m.html"]
    assert html.read_text() == "old page" and geojson.read_text() == "old events"
