"""The in-memory engine: a plan executed on one GeoDataFrame with NumPy masks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np

from conflictmap.plan import Plan
from geo.locate import LocateReport, complete_admin_units, locate_events
from geo.regions import RegionRegistry

if TYPE_CHECKING:
    from geo.geocoder import GeocoderChain

__all__ = ["Execution", "execute"]


@dataclass
class Execution:
    """What executing a plan gave.

    Attributes
    ----------
    events
        The events the plan keeps, in their input order (index labels kept).
    report
        What locating did (geocoding and admin-1 completion); None when events were not located.
    """

    events: gpd.GeoDataFrame
    report: LocateReport | None


def execute(
    plan: Plan,
    events: gpd.GeoDataFrame,
    *,
    locate: bool = True,
    chain: GeocoderChain | None = None,
    country: str | None = None,
    regions: RegionRegistry | None = None,
) -> Execution:
    """Keep the events ``plan`` keeps, filtering as early as it can (see :mod:`conflictmap.engines`).

    Parameters
    ----------
    plan
        The filters.
    events
        An event collection.
    locate
        Geocode the events that have only a place name, and fill in admin-1 units and countries
        from coordinates, for the events the time and category filters keep.
    chain, country, regions
        As for :func:`geo.locate.locate_events`; the context country, when not given, is
        inferred from the places of the events kept by time and category.

    Returns
    -------
    Execution
    """
    kept = _kept(events, plan.attribute_mask(events))
    report = None
    if locate:
        kept, report = locate_events(kept, chain=chain, country=country, regions=regions, admin_units=False)
    if plan.filters_space:
        kept = _kept(kept, plan.spatial_mask(kept))
    if locate and report is not None:
        kept, report.completed = complete_admin_units(kept, regions=regions)
    return Execution(kept, report)


def _kept(events: gpd.GeoDataFrame, mask: np.ndarray) -> gpd.GeoDataFrame:
    if mask.all():
        return events.copy(deep=False)  # copy on write: no need to copy every column
    return events[mask]
