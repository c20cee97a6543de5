"""The compact, columnar form in which a map carries its events to the browser.

One JSON object per map holds every located event as parallel arrays (coordinates as integers,
category and area as indices, dates as day numbers) and each text field dictionary-encoded when
its values repeat. The browser builds markers, canvas symbols, popups and the time control from
it (``events.js``); popups are assembled only when opened. Built with vectorised pandas, so a map
of 100,000 events is written in about a second, and no per-event Python object is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from conflictmap.categories import CategoryRegistry
from conflictmap.countries import country_by_code, state_of_actor
from geo.gazetteer import distance_km
from layers.popup import describe_when, safe_urls
from layers.styles import (
    AREA_BY_PRECISION,
    PRECISION_RADIUS_M,
    PRECISION_WORDS,
    TIME_PRECISION_WORDS,
    category_styles,
)

__all__ = ["COORD_SCALE", "EventPayload", "build_payload"]

COORD_SCALE = 100_000  # coordinates travel as integers of 1e-5 degree (about 1 m)
_AREA_SIMPLIFY = 0.002  # degrees (~200 m): invisible at the zoom a region is looked at
_EPOCH = np.datetime64("1970-01-01", "D")
# A link is drawn only when the venue is away from the capital: a meeting held in Damascus needs
# no line to Damascus.
_LINK_MIN_KM = 30.0


@dataclass(frozen=True)
class EventPayload:
    """What :func:`build_payload` returns: the JSON-ready dict and facts the map needs."""

    data: dict[str, Any]
    n_events: int
    n_links: int
    search: list[dict[str, Any]]
    anchors: np.ndarray  # (lon, lat) of each event's marker, in the order of the events given


def build_payload(
    events: gpd.GeoDataFrame, *, registry: CategoryRegistry, mode: str, units: pd.Series | None = None
) -> EventPayload:
    """Encode located events for the browser.

    Parameters
    ----------
    events
        Located events (non-null geometry), EPSG:4326, in the model's columns.
    registry
        Category registry: order of categories, their layers, styles and ``links`` flags.
    mode
        ``"markers"`` (one Leaflet marker per event) or ``"canvas"`` (symbols drawn on a canvas).
    units
        Admin-1 unit id of each event (indexed like ``events``; NA when it has none), for the
        choropleth to recount what the time control shows (see :mod:`layers.choropleth`).

    Returns
    -------
    EventPayload
    """
    # Oldest first: the canvas draws in this order, so the newest events end up on top.
    order = np.argsort(events["event_date"].to_numpy(), kind="stable")
    events = events.iloc[order].reset_index(drop=True)
    n = len(events)
    keys = list(registry.categories)
    groups = list(registry.layers)
    cat_index = pd.Categorical(events["category"], categories=keys).codes.astype(np.int16)
    fallback = keys.index("other")
    cat_index = np.where(cat_index < 0, fallback, cat_index)

    areas, area_index, anchors = _areas(events)
    x0, y0 = _origin(anchors)
    start = _days(events["event_date"])
    end = _days(events["date_end"].fillna(events["event_date"]))
    precision = events["geo_precision"].fillna(0).astype(np.int8).to_numpy()

    data: dict[str, Any] = {
        "n": n,
        "mode": mode,
        "scale": COORD_SCALE,
        "x0": x0,
        "y0": y0,
        "x": np.rint(anchors[:, 0] * COORD_SCALE - x0).astype(np.int64).tolist(),
        "y": np.rint(anchors[:, 1] * COORD_SCALE - y0).astype(np.int64).tolist(),
        "cat": cat_index.tolist(),
        "t0": start.tolist(),
        "dt": np.maximum(end - start, 0).tolist(),
        "prec": precision.tolist(),
        "area": area_index.tolist(),
        "areas": areas,
        "categories": keys,
        "styles": category_styles(registry),
        "groups": groups,
        "catGroup": [groups.index(registry[k].layer) for k in keys],
        "text": _texts(events, start, end),
        "extra": _extras(events),
        "radius": {str(k): v for k, v in PRECISION_RADIUS_M.items()},
        "areaStyles": {str(k): v for k, v in AREA_BY_PRECISION.items()},
    }
    if units is not None:
        codes, ids = pd.factorize(units.iloc[order].reset_index(drop=True), use_na_sentinel=True)
        data["unit"], data["unitIds"] = codes.tolist(), [str(v) for v in ids]
    links = _links(events, anchors, registry)
    data["links"] = links
    given_order = np.empty_like(anchors)
    given_order[order] = anchors
    return EventPayload(
        data=data,
        n_events=n,
        n_links=len(links),
        search=_search(events, anchors, areas),
        anchors=given_order,
    )


def _days(dates: pd.Series) -> np.ndarray:
    """Day numbers since 1970; 0 for an undated event (drawn, with no time control, whatever the day)."""
    values = dates.to_numpy(dtype="datetime64[us]").astype("datetime64[D]")
    days = (values - _EPOCH).astype(np.int64)
    return np.where(np.isnat(values), 0, days)


def _origin(anchors: np.ndarray) -> tuple[int, int]:
    if not len(anchors):
        return 0, 0
    # Offsets from the south-west corner are shorter numbers than absolute coordinates.
    return int(np.floor(anchors[:, 0].min() * COORD_SCALE)), int(np.floor(anchors[:, 1].min() * COORD_SCALE))


def _areas(events: gpd.GeoDataFrame) -> tuple[list[dict[str, Any]], np.ndarray, np.ndarray]:
    """Return the distinct polygons (once each), each event's polygon index and its anchor point.

    A point event is its own anchor; an area event is anchored at its polygon's label point
    (inside the polygon, unlike the centroid of a crescent-shaped region).
    """
    geoms = events.geometry.to_numpy()
    is_point = shapely.get_type_id(geoms) == 0
    anchors = np.empty((len(geoms), 2))
    if is_point.any():
        anchors[is_point] = shapely.get_coordinates(geoms[is_point])
    area_index = np.full(len(geoms), -1, dtype=np.int64)
    areas: list[dict[str, Any]] = []
    if (~is_point).any():
        polys = geoms[~is_point]
        # Equal polygons (the same region named by many events) are drawn once.
        codes, uniques = pd.factorize(shapely.to_wkb(polys))
        shapes = shapely.from_wkb(np.asarray(uniques, dtype=object))
        labels = shapely.point_on_surface(shapes)
        area_index[~is_point] = codes
        anchors[~is_point] = shapely.get_coordinates(labels)[codes]
        names = events.loc[~is_point, "place_name"].fillna(events.loc[~is_point, "location"])
        precisions = events.loc[~is_point, "geo_precision"]
        first = pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy()
        simple = shapely.simplify(shapes, _AREA_SIMPLIFY, preserve_topology=True)
        simple = shapely.set_precision(simple, 1e-5)
        for i, shape in enumerate(simple):
            name = names.iloc[first[i]]
            prec = precisions.iloc[first[i]]
            areas.append(
                {
                    "name": name if isinstance(name, str) else None,
                    "prec": 3 if pd.isna(prec) else int(prec),
                    "geometry": shapely.geometry.mapping(shape),
                    "bounds": np.round(shapes[i].bounds, 5).tolist(),
                }
            )
    return areas, area_index, anchors


def _encode(values: pd.Series) -> Any:
    """Encode a text column compactly for the browser.

    Repeated values are dictionary-encoded (``{"v": values, "c": codes}``, -1 for none). Mostly
    distinct values that share prefixes, such as URLs of one outlet, are split at their last
    ``/`` into a dictionary-encoded prefix and the rest (``{"p": ..., "s": [...]}``). Otherwise a
    plain list, None for none.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if not len(uniques):
        return None
    if len(uniques) <= len(values) // 2:
        return {"v": [str(v) for v in uniques.tolist()], "c": codes.tolist()}
    text = values.astype("string")
    sample = text.dropna().iloc[:1000]
    if not len(sample) or sample.str.contains("/", regex=False).mean() <= 0.9:
        return values.astype(object).where(values.notna(), None).tolist()
    split = text.str.rpartition("/")
    prefix = (split[0] + split[1]).where(text.notna())
    if (split[1] == "/").mean() > 0.9 and prefix.nunique() <= len(values) // 10:
        return {"p": _encode(prefix), "s": split[2].astype(object).where(text.notna(), None).tolist()}
    return values.astype(object).where(values.notna(), None).tolist()


