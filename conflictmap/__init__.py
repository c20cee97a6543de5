"""conflictmap: conflict events from reports and datasets to located events, maps and files.

The data flow is read → locate (``geo``) → filter → draw (``layers``) / write::

    >>> import conflictmap
    >>> events = conflictmap.read_events("events.yaml")  # doctest: +SKIP
    >>> recent = conflictmap.filter_events(events, since="2025-01-01")  # doctest: +SKIP
    >>> conflictmap.write_events(recent, "recent.geojson")  # doctest: +SKIP
"""

from conflictmap.categories import Category, CategoryRegistry, default_registry, load_registry
from conflictmap.errors import (
    ConfigurationError,
    CrsError,
    DataWarning,
    ExportError,
    InputError,
    MapperError,
    Reprojected,
    SchemaError,
)
from conflictmap.filters import filter_events
from conflictmap.frames import to_events
from conflictmap.readers import read_events, read_many
from conflictmap.schema import COLUMNS, FIELDS, WGS84, empty_events
from conflictmap.writers import WRITE_FORMATS, write_events

__all__ = [
    "COLUMNS",
    "FIELDS",
    "WGS84",
    "WRITE_FORMATS",
    "Category",
    "CategoryRegistry",
    "ConfigurationError",
    "CrsError",
    "DataWarning",
    "ExportError",
    "InputError",
    "MapperError",
    "Reprojected",
    "SchemaError",
    "default_registry",
    "empty_events",
    "filter_events",
    "load_registry",
    "read_events",
    "read_many",
    "to_events",
    "write_events",
]

__version__ = "0.1.0"
