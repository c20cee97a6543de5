"""The geo commands end to end: geocode, regions, region filters on filter/export/map, overrides.

Every test runs in its own temporary working directory (so no stray ``conflictmap-overrides.yaml``
is picked up) with ``CONFLICTMAP_CACHE_DIR`` pointing at one cache shared by the session, seeded
with the gazetteer index when one is already built.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conflictmap.cli import cli

EXE = Path(sys.executable).parent / "conflictmap"
GOVERNORATES = {
    "SY-DI", "SY-RD", "SY-DR", "SY-SU", "SY-QU", "SY-HM", "SY-HI",
    "SY-HL", "SY-ID", "SY-LA", "SY-TA", "SY-RA", "SY-DY", "SY-HA",
}  # fmt: skip
NOWHERE = "Qasr Zzyzx Nowhere"  # in no gazetteer
# Six reported events with only a place name: two in southern Syria (Sweida, Daraa), one in Rif
# Dimashq near the Golan (Beit Jinn), one in the capital, one far away and one nobody can find.
EVENTS = f"""
    event_id,event_date,location,category
    ev-sweida,2025-03-01,Sweida,clashes
    ev-daraa,2025-03-02,Daraa,shelling
    ev-beit-jinn,2025-03-03,Beit Jinn,incursion
    ev-damascus,2025-03-04,Damascus,unrest
    ev-paris,2025-03-05,Paris,diplomatic
    ev-nowhere,2025-03-06,{NOWHERE},other
"""
# Where the gazetteer puts them (lon, lat).
SWEIDA = (36.56951, 32.70896)
DARAA = (36.10213, 32.61889)


@pytest.fixture(autouse=True)
def _isolated(gazetteer_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFLICTMAP_CACHE_DIR", str(gazetteer_cache))
    monkeypatch.chdir(tmp_path)


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def run_exe(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(EXE), *args], cwd=cwd, capture_output=True, text=True, check=False)


def geocode_json(*names: str, extra: tuple[str, ...] = ()) -> list[dict]:
    result = run("geocode", "--json", *extra, *names)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def features(path: Path) -> dict[str, dict]:
    """Features of a GeoJSON file by id, in file order."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    return {f["id"]: f for f in doc["features"]}


@pytest.fixture
def events_csv(write) -> Path:
    return write("events.csv", EVENTS)


def filtered(events: Path, *options: str) -> list[str]:
    """Run ``filter`` with options and return the ids of the events written."""
    out = events.parent / "filtered.geojson"
    out.unlink(missing_ok=True)
    result = run("filter", str(events), "-o", str(out), *options)
    assert result.exit_code == 0, result.output
    return list(features(out))


# -- geocode -----------------------------------------------------------------------------------

QUERIES = ("Sweida", "southern Syria", "the Quneitra countryside", "near Beit Jinn", "Paris", NOWHERE)


def test_geocode_json_describes_each_name_in_input_order():
    rows = geocode_json(*QUERIES)

    assert [r["query"] for r in rows] == list(QUERIES)
    sweida, south, quneitra, beit_jinn, paris, nowhere = rows
    assert sweida["found"] is True
    assert (sweida["lat"], sweida["lon"]) == pytest.approx((32.709, 36.570), abs=1e-3)
    assert (sweida["kind"], sweida["geo_precision"]) == ("point", 1)
    assert (sweida["admin1"], sweida["country"], sweida["source"]) == ("As-Suwayda", "SY", "gazetteer")
    assert sweida["place_id"] == "gn:172408" and sweida["bbox"] is None

    assert (south["kind"], south["geo_precision"]) == ("region", 3)
    assert south["place_id"] == "region:southern-syria"
    west, south_edge, east, north = south["bbox"]
    assert west < east and south_edge < north
    assert west <= 36.1 <= east and south_edge <= 32.6 <= north  # the town of Daraa is inside

    assert quneitra["place_id"] == "region:SY-QU"
    assert (quneitra["kind"], quneitra["geo_precision"], quneitra["admin1"]) == ("region", 3, "Quneitra")
    assert len(quneitra["bbox"]) == 4

    assert (beit_jinn["place_id"], beit_jinn["kind"], beit_jinn["geo_precision"]) == ("gn:171564", "point", 2)
    assert (beit_jinn["lat"], beit_jinn["lon"]) == pytest.approx((33.314, 35.880), abs=1e-3)

    assert (paris["country"], paris["kind"]) == ("FR", "point")
    assert paris["lon"] == pytest.approx(2.349, abs=1e-3)

    assert nowhere["found"] is False
    assert nowhere["lat"] is None and nowhere["lon"] is None
    assert nowhere["name"] is None and nowhere["place_id"] is None and nowhere["geo_precision"] is None
    assert nowhere["candidates"] == []
    assert "no place" in nowhere["reason"]


