"""The pyarrow path for plain CSV files gives the cells, lines, events and errors of the csv module's path."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflictmap.categories import default_registry
from conflictmap.errors import MapperError
from conflictmap.readers._plain_csv import plain_csv_blocks
from conflictmap.readers._text import csv_blocks, text_lines
from conflictmap.readers.tabular import read_csv_events

# Cells of every kind that matters to splitting: blanks, white space of several kinds (which
# str.strip removes and a regex may not), delimiters of other dialects, non-ASCII text.
CELLS = ["a", "7", "", " ", "\t", "\xa0", "\x0b", "\u3000", " x ", "é", "\u2028", ";", "2025-01-01"]


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    return path


def _slow(path: Path, size: int) -> tuple[list[str], list[list[str]], list[int]]:
    header, blocks = csv_blocks(text_lines(path), path=path, size=size)
    rows: list[list[str]] = []
    lines: list[int] = []
    for block_rows, block_lines in blocks:
        rows += block_rows
        lines += list(block_lines)
    return header, rows, lines


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.sampled_from(["id", "date", "x", " y ", "id"]), min_size=1, max_size=4),
    st.data(),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["\n", ""]),
    st.integers(1, 3),
)
def test_plain_blocks_are_the_csv_modules_rows(tmp_path, header, data, delimiter, last, size):
    # Mostly rows as wide as the header (plain files), some of any width (not plain).
    width = st.just(len(header)) | st.integers(1, 4)
    rows = data.draw(
        st.lists(width.flatmap(lambda k: st.lists(st.sampled_from(CELLS), min_size=k, max_size=k)))
    )
    text = "\n".join(delimiter.join(row) for row in [header, *rows]) + last
    path = _write(tmp_path, text.encode())
    plain = plain_csv_blocks(path, encoding="utf-8", size=size)
    if plain is None:
        return  # not plain: the csv module reads it
    expected = _slow(path, size)
    got_header, blocks = plain
    got_rows: list[list[str]] = []
    got_lines: list[int] = []
    for raw, lines in blocks:
        assert len(raw) <= size and list(raw.columns) == got_header
        assert all(dtype == "str" for dtype in raw.dtypes)  # Arrow text, as pyarrow split it
        got_rows += raw.to_numpy(dtype=object).tolist()
        got_lines += lines.tolist()
    assert (got_header, got_rows, got_lines) == expected


@pytest.mark.parametrize(
    ("data", "plain"),
    [
        (b"event_date,location\n2025-01-01, Daraa \n2025-01-02,\n", True),
        (b"event_date;location\n2025-01-01;Daraa", True),  # no final line break
        (b"event_date,location\n", True),  # no rows: one empty block
        (b'event_date,location\n2025-01-01,"Daraa, south"\n', False),  # a quote
        (b"event_date,location\r\n2025-01-01,Daraa\r\n", False),  # CR LF
        (b"event_date,location\n\n2025-01-01,Daraa\n", False),  # an empty line
        (b"event_date,location\n , \n2025-01-01,Daraa\n", False),  # a blank row, skipped by csv
        (b"event_date,location\n2025-01-01\n", False),  # a short row, padded by csv
        (b"event_date,location\n2025-01-01,Daraa,x\n", False),  # a long row: csv says where
        ("\ufeffevent_date,location\n2025-01-01,Daraa\n".encode(), False),  # a byte-order mark
        (b"event_date,location\n2025-01-01,Dar\x00a\n", False),  # NUL
        (b"event_date\n2025-01-01\n", False),  # one column
        (b"date,date\n2025-01-01,2025-01-02\n", False),  # repeated names
    ],
)
def test_which_files_are_plain(tmp_path, data, plain):
    path = _write(tmp_path, data)
    assert (plain_csv_blocks(path, encoding="utf-8", size=10) is not None) is plain
    assert plain_csv_blocks(path, encoding="latin-1", size=10) is None  # only UTF-8


def test_a_big_file_is_streamed_by_the_csv_module(tmp_path, monkeypatch):
    from conflictmap.readers import _plain_csv

    path = _write(tmp_path, b"event_date,location\n2025-01-01,Daraa\n")
    assert plain_csv_blocks(path, encoding="utf-8", size=10) is not None
    monkeypatch.setattr(_plain_csv, "MAX_BYTES", path.stat().st_size - 1)
    assert plain_csv_blocks(path, encoding="utf-8", size=10) is None


def _read(path: Path, **options: object) -> object:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result: object = read_csv_events(
                text_lines(path), path=path, registry=default_registry(), block_rows=2, **options
            )
        except MapperError as err:
            result = f"{type(err).__name__}: {err}"
    return result, [str(w.message) for w in caught]


# Rows that pass and rows that fail each check, as test_csv_blocks's.
EVENT_ROWS = [
    "a,2025-01-01,Daraa,shelling,,,",
    "a,2025-01-02,Daraa,shelling,,,",
    ",2025-03-01,Quneitra,airstrike,,,",
    ",2025-03-01,,meteor,,33.1,36.2",
    "b,05/05/2025,Inkhil,other,,,",
    "c,2025-05-05,Inkhil,other,-1,,",
    "d,2025-05-05,,other,,91,36",
    "e,2025-05-05,, other ,2,32.5, 36.1 ",
    "f,2025-05-06,Nawa,other,1,extra,fields,more",
    "g,2025-05-06,Nawa,other,1,32.5",
    "h,2025-05-07,\u3000,\xa0other\u2028,\x0b,\t33.1, 36.2\xa0",  # white space Python and Arrow strip
    "i,2025-05-07, \u200b ,other,1\u3000,-0,36",  # a zero-width space is not white space
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(EVENT_ROWS), max_size=7))
def test_events_and_errors_are_the_same_by_either_path(tmp_path, rows):
    header = "event_id,event_date,location,category,fatalities,latitude,longitude"
    path = _write(tmp_path, ("\n".join([header, *rows]) + "\n").encode())
    (fast, fast_notices), (slow, slow_notices) = _read(path, encoding="utf-8"), _read(path)
    assert fast_notices == slow_notices
    if isinstance(slow, str):
        assert fast == slow
    else:
        assert isinstance(fast, pd.DataFrame)
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)
