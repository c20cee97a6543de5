"""Broken and hostile input: each case is an error naming file, row, field and value, never a crash."""

from __future__ import annotations

import json
import warnings

import pyproj
import pytest
from click.testing import CliRunner

from conflictmap import DataWarning, InputError, Reprojected, SchemaError, read_events
from conflictmap.cli import cli
from conflictmap.errors import MapperError

HEADER = "event_id,event_date,category,location,latitude,longitude,notes,fatalities\n"
ROW2 = "a2,2025-01-02,shelling,Nawa,32.88,36.04,fine,4\n"
ROW3 = "a3,2025-01-03,shelling,Tafas,32.73,36.06,fine,5\n"


def _fails(path, error=SchemaError):
    with pytest.raises(error) as caught:
        read_events(path)
    assert str(path) in str(caught.value)
    return caught.value


# -- unbalanced quotes in CSV -------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_unbalanced_quote_that_swallows_rows_names_the_line_it_opened(write, delimiter):
    text = HEADER + 'a1,2025-01-01,shelling,Daraa,32.6,36.1,"bad note,3\n' + ROW2 + ROW3
    err = _fails(write("quote.csv", text.replace(",", delimiter)))
    assert (err.row, err.field) == ("line 2", "notes")
    assert "still open at line 3, which looks like a row of the table" in str(err)
    assert "a2" in str(err) and "bad note" in str(err)


def test_unbalanced_quote_closed_by_a_later_quote_is_caught(write):
    later = 'a4,2025-01-04,shelling,Nawa,32.88,36.04,"quoted, note",6\n'
    text = HEADER + ROW2 + 'a1,2025-01-01,shelling,Daraa,32.6,36.1,5" tall,3\n' + ROW3 + later
    # a quote in the middle of a field is text; one at its start opens a quoted field
    text = text.replace('5" tall', '"5 tall')
    err = _fails(write("later.csv", text))
    assert (err.row, err.field) == ("line 3", "notes")
    assert "still open at line 4" in str(err)


@pytest.mark.parametrize("end", ["\n", ""])
def test_quote_open_at_end_of_data_names_the_line_it_opened(write, end):
    text = HEADER + ROW2 + 'a1,2025-01-01,shelling,Daraa,32.6,36.1,"an open note\nthat goes on\nand on' + end
    err = _fails(write("open.csv", text))
    assert (err.row, err.field) == ("line 3", "notes")
    assert "never closed (unexpected end of data)" in str(err)
    assert "'an open note" in str(err)


def test_quote_open_in_a_field_before_a_multiline_one_counts_its_lines(write):
    text = HEADER + 'a1,2025-01-01,shelling,"Daraa\nsouth",32.6,36.1,"open\n'
    err = _fails(write("open2.csv", text))
    assert (err.row, err.field) == ("line 3", "notes")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_multiline_notes_with_commas_still_read(write, newline):
    note = (
        "First paragraph, with commas, and more.\n"
        "Second one: a, b, c, d, e, f, g, h (as many commas as the header)\n"
        "\n"
        "Third, after a blank line."
    )
    text = (
        HEADER
        + f'a1,2025-01-01,shelling,Daraa,32.6,36.1,"{note}",3\n'
        + ROW2
        + 'a3,2025-01-03,shelling,Tafas,32.7,36.0,""'
    )
    events = read_events(write("notes.csv", text.replace("\n", newline).encode()))
    assert events["event_id"].tolist() == ["a1", "a2", "a3"]
    assert events["notes"].iloc[0] == note.replace("\n", newline)
    assert events["fatalities"].tolist()[:2] == [3, 4]


