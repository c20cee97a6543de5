"""Write then read gives an equal frame, for every format (hypothesis)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from conflictmap import read_events, write_events
from conflictmap.schema import COLUMNS

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # lets this module `import event_strategies` under --import-mode=importlib
    sys.path.insert(0, str(HERE))

from event_strategies import events  # noqa: E402


def _roundtrip(frame: gpd.GeoDataFrame, suffix: str) -> gpd.GeoDataFrame:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"events{suffix}"
        write_events(frame, path)
        return read_events(path)


def _assert_same(original: gpd.GeoDataFrame, back: gpd.GeoDataFrame) -> None:
    assert list(back.columns) == [*COLUMNS, "geometry"]
    pd.testing.assert_frame_equal(pd.DataFrame(original[list(COLUMNS)]),
                                  pd.DataFrame(back[list(COLUMNS)]))
    assert back.crs == original.crs
    for a, b in zip(original.geometry, back.geometry, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.normalize().equals_exact(b.normalize(), tolerance=1e-9)


SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("suffix", [".geojson", ".csv", ".gpkg", ".parquet"])
@SETTINGS
@given(frame=events())
def test_write_then_read_gives_an_equal_frame(suffix, frame):
    _assert_same(frame, _roundtrip(frame, suffix))


@SETTINGS
@given(events())
def test_points_keep_longitude_as_x(frame):
    back = _roundtrip(frame, ".geojson")
    points = back[back.geom_type == "Point"]
    original = frame.set_index("event_id").geometry
    for event_id, point in zip(points["event_id"], points.geometry, strict=True):
        assert point.x == original[event_id].x  # x is longitude, never swapped
