from __future__ import annotations

import io
import json
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from conflictmap import ExportError, read_events, write_events
from conflictmap.dates import format_date
from conflictmap.writers import to_csv_frame, to_geojson

YAML = """
    - event_id: p1
      event_date: 2025-03-01
      category: airstrike
      location: Tafas
      latitude: 32.73861234567
      longitude: 36.0669
      fatalities: 2
    - event_id: r1
      event_date: 2024-12-08
      date_end: 2026-01-07
      time_precision: 3
      category: incursion
      location: southern Syria
      geometry: POLYGON ((35.8 32.3, 35.8 33.3, 36.9 33.3, 36.9 32.3, 35.8 32.3))
    - event_id: u1
      event_date: 2025-03-02
      category: unrest
      location: Nowhere-in-particular
"""


@pytest.fixture
def events(write):
    return read_events(write("ev.yaml", YAML))


def test_geojson_follows_rfc7946(events):
    doc = to_geojson(events)
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    point, area, unlocated = doc["features"]
    assert point["id"] == "p1"
    assert point["geometry"] == {"type": "Point", "coordinates": [36.0669, 32.738612]}
    assert point["properties"]["event_date"] == "2025-03-01"
    assert point["properties"]["date_end"] is None
    assert point["properties"]["fatalities"] == 2
    assert point["properties"]["located"] is True
    ring = area["geometry"]["coordinates"][0]
    assert shapely.LinearRing(ring).is_ccw  # exterior counter-clockwise (right-hand rule)
    assert area["properties"]["date_end"] == "2026-01-07"
    assert unlocated["geometry"] is None
    assert unlocated["properties"]["located"] is False


def test_csv_layout_has_coordinates_and_wkt_for_polygons(events):
    table = to_csv_frame(events)
    assert list(table.columns[:15]) == [
        "event_id", "event_date", "date_end", "time_precision", "category", "sub_event_type",
        "actor1", "actor2", "location", "place_id", "place_name", "admin1", "country", "geo_precision",
        "latitude"]
    assert pd.isna(table["geometry"].iloc[0])
    assert table["geometry"].iloc[1].startswith("POLYGON")
    assert table["latitude"].iloc[0] == 32.738612


def test_stdout_is_geojson(events, capsys):
    write_events(events, "-")
    assert len(json.loads(capsys.readouterr().out)["features"]) == 3


