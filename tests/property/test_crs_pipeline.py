"""The same events in EPSG:4326, 3857 and UTM 37N give the same results end to end (hypothesis).

For each CRS, the events drawn in EPSG:4326 (the truth) are projected and go through every step
a user chains, both from a file in that CRS and as a projected GeoDataFrame given to the API:

- **read**: a GeoPackage in that CRS reads back as the truth's events with the truth's lon/lat
  (within 1e-6 degrees);
- **filter**: ``geo.filter_events`` by region ("southern Syria") and by box keeps exactly the
  events the truth keeps (an event within 1e-7 degrees of the region's outline, where a
  reprojection's last bits may decide, is not compared; none lies near a box edge, which is put
  between the coordinates drawn);
- **map**: ``layers.event_map`` puts each kept event's marker where the truth's map puts it. The
  page carries coordinates as integers of 1e-5 degrees (``layers.payload.COORD_SCALE``), so the
  marker is compared at that grain: within half a step plus 1e-6 of the truth's anchor, and at
  most one step from the truth's map (a value on a rounding tie may round either way);
- **write**: ``write_events`` to GeoJSON and GeoPackage writes the kept events with the truth's
  lon/lat (within 1e-6 degrees).
"""

from __future__ import annotations

import json
import sys
import tempfile
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflictmap import read_events, write_events
from conflictmap.errors import Reprojected
from geo.filters import SpatialFilter, filter_events
from layers import event_map
from layers.element import EventStore
from layers.payload import COORD_SCALE

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # lets this module import its neighbours under --import-mode=importlib
    sys.path.insert(0, str(HERE))

from event_strategies import events  # noqa: E402
from test_payload import decode  # noqa: E402  (the page's decoding of the payload, in Python)

CRSES = ("EPSG:4326", "EPSG:3857", "EPSG:32637")  # lon/lat, web-map metres, UTM zone 37N metres
TOLERANCE = 1e-6  # degrees
# Around southern Syria (35.77..37.49 E, 32.31..33.32 N): events inside it and outside.
AREA = (35.4, 32.0, 37.9, 33.6)
REGION = "southern Syria"
ON_OUTLINE = 1e-7  # degrees: reprojection moves a coordinate by some 1e-9
# Box edges on a 0.01 degree lattice moved by half a micro-degree: the drawn coordinates (on the
# 1e-6 lattice) are never on an edge, so a box keeps the same events in any CRS.
EDGE = st.integers(0, 250).map(lambda k: round(AREA[0] + k / 100, 2) + 5e-7)
EDGE_LAT = st.integers(0, 160).map(lambda k: round(AREA[1] + k / 100, 2) + 5e-7)


@st.composite
def boxes(draw):
    west, east = sorted(draw(st.lists(EDGE, min_size=2, max_size=2, unique=True)))
    south, north = sorted(draw(st.lists(EDGE_LAT, min_size=2, max_size=2, unique=True)))
    return (west, south, east, north)


def _coordinates(frame: gpd.GeoDataFrame) -> dict[str, np.ndarray]:
    """Each event's coordinates (x, y), by event_id; empty for an unlocated event."""
    return {
        event_id: shapely.get_coordinates(geom.normalize()) if geom is not None else np.empty((0, 2))
        for event_id, geom in zip(frame["event_id"], frame.geometry, strict=True)
    }


def _assert_lon_lat(frame: gpd.GeoDataFrame, truth: gpd.GeoDataFrame, what: str) -> None:
    """``frame`` holds exactly the events of ``truth``, in order, at the same lon/lat."""
    assert frame.crs is not None and frame.crs.equals("EPSG:4326"), what
    assert frame["event_id"].tolist() == truth["event_id"].tolist(), what
    got, want = _coordinates(frame), _coordinates(truth)
    for event_id, xy in want.items():
        assert got[event_id].shape == xy.shape, (what, event_id)
        np.testing.assert_allclose(got[event_id], xy, rtol=0, atol=TOLERANCE, err_msg=f"{what}: {event_id}")


def _near_outline(truth: gpd.GeoDataFrame) -> set[str]:
    """The events whose geometry lies within :data:`ON_OUTLINE` of the region's outline."""
    ((_, outline),) = SpatialFilter.build(region=REGION).outlines()
    boundary = outline.boundary
    return {
        event_id
        for event_id, geom in zip(truth["event_id"], truth.geometry, strict=True)
        if geom is not None and geom.distance(boundary) < ON_OUTLINE
    }