def test_unbalanced_quote_is_exit_2_and_writes_nothing(tmp_path, write):
    source = write("quote.csv", HEADER + 'a1,2025-01-01,shelling,Daraa,32.6,36.1,"bad note,3\n' + ROW2)
    out = tmp_path / "out.geojson"
    result = CliRunner().invoke(cli, ["export", str(source), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert "line 2: field 'notes'" in result.output and "Read 1 events" not in result.output
    assert not out.exists()


# -- columns that mean the same field --------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "one", "other"),
    [
        ("lat", "latitude", "32.7", "32.9"),
        ("Latitude", "latitude", "32.7", "32.9"),
        ("date", "event_date", "2025-01-02", "2025-01-03"),
        ("place", "location", "Nawa", "Tafas"),
        ("deaths", "fatalities", "1", "2"),
    ],
)
def test_csv_columns_of_one_field_that_differ_name_both(write, first, second, one, other):
    header = ["event_date", "category", "location", "latitude", "longitude", "fatalities"]
    rows = [["2025-01-01", "shelling", "Daraa", "32.6", "36.1", "0"] for _ in range(2)]
    header.append(first)
    rows[0].append(rows[0][header.index(second)])  # the first row agrees
    rows[1].append(one)
    rows[1][header.index(second)] = other
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    err = _fails(write("twice.csv", text))
    assert err.row == "line 3"
    assert f"columns {second!r} and {first!r} both give {second!r} but differ" in str(err)
    assert repr(other) in str(err) and repr(one) in str(err)


def test_csv_columns_of_one_field_that_agree_are_merged_with_a_warning(write):
    text = (
        "event_date,category,location,Latitude,latitude,longitude\n"
        "2025-01-01,shelling,Daraa,32.60,32.6,36.1\n"
        "2025-01-02,shelling,Nawa,,32.9,36.0\n"
    )
    with pytest.warns(DataWarning, match=r"columns 'latitude' and 'Latitude' both give 'latitude' and agree"):
        events = read_events(write("same.csv", text))
    assert [p.y for p in events.geometry] == [32.6, 32.9]
    assert "Latitude" not in events.columns


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".geojson"])
def test_record_fields_of_one_meaning_that_differ_name_both(write, suffix):
    records = [
        {
            "event_date": "2025-01-01",
            "category": "shelling",
            "location": "Daraa",
            "deaths": 2,
            "fatalities": 2,
        },
        {
            "event_date": "2025-01-02",
            "category": "shelling",
            "location": "Nawa",
            "deaths": 3,
            "fatalities": 7,
        },
    ]
    if suffix == ".geojson":
        doc = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": r, "geometry": None} for r in records]}  # fmt: skip
        row = "features[1]"
    else:
        doc, row = {"events": records}, ("events[1]" if suffix == ".json" else "line 7")
    err = _fails(write(f"twice{suffix}", json.dumps(doc, indent=1) if suffix != ".yaml" else _yaml(records)))
    assert (err.row, err.field, err.value) == (row, "fatalities", 7)
    assert "columns 'fatalities' and 'deaths' both give 'fatalities' but differ ('deaths' = 3)" in str(err)


def _yaml(records):
    import yaml

    return yaml.safe_dump({"events": records}, sort_keys=False)


def test_yaml_date_and_event_date_of_one_day_agree(write):
    text = "- {event_date: 2025-01-01, date: '2025-01-01', category: shelling, location: Daraa}\n"
    with pytest.warns(DataWarning, match="they were merged"):
        events = read_events(write("dates.yaml", text))
    assert str(events["event_date"].iloc[0].date()) == "2025-01-01"


