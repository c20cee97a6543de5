"""Extracted events as rows of the event model, validated like every other input."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from conflictmap.categories import CategoryRegistry
from conflictmap.extract.extractor import ArticleResult
from conflictmap.schema import empty_events
from conflictmap.validate import Origin, build_events
from geo.gazetteer import Place
from geo.geocoder import geometry_of
from geo.resolve import Resolution

__all__ = ["EVIDENCE_COLUMN", "events_frame", "mention_records"]

# Extra column: the evidence of each event as a JSON list of [start, end] character spans in
# the article as read (the file's decoded text), so a reader can check every event.
EVIDENCE_COLUMN = "evidence"


def _event_ids(result: ArticleResult) -> list[str]:
    """Stable ids of an article's events: its file and text, and where each event is reported.

    ``art-<hash of path and text>-<offset of the first evidence>-<category>``: the same article
    gives the same ids on every run, and a reader finds the event in the text from its id.
    (Hashing every event's content, as other inputs are, costs a twentieth of extraction.)
    """
    article = result.article
    digest = hashlib.sha1(f"{article.path}\0{article.original}".encode()).hexdigest()[:10]
    seen: Counter[str] = Counter()
    ids = []
    for event in result.events:
        start = article.span(*min(event.evidence))[0]
        base = f"art-{digest}-{start}-{event.category}"
        seen[base] += 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids


def _row(result: ArticleResult, event: Any) -> dict[str, Any]:
    article = result.article
    site = event.site
    res = site.resolution if site is not None else None
    place = res.place if res is not None else None
    one_day = event.first == event.last
    start, end = event.notes or event.evidence[0]
    notes = " ".join(article.text[start:end].split())
    spans = [list(article.span(s, e)) for s, e in event.evidence]
    if site is not None and not event.fallback:
        spans.append(list(article.span(site.start, site.end)))
    return {
        "event_date": event.first.isoformat(),
        "date_end": None if one_day else event.last.isoformat(),
        "time_precision": event.precision,
        "category": event.category,
        "sub_event_type": event.cue.lower(),
        "actor1": event.actors[0] if event.actors else None,
        "actor2": event.actors[1] if len(event.actors) > 1 else None,
        "location": site.text if site is not None else None,
        "place_id": place.place_id if place is not None else None,
        "place_name": place.name if place is not None else None,
        "country": (place.country or None) if place is not None else None,
        "geo_precision": event.geo_precision if place is not None else None,
        "notes": notes,
        "source": article.path or None,
        "geometry": _geometry(res) if res is not None and place is not None else None,
        # the JSON of a list of [int, int] pairs, written directly (json.dumps per event is slow)
        EVIDENCE_COLUMN: "[" + ", ".join(f"[{a}, {b}]" for a, b in sorted(spans)) + "]",
    }


_GEOMETRIES: dict[Place, BaseGeometry | None] = {}


def _geometry(res: Resolution) -> BaseGeometry | None:
    """Return the geometry of a resolved place, made once per place (geometries are immutable)."""
    place = res.place
    geometry = _GEOMETRIES.get(place)
    if geometry is None:
        if len(_GEOMETRIES) > 50_000:
            _GEOMETRIES.clear()
        geometry = _GEOMETRIES[place] = geometry_of(res)
    return geometry


def events_frame(
    results: list[ArticleResult], *, registry: CategoryRegistry | None = None
) -> gpd.GeoDataFrame:
    """Return the events of many articles as one validated event collection.

    Events are checked by :func:`conflictmap.validate.build_events`, like any file's records;
    an error names the article and the event.
    """
    rows, labels = [], []
    for result in results:
        ids = _event_ids(result)
        for n, event in enumerate(result.events, start=1):
            rows.append({"event_id": ids[n - 1], **_row(result, event)})
            labels.append(f"{result.article.path or 'article'}: event {n}")
    if not rows:
        events = empty_events()
        events[EVIDENCE_COLUMN] = pd.Series([], dtype="str")
        return events
    raw = pd.DataFrame(rows)
    return build_events(raw, origin=Origin("articles", labels), registry=registry)


def mention_records(result: ArticleResult) -> list[dict[str, Any]]:
    """Return the place mentions of an article as JSON-ready dicts (spans in the file as read)."""
    out = []
    for m in result.mentions:
        start, end = result.article.span(m.start, m.end)
        place = m.place
        out.append(
            {
                "article": result.article.path,
                "start": start,
                "end": end,
                "text": m.text,
                "place": None
                if place is None
                else {
                    "name": place.name,
                    "lat": place.lat,
                    "lon": place.lon,
                    "kind": place.kind,
                    "place_id": place.place_id,
                },
                "role": m.role,
                # why this place won among its namesakes (or why none was found)
                "reason": m.resolution.reason if m.resolution is not None else None,
            }
        )
    return out