def test_geocode_order_follows_the_input():
    forward = geocode_json(*QUERIES)
    backward = geocode_json(*reversed(QUERIES))

    assert [(r["query"], r["place_id"]) for r in backward] == [
        (r["query"], r["place_id"]) for r in reversed(forward)
    ]


def test_geocode_json_objects_share_one_set_of_keys():
    # A consumer of --json should find the same keys on every object, null when unknown.
    found, missing = geocode_json("Sweida", NOWHERE)

    assert missing["found"] is False
    assert set(missing) == set(found)
    assert all(missing[key] is None for key in ("place_kind", "population"))


@pytest.mark.parametrize("others", [("Aleppo",), ("Latakia",), ("Daraa", "Aleppo", "Beirut")])
def test_a_bare_town_name_means_the_town_whatever_else_is_asked(others):
    # "Sweida" is a city and the governorate named after it. Without words asking for the
    # governorate ("Sweida province", "the Sweida countryside") it is the city, alone (see above)
    # or among any other names of the same input.
    sweida = geocode_json("Sweida", *others)[0]

    assert (sweida["place_id"], sweida["kind"], sweida["geo_precision"]) == ("gn:172408", "point", 1)


@pytest.mark.parametrize(
    ("city", "place_id", "country"),
    [
        ("Amman", "gn:250441", "JO"),
        ("Haifa", "gn:294801", "IL"),
        ("Beirut", "gn:276781", "LB"),
        ("Gaziantep", "gn:314830", "TR"),
        ("Tyre", "gn:267008", "LB"),
    ],
)
def test_a_city_abroad_is_not_traded_for_a_loosely_spelt_village_at_home(city, place_id, country):
    # Sweida makes Syria the input's country. That helps choose among namesakes; it must not turn
    # a neighbouring capital, named exactly, into a Syrian village matched on a looser spelling.
    sweida, found = geocode_json("Sweida", city)

    assert sweida["country"] == "SY"
    assert (found["place_id"], found["country"]) == (place_id, country), found["reason"]


def test_geocode_table_names_places_and_misses():
    result = run("geocode", "Sweida", NOWHERE)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["query", "place", "kind"]
    (sweida,) = [line for line in lines if line.startswith("Sweida ")]
    assert sweida.split()[1:5] == ["As-Suwayda", "point", "1", "As-Suwayda"]
    (nowhere,) = [line for line in lines if line.startswith(NOWHERE + " ")]
    assert "(not found)" in nowhere
    assert f"{NOWHERE}: no place of this name" in result.stdout  # the "why:" notes


# -- regions -----------------------------------------------------------------------------------


def regions_json(*options: str) -> dict[str, dict]:
    result = run("regions", "--json", *options)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    by_id = {r["id"]: r for r in rows}
    assert len(by_id) == len(rows)  # ids are unique
    return by_id


