"""CSV text split into blocks of rows: the same rows, line numbers and errors as before."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictmap.errors import InputError, MapperError, SchemaError, short_repr
from conflictmap.readers._text import (
    LineLabels,
    _allow_fields_of,
    _check_closed,
    _check_span,
    _numbered,
    csv_blocks,
    csv_records,
    shorten,
)

PATH = Path("t.csv")
# Text made of what CSV parsing turns on: delimiters, quotes, line endings of every kind.
PIECES = ["a", "b", " ", ",", ";", "\t", '"', "\n", "\r", "\r\n", "é", "\u2028"]
CSV_TEXT = st.lists(st.sampled_from(PIECES), min_size=1, max_size=60).map("".join)


def old_csv_records(text: str, *, path: Path):
    """csv_records in one pass over io.StringIO (main's, with its checks of unbalanced quotes)."""
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    _allow_fields_of(len(text))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        line, row = 1, next(reader)
        header = [h.strip() for h in row]
        need = len(header) - 1
        rows, labels = [], []
        for line, row in _numbered(reader):
            if reader.line_num > line and "".join(row).count(delimiter) >= need:
                _check_span(row, line=line, header=header, delimiter=delimiter, path=path)
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                raise SchemaError(f"{len(row)} fields, but the header has {len(header)}",
                                  path=str(path), row=f"line {line}")
            rows.append(row + [""] * (len(header) - len(row)))
            labels.append(f"line {line}")
    except csv.Error as err:
        raise InputError(f"{path}: line {reader.line_num}: not valid CSV: {shorten(err)}") from err
    _check_closed(text, row, line=line, header=header, delimiter=delimiter, path=path)  # the whole text
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise SchemaError(f"{path}: line 1: repeated column names {short_repr(dupes)}")
    return header, rows, labels


def outcome(func):
    try:
        return func()
    except MapperError as err:
        return f"{type(err).__name__}: {err}"


@settings(max_examples=500, deadline=None)
@given(CSV_TEXT, st.integers(1, 4))
def test_blocks_give_the_rows_lines_and_errors_of_one_pass(text, size):
    expected = outcome(lambda: old_csv_records(text, path=PATH))
    assert outcome(lambda: csv_records(text, path=PATH)) == expected

    def in_blocks():
        header, blocks = csv_blocks(text, path=PATH, size=size)
        rows, labels = [], []
        for block_rows, block_lines in blocks:
            assert len(block_rows) <= size
            rows += block_rows
            labels += [f"line {n}" for n in block_lines]
        return header, rows, labels

    assert outcome(in_blocks) == expected


def test_there_is_always_a_block():
    header, blocks = csv_blocks("event_date,location\n", path=PATH, size=10)
    assert header == ["event_date", "location"]
    assert list(blocks) == [([], [])]


def test_repeated_columns_are_reported_after_the_rows():
    _, blocks = csv_blocks("a,a\n1,2\n3,4\n", path=PATH, size=1)
    assert next(blocks) == ([["1", "2"]], [2])
    assert next(blocks) == ([["3", "4"]], [3])
    with pytest.raises(MapperError, match=r"line 1: repeated column names \['a'\]"):
        list(blocks)


def test_line_labels():
    labels = LineLabels([2, 5, 9])
    assert len(labels) == 3 and labels[1] == "line 5" and list(labels[1:]) == ["line 5", "line 9"]
    assert labels.position("line 9") == 2


# Rows of every kind that matters: ids given, repeated, derived (the same content twice),
# unknown and missing categories, and rows failing at different checks, or the text itself.
ROWS = [
    "a,2025-01-01,Daraa,shelling,,",
    "a,2025-01-02,Daraa,shelling,,",
    ",2025-03-01,Quneitra,airstrike,,",
    ",2025-03-01,Quneitra,,,",
    ",2025-03-01,Quneitra,meteor,,",
    "cm-b4e1ae448859,2025-03-02,Inkhil,other,,",  # the id derived for the airstrike
    "b,05/05/2025,Inkhil,other,,",
    "c,2025-05-05,Inkhil,other,-1,",
    "d,2025-05-05,,other,,",
    "e,2025-05-05,Nawa,other,1,extra,fields",
]


def read_outcome(text: str, block_rows: int):
    import warnings

    from conflictmap.categories import default_registry
    from conflictmap.readers.tabular import read_csv_events

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = outcome(lambda: read_csv_events(text, path=PATH, registry=default_registry(),
                                                 block_rows=block_rows))
    return result, [str(w.message) for w in caught]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(ROWS), min_size=0, max_size=9), st.integers(1, 4))
def test_a_csv_read_in_blocks_reads_as_in_one(rows, size):
    import pandas as pd

    text = "\n".join(["event_id,event_date,location,category,fatalities,notes", *rows]) + "\n"
    (events, notices), (expected, expected_notices) = read_outcome(text, size), read_outcome(text, 10**6)
    assert notices == expected_notices
    if isinstance(expected, str):
        assert events == expected
    else:
        pd.testing.assert_frame_equal(events, expected)


CONTENTS = [
    b"event_date,location\r\n2025-01-01,A\r\n",
    "\ufeffevent_date;location\n2025-01-01;Dar\u02bfa\n".encode(),
    b"a,b\rc,d\r",
    b" \n\t\r\n",
    "\u3000\n".encode(),
    b"event_date\n" + b"2025-01-01\n" * 5000 + b"caf\xe9\n",
    b"\x89PNG\r\n\x1a\n\x00\x00",
    "event_date,location\n2025-01-01,Daraa\n".encode("utf-16"),
]


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1", "utf-16", "klingon"])
@pytest.mark.parametrize("content", CONTENTS)
def test_checking_and_streaming_a_file_as_reading_its_text(tmp_path, content, encoding):
    from conflictmap.readers._text import check_text, read_text, text_lines

    path = tmp_path / "f.csv"
    path.write_bytes(content)
    try:
        text, error = read_text(path, encoding=encoding), None
    except MapperError as err:
        text, error = None, f"{type(err).__name__}: {err}"
    assert outcome(lambda: check_text(path, encoding=encoding)) == error
    if text is not None:
        assert list(text_lines(path, encoding=encoding)) == list(io.StringIO(text, newline=""))


def test_events_at_one_place_share_its_point(write):
    import numpy as np

    from conflictmap import read_events

    events = read_events(write("p.csv", "event_date,latitude,longitude,category\n2025-01-01,33.5,36.3,other\n"
                                        "2025-01-02,33.5,36.3,other\n2025-01-03,1.0,-0.0,other\n"
                                        "2025-01-04,1.0,0.0,other\n"))
    points = events.geometry.to_numpy()
    assert points[0] is points[1] and points[0].equals(points[1])
    assert points[2] is not points[3]  # -0.0 is kept as written
    assert np.signbit(points[2].x) and not np.signbit(points[3].x)
