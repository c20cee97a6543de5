from __future__ import annotations

import json

import pandas as pd
import pytest
import shapely

from conflictmap import ExportError, read_events, write_events
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
    with pytest.raises(ValueError, match=r"cannot write extension '\.shp'.*--format"):
        write_events(events, tmp_path / "x.shp")
