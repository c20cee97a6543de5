"""Events per admin-1 unit (province, governorate) as a toggleable choropleth layer.

Each located event is placed in the admin-1 unit that contains its representative point
(vectorised with an STRtree over the shipped polygons). An area event is placed only when at
least half of it lies in that unit: a country-wide or multi-province event belongs to no single
province. An event whose source names its country (ACLED, UCDP) and whose point falls just
across that country's border (within :data:`BORDER_KM`: the 1:10m admin-1 lines stray that far
from the true border, and border towns such as Tell Abiad or Khuzaa fall on the wrong side) is
placed in the nearest unit of its own country. A country the shipped data divides into no
admin-1 units is divided by its territories (Palestine: the Gaza Strip and the West Bank, as
ACLED's admin1 does). Nothing is dropped silently: :func:`event_units` gives each event's unit
or the reason it has none, and the layer's legend says how many events were not counted.
"""

from __future__ import annotations

import html
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry
from branca.element import MacroElement
from jinja2 import Template

from conflictmap.errors import SchemaError
from geo.gazetteer import distance_km
from geo.regions import Region, RegionRegistry, default_regions
from layers.classes import ZERO_COLOR, class_breaks, class_colors, class_labels
from layers.element import safe_json
from layers.inline import add_inline_assets
from layers.literal import FeatureGroup, LiteralMacroElement

__all__ = ["BORDER_KM", "UNCOUNTED", "counting_units", "event_units", "region_counts", "region_counts_layer"]

UNCOUNTED = {
    "not located": "not located",
    "outside": "outside any province",
    "no provinces": "in countries without shipped provinces",
    "spans": "spanning several provinces or a whole country",
}
_MIN_SHARE = 0.5  # an area event counts in a unit holding at least this share of its area
BORDER_KM = 10.0  # how far across its own country's border an event is still placed in that country
_SIMPLIFY = 0.005  # degrees; about 500 m
_DECIMALS = 4


def event_units(events: gpd.GeoDataFrame, *, regions: RegionRegistry | None = None) -> pd.DataFrame:
    """Place each event in an admin-1 unit.

    Parameters
    ----------
    events
        An event collection (``located`` and ``geometry`` columns), EPSG:4326.
    regions
        Region registry; the shipped regions by default.

    Returns
    -------
    pandas.DataFrame
        Indexed like `events`: ``region_id`` (None when not counted) and ``reason`` (None when
        counted, else a key of :data:`UNCOUNTED`).
    """
    _check(events)
    units = counting_units(regions or default_regions())
    region_id = np.full(len(events), None, dtype=object)
    reason = np.full(len(events), "not located", dtype=object)
    geoms = events.geometry.to_numpy()
    located = np.flatnonzero(events["located"].to_numpy(dtype=bool) & ~shapely.is_missing(geoms))
    located = located[~shapely.is_empty(geoms[located])]
    reason[located] = "outside"
    if len(located) and units:
        unit_geoms = np.array([u.geometry for u in units], dtype=object)
        # Many events name the same region: place each distinct geometry once.
        codes, uniques = pd.factorize(shapely.to_wkb(geoms[located]))
        shapes = shapely.from_wkb(np.asarray(uniques, dtype=object))
        # Units query a tree of the points, not the other way round: shapely prepares the query
        # geometries, and a prepared province tests 100,000 points four times faster.
        anchors = shapes.copy()
        areal = shapely.get_type_id(shapes) != 0  # a point is its own anchor
        anchors[areal] = shapely.point_on_surface(shapes[areal])
        unit, hit = shapely.STRtree(anchors).query(unit_geoms, predicate="intersects")
        order = np.lexsort((unit, hit))
        unit, hit = unit[order], hit[order]
        first = np.unique(hit, return_index=True)[1]  # a point on a shared border: first unit
        hit, unit = hit[first], unit[first]
        share = _area_share(shapes[hit], unit_geoms[unit])
        shape_unit = np.full(len(shapes), None, dtype=object)
        shape_reason = np.full(len(shapes), "outside", dtype=object)
        counted = share >= _MIN_SHARE
        shape_unit[hit[counted]] = [units[u].region_id for u in unit[counted]]
        shape_reason[hit] = np.where(counted, None, "spans")
        region_id[located] = shape_unit[codes]
        reason[located] = shape_reason[codes]
        if "country" in events.columns:
            _own_country(events["country"], located, codes, anchors, region_id, reason, units)
    frame = pd.DataFrame({"region_id": region_id, "reason": reason}, index=events.index)
    return frame.astype("str")  # missing (counted, or not placed) as NA


