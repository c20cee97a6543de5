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

from geo.filters import SpatialFilter, filter_events, parse_bbox, read_within
from geo.gazetteer import Gazetteer, Place, default_gazetteer
from geo.geocoder import GeocoderChain, OfflineGeocoder, describe, geometry_of
from geo.locate import LocateReport, locate_events
from geo.names import exact_key, skeleton_key, variant_key
from geo.phrases import Phrase, read_phrase
from geo.regions import Region, RegionRegistry, default_regions
from geo.resolve import Overrides, Resolution, Resolver

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
