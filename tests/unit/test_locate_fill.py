"""Filling empty admin-1 and country cells in pyarrow writes what the object-column path wrote."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.locate import _empty, _fill_missing, _objects, _text

CELL = st.sampled_from(["", "SY", "Daraa", " ", "é", None])


def _by_objects(column: pd.Series, rows: np.ndarray, values: np.ndarray) -> pd.Series:
    """The path every fill took before: an object column written into, made Arrow text again."""
    take = (_text(column)[rows] == "") & (values != "")
    if not take.any():
        return column
    cells = _objects(column)
    cells[rows[take]] = values[take]
    return pd.Series(pd.array(cells, dtype="str"), index=column.index)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(CELL, st.booleans(), CELL), max_size=25), st.booleans())
def test_fill_missing_as_the_object_path(cells, unsorted):
    column = pd.Series([c for c, _, _ in cells], dtype="str", name="country")
    rows = np.array([i for i, (_, chosen, _) in enumerate(cells) if chosen], dtype=np.intp)
    values = np.array([v if v is not None else "" for _, chosen, v in cells if chosen], dtype=object)
    if unsorted:  # any order of rows: the pyarrow path declines, the result is the same
        rows, values = rows[::-1], values[::-1]
    expected = _by_objects(column, rows, values)
    out = gpd.GeoDataFrame({"country": column}, geometry=gpd.GeoSeries([None] * len(cells)))
    _fill_missing(out, "country", rows, values)
    pd.testing.assert_series_equal(out["country"], expected, check_names=False)
    np.testing.assert_array_equal(_empty(out["country"]), _text(out["country"]) == "")


def test_none_among_the_values_is_missing():
    out = gpd.GeoDataFrame({"country": pd.Series([None, "", "SY"], dtype="str")}, geometry=[None] * 3)
    _fill_missing(out, "country", np.array([0, 1]), np.array([None, "LB"], dtype=object))
    assert out["country"].tolist()[1:] == ["LB", "SY"] and pd.isna(out["country"].iloc[0])
    assert out["country"].dtype == "str"
