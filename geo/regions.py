"""Named regions as polygons: admin-1 units, countries, disputed areas and composite regions.

The polygons live in the shipped ``regions.geojson`` (built by ``scripts/build_gazetteer.py``
from Natural Earth and the composite definitions in ``data/regions.yaml``). Names are looked up
through the gazetteer, so "Dar'a", "As-Sweida", "Rural Damascus" and "the buffer zone" all work.
"""

from __future__ import annotations

import difflib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from conflictmap.errors import RegionNotFound, short_repr

if TYPE_CHECKING:
    from geo.spatial import PreparedArea
from conflictmap.resources import data_path
from geo import regions_cache
from geo.gazetteer import Gazetteer, default_gazetteer
from geo.names import exact_key, variant_key

__all__ = ["REGION_KINDS", "Region", "RegionRegistry", "default_regions"]

_logger = logging.getLogger(__name__)

REGION_KINDS = ("admin1", "country", "area")


@dataclass(frozen=True)
class Region:
    """A named area with a polygon.

    Attributes
    ----------
    region_id
        ISO 3166-2 code for Syrian governorates (``SY-DR``), HASC-style code for neighbours'
        admin-1 units (``LB-JA``), ISO alpha-2 for countries (``SY``), a slug for disputed and
        composite areas (``golan-heights``, ``southern-syria``).
    name
        English name.
    kind
        ``admin1``, ``country`` or ``area`` (disputed and composite areas).
    country
        ISO alpha-2 code ("" for disputed areas).
    names
        Other names it is known by.
    members
        Region ids of a composite's parts (empty otherwise).
    description
        What a composite region covers and why.
    wkb
        The polygon as WKB; :attr:`geometry` is read from it on first use.
    """

    region_id: str
    name: str
    kind: str
    country: str
    names: tuple[str, ...]
    members: tuple[str, ...]
    description: str
    wkb: bytes = field(repr=False, compare=False)

    @cached_property
    def geometry(self) -> BaseGeometry:
        """Polygon or MultiPolygon, lon/lat (read on first use: most runs need few of them)."""
        return shapely.from_wkb(self.wkb)

    @cached_property
    def prepared(self) -> PreparedArea:
        """The geometry prepared for fast point tests (built on first use, then kept)."""
        from geo.spatial import PreparedArea  # pyproj and the grid code, only when filtering

        return PreparedArea(self.geometry)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(west, south, east, north)``."""
        return tuple(float(v) for v in self.geometry.bounds)  # type: ignore[return-value]


class RegionRegistry:
    """The named regions and lookups by name or point.

    Parameters
    ----------
    path
        A regions GeoJSON file as written by ``scripts/build_gazetteer.py``.
    gazetteer
        Gazetteer used to read region names the way places are read.
    cache_dir
        Folder of the binary copy of the regions (:mod:`geo.regions_cache`), made on first use
        and read instead of the GeoJSON afterwards; None reads the GeoJSON every time.
    """

    def __init__(
        self, *, path: Path, gazetteer: Gazetteer | None = None, cache_dir: Path | None = None
    ) -> None:
        self.path = Path(path)
        self._gazetteer = gazetteer
        self._regions: dict[str, Region] = {}
        for p, wkb in _records(self.path, cache_dir):
            self._regions[p["id"]] = Region(
                p["id"],
                p["name"],
                p["kind"],
                p.get("country") or "",
                tuple(p.get("names", ())),
                tuple(p.get("members", ())),
                p.get("description", "") or p.get("note", ""),
                wkb,
            )

    def __iter__(self) -> Iterator[Region]:
        return iter(self._regions.values())

    def __len__(self) -> int:
        return len(self._regions)

    def __contains__(self, region_id: object) -> bool:
        return region_id in self._regions

    def __getitem__(self, region_id: str) -> Region:
        return self._regions[region_id]

    @property
    def gazetteer(self) -> Gazetteer:
        """The gazetteer used for names (the shipped one unless given)."""
        if self._gazetteer is None:
            self._gazetteer = default_gazetteer()
        return self._gazetteer

    def find(self, name: str) -> Region:
        """Return the region a name means.

        Parameters
        ----------
        name
            A region id (``SY-DR``), a name in any known spelling ("Dar'a", "southern Syria",
            "Quneitra governorate", "the buffer zone").

        Raises
        ------
        RegionNotFound
            With the closest region names as suggestions.
        """
        text = name.strip()
        if text in self._regions:
            return self._regions[text]
        upper = text.upper()
        if upper in self._regions:
            return self._regions[upper]
        # A region's own name or alias, borne by no other region, is the answer the gazetteer
        # would give (an exact name match ranks first there): without loading the gazetteer,
        # which a filter by region otherwise does not need.
        own = self._own_names.get(_plain(text), ())
        if len(own) == 1:
            return own[0]
        return self._find_in_gazetteer(name, text)

    @cached_property
    def _own_names(self) -> dict[str, tuple[Region, ...]]:
        """Every region's name and aliases (case-folded, spaces collapsed) → the regions that bear it.

        Not :func:`geo.names.exact_key`, which folds accents and punctuation too: for the 3,900
        labels it took longer than the lookup it saves (other spellings go to the gazetteer).
        """
        out: dict[str, list[Region]] = {}
        for region in self:
            for label in dict.fromkeys(_plain(n) for n in (region.name, *region.names)):
                out.setdefault(label, []).append(region)
        return {key: tuple(regions) for key, regions in out.items()}

    def _find_in_gazetteer(self, name: str, text: str) -> Region:
        """Read ``text`` as a place phrase and take the best region among the gazetteer's candidates."""
        from geo.phrases import read_phrase  # small; imported here to keep module import light

        for reading in read_phrase(text):
            if reading.vague and (reading.prefer is None or reading.directional):
                # "northern Syria" is not Syria: a direction or "near" must not widen a filter to
                # the whole unit. ("the Daraa countryside" does mean the governorate.)
                continue
            areas = [
                (p, tier)
                for p, tier in self.gazetteer.candidates(reading.name)
                if p.region in self._regions and tier < 2
            ]
            if areas:
                # Prefer the region whose own name matches, then admin-1 units, then countries.
                key = variant_key(reading.name)
                areas.sort(
                    key=lambda item: (
                        item[1],
                        variant_key(item[0].name) != key,
                        REGION_KINDS.index(item[0].kind),
                    )
                )
                return self._regions[areas[0][0].region]
        raise RegionNotFound(f"unknown region {short_repr(name)}; {self._suggest(text)}")

    def _suggest(self, text: str) -> str:
        by_key: dict[str, str] = {}
        for region in self:
            for label in (region.name, *region.names):
                by_key.setdefault(exact_key(label), region.name)
            by_key.setdefault(exact_key(region.region_id), region.region_id)
        close = difflib.get_close_matches(exact_key(text), list(by_key), n=5, cutoff=0.6)
        names = list(dict.fromkeys(by_key[k] for k in close))
        if names:
            return (
                "did you mean " + ", ".join(repr(n) for n in names) + "? (`conflictmap regions` lists them)"
            )
        return "`conflictmap regions` lists the known regions"

    # ------------------------------------------------------------------ point in polygon

    @cached_property
    def _admin1(self) -> tuple[shapely.STRtree, list[Region]]:
        units = [r for r in self if r.kind == "admin1"]
        return shapely.STRtree([r.geometry for r in units]), units

    @cached_property
    def _countries(self) -> tuple[shapely.STRtree, list[Region]]:
        units = [r for r in self if r.kind == "country"]
        return shapely.STRtree([r.geometry for r in units]), units

    def admin_units_holding(self, shapes: np.ndarray) -> list[str | None]:
        """Admin-1 unit name of each area, when one unit holds it; ``None`` when several share it.

        "Sweida Governorate" lies in As-Suwayda; "southern Syria", "east Syria" or "Syria" have a
        point on their surface in some governorate but do not lie in it, and name none. A unit
        holds an area when at least 90% of the area lies in it (borders of different sources
        differ by a little). Each distinct area is measured once.

        Parameters
        ----------
        shapes
            Polygons or MultiPolygons, lon/lat.
        """
        tree, units = self._admin1
        shapes = np.asarray(shapes, dtype=object)
        if not len(shapes):
            return []
        # Events repeat their areas: each distinct one (same bounds and size, then checked equal
        # vertex by vertex in C) is measured once.
        keys = np.column_stack([shapely.bounds(shapes), shapely.get_num_coordinates(shapes)])
        _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        inverse = inverse.ravel()
        names = np.array([_holding(tree, units, shapes[i]) for i in first], dtype=object)[inverse]
        for i in np.flatnonzero(~shapely.equals_exact(shapes, shapes[first][inverse], tolerance=0)):
            names[i] = _holding(tree, units, shapes[i])  # same bounds and size, another area
        return names.tolist()

    def admin_units_at(self, lon: np.ndarray, lat: np.ndarray) -> tuple[list[str | None], list[str | None]]:
        """Admin-1 unit name and country code of each point (``None`` where no unit contains it).

        Admin-1 polygons decide first (they are finer, and separate Syrian-held Quneitra from the
        Israeli-held Golan); the country polygons only fill in points outside every admin-1 unit.

        Parameters
        ----------
        lon, lat
            Coordinates, same length.

        Returns
        -------
        admin1 : list
            English names of the units.
        country : list
            ISO alpha-2 codes.
        """
        x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        tree, units = self._admin1
        unit = _first_containing(tree, units, x, y)
        names = np.array([u.name for u in units] + [None], dtype=object)
        codes = np.array([u.country for u in units] + [None], dtype=object)
        admin1, country = names[unit], codes[unit]  # -1 (none) takes the last
        missing = np.flatnonzero(unit < 0)
        if missing.size:
            tree, units = self._countries
            found = _first_containing(tree, units, x[missing], y[missing])
            country[missing] = np.array([u.country for u in units] + [None], dtype=object)[found]
        return admin1.tolist(), country.tolist()


