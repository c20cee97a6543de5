"""A fast path for plain CSV files: split by pyarrow's CSV reader (C++), cells as the csv module gives them.

The csv module splits 1,000,000 rows in some 5 s of Python (one call per line, one list per row)
and pandas takes 1-2 s more to turn the rows into a frame; pyarrow splits the same file in a
fraction of a second. Only a *plain* file takes this path, one where both readers must give the
same cells by construction:

* UTF-8 without a byte-order mark (the caller checked that it decodes);
* no quote character, so no field is quoted or spans lines; no carriage return (lines end at LF
  only), no NUL, no empty line, so that row ``k`` is on line ``k + 2``;
* a header of at least two distinct names, every row with exactly the header's number of fields
  (pyarrow refuses any other row) and at least one non-blank cell (the csv reader skips
  blank rows).

The file's cells are held in Arrow's compact form (about the size of the file) while its blocks
are checked, so only a file up to :data:`MAX_BYTES` takes this path: a bigger one is streamed by
the csv module, its text never held whole.

Every other file, and every file pyarrow cannot read, goes to :func:`~conflictmap.readers._text.csv_blocks`,
which gives every error its message; such a file costs a scan of its bytes (or pyarrow's failed
read) first.
"""

from __future__ import annotations

import codecs
import mmap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

__all__ = ["plain_csv_blocks"]

_NOT_PLAIN = (b'"', b"\r", b"\x00", b"\n\n")
MAX_BYTES = 256 << 20  # some 4,000,000 rows of a bench-like file
_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' "str"


def plain_csv_blocks(
    path: Path, *, encoding: str, size: int
) -> tuple[list[str], Iterator[tuple[pd.DataFrame, np.ndarray]]] | None:
    """Return the header and blocks of a plain CSV file (see the module), or None if it is not plain.

    Parameters
    ----------
    path
        The file, already checked to decode in ``encoding``.
    encoding
        Its encoding: only UTF-8 takes this path.
    size
        Rows per block.

    Returns
    -------
    header : list of str
        The column names, stripped, as :func:`~conflictmap.readers._text.csv_blocks` gives them.
    blocks : iterator
        ``(raw, lines)`` pairs: the rows as a frame of text cells (pandas' ``str`` dtype, backed by
        Arrow, none missing; columns named by the header) and the line of each row.
    """
    if codecs.lookup(encoding).name != "utf-8" or not 0 < path.stat().st_size <= MAX_BYTES:
        return None
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data[:3] == codecs.BOM_UTF8 or any(data.find(mark) >= 0 for mark in _NOT_PLAIN):
            return None
        end = data.find(b"\n")
        first = (data[:end] if end >= 0 else data[:]).decode("utf-8")
    delimiter = max(",;\t", key=first.count)  # as csv_blocks takes it
    header = [name.strip() for name in first.split(delimiter)]
    if len(header) < 2 or len(set(header)) != len(header) or end < 0:
        return None
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=[f"c{k}" for k in range(len(header))], skip_rows=1),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char=False, escape_char=False, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                # pandas keeps its text as large_string: read so, not cast block by block
                column_types={f"c{k}": pa.large_string() for k in range(len(header))},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # a row of other length: csv_blocks says which
        return None
    if _has_blank_row(table):
        return None
    return header, _blocks(table, header, size)


def _has_blank_row(table: pa.Table) -> bool:
    """Whether a row has only blank cells (the csv reader skips it; then line numbers differ)."""
    doubtful = np.arange(table.num_rows)
    for column in table.columns:  # a cell with a letter or digit is not blank: the others, column by column
        if not len(doubtful):
            return False
        cells = column if len(doubtful) == table.num_rows else column.take(pa.array(doubtful))
        doubtful = doubtful[~pc.match_substring_regex(cells, "[0-9A-Za-z]").to_numpy(zero_copy_only=False)]
    for row in doubtful.tolist():  # exactly as the csv reader's test, for the few others
        if not any(str(table.column(k)[row].as_py()).strip() for k in range(table.num_columns)):
            return True
    return False


def _blocks(table: pa.Table, header: list[str], size: int) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    total = table.num_rows
    for start in range(0, max(total, 1), size):
        part = table.slice(start, size)
        # Arrow text as pandas' text dtype, without a copy into Python strings: the checks take
        # text columns as they are (an object column was turned back into Arrow text, 0.13 s per
        # 100,000 rows), and pyarrow's trimming and Python's str.strip agree on every code point.
        cells = {
            name: pd.arrays.ArrowStringArray(part.column(k).combine_chunks(), dtype=_TEXT)
            for k, name in enumerate(header)
        }
        raw = pd.DataFrame(cells, columns=header, copy=False)
        yield raw, np.arange(start + 2, start + 2 + part.num_rows, dtype=np.int64)
