"""Values quoted in error messages are cut short: a 1 MB field never becomes a 1 MB message."""

from __future__ import annotations

import pytest

from conflictmap.categories import load_registry
from conflictmap.errors import ConfigurationError, SchemaError, short_repr
from conflictmap.extract.lexicon import load_lexicon
from geo.resolve import Overrides

HUGE = "x" * 1_000_000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Daraa", "'Daraa'"),
        (12.5, "12.5"),
        (None, "None"),
        ({"lat": 1}, "{'lat': 1}"),
        ("x" * 100, "'" + "x" * 76 + "..."),
        (list(range(10**6)), "[0, 1, 2, 3, 4, 5, 6, 7, ...]"),
        ([[[[["deep"]]]]], "[[[[...]]]]"),
    ],
)
def test_short_repr_keeps_short_values_and_cuts_long_ones(value, expected):
    assert short_repr(value) == expected
    assert len(short_repr(value)) <= 80


def test_short_repr_survives_values_whose_repr_fails():
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert short_repr(Broken()).startswith("<Broken ")
    assert short_repr(10**5000).endswith("...") or short_repr(10**5000) == "<int object>"
    assert len(short_repr(10**5000)) <= 80


def test_schema_error_cuts_its_value_and_field():
    err = SchemaError("not a date", path="e.csv", row="line 2", field="f" * 5000, value=HUGE)
    assert len(str(err)) < 250
    assert str(err).startswith("e.csv: line 2: field 'fff")
    assert str(err).endswith(": not a date")


def test_overrides_with_a_huge_name_and_value(tmp_path):
    path = tmp_path / "overrides.yaml"
    path.write_text(f"{'n' * 1000}: {{lat: north, lon: {HUGE}}}\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="needs numeric 'lat' and 'lon'") as caught:
        Overrides.from_file(path)
    assert len(str(caught.value)) < len(str(path)) + 300


def test_categories_with_a_huge_colour(tmp_path):
    path = tmp_path / "cats.yaml"
    entry = f"{{label: L, layer: Y, color: '{HUGE}', marker_color: red, icon: star}}"
    path.write_text(f"categories:\n  {'k' * 1000}: {entry}\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="is not a #rrggbb hex colour") as caught:
        load_registry([path])
    assert len(str(caught.value)) < len(str(path)) + 300


def test_lexicon_with_a_huge_unknown_key(tmp_path):
    path = tmp_path / "lexicon.yaml"
    path.write_text(f"{'k' * 1000}: 1\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="unknown key") as caught:
        load_lexicon([path])
    assert len(str(caught.value)) < len(str(path)) + 800