def test_records_mixing_a_field_and_its_alias_merge_silently(write):
    records = [
        {"event_date": "2025-01-01", "category": "shelling", "location": "Daraa"},
        {"date": "2025-01-02", "category": "shelling", "place": "Nawa"},
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        events = read_events(write("mixed.json", json.dumps(records)))
    assert events["location"].tolist() == ["Daraa", "Nawa"]
    assert [str(d.date()) for d in events["event_date"]] == ["2025-01-01", "2025-01-02"]


def test_event_type_next_to_category_stays_an_extra_column(write):
    # What conflictmap writes from ACLED data: the mapped category and ACLED's own event_type.
    text = "event_date,category,event_type,location\n2025-01-01,airstrike,Explosions/Remote violence,Tafas\n"
    events = read_events(write("from_acled.csv", text))
    assert events["category"].iloc[0] == "airstrike"
    assert events["event_type"].iloc[0] == "Explosions/Remote violence"


def test_acled_columns_differing_only_in_case_that_differ_are_an_error(write):
    from tests.unit.test_acled_ucdp import ACLED_HEADER, ACLED_ROWS

    header = ACLED_HEADER + ",Latitude"
    rows = [ACLED_ROWS[0] + ",32.7386", ACLED_ROWS[1] + ",30.0"]
    err = _fails(write("acled.csv", "\n".join([header, *rows]) + "\n"))
    assert err.row == "line 3"
    assert "columns 'latitude' and 'Latitude' both give 'latitude' but differ ('Latitude' = '30.0')" in str(
        err
    )


@pytest.mark.parametrize(("wkt", "same"), [("POINT (36.1 32.6)", True), ("POINT (36.5 32.6)", False)])
def test_geojson_wkt_property_is_compared_with_the_geometry(write, wkt, same):
    doc = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [36.1, 32.6]},
        "properties": {"event_date": "2025-01-01", "category": "shelling", "wkt": wkt}}]}  # fmt: skip
    path = write("wkt.geojson", json.dumps(doc))
    if same:
        with pytest.warns(DataWarning, match="they were merged"):
            assert read_events(path).geometry.iloc[0].x == 36.1
    else:
        err = _fails(path)
        assert (err.row, err.field) == ("features[0]", "geometry")
        assert "'wkt' = 'POINT (36.5 32.6)'" in str(err)


# -- a GeoJSON crs member ----------------------------------------------------------------------


def _collection(crs, *geometries):
    features = [
        {"type": "Feature", "geometry": g, "properties": {"event_date": "2025-01-01", "category": "shelling"}}
        for g in geometries
    ]
    return json.dumps({"type": "FeatureCollection", "crs": crs, "features": features})


TRUTH = [(36.2913, 33.5102), (35.8921, 33.1841)]


