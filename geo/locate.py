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
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo.regions import RegionRegistry, default_regions

if TYPE_CHECKING:
    from geo.geocoder import GeocoderChain
    from geo.resolve import Resolution

__all__ = ["LocateReport", "complete_admin_units", "locate_events"]


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
        Events whose ``admin1`` or ``country`` was empty and that gained what was missing from
        their coordinates.
    resolutions
        Distinct name → resolution, for reports.
    """

    geocoded: Counter[str] = field(default_factory=Counter)
    unresolved: Counter[str] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)
    completed: int = 0
    resolutions: dict[str, Resolution] = field(default_factory=dict)


_EXTRACTED = "evidence"  # the column of article spans that conflictmap.extract writes
_SPANS = r"^\[\[\d+, \d+\](?:, \[\d+, \d+\])*\]$"  # as it writes them: "[[12, 80], [30, 36]]"


def locate_events(
    events: gpd.GeoDataFrame,
    *,
    chain: GeocoderChain | None = None,
    country: str | None = None,
    regions: RegionRegistry | None = None,
    admin_units: bool = True,
) -> tuple[gpd.GeoDataFrame, LocateReport]:
    """Geocode unlocated events and fill in admin-1 units and countries.

    Events extracted from articles (with the ``evidence`` column that
    :func:`conflictmap.extract.extract_articles` writes) are never geocoded here: they were
    located in their article, and a name left unlocated there stays unlocated.

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
    admin_units
        Also fill in ``admin1`` and ``country`` from coordinates; an engine that filters by
        region first does it afterwards, on the events kept (:func:`complete_admin_units`).

    Returns
    -------
    events : geopandas.GeoDataFrame
        A copy with geometries, ``located``, ``geo_precision``, ``place_id``, ``place_name``,
        ``admin1`` and ``country`` filled in where they were missing. Reported names in
        ``location`` are kept as they were.
    report : LocateReport
    """
    regions = regions or default_regions()
    out = events.copy(deep=False)  # columns are replaced, never changed in place (copy on write)
    report = LocateReport()
    todo = ~out["located"].to_numpy(dtype=bool) & out["location"].notna().to_numpy()
    if _EXTRACTED in out.columns and todo.any():
        # Events extracted from articles carry their evidence (conflictmap.extract): they were
        # located in their article, and one left unlocated there (a guess among far namesakes,
        # a place no source knows) is not geocoded again by its bare name, out of its article.
        # Only the extractor's spans count: another dataset's own "evidence" column is text.
        spans = out[_EXTRACTED].astype("str").str.match(_SPANS, na=False).to_numpy(dtype=bool)
        todo &= ~spans
    if todo.any():
        if chain is None:
            # geopy and the resolver are imported only when a name has to be geocoded: events
            # that come with coordinates (most datasets) do not pay for them.
            from geo.geocoder import GeocoderChain

            chain = GeocoderChain()
        _geocode(out, np.flatnonzero(todo), chain, country, regions, report)
    if admin_units:
        report.completed = _complete_admin_units(out, regions)
    return out, report


def complete_admin_units(
    events: gpd.GeoDataFrame, *, regions: RegionRegistry | None = None
) -> tuple[gpd.GeoDataFrame, int]:
    """Fill in the empty ``admin1`` and ``country`` of located events from their coordinates.

    Returns
    -------
    events : geopandas.GeoDataFrame
        A copy (columns replaced, never changed in place).
    completed : int
        Events that gained what was missing.
    """
    out = events.copy(deep=False)
    return out, _complete_admin_units(out, regions or default_regions())


_SEP = "\x1f"  # joins name, country and admin-1 into one key; never part of a name


def _geocode(
    out: gpd.GeoDataFrame,
    rows: np.ndarray,
    chain: GeocoderChain,
    country: str | None,
    regions: RegionRegistry,
    report: LocateReport,
) -> None:
    """Resolve each distinct (name, country, admin-1) once and write the answers to all its rows."""
    # An event's own country (from its source) is a constraint, not just a preference.
    names = out["location"].to_numpy(dtype=object)[rows]
    countries = _text(out["country"])[rows]
    units = _text(out["admin1"])[rows]
    codes, keys = pd.factorize(pd.Series(names, dtype=object) + _SEP + countries + _SEP + units)
    triples = [(n, c or None, u or None) for n, c, u in (key.split(_SEP) for key in keys)]
    resolutions = chain.resolve_pairs(triples, country=country)
    report.resolutions = {key[0]: res for key, res in resolutions.items()}
    report.failures = dict(chain.failures)

    from geo.geocoder import geometry_of

    per_key = [resolutions[t] for t in triples]
    counts = np.bincount(codes, minlength=len(triples))
    for triple, res, n in zip(triples, per_key, counts.tolist(), strict=True):
        if res.place is None:
            report.unresolved[triple[0]] += n
        else:
            report.geocoded[res.source] += n
    found = np.array([res.place is not None for res in per_key], dtype=bool)
    hit = found[codes]
    target, key = rows[hit], codes[hit]
    if not len(target):
        return

    def column(values: list) -> np.ndarray:
        return np.array(values, dtype=object)[key]

    geometries = np.asarray(out.geometry.array, dtype=object).copy()
    geometries[target] = column([geometry_of(r, regions=regions) if r.place else None for r in per_key])
    out[out.geometry.name] = gpd.GeoSeries(geometries, index=out.index, crs=out.crs)
    located = out["located"].to_numpy(dtype=bool).copy()
    located[target] = True
    out["located"] = located

    _set(out, "place_id", target, column([r.place.place_id if r.place else None for r in per_key]))
    _set(out, "place_name", target, column([r.place.name if r.place else None for r in per_key]))
    # A source's own precision is kept unless the place found is coarser than it claims.
    old = out["geo_precision"].to_numpy(dtype=float, na_value=np.nan)
    new = np.array([r.geo_precision or np.nan for r in per_key], dtype=float)[key]
    precision = old.copy()
    precision[target] = np.where(np.isnan(old[target]) | (old[target] < new), new, old[target])
    out["geo_precision"] = pd.array(np.where(np.isnan(precision), None, precision), dtype="Int8")

    place_country = column([r.place.country if r.place else "" for r in per_key])
    _fill_missing(out, "country", target, place_country)
    unit_names = [_unit_name(r, regions) for r in per_key]
    _fill_missing(out, "admin1", target, column(unit_names))


def _unit_name(res: Resolution, regions: RegionRegistry) -> str:
    place = res.place
    if place is None:
        return ""
    unit = place.region if place.kind == "admin1" else place.admin1
    return regions[unit].name if unit and unit in regions else ""


def _text(series: pd.Series) -> np.ndarray:
    """Return a text column as an object array with "" for missing values."""
    return _objects(series, missing="")


def _objects(series: pd.Series, *, missing: object = None) -> np.ndarray:
    """Return a column as an object array, ``missing`` where a value is missing.

    Built from the distinct values: a column of five million cells holds a few hundred
    distinct texts, and one Python string per cell would take some 250 MB.
    """
    codes, uniques = pd.factorize(series)
    values = np.empty(len(uniques) + 1, dtype=object)
    values[:-1] = np.asarray(uniques, dtype=object)
    values[-1] = missing
    return values[codes]  # code -1 (missing) takes the last


def _set(out: gpd.GeoDataFrame, name: str, rows: np.ndarray, values: np.ndarray) -> None:
    column = _objects(out[name])
    column[rows] = values
    out[name] = pd.array(column, dtype="str")


def _fill_missing(out: gpd.GeoDataFrame, name: str, rows: np.ndarray, values: np.ndarray) -> None:
    """Write ``values`` into those of ``rows`` whose cell is empty."""
    take = _empty(out[name])[rows] & (values != "")
    if not take.any():
        return
    filled = _replaced(out[name], rows[take], values[take])
    if filled is None:
        column = _objects(out[name])
        column[rows[take]] = values[take]
        filled = pd.array(column, dtype="str")
    out[name] = filled


def _empty(series: pd.Series) -> np.ndarray:
    """Whether each cell is missing or "" (``_text(series) == ""``), without a Python object per cell."""
    return series.isna().to_numpy(dtype=bool) | (series == "").to_numpy(dtype=bool, na_value=False)


def _replaced(
    column: pd.Series, rows: np.ndarray, values: np.ndarray
) -> pd.api.extensions.ExtensionArray | None:
    """``column`` (Arrow text) with ``values`` (text or None) at ``rows`` (increasing); None: do it in Python.

    What writing into the column's objects and making Arrow text of them again gives, in
    pyarrow: that took some 0.15 s per 1,000,000 events and column, twice per file.
    """
    dtype = column.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" and dtype == "str"):
        return None
    if len(rows) > 1 and not (np.diff(rows) > 0).all():
        return None
    try:
        new = pa.array(values, type=pa.large_string(), from_pandas=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not only text and None
        return None
    cells = pa.array(column.array)
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    mask = np.zeros(len(column), dtype=bool)
    mask[rows] = True
    return pd.arrays.ArrowStringArray(pc.replace_with_mask(cells, pa.array(mask), new), dtype=dtype)


# Events looked up at a time: each distinct point makes a shapely point (some 200 bytes), and
# finding them sorts the coordinates.
_LOOKUP_BLOCK = 100_000


def _admin_units(shapes: np.ndarray, regions: RegionRegistry) -> tuple[np.ndarray, np.ndarray]:
    """Country code and admin-1 name ("" where none) of each shape.

    The country is the one at the shape's point on its surface; the unit too for a point, but an
    area is in a unit only when the unit holds it (see
    :meth:`geo.regions.RegionRegistry.admin_units_holding`). Each distinct point is looked up
    once: events share few distinct places.
    """
    xy = np.empty((len(shapes), 2))
    points = shapely.get_type_id(shapes) == 0  # a point is its own point on surface
    xy[points] = shapely.get_coordinates(shapes[points])
    inside = shapely.point_on_surface(shapes[~points])
    xy[~points] = np.column_stack([shapely.get_x(inside), shapely.get_y(inside)])
    # Distinct points by hashing x + iy: np.unique(axis=0) sorts, 8x slower on 177,000 points.
    inverse, unique_xy = pd.factorize(xy.view(np.complex128).ravel())
    admin1, country = regions.admin_units_at(unique_xy.real, unique_xy.imag)
    units = np.array([u or "" for u in admin1], dtype=object)[inverse]
    # An area is in the unit that holds it, if one does: "southern Syria" or "Syria" has its point
    # on the surface in some governorate, but is not in that governorate.
    if not points.all():
        units[~points] = [u or "" for u in regions.admin_units_holding(shapes[~points])]
    return np.array([c or "" for c in country], dtype=object)[inverse], units


def _complete_admin_units(out: gpd.GeoDataFrame, regions: RegionRegistry) -> int:
    """Fill ``admin1``/``country`` of located events from their point, or the unit holding their area.

    Events share few distinct places, so each distinct point (of a slice of events) is looked
    up once.
    """
    need = out["located"].to_numpy(dtype=bool) & (out["admin1"].isna() | out["country"].isna()).to_numpy()
    if not need.any():
        return 0
    rows = np.flatnonzero(need)
    geometry = np.asarray(out.geometry.array, dtype=object)
    codes = np.empty(len(rows), dtype=object)
    units = np.empty(len(rows), dtype=object)
    for start in range(0, len(rows), _LOOKUP_BLOCK):  # the sorting and points of a slice stay small
        part = slice(start, start + _LOOKUP_BLOCK)
        codes[part], units[part] = _admin_units(geometry[rows[part]], regions)
    empty_before = _empty(out["country"])[rows] | _empty(out["admin1"])[rows]
    _fill_missing(out, "country", rows, codes)
    # Only name the unit when it belongs to the event's country (coarse borders, the Golan).
    same_country = _text(out["country"])[rows] == codes
    _fill_missing(out, "admin1", rows, np.where(same_country, units, ""))
    empty_after = _empty(out["country"])[rows] | _empty(out["admin1"])[rows]
    return int(np.count_nonzero(empty_before & ~empty_after))
