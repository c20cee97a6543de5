"""Plain numbers read by pyarrow's casts give what pandas' to_numeric gives, value, sign and type."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictmap.validate import _numbers, _plain_numbers

# Plain numbers (see validate._PLAIN_NUMBER): a minus maybe, digits, a point and digits maybe.
PLAIN = st.builds(
    lambda minus, whole, fraction: ("-" if minus else "") + whole + ("." + fraction if fraction else ""),
    st.booleans(),
    st.text(alphabet="0123456789", min_size=1, max_size=9),
    st.text(alphabet="0123456789", max_size=9),
)
# Decimal degrees as files write them, with 0 to 12 decimals.
DEGREES = st.builds(
    lambda value, decimals: f"{value:.{decimals}f}",
    st.floats(-180, 180, allow_nan=False),
    st.integers(0, 12),
)
# Cells pandas reads another way or not at all: these send a column to pandas.
OTHER_CELLS = ["+1", " 5", "5 ", "1e3", "1E-2", "nan", "inf", ".5", "5.", "1_000", "0x10", "١٢", "-"]
OTHER_CELLS += ["1" * 16]  # 16 digits
OTHER = st.sampled_from(OTHER_CELLS)


def _pandas(cells: list[str | None], *, nullable: bool) -> pd.Series:
    values = pd.Series(cells, dtype="str", name="latitude")
    if nullable:
        return pd.to_numeric(values, errors="coerce", dtype_backend="numpy_nullable")
    return pd.to_numeric(values, errors="coerce")


def _same(got: pd.Series, expected: pd.Series) -> None:
    pd.testing.assert_series_equal(got, expected, check_exact=True)
    a, b = (s.to_numpy(dtype="float64", na_value=np.nan) for s in (got, expected))
    assert np.array_equal(np.signbit(a), np.signbit(b))  # -0.0 is not 0.0: points are told apart by bits


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.one_of(PLAIN, DEGREES, st.none(), OTHER), min_size=1, max_size=12),
    st.booleans(),
)
def test_plain_numbers_are_what_pandas_reads(cells, nullable):
    got = _plain_numbers(pd.Series(cells, dtype="str", name="latitude"), nullable=nullable)
    plain = [c for c in cells if c is not None]
    if plain and all(c not in OTHER_CELLS and len(c) <= 15 for c in plain):
        assert got is not None  # the fast path is taken for every plain column
    if got is not None:
        _same(got, _pandas(cells, nullable=nullable))


@settings(max_examples=300, deadline=None)
@given(st.lists(DEGREES, min_size=1, max_size=50))
def test_degrees_as_pandas_reads_them(cells):
    values = pd.Series(cells, dtype="str")
    got = _plain_numbers(values, nullable=False)
    if all(len(c) <= 15 for c in cells):
        assert got is not None
        _same(got, pd.to_numeric(values, errors="coerce"))


@pytest.mark.parametrize(
    ("cells", "dtype", "expected"),
    [
        (["-0", "1"], "int64", [0.0, 1.0]),  # integers: no negative zero
        (["-0", None, "1"], "float64", [-0.0, np.nan, 1.0]),  # floats: as pandas, -0.0
        (["-0.0", "36.5"], "float64", [-0.0, 36.5]),
        (["007", "1.50"], "float64", [7.0, 1.5]),
    ],
)
def test_corners(cells, dtype, expected):
    got = _numbers(pd.Series(cells, dtype="str"))
    assert str(got.dtype) == dtype
    values = got.to_numpy(dtype="float64")
    np.testing.assert_array_equal(values, expected)
    np.testing.assert_array_equal(np.signbit(values), np.signbit(expected))


@pytest.mark.parametrize(
    "cells",
    [[" 5", "6"], ["1e1", "2"], [None, None], ["+5"], ["1234567890123456"], []],
)
def test_other_columns_go_to_pandas(cells):
    values = pd.Series(cells, dtype="str")
    assert _plain_numbers(values, nullable=False) is None
    assert _plain_numbers(values, nullable=True) is None
    assert _plain_numbers(values.astype(object), nullable=False) is None  # not Arrow text
