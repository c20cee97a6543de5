from __future__ import annotations

import folium
import pytest
import yaml

from conflictmap import ConfigurationError, filter_events, load_registry, read_events
from conflictmap.categories import MARKER_COLORS, default_registry

EVENTS = """
    - {event_id: a, event_date: 2024-12-08, date_end: 2026-01-07, category: incursion, location: S}
    - {event_id: b, event_date: 2025-01-31, category: airstrike, location: S}
    - {event_id: c, event_date: 2025-02-01, category: talks, location: Paris}
    - {event_id: d, event_date: 2026-01-07, category: unrest, location: Suwayda}
"""


@pytest.fixture
def events(write):
    return read_events(write("ev.yaml", EVENTS))


@pytest.mark.parametrize(("since", "until", "expected"), [
    ("2025-01", "2025-01", ["a", "b"]),        # a's period overlaps January 2025
    ("2025-02-01", None, ["a", "c", "d"]),
    (None, "2024-12-31", ["a"]),
    ("2025", "2025", ["a", "b", "c"]),
    ("2026-01-08", None, []),
])
def test_period_overlap(events, since, until, expected):
    assert filter_events(events, since=since, until=until)["event_id"].tolist() == expected


def test_categories_by_key_alias_and_layer(events):
    assert filter_events(events, categories=["air strike"])["event_id"].tolist() == ["b"]
    assert filter_events(events, categories=["Incursions"])["event_id"].tolist() == ["a", "b"]
    assert filter_events(events, categories=["diplomatic", "unrest"])["event_id"].tolist() == \
        ["c", "d"]


def test_unknown_category_and_bad_date_suggest_fixes(events):
    with pytest.raises(ConfigurationError, match=r"unknown category 'airstrik'; did you mean "
                                                 r"'airstrike'"):
        filter_events(events, categories=["airstrik"])
    with pytest.raises(ConfigurationError, match=r"--since '7/1/2025' is not a date"):
        filter_events(events, since="7/1/2025")


@pytest.mark.parametrize("key", list(default_registry()))
def test_every_shipped_category_is_complete(key):
    registry = default_registry()
    cat = registry[key]
    assert cat.layer in registry.layers
    assert cat.color.startswith("#") and len(cat.color) == 7
    assert registry.resolve(key) == key
    for alias in cat.aliases:
        assert registry.resolve(alias) == key, alias


def test_default_layers():
    registry = default_registry()
    assert registry.layers == ("Incursions", "Diplomatic events", "Unrest", "Other")
    assert {k: registry.layer_of(k) for k in registry} == {
        "incursion": "Incursions", "airstrike": "Incursions", "shelling": "Incursions",
        "clashes": "Incursions", "diplomatic": "Diplomatic events",
        "agreement": "Diplomatic events", "statement": "Diplomatic events", "unrest": "Unrest",
        "other": "Other"}


def test_registry_extends_from_a_user_file(write):
    extra = write("cats.yaml", """
        layers: [Humanitarian]
        categories:
          displacement:
            label: Displacement
            layer: Humanitarian
            color: "#2e86c1"
            marker_color: lightblue
            icon: person-walking-arrow-right
            aliases: [displaced, exodus]
          airstrike:
            label: Air strike
    """)
    registry = load_registry([extra])
    assert registry.resolve("exodus") == "displacement"
    assert registry.layers[-1] == "Humanitarian"
    assert registry["airstrike"].label == "Air strike"
    assert registry["airstrike"].layer == "Incursions"  # merged, not replaced


def test_registry_rejects_incomplete_entries(write):
    bad = write("bad.yaml", "categories:\n  x: {label: X, layer: L, color: red}\n")
    with pytest.raises(ConfigurationError, match=r"bad\.yaml: category 'x' lacks marker_color, "
                                                 r"icon"):
        load_registry([bad])


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("icon", "{{ 7*7 }}", "is not a Font Awesome icon name"),
    ("icon", "bomb' onmouseover='alert(1)", "is not a Font Awesome icon name"),
    ("icon", "bomb\"><img src=x onerror=alert(1)>", "is not a Font Awesome icon name"),
    ("icon", "fa bomb", "is not a Font Awesome icon name"),
    ("icon", "Bomb", "is not a Font Awesome icon name"),
    ("icon", "bomb-", "is not a Font Awesome icon name"),
    ("marker_color", "{{ 7*7 }}", "is not a marker colour; use one of beige, black, blue"),
    ("marker_color", "red awesome-marker-spin", "is not a marker colour"),
    ("marker_color", "#d63e2a", "is not a marker colour"),
    ("color", "{{ 7*7 }}", "is not a #rrggbb hex colour"),
    ("color", "#123456;background:url(x)", "is not a #rrggbb hex colour"),
    ("color", "red\" onclick=\"x", "is not a #rrggbb hex colour"),
])
def test_registry_refuses_values_that_could_leave_their_attribute(write, field, value, reason):
    entry = {"label": "X", "layer": "L", "color": "#123456", "marker_color": "red", "icon": "bomb"}
    entry[field] = value
    path = write("hostile.yaml", yaml.safe_dump({"categories": {"x": entry}}))
    with pytest.raises(ConfigurationError) as caught:
        load_registry([path])
    assert str(caught.value).startswith(f"{path}: category 'x': {field} {value!r} {reason}")


def test_registry_takes_font_awesome_names_and_the_whole_marker_palette(write):
    icons = ["person-rifle", "file-signature", "1", "a-b-c"] * 5
    entries = {
        f"c{i}": {"label": f"C{i}", "layer": "L", "color": "#A1b2C3", "marker_color": colour, "icon": icon}
        for i, (colour, icon) in enumerate(zip(sorted(MARKER_COLORS), icons, strict=False))
    }
    registry = load_registry([write("ok.yaml", yaml.safe_dump({"categories": entries}))])
    assert {registry[k].marker_color for k in entries} == set(MARKER_COLORS)
    assert registry["c0"].icon == "person-rifle" and registry["c0"].color == "#A1b2C3"


def test_marker_palette_is_folium_s():
    assert set(MARKER_COLORS) == folium.Icon.color_options
