"""The basemap under the events: web tiles by provider name, a basemap drawn offline, or none.

``--tiles`` takes a tile provider name as xyzservices knows it (``"OpenStreetMap"``,
``"Esri.WorldImagery"``, ``"opentopomap"``: case, spaces and dots do not matter), ``"offline"``
for country and province boundaries drawn from the shipped data with no network request at
all, or ``"none"``. :func:`check_tiles` validates a name early (the CLI calls it while parsing);
:func:`add_basemap` puts the basemap on a map.

>>> check_tiles("cartodb positron")  # doctest: +SKIP
ConfigurationError: tile provider 'CartoDB.Positron' needs an API key ...
"""

from __future__ import annotations

import difflib
import re

import folium
import xyzservices
import xyzservices.providers

from conflictmap.errors import ConfigurationError
from geo.regions import RegionRegistry
from layers.literal import TileLayer
from layers.offline_basemap import OfflineBasemap

__all__ = ["DEFAULT_TILES", "NONE", "OFFLINE", "add_basemap", "check_tiles", "tile_provider"]

DEFAULT_TILES = "OpenStreetMap"
OFFLINE = "offline"
NONE = "none"
_ALIASES = {"openstreetmap": "OpenStreetMap.Mapnik", "osm": "OpenStreetMap.Mapnik"}
_WEB_MERCATOR = {"EPSG3857", "EPSG:3857"}


def _key(name: str) -> str:
    """Fold a provider name the way xyzservices' ``query_name`` does: letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def check_tiles(name: str | None, *, api_key: str | None = None) -> str:
    """Validate a basemap name and return its canonical form.

    Parameters
    ----------
    name
        A tile provider name, ``"offline"``, ``"none"`` or None (no basemap).
    api_key
        Key for providers that require one (CARTO, Thunderforest, Stadia ...).

    Returns
    -------
    str
        ``"offline"``, ``"none"`` or the provider's xyzservices name (``"OpenStreetMap.Mapnik"``).

    Raises
    ------
    ConfigurationError
        For an unknown name (with the closest provider names), a provider that needs an API key
        when none is given, one marked broken, or one not in Web Mercator.
    """
    if name is None or _key(name) in {NONE, ""}:
        return NONE
    if _key(name) == OFFLINE:
        return OFFLINE
    return str(tile_provider(name, api_key=api_key).name)


def tile_provider(name: str, *, api_key: str | None = None) -> xyzservices.TileProvider:
    """Look up a tile provider by name in xyzservices.

    Parameters
    ----------
    name
        Provider name in any spelling ``query_name`` accepts; ``"OpenStreetMap"`` means the
        standard OpenStreetMap tiles (``OpenStreetMap.Mapnik``).
    api_key
        Fills the provider's key placeholder when it needs one. The key ends up in the HTML.

    Returns
    -------
    xyzservices.TileProvider
        A copy; the shared xyzservices record is not modified.

    Raises
    ------
    ConfigurationError
        See :func:`check_tiles`.
    """
    if not isinstance(name, str):
        msg = f"tile provider name must be a string, not {type(name).__name__}"
        raise TypeError(msg)
    try:
        provider = xyzservices.providers.query_name(_ALIASES.get(_key(name), name))
    except ValueError:
        msg = f"unknown tile provider {name!r}; {_suggest(name)}"
        raise ConfigurationError(msg) from None
    return _usable(provider, api_key=api_key)


def _usable(provider: xyzservices.TileProvider, *, api_key: str | None) -> xyzservices.TileProvider:
    if provider.get("status") == "broken":
        msg = f"tile provider {provider.name!r} is marked broken by xyzservices; choose another"
        raise ConfigurationError(msg)
    crs = str(provider.get("crs", "EPSG3857")).replace(".", "")
    if crs not in _WEB_MERCATOR:
        msg = f"tile provider {provider.name!r} uses the projection {crs}; the map needs EPSG:3857 tiles"
        raise ConfigurationError(msg)
    if not provider.requires_token():
        return provider(**{})  # a copy
    if not api_key:
        placeholders = [k for k, v in provider.items() if isinstance(v, str) and "<insert your" in v]
        msg = (
            f"tile provider {provider.name!r} needs an API key ({', '.join(placeholders)}); "
            f"pass one, or use a provider without a key such as 'OpenStreetMap', or 'offline'"
        )
        raise ConfigurationError(msg)
    filled = {k: api_key for k, v in provider.items() if isinstance(v, str) and "<insert your" in v}
    return provider(**filled)


def _suggest(name: str) -> str:
    """Name up to five providers close to `name` (by full name, and by the part after the dot)."""
    names = list(xyzservices.providers.flatten())
    by_key: dict[str, list[str]] = {}
    for full in names:
        for part in {full, full.rsplit(".", 1)[-1]}:
            by_key.setdefault(_key(part), []).append(full)
    wanted = _key(name)
    group = [full for full in names if _key(full).startswith(wanted)] if len(wanted) >= 3 else []
    close = difflib.get_close_matches(wanted, list(by_key), n=5, cutoff=0.6)
    found = list(dict.fromkeys([*group, *(full for k in close for full in by_key[k])]))[:5]
    hint = "use 'offline' or 'none' for no tiles; xyzservices.providers.flatten() lists the providers"
    return f"did you mean {', '.join(map(repr, found))}? ({hint})" if found else hint


def add_basemap(
    fmap: folium.Map,
    *,
    tiles: str | None,
    api_key: str | None = None,
    regions: RegionRegistry | None = None,
) -> folium.TileLayer | OfflineBasemap | None:
    """Add the basemap named `tiles` to a map made with ``folium.Map(tiles=None)``.

    Parameters
    ----------
    fmap
        The map; add the basemap before the event layers and before
        :func:`layers.controls.add_controls` (the minimap follows the basemap).
    tiles
        See :func:`check_tiles`.
    api_key
        For providers that require one.
    regions
        Boundaries of the offline basemap; the shipped regions by default.

    Returns
    -------
    folium.TileLayer or OfflineBasemap or None
        The basemap layer (not listed in the LayerControl), or None for ``"none"``.

    Raises
    ------
    ConfigurationError
        See :func:`check_tiles`.
    """
    canonical = check_tiles(tiles, api_key=api_key)
    if canonical == NONE:
        return None
    if canonical == OFFLINE:
        layer: folium.TileLayer | OfflineBasemap = OfflineBasemap(regions=regions)
    else:
        provider = tile_provider(canonical, api_key=api_key)
        # folium takes the URL, attribution (HTML, from xyzservices), zoom range and
        # subdomains from the provider record.
        layer = TileLayer(tiles=provider, name=str(provider.name), control=False)
    fmap.add_child(layer)
    return layer
