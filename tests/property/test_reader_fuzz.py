"""Malformed input of every kind ends in a GeoDataFrame or a MapperError, never anything else (hypothesis).

The CLI turns a MapperError into exit 2 with its message and anything else into exit 1 with
"Unexpected error": a reader that lets a ValueError, TypeError, OverflowError or RecursionError
escape turns bad data into a crash report.
"""

from __future__ import annotations

import csv
import io
import json
import warnings
from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflictmap import read_events
from conflictmap.errors import DataWarning, MapperError

FIELDS = [
    "event_id", "event_date", "date_end", "time_precision", "category", "sub_event_type", "actor1",
    "location", "country", "geo_precision", "notes", "source_url", "fatalities", "latitude", "longitude",
    "geometry", "lat", "Latitude", "date", "place", "id", "event_type", "wkt", "extra",
]  # fmt: skip
TRICKY = [
    "", " ", "abc", "1e30", "-1e30", "1e400", "nan", "inf", "-inf", "9" * 20, "2.5", "-1", "0x10", "１",
    "2025-13-45", "0001-01-01", "9999-12-31", "10000-01-01", "2025-02-30", "2025-01-01T25:00",
    "POINT (1e400 1)", "POINT (nan nan)", "POLYGON ((0 0, 1 1, 0 0))", "LINESTRING (0 0, 1 1)",
    "POINT EMPTY", "{", '{"type":"Point","coordinates":[1e400,0]}', "POINT Z (1 2 3)", "SY", "ZZ",
    '"', 'a"b', "a,b", "a\nb", "a\r\nb,c", "\u202e", "\u2028", "\ufeff",
]  # fmt: skip
BIG = [10**30, -(10**30), 2**63, 2**64 + 1, 10**300, 1e308, -1e308, 2.5, -1, float("nan"), float("inf")]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(BIG),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(TRICKY),
    st.text(max_size=30),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
