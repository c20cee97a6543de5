"""Folium map layers for event collections.

>>> from layers import event_map
>>> event_map(events, title="Southern Syria").save("map.html")  # doctest: +SKIP
"""

from layers.element import EventGroup, EventLinks, EventScript, EventStore, TimeSlider, safe_json
from layers.map import MARKER_LIMIT, event_map
from layers.payload import EventPayload, build_payload
from layers.popup import describe_when, safe_url
from layers.styles import AREA_BY_PRECISION, category_styles

__all__ = [
    "AREA_BY_PRECISION",
    "MARKER_LIMIT",
    "EventGroup",
    "EventLinks",
    "EventPayload",
    "EventScript",
    "EventStore",
    "TimeSlider",
    "build_payload",
    "category_styles",
    "describe_when",
    "event_map",
    "safe_json",
    "safe_url",
]
