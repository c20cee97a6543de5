"""A map of counts (:mod:`conflictmap.aggregate`): a choropleth per unit that follows the time control.

The counts travel as a small store, one row per unit and period weighing its number of
events, read by the same time control and choropleth script as the event map
(:mod:`layers.choropleth`): moving the slider recounts the units from the periods it shows,
with the class breaks of all periods, so that a colour means the same count at any date.
"""

from __future__ import annotations

import html
from typing import Any

import folium
import numpy as np
import pandas as pd
import shapely
import shapely.geometry

from conflictmap.aggregate import UNCOUNTED, Counts, parse_unit
from conflictmap.counts_io import unit_geometries
from layers.choropleth import ChoroplethGeoJson
from layers.classes import class_breaks, class_colors, class_labels
from layers.element import EventScript, EventStore, TimeSlider
from layers.literal import FeatureGroup, FitBounds, LayerControl, Map, RawHtml
from layers.payload import COORD_SCALE

__all__ = ["counts_map"]

_DECIMALS = 4
_UNIT_WORDS = {"admin1": "province", "country": "country", "hex": "hexagon"}


def counts_map(
    counts: Counts, *, title: str | None = None, tiles: str | None = "OpenStreetMap", note: str | None = None
) -> folium.Map:
    """Draw counts per unit (and period) as a choropleth.

    Parameters
    ----------
    counts
        Counts of :func:`conflictmap.aggregate.aggregate_events` (or read back with
        :func:`conflictmap.counts_io.read_counts`).
    title
        Title at the top; the subtitle gives what was counted, the periods and the totals.
    tiles
        Basemap, as for :func:`layers.event_map`.
    note
        An extra line under the subtitle (e.g. why counts are drawn instead of events).

    Returns
    -------
    folium.Map
        With a time control when the counts have periods.
    """
    from layers.basemaps import add_basemap

    table = counts.table
    kind, _ = parse_unit(counts.by)
    units, codes = np.unique(table["unit"].to_numpy(dtype=object), return_inverse=True)
    totals = np.bincount(codes, weights=table["events"].to_numpy(), minlength=len(units)).astype(np.int64)
    geoms = unit_geometries(pd.Series(units, dtype="str"), by=counts.by)
    names = table.groupby("unit")["name"].first().reindex(units).fillna(pd.Series(units, index=units))

    fmap = Map(tiles=None, control_scale=True, prefer_canvas=False)
    add_basemap(fmap, tiles=tiles)
    periods = "period" in table.columns
    store = None
    if periods:
        fmap.add_child(EventScript())
        store = EventStore(_store_data(table, codes, units, geoms, every=counts.every))
        fmap.add_child(store)
    breaks = class_breaks(totals)
    colors = class_colors(len(breaks))
    features = [
        _feature(str(u), str(names[u]), int(n), geom, colors[int(np.searchsorted(breaks, n))])
        for u, n, geom in zip(units, totals, geoms, strict=True)
        if geom is not None
    ]
    word = _UNIT_WORDS[kind]
    layer_name = f"Events per {word}"
    missing = [f"{n:,} {UNCOUNTED[k]}" for k, n in counts.uncounted.most_common() if n]
    legend = {
        "title": layer_name,
        "rows": [[c, label] for c, label in zip(colors, class_labels(breaks), strict=True)],
        "zero": None,
        "note": f"Not counted: {'; '.join(missing)}" if missing else None,
        "breaks": breaks,
        "colors": colors,
    }
    group = FeatureGroup(name=html.escape(layer_name), overlay=True, show=True)
    group.add_child(
        ChoroplethGeoJson({"type": "FeatureCollection", "features": features}, legend=legend, store=store)
    )
    fmap.add_child(group)
    LayerControl(collapsed=False).add_to(fmap)
    if store is not None:
        fmap.add_child(TimeSlider(store))
    present = [g for g in geoms if g is not None]
    if present:
        west, south, east, north = shapely.total_bounds(np.array(present, dtype=object))
        fmap.add_child(FitBounds([[south, west], [north, east]]))
    fmap.get_root().html.add_child(RawHtml(_title_html(counts, title, word=word, note=note)), name="cm_title")
    return fmap