def test_failed_write_leaves_no_file_and_keeps_the_old_one(events, tmp_path, monkeypatch):
    target = tmp_path / "out.geojson"
    target.write_text("previous")

    def boom(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(__import__("conflictmap.writers").writers._WRITERS, "geojson", boom)
    with pytest.raises(ExportError, match="No space left on device"):
        write_events(events, target)
    assert target.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ev.yaml", "out.geojson"]


def test_directory_as_output_is_an_error(events, tmp_path):
    with pytest.raises(ExportError, match="is a directory"):
        write_events(events, tmp_path)


def test_unknown_extension_names_the_choices(events, tmp_path):
    with pytest.raises(ValueError, match=r"cannot write extension '\.xyz'.*--format"):
        write_events(events, tmp_path / "x.xyz")


# -- What we write, we read back -----------------------------------------------------------------

FORMATS = ("geojson", "csv", "gpkg", "parquet")


def _one(events, **values):
    """The point event of the fixture, with some values replaced."""
    frame = events.iloc[[0]].reset_index(drop=True)
    for name, value in values.items():
        if name == "geometry":
            frame = frame.set_geometry(gpd.GeoSeries([value], crs=frame.crs))
        else:
            frame[name] = pd.Series([value], dtype=frame[name].dtype if name in frame else None)
    return frame


@pytest.mark.parametrize("fmt", FORMATS)
def test_dates_from_year_1_to_9999_come_back(events, tmp_path, fmt):
    frame = events.copy()
    frame["event_date"] = np.array(["0001-01-01", "0999-12-31", "1000-01-01"], dtype="datetime64[us]")
    frame["date_end"] = np.array(["NaT", "9999-12-31T23:59:59.999", "9999-12-31"], dtype="datetime64[us]")
    write_events(frame, tmp_path / f"d.{fmt}")
    back = read_events(tmp_path / f"d.{fmt}")
    assert back["event_date"].tolist() == frame["event_date"].tolist()
    assert back["date_end"].tolist()[1:] == frame["date_end"].tolist()[1:]
    if fmt == "csv":
        text = (tmp_path / "d.csv").read_text(encoding="utf-8")
        assert "0001-01-01,," in text and "0999-12-31,9999-12-31T23:59:59.999000," in text


def test_format_date_pads_the_year_to_four_digits():
    assert format_date(pd.Timestamp("0001-02-03")) == "0001-02-03"
    assert format_date(pd.Timestamp("0999-12-31")) == "0999-12-31"
    assert format_date(pd.Timestamp("0099-12-31 06:00")) == "0099-12-31T06:00:00"
    assert format_date(pd.NaT) is None


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("date", ["0000-12-31", "-0044-03-15", "10000-01-01"])
def test_a_date_outside_years_1_to_9999_is_refused(events, tmp_path, fmt, date):
    frame = _one(events, event_date=np.datetime64(date, "us"))
    out = tmp_path / "out"
    with pytest.raises(ExportError, match=rf"d\.{fmt}: event 'p1': field 'event_date' = .*years before 1"):
        write_events(frame, out / f"d.{fmt}")
    assert not out.exists()  # refused before anything, even the folder, was made


TRICKY = "a\x00b\x01\x1b\rc\nd\r\ne\u200ff\u2028g\u2029h\"i',;\t\\\U0001f600\x85\ufeffj"


@pytest.mark.parametrize("fmt", ["geojson", "csv", "parquet"])
def test_nul_control_characters_and_long_text_come_back(events, tmp_path, fmt):
    long = (TRICKY * 10_000)[:200_000]  # longer than the csv module's default field limit
    frame = _one(events, notes=TRICKY, actor1=long, event_id="id\x00with nul")
    write_events(frame, tmp_path / f"t.{fmt}")
    back = read_events(tmp_path / f"t.{fmt}")
    assert back["notes"].iloc[0] == TRICKY
    assert back["actor1"].iloc[0] == long
    assert back["event_id"].iloc[0] == "id\x00with nul"


def test_csv_quotes_a_lone_carriage_return(events, tmp_path):
    frame = _one(events, notes="first\rsecond")
    write_events(frame, tmp_path / "cr.csv")
    assert '"first\rsecond"' in (tmp_path / "cr.csv").read_bytes().decode("utf-8")
    assert read_events(tmp_path / "cr.csv")["notes"].tolist() == ["first\rsecond"]


def test_gpkg_refuses_nul_naming_event_and_field_and_keeps_the_old_file(events, tmp_path):
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "out.gpkg"
    target.write_bytes(b"old")
    frame = pd.concat([events, _one(events, event_id="n1", notes="a\x00b"),
                       _one(events, event_id="n2", notes="c\x00")], ignore_index=True)
    with pytest.raises(ExportError, match=r"out\.gpkg: event 'n1' \(and 1 more\): field 'notes' = "
                                          r"'a\\x00b': GeoPackage text cannot hold the NUL character"):
        write_events(frame, target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in target.parent.iterdir()] == ["out.gpkg"]


def test_gpkg_refuses_times_finer_than_the_millisecond(events, tmp_path):
    frame = _one(events, event_date=pd.Timestamp("2025-03-01 10:00:00.000250"))
    with pytest.raises(ExportError, match=r"field 'event_date' = '2025-03-01T10:00:00.000250'.*millisecond"):
        write_events(frame, tmp_path / "t.gpkg")
    frame = _one(events, event_date=pd.Timestamp("2025-03-01 10:00:00.250"))
    write_events(frame, tmp_path / "t.gpkg")
    assert read_events(tmp_path / "t.gpkg")["event_date"].tolist() == frame["event_date"].tolist()


@pytest.mark.parametrize("fmt", FORMATS)
def test_text_that_is_not_unicode_is_refused(events, tmp_path, fmt):
    frame = events.copy()
    frame["comment"] = pd.Series(["fine", "bad \udc80 byte", None], dtype=object)
    out = tmp_path / "out"
    with pytest.raises(ExportError, match=r"'r1': field 'comment' = 'bad \\udc80 byte': not valid Unicode"):
        write_events(frame, out / f"s.{fmt}")
    assert not out.exists()


def test_geojson_refuses_an_infinite_number(events, tmp_path):
    frame = events.copy()
    frame["score"] = [1.5, np.inf, np.nan]
    with pytest.raises(ExportError, match=r"event 'r1': field 'score' = inf: JSON has no infinite numbers"):
        write_events(frame, tmp_path / "i.geojson")
    with pytest.raises(ExportError, match="infinite"):
        to_geojson(frame)


@pytest.mark.parametrize("fmt", FORMATS)
def test_z_and_geometry_types_are_kept_in_every_format(events, tmp_path, fmt):
    shapes = [shapely.Point(36.0669, 32.738612, 812.5),
              shapely.Polygon([(35, 32, 1), (36, 32, 2), (36, 33, 3), (35, 32, 1)]),
              shapely.MultiPolygon([shapely.box(35, 32, 35.5, 32.5), shapely.box(36, 33, 36.5, 33.5)])]
    frame = events.set_geometry(gpd.GeoSeries(shapes, crs=events.crs))
    frame["located"] = True
    frame["geo_precision"] = pd.array([1, 3, 3], dtype="Int8")
    frame = pd.concat([frame, _one(events, event_id="flat", geometry=shapely.box(0, 0, 1, 1))],
                      ignore_index=True)
    write_events(frame, tmp_path / f"z.{fmt}")
    back = read_events(tmp_path / f"z.{fmt}")
    assert back.geom_type.tolist() == ["Point", "Polygon", "MultiPolygon", "Polygon"]
    assert back.has_z.tolist() == [True, True, False, False]
    assert back.geometry.iloc[0].z == 812.5
    assert sorted(shapely.get_coordinates(back.geometry.iloc[1], include_z=True)[:, 2]) == [1, 1, 2, 3]
    if fmt == "csv":
        assert "POINT Z (36.0669 32.738612 812.5)" in (tmp_path / "z.csv").read_text(encoding="utf-8")
    if fmt == "geojson":
        assert to_geojson(frame)["features"][0]["geometry"]["coordinates"] == [36.0669, 32.738612, 812.5]


def test_stdout_is_utf8_whatever_the_locale(events, monkeypatch):
    out = io.TextIOWrapper(io.BytesIO(), encoding="latin-1")
    monkeypatch.setattr(sys, "stdout", out)
    frame = _one(events, notes="\U0001f600 \u200f\u2028 \x00")
    write_events(frame, "-")
    doc = json.loads(out.buffer.getvalue().decode("utf-8"))
    assert doc["features"][0]["properties"]["notes"] == "\U0001f600 \u200f\u2028 \x00"
    assert doc == to_geojson(frame)


def test_stdout_closed_early_is_an_export_error(events, monkeypatch):
    class ClosedPipe(io.BytesIO):
        def write(self, _data):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(ClosedPipe(), encoding="utf-8"))
    with pytest.raises(ExportError, match="standard output: closed before all events were written"):
        write_events(events, "-")


