"""The encoding of store rows: the same hashes as before, and geometry as PostGIS itself would write it."""

from __future__ import annotations

import hashlib

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictmap.categories import default_registry
from conflictmap.schema import COLUMNS, DTYPES
from conflictmap.store.postgis import _ewkb
from conflictmap.store.rows import encode_stored


def _expected(geoms: np.ndarray) -> list[bytes | None]:
    """EWKB with SRID 4326 as shapely writes it (as PostGIS's ST_AsEWKB)."""
    return list(shapely.to_wkb(shapely.set_srid(geoms, 4326), include_srid=True, byte_order=1))


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
def test_ewkb_is_shapely_ewkb_with_srid_4326(shapes: list[object]) -> None:
    geoms = np.array(shapes, dtype=object)
    got = _ewkb(shapely.to_wkb(geoms, byte_order=1)).to_pylist()
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
def test_ewkb_of_points_property(coords: list[tuple[float, float]]) -> None:
    xy = np.asarray(coords, dtype=float)
    geoms = shapely.points(xy)
    got = _ewkb(shapely.to_wkb(geoms, byte_order=1)).to_pylist()
    assert got == _expected(geoms)
    # The point type with the SRID flag (0x20000001, little-endian), then SRID 4326 (0x10e6).
    assert {value[1:9] for value in got} == {bytes.fromhex("01000020e6100000")}


def _hashes_row_by_row_dates(rows: pd.DataFrame, wkb: np.ndarray) -> list[str]:
    """The content hash as main computed it: every row's dates written by NumPy one by one."""
    parts = []
    for name in (*COLUMNS, "extras"):
        column = rows[name]
        if name in ("event_date", "date_end"):
            text = np.datetime_as_string(column.to_numpy("datetime64[us]"), unit="us")
            parts.append(pa.array(text, type=pa.string()))
        elif column.dtype == bool:
            parts.append(pa.array(np.where(column.to_numpy(), "True", "False"), type=pa.string()))
        elif pd.api.types.is_integer_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype):
            parts.append(pa.array(column, from_pandas=True).cast(pa.string()))
        else:
            parts.append(pa.array(column.astype(object).astype("str"), from_pandas=True).cast(pa.string()))
    joined = pc.binary_join_element_wise(*parts, "\x1f", null_handling="replace", null_replacement="\x00")
    shapes = pa.array(wkb, type=pa.binary(), from_pandas=True).fill_null(b"")
    data = pc.binary_join_element_wise(joined.cast(pa.binary()), shapes, b"").to_pylist()
    return [hashlib.blake2b(value, digest_size=16).hexdigest() for value in data]


MICROS = st.one_of(st.none(), st.integers(-(2**55), 2**55), st.sampled_from([0, 86_400_000_000, -1]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(MICROS, MICROS), min_size=1, max_size=40))
def test_content_hash_of_dates_as_written_row_by_row(days):
    def dates(values):
        return pd.Series(
            np.array([np.iinfo(np.int64).min if v is None else v for v in values], dtype=np.int64).view(
                "datetime64[us]"
            )
        )

    events = read_events_frame(len(days))
    events["event_date"] = dates([a for a, _ in days])
    events["date_end"] = dates([b for _, b in days])
    rows = encode_stored(events, registry=default_registry())
    wkb = shapely.to_wkb(np.asarray(events.geometry.array, dtype=object), byte_order=1)
    assert rows["content_hash"].tolist() == _hashes_row_by_row_dates(rows, wkb)


def read_events_frame(n: int) -> gpd.GeoDataFrame:
    """``n`` events of the model (text, numbers, a point), their dates to be set by the caller."""
    frame = pd.DataFrame(
        {name: pd.Series([_empty(DTYPES[name])] * n, dtype=DTYPES[name]) for name in COLUMNS}
    )
    frame["event_id"] = [f"e{i}" for i in range(n)]
    frame["category"] = "shelling"
    frame["located"] = True
    frame["fatalities"] = pd.array(range(n), dtype="Int64")
    return gpd.GeoDataFrame(frame, geometry=shapely.points(np.arange(n) * 0.5, np.zeros(n)), crs=4326)


def _empty(dtype: object) -> object:
    """A missing value of ``dtype``, or 1 where it has none (time_precision, int8)."""
    return 1 if str(dtype) in ("int8", "int16", "int32", "int64") else None
