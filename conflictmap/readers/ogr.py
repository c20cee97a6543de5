"""Readers for the GDAL formats users have besides GeoPackage: FlatGeobuf, Shapefile and KML.

All three go through pyogrio (GDAL) and then the same checks as a GeoPackage
(:func:`conflictmap.readers.spatial._from_frame`): the geometry is reprojected to EPSG:4326
from the file's CRS (a shapefile's ``.prj``, FlatGeobuf's header; KML is always WGS84), and
the columns are read under the model's names. Two formats need names mapped back:

- a Shapefile's columns have at most 10 characters: the model's longer names, as our writer
  shortens them or as GDAL truncates them, are read back as the model's names
  (:data:`SHAPEFILE_NAMES`);
- KML (read with the LIBKML driver) adds its own placemark fields (``Name``, ``description``,
  ``altitudeMode``, ``tessellate``, ...); those our writer leaves empty are dropped, a
  placemark's name is read as its place and its description as notes.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import shapely

from conflictmap.categories import CategoryRegistry
from conflictmap.errors import InputError
from conflictmap.readers._text import shorten
from conflictmap.readers.spatial import _from_frame, _nullable_integers

__all__ = ["KML_DRIVER", "SHAPEFILE_NAMES", "read_ogr_events"]

KML_DRIVER = "LIBKML"  # reads and writes ExtendedData (every column); the plain KML driver reads no columns

# The model's names longer than a Shapefile's 10 characters: the short name our writer gives
# each, and the one GDAL's truncation would give, read back as the model's name.
SHAPEFILE_NAMES = {
    "time_precision": "time_prec",
    "sub_event_type": "sub_type",
    "geo_precision": "geo_prec",
}
_SHAPEFILE_BACK = {short: long for long, short in SHAPEFILE_NAMES.items()} | {
    long[:10]: long for long in SHAPEFILE_NAMES
}
# The placemark fields LIBKML adds to every layer; dropped when they hold nothing.
_KML_FIELDS = (
    "Name",
    "description",
    "timestamp",
    "begin",
    "end",
    "altitudeMode",
    "tessellate",
    "extrude",
    "visibility",
    "drawOrder",
    "icon",
    "snippet",
)
# Their values when a placemark sets nothing.
_KML_UNSET = {"tessellate": -1, "extrude": 0, "visibility": -1, "drawOrder": None}
_KML_AUTO_ID = re.compile(r"^.*\.[0-9]+$")
_NAMES = {"fgb": "FlatGeobuf", "shp": "Shapefile", "kml": "KML"}


def read_ogr_events(path: Path, *, format: str, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    """Read the events of a FlatGeobuf (``fgb``), Shapefile (``shp``) or KML (``kml``) file.

    A KML file with several layers (folders) must have one named ``events``.

    Raises
    ------
    InputError
        The file cannot be read as that format.
    """
    import pyogrio

    kind = _NAMES[format]
    driver = KML_DRIVER if format == "kml" else None
    try:
        layers = [name for name, _ in pyogrio.list_layers(path)]
    except Exception as err:  # pyogrio raises DataSourceError and friends
        msg = f"{path}: not a readable {kind} file: {shorten(err)}"
        raise InputError(msg) from err
    layer = None
    if len(layers) > 1:
        if "events" not in layers:
            msg = f"{path}: several layers ({shorten(', '.join(layers))}); none is named 'events'"
            raise InputError(msg)
        layer = "events"
    try:
        if format == "fgb":
            frame = _read_fgb(path, layer=layer)
        else:
            frame = gpd.read_file(
                path,
                layer=layer,
                engine="pyogrio",
                driver=driver,
                use_arrow=True,
                arrow_to_pandas_kwargs={"types_mapper": _nullable_integers},
            )
    except Exception as err:
        msg = f"{path}: not a readable {kind} file: {shorten(err)}"
        raise InputError(msg) from err
    if format == "shp":
        frame = frame.rename(columns=lambda c: _SHAPEFILE_BACK.get(str(c).lower(), c))
    elif format == "kml":
        frame = _kml_columns(frame)
    return _from_frame(frame, path=path, registry=registry)


def _read_fgb(path: Path, *, layer: str | None) -> gpd.GeoDataFrame:
    """Read a FlatGeobuf file: its columns through Arrow, its geometries feature by feature.

    GDAL's Arrow stream of a FlatGeobuf layer with a null geometry (an unlocated event) hands
    pyarrow a broken geometry column (seen with GDAL 3.12 and pyogrio 0.13): "Unexpected EOF
    parsing WKB", or a crash of the process. So the columns come through Arrow (which keeps
    64-bit integers whole, beside missing values) and the geometries through the other reader.
    """
    import pyogrio

    columns = gpd.read_file(
        path,
        layer=layer,
        engine="pyogrio",
        use_arrow=True,
        read_geometry=False,
        arrow_to_pandas_kwargs={"types_mapper": _nullable_integers},
    )
    shapes = pyogrio.read_dataframe(path, layer=layer, columns=[], use_arrow=False)
    return gpd.GeoDataFrame(columns, geometry=shapes.geometry.to_numpy(), crs=shapes.crs)


def _flat_if_zero(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Drop the Z that LIBKML gives every coordinate when none is other than 0.

    KML cannot tell a flat position from one at altitude 0: a file whose altitudes are all 0
    is read as flat (2D), which is what our writer wrote; any other altitude is kept.
    """
    geoms = frame.geometry
    has_z = geoms.has_z.to_numpy()
    if not has_z.any():
        return frame
    z = shapely.get_coordinates(geoms.to_numpy()[has_z], include_z=True)[:, 2]
    if (z != 0).any():
        return frame
    flat = shapely.force_2d(geoms.to_numpy())
    return frame.set_geometry(gpd.GeoSeries(flat, index=frame.index, crs=frame.crs))


def _kml_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Drop LIBKML's placemark fields that hold nothing; read a name as place, a description as notes."""
    drop = []
    for name in _KML_FIELDS:
        if name not in frame.columns:
            continue
        values = frame[name]
        unset = values.isna() | values.astype(object).eq("")
        if name in _KML_UNSET and _KML_UNSET[name] is not None:
            unset |= values.astype(object).eq(_KML_UNSET[name])
        if bool(unset.all()):
            drop.append(name)
    if "id" in frame.columns and "event_id" in frame.columns:
        ids = frame["id"].astype(object)
        if bool(ids.map(lambda v: isinstance(v, str) and _KML_AUTO_ID.match(v) is not None).all()):
            drop.append("id")  # the placemark ids LIBKML made up (layer.1, layer.2, ...)
    frame = _flat_if_zero(frame.drop(columns=drop))
    renames = {}
    if "Name" in frame.columns and "location" not in frame.columns:
        renames["Name"] = "location"
    if "description" in frame.columns and "notes" not in frame.columns:
        renames["description"] = "notes"
    return frame.rename(columns=renames) if renames else frame
