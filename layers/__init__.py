"""Folium map layers for event collections.

>>> from layers import event_map
>>> event_map(events, title="Southern Syria").save("map.html")  # doctest: +SKIP
"""

from layers.element import EventGeoJson, EventScript, safe_json
from layers.map import event_layer, event_map
from layers.popup import describe_when, popup_record, safe_url
from layers.styles import area_style, category_styles

__all__ = [
    "EventGeoJson",
    "EventScript",
    "area_style",
    "category_styles",
    "describe_when",
    "event_layer",
    "event_map",
    "popup_record",
    "safe_json",
    "safe_url",
]
