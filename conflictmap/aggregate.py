"""Counts of events and fatalities per unit (admin-1, country, H3 hexagon) and period.

``conflictmap aggregate`` and the map of more events than a browser can hold use these counts.
Counting is split in two so that an engine can count per partition and add the parts up:
:func:`count_events` gives partial counts keyed by unit id and period, :func:`combine_counts`
adds partial counts together and :func:`finish_counts` names the units. Nothing is dropped
silently: events that cannot be placed in a unit are tallied by reason (:data:`UNCOUNTED`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from conflictmap.errors import ConfigurationError, short_repr

__all__ = [
    "COUNT_COLUMNS",
    "EVERY",
    "UNCOUNTED",
    "Counts",
    "aggregate_events",
    "combine_counts",
    "count_events",
    "finish_counts",
    "parse_unit",
]

EVERY = ("day", "week", "month", "year")
COUNT_COLUMNS = ("unit", "name", "country", "period", "events", "fatalities", "fatalities_unknown")
UNCOUNTED = {
    "not located": "not located",
    "outside": "outside any province",
    "no provinces": "in countries without shipped provinces",
    "spans": "spanning several provinces or a whole country",
    "no country": "without a country",
    "area": "areas, not points (a hexagon holds points only)",
}
_KEY = ["unit", "period"]
_SUMS = ["events", "fatalities", "fatalities_unknown"]
_HEX = re.compile(r"hex:(\d{1,2})")


@dataclass
class Counts:
    """Counts per unit and period, with the events that could not be counted.

    Attributes
    ----------
    table
        One row per unit (and period): ``unit`` (admin-1 region id, ISO country code or H3
        cell), ``name``, ``country``, ``period`` (start of the day, Monday-based week, month
        or year of ``event_date``; absent without ``every``), ``events``, ``fatalities`` (sum
        of the known figures) and ``fatalities_unknown`` (events without a figure).
    by, every
        What was counted: ``admin1``, ``country`` or ``hex:RES``; the period or None.
    uncounted
        Events not in the table, by reason (keys of :data:`UNCOUNTED`).
    """

    table: pd.DataFrame
    by: str
    every: str | None
    uncounted: Counter[str] = field(default_factory=Counter)

    @property
    def events(self) -> int:
        """Number of events counted in the table."""
        return int(self.table["events"].sum())


def parse_unit(by: str) -> tuple[str, int | None]:
    """Check a ``--by`` value: ``admin1``, ``country`` or ``hex:RES`` (H3 resolution 0-15).

    Returns
    -------
    kind : str
        ``admin1``, ``country`` or ``hex``.
    resolution : int or None
        The H3 resolution of ``hex``.
    """
    if by in ("admin1", "country"):
        return by, None
    match = _HEX.fullmatch(by)
    if match and 0 <= int(match.group(1)) <= 15:
        return "hex", int(match.group(1))
    msg = f"--by {short_repr(by)}: use admin1, country or hex:RES with an H3 resolution 0-15 (e.g. hex:5)"
    raise ConfigurationError(msg)


def _check_every(every: str | None) -> None:
    if every is not None and every not in EVERY:
        raise ConfigurationError(f"--every {short_repr(every)}: use one of {', '.join(EVERY)}")


def count_events(events: gpd.GeoDataFrame, *, by: str, every: str | None = None) -> Counts:
    """Count events per unit (and period), unnamed: the partial counts of one partition.

    Parameters
    ----------
    events
        An event collection (see :mod:`conflictmap.schema`).
    by
        ``admin1`` (the unit holding the event, as the map's choropleth places it: an area
        event only when at least half of it lies in one unit), ``country`` (the event's
        ``country`` code) or ``hex:RES`` (the H3 cell of a point event).
    every
        ``day``, ``week``, ``month`` or ``year`` of ``event_date``; None for totals.

    Returns
    -------
    Counts
        ``table`` with ``unit``, ``period`` (when ``every``) and the sums, unsorted.
    """
    kind, resolution = parse_unit(by)
    _check_every(every)
    if kind == "admin1":
        from layers.choropleth import event_units  # the choropleth's own placement rule

        placed = event_units(events)
        unit, reason = placed["region_id"], placed["reason"]
    elif kind == "country":
        unit = events["country"].astype("str")
        reason = pd.Series(np.where(unit.isna(), "no country", None), index=events.index).astype("str")
    else:
        unit, reason = _hex_cells(events, resolution or 0)
    frame = pd.DataFrame(
        {
            "unit": unit.to_numpy(),
            "events": 1,
            "fatalities": events["fatalities"].fillna(0).astype("int64").to_numpy(),
            "fatalities_unknown": events["fatalities"].isna().astype("int64").to_numpy(),
        }
    )
    if every is not None:
        frame["period"] = _period_start(events["event_date"], every).to_numpy()
    key = [k for k in _KEY if k in frame.columns]
    table = frame.dropna(subset=key).groupby(key, sort=False, observed=True)[_SUMS].sum().reset_index()
    return Counts(table=table, by=by, every=every, uncounted=Counter(reason.dropna().to_numpy().tolist()))


def combine_counts(parts: Iterable[Counts]) -> Counts:
    """Add partial counts (of one ``by`` and ``every``) together."""
    parts = list(parts)
    if not parts:
        raise ValueError("no counts to combine")
    first = parts[0]
    tables = [p.table for p in parts if len(p.table)]
    uncounted: Counter[str] = Counter()
    for part in parts:
        uncounted.update(part.uncounted)
    if not tables:
        return Counts(table=first.table.iloc[:0], by=first.by, every=first.every, uncounted=uncounted)
    stacked = pd.concat(tables, ignore_index=True)
    key = [k for k in _KEY if k in stacked.columns]
    table = stacked.groupby(key, sort=False, observed=True)[_SUMS].sum().reset_index()
    return Counts(table=table, by=first.by, every=first.every, uncounted=uncounted)


def finish_counts(counts: Counts) -> Counts:
    """Name the units and sort: by period, then most events first, then by unit id."""
    kind, _ = parse_unit(counts.by)
    table = counts.table.copy()
    units = table["unit"].astype("str")
    if kind == "hex":
        table["name"] = units
        table["country"] = pd.Series(pd.NA, index=table.index, dtype="str")
    else:
        from geo.regions import default_regions

        regions = default_regions()
        table["name"] = units.map(lambda u: regions[u].name if u in regions else u).astype("str")
        table["country"] = (
            units if kind == "country" else units.map(lambda u: regions[u].country if u in regions else None)
        ).astype("str")
    order = [c for c in COUNT_COLUMNS if c in table.columns]
    table = table[order].astype({"unit": "str", "events": "int64", "fatalities": "int64"})
    sort = ["period", "events", "unit"] if "period" in table.columns else ["events", "unit"]
    ascending = [True, False, True] if "period" in table.columns else [False, True]
    table = table.sort_values(sort, ascending=ascending, ignore_index=True)
    return Counts(table=table, by=counts.by, every=counts.every, uncounted=counts.uncounted)


def aggregate_events(events: gpd.GeoDataFrame, *, by: str, every: str | None = None) -> Counts:
    """Count events and fatalities per unit and period, in memory.

    See :func:`count_events` for ``by`` and ``every``; the table is named and sorted
    (:func:`finish_counts`).

    Examples
    --------
    >>> aggregate_events(events, by="admin1", every="month").table.head(1)  # doctest: +SKIP
      unit        name country     period  events  fatalities  fatalities_unknown
    0 SY-SU  As-Suwayda      SY 2025-01-01      12           3                   1
    """
    return finish_counts(count_events(events, by=by, every=every))


def _period_start(dates: pd.Series, every: str) -> pd.Series:
    """Start of the day, week (Monday), month or year of each date."""
    if every == "day":
        return dates.dt.normalize()
    if every == "week":
        day = dates.dt.normalize()
        return day - pd.to_timedelta(day.dt.dayofweek, unit="D")
    freq = "M" if every == "month" else "Y"
    return dates.dt.to_period(freq).dt.start_time.astype(dates.dtype)


def _hex_cells(events: gpd.GeoDataFrame, resolution: int) -> tuple[pd.Series, pd.Series]:
    """H3 cell of each point event; areas and unlocated events are not counted."""
    import h3

    geoms = np.asarray(events.geometry.array, dtype=object)
    located = events["located"].to_numpy(dtype=bool) & ~shapely.is_missing(geoms)
    located &= ~shapely.is_empty(np.where(located, geoms, None))
    points = located & (shapely.get_type_id(np.where(located, geoms, None)) == 0)
    reason = np.where(~located, "not located", np.where(~points, "area", None))
    cells = np.full(len(events), None, dtype=object)
    rows = np.flatnonzero(points)
    lon, lat = shapely.get_x(geoms[rows]), shapely.get_y(geoms[rows])
    # h3 has no vectorised call; one C call per point is about 1 µs (1 s per million points).
    pairs = zip(lat.tolist(), lon.tolist(), strict=True)
    cells[rows] = [h3.latlng_to_cell(y, x, resolution) for y, x in pairs]
    index = events.index
    return pd.Series(cells, index=index).astype("str"), pd.Series(reason, index=index).astype("str")