def test_regions_lists_governorates_composites_disputed_areas_and_countries():
    regions = regions_json()

    assert set(regions) >= GOVERNORATES
    assert all(regions[g]["kind"] == "admin1" and regions[g]["country"] == "SY" for g in GOVERNORATES)
    assert regions["SY-SU"]["name"] == "As-Suwayda"
    assert regions["southern-syria"]["members"] == ["SY-DR", "SY-SU", "SY-QU"]
    assert set(regions["northeast-syria"]["members"]) == {"SY-HA", "SY-RA", "SY-DY"}
    assert set(regions["northwest-syria"]["members"]) == {"SY-ID", "SY-HL"}
    assert set(regions["coastal-syria"]["members"]) == {"SY-LA", "SY-TA"}
    for composite in ("southern-syria", "northeast-syria", "northwest-syria", "coastal-syria", "buffer-zone"):
        assert regions[composite]["kind"] == "area"
        assert regions[composite]["country"] == "SY"
    for disputed in ("golan-heights", "undof-zone"):
        assert regions[disputed]["kind"] == "area"
        assert regions[disputed]["country"] is None  # claimed, not assigned
        assert regions[disputed]["members"] == []
    assert "the Golan" in regions["golan-heights"]["names"]
    for code in ("SY", "LB", "IL", "JO", "IQ", "TR"):
        assert regions[code]["kind"] == "country" and regions[code]["country"] == code


def test_regions_kind_and_country_filter():
    areas = regions_json("--kind", "area")
    assert {"southern-syria", "buffer-zone", "golan-heights", "undof-zone"} <= set(areas)
    assert {r["kind"] for r in areas.values()} == {"area"}
    assert "SY-DR" not in areas and "SY" not in areas

    assert set(regions_json("--kind", "admin1", "--country", "sy")) == GOVERNORATES

    table = run("regions", "--kind", "area")
    assert table.exit_code == 0
    (line,) = [x for x in table.stdout.splitlines() if x.startswith("southern-syria ")]
    assert "= SY-DR + SY-SU + SY-QU" in line


# -- filter ------------------------------------------------------------------------------------


def test_filter_by_region_keeps_the_events_located_in_it(events_csv):
    out = events_csv.parent / "south.geojson"
    result = run("filter", str(events_csv), "-o", str(out), "--region", "southern Syria")

    assert result.exit_code == 0, result.output
    assert "Read 6 events from 1 input; filtered out 4; unlocated 0; written 2." in result.output
    assert "kept only events in Southern Syria" in result.output
    kept = features(out)
    assert list(kept) == ["ev-sweida", "ev-daraa"]
    for event_id, (lon, lat) in (("ev-sweida", SWEIDA), ("ev-daraa", DARAA)):
        geometry = kept[event_id]["geometry"]
        assert geometry["type"] == "Point"
        assert geometry["coordinates"] == pytest.approx([lon, lat])  # x is the longitude
    sweida = kept["ev-sweida"]["properties"]
    assert (sweida["place_id"], sweida["place_name"], sweida["admin1"], sweida["country"]) == (
        "gn:172408",
        "As-Suwayda",
        "As-Suwayda",
        "SY",
    )
    assert sweida["location"] == "Sweida"  # the reported name is kept
    assert kept["ev-daraa"]["properties"]["admin1"] == "Daraa"


def test_repeated_region_is_the_union(events_csv):
    damascus = filtered(events_csv, "--region", "Damascus")
    daraa = filtered(events_csv, "--region", "Dar'a")
    both = filtered(events_csv, "--region", "Damascus", "--region", "Dar'a")

    assert damascus == ["ev-damascus"]
    assert daraa == ["ev-daraa"]
    assert both == ["ev-daraa", "ev-damascus"]  # input order


def test_region_by_id_and_country(events_csv):
    assert filtered(events_csv, "--region", "SY-SU") == ["ev-sweida"]
    in_syria = ["ev-sweida", "ev-daraa", "ev-beit-jinn", "ev-damascus"]
    assert filtered(events_csv, "--region", "Syria") == in_syria
    assert filtered(events_csv, "--region", "France") == ["ev-paris"]


def test_filter_by_bbox(events_csv):
    assert filtered(events_csv, "--bbox", "35.5,32.3,37.0,33.4") == ["ev-sweida", "ev-daraa", "ev-beit-jinn"]
    assert filtered(events_csv, "--bbox", "36.0,32.5,36.3,32.7") == ["ev-daraa"]
    # The same box given lat-first (S,W,N,E by mistake) lies off the Turkish coast: nothing in it.
    assert filtered(events_csv, "--bbox", "32.5,36.0,32.7,36.3") == []


