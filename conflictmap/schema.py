"""The event model: the one definition of an event's fields, their types and meaning.

An event collection is a :class:`geopandas.GeoDataFrame` in EPSG:4326 with exactly the columns
of :data:`FIELDS` (in that order), then any extra columns a source brought along, then
``geometry``. Names follow ACLED wherever ACLED has the concept.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from conflictmap.dates import DATE_DTYPE

__all__ = [
    "COLUMNS",
    "FIELDS",
    "GEOMETRY_TYPES",
    "WGS84",
    "Field",
    "conform",
    "empty_events",
]

WGS84 = "EPSG:4326"
GEOMETRY_TYPES = ("Point", "Polygon", "MultiPolygon")
TEXT = "str"


@dataclass(frozen=True)
class Field:
    """One column of the event model."""

    name: str
    dtype: str
    doc: str


FIELDS: tuple[Field, ...] = (
    Field("event_id", TEXT, "Stable identifier; derived from the content when the source has none."),
    Field("event_date", DATE_DTYPE, "Date (or start) of the event, ISO 8601."),
    Field("date_end", DATE_DTYPE, 'End of a period ("since December 2024"); empty for one day.'),
    Field("time_precision", "int8", "1 day, 2 week or month, 3 year or longer period."),
    Field("category", TEXT, "Key in the category registry (incursion, airstrike, ...)."),
    Field("sub_event_type", TEXT, "Finer type as the source gives it (ACLED sub_event_type)."),
    Field("actor1", TEXT, "Main actor."),
    Field("actor2", TEXT, "Other party or target."),
    Field("location", TEXT, "The place as reported."),
    Field("place_id", TEXT, "Gazetteer id of the place the location resolved to (gn:, wof:, region:, ...)."),
    Field("place_name", TEXT, "Name of that place in the gazetteer."),
    Field("admin1", TEXT, "First-level administrative unit (governorate, province)."),
    Field("country", TEXT, "ISO 3166-1 alpha-2 code."),
    Field("geo_precision", "Int8", "1 exact place, 2 near or part of a place, 3 region, 4 country."),
    Field("notes", TEXT, "What happened, in words."),
    Field("source", TEXT, "Reporting outlet(s)."),
    Field("source_url", TEXT, "Link to the report."),
    Field("fatalities", "Int64", "Reported deaths, when known."),
    Field("located", "bool", "Whether the event has a geometry."),
)
COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS)
DTYPES: dict[str, str] = {f.name: f.dtype for f in FIELDS}
TEXT_COLUMNS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.dtype == TEXT)


def empty_events() -> gpd.GeoDataFrame:
    """Return an event collection with no rows and the canonical columns and dtypes."""
    frame = pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in DTYPES.items()})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)


def conform(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Put already-validated columns into canonical order and dtypes.

    Parameters
    ----------
    frame
        A frame with every column of :data:`COLUMNS` and a ``geometry`` column.

    Returns
    -------
    geopandas.GeoDataFrame
        Canonical columns first, extras after them, ``geometry`` last, CRS EPSG:4326 and a fresh
        ``RangeIndex``.
    """
    extras = [c for c in frame.columns if c not in DTYPES and c != "geometry"]
    data = {name: frame[name].astype(dtype) for name, dtype in DTYPES.items()}
    for name in extras:
        data[name] = frame[name]
    out = pd.DataFrame(data).reset_index(drop=True)
    # The geometries as one object array (iterating a GeoSeries makes one call per row).
    geometry = gpd.GeoSeries(np.asarray(frame["geometry"].array, dtype=object), crs=WGS84)
    return gpd.GeoDataFrame(out, geometry=geometry, crs=WGS84)
