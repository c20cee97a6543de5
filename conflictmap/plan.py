"""The plan of a run: which events to keep, said once, whatever engine keeps them.

The data flow is read → plan → execute → write. The CLI and the Python API build a
:class:`Plan` from their arguments (names resolved, files read, values checked, so a bad option
fails before any input is read); readers use what it bounds (:meth:`Plan.bounds`) to skip what
cannot match; an engine (:mod:`conflictmap.engines`) executes it its own way: pandas in memory
today, per partition or in SQL later, each with the same masks.

A plan is a frozen value: it can be shared between threads, sent to a worker process or
compared, and it holds no input data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from conflictmap.categories import CategoryRegistry, default_registry
from conflictmap.filters import DateLike, check_period, resolve_categories
from conflictmap.readers.spatial import Bounds, PointTest
from geo.filters import SpatialFilter
from geo.regions import RegionRegistry
from geo.spatial import PreparedArea

__all__ = ["Bounds", "Plan"]

# The smallest radius of curvature of the WGS84 ellipsoid, a(1 - e²): an arc of ``d`` metres
# spans at most ``d / _RADIUS_MIN`` radians of latitude, and of longitude at most that over the
# cosine of the latitude farthest from the equator.
_RADIUS_MIN = 6_335_439.0
_NEAR_BOUNDED_KM = 2_000.0  # beyond this a radius gets no box (the small-angle bound loosens)


@dataclass(frozen=True)
class Plan:
    """The filters of one run, resolved and checked.

    Filters of different kinds all apply; the regions of one :class:`geo.filters.SpatialFilter`
    kind are alternatives (see :mod:`geo.filters`). Build it with :meth:`build`.

    Attributes
    ----------
    since, until
        Inclusive bounds of the period (``until`` already covers the whole day, month or year
        it named); None for no bound.
    categories
        Category keys to keep; None keeps every category.
    spatial
        Region, box, radius and polygon filters.
    """

    since: pd.Timestamp | None = None
    until: pd.Timestamp | None = None
    categories: frozenset[str] | None = None
    spatial: SpatialFilter = field(default_factory=SpatialFilter)

    @classmethod
    def build(
        cls,
        *,
        since: DateLike | None = None,
        until: DateLike | None = None,
        categories: Iterable[str] | None = None,
        region: str | Sequence[str] | None = None,
        bbox: str | Sequence[float] | None = None,
        near: str | tuple[float, float] | None = None,
        km: float | None = None,
        within: str | Path | BaseGeometry | None = None,
        contained: bool = False,
        registry: CategoryRegistry | None = None,
        regions: RegionRegistry | None = None,
        country: str | None = None,
    ) -> Plan:
        """Resolve and check the filters of a run.

        Parameters
        ----------
        since, until, categories
            As for :func:`conflictmap.filters.filter_events`; ``categories`` may name keys,
            aliases or layers. An empty sequence keeps every category, as None does.
        region, bbox, near, km, within, contained
            As for :func:`geo.filters.filter_events`.
        registry, regions
            Category and region registries; the shipped ones by default.
        country
            Context country for a ``near`` place name.

        Raises
        ------
        ConfigurationError
            A date that cannot be parsed, an empty period, an unknown category, a bad box or
            distance.
        RegionNotFound
            An unknown region or place.
        """
        lower, upper = check_period(since=since, until=until)
        names = list(categories or ())
        keys = resolve_categories(names, registry=registry or default_registry()) if names else None
        spatial = SpatialFilter.build(
            region=region,
            bbox=bbox,
            near=near,
            km=km,
            within=within,
            contained=contained,
            registry=regions,
            country=country,
        )
        return cls(lower, upper, frozenset(keys) if keys is not None else None, spatial)

    @property
    def filters_attributes(self) -> bool:
        """Whether the plan filters on time or category (what needs no location)."""
        return self.since is not None or self.until is not None or self.categories is not None

    @property
    def filters_space(self) -> bool:
        """Whether the plan filters on place: only located events can pass it."""
        return self.spatial.active

    def attribute_mask(self, events: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the events in the period and the categories (columns only, no geometry).

        An event with an end date is in the period when its own period overlaps it.
        """
        keep = np.ones(len(events), dtype=bool)
        if self.since is not None or self.until is not None:
            start = events["event_date"]
            if self.since is not None:
                end = events["date_end"].fillna(start)
                keep &= (end >= self.since).to_numpy(dtype=bool)
            if self.until is not None:
                keep &= (start <= self.until).to_numpy(dtype=bool)
        if self.categories is not None:
            keep &= events["category"].isin(self.categories).to_numpy(dtype=bool)
        return keep

    def spatial_mask(self, events: gpd.GeoDataFrame) -> np.ndarray:
        """Boolean mask of the events that pass the spatial filters (all True without any)."""
        if not self.spatial.active:
            return np.ones(len(events), dtype=bool)
        return self.spatial.mask(events)

    def point_test(self) -> PointTest | None:
        """Return the spatial filters as a test of point coordinates, for readers; None when there is none.

        A point event passes the spatial filters exactly when its longitude and latitude pass
        this test (the outline counts as inside, as :meth:`spatial_mask` has it), so a reader
        may leave out the point events that fail it, as it leaves out those outside
        :meth:`bounds`. Given for regions and polygons (``within``); None with a box or a
        radius, which :meth:`bounds` already cut close.
        """
        spatial = self.spatial
        if spatial.bbox is not None or spatial.near is not None or not (spatial.regions or spatial.within):
            return None
        regions = [region.prepared for region in spatial.regions]
        within = PreparedArea(spatial.within) if spatial.within is not None else None

        def test(x: np.ndarray, y: np.ndarray) -> np.ndarray:
            keep = np.ones(len(x), dtype=bool)
            if regions:
                keep = np.zeros(len(x), dtype=bool)
                for area in regions:
                    keep |= area.contains_xy(x, y)
            if within is not None:
                keep &= within.contains_xy(x, y)
            return keep

        return test

    def bounds(self) -> Bounds | None:
        """Return a box that holds part of every event the spatial filters can keep; None when unbounded.

        Readers skip the events whose bounding box lies outside it (GeoParquet's covering bbox
        column, Parquet row-group statistics). It may hold more than the filters keep, never
        less. None without spatial filters, and for a box or radius across the antimeridian.
        """
        spatial = self.spatial
        boxes: list[Bounds | None] = []
        if spatial.regions:
            parts = np.array([region.geometry.bounds for region in spatial.regions])
            boxes.append((parts[:, 0].min(), parts[:, 1].min(), parts[:, 2].max(), parts[:, 3].max()))
        if spatial.bbox is not None:
            west, south, east, north = spatial.bbox
            boxes.append((west, south, east, north) if west <= east else None)
        if spatial.near is not None and spatial.km is not None:
            lat, lon, _ = spatial.near
            boxes.append(_near_bounds(lat=lat, lon=lon, km=spatial.km))
        if spatial.within is not None:
            boxes.append(tuple(spatial.within.bounds))  # type: ignore[arg-type]
        known = [box for box in boxes if box is not None]
        if not known:
            return None
        west, south = max(b[0] for b in known), max(b[1] for b in known)
        east, north = min(b[2] for b in known), min(b[3] for b in known)
        if west > east or south > north:  # the filters exclude each other: any one box will do
            return known[0]
        return west, south, east, north

    def describe(self) -> str:
        """Human-readable summary of the spatial part, for the run summary."""
        return self.spatial.describe()


def _near_bounds(*, lat: float, lon: float, km: float) -> Bounds | None:
    """Return a box around every point within ``km`` of ``lat``/``lon``; None across the antimeridian."""
    if km > _NEAR_BOUNDED_KM:
        return None
    reach = math.degrees(km * 1000.0 / _RADIUS_MIN) * 1.01 + 1e-6  # margin for rounding
    south, north = max(lat - reach, -90.0), min(lat + reach, 90.0)
    farthest = max(abs(south), abs(north))
    if farthest >= 89.0:  # near a pole every longitude may be within reach
        return -180.0, south, 180.0, north
    spread = reach / math.cos(math.radians(farthest))
    west, east = lon - spread, lon + spread
    if west < -180.0 or east > 180.0:
        return None
    return west, south, east, north
