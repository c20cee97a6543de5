"""Whom a set of events owes credit to: the datasets they come from, the places that located them.

The credits themselves are data (``data/attributions.yaml``): ACLED and UCDP GED for the rows
of their readers, which mark each event with its ``dataset`` (an extra column that survives
GeoJSON, CSV and Parquet round trips); GeoNames and Who's On First for events the gazetteer
located, told by their ``place_id`` prefix (``gn:``, ``wof:``); Natural Earth for events placed
on its boundaries (``region:``, ``ne:``) and for maps that draw its boundaries.

>>> [c.text for c in event_credits(events)]  # doctest: +SKIP
['Armed Conflict Location & Event Data Project (ACLED)', 'GeoNames (CC BY 4.0)', ...]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import pandas as pd

from conflictmap._yaml import load_yaml
from conflictmap.resources import data_path

__all__ = ["DATASET_COLUMN", "Credit", "boundary_credits", "credits_by_key", "event_credits"]

DATASET_COLUMN = "dataset"


@dataclass(frozen=True)
class Credit:
    """One attribution: plain text and a link."""

    key: str
    text: str
    url: str


@dataclass(frozen=True)
class _Table:
    credits: dict[str, Credit]
    datasets: dict[str, tuple[str, ...]]
    place_ids: dict[str, tuple[str, ...]]
    boundaries: tuple[str, ...]


@cache
def _table() -> _Table:
    doc = load_yaml(data_path("attributions.yaml").read_text(encoding="utf-8"))
    credits = {
        key: Credit(key=key, text=str(entry["text"]), url=str(entry["url"]))
        for key, entry in doc["credits"].items()
    }
    for credit in credits.values():
        if not credit.url.startswith("https://"):
            msg = f"attributions.yaml: credit {credit.key!r} needs an https:// url, not {credit.url!r}"
            raise ValueError(msg)

    def keys(values: Iterable[str]) -> tuple[str, ...]:
        unknown = [v for v in values if v not in credits]
        if unknown:
            msg = f"attributions.yaml names credits it does not define: {', '.join(unknown)}"
            raise ValueError(msg)
        return tuple(values)

    return _Table(
        credits=credits,
        datasets={k: keys(v) for k, v in doc["datasets"].items()},
        place_ids={k: keys(v) for k, v in doc["place_ids"].items()},
        boundaries=keys(doc["boundaries"]),
    )


def credits_by_key() -> dict[str, Credit]:
    """Return every credit ``attributions.yaml`` defines, by key."""
    return dict(_table().credits)


def event_credits(events: pd.DataFrame) -> list[Credit]:
    """Return the credits that `events` call for, datasets first, each once.

    Parameters
    ----------
    events
        An event collection; its ``dataset`` column (when present) and ``place_id`` are read.

    Returns
    -------
    list of Credit
        In the order of ``attributions.yaml``'s datasets, then place-id prefixes.
    """
    table = _table()
    wanted: list[str] = []
    if DATASET_COLUMN in events.columns:
        present = set(events[DATASET_COLUMN].dropna().astype(str))
        wanted += [key for name, keys in table.datasets.items() if name in present for key in keys]
    if "place_id" in events.columns:
        prefixes = set(events["place_id"].dropna().astype(str).str.split(":", n=1).str[0])
        wanted += [key for prefix, keys in table.place_ids.items() if prefix in prefixes for key in keys]
    return [table.credits[key] for key in dict.fromkeys(wanted)]


def boundary_credits() -> list[Credit]:
    """Return the credits of the shipped boundaries, for maps that draw them."""
    table = _table()
    return [table.credits[key] for key in table.boundaries]
