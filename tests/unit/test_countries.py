"""Countries: codes, capitals and the states behind actor names (data/countries.csv)."""

from __future__ import annotations

import pytest

from conflictmap.countries import country_by_code, iso_a2, state_of_actor
from geo.gazetteer import distance_km


@pytest.mark.parametrize(
    ("actor", "state"),
    [
        ("Government of Syria", "SY"),
        ("Government of Syria (2024-)", "SY"),
        ("Military Forces of Israel (2022-)", "IL"),
        ("Police Forces of Syria (2000-2024)", "SY"),
        ("Government of the United States", "US"),
        ("Israeli forces", "IL"),
        ("US government", "US"),
        ("U.S. government", "US"),
        ("the Turkish army", "TR"),
        ("Jordanian government", "JO"),
        ("Syria", "SY"),
        ("Syrian Democratic Forces", None),  # a demonym inside a non-state actor's name
        ("Hezbollah", None),
        ("Druze factions", None),
        ("Protesters (Syria)", None),
        ("Israeli settlers", None),
    ],
)
def test_state_of_actor(actor, state):
    assert state_of_actor(actor) == state


@pytest.mark.parametrize(
    ("code", "capital", "lat", "lon"),
    [
        ("SY", "Damascus", 33.5102, 36.29128),
        ("IL", "Jerusalem", 31.76904, 35.21633),
        ("US", "Washington", 38.89511, -77.03637),
        ("FR", "Paris", 48.85341, 2.3488),
    ],
)
def test_capitals_are_geonames_points(code, capital, lat, lon):
    country = country_by_code(code)
    assert country is not None and country.capital == capital
    assert distance_km(country.capital_lat, country.capital_lon, lat, lon) < 1


def test_demonyms_do_not_name_countries():
    assert iso_a2("Syrian") is None and iso_a2("Syria") == "SY"
    assert country_by_code("LB").demonyms == ("Lebanese",)