def _kept(frame: gpd.GeoDataFrame, *, box: tuple[float, float, float, float], near: set[str]) -> dict:
    """What the region and the box filters keep (the events near the outline left out of the region's)."""
    region = filter_events(frame, region=REGION)
    boxed = filter_events(frame, bbox=box)
    for kept in (region, boxed):
        assert kept.crs == frame.crs  # the rows as given: same CRS, same columns
        assert list(kept.columns) == list(frame.columns)
    return {"region": region[~region["event_id"].isin(near)], "box": boxed}


def _markers(frame: gpd.GeoDataFrame) -> dict[str, tuple[int, int]]:
    """The marker of each mapped event, as the page reads it: integers of 1/COORD_SCALE degree."""
    fmap = event_map(frame, tiles=None)
    (store,) = [child for child in fmap._children.values() if isinstance(child, EventStore)]
    data = json.loads(store.data_json)
    return {
        decode(data["text"]["id"], i): (data["x"][i] + data["x0"], data["y"][i] + data["y0"])
        for i in range(data["n"])
    }


def _anchor(geom: shapely.Geometry) -> tuple[float, float]:
    point = geom if geom.geom_type == "Point" else shapely.point_on_surface(geom)
    return point.x, point.y


def _check_map(frame: gpd.GeoDataFrame, truth: gpd.GeoDataFrame, truth_markers: dict, what: str) -> None:
    markers = _markers(frame)
    located = truth[truth.geometry.notna()]
    assert sorted(markers) == sorted(located["event_id"]), what
    for event_id, geom in zip(located["event_id"], located.geometry, strict=True):
        x, y = markers[event_id]
        lon, lat = _anchor(geom)
        assert abs(x / COORD_SCALE - lon) <= 0.5 / COORD_SCALE + TOLERANCE, (what, event_id)
        assert abs(y / COORD_SCALE - lat) <= 0.5 / COORD_SCALE + TOLERANCE, (what, event_id)
        tx, ty = truth_markers[event_id]
        assert abs(x - tx) <= 1 and abs(y - ty) <= 1, (what, event_id)


def _check_written(frame: gpd.GeoDataFrame, truth: gpd.GeoDataFrame, tmp: Path, what: str) -> None:
    if frame.empty:  # the readers refuse a file of no events, as an input that is surely a mistake
        return
    for name in ("kept.geojson", "kept.gpkg"):
        path = tmp / name
        write_events(frame, path)
        if name.endswith(".geojson"):
            for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
                assert "crs" not in feature  # RFC 7946: lon/lat, said by no member
        _assert_lon_lat(read_events(path), truth, f"{what}, written to {name}")


SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.filterwarnings("ignore::conflictmap.errors.Reprojected")
@SETTINGS
@given(truth=events(bounds=AREA), box=boxes())
def test_read_filter_map_write_agree_in_every_crs(truth, box):
    truth = truth.reset_index(drop=True)
    near = _near_outline(truth)
    want = _kept(truth, box=box, near=near)
    truth_markers = {kind: _markers(kept) for kind, kept in want.items()}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for crs in CRSES:
            projected = truth.to_crs(crs)
            source = tmp / f"events_{crs.replace(':', '_')}.gpkg"
            projected.to_file(
                source, driver="GPKG", layer="events", engine="pyogrio", geometry_type="Unknown",
                promote_to_multi=False,
            )
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                read = read_events(source)
            _assert_lon_lat(read, truth, f"{crs}: read")
            said = [str(w.message) for w in caught if issubclass(w.category, Reprojected)]
            assert bool(said) == (crs != "EPSG:4326"), said  # a reprojection is said, only then
            for how, frame in (("read", read), ("API", projected)):
                for kind, kept in _kept(frame, box=box, near=near).items():
                    what = f"{crs} ({how}), {kind}"
                    assert kept["event_id"].tolist() == want[kind]["event_id"].tolist(), what
                    _check_map(kept, want[kind], truth_markers[kind], what)
                    _check_written(kept, want[kind], tmp, what)
