"""Points built from coordinates: one shared object per distinct position, told apart by bits."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictmap.validate import _shared_points

COORD = st.sampled_from([0.0, -0.0, 1.5, -1.5, 36.25, 1e-300, 180.0])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(COORD, COORD), max_size=40))
def test_one_object_per_position(pairs):
    x = np.array([p[0] for p in pairs], dtype=float)
    y = np.array([p[1] for p in pairs], dtype=float)
    points = _shared_points(x, y)
    assert len(points) == len(pairs)
    if not len(pairs):
        return
    xy = shapely.get_coordinates(points)
    bits = np.column_stack([x, y]).view(np.uint64)
    np.testing.assert_array_equal(xy.view(np.uint64), bits)  # -0.0 stays -0.0
    same_place = (bits[:, None, :] == bits[None, :, :]).all(axis=2)
    same_object = np.array([[a is b for b in points] for a in points])
    np.testing.assert_array_equal(same_object, same_place)
