"""PostgreSQL's binary COPY rows, built by columns: read back by an independent row-by-row decoder."""

from __future__ import annotations

import struct
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictmap.store.pgbinary import SIGNATURE, TRAILER, binary_field, binary_rows

EPOCH_2000 = datetime(2000, 1, 1)
DECODE = {
    "text": lambda b: b.decode("utf-8"),
    "smallint": lambda b: struct.unpack(">h", b)[0],
    "bigint": lambda b: struct.unpack(">q", b)[0],
    "double precision": lambda b: struct.unpack(">d", b)[0],
    "boolean": lambda b: {b"\x00": False, b"\x01": True}[b],
    "timestamp": lambda b: EPOCH_2000 + timedelta(microseconds=struct.unpack(">q", b)[0]),
    "bytes": lambda b: b,
}


def decode(data: bytes, types: list[str]) -> list[tuple[object, ...]]:
    """Read binary COPY rows as the server does: field count, then (length, bytes) per field."""
    rows, at = [], 0
    while at < len(data):
        (count,) = struct.unpack_from(">h", data, at)
        assert count == len(types)
        at += 2
        row = []
        for kind in types:
            (size,) = struct.unpack_from(">i", data, at)
            at += 4
            if size == -1:
                row.append(None)
                continue
            row.append(DECODE[kind](data[at : at + size]))
            at += size
        rows.append(tuple(row))
    return rows


def test_columns_of_every_type_with_missing_values() -> None:
    frame = pd.DataFrame(
        {
            "id": pd.Series(["a", None, "Ḥalab – حلب", ""], dtype="str"),
            "day": pd.to_datetime(
                ["2020-05-03", None, "1999-12-31 23:59:59.000001", "2000-01-01"], format="ISO8601"
            ).astype("datetime64[us]"),
            "precision": pd.Series([1, None, 3, -2], dtype="Int8"),
            "rank": np.array([0, 1, 2, 3], dtype=np.int8),
            "deaths": pd.Series([0, 2**40, None, -5], dtype="Int64"),
            "located": [True, False, True, False],
            "x": [35.5, np.nan, -0.0, 1e-300],
            "bytes": [b"\x00\x01", None, b"", b"\xff"],
        }
    )
    types = ["text", "timestamp", "smallint", "smallint", "bigint", "boolean", "double precision"]
    fields = [binary_field(frame[name], kind) for name, kind in zip(frame.columns, types, strict=False)]
    fields.append(pa.array(frame["bytes"], type=pa.binary(), from_pandas=True))  # as EWKB is given
    got = decode(binary_rows(fields), [*types, "bytes"])
    assert got == [
        ("a", datetime(2020, 5, 3), 1, 0, 0, True, 35.5, b"\x00\x01"),
        (None, None, None, 1, 2**40, False, None, None),
        ("Ḥalab – حلب", datetime(1999, 12, 31, 23, 59, 59, 1), 3, 2, None, True, -0.0, b""),
        ("", datetime(2000, 1, 1), -2, 3, -5, False, 1e-300, b"\xff"),
    ]


def test_no_rows_and_the_frame_of_the_data() -> None:
    assert binary_rows([]) == b""
    assert binary_rows([binary_field(pd.Series([], dtype="str"), "text")]) == b""
    assert SIGNATURE[:11] == b"PGCOPY\n\xff\r\n\x00" and len(SIGNATURE) == 19 and TRAILER == b"\xff\xff"


def test_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match="interval"):
        binary_field(pd.Series([1]), "interval")


TEXT = st.one_of(
    st.none(), st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))
)
INT = st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1))
MICROS = st.one_of(st.none(), st.integers(-(2**52), 2**52))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(TEXT, INT, MICROS), min_size=1, max_size=60))
def test_rows_decode_to_the_values_property(values: list[tuple[str | None, int | None, int | None]]) -> None:
    texts = pd.Series([t for t, _, _ in values], dtype="str")
    ints = pd.Series([i for _, i, _ in values], dtype="Int64")
    micros = np.array([np.iinfo(np.int64).min if m is None else m for _, _, m in values], dtype=np.int64)
    days = pd.Series(micros.view("datetime64[us]"))
    fields = [binary_field(texts, "text"), binary_field(ints, "bigint"), binary_field(days, "timestamp")]
    got = decode(binary_rows(fields), ["text", "bigint", "timestamp"])
    unix = datetime(1970, 1, 1)
    assert got == [(t, i, None if m is None else unix + timedelta(microseconds=m)) for t, i, m in values]