def test_filter_near_a_place(events_csv):
    # Beit Jinn is about 44 km from Damascus.
    assert filtered(events_csv, "--near", "Damascus", "--km", "30") == ["ev-damascus"]
    assert filtered(events_csv, "--near", "Damascus", "--km", "50") == ["ev-beit-jinn", "ev-damascus"]
    # LAT,LON of Beit Jinn: read in that order, 5 km around it holds only Beit Jinn.
    assert filtered(events_csv, "--near", "33.31376,35.87972", "--km", "5") == ["ev-beit-jinn"]


def test_filter_near_summary_names_place_and_distance(events_csv):
    out = events_csv.parent / "near.geojson"
    result = run("filter", str(events_csv), "-o", str(out), "--near", "Damascus", "--km", "30")

    assert result.exit_code == 0, result.output
    assert "kept only events within 30 km of Damascus" in result.output
    assert "category  layer" in result.output  # columns stay apart with short category labels


def test_filter_within_polygons_of_a_geojson_file(events_csv, write):
    def square(west, south, east, north):
        return [[[west, south], [east, south], [east, north], [west, north], [west, south]]]

    polygons = write(
        "areas.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Hauran"},
                        "geometry": {"type": "Polygon", "coordinates": square(35.9, 32.5, 36.7, 32.8)},
                    },
                    {
                        "type": "Feature",
                        "properties": {"name": "Paris"},
                        "geometry": {"type": "Polygon", "coordinates": square(2.2, 48.8, 2.5, 48.9)},
                    },
                ],
            }
        ),
    )

    assert filtered(events_csv, "--within", str(polygons)) == ["ev-sweida", "ev-daraa", "ev-paris"]
    # Filters of different kinds all apply.
    assert filtered(events_csv, "--within", str(polygons), "--region", "Daraa") == ["ev-daraa"]


def test_contained_keeps_only_areas_wholly_inside(write):
    def feature(event_id, west, south, east, north):
        ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
        return {
            "type": "Feature",
            "properties": {"event_id": event_id, "event_date": "2025-05-01", "category": "shelling"},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }

    areas = write(
        "areas.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    feature("inside-daraa", 36.05, 32.75, 36.15, 32.85),
                    feature("across-the-jordan-border", 35.95, 32.45, 36.25, 32.75),
                    feature("in-jordan", 36.0, 32.1, 36.1, 32.2),
                ],
            }
        ),
    )

    assert filtered(areas, "--region", "Daraa") == ["inside-daraa", "across-the-jordan-border"]
    assert filtered(areas, "--region", "Daraa", "--contained") == ["inside-daraa"]
    assert filtered(areas, "--region", "Jordan", "--contained") == ["in-jordan"]
    assert filtered(areas, "--bbox", "36.0,32.7,36.3,32.9") == ["inside-daraa", "across-the-jordan-border"]
    assert filtered(areas, "--bbox", "36.0,32.7,36.3,32.9", "--contained") == ["inside-daraa"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--region", "Southern Syrai"], "unknown region 'Southern Syrai'; did you mean 'Southern Syria'"),
        (["--region", "Daraa", "--region", "Quneitra Gov"], "region 'Quneitra Gov'; did you mean 'Quneitra'"),
        (["--bbox", "36,33,35"], "--bbox must be four numbers W,S,E,N"),
        (["--bbox", "35,east,36,33"], "--bbox must be four numbers W,S,E,N"),
        (["--bbox", "35,34,36,33"], "is not a box"),
        (["--bbox", "35,33,200,34"], "is not a box"),
        (["--near", "Damascus"], "--near and --km go together"),
        (["--km", "30"], "--near and --km go together"),
        (["--near", "Damascus", "--km", "0"], "--km must be a positive distance"),
        (["--near", NOWHERE, "--km", "5"], f"--near: no place called '{NOWHERE}'"),
        (["--within", "no-such-areas.geojson"], "--within file not found"),
        (["--country", "XX"], "--country 'XX' is not a country code or name"),
    ],
)
def test_bad_spatial_options_exit_2_without_output(events_csv, options, message):
    out = events_csv.parent / "out.geojson"
    result = run("filter", str(events_csv), "-o", str(out), *options)

    assert result.exit_code == 2, result.output
    assert "Error: " in result.output and message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("region", "outside"),
    [
        ("northern Syria", {"ev-sweida", "ev-daraa"}),
        ("southern Lebanon", {"ev-beirut", "ev-tripoli"}),
    ],
)
def test_a_directional_region_is_not_widened_to_the_whole_country(write, region, outside):
    # "northern Syria" must not keep events in Sweida and Daraa, nor "southern Lebanon" events in
    # Beirut and Tripoli: refusing the name (with suggestions) would do, widening it does not.
    events = write(
        "levant.csv",
        """
        event_id,event_date,location,category
        ev-sweida,2025-03-01,Sweida,clashes
        ev-daraa,2025-03-02,Daraa,shelling
        ev-aleppo,2025-03-03,Aleppo,airstrike
        ev-beirut,2025-03-04,Beirut,unrest
        ev-tyre,2025-03-05,Tyre,airstrike
        ev-tripoli,2025-03-06,"Tripoli, Lebanon",unrest
        """,
    )
    out = events.parent / "out.geojson"
    result = run("filter", str(events), "-o", str(out), "--region", region)

    if result.exit_code == 2:
        assert "did you mean" in result.output
    else:
        assert result.exit_code == 0, result.output
        kept = set(features(out))
        assert not kept & outside, f"--region {region!r} kept {sorted(kept & outside)}"


