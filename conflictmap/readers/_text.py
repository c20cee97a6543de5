"""Reading input files as text, with errors that say what is wrong and how to fix it."""

from __future__ import annotations

import codecs
import csv
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from conflictmap.errors import InputError, SchemaError, short_repr

__all__ = [
    "LineLabels",
    "check_readable",
    "check_text",
    "csv_blocks",
    "csv_records",
    "read_text",
    "shorten",
    "text_lines",
]


def shorten(text: object, limit: int = 300) -> str:
    """Cap a text quoted in a message: an exception's text may repeat a value from the input."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
    try:
        text = data.decode(_codec(encoding))
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
    except UnicodeError:  # UnicodeDecodeError, or UTF-16 without its byte-order mark
        return True
    except LookupError:
        return False  # the caller reports the unknown encoding
    return False


def check_text(path: Path, *, encoding: str = "utf-8") -> None:
    """Make the checks of :func:`read_text` reading the file in pieces, without keeping its text.

    On a problem, :func:`read_text` reads the file and raises its error (naming the line and
    the byte): only a bad file pays for holding its whole text.
    """
    check_readable(path)
    try:
        decoder = codecs.getincrementaldecoder(_codec(encoding))()
        blank = True
        with path.open("rb") as fh:
            chunk = fh.read(8192)
            if _looks_binary(chunk, encoding):
                raise ValueError("NUL")
            while chunk:
                piece = decoder.decode(chunk)  # every piece: its bytes may not decode
                blank = blank and not piece.strip()
                chunk = fh.read(1 << 20)
        piece = decoder.decode(b"", final=True)
        if blank and not piece.strip():
            raise ValueError("blank")
    except (ValueError, LookupError):  # UnicodeDecodeError is a ValueError
        read_text(path, encoding=encoding)  # raises the error with its details


def text_lines(path: Path, *, encoding: str = "utf-8") -> Iterator[str]:
    """Yield the lines of a text file as :func:`read_text` would decode it, with their endings.

    Lines end at LF, CRLF or a lone CR, as in ``io.StringIO(text, newline="")``. Check the
    file with :func:`check_text` first: decoding errors are not reported here. UTF-8 is read
    as it goes; other encodings are decoded whole, as :func:`read_text` does (a file stream
    decodes some differently: UTF-16 without a byte-order mark).
    """
    name = _codec(encoding)
    if name != "utf-8-sig":
        yield from _lines(read_text(path, encoding=encoding))
        return
    with path.open(encoding=name, newline="") as fh:
        yield from fh


def _codec(encoding: str) -> str:
    return "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding


def csv_records(text: str, *, path: Path) -> tuple[list[str], list[list[str]], list[str]]:
    """Split CSV text into a header, rows and a ``"line N"`` label for each row.

    The delimiter (comma, semicolon or tab) is taken from the header line. Blank lines are
    skipped; a row with more fields than the header is an error. So is an unbalanced quote: a
    quoted field that runs over lines shaped like rows of the table (see :func:`_check_span`),
    or one still open at the end of the data; both name the line where the quote opened.
    """
    header, blocks = csv_blocks(text, path=path)
    rows: list[list[str]] = []
    lines: list[int] = []
    for block_rows, block_lines in blocks:
        rows += block_rows
        lines += block_lines
    return header, rows, [f"line {line}" for line in lines]


Block = tuple[list[list[str]], list[int]]


def csv_blocks(
    text: str | Iterable[str], *, path: Path, size: int | None = None
) -> tuple[list[str], Iterator[Block]]:
    """Split CSV text into a header and blocks of rows, as :func:`csv_records` does.

    Parameters
    ----------
    text
        The CSV text, or its lines with their endings (:func:`text_lines`).
    path
        The file, for error messages.
    size
        Rows per block; all rows in one block by default.

    Returns
    -------
    header : list of str
        The column names.
    blocks : iterator
        ``(rows, lines)`` pairs: rows padded to the header's length, and the line where each
        row starts. There is always at least one block (maybe empty). The errors of the text
        are raised as the blocks are taken, in the order of the text; repeated column names
        once every row is read.
    """
    # Lines handed to the CSV reader one by one: io.StringIO would hold the whole text a
    # second time, as 4-byte code points.
    lines = iter(_lines(text) if isinstance(text, str) else text)
    head = []  # up to the first LF, where the delimiter is taken from
    for line in lines:
        head.append(line)
        if "\n" in line:
            break
    first = "".join(head).split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    _allow_fields_of(len(text) if isinstance(text, str) else path.stat().st_size)
    taken = _Taken(itertools.chain(head, lines))
    reader = csv.reader(taken, delimiter=delimiter)
    try:
        row = next(reader)
    except csv.Error as err:
        msg = f"{path}: line {reader.line_num}: not valid CSV: {shorten(err)}"
        raise InputError(msg) from err
    header = [h.strip() for h in row]
    return header, _blocks(reader, taken, header, row, delimiter=delimiter, path=path, size=size)


class _Taken:
    """Lines handed to the CSV reader, keeping those of the record being read (:func:`_check_closed`)."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.record: list[str] = []

    def __iter__(self) -> _Taken:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.record.append(line)
        return line

    def take(self) -> list[str]:
        """Return the lines taken since the last call."""
        record, self.record = self.record, []
        return record