def test_gpkg_keeps_polygons_next_to_multipolygons(events, tmp_path):
    area = events.iloc[[1]].reset_index(drop=True)
    multi = area.set_geometry(gpd.GeoSeries([shapely.MultiPolygon([shapely.box(35, 32, 35.5, 32.5),
                                                                   shapely.box(36, 33, 36.5, 33.5)])],
                                            crs=area.crs))
    multi["event_id"] = "m1"
    frame = pd.concat([area, multi], ignore_index=True)
    write_events(frame, tmp_path / "areas.gpkg")
    assert read_events(tmp_path / "areas.gpkg").geom_type.tolist() == ["Polygon", "MultiPolygon"]


@pytest.mark.parametrize("ext", ["csv", "geojson"])
def test_written_in_slices_as_in_one_piece(write, tmp_path, monkeypatch, ext):
    from conflictmap import writers

    events = read_events(write("ev.yaml", YAML + """
    - event_id: x1
      event_date: 2025-03-03
      location: Inkhil
      latitude: 33.0
      longitude: 36.1
      category: other
      tally: 3
    - event_id: x2
      event_date: 2025-03-03T10:30:00
      location: Nawa
      category: other
      tally: many
      fatalities: 0
    """))
    whole, sliced = tmp_path / f"whole.{ext}", tmp_path / f"sliced.{ext}"
    write_events(events, whole)
    monkeypatch.setattr(writers, "_SLICE", 2)
    write_events(events, sliced)
    assert sliced.read_bytes() == whole.read_bytes()
    write_events(events.iloc[:0], sliced)
    monkeypatch.setattr(writers, "_SLICE", 50_000)
    write_events(events.iloc[:0], whole)
    assert sliced.read_bytes() == whole.read_bytes()


def _dictionary_encoded(path):
    import pyarrow.parquet as pq

    group = pq.read_metadata(path).row_group(0)
    return {
        group.column(k).path_in_schema: group.column(k).has_dictionary_page for k in range(group.num_columns)
    }


@pytest.mark.parametrize("places", [3, 400])
def test_parquet_dictionaries_only_for_values_that_repeat(events, tmp_path, places):
    n = 400
    rng = np.random.default_rng(5)
    x, y = rng.uniform(35.8, 36.9, places), rng.uniform(32.3, 33.3, places)
    at = np.arange(n) % places
    frame = pd.concat([_one(events)] * n, ignore_index=True)
    frame["event_id"] = [f"e{i}" for i in range(n)]
    frame = frame.set_geometry(gpd.GeoSeries(shapely.points(x[at], y[at]), crs=frame.crs))
    frame.loc[[7, 9], "geometry"] = None  # unlocated events: nulls, whatever the encoding
    frame.loc[[7, 9], "located"] = False
    path = tmp_path / "ev.parquet"
    write_events(frame, path)
    encoded = _dictionary_encoded(path)
    assert encoded["event_id"] is False  # ids are distinct
    assert encoded["category"] is True and encoded["location"] is True
    repeated = places < n // 2
    assert {encoded[name] for name in ("geometry", "bbox.xmin", "bbox.ymin", "bbox.xmax", "bbox.ymax")} == {
        repeated
    }
    back = read_events(path)
    assert back["event_id"].tolist() == frame["event_id"].tolist()
    assert back.geometry.isna().tolist() == frame.geometry.isna().tolist()
    located = frame.geometry.notna().to_numpy()
    assert shapely.equals(back.geometry.to_numpy()[located], frame.geometry.to_numpy()[located]).all()
