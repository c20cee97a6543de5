"""Geocoders with one interface: a chain of the offline gazetteer and online services.

:class:`GeocoderChain` asks the offline gazetteer first and online services (see
:mod:`geo.online`) only for names it cannot resolve, and turns every answer into a
:class:`~geo.resolve.Resolution`. The offline gazetteer as a geopy geocoder is
:class:`geo.offline.OfflineGeocoder`.

geopy is imported only when an online service is asked (or :mod:`geo.offline` is used): the
commands that locate events that already have coordinates do not pay for it at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from conflictmap.errors import GeocodingError, short_repr
from geo.gazetteer import Place
from geo.regions import RegionRegistry, default_regions
from geo.resolve import Resolution, Resolver

if TYPE_CHECKING:
    from geopy.location import Location

__all__ = ["GeocoderChain", "describe", "geometry_of"]

_logger = logging.getLogger("conflictmap.geo")

# Nominatim/Photon address types → (kind, geo_precision)
ONLINE_KINDS = {
    "country": ("country", 4),
    "state": ("admin1", 3),
    "province": ("admin1", 3),
    "region": ("admin1", 3),
    "governorate": ("admin1", 3),
    "county": ("area", 3),
    "state_district": ("area", 3),
    "district": ("area", 3),
    "city": ("populated place", 1),
    "town": ("populated place", 1),
    "village": ("populated place", 1),
    "hamlet": ("populated place", 1),
    "suburb": ("populated place", 1),
    "neighbourhood": ("populated place", 1),
    "peak": ("mountain", 2),
    "mountain_range": ("mountain", 2),
}


def geometry_of(resolution: Resolution, *, regions: RegionRegistry | None = None) -> BaseGeometry | None:
    """Return the geometry of a resolution: the region polygon for areas, else the point."""
    place = resolution.place
    if place is None:
        return None
    if place.region:
        registry = regions or default_regions()
        if place.region in registry:
            return registry[place.region].geometry
    return Point(place.lon, place.lat)


def describe(
    resolution: Resolution,
    *,
    regions: RegionRegistry | None = None,
    gazetteer_names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Return a JSON-able description of a resolution (the ``geocode --json`` object).

    Parameters
    ----------
    resolution
        The resolution to describe.
    regions
        Region registry, for the bounding box of areas.
    gazetteer_names
        Admin-1 region id → English name; looked up in the gazetteer when omitted.
    """
    place = resolution.place
    if place is None:
        return {
            "query": resolution.query,
            "found": False,
            "name": None,
            "lat": None,
            "lon": None,
            "kind": None,
            "place_kind": None,
            "geo_precision": None,
            "admin1": None,
            "country": None,
            "place_id": None,
            "source": resolution.source,
            "bbox": None,
            "population": None,
            "reason": resolution.reason,
            "candidates": [],
        }
    bbox = None
    if place.region:
        registry = regions or default_regions()
        if place.region in registry:
            bbox = [round(v, 5) for v in registry[place.region].bbox]
    return {
        "query": resolution.query,
        "found": True,
        "name": place.name,
        "lat": round(place.lat, 6),
        "lon": round(place.lon, 6),
        "kind": resolution.kind,
        "place_kind": place.kind,
        "geo_precision": resolution.geo_precision,
        "admin1": _admin1_name(place, gazetteer_names),
        "country": place.country or None,
        "place_id": place.place_id,
        "source": resolution.source,
        "bbox": bbox,
        "population": place.population or None,
        "reason": resolution.reason,
        "candidates": [
            {
                "place_id": c.place_id,
                "name": c.name,
                "kind": c.kind,
                "country": c.country or None,
                "admin1": c.admin1 or None,
                "lat": c.lat,
                "lon": c.lon,
                "population": c.population,
            }
            for c in resolution.candidates
        ],
    }


def _admin1_name(place: Place, names: dict[str, str] | None) -> str | None:
    unit = place.region if place.kind == "admin1" else place.admin1
    if not unit:
        return None
    if names is not None:
        return names.get(unit, unit)
    from geo.gazetteer import default_gazetteer

    found = default_gazetteer().get(f"region:{unit}")
    return found.name if found else unit


