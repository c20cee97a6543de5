"""FlatGeobuf, Shapefile and KML: what each cannot hold is refused before writing; the rest reads back.

Each test pins a case found by the round-trip property test (tests/property/test_roundtrip_all.py)
that a writer once wrote wrong or a reader could not read: the message names the file, and
nothing is left behind.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from conflictmap import ExportError, read_events, to_events, write_events

BOX = shapely.box(36.0, 32.5, 36.1, 32.6)
HOLED = shapely.Polygon(BOX.exterior, [BOX.buffer(-0.025, join_style="mitre").exterior])
MULTI = shapely.MultiPolygon([BOX, shapely.affinity.translate(BOX, xoff=0.5)])


def _events(geometries: list, **columns) -> gpd.GeoDataFrame:
    n = len(geometries)
    frame = gpd.GeoDataFrame(
        {"event_id": [f"e{i}" for i in range(n)], "event_date": ["2025-03-01"] * n, **columns},
        geometry=geometries,
        crs=4326,
    )
    return to_events(frame)


def _same_shapes(back: gpd.GeoDataFrame, events: gpd.GeoDataFrame) -> None:
    for a, b in zip(events.geometry, back.geometry, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            assert (a.geom_type, a.has_z) == (b.geom_type, b.has_z)
            assert a.normalize().equals_exact(b.normalize(), tolerance=1e-9)


def _refused(events: gpd.GeoDataFrame, path, *said: str) -> str:
    with pytest.raises(ExportError) as caught:
        write_events(events, path)
    message = str(caught.value)
    assert str(path) in message
    for text in said:
        assert text in message, message
    assert not list(path.parent.iterdir())  # nothing written, no temporary file left
    return message


@pytest.mark.parametrize(
    "geometries",
    [[None, None], [shapely.Point(36, 32), None], [None, HOLED, MULTI]],
    ids=["all-unlocated", "point-then-unlocated", "unlocated-first"],
)
def test_fgb_reads_unlocated_events(geometries, tmp_path):
    # GDAL's Arrow stream of a FlatGeobuf layer with a null geometry broke the WKB (or crashed).
    events = _events(geometries, fatalities=pd.array([2**63 - 1] + [None] * (len(geometries) - 1), "Int64"))
    write_events(events, tmp_path / "e.fgb")
    back = read_events(tmp_path / "e.fgb")
    _same_shapes(back, events)
    assert back["fatalities"].tolist() == events["fatalities"].tolist()  # 64-bit integers whole


def test_fgb_keeps_z_of_one_type_and_refuses_what_it_would_drop(tmp_path):
    points = _events([shapely.Point(36, 32, 812.5), None, shapely.Point(36.1, 32.1, 0)])
    write_events(points, tmp_path / "z.fgb")
    _same_shapes(read_events(tmp_path / "z.fgb"), points)
    folder = tmp_path / "refused"
    folder.mkdir()
    _refused(_events([shapely.Point(36, 32, 5), shapely.Point(36, 32)]), folder / "e.fgb", "flat and 3D")
    mixed = _events([shapely.Point(36, 32, 5), shapely.force_3d(BOX, 5)])
    _refused(mixed, folder / "e.fgb", "several types (Point, Polygon)")


def test_shapefile_polygons_after_an_unlocated_event_stay_polygons(tmp_path):
    # Left to GDAL, the first feature (no geometry) chose the type: a file of lines.
    events = _events([None, HOLED, MULTI])
    write_events(events, tmp_path / "e.shp")
    _same_shapes(read_events(tmp_path / "e.shp"), events)


def test_shapefile_refuses_integers_it_would_read_back_rounded(tmp_path):
    kept = _events([shapely.Point(36, 32)] * 2, fatalities=pd.array([2**53, None], "Int64"))
    write_events(kept, tmp_path / "kept.shp")
    assert read_events(tmp_path / "kept.shp")["fatalities"].tolist() == [2**53, pd.NA]
    folder = tmp_path / "refused"
    folder.mkdir()
    big = _events([shapely.Point(36, 32)] * 2, fatalities=pd.array([1, 2**63 - 1], "Int64"))
    _refused(big, folder / "e.shp", "event 'e1'", "field 'fatalities'", "reads back as a float")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("a\x1bb", "control character"),
        ("\ufffe", "control character"),
        ("line\r\nbreak", "carriage return"),
        ("x ]]> y", "']]>'"),
    ],
)
def test_kml_refuses_text_xml_cannot_give_back(text, said, tmp_path):
    events = _events([shapely.Point(36, 32)] * 2, notes=["fine", text])
    _refused(events, tmp_path / "e.kml", "event 'e1'", "field 'notes'", said)


def test_kml_keeps_xml_text_tabs_line_feeds_and_markup(tmp_path):
    notes = ["tab\there", "two\nlines", "<b>bold</b> & 'quoted' \u2028 \x85 \U0001f600"]
    events = _events([shapely.Point(36, 32)] * 3, notes=notes)
    write_events(events, tmp_path / "e.kml")
    assert read_events(tmp_path / "e.kml")["notes"].tolist() == notes


@pytest.mark.parametrize(
    ("geometries", "said"),
    [
        ([shapely.Point(36, 32), shapely.Point(36, 32, 5)], "flat and event 'e1' has a Z"),
        ([shapely.Point(36, 32, 0), shapely.force_3d(BOX, 0)], "every Z is 0"),
    ],
    ids=["flat-next-to-3d", "all-at-altitude-0"],
)
def test_kml_refuses_z_it_cannot_tell_from_flat(geometries, said, tmp_path):
    _refused(_events(geometries), tmp_path / "e.kml", said)


def test_kml_keeps_3d_with_some_altitude(tmp_path):
    events = _events([shapely.Point(36, 32, 0), shapely.force_3d(BOX, 120.5), None])
    write_events(events, tmp_path / "e.kml")
    _same_shapes(read_events(tmp_path / "e.kml"), events)
