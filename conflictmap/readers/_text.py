"""Reading input files as text, with errors that say what is wrong and how to fix it."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

from conflictmap.errors import InputError, SchemaError, short_repr

__all__ = ["check_readable", "csv_records", "read_text"]


def check_readable(path: Path) -> None:
    """Fail with a clear message when ``path`` is missing, a folder or empty."""
    if not path.exists():
        msg = f"{path}: no such file"
        raise InputError(msg)
    if path.is_dir():
        msg = f"{path}: is a directory, expected an events file"
        raise InputError(msg)
    if path.stat().st_size == 0:
        msg = f"{path}: the file is empty"
        raise InputError(msg)


def read_text(path: Path, *, encoding: str = "utf-8") -> str:
    """Read a whole file as text.

    A UTF-8 byte-order mark is dropped. Undecodable bytes are an error naming the line and the
    byte, with the fix (``--encoding``).
    """
    check_readable(path)
    data = path.read_bytes()
    if _looks_binary(data, encoding):
        msg = f"{path}: looks like a binary file (it contains NUL bytes), not text"
        raise InputError(msg)
    name = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
    try:
        text = data.decode(name)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        byte = data[err.start : err.start + 1].hex()
        msg = (
            f"{path}: line {line}: byte 0x{byte} is not valid {encoding}; save the file as "
            f"UTF-8 or name its encoding, e.g. --encoding latin-1"
        )
        raise InputError(msg) from err
    except LookupError as err:
        msg = f"unknown encoding {short_repr(encoding)}"
        raise InputError(msg) from err
    if not text.strip():
        msg = f"{path}: the file holds only white space"
        raise InputError(msg)
    return text


def _looks_binary(data: bytes, encoding: str) -> bool:
    """Tell a binary file (or UTF-16 without its mark) from text that holds a NUL character.

    Text may hold NUL in a field: the CSV writer writes it as it is, and the csv module reads
    it since Python 3.11. A binary file has one on its first line (where a table's header or a
    document starts), or its first bytes do not decode.
    """
    sample = data[:8192]
    if b"\x00" not in sample or data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in sample.split(b"\n", 1)[0]:
        return True
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        return True
    except LookupError:
        return False  # the caller reports the unknown encoding
    return False


def csv_records(text: str, *, path: Path) -> tuple[list[str], list[list[str]], list[str]]:
    """Split CSV text into a header, rows and a ``"line N"`` label for each row.

    The delimiter (comma, semicolon or tab) is taken from the header line. Blank lines are
    skipped; a row with more fields than the header is an error.
    """
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    _allow_fields_of(len(text))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
        rows, labels = [], []
        for line, row in _numbered(reader):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                msg = f"{len(row)} fields, but the header has {len(header)}"
                raise SchemaError(msg, path=str(path), row=f"line {line}")
            rows.append(row + [""] * (len(header) - len(row)))
            labels.append(f"line {line}")
    except csv.Error as err:
        msg = f"{path}: line {reader.line_num}: not valid CSV: {err}"
        raise InputError(msg) from err
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        msg = f"{path}: line 1: repeated column names {dupes}"
        raise SchemaError(msg)
    return header, rows, labels


def _allow_fields_of(size: int) -> None:
    """Let the csv module read a field as long as ``size`` characters (default limit: 131,072).

    The limit guards readers that stream a file; here the whole text is already in memory and
    no field can be longer than it. The limit is process-wide, so it is only ever raised:
    restoring it afterwards would race with another thread reading a larger file.
    """
    wanted = min(size + 1, 2**31 - 1)  # the limit is a C long, 32 bits on Windows
    if csv.field_size_limit() < wanted:
        csv.field_size_limit(wanted)


def _numbered(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    start = 2
    for row in reader:
        yield start, row
        start = reader.line_num + 1  # type: ignore[attr-defined]
