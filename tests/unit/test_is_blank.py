"""Blank cells: the pyarrow prefilter finds what a Python test of every cell finds."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictmap.validate import _is_blank

CELL = st.one_of(
    st.text(alphabet=" \t\n\x0b\x0c\x1c\x1f\x85\xa0\u2028\u3000a7é-.", max_size=4),
    st.sampled_from(["", " ", "\u3000", "33.5", " 36.1 "]),
    st.none(),
    st.just(np.nan),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(CELL, max_size=30), st.booleans())
def test_is_blank_as_a_test_of_every_cell(cells, other):
    if other:
        cells = [*cells, 5]  # not only text: the Python test of every cell
    series = pd.Series(cells, dtype=object, index=np.arange(len(cells)) * 2, name="latitude")
    expected = series.isna() | series.map(lambda v: isinstance(v, str) and not v.strip())
    pd.testing.assert_series_equal(_is_blank(series), expected.astype(bool))
