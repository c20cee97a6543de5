"""Map controls: fullscreen, minimap, scale bar and a search box for the map's places.

The minimap follows the basemap: with tiles it shows the same tiles; with the offline basemap
it draws the embedded country boundaries (no tile request); with no basemap there is no
minimap, since there is nothing to locate the view against.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import folium.plugins
from branca.element import MacroElement
from jinja2 import Template

from conflictmap.errors import ConfigurationError
from layers.assets import MINIMAP, add_vendored
from layers.element import safe_json
from layers.inline import add_inline_assets
from layers.literal import Fullscreen, LiteralMacroElement, MiniMap, TileLayer
from layers.offline_basemap import OfflineBasemap

__all__ = ["PlaceSearch", "VectorMiniMap", "add_controls", "minimap_for", "search_entry"]

_MINIMAP = {"position": "bottomright", "width": 150, "height": 150, "zoom_level_offset": -5}


def add_controls(
    fmap: folium.Map,
    *,
    basemap: folium.TileLayer | OfflineBasemap | None,
    places: Sequence[Mapping[str, Any]] = (),
    fullscreen: bool = True,
    minimap: bool = True,
) -> None:
    """Add the scale bar, fullscreen button, minimap and place search to a map.

    Parameters
    ----------
    fmap
        The map, with its basemap already added.
    basemap
        What :func:`layers.basemaps.add_basemap` returned; decides the minimap.
    places
        Entries of the place search (see :class:`PlaceSearch`); no search box when empty.
    fullscreen
        Add a fullscreen button (top left, under the zoom buttons).
    minimap
        Add a minimap (bottom right), unless there is no basemap.
    """
    fmap.control_scale = True  # folium's Map template adds L.control.scale() when set
    if fullscreen:
        Fullscreen(position="topleft", title="Full screen", title_cancel="Exit full screen").add_to(fmap)
    mini = minimap_for(basemap) if minimap else None
    if mini is not None:
        fmap.add_child(mini)
    if places:
        fmap.add_child(PlaceSearch(places))


def minimap_for(basemap: folium.TileLayer | OfflineBasemap | None) -> MacroElement | None:
    """Return a minimap matching the basemap, or None when there is no basemap.

    Parameters
    ----------
    basemap
        A tile layer (the minimap shows the same tiles), an :class:`OfflineBasemap` (it draws
        its countries, no tiles) or None.
    """
    if basemap is None:
        return None
    if isinstance(basemap, OfflineBasemap):
        return VectorMiniMap(basemap)
    if isinstance(basemap, folium.TileLayer):
        tiles = TileLayer(
            tiles=basemap.tiles,
            attr=basemap.options.get("attribution"),
            subdomains=basemap.options.get("subdomains", "abc"),
            control=False,
        )
        return MiniMap(tile_layer=tiles, **_MINIMAP)
    msg = f"basemap must be a folium.TileLayer, an OfflineBasemap or None, not {type(basemap).__name__}"
    raise TypeError(msg)


class VectorMiniMap(LiteralMacroElement):
    """Leaflet-MiniMap showing the offline basemap's countries instead of tiles.

    Parameters
    ----------
    basemap
        The offline basemap of the same map; it must be added to the map before this control.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = new L.Control.MiniMap(
            window.conflictmapBasemap.miniLayer({{ this.basemap.data_variable }}),
            {{ this.options_json }}
        );
        {{ this._parent.get_name() }}.addControl({{ this.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, basemap: OfflineBasemap) -> None:
        super().__init__()
        self._name = "VectorMiniMap"
        self.basemap = basemap
        self.options_json = safe_json(
            {"position": "bottomright", "width": 150, "height": 150, "zoomLevelOffset": -5}
        )

    def render(self, **kwargs: Any) -> None:  # noqa: D102 - folium's render protocol
        parent = self._parent
        order = list(getattr(parent, "_children", {}).values())
        if self.basemap not in order or order.index(self.basemap) > order.index(self):
            msg = "add the OfflineBasemap to the map before its VectorMiniMap"
            raise TypeError(msg)
        add_vendored(self, *MINIMAP)
        super().render(**kwargs)


def search_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """Validate one place-search entry and return it in the form the page uses.

    Parameters
    ----------
    entry
        ``{"name": str, "bounds": [[south, west], [north, east]]}`` or
        ``{"name": str, "lat": float, "lon": float}``; an optional ``"kind"`` (``"province"``,
        ``"place"``, ...) is shown beside the name.

    Returns
    -------
    dict
        ``name``, ``kind`` and either ``bounds`` or ``point`` (``[lat, lon]``).

    Raises
    ------
    TypeError
        When the entry is not a mapping or its name is not a string.
    ConfigurationError
        When it has neither bounds nor lat/lon, or coordinates out of range.
    """
    if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
        msg = f"a place-search entry is a mapping with a string 'name', not {entry!r}"
        raise TypeError(msg)
    name = entry["name"].strip()
    out: dict[str, Any] = {"name": name, "kind": str(entry.get("kind") or "")}
    if not name:
        raise ConfigurationError("a place-search entry has an empty name")
    if entry.get("bounds") is not None:
        try:
            (south, west), (north, east) = entry["bounds"]
            south, west, north, east = (float(v) for v in (south, west, north, east))
        except (TypeError, ValueError):
            raise ConfigurationError(
                f"place {name!r}: bounds must be [[south, west], [north, east]]"
            ) from None
        _check_point(name, south, west)
        _check_point(name, north, east)
        if south > north or west > east:
            raise ConfigurationError(
                f"place {name!r}: bounds {entry['bounds']!r} are not [[south, west], [north, east]]"
            )
        out["bounds"] = [[south, west], [north, east]]
    elif entry.get("lat") is not None and entry.get("lon") is not None:
        lat, lon = float(entry["lat"]), float(entry["lon"])
        _check_point(name, lat, lon)
        out["point"] = [lat, lon]
    else:
        raise ConfigurationError(f"place {name!r} needs 'bounds' or 'lat' and 'lon'")
    return out


def _check_point(name: str, lat: float, lon: float) -> None:
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ConfigurationError(f"place {name!r}: ({lat}, {lon}) is not a latitude and longitude")


class PlaceSearch(LiteralMacroElement):
    """A search box that lists matching places as you type and moves the map to the one picked.

    Matching ignores case and accents and finds words anywhere in the name. The list is built
    with ``textContent`` and works with the keyboard (arrows, Enter, Escape). Our own control:
    no plugin, nothing fetched.

    Parameters
    ----------
    entries
        Places, see :func:`search_entry`; duplicates (same name and kind) are dropped.
    position
        Leaflet control position.
    placeholder
        Text shown in the empty box.
    max_zoom
        Zoom the map flies to for a point, and the most it zooms in to fit bounds.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = window.conflictmapSearch.control(
            {{ this.entries_json }}, {{ this.options_json }}
        ).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        entries: Sequence[Mapping[str, Any]],
        *,
        position: str = "topleft",
        placeholder: str = "Find a place…",
        max_zoom: int = 10,
    ) -> None:
        super().__init__()
        self._name = "PlaceSearch"
        checked = [search_entry(e) for e in entries]
        unique: dict[tuple[str, str], dict[str, Any]] = {}
        for entry in checked:
            unique.setdefault((entry["name"], entry["kind"]), entry)
        self.entries = list(unique.values())
        self.entries_json = safe_json(self.entries)
        self.options_json = safe_json({"position": position, "placeholder": placeholder, "maxZoom": max_zoom})

    def render(self, **kwargs: Any) -> None:  # noqa: D102 - folium's render protocol
        add_inline_assets(self, "search.css", "search.js")
        super().render(**kwargs)