def test_a_country_region_keeps_its_coastal_cities(write):
    # Each city lies in its admin-1 unit's polygon; the country polygon must cover it too.
    events = write(
        "coast.csv",
        """
        event_id,event_date,location,category
        beirut,2025-01-01,Beirut,unrest
        tyre,2025-01-02,Tyre,airstrike
        sidon,2025-01-03,Sidon,airstrike
        latakia,2025-01-04,Latakia,unrest
        tartus,2025-01-05,Tartus,unrest
        haifa,2025-01-06,"Haifa, Israel",airstrike
        """,
    )

    assert filtered(events, "--region", "Beirut") == ["beirut"]  # the governorate
    assert filtered(events, "--region", "coastal Syria") == ["latakia", "tartus"]
    assert filtered(events, "--region", "Lebanon") == ["beirut", "tyre", "sidon"]
    assert filtered(events, "--region", "Syria") == ["latakia", "tartus"]
    assert filtered(events, "--region", "Israel") == ["haifa"]


def test_within_file_of_points_is_refused(events_csv, write):
    points = write(
        "points.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "Point", "coordinates": [36, 33]},
                    }
                ],
            }
        ),
    )
    out = events_csv.parent / "out.geojson"
    result = run("filter", str(events_csv), "-o", str(out), "--within", str(points))

    assert result.exit_code == 2
    assert "--within needs polygons, found geometry types Point" in result.output
    assert not out.exists()


@pytest.mark.parametrize(("command", "suffix"), [("map", ".html"), ("export", ".geojson")])
def test_map_and_export_take_the_region_options_too(events_csv, command, suffix):
    out = events_csv.parent / f"out{suffix}"
    bad = run(command, str(events_csv), "-o", str(out), "--region", "Southern Syrai")
    assert bad.exit_code == 2 and "did you mean 'Southern Syria'" in bad.output
    assert not out.exists()

    good = run(command, str(events_csv), "-o", str(out), "--region", "southern Syria")
    assert good.exit_code == 0, good.output
    assert "filtered out 4; unlocated 0; written 2." in good.output
    assert out.is_file()


def test_unknown_region_through_the_installed_command(events_csv):
    proc = run_exe("filter", str(events_csv), "-o", "out.geojson", "--region", "Golan Hieghts",
                   cwd=events_csv.parent)  # fmt: skip

    assert proc.returncode == 2
    assert "Error: unknown region 'Golan Hieghts'; did you mean 'Golan Heights'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (events_csv.parent / "out.geojson").exists()


# -- export: locating names-only events --------------------------------------------------------