_HELD = 0.9  # share of an area that must lie in one admin-1 unit for the area to be in it


def _holding(tree: shapely.STRtree, units: list[Region], shape: BaseGeometry) -> str | None:
    """Name of the admin-1 unit holding at least 90% of ``shape``, or ``None``."""
    area = shapely.area(shape)
    if not area > 0:
        return None
    near = tree.query(shape, predicate="intersects")
    if not len(near):
        return None
    try:
        shares = shapely.area(shapely.intersection([units[i].geometry for i in near], shape)) / area
    except shapely.errors.GEOSException:  # an area GEOS cannot intersect: no unit is claimed
        return None
    best = int(np.argmax(shares))
    return units[near[best]].name if shares[best] >= _HELD else None


def _first_containing(tree: shapely.STRtree, units: list[Region], x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Index in ``units`` of the first unit that contains (or has on its outline) each point; -1 for none.

    Unit by unit with the prepared areas' grids (:class:`geo.spatial.PreparedArea`), over the
    points not placed yet: a few dozen units and 1,000,000 points take NumPy passes, where a
    spatial join tested every point against the polygons of the tree (seconds).
    """
    found = np.full(len(x), -1, dtype=np.intp)
    given = ~(np.isnan(x) | np.isnan(y))
    if not given.any():
        return found
    box = shapely.box(x[given].min(), y[given].min(), x[given].max(), y[given].max())
    # The points in order of longitude: a unit tests only those of its band of longitudes (two
    # binary searches), not every point (0.024 s where that took 0.061 s, per 100,000 points and
    # 100 units). The same points reach each unit's test as before, so the same answers. A band
    # is a set of points (equal longitudes fall in or out together), so the sort need not be
    # stable: NumPy's default sort of 177,355 longitudes took 0.005 s, the stable one 0.023 s.
    rows = np.flatnonzero(given)
    order = rows[np.argsort(x[rows])]
    lon = x[order]
    left = len(order)
    for k in sorted(tree.query(box).tolist()):  # the units whose bounds meet the points' box
        if not left:
            break
        west, south, east, north = units[k].prepared.bounds
        band = order[np.searchsorted(lon, west, side="left") : np.searchsorted(lon, east, side="right")]
        band = band[(found[band] < 0) & (y[band] >= south) & (y[band] <= north)]
        if not band.size:
            continue
        inside = units[k].prepared.contains_xy(x[band], y[band])
        found[band[inside]] = k
        left -= int(np.count_nonzero(inside))
    return found


def _plain(text: str) -> str:
    return " ".join(text.casefold().split())


def _records(path: Path, cache_dir: Path | None) -> list[regions_cache.Record]:
    """Each region's properties and WKB: from the cache when it holds this file, else from the GeoJSON."""
    if cache_dir is not None:
        cached_path = regions_cache.cache_file(cache_dir, source=path)
        cached = regions_cache.load_regions(cached_path)
        if cached is not None:
            return cached
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    wkbs = shapely.to_wkb([shape(feature["geometry"]) for feature in features])
    records = [(feature["properties"], bytes(wkb)) for feature, wkb in zip(features, wkbs, strict=True)]
    if cache_dir is not None:
        try:
            regions_cache.save_regions(cached_path, records)
        except OSError as err:  # a read-only cache folder costs time, not correctness
            _logger.debug("cannot save the regions cache in %s: %s", cache_dir, err)
    return records


@lru_cache(maxsize=1)
def default_regions() -> RegionRegistry:
    """Return the shipped regions."""
    from geo.cache import cache_dir

    return RegionRegistry(path=data_path("regions.geojson"), cache_dir=cache_dir())
