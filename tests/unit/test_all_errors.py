"""Validation collects every bad record in one run (issue 13): file, row, field, value, what is allowed."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conflictmap import read_events
from conflictmap.categories import default_registry
from conflictmap.cli import cli
from conflictmap.errors import RecordErrors, SchemaError
from conflictmap.readers.tabular import read_csv_events

THREE_BAD = """\
event_date,latitude,longitude,category,fatalities
2025-01-01,33.5,36.3,airstrike,1
2025-13-45,33.5,36.3,airstrike,1
2025-01-03,33.5,36.3,airstrike,1
2025-01-04,95,36.3,shelling,0
2025-01-05,33.5,36.3,shelling,-4
2025-01-06,33.1,36.1,shelling,2
"""


def test_three_bad_rows_are_named_in_one_error(write):
    path = write("three.csv", THREE_BAD)
    with pytest.raises(RecordErrors) as caught:
        read_events(path)
    err = caught.value
    assert err.total == 3
    assert [(p.row, p.field, p.value) for p in err.problems] == [
        ("line 3", "event_date", "2025-13-45"),
        ("line 5", "latitude", "95"),
        ("line 6", "fatalities", "-4"),
    ]
    assert all(p.path == str(path) for p in err.problems)
    lines = str(err).splitlines()
    assert lines[0].startswith(f"{path}: line 3: field 'event_date' = '2025-13-45': not a date; allowed")
    assert lines[1] == (
        f"{path}: line 5: field 'latitude' = '95': outside -90..90 "
        "(latitude and longitude may be swapped: longitude is 36.3)"
    )
    whole = f"expected a whole number from 0 to {2**63 - 1}"
    assert lines[2] == f"{path}: line 6: field 'fatalities' = '-4': {whole}"
    assert lines[3] == "(3 problems in all)"
    # The first problem is the SchemaError's own attributes, as code written for one error expects.
    assert (err.path, err.row, err.field, err.value) == (str(path), "line 3", "event_date", "2025-13-45")
    assert isinstance(err, SchemaError)


def test_the_cli_names_all_three_exits_2_and_writes_nothing(tmp_path, write):
    path = write("three.csv", THREE_BAD)
    out = tmp_path / "out.geojson"
    result = CliRunner().invoke(cli, ["export", str(path), "-o", str(out)])
    assert result.exit_code == 2
    for where in ("line 3: field 'event_date'", "line 5: field 'latitude'", "line 6: field 'fatalities'"):
        assert where in result.output
    assert "Traceback" not in result.output
    assert not out.exists() and list(tmp_path.iterdir()) == [path]


def test_one_bad_row_reads_as_before(write):
    path = write("one.csv", "event_date,latitude,longitude\n2025-01-01,95,136\n")
    with pytest.raises(SchemaError) as caught:
        read_events(path)
    assert str(caught.value) == f"{path}: line 2: field 'latitude' = '95': outside -90..90"


def test_fifty_are_listed_and_the_rest_counted(write):
    rows = [f"2025-01-{1 + i % 28:02d},{100 + i},36" for i in range(120)]
    path = write("many.csv", "event_date,latitude,longitude\n" + "\n".join(rows) + "\n")
    with pytest.raises(RecordErrors) as caught:
        read_events(path)
    err = caught.value
    assert err.total == 120 and len(err.problems) == RecordErrors.MAX_LISTED == 50
    assert [p.row for p in err.problems] == [f"line {i + 2}" for i in range(50)]
    assert str(err).splitlines()[-1] == "... and 70 more (120 problems in all)"
    assert len(str(err).splitlines()) == 51


def test_a_row_bad_in_two_fields_gives_two_problems(write):
    path = write("two.csv", "event_date,latitude,longitude,country\n,33.5,200,Atlantis\n")
    with pytest.raises(RecordErrors) as caught:
        read_events(path)
    assert [(p.row, p.field) for p in caught.value.problems] == [
        ("line 2", "event_date"),
        ("line 2", "longitude"),
        ("line 2", "country"),
    ]


def _outcome(block_rows: int) -> str:
    from pathlib import Path

    try:
        read_csv_events(THREE_BAD, path=Path("t.csv"), registry=default_registry(), block_rows=block_rows)
    except SchemaError as err:
        return str(err)
    return "read"


@pytest.mark.parametrize("block_rows", [1, 2, 3])
def test_blocks_give_the_problems_of_one_pass(block_rows):
    whole = _outcome(10_000)
    assert whole.endswith("(3 problems in all)")
    assert _outcome(block_rows) == whole
