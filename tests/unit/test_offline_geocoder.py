"""The offline gazetteer behind geopy's interface, name folding, phrase reading and overrides."""

from __future__ import annotations

import pytest
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from conflictmap.errors import ConfigurationError
from geo import OfflineGeocoder, Overrides, Resolver, exact_key, read_phrase, skeleton_key, variant_key


@pytest.fixture(scope="module")
def geocoder() -> OfflineGeocoder:
    return OfflineGeocoder()


def test_offline_geocoder_is_a_geopy_geocoder_returning_a_rich_location(geocoder):
    location = geocoder.geocode("Sweida")
    assert isinstance(geocoder, Geocoder)
    assert isinstance(location, Location)
    assert (round(location.latitude, 3), round(location.longitude, 3)) == (32.709, 36.570)
    raw = location.raw
    assert raw["kind"] == "point" and raw["geo_precision"] == 1
    assert (raw["admin1"], raw["country"], raw["place_id"]) == ("As-Suwayda", "SY", "gn:172408")
    assert raw["geometry"] == {"type": "Point", "coordinates": (location.longitude, location.latitude)}
    assert raw["candidates"][0]["place_id"] == "gn:172408" and len(raw["candidates"]) > 1
    assert raw["reason"]


def test_region_location_carries_its_polygon_and_bbox(geocoder):
    raw = geocoder.geocode("southern Syria").raw
    assert raw["kind"] == "region" and raw["geo_precision"] == 3
    assert raw["geometry"]["type"] in ("Polygon", "MultiPolygon")
    west, south, east, north = raw["bbox"]
    assert 35.5 < west < 36.0 and 37.0 < east < 37.6 and 32.2 < south < 32.5 and 33.1 < north < 33.5


def test_exactly_one_false_lists_the_candidates_best_first(geocoder):
    locations = geocoder.geocode("Paris", exactly_one=False)
    assert [loc.raw["country"] for loc in locations[:2]] == ["FR", "US"]
    assert geocoder.geocode("Qaryat Imaginaria") is None
    assert geocoder.geocode("Qaryat Imaginaria", exactly_one=False) == []


def test_country_context_chooses_among_namesakes(geocoder):
    assert geocoder.geocode("Tripoli").raw["country"] == "LB"  # the region of interest first
    assert geocoder.geocode("Tripoli", country="LY").raw["country"] == "LY"
    assert geocoder.geocode("Tripoli, Libya").raw["country"] == "LY"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Deir ez-Zor", "Dayr az Zawr"),
        ("Beit Jinn", "Bayt Jinn"),
        ("Jabal al-Sheikh", "Jebel esh Sheikh"),
        ("Khan Arnabeh", "Khān Arnabah"),
        ("Deraa", "Dar'a"),
        ("Qamishli", "Al-Kamishli"),
        ("Tell Abyad", "Tal Abyad"),
        ("Maarat al-Numan", "Ma`arrat an Nu`man"),
    ],
)
def test_transliteration_variants_meet_on_the_variant_key(a, b):
    assert variant_key(a) == variant_key(b)


def test_keys_fold_case_marks_and_article_and_arabic_script():
    assert exact_key("As-Suwayda'") == exact_key("al Suwayda") == "suwayda"
    assert exact_key("السويداء") == exact_key("سويداء")
    assert variant_key("Sweida") != variant_key("Suwayda")
    assert skeleton_key("Sweida") == skeleton_key("Suwayda") == "swd"
    assert skeleton_key("Hama") == ""  # too short to trust


@pytest.mark.parametrize(
    ("phrase", "name", "kind", "vague", "prefer"),
    [
        ("the northern Daraa countryside", "Daraa", None, True, "admin1"),
        ("near Beit Jinn", "Beit Jinn", None, True, None),
        ("the outskirts of Damascus", "Damascus", None, True, None),
        ("Quneitra governorate", "Quneitra", "admin1", False, None),
        ("the town of Nawa", "Nawa", "populated place", False, None),
        ("10 km south of Damascus", "Damascus", None, True, None),
        ("محافظة درعا", "درعا", "admin1", False, None),
    ],
)
def test_phrases_are_read_into_name_kind_and_vagueness(phrase, name, kind, vague, prefer):
    last = read_phrase(phrase)[-1]
    assert (last.name, last.kind, last.vague, last.prefer) == (name, kind, vague, prefer)
    assert read_phrase(phrase)[0].name == phrase  # the literal text is always tried first


def test_qualifier_and_compound_names_narrow_the_place():
    resolver = Resolver()
    ham = resolver.resolve("al-Hamidiyah, Quneitra")
    assert ham.place is not None and ham.place.place_id == "gn:174167"
    part = resolver.resolve("Beirut-Ras Beirut")
    assert part.place is not None and part.place.country == "LB"
    assert abs(part.place.lat - 33.89) < 0.1 and abs(part.place.lon - 35.5) < 0.1


def test_overrides_win_and_bad_ones_name_the_file(tmp_path):
    path = tmp_path / "conflictmap-overrides.yaml"
    path.write_text("Tell al-Hara: {lat: 33.06, lon: 35.99}\nSweida: gn:172407\n", encoding="utf-8")
    resolver = Resolver(overrides=Overrides.from_file(path))
    hill = resolver.resolve("tell al hara")
    assert (hill.source, hill.place.lat, hill.place.lon, hill.geo_precision) == ("override", 33.06, 35.99, 1)
    assert resolver.resolve("Sweida").place.place_id == "gn:172407"
    assert Overrides.discover(tmp_path) is not None and Overrides.discover(tmp_path / "none") is None
    path.write_text("Somewhere: {lat: 95, lon: 10}\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"conflictmap-overrides.yaml: override 'Somewhere'.*range"):
        Overrides.from_file(path)


class _FakeGeopy:
    """A geopy-style geocoder (only ``geocode``) that knows one invented place."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def geocode(self, query: str, exactly_one: bool = True) -> Location | None:
        self.asked.append(query)
        if query == "Qaryat al-Mithal":
            return Location("Qaryat al-Mithal, Syria", (33.01, 36.02), {"osm_type": "node", "osm_id": 7})
        return None


def test_chain_asks_any_geopy_style_geocoder_only_for_unknown_names():
    from geo import GeocoderChain

    fake = _FakeGeopy()
    results = GeocoderChain(online=[fake]).resolve_all(["Sweida", "Qaryat al-Mithal", "Nowhere at all"])
    assert fake.asked == ["Qaryat al-Mithal", "Nowhere at all"]  # Sweida is in the gazetteer
    found = results["Qaryat al-Mithal"]
    assert (found.source, found.place.place_id) == ("_fakegeopy", "_fakegeopy:node7")
    assert (found.place.lon, found.place.lat) == (36.02, 33.01)
    assert not results["Nowhere at all"].found


def test_a_country_named_exactly_beats_a_village_of_its_name():
    # Al Qatar, a village near Aleppo, is in the region of interest; Qatar the state is not.
    from geo.resolve import Resolver

    resolver = Resolver()
    assert resolver.resolve("Qatar").place.place_id == "region:QA"
    assert resolver.resolve("Qatar", country="SY", inferred=True).place.place_id == "region:QA"