@pytest.mark.parametrize(
    "crs",
    [
        {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
        {"type": "name", "properties": {"name": "EPSG:3857"}},
        {"type": "EPSG", "properties": {"code": 3857}},
        "EPSG:3857",
        {"type": "name", "properties": {"name": "EPSG:32637"}},
    ],
)
def test_projected_geojson_is_reprojected_to_lon_lat(write, crs):
    name = crs if isinstance(crs, str) else crs["properties"].get("name") or "EPSG:3857"
    to = pyproj.Transformer.from_crs("EPSG:4326", name, always_xy=True)
    (x0, y0), (x1, y1) = (to.transform(*p) for p in TRUTH)
    point = {"type": "Point", "coordinates": [x0, y0]}
    box = {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}
    with pytest.warns(Reprojected, match=r"projected\.geojson: coordinates reprojected from .* to EPSG:4326"):
        events = read_events(write("projected.geojson", _collection(crs, point, box)))
    assert events.crs.to_epsg() == 4326
    assert events.geometry.iloc[0].x == pytest.approx(TRUTH[0][0], abs=1e-6)
    assert events.geometry.iloc[0].y == pytest.approx(TRUTH[0][1], abs=1e-6)
    corners = list(events.geometry.iloc[1].exterior.coords)
    assert corners[0] == pytest.approx(TRUTH[0], abs=1e-6)  # vertices are reprojected one by one
    assert corners[2] == pytest.approx(TRUTH[1], abs=1e-6)


@pytest.mark.parametrize(
    "name", ["urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "EPSG:4326", "OGC:CRS84"]
)
def test_wgs84_crs_members_mean_longitude_first(write, name):
    crs = {"type": "name", "properties": {"name": name}}
    events = read_events(
        write("wgs84.geojson", _collection(crs, {"type": "Point", "coordinates": [36.29, 33.51]}))
    )
    assert (events.geometry.iloc[0].x, events.geometry.iloc[0].y) == (36.29, 33.51)


@pytest.mark.parametrize(
    "crs",
    [
        {"type": "name", "properties": {"name": "EPSG:99999"}},
        {"type": "name", "properties": {"name": "+proj=merc +datum=WGS84"}},
        {"type": "link", "properties": {"href": "http://example.org/crs", "type": "proj4"}},
        {"type": "name"},
        42,
        "x" * 10_000,
    ],
)
def test_unusable_crs_member_is_refused(write, crs):
    err = _fails(write("badcrs.geojson", _collection(crs, {"type": "Point", "coordinates": [36.29, 33.51]})))
    assert err.field == "crs"
    assert len(str(err)) < 500


def test_feature_with_a_crs_of_its_own_is_refused(write):
    doc = json.loads(_collection(None, {"type": "Point", "coordinates": [36.29, 33.51]}))
    doc["features"][0]["crs"] = {"type": "name", "properties": {"name": "EPSG:3857"}}
    err = _fails(write("mixed.geojson", json.dumps(doc)))
    assert (err.row, err.field) == ("features[0]", "crs")


# -- bad values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["1e30", "12345678901234567890", "-1", "2.5", "abc", "inf", "9223372036854775808"]
)
def test_bad_fatalities_in_csv(write, value):
    err = _fails(write("f.csv", f"event_date,location,fatalities\n2025-01-01,Daraa,{value}\n"))
    assert (err.row, err.field, err.value) == ("line 2", "fatalities", value)
    expected = f"field 'fatalities' = {value!r}: expected a whole number from 0 to {2**63 - 1}"
    assert expected in str(err)


@pytest.mark.parametrize("value", [10**30, 2**63, -(10**30), True, 2.5, "1e400", [1, 2], {"a": 1}])
def test_bad_fatalities_in_json(write, value):
    records = [{"event_date": "2025-01-01", "location": "Daraa", "fatalities": value}]
    err = _fails(write("f.json", json.dumps(records)))
    assert (err.row, err.field, err.value) == ("events[0]", "fatalities", value)


def test_large_fatalities_within_the_limit_read_exactly(write):
    text = "event_date,category,location,fatalities\n2025-01-01,shelling,Daraa,9223372036854775807\n"
    assert read_events(write("f.csv", text))["fatalities"].iloc[0] == 2**63 - 1


def test_integer_of_5001_digits_in_a_geojson_property(write):
    text = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": null, "properties": '
        '{"event_date": "2025-01-01", "location": "Daraa", "fatalities": ' + "9" * 5001 + "}}]}"
    )
    err = _fails(write("long.geojson", text))
    assert (err.row, err.field, err.value) == ("features[0]", "fatalities", "9" * 5001)
    assert "an integer of 5001 digits" in str(err) and len(str(err)) < 400


def test_integer_of_5001_digits_in_coordinates(write):
    text = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        '{"event_date": "2025-01-01"}, "geometry": {"type": "Point", "coordinates": ['
        + "1" * 5001
        + ", 3]}}]}"
    )
    err = _fails(write("long.geojson", text))
    assert (err.row, err.field) == ("features[0]", "geometry")


def test_array_nested_100000_deep_in_a_geojson_property(write):
    nested = "[" * 100_000 + "]" * 100_000
    text = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": null,\n'
        f'"properties": {{"event_date": "2025-01-01", "notes": {nested}}}}}]}}'
    )
    err = _fails(write("deep.geojson", text), InputError)
    assert ": line 2 column 549: arrays or objects nested too deeply to read" in str(err)