def _blocks(
    reader: Any,
    taken: _Taken,
    header: list[str],
    row: list[str],
    *,
    delimiter: str,
    path: Path,
    size: int | None,
) -> Iterator[Block]:
    rows: list[list[str]] = []
    lines: list[int] = []
    blocks = 0
    need = len(header) - 1  # delimiters in a row
    line, record = 1, taken.take()  # the last record read and its text, for _check_closed
    try:
        for line, row in _numbered(reader):
            record = taken.take()
            # A record over several lines may hold swallowed rows, if its cells hold their delimiters.
            if reader.line_num > line and "".join(row).count(delimiter) >= need:
                _check_span(row, line=line, header=header, delimiter=delimiter, path=path)
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                msg = f"{len(row)} fields, but the header has {len(header)}"
                raise SchemaError(msg, path=str(path), row=f"line {line}")
            rows.append(row + [""] * (len(header) - len(row)))
            lines.append(line)
            if size and len(rows) == size:
                blocks += 1
                yield rows, lines
                rows, lines = [], []
    except csv.Error as err:
        msg = f"{path}: line {reader.line_num}: not valid CSV: {shorten(err)}"
        raise InputError(msg) from err
    _check_closed("".join(record), row, line=line, header=header, delimiter=delimiter, path=path)
    if rows or not blocks:
        yield rows, lines
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        msg = f"{path}: line 1: repeated column names {short_repr(dupes)}"
        raise SchemaError(msg)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _lines(text: str) -> Iterator[str]:
    """Yield the lines of ``text`` with their endings, as ``io.StringIO(text, newline="")`` does."""
    for match in _LINE.finditer(text):
        yield match.group()


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


_FIX = 'close the quote, or double a quote that is part of the text ("")'


def _check_span(row: list[str], *, line: int, header: list[str], delimiter: str, path: Path) -> None:
    """Fail when a field of a record that spans lines holds lines shaped like rows of the table.

    A quote opened by mistake (``5" tall``, a missing closing quote) makes the CSV parser read
    on, through line breaks and delimiters, until the next quote: the rows in between vanish
    into one field. A line inside a field is taken for a swallowed row when it has as many
    cells as the header and, when the header has a date column, a cell there that starts with
    a digit, as every accepted date style does. A paragraph of notes, even one with commas,
    rarely has both; a swallowed row always has them unless it was broken anyway.
    """
    need = len(header) - 1  # delimiters in a row
    for k, cell in enumerate(row):
        # A swallowed row brings its delimiters: a cell with fewer cannot hold one (most notes).
        if cell.count(delimiter) < need or not _breaks(cell):
            continue
        date_at = _date_column(header)
        for j, segment in enumerate(_LINE_BREAK.split(cell)[1:], start=1):
            if segment.count(delimiter) != need:
                continue
            if date_at is not None and not segment.split(delimiter)[date_at].strip()[:1].isdigit():
                continue
            opened = line + sum(_breaks(c) for c in row[:k])
            msg = (
                f"the quote that opens this field is still open at line {opened + j}, which "
                f"looks like a row of the table ({short_repr(segment)}): the rows from there "
                f"on would be read as text of this field; {_FIX}"
            )
            raise SchemaError(msg, path=str(path), row=f"line {opened}", field=_name(header, k), value=cell)


def _check_closed(
    record: str, row: list[str], *, line: int, header: list[str], delimiter: str, path: Path
) -> None:
    """Fail when the last record ends inside a quoted field ("unexpected end of data").

    Python's CSV parser, when not strict, ends such a field silently at the end of the data; a
    strict one fails without saying where the quote opened. In that state the raw text ends
    with the opening quote (after a delimiter or a line break) and the field's value with its
    quotes doubled: checked on the last field only, so a well-formed file costs nothing.
    ``record`` is the text of the last record (its lines), which starts at the start of the
    text or after a line break: that is all of the text this needs.
    """
    if not row:
        return
    cell = row[-1]
    raw = '"' + cell.replace('"', '""')
    if not record.endswith(raw):
        return
    before = record[-len(raw) - 1 : -len(raw)] if len(record) > len(raw) else ""
    if before not in ("", "\n", "\r", delimiter):
        return
    opened = line + sum(_breaks(c) for c in row[:-1])
    msg = f"the quote that opens this field is never closed (unexpected end of data); {_FIX}"
    raise SchemaError(
        msg, path=str(path), row=f"line {opened}", field=_name(header, len(row) - 1), value=cell
    )


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _breaks(cell: str) -> int:
    """Count line breaks as the CSV reader counts lines (LF, CRLF or a lone CR)."""
    return cell.count("\n") + cell.count("\r") - cell.count("\r\n")


def _date_column(header: list[str]) -> int | None:
    from conflictmap.validate import ALIASES

    for i, name in enumerate(header):
        key = name.strip().lower().replace(" ", "_")
        if ALIASES.get(key, key) == "event_date":
            return i
    return None


def _name(header: list[str], index: int) -> str:
    return header[index] if index < len(header) else f"column {index + 1}"


class LineLabels(Sequence[str]):
    """``"line N"`` labels made when asked for, from line numbers.

    Five million label strings would take some 300 MB; their numbers take 40.
    """

    def __init__(self, lines: Sequence[int] | np.ndarray) -> None:
        self._lines = np.asarray(lines, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._lines)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> LineLabels: ...
    def __getitem__(self, index: int | slice) -> str | LineLabels:
        if isinstance(index, slice):
            return LineLabels(self._lines[index])
        return f"line {self._lines[index]}"

    def position(self, label: str) -> int:
        """Return the position of ``label`` (``"line N"``)."""
        return int(np.flatnonzero(self._lines == int(label.removeprefix("line ")))[0])
