"""Places, geocoding and regions (offline gazetteer, named regions, region filters).

The foundation ships no geocoder yet: events carry their own coordinates or geometries, and
events with only a place name are kept unlocated (``located`` is False).
"""

__all__: list[str] = []
