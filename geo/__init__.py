"""Places, geocoding and regions: the ``locate`` and region-``filter`` steps of conflictmap.

Offline first: the shipped gazetteer (GeoNames, Who's On First, Natural Earth, curated
additions) resolves place names the way reporters write them, and the shipped polygons define
admin-1 units, countries, disputed areas and composite regions such as "southern Syria". Online
geopy geocoders are optional and only asked for names the gazetteer does not know.

>>> from geo import OfflineGeocoder, filter_events, locate_events
>>> OfflineGeocoder().geocode("Sweida").raw["admin1"]  # doctest: +SKIP
'As-Suwayda'
>>> located, report = locate_events(events)  # doctest: +SKIP
>>> south = filter_events(located, region="southern Syria")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from geo.filters import SpatialFilter, filter_events, parse_bbox, read_within
    from geo.gazetteer import Gazetteer, Place, default_gazetteer
    from geo.geocoder import GeocoderChain, describe, geometry_of
    from geo.locate import LocateReport, locate_events
    from geo.names import exact_key, skeleton_key, variant_key
    from geo.offline import OfflineGeocoder
    from geo.phrases import Phrase, read_phrase
    from geo.regions import Region, RegionRegistry, default_regions
    from geo.resolve import Overrides, Resolution, Resolver

# Names are imported on first use (PEP 562), so that ``import geo.spatial`` (the point-in-polygon
# code every reader and filter uses) does not also import geopy, requests and the resolver: the
# CLI's start-up is part of every command's time (see bench/region_filter.py).
_EXPORTS = {
    "SpatialFilter": "geo.filters",
    "filter_events": "geo.filters",
    "parse_bbox": "geo.filters",
    "read_within": "geo.filters",
    "Gazetteer": "geo.gazetteer",
    "Place": "geo.gazetteer",
    "default_gazetteer": "geo.gazetteer",
    "GeocoderChain": "geo.geocoder",
    "OfflineGeocoder": "geo.offline",
    "describe": "geo.geocoder",
    "geometry_of": "geo.geocoder",
    "LocateReport": "geo.locate",
    "locate_events": "geo.locate",
    "exact_key": "geo.names",
    "skeleton_key": "geo.names",
    "variant_key": "geo.names",
    "Phrase": "geo.phrases",
    "read_phrase": "geo.phrases",
    "Region": "geo.regions",
    "RegionRegistry": "geo.regions",
    "default_regions": "geo.regions",
    "Overrides": "geo.resolve",
    "Resolution": "geo.resolve",
    "Resolver": "geo.resolve",
}

__all__ = [
    "Gazetteer",
    "GeocoderChain",
    "LocateReport",
    "OfflineGeocoder",
    "Overrides",
    "Phrase",
    "Place",
    "Region",
    "RegionRegistry",
    "Resolution",
    "Resolver",
    "SpatialFilter",
    "default_gazetteer",
    "default_regions",
    "describe",
    "exact_key",
    "filter_events",
    "geometry_of",
    "locate_events",
    "parse_bbox",
    "read_phrase",
    "read_within",
    "skeleton_key",
    "variant_key",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'geo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
