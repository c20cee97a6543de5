"""Admin units at points: the search by bands of longitude answers as a test of every unit in turn."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.regions import _first_containing, default_regions


def _every_unit_in_turn(tree, units, x, y):
    """The first unit (in index order) whose area covers each point, testing all points each time."""
    found = np.full(len(x), -1, dtype=np.intp)
    given = ~(np.isnan(x) | np.isnan(y))
    if not given.any():
        return found
    box = shapely.box(x[given].min(), y[given].min(), x[given].max(), y[given].max())
    for k in sorted(tree.query(box).tolist()):
        todo = np.flatnonzero((found < 0) & given)
        inside = shapely.intersects_xy(units[k].geometry, x[todo], y[todo])
        found[todo[inside]] = k
    return found


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from([(35.0, 29.0, 43.0, 38.0), (35.5, 32.5, 36.5, 33.5), (-180.0, -90.0, 180.0, 90.0)]),
    st.integers(0, 6000),
    st.integers(0, 2**32 - 1),
)
def test_first_containing_as_every_unit_in_turn(box, n, seed):
    rng = np.random.default_rng(seed)
    x = np.round(rng.uniform(box[0], box[2], n), 3)
    y = np.round(rng.uniform(box[1], box[3], n), 3)
    x[::53] = np.nan
    if n:
        x[0], y[0] = 35.82, 33.0  # near the Golan's lines
    regions = default_regions()
    for tree, units in (regions._admin1, regions._countries):
        assert np.array_equal(_first_containing(tree, units, x, y), _every_unit_in_turn(tree, units, x, y))