def test_export_locates_names_and_keeps_the_unresolved(write):
    events = write(
        "reported.csv",
        f"""
        event_id,event_date,location,category
        a,2025-04-01,Sweida,clashes
        b,2025-04-02,{NOWHERE},shelling
        c,2025-04-03,the Quneitra countryside,incursion
        d,2025-04-04,{NOWHERE},shelling
        e,2025-04-05,near Beit Jinn,incursion
        """,
    )
    out = events.parent / "located.geojson"
    result = run("export", str(events), "-o", str(out))

    assert result.exit_code == 0, result.output
    assert "Read 5 events from 1 input; filtered out 0; unlocated 2; written 5." in result.output
    assert "located from place names: 3 (3 by gazetteer)" in result.output
    assert f"not located (kept, without geometry): {NOWHERE} (2)" in result.output
    got = features(out)
    assert list(got) == ["a", "b", "c", "d", "e"]  # nothing lost, order kept
    props = {k: f["properties"] for k, f in got.items()}
    assert (props["a"]["place_id"], props["a"]["place_name"], props["a"]["geo_precision"]) == (
        "gn:172408",
        "As-Suwayda",
        1,
    )
    assert got["a"]["geometry"]["coordinates"] == pytest.approx(list(SWEIDA))
    assert (props["c"]["place_id"], props["c"]["geo_precision"], props["c"]["admin1"]) == (
        "region:SY-QU",
        3,
        "Quneitra",
    )
    assert got["c"]["geometry"]["type"] in ("Polygon", "MultiPolygon")  # the governorate itself
    assert (props["e"]["place_id"], props["e"]["geo_precision"]) == ("gn:171564", 2)
    assert props["e"]["location"] == "near Beit Jinn"
    for unresolved in ("b", "d"):
        assert got[unresolved]["geometry"] is None
        assert props[unresolved]["located"] is False
        assert props[unresolved]["place_id"] is None and props[unresolved]["geo_precision"] is None
        assert props[unresolved]["location"] == NOWHERE
    assert all(props[k]["located"] is True for k in ("a", "c", "e"))


def test_export_to_csv_keeps_the_place_columns(events_csv):
    out = events_csv.parent / "located.csv"
    result = run("export", str(events_csv), "-o", str(out), "-q")

    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    assert {"place_id", "place_name", "geo_precision", "location"} <= set(header)
    rows = [dict(zip(header, line.split(","), strict=False)) for line in lines[1:]]
    assert len(rows) == 6
    by_id = {r["event_id"]: r for r in rows}
    assert by_id["ev-daraa"]["place_id"] == "gn:170905" and by_id["ev-daraa"]["geo_precision"] == "1"
    assert by_id["ev-nowhere"]["place_id"] == ""


def test_no_geocode_leaves_names_unlocated(events_csv):
    out = events_csv.parent / "raw.geojson"
    result = run("export", str(events_csv), "-o", str(out), "--no-geocode")

    assert result.exit_code == 0, result.output
    assert "unlocated 6; written 6." in result.output
    got = features(out)
    assert len(got) == 6
    assert all(f["geometry"] is None and f["properties"]["place_id"] is None for f in got.values())


def test_points_without_admin_units_get_them_from_their_coordinates(write):
    events = write(
        "points.csv",
        """
        event_id,event_date,latitude,longitude,category
        near-daraa,2025-02-01,32.62,36.10,shelling
        beirut,2025-02-02,33.89,35.50,unrest
        at-sea,2025-02-03,34.00,34.00,other
        """,
    )
    out = events.parent / "points.geojson"
    result = run("export", str(events), "-o", str(out), "-q")

    assert result.exit_code == 0, result.output
    props = {k: f["properties"] for k, f in features(out).items()}
    assert (props["near-daraa"]["admin1"], props["near-daraa"]["country"]) == ("Daraa", "SY")
    assert (props["beirut"]["admin1"], props["beirut"]["country"]) == ("Beirut", "LB")
    assert (props["at-sea"]["admin1"], props["at-sea"]["country"]) == (None, None)
    assert features(out)["near-daraa"]["geometry"]["coordinates"] == pytest.approx([36.10, 32.62])


# -- overrides ---------------------------------------------------------------------------------

OVERRIDES = """
    "Tell al-Hara": {lat: 33.06, lon: 35.99}
    Hamidiyah: "gn:174167"
"""


