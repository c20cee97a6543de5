"""The encoding of store rows: what the PostGIS COPY receives must be what PostGIS itself would write."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictmap.store.postgis import _ewkb_hex


def _expected(geoms: np.ndarray) -> list[str | None]:
    """Hex EWKB with SRID 4326 as shapely writes it (upper case hex, as PostGIS's ST_AsHexEWKB)."""
    out = shapely.to_wkb(shapely.set_srid(geoms, 4326), hex=True, include_srid=True, byte_order=1)
    return [None if value is None else value.lower() for value in out]


@pytest.mark.parametrize(
    "shapes",
    [
        [shapely.Point(36.5, 33.25), shapely.Point(-0.0, 89.9), shapely.Point(179.99999, -12.5)],
        [shapely.Point(1, 2), None, shapely.Point(3, 4)],  # a missing one: one by one
        [shapely.box(35, 32, 36, 33), shapely.Point(35.5, 32.5)],  # mixed sizes: one by one
        [shapely.box(35, 32, 36, 33), shapely.box(0, 0, 1, 1)],  # same size, not points
        [shapely.MultiPoint([(1, 2), (3, 4)]), shapely.LineString([(0, 0), (1, 1)])],
        [None, None],
        [],
    ],
)
def test_ewkb_hex_is_shapely_ewkb_with_srid_4326(shapes: list[object]) -> None:
    geoms = np.array(shapes, dtype=object)
    got = _ewkb_hex(shapely.to_wkb(geoms, byte_order=1)).to_pylist()
    assert got == _expected(geoms)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(-180, 180, allow_nan=False, allow_infinity=False),
            st.floats(-90, 90, allow_nan=False, allow_infinity=False),
        ),
        min_size=1,
        max_size=200,
    )
)
def test_ewkb_hex_of_points_property(coords: list[tuple[float, float]]) -> None:
    xy = np.asarray(coords, dtype=float)
    geoms = shapely.points(xy)
    got = _ewkb_hex(shapely.to_wkb(geoms, byte_order=1)).to_pylist()
    assert got == _expected(geoms)
    # The point type with the SRID flag (0x20000001, little-endian), then SRID 4326 (0x10e6).
    assert {value[2:18] for value in got} == {"01000020e6100000"}
