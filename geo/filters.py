"""Region filters: keep the events in named regions, a box, a radius or the user's polygons.

Filters of one kind are alternatives (``region=["SY-DR", "SY-SU"]`` keeps events in either);
filters of different kinds all apply (``region="southern Syria", near="Beit Jinn", km=20``). A
point event is kept when it lies in the area (boundary included); an area event when it
intersects the area, or with ``contained=True`` when the area covers it. Unlocated events have
no place to test and are not kept by any spatial filter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from conflictmap.errors import ConfigurationError, InputError, RegionNotFound, SchemaError, short_repr
from geo.regions import Region, RegionRegistry, default_regions
from geo.spatial import PreparedPoints, mask_in_area, mask_in_bbox, mask_near

__all__ = ["WITHIN_EXTENSIONS", "SpatialFilter", "filter_events", "parse_bbox", "read_within"]

WITHIN_EXTENSIONS = (".geojson", ".json", ".gpkg")  # the polygon files --within reads


@dataclass(frozen=True)
class SpatialFilter:
    """The spatial filters of one run, resolved to geometry.

    Build it with :meth:`build` (which resolves names and reads files, and so fails early with a
    clear message), then apply it with :meth:`mask`.
    """

    regions: tuple[Region, ...] = ()
    bbox: tuple[float, float, float, float] | None = None
    near: tuple[float, float, str] | None = None  # lat, lon, label
    km: float | None = None
    within: BaseGeometry | None = None
    contained: bool = False

    @classmethod
    def build(
        cls,
        *,
        region: str | Sequence[str] | None = None,
        bbox: str | Sequence[float] | None = None,
        near: str | tuple[float, float] | None = None,
        km: float | None = None,
        within: str | Path | BaseGeometry | None = None,
        contained: bool = False,
        registry: RegionRegistry | None = None,
        country: str | None = None,
    ) -> SpatialFilter:
        """Resolve the filter arguments (see :func:`filter_events`)."""
        names = [region] if isinstance(region, str) else list(region or ())
        registry = registry or (default_regions() if names else None)
        regions = tuple(registry.find(n) for n in names) if registry is not None else ()
        if (near is None) != (km is None):
            raise ConfigurationError("--near and --km go together: give a place and a distance in km")
        point = None
        if near is not None:
            point = _near_point(near, country=country)
        if km is not None and not (math.isfinite(km) and km > 0):
            raise ConfigurationError(f"--km must be a positive distance in kilometres, got {km}")
        area = within if isinstance(within, BaseGeometry) or within is None else read_within(within)
        box = parse_bbox(bbox) if bbox is not None else None
        return cls(regions, box, point, km, area, contained)

    @property
    def active(self) -> bool:
        """Whether any spatial filter is set."""
        return bool(self.regions) or self.bbox is not None or self.near is not None or self.within is not None

    def mask(self, events: gpd.GeoDataFrame) -> np.ndarray:
        """Boolean mask of the events that pass every filter (tested in EPSG:4326, whatever their CRS)."""
        from conflictmap.frames import to_wgs84

        events = to_wgs84(events, name="events")
        geoms: object = np.asarray(events.geometry.array, dtype=object)
        keep = np.ones(len(events), dtype=bool)
        tests = (
            len(self.regions) + (self.bbox is not None) + (self.near is not None) + (self.within is not None)
        )
        if tests > 1:
            geoms = PreparedPoints(geoms)  # read the coordinates once for all the tests
        if self.regions:
            either = np.zeros(len(geoms), dtype=bool)
            for region in self.regions:
                either |= mask_in_area(geoms, region.prepared, contained=self.contained)
            keep &= either
        if self.bbox is not None:
            keep &= mask_in_bbox(geoms, self.bbox, contained=self.contained)
        if self.near is not None and self.km is not None:
            lat, lon, _ = self.near
            keep &= mask_near(geoms, lat=lat, lon=lon, km=self.km, contained=self.contained)
        if self.within is not None:
            keep &= mask_in_area(geoms, self.within, contained=self.contained)
        return keep

    def outlines(self) -> list[tuple[str, BaseGeometry]]:
        """``(label, polygon)`` of the areas of this filter, to draw on a map."""
        out: list[tuple[str, BaseGeometry]] = [(r.name, r.geometry) for r in self.regions]
        if self.bbox is not None:
            west, south, east, north = self.bbox
            if west <= east:
                out.append(("box", shapely.box(west, south, east, north)))
        if self.within is not None:
            out.append(("given polygons", self.within))
        return out

    def describe(self) -> str:
        """Human-readable summary, for the run summary."""
        parts = []
        if self.regions:
            parts.append("in " + " or ".join(r.name for r in self.regions))
        if self.bbox is not None:
            parts.append("in box " + ",".join(f"{v:g}" for v in self.bbox))
        if self.near is not None:
            parts.append(f"within {self.km:g} km of {self.near[2]}")
        if self.within is not None:
            parts.append("within the given polygons")
        return "; ".join(parts)


def filter_events(
    events: gpd.GeoDataFrame,
    *,
    region: str | Sequence[str] | None = None,
    bbox: str | Sequence[float] | None = None,
    near: str | tuple[float, float] | None = None,
    km: float | None = None,
    within: str | Path | BaseGeometry | None = None,
    contained: bool = False,
    registry: RegionRegistry | None = None,
) -> gpd.GeoDataFrame:
    """Keep the events in an area.

    Parameters
    ----------
    events
        An event collection or any GeoDataFrame, in any CRS (tested in EPSG:4326: a projected
        frame is reprojected; one with no CRS must have longitude/latitude coordinates).
    region
        Region name(s): any named region, admin-1 unit or country, in any known spelling
        ("southern Syria", "Dar'a", "SY-SU", "Lebanon"). Several names keep events in any of them.
    bbox
        ``(west, south, east, north)`` in degrees, or the string ``"W,S,E,N"``.
    near, km
        A place name or ``(lat, lon)``, and a geodesic distance in kilometres.
    within
        Polygons: a shapely geometry or a GeoJSON / GeoPackage file (all features, unioned).
    contained
        Keep area events only when the area covers them (default: when they intersect it).
    registry
        Regions to look names up in; the shipped ones by default.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows of ``events`` that pass every filter, as given (same columns and CRS), in
        their original order.

    Raises
    ------
    RegionNotFound
        For an unknown region name, with the closest names as suggestions.
    CrsError
        ``events`` has no CRS and its coordinates are not degrees.

    Examples
    --------
    >>> south = filter_events(events, region="southern Syria")  # doctest: +SKIP
    >>> near_hermon = filter_events(events, near="Mount Hermon", km=15)  # doctest: +SKIP
    """
    spatial = SpatialFilter.build(
        region=region, bbox=bbox, near=near, km=km, within=within, contained=contained, registry=registry
    )
    if not spatial.active:
        return events
    return events[spatial.mask(events)]


def parse_bbox(value: str | Sequence[float]) -> tuple[float, float, float, float]:
    """Read ``"W,S,E,N"`` (or a sequence of four numbers) into a checked box."""
    parts = value.split(",") if isinstance(value, str) else list(value)
    try:
        west, south, east, north = (float(p) for p in parts)
    except (TypeError, ValueError) as err:
        msg = f"--bbox must be four numbers W,S,E,N (degrees), got {short_repr(value)}"
        raise ConfigurationError(msg) from err
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south < north <= 90):
        raise ConfigurationError(
            f"--bbox {short_repr(value)} is not a box: want west,south,east,north with -180 <= lon <= 180, "
            "-90 <= south < north <= 90 (west > east crosses the antimeridian)"
        )
    return west, south, east, north


def read_within(path: str | Path) -> BaseGeometry:
    """Read the polygons of a GeoJSON or GeoPackage file into one geometry (WGS84)."""
    path = Path(path)
    if path.suffix.lower() not in WITHIN_EXTENSIONS:
        raise ConfigurationError(
            f"--within {path}: not a polygon file; give a GeoJSON ({', '.join(WITHIN_EXTENSIONS[:2])}) "
            f"or GeoPackage ({WITHIN_EXTENSIONS[2]}) file"
        )
    if not path.is_file():
        raise InputError(f"{path}: --within file not found")
    try:
        frame = gpd.read_file(path)
    except Exception as err:  # pyogrio raises several unrelated types for unreadable files
        raise InputError(f"{path}: cannot read polygons: {err}") from err
    if not isinstance(frame, gpd.GeoDataFrame):  # a layer without geometry
        raise SchemaError("--within needs polygons, found no geometries", path=str(path), field="geometry")
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    geoms = frame.geometry.dropna()
    kinds = set(geoms.geom_type)
    bad = kinds - {"Polygon", "MultiPolygon"}
    if geoms.empty or bad:
        what = f"geometry types {', '.join(sorted(bad))}" if bad else "no geometries"
        raise SchemaError(f"--within needs polygons, found {what}", path=str(path), field="geometry")
    invalid = np.flatnonzero(~shapely.is_valid(np.asarray(geoms.array)))
    if invalid.size:
        reason = shapely.is_valid_reason(geoms.iloc[int(invalid[0])])
        raise SchemaError(
            f"invalid polygon ({reason})",
            path=str(path),
            row=f"feature {int(invalid[0]) + 1}",
            field="geometry",
        )
    return shapely.union_all(np.asarray(geoms.array))


def _near_point(near: str | tuple[float, float], *, country: str | None) -> tuple[float, float, str]:
    if not isinstance(near, str):
        lat, lon = float(near[0]), float(near[1])
        return (*_checked_lat_lon(lat, lon, near), f"{lat:.4f}, {lon:.4f}")
    text = near.strip()
    parts = text.split(",")
    if len(parts) == 2:
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except ValueError:
            pass
        else:
            return (*_checked_lat_lon(lat, lon, near), text)
    from geo.resolve import Resolver

    res = Resolver().resolve(text, country=country)
    if res.place is None:
        msg = f"--near: no place called {short_repr(text)} in the gazetteer (give LAT,LON instead)"
        raise RegionNotFound(msg)
    return res.place.lat, res.place.lon, res.place.name


def _checked_lat_lon(lat: float, lon: float, given: object) -> tuple[float, float]:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # also refuses nan
        hint = " (latitude first: LAT,LON)" if -90 <= lon <= 90 and -180 <= lat <= 180 else ""
        raise ConfigurationError(
            f"--near {given!r} is not a place: want LAT,LON with -90 <= LAT <= 90 and "
            f"-180 <= LON <= 180{hint}"
        )
    return lat, lon
