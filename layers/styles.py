"""Pure style tables for event layers: no folium here, so they are easy to test."""

from __future__ import annotations

from typing import Any

from conflictmap.categories import CategoryRegistry

__all__ = [
    "AREA_BY_PRECISION",
    "PRECISION_RADIUS_M",
    "PRECISION_WORDS",
    "TIME_PRECISION_WORDS",
    "category_styles",
]

PRECISION_WORDS = {
    1: "exact place",
    2: "near or part of a place",
    3: "region or province",
    4: "country",
}
# Radius of the dashed circle drawn around a point event known only roughly: near or part of a
# place (geo_precision 2: ACLED's "near", UCDP's where_prec 2, both within some kilometres), or
# a region given only by its centre point (3, as ACLED writes region-level events). Region-level
# events with a polygon show the polygon instead; a country's centre gets no circle.
PRECISION_RADIUS_M = {2: 10_000, 3: 50_000}
TIME_PRECISION_WORDS = {1: "day", 2: "within a week or month", 3: "longer period"}

# Region-level events are filled lightly; country-level ones only outlined, dashed, so that a
# country-sized shape does not drown out the events inside it.
AREA_BY_PRECISION = {
    3: {"weight": 2, "opacity": 0.9, "fillOpacity": 0.18, "dashArray": None},
    4: {"weight": 2, "opacity": 0.8, "fillOpacity": 0.03, "dashArray": "6 6"},
}


def category_styles(registry: CategoryRegistry) -> dict[str, dict[str, Any]]:
    """Return, per category key, what the browser needs to draw it."""
    return {
        key: {
            "label": cat.label,
            "color": cat.color,
            "marker_color": cat.marker_color,
            "icon": cat.icon,
            "layer": cat.layer,
            "links": cat.links,
        }
        for key, cat in registry.categories.items()
    }
