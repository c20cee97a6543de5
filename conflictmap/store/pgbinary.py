"""PostgreSQL's binary COPY format, built a column at a time with NumPy and pyarrow.

``COPY ... FROM STDIN (FORMAT binary)`` gives each row as a 16-bit field count, then each field
as a 32-bit length (-1 for NULL) and its bytes in the type's binary form. The server parses it
faster than CSV (1,000,000 events: 4.0-4.4 s against 5.6-7.4 s for their CSV), but psycopg's
``Copy.write_row`` builds it a value at a time in Python. Here each column becomes one pyarrow
binary array holding each row's field (its big-endian bytes), and pyarrow's
``binary_join_element_wise`` (C++, without the GIL) joins the fields of every row into the rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["SIGNATURE", "TRAILER", "binary_field", "binary_rows"]

# The file header (signature, flags, header extension length) and the end-of-data field count.
SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
_EPOCH_2000_US = 946_684_800_000_000  # PostgreSQL's timestamps count microseconds from 2000-01-01
_FIXED = {"smallint": ">i2", "bigint": ">i8", "double precision": ">f8"}


def binary_field(column: pd.Series, pg_type: str) -> pa.Array:
    """Return the binary form of each value of ``column`` as PostgreSQL type ``pg_type`` (None: NULL).

    Parameters
    ----------
    column
        Values of one column (missing values: NULL).
    pg_type
        ``text``, ``timestamp`` (without time zone), ``smallint``, ``bigint``, ``boolean`` or
        ``double precision``.

    Returns
    -------
    pyarrow.BinaryArray
        One value per row, null where the value is missing.
    """
    if pg_type == "text":
        return pa.array(column, type=pa.string(), from_pandas=True).cast(pa.binary())
    missing = column.isna().to_numpy()
    if pg_type == "timestamp":
        micros = column.to_numpy("datetime64[us]").view(np.int64)
        values = np.where(missing, 0, micros - _EPOCH_2000_US).astype(">i8")
    elif pg_type == "boolean":
        values = column.to_numpy(dtype=bool, na_value=False).astype(np.uint8)
    elif pg_type in _FIXED:
        kind = "float64" if pg_type == "double precision" else "int64"
        values = column.to_numpy(dtype=kind, na_value=0).astype(_FIXED[pg_type])
    else:
        raise ValueError(f"no binary COPY encoding for the type {pg_type!r}")
    return fixed_width(values.view(np.uint8).reshape(len(column), -1), valid=~missing)


def fixed_width(matrix: np.ndarray, *, valid: np.ndarray | None = None) -> pa.Array:
    """Return a binary array of the rows of a byte matrix (rows where ``valid`` is False: null)."""
    n, width = matrix.shape
    offsets = np.arange(n + 1, dtype=np.int32) * np.int32(width)
    data = np.ascontiguousarray(matrix)
    if valid is None or valid.all():
        return pa.BinaryArray.from_buffers(pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.BinaryArray.from_buffers(
        pa.binary(), n, [bitmap, pa.py_buffer(offsets), pa.py_buffer(data)], null_count=int((~valid).sum())
    )


def binary_rows(fields: Sequence[pa.Array]) -> bytes:
    """Return the rows of binary COPY data (no signature or trailer) of the given fields, in order.

    Parameters
    ----------
    fields
        One binary array per column, all of one length, from :func:`binary_field` (or any
        other binary form the column's type receives, such as EWKB for a PostGIS geometry).
    """
    if not fields or not len(fields[0]):
        return b""
    n = len(fields[0])
    count = np.full(n, len(fields), dtype=">i2").view(np.uint8).reshape(n, 2)
    parts = [fixed_width(count)]
    for field in fields:
        field = field.cast(pa.binary())
        lengths = pc.binary_length(field).fill_null(-1).to_numpy(zero_copy_only=False)
        parts.append(fixed_width(lengths.astype(">i4").view(np.uint8).reshape(n, 4)))
        parts.append(field.fill_null(b""))
    joined = pc.binary_join_element_wise(*parts, b"")
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32, count=n + 1, offset=joined.offset * 4)
    return joined.buffers()[2][int(offsets[0]) : int(offsets[-1])].to_pybytes()