def _joined(*columns: pd.Series, sep: str) -> pd.Series:
    """Join the non-empty strings of several columns row-wise (vectorised)."""
    out = pd.Series("", index=columns[0].index, dtype=object)
    for column in columns:
        text = column.astype("string").fillna("")
        glue = np.where((out != "") & (text != ""), sep, "")
        out = out + glue + text
    return out.where(out != "")


def _texts(events: gpd.GeoDataFrame, start: np.ndarray, end: np.ndarray) -> dict[str, Any]:
    """Popup and tooltip strings, built once per distinct value, never per event in Python."""
    when_key = pd.DataFrame(
        {"s": start, "e": end, "p": events["time_precision"].to_numpy()}, index=events.index
    )
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(when_key))
    words = [
        describe_when(
            pd.Timestamp(_EPOCH + s),
            None if e == s else pd.Timestamp(_EPOCH + e),
            int(p),
        )
        for s, e, p in uniques
    ]
    when = pd.Series(np.asarray(words, dtype=object)[codes], index=events.index)
    undated = events["event_date"].isna().to_numpy()
    when = when.where(~undated, None)

    place = _joined(events["location"], events["admin1"], events["country"], sep=", ")
    resolved = events["place_name"].where(events["place_name"] != events["location"])
    precision = _map_unique(events["geo_precision"], lambda p: f"{PRECISION_WORDS[int(p)]} ({int(p)})")
    time_precision = _map_unique(events["time_precision"], lambda p: TIME_PRECISION_WORDS[int(p)])
    actors = _joined(events["actor1"], events["actor2"], sep=" — ")
    fatalities = events["fatalities"].astype("Int64").astype("string")
    urls = safe_urls(events["source_url"])
    return {
        "kind": _encode(events["sub_event_type"]),
        "when": _encode(when),
        "place": _encode(place),
        "resolved": _encode(resolved),
        "precision": _encode(precision),
        "time_precision": _encode(time_precision),
        "actors": _encode(actors),
        "notes": _encode(events["notes"]),
        "fatalities": _encode(fatalities.astype(object).where(fatalities.notna())),
        "source": _encode(events["source"]),
        "url": _encode(urls),
        "id": _encode(events["event_id"]),
    }


