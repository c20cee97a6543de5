"""read_many checks the records of small files together: the same events, warnings and errors as
reading the files one by one."""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflictmap import SchemaError, read_events, read_many
from conflictmap.errors import MapperError
from conflictmap.readers import _drop_repeats
from conflictmap.schema import conform


def _bad_inputs() -> list[tuple]:
    """The bad files of test_readers (tests are not a package: loaded by path)."""
    path = Path(__file__).with_name("test_readers.py")
    spec = importlib.util.spec_from_file_location("_readers_cases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BAD_INPUTS


BAD_INPUTS = _bad_inputs()


def one_by_one(paths):
    """read_many as it was: each file read and checked alone, then concatenated."""
    frames, origins = [], []
    for path in paths:
        frames.append(read_events(path))
        origins += [str(path)] * len(frames[-1])
    if len(frames) == 1:
        return frames[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        combined = conform(pd.concat(frames, ignore_index=True))
    return _drop_repeats(combined, origins)


def outcome(read, paths):
    """The events (or the error) and the warnings of a read."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = read(paths)
        except MapperError as err:
            result = f"{type(err).__name__}: {err}"
    return result, [str(w.message) for w in caught if "FutureWarning" not in w.category.__name__]


def assert_same(paths):
    (events, notices), (expected, expected_notices) = outcome(read_many, paths), outcome(one_by_one, paths)
    assert notices == expected_notices
    if isinstance(expected, str):
        assert events == expected
    else:
        assert isinstance(events, pd.DataFrame), events
        pd.testing.assert_frame_equal(events, expected)


# Records of every kind that matters to the checks of a file: ids given, repeated, derived from
# the content (the same content twice: numbered), categories unknown or missing, extra columns,
# and records that fail at different checks (dates first, fatalities later).
RECORDS = [
    {"event_id": "a", "event_date": "2025-01-01", "location": "Daraa", "category": "shelling"},
    {"event_id": "a", "event_date": "2025-01-02", "location": "Daraa", "category": "shelling"},
    {"event_id": "b", "event_date": "2025-02-01", "latitude": 33.5, "longitude": 36.3, "country": "SY"},
    {"event_date": "2025-03-01", "location": "Quneitra", "category": "airstrike"},
    {"event_date": "2025-03-01", "location": "Quneitra", "category": "drone strike?"},
    {"date": "2025-04", "place": "Beit Jinn", "fatalities": 2, "source_note": "local"},
    {"event_id": 12345, "event_date": "2025-05-05", "location": "Inkhil", "tally": 7},
    {"event_date": "05/05/2025", "location": "Inkhil"},
    {"event_date": "2025-05-05", "location": "Inkhil", "fatalities": -1},
    {"event_date": "2025-05-05", "latitude": 95, "longitude": 36.0},
]
FORMATS = ["csv", "yaml", "json", "geojson"]


def render(fmt: str, records: list[dict]) -> str:
    if fmt == "json":
        return json.dumps(records)
    if fmt == "geojson":
        features = [
            {"type": "Feature",
             "properties": {k: v for k, v in r.items() if k not in ("latitude", "longitude")},
             "geometry": {"type": "Point", "coordinates": [r["longitude"], r["latitude"]]}
             if "latitude" in r else None}
            for r in records
        ]
        return json.dumps({"type": "FeatureCollection", "features": features})
    if fmt == "yaml":
        return "".join(f"- {json.dumps(r)}\n" for r in records)
    header = list(dict.fromkeys(k for r in records for k in r))
    rows = [",".join(str(r.get(k, "")) for k in header) for r in records]
    return "\n".join([",".join(header), *rows]) + "\n"


files = st.lists(
    st.tuples(st.sampled_from(FORMATS),
              st.lists(st.sampled_from(range(len(RECORDS))), min_size=1, max_size=3)),
    min_size=2,
    max_size=5,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files)
def test_files_read_together_as_one_by_one(tmp_path_factory, spec):
    folder = tmp_path_factory.mktemp("many")
    paths = []
    for i, (fmt, picks) in enumerate(spec):
        path = folder / f"f{i}.{fmt}"
        path.write_text(render(fmt, [RECORDS[k] for k in picks]), encoding="utf-8")
        paths.append(path)
    assert_same(paths)


@pytest.mark.parametrize(("name", "content", "error", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_a_bad_file_among_good_ones_gives_its_own_error(write, name, content, error, message):
    good = "event_id,event_date,location,category\n{0},2025-01-01,A,other\n"
    paths = [write(f"good{i}.csv", good.format(f"g{i}")) for i in range(3)]
    bad = write(name, content)
    with pytest.raises(error, match=message) as info:
        read_many([*paths[:2], bad, paths[2]])
    assert str(bad) in str(info.value)
    assert_same([*paths[:2], bad, paths[2]])


def test_the_first_bad_file_wins_over_an_earlier_check_in_a_later_file(write):
    good = [write(f"ok{i}.yaml", f"- {{event_date: 2025-01-0{i + 1}, location: A, category: other}}\n")
            for i in range(4)]
    fatal = write("fatal.csv", "event_date,location,fatalities\n2025-01-01,A,-3\n")
    date = write("date.csv", "event_date,location\n31/12/2025,B\n")
    with pytest.raises(SchemaError, match=r"fatal\.csv: line 2: field 'fatalities'"):
        read_many([*good[:2], fatal, *good[2:], date])


def test_warnings_name_each_file_once(write):
    a = write("a.json", '[{"event_date": "2025-01-01", "location": "A"}, '
                        '{"event_date": "2025-01-02", "location": "B"}]')
    b = write("b.geojson", json.dumps({"type": "Feature", "properties": {"event_date": "2025-01-03",
                                       "category": "meteor"}, "geometry": None}))
    with pytest.warns(Warning) as caught:
        events = read_many([a, b])
    assert [str(w.message) for w in caught] == [
        f"{a}: 2 events without a category became 'other'",
        f"{b}: 1 events with unknown categories ('meteor') became 'other'; the original is kept in "
        "sub_event_type",
    ]
    assert events["sub_event_type"].tolist()[2] == "meteor"


def test_an_integer_id_is_not_read_as_a_float(write):
    path = write("ids.json", '[{"event_id": 12345, "event_date": "2025-01-01", "location": "A", '
                             '"category": "other"}, {"event_date": "2025-01-02", "location": "B", '
                             '"category": "other"}]')
    assert read_events(path)["event_id"].tolist()[0] == "12345"


def test_many_files_are_checked_in_few_batches(write, monkeypatch):
    from conflictmap import validate

    calls = []
    original = validate.check_records
    monkeypatch.setattr(validate, "check_records", lambda *a, **k: calls.append(1) or original(*a, **k))
    paths = [write(f"e{i}.csv", f"event_date,location,category\n2025-01-01,Place {i},other\n")
             for i in range(200)]
    events = read_many(paths)
    assert len(events) == 200 and events["location"].tolist()[-1] == "Place 199"
    assert len(calls) == 1