def _store_data(
    table: pd.DataFrame, codes: np.ndarray, units: np.ndarray, geoms: list, *, every: str | None
) -> dict[str, Any]:
    """Build the store of the time control: one row per unit and period, weighing its events."""
    located = [shapely.point_on_surface(g) if g is not None else shapely.Point(0, 0) for g in geoms]
    anchors = shapely.get_coordinates(np.array(located, dtype=object)).reshape(-1, 2)[codes]
    x0 = int(np.floor(anchors[:, 0].min() * COORD_SCALE)) if len(anchors) else 0
    y0 = int(np.floor(anchors[:, 1].min() * COORD_SCALE)) if len(anchors) else 0
    start = table["period"].to_numpy(dtype="datetime64[us]").astype("datetime64[D]")
    end = _period_end(table["period"], every=every)
    days = start.astype(np.int64)
    return {
        "n": len(table),
        "mode": "counts",
        "scale": COORD_SCALE,
        "x0": x0,
        "y0": y0,
        "x": np.rint(anchors[:, 0] * COORD_SCALE - x0).astype(np.int64).tolist(),
        "y": np.rint(anchors[:, 1] * COORD_SCALE - y0).astype(np.int64).tolist(),
        "t0": days.tolist(),
        "dt": (end.astype(np.int64) - days).tolist(),
        "groups": [],
        "unit": codes.tolist(),
        "unitIds": [str(u) for u in units],
        "weight": table["events"].astype(np.int64).tolist(),
    }


def _period_end(periods: pd.Series, *, every: str | None) -> np.ndarray:
    """Last day of each row's period; a file that does not say (CSV) has it guessed from the gaps."""
    starts = pd.Series(pd.to_datetime(periods).to_numpy(dtype="datetime64[us]"))
    if every is None:
        distinct = np.sort(starts.unique())
        gaps = np.diff(distinct).astype("timedelta64[D]").astype(np.int64)
        step = int(gaps.min()) if len(gaps) else 1
        every = "year" if step >= 365 else "month" if step >= 28 else "week" if step % 7 == 0 else "day"
    if every == "year":
        end = starts + pd.offsets.YearEnd(0)
    elif every == "month":
        end = starts + pd.offsets.MonthEnd(0)
    else:
        end = starts + pd.to_timedelta(6 if every == "week" else 0, unit="D")
    return end.to_numpy(dtype="datetime64[us]").astype("datetime64[D]")


def _feature(unit: str, name: str, count: int, geom: Any, color: str) -> dict[str, Any]:
    geom = shapely.set_precision(geom, 10**-_DECIMALS)
    noun = "event" if count == 1 else "events"
    style = {"fillColor": color, "fillOpacity": 0.75, "color": "#666666", "weight": 1}
    return {
        "type": "Feature",
        "properties": {"id": unit, "name": name, "count": count, "tooltip": f"{name}: {count:,} {noun}"}
        | {"style": style},
        "geometry": shapely.geometry.mapping(geom),
    }


def _title_html(counts: Counts, title: str | None, *, word: str, note: str | None) -> str:
    table = counts.table
    parts = [f"{counts.events:,} events per {word}" + (f" and {counts.every}" if counts.every else "")]
    if "period" in table.columns and len(table):
        first, last = table["period"].min(), table["period"].max()
        parts.append(f"{first:%d %b %Y} – {last:%d %b %Y}")
    left_out = sum(counts.uncounted.values())
    if left_out:
        parts.append(f"{left_out:,} not counted")
    heading = html.escape(title or "Conflict events")
    extra = f"<p>{html.escape(note)}</p>" if note else ""
    return f'<div class="cm-title"><h1>{heading}</h1><p>{html.escape(" · ".join(parts))}</p>{extra}</div>'
