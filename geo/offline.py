"""The offline gazetteer as a geopy geocoder: no network, no rate limit.

:class:`OfflineGeocoder` follows geopy's backend design: ``geocode()`` returns a
:class:`geopy.location.Location` whose ``raw`` carries what a conflict mapper needs (kind,
geo_precision, admin-1 unit, country, place id, geometry, the candidates and why the winner
won).
"""

from __future__ import annotations

from geopy.geocoders.base import Geocoder
from geopy.location import Location
from shapely.geometry import mapping

from geo.geocoder import describe, geometry_of
from geo.regions import RegionRegistry
from geo.resolve import Resolution, Resolver, precision_of

__all__ = ["OfflineGeocoder"]


class OfflineGeocoder(Geocoder):
    """The shipped gazetteer as a geopy geocoder: no network, no rate limit.

    Parameters
    ----------
    resolver
        The resolver to use (the shipped gazetteer, with the user's overrides if any).
    regions
        Region polygons, for the geometry of areas.

    Examples
    --------
    >>> location = OfflineGeocoder().geocode("Sweida")  # doctest: +SKIP
    >>> location.raw["geo_precision"], location.raw["admin1"]  # doctest: +SKIP
    (1, 'As-Suwayda')
    """

    def __init__(self, *, resolver: Resolver | None = None, regions: RegionRegistry | None = None) -> None:
        super().__init__(user_agent="conflictmap-offline")  # never used: nothing goes on the network
        self.resolver = resolver or Resolver()
        self._regions = regions

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        country: str | None = None,
        timeout: float | None = None,
    ) -> Location | list[Location] | None:
        """Return the place a name means, as geopy does.

        Parameters
        ----------
        query
            A place as written in a report.
        exactly_one
            Return the best match only (default), or a list of all candidates, best first.
        country
            ISO alpha-2 code of the context country.
        timeout
            Ignored (accepted for geopy compatibility).

        Returns
        -------
        geopy.location.Location, list or None
            ``None`` (or ``[]``) when the name is not in the gazetteer.
        """
        resolution = self.resolver.resolve(query, country=country)
        if not resolution.found:
            return None if exactly_one else []
        best = self.location(resolution)
        if exactly_one:
            return best
        others = [
            self.location(
                Resolution(
                    query,
                    p,
                    precision_of(p.kind, vague=False),
                    resolution.source,
                    "candidate",
                    (),
                    resolution.name_read,
                )
            )
            for p in resolution.candidates[1:]
        ]
        return [best, *others]

    def location(self, resolution: Resolution) -> Location:
        """Turn a resolution into a geopy Location with a rich ``raw``."""
        raw = describe(resolution, regions=self._regions)
        geometry = geometry_of(resolution, regions=self._regions)
        raw["geometry"] = mapping(geometry) if geometry is not None else None
        place = resolution.place
        assert place is not None
        address = ", ".join(dict.fromkeys(p for p in (place.name, raw["admin1"], place.country) if p))
        return Location(address, (place.lat, place.lon), raw)
