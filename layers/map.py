"""Build the folium map of an event collection: one toggleable layer per category group."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry
from branca.element import Element
from shapely.geometry.base import BaseGeometry

from conflictmap.categories import CategoryRegistry, default_registry
from conflictmap.errors import SchemaError
from conflictmap.schema import COLUMNS
from layers.element import EventGeoJson, EventScript
from layers.popup import popup_record
from layers.styles import area_style, category_styles

__all__ = ["event_layer", "event_map"]

_COORD_DECIMALS = 5  # about 1 m: enough for a map, and keeps the page small


def event_map(
    events: gpd.GeoDataFrame,
    *,
    title: str | None = None,
    tiles: str | None = "OpenStreetMap",
    registry: CategoryRegistry | None = None,
    outlines: Sequence[tuple[str, BaseGeometry]] = (),
) -> folium.Map:
    """Draw located events on a folium map.

    Each layer of the category registry that has events becomes a ``FeatureGroup`` in the
    ``LayerControl``: point events as category markers, region- and country-level events as
    translucent polygons with a marker at their label point. The view fits the events.

    Parameters
    ----------
    events
        An event collection; unlocated events are left out of the map (and counted in the
        subtitle).
    title
        Title shown at the top; the subtitle gives the date range and counts.
    tiles
        A folium tile name, or None for no basemap.
    registry
        Category registry; the shipped one by default.
    outlines
        ``(label, polygon)`` pairs drawn as dashed outlines under the events, e.g. the regions
        the events were filtered to; the view then fits them too.

    Returns
    -------
    folium.Map
    """
    _check_events(events)
    registry = registry or default_registry()
    fmap = folium.Map(tiles=tiles, control_scale=True, prefer_canvas=False)
    fmap.add_child(EventScript())
    located = events[events["located"]]
    slots = _slots(located)
    for layer_name in registry.layers:
        members = located[located["category"].map(registry.layer_of) == layer_name]
        if len(members):
            fmap.add_child(event_layer(members, name=layer_name, registry=registry, slots=slots))
    if outlines:
        fmap.add_child(_outline_layer(outlines))
    folium.LayerControl(collapsed=False).add_to(fmap)
    _fit(fmap, located, [geom for _, geom in outlines])
    fmap.get_root().html.add_child(Element(_title_html(events, title)), name="cm_title")
    fmap.get_root().html.add_child(Element(_legend_html(located, registry)), name="cm_legend")
    return fmap


def event_layer(
    events: gpd.GeoDataFrame,
    *,
    name: str,
    registry: CategoryRegistry,
    slots: pd.DataFrame | None = None,
    show: bool = True,
) -> folium.FeatureGroup:
    """Return one toggleable layer drawing ``events``.

    Parameters
    ----------
    events
        Located events of this layer.
    name
        Name shown in the LayerControl.
    registry
        Category registry, for labels and styles.
    slots
        ``slot``/``slots`` columns indexed like ``events``, placing markers that share a point
        side by side; computed from ``events`` when None.
    show
        Whether the layer is on when the map opens.
    """
    slots = _slots(events) if slots is None else slots
    group = folium.FeatureGroup(name=name, show=show)
    styles = category_styles(registry)
    group.add_child(EventGeoJson(_features(events, registry, slots), styles=styles))
    return group


def _check_events(events: gpd.GeoDataFrame) -> None:
    if not isinstance(events, gpd.GeoDataFrame):
        msg = f"event_map expects a GeoDataFrame, got {type(events).__name__}"
        raise TypeError(msg)
    missing = [c for c in COLUMNS if c not in events.columns]
    if missing:
        msg = f"not an event collection: missing columns {', '.join(missing)}"
        raise SchemaError(msg)
    if events.crs is not None and events.crs.to_epsg() != 4326:
        msg = f"events must be in EPSG:4326, not {events.crs}; call .to_crs('EPSG:4326')"
        raise SchemaError(msg)


def _features(events: gpd.GeoDataFrame, registry: CategoryRegistry, slots: pd.DataFrame) -> dict[str, Any]:
    features: list[dict[str, Any]] = []
    geoms = shapely.transform(events.geometry.to_numpy(), lambda xy: np.round(xy, _COORD_DECIMALS))
    for (index, row), geom in zip(events.iterrows(), geoms, strict=True):
        category = row["category"]
        props = {
            "category": category,
            "info": popup_record(row, label=registry[category].label),
            "slot": int(slots.at[index, "slot"]),
            "slots": int(slots.at[index, "slots"]),
        }
        if geom.geom_type != "Point":
            area = area_style(
                color=registry[category].color, geo_precision=_int_or_none(row["geo_precision"])
            )
            features.append(
                {
                    "type": "Feature",
                    "properties": {**props, "area": area},
                    "geometry": shapely.geometry.mapping(geom),
                }
            )
            geom = _anchor(geom)
        features.append({"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)})
    return {"type": "FeatureCollection", "features": features}


def _anchor(geom: shapely.Geometry) -> shapely.Geometry:
    point = geom.representative_point()
    return shapely.Point(round(point.x, _COORD_DECIMALS), round(point.y, _COORD_DECIMALS))


def _slots(events: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return, per event, its place among the events sharing its marker position."""
    anchors = events.geometry.map(lambda g: _anchor(g).wkt if g is not None else "")
    slot = anchors.groupby(anchors).cumcount()
    count = anchors.map(anchors.value_counts())
    return pd.DataFrame({"slot": slot, "slots": count}, index=events.index)


