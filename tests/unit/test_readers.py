from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest
import shapely

from conflictmap import DataWarning, InputError, SchemaError, read_events, read_many, write_events
from conflictmap.schema import COLUMNS, DTYPES, empty_events

CSV_POINTS = """
    event_id,event_date,category,location,latitude,longitude,country,notes,fatalities
    a1,2025-03-02,airstrike,Khan Arnabah,33.184,35.892,SY,Strike on a depot,2
    a2,2025-03-04,incursion,Jubata al-Khashab,33.228,35.835,Syria,"Troops entered, then left",
"""


def test_csv_with_coordinates_gives_points_and_canonical_dtypes(write):
    events = read_events(write("ev.csv", CSV_POINTS))
    assert list(events.columns) == [*COLUMNS, "geometry"]
    assert {c: str(events[c].dtype) for c in COLUMNS} == {
        c: str(pd.Series(dtype=d).dtype) for c, d in DTYPES.items()}
    assert events.crs.to_epsg() == 4326
    first = events.geometry.iloc[0]
    assert (first.x, first.y) == (35.892, 33.184)  # x is longitude
    assert events["country"].tolist() == ["SY", "SY"]
    assert events["fatalities"].tolist()[0] == 2 and pd.isna(events["fatalities"].iloc[1])
    assert events["located"].tolist() == [True, True]
    assert events["geo_precision"].tolist() == [1, 1]
    assert events["notes"].iloc[1] == "Troops entered, then left"


def test_csv_with_place_names_only_keeps_unlocated_events(write):
    events = read_events(write("names.csv", """
        date,place,category
        2025-01-10,Beit Jinn,incursion
        2025-01,Quneitra countryside,shelling
    """))
    assert events["located"].tolist() == [False, False]
    assert events.geometry.isna().all()
    assert events["location"].tolist() == ["Beit Jinn", "Quneitra countryside"]
    assert events["time_precision"].tolist() == [1, 2]  # "2025-01" is a month
    assert events["geo_precision"].isna().all()
    assert events["event_id"].str.match(r"^cm-[0-9a-f]{12}$").all()


def test_derived_ids_are_deterministic_and_distinct(write):
    text = ("event_date,location,category\n2025-01-10,Daraa,shelling\n2025-01-10,Daraa,shelling\n"
            "2025-01-11,Daraa,shelling\n")
    ids = read_events(write("a.csv", text))["event_id"].tolist()
    again = read_events(write("b.csv", text))["event_id"].tolist()
    assert ids == again
    assert len(set(ids)) == 3 and ids[1] == ids[0] + "-2"


def test_yaml_with_dates_geometry_and_periods(write):
    events = read_events(write("ev.yaml", """
        events:
          - event_date: 2024-12-08
            date_end: 2026-01-07
            time_precision: 3
            category: Ground incursion
            location: southern Syria
            geometry: POLYGON ((35.8 32.3, 36.9 32.3, 36.9 33.3, 35.8 33.3, 35.8 32.3))
          - date: 2026-01-07
            category: proposal
            location: Damascus
            lat: 33.5102
            lon: 36.29128
            actor1: [Government of Syria, Syrian negotiators]
    """))
    assert events["category"].tolist() == ["incursion", "statement"]
    assert events["date_end"].iloc[0] == pd.Timestamp("2026-01-07")
    assert pd.isna(events["date_end"].iloc[1])
    assert events.geometry.iloc[0].geom_type == "Polygon"
    assert events["geo_precision"].tolist() == [3, 1]
    assert events["actor1"].iloc[1] == "Government of Syria; Syrian negotiators"


def test_json_list_and_arabic_text(write):
    events = read_events(write("ev.json", """
        [{"event_date": "2025-07-14", "category": "unrest", "location": "السويداء",
          "latitude": 32.709, "longitude": 36.566, "notes": "اشتباكات في المدينة"}]
    """))
    assert events["location"].iloc[0] == "السويداء"
    assert events["notes"].iloc[0] == "اشتباكات في المدينة"


def test_geojson_feature_id_and_null_geometry(write):
    events = read_events(write("ev.geojson", """
        {"type": "FeatureCollection", "features": [
          {"type": "Feature", "id": "f1", "geometry": {"type": "Point", "coordinates": [36.1, 32.6]},
           "properties": {"event_date": "2025-05-01", "category": "clashes"}},
          {"type": "Feature", "id": "f2", "geometry": null,
           "properties": {"event_date": "2025-05-02", "location": "Tafas", "category": "other"}}]}
    """))
    assert events["event_id"].tolist() == ["f1", "f2"]
    assert events["located"].tolist() == [True, False]


def test_utf8_bom_is_accepted(write):
    path = write("bom.csv", b"\xef\xbb\xbfevent_date,location,category\n2025-01-01,Nawa,other\n")
    assert read_events(path)["event_date"].iloc[0] == pd.Timestamp("2025-01-01")


