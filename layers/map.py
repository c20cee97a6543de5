"""Build the folium map of an event collection: one toggleable layer per category group.

The map carries its events once, as a compact columnar store (:mod:`layers.payload`); each
category group is a ``FeatureGroup`` drawing from it, as Leaflet markers when there are few
events and as canvas symbols when there are many, so that 100,000 events stay quick to write,
small and quick to draw. One time control drives every layer.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Literal

import folium
import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from conflictmap.attribution import boundary_credits, event_credits
from conflictmap.categories import CategoryRegistry, default_registry
from conflictmap.errors import ConfigurationError
from layers.assets import AssetMode, check_mode
from layers.cluster import ClusterScript
from layers.credits import Credits
from layers.element import EventGroup, EventLinks, EventScript, EventStore, Legend, StyledGeoJson, TimeSlider
from layers.icons import IconSprite, icon_shape
from layers.literal import FeatureGroup, FitBounds, LayerControl, Map, RawHtml
from layers.offline_basemap import OfflineBasemap
from layers.payload import build_payload
from layers.styles import PRECISION_RADIUS_M

__all__ = ["MARKER_LIMIT", "event_map"]

# The links layer is on when the map opens only when its lines can be told apart.
LINKS_SHOWN_MAX = 30
# A few events (at most _CORE_OUTLIERS, or 10% of them) farther than this from the bulk are
# left out of the opening view, which would otherwise shrink the conflict to a corner to fit,
# say, talks in Paris; the subtitle names them and the links lead to them.
_CORE_KM = 1500.0
_CORE_OUTLIERS = 5

# Up to this many located events, each is a Leaflet marker (a DOM node with its icon, easy to
# click and read by screen readers); beyond it, symbols are drawn on a canvas, which stays fast
# at 100,000 events where DOM markers would not.
MARKER_LIMIT = 1000

_PIN_ICON = "location-dot"  # the legend's key for an exact place, drawn as a marker

Renderer = Literal["auto", "markers", "canvas"]


def event_map(
    events: gpd.GeoDataFrame,
    *,
    title: str | None = None,
    tiles: str | None = "OpenStreetMap",
    registry: CategoryRegistry | None = None,
    outlines: Sequence[tuple[str, BaseGeometry]] = (),
    renderer: Renderer = "auto",
    links: bool = True,
    choropleth: bool = True,
    controls: bool = True,
    assets: AssetMode = "inline",
) -> folium.Map:
    """Draw events on a folium map.

    Each layer of the category registry that has events becomes a ``FeatureGroup`` in the
    ``LayerControl``. Location precision is drawn, not hidden: an exact place is a marker, a
    place known only roughly has a dashed circle, a region-level event shades its region with
    the marker at the region's label point, and a country-level event outlines the country. A
    time control (bottom left) shows events up to a date or in a moving window; the legend lists
    the categories present with their counts.

    Parameters
    ----------
    events
        An event collection, or any GeoDataFrame (read as :func:`conflictmap.to_events` reads
        it: a frame of places maps them, with its own columns in the popups), in any CRS
        (reprojected to EPSG:4326). Unlocated events are left out of the map (and counted in
        the subtitle); undated ones are drawn without a time control.
    title
        Title shown at the top; the subtitle gives the date range and counts.
    tiles
        ``"OpenStreetMap"`` (default), an xyzservices provider name (``"CartoDB.Positron"``),
        ``"offline"`` (a basemap drawn from the shipped boundaries, no network) or None/"none".
    registry
        Category registry; the shipped one by default.
    outlines
        ``(label, polygon)`` pairs drawn as dashed outlines under the events, e.g. the regions
        the events were filtered to; the view then fits them too.
    renderer
        ``"markers"``, ``"canvas"``, or ``"auto"``: markers up to :data:`MARKER_LIMIT` events.
    links
        Add the "Diplomatic links" layer (venue to the parties' capitals) when there are any.
    choropleth
        Add the toggleable layer of event counts per admin-1 unit (off when the map opens).
    controls
        Add fullscreen, minimap and place search.
    assets
        ``"inline"`` (default): Leaflet, its plugins, styles and icons are written into the
        page, which then makes no request but for basemap tiles (none with ``"offline"`` or no
        tiles), also when saved again with ``fmap.save()``. ``"cdn"``: a smaller page loading
        the same pinned libraries from jsDelivr (:mod:`layers.assets`).

    Returns
    -------
    folium.Map
    """
    from layers.basemaps import add_basemap
    from layers.choropleth import event_units, region_counts_layer
    from layers.controls import add_controls

    registry = registry or default_registry()
    events = _check_events(events, registry)
    if renderer not in ("auto", "markers", "canvas"):
        msg = f"renderer must be 'auto', 'markers' or 'canvas', not {renderer!r}"
        raise ValueError(msg)
    located = events[events["located"] & events.geometry.notna()]
    mode = renderer if renderer != "auto" else ("markers" if len(located) <= MARKER_LIMIT else "canvas")

    fmap = Map(tiles=None, control_scale=True, prefer_canvas=False, assets=check_mode(assets))
    basemap = add_basemap(fmap, tiles=tiles)
    fmap.add_child(EventScript())
    fmap.add_child(ClusterScript())
    units = event_units(located) if choropleth and len(located) else None
    payload = build_payload(
        located, registry=registry, mode=mode, units=None if units is None else units["region_id"]
    )
    store = EventStore(payload.data)
    fmap.add_child(store)
    if outlines:
        fmap.add_child(_outline_layer(outlines))
    if choropleth and len(located):
        fmap.add_child(region_counts_layer(located, show=False, store=store, units=units))
    fmap.add_child(IconSprite(_icons(located, registry, mode=mode)))
    present = set(located["category"].map(registry.layer_of))
    for index, layer_name in enumerate(registry.layers):
        if layer_name in present:
            # LayerControl inserts layer names as HTML; registry files are user input.
            group = FeatureGroup(name=html.escape(layer_name), show=True)
            group.add_child(EventGroup(store, index=index))
            fmap.add_child(group)
    if links and payload.n_links:
        group = FeatureGroup(name="Diplomatic links", show=payload.n_links <= LINKS_SHOWN_MAX)
        group.add_child(EventLinks(store, color=_links_color(registry)))
        fmap.add_child(group)
    LayerControl(collapsed=False).add_to(fmap)
    if controls:
        add_controls(fmap, basemap=basemap, places=payload.search)
    fmap.add_child(TimeSlider(store, control=bool(located["event_date"].notna().any())))
    core, remote = _core(located, payload.anchors)
    _fit(fmap, core, [geom for _, geom in outlines])
    fmap.get_root().html.add_child(RawHtml(_title_html(events, title, remote=remote)), name="cm_title")
    credits = event_credits(located)
    if not isinstance(basemap, OfflineBasemap) and (
        (choropleth and len(located)) or outlines or located.geometry.geom_type.ne("Point").any()
    ):
        credits += boundary_credits()  # the offline basemap credits its boundaries itself
    if credits:
        fmap.add_child(Credits(list(dict.fromkeys(credits))))
    legend = _legend_html(located, registry, links=links and payload.n_links > 0, mode=mode)
    if legend:
        fmap.add_child(Legend(legend))
    return fmap


def _check_events(events: gpd.GeoDataFrame, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    """Any GeoDataFrame in any CRS as events in EPSG:4326 (see :func:`conflictmap.frames.as_events`)."""
    from conflictmap.frames import as_events

    if not isinstance(events, gpd.GeoDataFrame):
        msg = f"event_map expects a GeoDataFrame, got {type(events).__name__}"
        raise TypeError(msg)
    return as_events(events, registry=registry)


def _icons(located: gpd.GeoDataFrame, registry: CategoryRegistry, *, mode: str) -> list[str]:
    """Icon names the page draws: those of the categories present, and the legend's pin."""
    names = []
    for key in located["category"].dropna().unique():
        try:
            icon_shape(registry[key].icon)
        except ConfigurationError as exc:
            raise ConfigurationError(f"category {key!r}: {exc}") from None
        names.append(registry[key].icon)
    return [*names, _PIN_ICON] if mode == "markers" and names else names


def _links_color(registry: CategoryRegistry) -> str:
    linking = [cat for cat in registry.categories.values() if cat.links]
    return linking[0].color if linking else "#38aadd"


def _outline_layer(outlines: Sequence[tuple[str, BaseGeometry]]) -> folium.FeatureGroup:
    """Draw the filter areas as dashed, unfilled, non-interactive outlines in a layer of their own."""
    labels = " or ".join(label for label, _ in outlines)
    # LayerControl inserts layer names as HTML.
    group = FeatureGroup(name=html.escape(f"Area: {labels}"), control=True, show=True)
    # ~100 m simplification is invisible at the zooms a region is seen at and keeps the page small.
    shapes = [shapely.simplify(geom, 0.001, preserve_topology=True) for _, geom in outlines]
    group.add_child(
        StyledGeoJson(
            {"type": "GeometryCollection", "geometries": [shapely.geometry.mapping(s) for s in shapes]},
            style={"color": "#333333", "weight": 2, "dashArray": "6 4", "fill": False},
        )
    )
    return group


def _core(located: gpd.GeoDataFrame, anchors: np.ndarray) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Split events into the bulk the opening view fits and the few far away from it.

    ``anchors`` are the events' marker points (:attr:`layers.payload.EventPayload.anchors`).
    """
    if len(located) < 4:
        return located, located.iloc[:0]
    xy = anchors
    lon, lat = np.radians(xy[:, 0]), np.radians(xy[:, 1])
    lon0, lat0 = np.median(lon), np.median(lat)
    # haversine distance to the median point
    a = np.sin((lat - lat0) / 2) ** 2 + np.cos(lat) * np.cos(lat0) * np.sin((lon - lon0) / 2) ** 2
    km = 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    far = km > _CORE_KM
    if not far.any() or far.sum() > max(_CORE_OUTLIERS, 0.1 * len(far)):
        return located, located.iloc[:0]
    return located[~far], located[far]


def _fit(fmap: folium.Map, located: gpd.GeoDataFrame, areas: Sequence[BaseGeometry] = ()) -> None:
    bounds = [located.total_bounds] if not located.empty else []
    bounds += [np.asarray(geom.bounds) for geom in areas]
    if not bounds:
        fmap.location, fmap.options["zoom"] = [20, 0], 2
        return
    stacked = np.vstack(bounds)
    west, south = stacked[:, 0].min(), stacked[:, 1].min()
    east, north = stacked[:, 2].max(), stacked[:, 3].max()
    if east - west < 0.05 and north - south < 0.05:
        fmap.location, fmap.options["zoom"] = [(south + north) / 2, (west + east) / 2], 11
        fmap.options["center"] = fmap.location
        return
    # Leave room for the title box above, the zoom buttons and place search at the left, the
    # legend at the right, the time control at the bottom left and the marker pins, which stand
    # 42 px above their point, so that no marker opens hidden under any of them. The opening
    # view is set at once, not animated: the page is ready (data-cm-ready) with its clusters drawn
    # for that view, not for the one before the zoom animation ends.
    fit = FitBounds(
        [[south, west], [north, east]], padding_top_left=(225, 115), padding_bottom_right=(240, 175)
    )
    fit.options["animate"] = False
    fmap.add_child(fit)


def _title_html(events: gpd.GeoDataFrame, title: str | None, *, remote: gpd.GeoDataFrame) -> str:
    n, located = len(events), int(events["located"].sum())
    sources = events["source"].dropna().nunique()
    if n and events["event_date"].isna().all():
        span = "undated"
    elif n:
        first = events["event_date"].min()
        last = events["date_end"].fillna(events["event_date"]).max()
        span = f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
    else:
        span = "no events"
    parts = [span, f"{n:,} event{'s' * (n != 1)}", f"{sources:,} source{'s' * (sources != 1)}"]
    if located < n:
        parts.append(f"{n - located:,} not located, not drawn")
    if len(remote):
        places = remote["place_name"].fillna(remote["location"]).dropna().value_counts().index[:3]
        where = f" ({', '.join(places)})" if len(places) else ""
        parts.append(f"{len(remote):,} farther away{where}: zoom out")
    heading = html.escape(title or "Conflict events")
    return f'<div class="cm-title"><h1>{heading}</h1><p>{html.escape(" · ".join(parts))}</p></div>'


def _icon_svg(name: str) -> str:
    return f'<svg class="cm-icon" aria-hidden="true"><use href="#cm-icon-{html.escape(name)}"/></svg>'


def _legend_html(located: gpd.GeoDataFrame, registry: CategoryRegistry, *, links: bool, mode: str) -> str:
    counts = located["category"].value_counts()
    rows = []
    for layer in registry.layers:
        present = [k for k in registry if registry.layer_of(k) == layer and counts.get(k, 0)]
        if not present:
            continue
        rows.append(f"<h2>{html.escape(layer)}</h2><ul>")
        for key in present:
            cat = registry[key]
            rows.append(
                f'<li data-category="{html.escape(key)}"><span class="cm-swatch" '
                f'style="background:{cat.color}">{_icon_svg(cat.icon)}'
                f"</span>{html.escape(cat.label)} <b>{int(counts[key]):,}</b></li>"
            )
        rows.append("</ul>")
    if not rows:
        return ""
    precision = located["geo_precision"].fillna(1).astype(int)
    point = located.geometry.geom_type.eq("Point")
    kinds = []
    if (point & (precision <= 1)).any():
        key = (
            '<span class="cm-key-pin">' + _icon_svg(_PIN_ICON) + "</span>"
            if mode == "markers"
            else '<span class="cm-key-point"></span>'
        )
        kinds.append(f'<li data-precision="1">{key}exact place</li>')
    for prec, words in ((2, "near a place"), (3, "region, at its centre")):
        if (point & (precision == prec)).any():
            km = PRECISION_RADIUS_M[prec] // 1000
            kinds.append(
                f'<li data-precision="{prec}"><span class="cm-key-circle"></span>'
                f"{words} (dashed circle, {km} km)</li>"
            )
    if (point & (precision >= 4)).any():
        kinds.append('<li data-precision="4"><span class="cm-key-point"></span>country, at its centre</li>')
    if (~point & (precision <= 3)).any():
        kinds.append('<li data-precision="3"><span class="cm-area"></span>region or province (shaded)</li>')
    if (~point & (precision >= 4)).any():
        kinds.append(
            '<li data-precision="4"><span class="cm-area cm-area-country"></span>'
            "country (dashed outline)</li>"
        )
    if links:
        kinds.append(
            '<li data-links><span class="cm-key-link"></span>venue to the parties\u2019 capitals</li>'
        )
    rows.append(f"<h2>Location</h2><ul>{''.join(kinds)}</ul>")
    return f'<div class="cm-legend">{"".join(rows)}</div>'
