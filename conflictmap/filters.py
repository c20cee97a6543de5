"""Filters on time and category (region filters live in ``geo``)."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from conflictmap.categories import CategoryRegistry
from conflictmap.dates import YEARS, parse_dates
from conflictmap.errors import ConfigurationError, short_repr

__all__ = ["check_period", "filter_events", "resolve_categories"]

DateLike = str | dt.date | pd.Timestamp


def filter_events(
    events: gpd.GeoDataFrame,
    *,
    since: DateLike | None = None,
    until: DateLike | None = None,
    categories: Iterable[str] | None = None,
    registry: CategoryRegistry | None = None,
) -> gpd.GeoDataFrame:
    """Keep the events that fall in a period and belong to some categories.

    Parameters
    ----------
    events
        An event collection, or any GeoDataFrame (its dates and categories read as
        :func:`conflictmap.to_events` reads them), in any CRS.
    since, until
        Inclusive bounds (ISO dates: ``2025-01-01``, ``2025-01``, ``2025``). An event with an end
        date is kept when its period overlaps the bounds; ``until=2025-01`` keeps all of January.
    categories
        Category keys, aliases or layer names (``"Diplomatic events"``); None keeps all.
    registry
        Category registry; the shipped one by default.

    Returns
    -------
    geopandas.GeoDataFrame
        The matching rows of ``events`` as given (same columns, same CRS), in their original
        order. Undated events (no date column) match no period.

    Raises
    ------
    ConfigurationError
        On a date that cannot be parsed, ``since`` later than ``until``, or an unknown category,
        with the closest names.
    CrsError
        ``events`` has no CRS and its coordinates are not degrees.
    """
    from conflictmap.frames import as_events
    from conflictmap.plan import Plan  # the plan builds on this module's checks

    given = events
    events = as_events(given, registry=registry)
    names = None if categories is None else list(categories)
    plan = Plan.build(since=since, until=until, categories=names, registry=registry)
    keep = plan.attribute_mask(events)
    if names is not None and not names:
        keep = np.zeros(len(events), dtype=bool)  # no category asked for: none kept
    if keep.all():
        return given.copy(deep=False)  # copy on write: no need to copy every column
    return given[keep]


def check_period(
    *, since: DateLike | None, until: DateLike | None
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """Parse the bounds of a period; ``until`` covers the whole day, month or year it names.

    Raises
    ------
    ConfigurationError
        On a date that cannot be parsed, or ``since`` later than ``until`` (nothing could match).
    """
    lower = _bound(since, "since", upper=False) if since is not None else None
    upper = _bound(until, "until", upper=True) if until is not None else None
    if lower is not None and upper is not None and lower > upper:
        msg = f"--since {since} is later than --until {until}: no event can match (are they swapped?)"
        raise ConfigurationError(msg)
    return lower, upper


def resolve_categories(names: Iterable[str], *, registry: CategoryRegistry) -> set[str]:
    """Turn category names, aliases or layer names into category keys."""
    keys: set[str] = set()
    layers = {layer.lower(): layer for layer in registry.layers}
    for name in names:
        key = registry.resolve(name)
        if name.strip().lower() in layers:  # a layer name wins over a category alias
            layer = layers[name.strip().lower()]
            keys |= {k for k in registry if registry.layer_of(k) == layer}
        elif key:
            keys.add(key)
        else:
            options = [*registry.names(), *registry.layers]
            close = difflib.get_close_matches(name.lower(), [o.lower() for o in options], n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            msg = (
                f"unknown category {short_repr(name)}{hint} Categories: {', '.join(registry)}; "
                f"layers: {', '.join(registry.layers)}"
            )
            raise ConfigurationError(msg)
    return keys


def _bound(value: DateLike, name: str, *, upper: bool) -> pd.Timestamp:
    parsed, granularity = parse_dates(pd.Series([value], dtype=object))
    if pd.isna(parsed.iloc[0]):
        msg = f"--{name} {short_repr(value)} is not a date; use YYYY-MM-DD, YYYY-MM or YYYY"
        raise ConfigurationError(msg)
    stamp = parsed.iloc[0]
    first, last = YEARS
    if not first <= stamp.year <= last:
        msg = f"--{name} {short_repr(value)}: years run from {first} to {last}"
        raise ConfigurationError(msg)
    if not upper:
        return stamp
    # The upper bound covers the whole day, month or year it names.
    step = {1: pd.DateOffset(days=1), 2: pd.DateOffset(months=1), 3: pd.DateOffset(years=1)}
    has_time = stamp != stamp.normalize()
    if has_time:
        return stamp
    try:
        return stamp + step[int(granularity.iloc[0])] - pd.Timedelta(1, "us")
    except (ValueError, OverflowError):  # the end of year 9999: the bound is the last instant
        return pd.Timestamp(year=last, month=12, day=31, hour=23, minute=59, second=59, microsecond=999999)
