"""Locate events: geometries for place names, admin-1 units and countries for coordinates.

The ``locate`` step of read → locate → filter → draw/write. Events that have a ``location`` but
no geometry are geocoded (all distinct names of one input together, so that they give each
other context); events that have coordinates but no ``admin1`` or ``country`` get them by
point-in-polygon against the shipped admin-1 polygons. Nothing is dropped: names that cannot be
resolved stay unlocated and are counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.geocoder import GeocoderChain, geometry_of
from geo.regions import RegionRegistry, default_regions
from geo.resolve import Resolution

__all__ = ["LocateReport", "locate_events"]


@dataclass
class LocateReport:
    """What :func:`locate_events` did.

    Attributes
    ----------
    geocoded
        Events that gained a geometry, by source (``gazetteer``, ``override``, ``nominatim``, ...).
    unresolved
        Place names that could not be located, with their event counts.
    failures
        Names an online service failed on, with the error.
    completed
        Events that gained ``admin1`` or ``country`` from their coordinates.
    resolutions
        Distinct name → resolution, for reports.
    """

    geocoded: Counter[str] = field(default_factory=Counter)
    unresolved: Counter[str] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)
    completed: int = 0
    resolutions: dict[str, Resolution] = field(default_factory=dict)


def locate_events(
    events: gpd.GeoDataFrame,
    *,
    chain: GeocoderChain | None = None,
    country: str | None = None,
    regions: RegionRegistry | None = None,
) -> tuple[gpd.GeoDataFrame, LocateReport]:
    """Geocode unlocated events and fill in admin-1 units and countries.

    Parameters
    ----------
    events
        An event collection (see :mod:`conflictmap.schema`).
    chain
        Geocoders to use; the offline gazetteer alone by default.
    country
        Context country (ISO alpha-2) preferred among namesakes; inferred from the input's
        unambiguous places when omitted.
    regions
        Region polygons; the shipped ones by default.

    Returns
    -------
    events : geopandas.GeoDataFrame
        A copy with geometries, ``located``, ``geo_precision``, ``place_id``, ``place_name``,
        ``admin1`` and ``country`` filled in where they were missing. Reported names in
        ``location`` are kept as they were.
    report : LocateReport
    """
    chain = chain or GeocoderChain()
    regions = regions or default_regions()
    out = events.copy()
    report = LocateReport()
    todo = ~out["located"].to_numpy(dtype=bool) & out["location"].notna().to_numpy()
    if todo.any():
        names = out.loc[todo, "location"].tolist()
        # An event's own country (from its source) is a constraint, not just a preference.
        countries = [None if _missing(c) else str(c) for c in out.loc[todo, "country"].astype(object)]
        units = [None if _missing(u) else str(u) for u in out.loc[todo, "admin1"].astype(object)]
        pairs = list(zip(names, countries, units, strict=True))
        resolutions = chain.resolve_pairs(pairs, country=country)
        report.resolutions = {key[0]: res for key, res in resolutions.items()}
        report.failures = dict(chain.failures)
        _apply(out, np.flatnonzero(todo), pairs, resolutions, regions, report)
    report.completed = _complete_admin_units(out, regions)
    return out, report


def _apply(
    out: gpd.GeoDataFrame,
    rows: np.ndarray,
    pairs: list[tuple[str, str | None, str | None]],
    resolutions: dict[tuple[str, str | None, str | None], Resolution],
    regions: RegionRegistry,
    report: LocateReport,
) -> None:
    geometries = out.geometry.array.copy()
    located = out["located"].to_numpy(dtype=bool).copy()
    columns = {
        c: out[c].astype(object).to_numpy().copy() for c in ("place_id", "place_name", "admin1", "country")
    }
    precision = out["geo_precision"].astype("Int8").to_numpy(dtype=object, na_value=None).copy()
    geometry_cache: dict[str, object] = {}
    for row, pair in zip(rows.tolist(), pairs, strict=True):
        name = pair[0]
        res = resolutions.get(pair)
        if res is None or res.place is None:
            report.unresolved[name] += 1
            continue
        place = res.place
        if place.place_id not in geometry_cache:
            geometry_cache[place.place_id] = geometry_of(res, regions=regions)
        geometries[row] = geometry_cache[place.place_id]
        located[row] = True
        report.geocoded[res.source] += 1
        columns["place_id"][row] = place.place_id
        columns["place_name"][row] = place.name
        if precision[row] is None or precision[row] < (res.geo_precision or 0):
            # A source's own precision is kept unless the place found is coarser than it claims.
            precision[row] = res.geo_precision
        if _missing(columns["country"][row]) and place.country:
            columns["country"][row] = place.country
        unit = place.region if place.kind == "admin1" else place.admin1
        if _missing(columns["admin1"][row]) and unit and unit in regions:
            columns["admin1"][row] = regions[unit].name
    out[out.geometry.name] = gpd.GeoSeries(geometries, index=out.index, crs=out.crs)
    out["located"] = located
    out["geo_precision"] = pd.array(precision, dtype="Int8")
    for col, values in columns.items():
        out[col] = pd.array(values, dtype="str")


def _complete_admin_units(out: gpd.GeoDataFrame, regions: RegionRegistry) -> int:
    """Fill ``admin1``/``country`` of located events from their (representative) point."""
    need = out["located"].to_numpy(dtype=bool) & (out["admin1"].isna() | out["country"].isna()).to_numpy()
    if not need.any():
        return 0
    geoms = out.geometry.array[need]
    points = shapely.point_on_surface(np.asarray(geoms))
    admin1, country = regions.admin_units_at(shapely.get_x(points), shapely.get_y(points))
    idx = np.flatnonzero(need)
    admin_col = out["admin1"].astype(object).to_numpy().copy()
    country_col = out["country"].astype(object).to_numpy().copy()
    changed = 0
    for i, unit, code in zip(idx.tolist(), admin1, country, strict=True):
        row_changed = False
        if _missing(country_col[i]) and code:
            country_col[i], row_changed = code, True
        # Only name the unit when it belongs to the event's country (coarse borders, the Golan).
        if _missing(admin_col[i]) and unit and code == country_col[i]:
            admin_col[i], row_changed = unit, True
        changed += row_changed
    out["admin1"] = pd.array(admin_col, dtype="str")
    out["country"] = pd.array(country_col, dtype="str")
    return changed


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) or value == ""