def test_latin1_file_is_an_error_naming_line_and_fix_and_reads_with_encoding(write):
    path = write("latin.csv", "event_date,location,category\n2025-01-01,Soueïda,unrest\n", encoding="latin-1")
    with pytest.raises(InputError, match=r"latin\.csv: line 2: byte 0xef is not valid utf-8.*"
                                         r"--encoding latin-1"):
        read_events(path)
    assert read_events(path, encoding="latin-1")["location"].iloc[0] == "Soueïda"


def test_unknown_category_becomes_other_with_a_counted_warning(write):
    path = write("c.csv", "event_date,location,category\n2025-01-01,Nawa,sniper fire\n"
                          "2025-01-02,Nawa,sniper fire\n")
    with pytest.warns(DataWarning, match=r"2 events with unknown categories \('sniper fire'\)"):
        events = read_events(path)
    assert events["category"].tolist() == ["other", "other"]
    assert events["sub_event_type"].tolist() == ["sniper fire", "sniper fire"]


BAD_INPUTS = [
    ("empty.csv", "", InputError, r"empty\.csv: the file is empty"),
    ("noplace.csv", "event_date,notes\n2025-01-01,x\n", SchemaError,
     r"one of 'location', 'latitude'\+'longitude' or 'geometry'"),
    ("date.csv", "event_date,location\n2025-01-01,A\n31/12/2025,B\n", SchemaError,
     r"date\.csv: line 3: field 'event_date' = '31/12/2025': not a date; allowed styles: "
     r"YYYY-MM-DD"),
    ("lat95.csv", "event_date,latitude,longitude\n2025-01-01,95,36.2\n", SchemaError,
     r"line 2: field 'latitude' = '95': outside -90..90"),
    ("nan.csv", "event_date,latitude,longitude\n2025-01-01,33.5,east\n", SchemaError,
     r"line 2: field 'longitude' = 'east': not a number"),
    ("swap.csv", "event_date,latitude,longitude,country\n2025-01-01,36.29,33.51,SY\n",
     SchemaError, r"line 2: field 'latitude' = 36.29: .*look swapped"),
    ("dup.csv", "event_id,event_date,location\nx,2025-01-01,A\nx,2025-01-02,B\n", SchemaError,
     r"dup\.csv: line 3: field 'event_id' = 'x': duplicate event_id; first used at line 2"),
    ("bowtie.csv", "event_date,geometry\n2025-01-01,\"POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))\"\n",
     SchemaError, r"line 2: field 'geometry'.*invalid geometry: Self-intersection"),
    ("line.csv", "event_date,geometry\n2025-01-01,\"LINESTRING (0 0, 1 1)\"\n", SchemaError,
     r"geometry type not allowed; allowed: Point, Polygon, MultiPolygon"),
    ("country.csv", "event_date,location,country\n2025-01-01,A,Atlantis\n", SchemaError,
     r"field 'country' = 'Atlantis': unknown country"),
    ("fat.csv", "event_date,location,fatalities\n2025-01-01,A,-3\n", SchemaError,
     r"field 'fatalities' = '-3': expected a whole number"),
    ("end.csv", "event_date,date_end,location\n2025-02-01,2025-01-01,A\n", SchemaError,
     r"field 'date_end' = '2025-01-01': ends before event_date 2025-02-01"),
    ("prec.csv", "event_date,location,geo_precision\n2025-01-01,A,7\n", SchemaError,
     r"field 'geo_precision' = '7': allowed values: 1, 2, 3, 4"),
    ("bad.json", "[{\"event_date\": ", InputError, r"bad\.json: line 1 column \d+: not valid JSON"),
    ("bin.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", InputError, r"binary file"),
]