def _int_or_none(value: object) -> int | None:
    return None if pd.isna(value) else int(value)  # type: ignore[arg-type]


def _outline_layer(outlines: Sequence[tuple[str, BaseGeometry]]) -> folium.FeatureGroup:
    """Draw the filter areas as dashed, unfilled, non-interactive outlines in a layer of their own."""
    labels = " or ".join(label for label, _ in outlines)
    # LayerControl inserts layer names as HTML.
    group = folium.FeatureGroup(name=html.escape(f"Area: {labels}"), control=True, show=True)
    for _, geom in outlines:
        # ~100 m is invisible at the zooms a region is viewed at and keeps the page small.
        shape = shapely.simplify(geom, 0.001, preserve_topology=True)
        folium.GeoJson(
            shapely.geometry.mapping(shape),
            style_function=lambda _f: {"color": "#333333", "weight": 2, "dashArray": "6 4", "fill": False},
            interactive=False,
        ).add_to(group)
    return group


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
    # Leave room for the title box above, the legend at the bottom right and the marker pins,
    # which stand 42 px above their point, so that no marker opens hidden under either.
    fmap.fit_bounds(
        [[south, west], [north, east]], padding_top_left=(50, 115), padding_bottom_right=(240, 30)
    )


def _title_html(events: gpd.GeoDataFrame, title: str | None) -> str:
    n, located = len(events), int(events["located"].sum())
    sources = events["source"].dropna().nunique()
    if n:
        first = events["event_date"].min()
        last = events["date_end"].fillna(events["event_date"]).max()
        span = f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
    else:
        span = "no events"
    parts = [span, f"{n} event{'s' * (n != 1)}", f"{sources} source{'s' * (sources != 1)}"]
    if located < n:
        parts.append(f"{n - located} not located, not drawn")
    heading = html.escape(title or "Conflict events")
    return f'<div class="cm-title"><h1>{heading}</h1><p>{html.escape(" · ".join(parts))}</p></div>'


def _legend_html(located: gpd.GeoDataFrame, registry: CategoryRegistry) -> str:
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
                f'style="background:{cat.color}"><i class="fa fa-{html.escape(cat.icon)}"></i>'
                f"</span>{html.escape(cat.label)} <b>{int(counts[key])}</b></li>"
            )
        rows.append("</ul>")
    areas = located.geometry.geom_type.ne("Point").any()
    if areas:
        rows.append(
            '<h2>Location</h2><ul><li><span class="cm-area" style="background:'
            'rgba(120,120,120,.25)"></span>region-level (shaded area)</li>'
            '<li><span class="cm-area" style="border-style:dashed"></span>'
            "country-level (outline)</li></ul>"
        )
    return f'<div class="cm-legend">{"".join(rows)}</div>' if rows else ""