@dataclass
class GeocoderChain:
    """The offline gazetteer, then online services for the names it does not know.

    Parameters
    ----------
    resolver
        Offline resolver.
    online
        Online geocoders, asked in order: :class:`geo.online.OnlineGeocoder` (rate limited,
        retried, cached), or any object with geopy's ``geocode(query, exactly_one=True)``,
        such as a geopy geocoder you configured yourself.

    Attributes
    ----------
    failures
        ``query → message`` for names an online service failed on (after its retries).
    """

    resolver: Resolver = field(default_factory=Resolver)
    online: Sequence[Any] = ()
    failures: dict[str, str] = field(default_factory=dict)

    def resolve_all(self, queries: Iterable[str], *, country: str | None = None) -> dict[str, Resolution]:
        """Resolve distinct names, offline first (with each other as context), then online."""
        results = self.resolver.resolve_all(queries, country=country)
        for query, res in results.items():
            if not res.found and self.online:
                results[query] = self._online(query, res, country)
        return results

    def resolve_each(self, queries: Iterable[str], *, country: str | None = None) -> dict[str, Resolution]:
        """Resolve distinct names each on its own (offline first, then online).

        For a list of unrelated names (the ``geocode`` command): one name must not pull another
        toward itself, nor lend it a country; only ``country`` is context.
        """
        results = {q: self.resolver.resolve(q, country=country) for q in dict.fromkeys(queries) if q}
        for query, res in results.items():
            if not res.found and self.online:
                results[query] = self._online(query, res, country)
        return results

    def resolve_pairs(
        self, keys: Iterable[tuple[str, str | None, str | None]], *, country: str | None = None
    ) -> dict[tuple[str, str | None, str | None], Resolution]:
        """Resolve (name, country, admin1) triples of events.

        A name whose event gives its country must lie in that country; its admin-1 unit, when
        given, is preferred. Names without a country are resolved together with
        :meth:`resolve_all` (context inferred from each other, or ``country``).
        """
        distinct = list(dict.fromkeys(keys))
        loose = self.resolve_all([name for name, cc, _ in distinct if not cc], country=country)
        results: dict[tuple[str, str | None, str | None], Resolution] = {}
        for key in distinct:
            name, cc, unit = key
            if not cc:
                results[key] = loose[name]
                continue
            res = self.resolver.resolve(name, within_country=cc, admin1=unit)
            if not res.found and self.online:
                res = self._online(name, res, cc)
            results[key] = res
        return results

    def _online(self, query: str, offline: Resolution, country: str | None) -> Resolution:
        for service in self.online:
            name = getattr(service, "service", None) or type(service).__name__.lower()
            try:
                location = _ask(service, query, country)
            except GeocodingError as err:
                self.failures[query] = str(err)
                _logger.warning("%s", err)
                continue
            if location is not None:
                return _from_online(query, name, location)
        return offline


def _ask(service: Any, query: str, country: str | None) -> Location | None:
    """Ask an :class:`~geo.online.OnlineGeocoder`, or any geopy-style geocoder (``geocode()``)."""
    if hasattr(service, "lookup"):
        return service.lookup(query, country=country)
    from geopy.exc import GeopyError

    try:
        found = service.geocode(query, exactly_one=True)
    except GeopyError as err:
        raise GeocodingError(f"{type(service).__name__} failed for {short_repr(query)}: {err}") from err
    return found[0] if isinstance(found, list) else found


def _from_online(query: str, service: str, location: Location) -> Resolution:
    raw = location.raw if isinstance(location.raw, dict) else {}
    addresstype = str(raw.get("addresstype") or raw.get("type") or raw.get("osm_value") or "")
    kind, precision = ONLINE_KINDS.get(addresstype, ("populated place", 1))
    osm = f"{raw.get('osm_type', '')}{raw.get('osm_id', '')}" or str(raw.get("place_id", ""))
    address = raw.get("address") if isinstance(raw.get("address"), dict) else {}
    country = str(address.get("country_code", "")).upper()
    place = Place(
        f"{service}:{osm or location.address}",
        location.address.split(",")[0].strip(),
        kind,
        country,
        "",
        0,
        float(location.latitude),
        float(location.longitude),
    )
    return Resolution(
        query, place, precision, service, f"not in the gazetteer; answered by {service}", (place,), query
    )