# Extra columns shown in a popup at most (a frame may have hundreds).
EXTRA_COLUMNS_SHOWN = 40


def _extras(events: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return the frame's own columns (beyond the model's) as text for the popups: names and values.

    Only ever shown through ``textContent`` in the browser, so any text is safe.
    """
    from conflictmap.schema import COLUMNS

    names = [c for c in events.columns if c not in COLUMNS and c != events.geometry.name]
    names = names[:EXTRA_COLUMNS_SHOWN]
    values = []
    for name in names:
        column = events[name]
        text = column.astype("string") if not isinstance(column.dtype, pd.StringDtype) else column
        values.append(_encode(text.astype(object).where(column.notna(), None)))
    return {"names": [str(n) for n in names], "values": values}


def _links(events: gpd.GeoDataFrame, anchors: np.ndarray, registry: CategoryRegistry) -> list[dict[str, Any]]:
    """Lines from a diplomatic venue to the capitals of the states among its actors.

    One line per (venue, capital), listing the events it stands for, so that it shows while any
    of them is visible in time.
    """
    linking = [k for k, cat in registry.categories.items() if cat.links]
    eligible = (
        events["category"].isin(linking).to_numpy() & (events["geo_precision"].fillna(1) <= 2).to_numpy()
    )
    if not eligible.any():
        return []
    venues = events["place_name"].fillna(events["location"]).fillna("venue")
    countries = events["country"].to_numpy()
    parts = []
    for column in ("actor1", "actor2"):
        states = _map_unique(events[column], state_of_actor).to_numpy()
        # A state's own capital is linked only to venues abroad: talks in Paris link to Damascus,
        # a statement by Damascus about Daraa does not.
        rows = np.flatnonzero(eligible & pd.notna(states) & (states != countries))
        parts.append(pd.DataFrame({"row": rows, "state": states[rows]}))
    pairs = pd.concat(parts, ignore_index=True)
    pairs["venue"] = venues.to_numpy()[pairs["row"].to_numpy()]
    lines = []
    # One line per named venue and capital, from the venue's first event.
    for (venue, code), rows in pairs.groupby(["venue", "state"], sort=True)["row"]:
        country = country_by_code(code)
        if country is None or country.capital_lat is None or country.capital_lon is None:
            continue
        lon, lat = (round(float(v), 5) for v in anchors[rows.min()])
        if distance_km(lat, lon, country.capital_lat, country.capital_lon) < _LINK_MIN_KM:
            continue
        # Both ends named the same way, "place (country)": a venue in Washington and the capital
        # of the United States are then one name where their links leave the view.
        code_here = countries[rows.min()]
        home = country_by_code(code_here) if pd.notna(code_here) else None
        here = venue if home is None or venue == home.name else f"{venue} ({home.name})"
        there = f"{country.capital} ({country.name})"
        lines.append(
            {
                "from": [lat, lon],
                "to": [country.capital_lat, country.capital_lon],
                "label": f"{here} → {there}",
                # the names of its two ends, for the label where it leaves the view
                "ends": [here, there],
                "events": np.unique(rows.to_numpy()).tolist(),
            }
        )
    return lines


def _map_unique(values: pd.Series, func: Any) -> pd.Series:
    """Apply ``func`` once per distinct non-null value (most columns repeat a few values)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.asarray([func(v) for v in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=values.index)


def _search(
    events: gpd.GeoDataFrame, anchors: np.ndarray, areas: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Places on the map, for the search box: each drawn region, and each named point place."""
    entries: dict[str, dict[str, Any]] = {}
    for area in areas:
        if area["name"]:
            west, south, east, north = area["bounds"]
            entries.setdefault(area["name"], {"name": area["name"], "bounds": [[south, west], [north, east]]})
    names = events["place_name"].fillna(events["location"])
    points = shapely.get_type_id(events.geometry.to_numpy()) == 0
    frame = pd.DataFrame({"name": names, "lon": anchors[:, 0], "lat": anchors[:, 1]})[points]
    frame = frame.dropna(subset=["name"])
    counts = frame.groupby("name").size().sort_values(ascending=False)
    first = frame.groupby("name")[["lat", "lon"]].first()
    # The most reported places first; a search list of thousands helps nobody.
    for name in counts.index[:5000]:
        if name not in entries:
            lat, lon = first.loc[name]
            entries[name] = {"name": name, "lat": round(float(lat), 5), "lon": round(float(lon), 5)}
    return list(entries.values())