VALID = {"event_date": "2025-01-01", "location": "Daraa", "latitude": 32.6, "longitude": 36.1}
KEYS = st.one_of(*[st.sampled_from(FIELDS)] * 3, st.text(max_size=8))  # mostly the model's fields
RECORDS = st.lists(
    st.builds(lambda pairs: {**VALID, **dict(pairs)}, st.lists(st.tuples(KEYS, VALUES), max_size=4)),
    min_size=1,
    max_size=3,
)
COORD = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(BIG),
    st.sampled_from(["1", None, [], [1, 2]]),
)
GEOMETRIES = st.one_of(
    st.none(),
    st.builds(lambda x, y: {"type": "Point", "coordinates": [x, y]}, COORD, COORD),
    st.builds(lambda c: {"type": "Polygon", "coordinates": c}, VALUES),
    st.builds(lambda t, c: {"type": t, "coordinates": c}, st.text(max_size=12), VALUES),
    VALUES,
)
CRS = st.one_of(
    st.none(),
    st.sampled_from([
        {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
        {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        {"type": "name", "properties": {"name": "EPSG:99999"}},
        {"type": "EPSG", "properties": {"code": 32637}},
        "EPSG:4326",
    ]),
    VALUES,
)  # fmt: skip
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _read_or_refuse(path: Path) -> None:
    """Read ``path``: a collection, or a MapperError with a message of sensible length."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            events = read_events(path)
        except MapperError as err:
            assert len(str(err)) < 2_000, str(err)[:300]  # values quoted in messages are capped
        else:
            assert isinstance(events, gpd.GeoDataFrame)
    others = [w for w in seen if not issubclass(w.category, DataWarning)]
    assert not others, [str(w.message) for w in others]
    assert all(len(str(w.message)) < 2_000 for w in seen)


def _dumps(doc: object) -> str:
    try:
        return json.dumps(doc, allow_nan=True)
    except (ValueError, RecursionError, TypeError):
        return json.dumps(str(doc))


def _write_records(folder: Path, records: list[dict], suffix: str) -> Path:
    path = folder / f"events{suffix}"
    if suffix == ".json":
        text = _dumps(records)
    elif suffix == ".yaml":
        text = yaml.safe_dump(records, allow_unicode=True)
    elif suffix == ".geojson":
        features = [
            {"type": "Feature", "properties": {k: v for k, v in r.items() if k != "geometry"},
             "geometry": r.get("geometry", {"type": "Point", "coordinates": [36.1, 32.6]})}
            for r in records
        ]  # fmt: skip
        text = _dumps({"type": "FeatureCollection", "features": features})
    else:
        header = list(dict.fromkeys(key for record in records for key in record))
        out = io.StringIO()
        rows = [["" if r.get(key) is None else str(r[key]) for key in header] for r in records]
        csv.writer(out, lineterminator="\n").writerows([header, *rows])
        text = out.getvalue()
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    field=st.sampled_from(FIELDS),
    value=st.one_of(st.sampled_from(BIG + TRICKY), VALUES),
    suffix=st.sampled_from([".json", ".yaml", ".geojson", ".csv"]),
)
def test_one_odd_field(folder, field, value, suffix):
    _read_or_refuse(_write_records(folder, [{**VALID, field: value}], suffix))


@SETTINGS
@given(records=RECORDS, wrap=st.booleans())
def test_json_records(folder, records, wrap):
    path = folder / "events.json"
    path.write_text(_dumps({"events": records} if wrap else records), encoding="utf-8")
    _read_or_refuse(path)


@SETTINGS
@given(records=RECORDS)
def test_yaml_records(folder, records):
    path = folder / "events.yaml"
    path.write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8")
    _read_or_refuse(path)


@SETTINGS
@given(records=RECORDS, geometries=st.lists(GEOMETRIES, min_size=3, max_size=3), crs=CRS)
def test_geojson_features(folder, records, geometries, crs):
    features = [
        {"type": "Feature", "properties": record, "geometry": geometry}
        for record, geometry in zip(records, geometries, strict=False)
    ]
    doc = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        doc["crs"] = crs
    path = folder / "events.geojson"
    path.write_text(_dumps(doc), encoding="utf-8")
    _read_or_refuse(path)


@SETTINGS
@given(records=RECORDS, quoted=st.booleans(), delimiter=st.sampled_from([",", ";", "\t"]))
def test_csv_rows(folder, records, quoted, delimiter):
    header = list(dict.fromkeys(key for record in records for key in record))
    rows = [["" if record.get(key) is None else str(record.get(key)) for key in header] for record in records]
    if quoted:  # well-formed CSV of odd cells
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows([header, *rows])
        text = out.getvalue()
    else:  # cells pasted as they are: stray quotes, delimiters and line breaks break the rows
        text = "\n".join(delimiter.join(row) for row in [header, *rows]) + "\n"
    path = folder / "events.csv"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _read_or_refuse(path)


@SETTINGS
@given(
    body=st.one_of(
        st.text(alphabet=st.sampled_from(list("\",;\t\n\r{}[]:-#&*!|>aZ09 .'\\\u00e9\u202e")), max_size=200),
        st.text(max_size=200),
    ),
    header=st.sampled_from(["", "event_date,location,notes\n", "event_date;latitude;longitude\n"]),
    suffix=st.sampled_from([".csv", ".txt", ".json", ".geojson", ".yaml"]),
)
def test_arbitrary_text(folder, body, header, suffix):
    path = folder / f"text{suffix}"
    path.write_text(header + body, encoding="utf-8", errors="surrogatepass")
    _read_or_refuse(path)


@SETTINGS
@given(data=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".json", ".geojson", ".yaml"]))
def test_arbitrary_bytes(folder, data, suffix):
    path = folder / f"bytes{suffix}"
    path.write_bytes(data)
    _read_or_refuse(path)


@pytest.mark.parametrize("depth", [500, 990, 5_000, 100_000])
@pytest.mark.parametrize("suffix", [".json", ".geojson", ".yaml"])
def test_deep_nesting(folder, depth, suffix):
    nested = "[" * depth + "]" * depth
    if suffix == ".yaml":
        text = f"- event_date: 2025-01-01\n  location: Daraa\n  notes: {nested}\n"
    elif suffix == ".json":
        text = f'[{{"event_date": "2025-01-01", "location": "Daraa", "notes": {nested}}}]'
    else:
        text = (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": null, '
            f'"properties": {{"event_date": "2025-01-01", "location": "Daraa", "notes": {nested}}}}}]}}'
        )
    path = folder / f"deep{suffix}"
    path.write_text(text, encoding="utf-8")
    _read_or_refuse(path)