@pytest.mark.parametrize("coordinates", ["[1e400, 3]", "[NaN, 3]", "[3, Infinity]", "[-Infinity, 3]"])
def test_non_finite_coordinates(write, coordinates):
    text = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        f'{{"event_date": "2025-01-01"}}, "geometry": {{"type": "Point", "coordinates": {coordinates}}}}}]}}'
    )
    err = _fails(write("inf.geojson", text))
    assert (err.row, err.field) == ("features[0]", "geometry")
    assert "coordinates outside longitude -180..180" in str(err)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("latitude", "1e400", "outside -90..90"),
        ("latitude", "nan", "not a number"),
        ("longitude", "-inf", "outside -180..180"),
        ("longitude", "1" * 400, "outside -180..180"),
        ("geo_precision", "1e300", "allowed values: 1, 2, 3, 4"),
        ("time_precision", "9" * 30, "allowed values: 1, 2, 3"),
    ],
)
def test_bad_numbers_in_csv(write, field, value, reason):
    cells = {
        "latitude": "32.6",
        "longitude": "36.1",
        "geo_precision": "1",
        "time_precision": "1",
        field: value,
    }
    text = "event_date,location," + ",".join(cells) + "\n2025-01-01,Daraa," + ",".join(cells.values()) + "\n"
    err = _fails(write("n.csv", text))
    assert (err.row, err.field, err.value) == ("line 2", field, value)
    assert reason in str(err)


@pytest.mark.parametrize(
    ("field", "value"), [("geo_precision", 10**30), ("time_precision", True), ("latitude", True)]
)
def test_bad_numbers_in_yaml(write, field, value):
    records = [
        {"event_date": "2025-01-01", "location": "Daraa", "latitude": 32.6, "longitude": 36.1, field: value}
    ]
    err = _fails(write("n.yaml", _yaml(records)))
    assert (err.row, err.field, err.value) == ("line 2", field, value)


def test_yaml_integer_too_long_is_an_input_error(write):
    err = _fails(
        write("long.yaml", "- event_date: 2025-01-01\n  fatalities: " + "9" * 5001 + "\n"), InputError
    )
    assert "digits" in str(err) and len(str(err)) < 400


# -- values quoted in messages are capped ------------------------------------------------------


LONG = "x" * 100_000


@pytest.mark.parametrize(
    "text",
    [
        f"event_date,location\n{LONG},Daraa\n",  # a bad date
        f"event_date,{LONG}\n2025-01-01,Daraa\n",  # a missing column, listing the columns found
        'event_date,location,notes\n2025-01-01,Daraa,"'
        + LONG
        + "\n2025-01-02,Nawa,x\n",  # a swallowing quote
        f"event_date,location,country\n2025-01-01,Daraa,{LONG}\n",  # an unknown country
        f"event_date,location,geometry\n2025-01-01,Daraa,POINT ({LONG})\n",  # a bad geometry
        f"event_date,place,location\n2025-01-01,{LONG},Daraa\n",  # two columns of one field
    ],
)
def test_error_messages_quote_long_values_shortened(write, text):
    err = _fails(write("long.csv", text), MapperError)
    assert len(str(err)) < 800


def test_warning_for_unknown_categories_quotes_them_shortened(write):
    text = f"event_date,location,category\n2025-01-01,Daraa,{LONG}\n2025-01-02,Nawa,{LONG}y\n"
    with pytest.warns(DataWarning) as seen:
        read_events(write("cat.csv", text))
    assert seen and all(len(str(w.message)) < 800 for w in seen)


def test_geojson_feature_id_is_the_fallback_for_an_id_property(write):
    features = [
        {"type": "Feature", "id": "f1", "properties": {"event_date": "2025-01-01", "id": "p1"}},
        {"type": "Feature", "id": "f2", "properties": {"event_date": "2025-01-02", "event_id": " "}},
        {"type": "Feature", "id": "f3", "properties": {"event_date": "2025-01-03", "event_id": "e3"}},
    ]
    for feature in features:
        feature.update(geometry=None)
        feature["properties"].update(category="shelling", location="Daraa")
    events = read_events(
        write("ids.geojson", json.dumps({"type": "FeatureCollection", "features": features}))
    )
    assert events["event_id"].tolist() == ["p1", "f2", "e3"]