def counting_units(regions: RegionRegistry) -> list[Region]:
    """Return the units events are counted in.

    The admin-1 units, and the territories of a country that has none (its areas that are not
    composites: the Gaza Strip and the West Bank).
    """
    units = [r for r in regions if r.kind == "admin1"]
    divided = {r.country for r in units}
    return units + [
        r for r in regions if r.kind == "area" and r.country and not r.members and r.country not in divided
    ]


def _own_country(
    country: pd.Series,
    located: np.ndarray,
    codes: np.ndarray,
    anchors: np.ndarray,
    region_id: np.ndarray,
    reason: np.ndarray,
    units: list[Region],
) -> None:
    """Move events placed outside the country their source names into its nearest unit nearby.

    Only events whose country has units, placed in another country's unit or in none (not the
    area events that span several units), and only within :data:`BORDER_KM` of that unit. An
    event outside every unit whose country has none gets the reason ``"no provinces"``.
    """
    unit_country = {u.region_id: u.country for u in units}
    own = country.astype(object).to_numpy(dtype=object)[located]
    placed = pd.Series(region_id[located], dtype=object).map(unit_country).to_numpy(dtype=object)
    has_units = pd.Series(own, dtype=object).isin(set(unit_country.values())).to_numpy()
    outside = pd.Series(reason[located], dtype=object)
    movable = has_units & (placed != own) & outside.isin([None, "outside"]).to_numpy()
    # An event of a country the shipped boundaries do not divide (Yemen) is said apart.
    reason[located[~has_units & pd.notna(own) & (outside == "outside").to_numpy()]] = "no provinces"
    if not movable.any():
        return
    by_country: dict[str, list[Region]] = {}
    for u in units:
        by_country.setdefault(u.country, []).append(u)
    moved: dict[tuple[int, str], str | None] = {}
    for k in np.flatnonzero(movable).tolist():
        key = (int(codes[k]), own[k])
        if key not in moved:
            moved[key] = _nearest_unit(anchors[key[0]], by_country[own[k]])
        if moved[key] is not None:
            region_id[located[k]], reason[located[k]] = moved[key], None


def _nearest_unit(point: shapely.Geometry, units: list[Region]) -> str | None:
    """Return the unit nearest a point when it lies within :data:`BORDER_KM` (great circle), else None."""
    lines = shapely.shortest_line(point, np.array([u.geometry for u in units], dtype=object))
    ends = zip(
        shapely.get_coordinates(shapely.get_point(lines, 0)),
        shapely.get_coordinates(shapely.get_point(lines, 1)),
        strict=True,
    )
    km = [distance_km(a[1], a[0], b[1], b[0]) for a, b in ends]
    best = int(np.argmin(km))
    return units[best].region_id if km[best] <= BORDER_KM else None


