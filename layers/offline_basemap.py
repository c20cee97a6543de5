"""A basemap drawn from the shipped boundaries: countries, provinces and their names, no tiles.

The polygons of ``regions.geojson`` (Natural Earth, public domain) are simplified, quantised to
0.001° and delta-encoded (about 0.5 MB for the world's countries and the Levant's admin-1
units), then drawn by ``basemap.js`` in two map panes below the overlay pane, so events stay on
top: land fill and borders in one, name labels (built with ``textContent``) in the other. The
map background is a pale sea blue. Country labels appear once a country is wide enough on
screen for its name; province names from zoom 7.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import shapely
import shapely.ops
from folium.map import Layer
from jinja2 import Template
from shapely.geometry.base import BaseGeometry

from geo.regions import Region, RegionRegistry, default_regions
from layers.element import safe_json
from layers.inline import add_inline_assets
from layers.literal import LiteralMacroElement

__all__ = ["ATTRIBUTION", "OfflineBasemap", "basemap_data", "encode_geometry"]

ATTRIBUTION = (
    'Boundaries: <a href="https://www.naturalearthdata.com/" target="_blank" rel="noopener">'
    "Natural Earth</a> (public domain)"
)
QUANTUM = 1000  # coordinates as integers of 0.001° (about 110 m)
_NEAR = shapely.box(20.0, 10.0, 65.0, 45.0)  # the Middle East: drawn in more detail
_TOLERANCE_NEAR = 0.01  # degrees; about 1 km, under 2 px up to zoom 8
_TOLERANCE_FAR = 0.03
_TOLERANCE_ADMIN1 = 0.005
_LABEL_PX_PER_CHAR = 6.5  # 11 px sans-serif
_ADMIN1_MIN_ZOOM = 7


def encode_geometry(geom: BaseGeometry) -> list[list[list[int]]]:
    """Encode a (Multi)Polygon compactly for ``basemap.js``.

    Parameters
    ----------
    geom
        Polygon or MultiPolygon, lon/lat.

    Returns
    -------
    list
        Per polygon, per ring: ``[lon0, lat0, dlon1, dlat1, ...]`` in units of 0.001°, the first
        vertex absolute and the others as differences from the previous one.
    """
    polygons = []
    for polygon in getattr(geom, "geoms", [geom]):
        rings = []
        for ring in (polygon.exterior, *polygon.interiors):
            quantised = np.round(np.asarray(ring.coords) * QUANTUM).astype(np.int64)
            deltas = np.vstack([quantised[:1], np.diff(quantised, axis=0)])
            rings.append(deltas.ravel().tolist())
        polygons.append(rings)
    return polygons


def _label_point(geom: BaseGeometry) -> tuple[float, float]:
    """``(lat, lon)`` well inside the largest part (pole of inaccessibility)."""
    parts = list(getattr(geom, "geoms", [geom]))
    largest = max(parts, key=lambda part: part.area)
    point = shapely.ops.polylabel(largest, tolerance=0.05)
    return round(point.y, 3), round(point.x, 3)


def _label_min_zoom(name: str, geom: BaseGeometry, *, floor: int) -> int:
    """Lowest zoom at which the name fits across the largest part of the area."""
    parts = list(getattr(geom, "geoms", [geom]))
    west, _, east, _ = max(parts, key=lambda part: part.area).bounds
    needed_px = len(name) * _LABEL_PX_PER_CHAR + 8
    zoom = math.ceil(math.log2(needed_px * 360 / (256 * max(east - west, 1e-6))))
    return min(max(zoom, floor), 12)


def _entries(regions: list[Region], tolerances: np.ndarray, *, floor: int) -> list[dict[str, Any]]:
    geoms = np.array([region.geometry for region in regions], dtype=object)
    simple = shapely.simplify(geoms, tolerances, preserve_topology=True)
    return [
        {
            "name": region.name,
            "label": _label_point(geom),
            "minZoom": _label_min_zoom(region.name, geom, floor=floor),
            "shape": encode_geometry(shape),
        }
        for region, geom, shape in zip(regions, geoms, simple, strict=True)
        if not shape.is_empty
    ]


def basemap_data(regions: RegionRegistry) -> dict[str, Any]:
    """Return the countries and admin-1 units of `regions` encoded for ``basemap.js``.

    Parameters
    ----------
    regions
        A region registry; its ``country`` and ``admin1`` regions are drawn.

    Returns
    -------
    dict
        ``{"quantum": 1000, "countries": [...], "admin1": [...]}``; each entry has ``name``,
        ``label`` (lat, lon), ``minZoom`` and ``shape`` (see :func:`encode_geometry`).
    """
    countries = [r for r in regions if r.kind == "country"]
    admin1 = [r for r in regions if r.kind == "admin1"]
    near = shapely.intersects(_NEAR, np.array([r.geometry.representative_point() for r in countries]))
    return {
        "quantum": QUANTUM,
        "countries": _entries(countries, np.where(near, _TOLERANCE_NEAR, _TOLERANCE_FAR), floor=2),
        "admin1": _entries(admin1, np.full(len(admin1), _TOLERANCE_ADMIN1), floor=_ADMIN1_MIN_ZOOM),
    }


@cache
def _default_data_json() -> str:
    return safe_json(basemap_data(default_regions()))


class OfflineBasemap(Layer, LiteralMacroElement):
    """The offline basemap as a folium layer (a Leaflet layer group).

    Parameters
    ----------
    regions
        Boundaries to draw; the shipped regions by default.
    name
        Layer name.
    control
        Whether the LayerControl lists it (it does not by default: it is the only base layer).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }}_data = {{ this.data_json }};
        var {{ this.get_name() }} = window.conflictmapBasemap.layer(
            {{ this.get_name() }}_data, {attribution: {{ this.attribution_json }}}
        );
        {% endmacro %}
        """
    )

    def __init__(
        self, *, regions: RegionRegistry | None = None, name: str = "Boundaries", control: bool = False
    ) -> None:
        super().__init__(name=name, overlay=False, control=control, show=True)
        self._name = "OfflineBasemap"
        self.data_json = _default_data_json() if regions is None else safe_json(basemap_data(regions))
        self.attribution_json = safe_json(ATTRIBUTION)

    @property
    def data_variable(self) -> str:
        """JavaScript variable holding the encoded boundaries (the offline minimap draws them)."""
        return f"{self.get_name()}_data"

    def render(self, **kwargs: Any) -> None:  # noqa: D102 - folium's render protocol
        add_inline_assets(self, "basemap.css", "basemap.js")
        super().render(**kwargs)