def test_overrides_file_in_the_working_directory_wins(tmp_path, write):
    plain = json.loads(run_exe("geocode", "--json", "Tell al-Hara", "Hamidiyah", cwd=tmp_path).stdout)
    assert [r["source"] for r in plain] == ["gazetteer", "gazetteer"]
    assert plain[1]["place_id"] != "gn:174167"  # the gazetteer prefers another Hamidiyah

    write("conflictmap-overrides.yaml", OVERRIDES)
    proc = run_exe("geocode", "--json", "Tell al-Hara", "Hamidiyah", cwd=tmp_path)

    assert proc.returncode == 0, proc.stderr
    hara, hamidiyah = json.loads(proc.stdout)
    assert hara["source"] == "override"
    assert (hara["lat"], hara["lon"]) == (33.06, 35.99)
    assert hara["place_id"].startswith("override:")
    assert "conflictmap-overrides.yaml" in hara["reason"]
    assert (hamidiyah["source"], hamidiyah["place_id"], hamidiyah["admin1"]) == (
        "override",
        "gn:174167",
        "Quneitra",
    )


def test_overrides_option_wins_over_the_discovered_file(tmp_path, write):
    write("conflictmap-overrides.yaml", '"Tell al-Hara": {lat: 33.5, lon: 36.5}\n')
    (tmp_path / "elsewhere").mkdir()
    chosen = write("elsewhere/mine.yaml", OVERRIDES)
    events = write("hara.csv", "event_date,location,category\n2025-01-01,Tell al-Hara,shelling\n")
    out = tmp_path / "hara.geojson"

    result = run("export", str(events), "-o", str(out), "--overrides", str(chosen))

    assert result.exit_code == 0, result.output
    assert "located from place names: 1 (1 by override)" in result.output
    (feature,) = features(out).values()
    assert feature["geometry"]["coordinates"] == pytest.approx([35.99, 33.06])
    props = feature["properties"]
    assert props["place_id"].startswith("override:") and props["place_name"] == "Tell al-Hara"
    assert (props["admin1"], props["country"]) == ("Daraa", "SY")  # from the point


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- Tell al-Hara\n- Hamidiyah\n", "overrides must be a mapping"),
        (": : [\n", "cannot read overrides"),
        ('"Tell al-Hara": {lat: 95, lon: 35.99}\n', "'Tell al-Hara': lat 95.0 / lon 35.99 out of range"),
        ('"Tell al-Hara": {lat: north}\n', "needs numeric 'lat' and 'lon'"),
        ("Hamidiyah: [1, 2, 3]\n", "is neither a place id nor coordinates"),
        ('"Tell al-Hara": {lat: 33.06, lon: 35.99, geo_precision: 7}\n', "geo_precision 7"),
        ('Hamidiyah: "gn:999999999"\n', "no place with id 'gn:999999999'"),
    ],
)
def test_bad_overrides_file_exits_2_naming_the_file(tmp_path, write, content, message):
    bad = write("bad-overrides.yaml", content)
    events = write("e.csv", "event_date,location,category\n2025-01-01,Hamidiyah,shelling\n"
                   "2025-01-02,Tell al-Hara,shelling\n")  # fmt: skip
    out = tmp_path / "out.geojson"

    exported = run("export", str(events), "-o", str(out), "--overrides", str(bad))
    looked_up = run("geocode", "--overrides", str(bad), "Hamidiyah", "Tell al-Hara")

    for result in (exported, looked_up):
        assert result.exit_code == 2, result.output
        assert "Error: " in result.output and "bad-overrides.yaml" in result.output
        assert message in result.output
        assert "Traceback" not in result.output
    assert not out.exists()


def test_bad_discovered_overrides_file_is_named(tmp_path, write, events_csv):
    write("conflictmap-overrides.yaml", "just a sentence\n")
    proc = run_exe("export", str(events_csv), "-o", "out.geojson", cwd=tmp_path)

    assert proc.returncode == 2
    assert "conflictmap-overrides.yaml: overrides must be a mapping" in proc.stderr
    assert not (tmp_path / "out.geojson").exists()
