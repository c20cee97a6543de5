"""Events per province agree with plain geometry (hypothesis, shipped admin-1 polygons).

For located point events over Syria and its neighbours, the counts of ``region_counts`` add up
to the number of events inside some counting unit (the admin-1 polygons, and the Gaza Strip and
the West Bank for Palestine, which has none: ``counting_units``), each unit's count is the number
of points it contains (a point on a shared border goes to one unit only), and unlocated events
never count.
"""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.regions import default_regions
from layers.choropleth import counting_units, event_units, region_counts

WEST, SOUTH, EAST, NORTH = 33.0, 28.0, 45.0, 39.0


@cache
def _admin1() -> tuple[list[str], np.ndarray, shapely.Geometry]:
    units = counting_units(default_regions())
    geoms = np.array([u.geometry for u in units], dtype=object)
    return [u.region_id for u in units], geoms, shapely.union_all(geoms)


lons = st.floats(WEST, EAST, allow_nan=False, allow_infinity=False)
lats = st.floats(SOUTH, NORTH, allow_nan=False, allow_infinity=False)
events = st.lists(st.tuples(lons, lats, st.booleans()), max_size=60)


def _frame(rows: list[tuple[float, float, bool]]) -> gpd.GeoDataFrame:
    geoms = [shapely.Point(lon, lat) if located else None for lon, lat, located in rows]
    return gpd.GeoDataFrame(
        {"located": [located for *_, located in rows]}, geometry=gpd.GeoSeries(geoms), crs="EPSG:4326"
    )


@settings(max_examples=60, deadline=None)
@given(rows=events)
def test_counts_add_up_to_located_events_inside_admin1_units(rows) -> None:
    frame = _frame(rows)
    _, _, union = _admin1()
    points = [shapely.Point(lon, lat) for lon, lat, located in rows if located]
    inside = int(np.sum(shapely.intersects(union, points))) if points else 0
    counts = region_counts(frame)
    assert int(counts["events"].sum()) == inside
    assert (counts["events"] > 0).all()


@settings(max_examples=40, deadline=None)
@given(rows=events)
def test_each_event_is_counted_in_a_unit_that_contains_it(rows) -> None:
    frame = _frame(rows)
    ids, geoms, _ = _admin1()
    by_id = dict(zip(ids, geoms, strict=True))
    units = event_units(frame)
    for (lon, lat, located), region_id in zip(rows, units["region_id"], strict=True):
        if isinstance(region_id, str):
            assert located
            assert shapely.intersects(by_id[region_id], shapely.Point(lon, lat))
        else:
            assert not located or not any(shapely.intersects(geoms, shapely.Point(lon, lat)))