@pytest.mark.parametrize(("name", "content", "error", "message"), BAD_INPUTS,
                         ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_names_file_row_field_and_value(write, name, content, error, message):
    path = write(name, content)
    with pytest.raises(error, match=message) as info:
        read_events(path)
    assert str(path) in str(info.value)


def test_missing_path_and_directory(tmp_path):
    with pytest.raises(InputError, match=r"nope\.csv: no such file"):
        read_events(tmp_path / "nope.csv")
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    with pytest.raises(InputError, match="is a directory"):
        read_events(folder)


def test_read_many_concatenates_mixed_formats_and_drops_exact_repeats(write):
    csv_path = write("a.csv", CSV_POINTS)
    yaml_path = write("b.yaml", """
        - {event_id: y1, event_date: 2025-04-01, location: Paris, latitude: 48.85, longitude: 2.35,
           category: talks}
    """)
    with pytest.warns(DataWarning, match="2 events read more than once were kept once"):
        events = read_many([csv_path, yaml_path, csv_path])
    assert events["event_id"].tolist() == ["a1", "a2", "y1"]


def test_read_many_rejects_one_id_for_two_different_events(write):
    a = write("a.yaml", "- {event_id: z, event_date: 2025-01-01, location: A, category: other}\n")
    b = write("b.yaml", "- {event_id: z, event_date: 2025-01-02, location: B, category: other}\n")
    with pytest.raises(SchemaError, match=r"event_id 'z' names different events in .*a\.yaml"
                                          r" and .*b\.yaml"):
        read_many([a, b])


def test_wkt_geometry_in_csv_wins_over_coordinates(write):
    events = read_events(write("w.csv", """
        event_date,category,latitude,longitude,geometry
        2025-01-01,other,32.6,36.1,"POLYGON ((36 32.5, 36.2 32.5, 36.2 32.7, 36 32.7, 36 32.5))"
    """))
    assert events.geometry.iloc[0].equals(shapely.box(36, 32.5, 36.2, 32.7).normalize()) or \
        events.geometry.iloc[0].geom_type == "Polygon"


def test_no_warnings_on_clean_input(write):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_events(write("ok.csv", CSV_POINTS))



# -- Text a field may hold, numbers beyond 2**53 ----------------------------------------------------


def test_csv_field_may_hold_nul_and_be_longer_than_the_csv_default_limit(write):
    long = "x" * 300_000
    path = write("nul.csv", "event_date,category,location,notes\n"
                            f'2025-01-01,unrest,A,"a\x00b"\n2025-01-02,unrest,B,{long}\n')
    events = read_events(path)
    assert events["notes"].tolist() == ["a\x00b", long]


@pytest.mark.parametrize("content", [
    b"event_date,loc\x00ation\n2025-01-01,A\n",  # NUL on the first line
    "event_date,location\n2025-01-01,A\n".encode("utf-16-le"),  # UTF-16 without its mark
    b"event_date,location\n\x00\xff\xfe\x00binary",  # NUL further on, and bytes that do not decode
])
def test_binary_files_are_still_told_from_text_with_nul(write, content):
    with pytest.raises(InputError, match="binary file"):
        read_events(write("bin.csv", content))


def _features(*fatalities: object) -> str:
    """GeoJSON text of unlocated events with these raw ``fatalities`` (JSON source text)."""
    features = []
    for i, value in enumerate(fatalities):
        props = json.dumps({"event_date": "2025-01-01", "category": "unrest", "location": f"p{i}"})
        features.append(f'{{"type": "Feature", "properties": {props[:-1]}, "fatalities": {value}}}, '
                        '"geometry": null}')
    return '{"type": "FeatureCollection", "features": [' + ", ".join(features) + "]}"


@pytest.mark.parametrize(("name", "content"), [
    ("big.csv", "event_date,category,location,fatalities\n2025-01-01,unrest,A,9007199254740993\n"
                "2025-01-01,unrest,B,\n2025-01-01,unrest,C,9223372036854775807\n"),
    ("big.geojson", _features(9007199254740993, "null", 9223372036854775807)),
])
def test_fatalities_beyond_2_to_the_53_keep_every_digit(write, name, content):
    events = read_events(write(name, content))
    assert events["fatalities"].tolist()[0] == 9007199254740993
    assert pd.isna(events["fatalities"].iloc[1])
    assert events["fatalities"].tolist()[2] == 2**63 - 1


@pytest.mark.parametrize("value", ["9223372036854775808", "1e30", "true"])
def test_fatalities_beyond_int64_or_not_a_number_are_schema_errors(write, value):
    with pytest.raises(SchemaError, match=r"features\[0\]: field 'fatalities' = .*expected a whole number"):
        read_events(write("f.geojson", _features(value)))


def test_a_table_without_dates_reads_as_undated_events_with_a_notice(tmp_path):
    # Issue 13: any file is mapped, a table of places too; its events say they have no date.
    path = tmp_path / "nodate.csv"
    path.write_text("name,type,lat,lon\nDaraa,airstrike,32.62,36.10\n")
    with pytest.warns(DataWarning, match=r"nodate\.csv: no event dates"):
        events = read_events(path)
    assert events["event_date"].isna().all() and events["date_end"].isna().all()
    assert events["location"].tolist() == ["Daraa"]
    assert events["category"].tolist() == ["airstrike"]
    assert events.geometry.iloc[0].coords[0] == (36.10, 32.62)


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg", "parquet", "fgb", "shp", "kml"])
def test_a_file_with_no_events_written_by_us_reads_as_no_events(tmp_path, fmt):
    # A filter that keeps nothing writes an empty collection; the next command of a pipe reads it.
    path = tmp_path / f"none.{fmt}"
    write_events(empty_events(), path)
    events = read_events(path)
    assert len(events) == 0
    assert list(events.columns) == list(empty_events().columns)
    assert events.crs == "EPSG:4326"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("none.geojson", '{"type": "FeatureCollection", "features": []}'),
        ("none.json", '{"events": []}'),
        ("list.json", "[]"),
        ("none.yaml", "events: []\n"),
        ("header.csv", "event_date,location\n"),
    ],
)
def test_well_formed_empty_collections_are_no_events(write, name, text):
    assert len(read_events(write(name, text))) == 0


def test_a_feature_collection_without_a_features_list_is_refused(write):
    path = write("nf.geojson", '{"type": "FeatureCollection"}')
    with pytest.raises(SchemaError, match=r"nf\.geojson: the FeatureCollection has no 'features' list"):
        read_events(path)