def _area_share(geoms: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Share of each event's area inside its unit (1.0 for points and lines)."""
    share = np.ones(len(geoms))
    areal = shapely.area(geoms) > 0
    if areal.any():
        inside = shapely.area(shapely.intersection(geoms[areal], units[areal]))
        share[areal] = inside / shapely.area(geoms[areal])
    return share


def region_counts(events: gpd.GeoDataFrame, *, regions: RegionRegistry | None = None) -> pd.DataFrame:
    """Count events per admin-1 unit.

    Parameters
    ----------
    events
        An event collection.
    regions
        Region registry; the shipped regions by default.

    Returns
    -------
    pandas.DataFrame
        One row per unit with at least one event, most events first (then by name):
        ``region_id``, ``name``, ``country``, ``events``. Events not counted are in
        :func:`event_units`.

    Examples
    --------
    >>> region_counts(events).head(2)  # doctest: +SKIP
      region_id         name country  events
    0     SY-SU  As-Suwayda      SY      12
    1     SY-QU     Quneitra      SY       7
    """
    regions = regions or default_regions()
    counts = event_units(events, regions=regions)["region_id"].dropna().value_counts()
    rows = [
        {"region_id": rid, "name": regions[rid].name, "country": regions[rid].country, "events": int(n)}
        for rid, n in counts.items()
    ]
    frame = pd.DataFrame(rows, columns=["region_id", "name", "country", "events"])
    frame = frame.astype({"region_id": "str", "name": "str", "country": "str", "events": "int64"})
    return frame.sort_values(["events", "name"], ascending=[False, True], ignore_index=True)


def region_counts_layer(
    events: gpd.GeoDataFrame,
    *,
    regions: RegionRegistry | None = None,
    name: str = "Events per province",
    show: bool = False,
    include_zero: bool = True,
    store: MacroElement | None = None,
    units: pd.DataFrame | None = None,
) -> folium.FeatureGroup:
    """Return a toggleable choropleth of the number of events per admin-1 unit.

    Parameters
    ----------
    events
        An event collection.
    regions
        Region registry; the shipped regions by default.
    name
        Name in the LayerControl (escaped: folium inserts it as HTML).
    show
        Whether the layer is on when the map opens.
    include_zero
        Also draw, in a neutral grey, the units without events of the countries that have some.
    store
        The map's :class:`layers.element.EventStore` holding the same events with their unit
        ids (``unit`` in :func:`layers.payload.build_payload`): the counts then follow the time
        control, keeping the class breaks of all events so that a colour means the same count
        throughout.
    units
        :func:`event_units` of ``events``, when the caller has it already.

    Returns
    -------
    folium.FeatureGroup
        Polygons with tooltips ("As-Suwayda: 12 events") and a legend shown while the layer is on.
    """
    regions = regions or default_regions()
    units = event_units(events, regions=regions) if units is None else units
    counts = units["region_id"].dropna().value_counts()
    breaks = class_breaks(counts.to_numpy())
    colors = class_colors(len(breaks))
    features = [_feature(regions[rid], int(n), _color(int(n), breaks, colors)) for rid, n in counts.items()]
    if include_zero:
        countries = {regions[rid].country for rid in counts.index}
        features += [
            _feature(r, 0, ZERO_COLOR)
            for r in counting_units(regions)
            if r.country in countries and r.region_id not in counts.index
        ]
    legend = {
        "title": name,
        "rows": [[c, label] for c, label in zip(colors, class_labels(breaks), strict=True)],
        "zero": ZERO_COLOR if include_zero and features else None,
        "note": _uncounted_note(units["reason"]),
        "breaks": breaks,
        "colors": colors,
    }
    group = FeatureGroup(name=html.escape(name), overlay=True, show=show)
    group.add_child(
        ChoroplethGeoJson({"type": "FeatureCollection", "features": features}, legend=legend, store=store)
    )
    return group


def _feature(region: Region, count: int, color: str) -> dict[str, Any]:
    geom = shapely.simplify(region.geometry, _SIMPLIFY, preserve_topology=True)
    geom = shapely.set_precision(geom, 10**-_DECIMALS)
    noun = "event" if count == 1 else "events"
    style = {"fillColor": color, "fillOpacity": 0.75 if count else 0.45, "color": "#666666", "weight": 1}
    return {
        "type": "Feature",
        "properties": {
            "id": region.region_id,
            "name": region.name,
            "count": count,
            "tooltip": f"{region.name}: {count} {noun}",
        }
        | {"style": style},
        "geometry": shapely.geometry.mapping(geom),
    }


def _color(count: int, breaks: list[int], colors: list[str]) -> str:
    return colors[int(np.searchsorted(breaks, count))]


def _uncounted_note(reasons: pd.Series) -> str | None:
    tally = reasons.dropna().value_counts()
    parts = [f"{int(tally[key])} {text}" for key, text in UNCOUNTED.items() if tally.get(key, 0)]
    return f"Not counted: {'; '.join(parts)}" if parts else None


def _check(events: gpd.GeoDataFrame) -> None:
    if not isinstance(events, gpd.GeoDataFrame):
        msg = f"expected a GeoDataFrame of events, got {type(events).__name__}"
        raise TypeError(msg)
    missing = [c for c in ("located", "geometry") if c not in events.columns]
    if missing:
        raise SchemaError(f"not an event collection: missing columns {', '.join(missing)}")
    if events.crs is not None and events.crs.to_epsg() != 4326:
        raise SchemaError(f"events must be in EPSG:4326, not {events.crs}; call .to_crs('EPSG:4326')")


class ChoroplethGeoJson(LiteralMacroElement):
    """Styled polygons (style and tooltip in each feature's properties) and their legend.

    Parameters
    ----------
    features
        GeoJSON FeatureCollection; properties ``style`` (Leaflet path options) and ``tooltip``.
    legend
        ``title``, ``rows`` (``[color, label]`` pairs), ``zero`` (colour or None) and ``note``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = window.conflictmapChoropleth.layer(
            {{ this.data_json }}, {{ this.legend_json }}, {{ this._parent.get_name() }},
            {{ this.store.get_name() if this.store else "null" }}
        );
        {% endmacro %}
        """
    )

    def __init__(
        self, features: dict[str, Any], *, legend: dict[str, Any], store: MacroElement | None = None
    ) -> None:
        super().__init__()
        self._name = "ChoroplethGeoJson"
        self.store = store
        self.data_json = safe_json(features)
        self.legend_json = safe_json(legend)

    def render(self, **kwargs: Any) -> None:
        add_inline_assets(self, "choropleth.css", "choropleth.js")
        super().render(**kwargs)
