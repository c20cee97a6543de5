"""Country codes, names and bounding boxes from the shipped ``data/countries.csv``."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from conflictmap.resources import data_path

__all__ = ["Country", "country_by_code", "iso_a2", "state_of_actor"]


@dataclass(frozen=True)
class Country:
    """A country as the event model stores it."""

    iso_a2: str
    iso_a3: str
    name: str
    west: float
    south: float
    east: float
    north: float
    capital: str | None = None
    capital_lat: float | None = None
    capital_lon: float | None = None
    demonyms: tuple[str, ...] = ()

    def contains(self, *, lat: float, lon: float) -> bool:
        """Whether a point lies in the country's bounding box."""
        return self.south <= lat <= self.north and self.west <= lon <= self.east


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@cache
def _table() -> tuple[dict[str, Country], dict[str, str], dict[str, str]]:
    by_code: dict[str, Country] = {}
    by_name: dict[str, str] = {}
    by_demonym: dict[str, str] = {}
    with data_path("countries.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            country = Country(
                iso_a2=row["iso_a2"],
                iso_a3=row["iso_a3"],
                name=row["name"],
                west=float(row["west"]),
                south=float(row["south"]),
                east=float(row["east"]),
                north=float(row["north"]),
                capital=row["capital"] or None,
                capital_lat=float(row["capital_lat"]) if row["capital_lat"] else None,
                capital_lon=float(row["capital_lon"]) if row["capital_lon"] else None,
                demonyms=tuple(d for d in row["demonyms"].split("|") if d),
            )
            by_code[country.iso_a2] = country
            by_code[country.iso_a3] = country
            for name in row["names"].split("|"):
                by_name.setdefault(_fold(name), country.iso_a2)
            for demonym in country.demonyms:
                by_demonym.setdefault(_fold(demonym), country.iso_a2)
    return by_code, by_name, by_demonym


def country_by_code(code: str) -> Country | None:
    """Return the country with an ISO alpha-2 or alpha-3 code, or None."""
    return _table()[0].get(code.strip().upper())


def iso_a2(value: str) -> str | None:
    """Turn a country code or English name into its ISO 3166-1 alpha-2 code.

    Parameters
    ----------
    value
        ``"SY"``, ``"SYR"``, ``"Syria"``, ``"Syrian Arab Republic"`` or a UCDP name with a former
        name in parentheses (``"Yemen (North Yemen)"``).

    Returns
    -------
    str or None
        The alpha-2 code, or None when the value names no known country.
    """
    text = value.strip()
    by_code, by_name, _ = _table()
    if len(text) in (2, 3) and text.isalpha() and text.upper() in by_code:
        return by_code[text.upper()].iso_a2
    for candidate in (text, re.sub(r"\s*\(.*?\)\s*", " ", text)):
        code = by_name.get(_fold(candidate))
        if code:
            return code
    return None


# "Government of Syria", "Military Forces of Israel (2022-)": ACLED's and UCDP's state actors.
_STATE_OF = re.compile(
    r"^(?:government|military forces|police forces|armed forces|ministry of \w+|president)"
    r" of (?:the )?(?P<country>.+)$"
)
# "Israeli forces", "US government", "Turkish army": a demonym (or name) then an arm of the state.
_STATE_ARM = re.compile(
    r"^(?:the )?(?P<country>.+?) (?:government|forces|army|armed forces|military|authorities|"
    r"officials|ministry|foreign ministry|delegation|president|state department)$"
)


def state_of_actor(actor: str) -> str | None:
    """Return the ISO alpha-2 code of the state an actor name stands for, or None.

    Only governments and their forces count: ``"Government of Syria"``, ``"Military Forces of
    Israel (2022-)"``, ``"Israeli forces"``, ``"US government"`` or a bare country name. Non-state
    actors that contain a demonym (``"Syrian Democratic Forces"``) are not states.
    """
    # Dates and notes in parentheses ("(2024-)") say which government, not which state.
    folded = _fold(re.sub(r"\(.*?\)", " ", actor.replace("U.S.", "US")))
    _, by_name, by_demonym = _table()
    if folded in by_name:
        return by_name[folded]
    for pattern in (_STATE_OF, _STATE_ARM):
        match = pattern.match(folded)
        if match:
            name = match["country"].strip()
            return by_name.get(name) or by_demonym.get(name)
    return None
