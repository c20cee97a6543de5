"""Reading a store with the CLI's filters: what SQL and the spatial index can answer, pushed down."""

from __future__ import annotations

import math
from collections.abc import Iterable

import geopandas as gpd

from conflictmap.categories import CategoryRegistry, default_registry
from conflictmap.filters import check_period, resolve_categories
from conflictmap.store.base import StoreBackend, StoreQuery
from conflictmap.store.rows import KM_PER_DEGREE, decode_rows
from geo.filters import SpatialFilter

__all__ = ["read_store", "store_query"]

Box = tuple[float, float, float, float]


def store_query(
    *,
    since: str | None = None,
    until: str | None = None,
    categories: Iterable[str] | None = None,
    spatial: SpatialFilter | None = None,
    registry: CategoryRegistry | None = None,
) -> StoreQuery:
    """Turn the filter arguments the CLI parses into a :class:`StoreQuery`.

    The spatial filters become boxes for the index: each region's bounds (any of them), the
    ``--bbox``, the box around ``--near``/``--km`` and the ``--within`` polygons' bounds.
    """
    lower, upper = check_period(since=since, until=until)
    keys = None
    if categories:
        keys = frozenset(resolve_categories(categories, registry=registry or default_registry()))
    boxes: list[tuple[Box, ...]] = []
    if spatial is not None and spatial.active:
        if spatial.regions:
            boxes.append(tuple(_bounds(r.geometry.bounds) for r in spatial.regions))
        if spatial.bbox is not None:
            west, south, east, north = spatial.bbox
            # A box across the antimeridian (west > east) is two boxes.
            boxes.append(
                ((west, south, east, north),)
                if west <= east
                else ((west, south, 180, north), (-180, south, east, north))
            )
        if spatial.near is not None and spatial.km is not None:
            lat, lon, _ = spatial.near
            dy = spatial.km / KM_PER_DEGREE * 1.01  # a margin over the spherical approximation
            cos = math.cos(math.radians(min(abs(lat) + dy, 89.9)))
            dx = min(dy / cos, 180)
            boxes.append(((lon - dx, lat - dy, lon + dx, lat + dy),))
        if spatial.within is not None:
            boxes.append((_bounds(spatial.within.bounds),))
    return StoreQuery(lower=lower, upper=upper, categories=keys, boxes=tuple(boxes))


def _bounds(bounds: tuple[float, ...]) -> Box:
    west, south, east, north = bounds
    return (float(west), float(south), float(east), float(north))


def read_store(
    store: StoreBackend, query: StoreQuery, *, spatial: SpatialFilter | None = None
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read the reports passing ``query``, then the exact spatial test on what the index returned.

    Returns
    -------
    events : geopandas.GeoDataFrame
        The reports, as read from their files, in ingest order.
    incident_ids : list of str
        The incident of each report.
    """
    rows = store.select(query)
    incident_ids = rows.pop("incident_id").tolist()
    events = decode_rows(rows)
    if spatial is not None and spatial.active and len(events):
        keep = spatial.mask(events)
        events = events[keep].reset_index(drop=True)
        incident_ids = [i for i, k in zip(incident_ids, keep, strict=True) if k]
    return events, incident_ids
