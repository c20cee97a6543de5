"""Readers for geospatial files: GeoJSON, GeoPackage and (Geo)Parquet."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyproj

from conflictmap.categories import CategoryRegistry
from conflictmap.errors import InputError, Reprojected, SchemaError
from conflictmap.frames import records_events, to_wgs84
from conflictmap.readers._text import shorten
from conflictmap.readers.tabular import records_frame
from conflictmap.schema import WGS84
from conflictmap.validate import Origin, column_names, normalize_columns, parse_geometry

__all__ = ["geojson_records", "read_geojson_events", "read_gpkg_events", "read_parquet_events"]


def read_geojson_events(doc: Any, *, path: Path, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    """Read a parsed GeoJSON FeatureCollection (or a single Feature)."""
    records, labels = geojson_records(doc, path=path)
    origin = Origin(str(path), labels)
    raw = normalize_columns(records_frame(records), origin=origin)
    return records_events(raw, origin=origin, registry=registry)


def geojson_records(doc: Any, *, path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Take the records of a parsed FeatureCollection, with a ``"features[i]"`` label for each.

    A record holds the feature's properties, its ``id`` as ``event_id`` when the properties
    give none (nor under an alias), and its geometry as ``geometry``: the GeoJSON mapping, or a
    shapely geometry in EPSG:4326 when a legacy ``crs`` member names another CRS.
    """
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not (isinstance(doc, dict) and doc.get("type") == "FeatureCollection"):
        msg = f"{path}: expected a GeoJSON FeatureCollection"
        raise SchemaError(msg)
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        msg = f"{path}: the FeatureCollection has no features"
        raise InputError(msg)
    crs = _geojson_crs(doc.get("crs"), path=path, where=None)
    records, ids = [], []
    for i, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            msg = "expected a GeoJSON Feature object"
            raise SchemaError(
                msg,
                path=str(path),
                row=f"features[{i}]",
                field="type",
                value=feature.get("type") if isinstance(feature, dict) else feature,
            )
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            msg = "properties must be an object or null"
            raise SchemaError(msg, path=str(path), row=f"features[{i}]", field="properties")
        record = {k: v for k, v in props.items() if k != "geometry"}
        ids.append(feature.get("id"))
        record["geometry"] = feature.get("geometry")
        _check_same_crs(feature, crs, path=path, where=f"features[{i}]")
        records.append(record)
    labels = [f"features[{i}]" for i in range(len(records))]
    if crs is not None:
        _reproject(records, crs, origin=Origin(str(path), labels))
    _add_feature_ids(records, ids)
    return records, labels


def _add_feature_ids(records: list[dict[str, Any]], ids: list[Any]) -> None:
    """Take a feature's ``id`` member as its event_id where the properties give none (nor an alias).

    Done on the records, not on their frame, so that the records of many files can be checked
    together (:func:`conflictmap.readers.read_many`).
    """
    if all(i is None for i in ids):
        return
    is_id: dict[Any, bool] = {}  # key -> whether it names event_id
    for record, given in zip(records, ids, strict=True):
        if given is None:
            continue
        for key in record:
            if key not in is_id:
                is_id[key] = column_names([key])[0] == "event_id"
        if all(_blank(value) for key, value in record.items() if is_id[key]):
            record["event_id"] = given


def _blank(value: object) -> bool:
    """Whether a parsed JSON value gives nothing: null, NaN or blank text."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, float) and math.isnan(value))


# A legacy ``crs`` member (GeoJSON 2008; RFC 7946 removed it and fixed WGS84 longitude/latitude)
# names a CRS by an OGC URN or an ``AUTH:CODE``, or (type "EPSG") by a code. Other spellings
# (WKT, PROJ strings, "link" CRSs) are refused rather than handed to PROJ.
_CRS_NAME = re.compile(r"^(?:urn:ogc:def:crs:[A-Za-z0-9.]+:[0-9.]*:[A-Za-z0-9.]+|[A-Za-z]+:[A-Za-z0-9.]+)$")


def _geojson_crs(member: object, *, path: Path, where: str | None) -> pyproj.CRS | None:
    """Resolve a legacy ``crs`` member: its CRS, or None for WGS84 longitude/latitude or no member.

    Coordinates are read easting (longitude) first whatever the CRS's official axis order:
    ``EPSG:4326`` in a ``crs`` member means longitude/latitude in GeoJSON practice, which is how
    GDAL reads it (traditional GIS order) and how every GeoJSON writer of the time wrote it; so
    CRS84, EPSG:4326 and their URNs all mean the RFC 7946 default, and other CRSs are
    reprojected with ``always_xy`` (geopandas' ``to_crs``).
    """
    if member is None:
        return None
    name: object = member
    if isinstance(member, dict):
        kind, props = member.get("type"), member.get("properties")
        props = props if isinstance(props, dict) else {}
        if kind == "name":
            name = props.get("name")
        elif kind == "EPSG" and isinstance(props.get("code"), int | str):
            name = f"EPSG:{props['code']}"
        else:
            name = None
    if not (isinstance(name, str) and _CRS_NAME.match(name.strip())):
        msg = (
            'unsupported crs member; give {"type": "name", "properties": {"name": "EPSG:<code>"}} '
            "(or an OGC URN), or drop it and write longitude/latitude in WGS84 (RFC 7946)"
        )
        raise SchemaError(msg, path=str(path), row=where, field="crs", value=member)
    try:
        crs = pyproj.CRS.from_user_input(name.strip())
    except pyproj.exceptions.CRSError as err:
        msg = "unknown coordinate reference system"
        raise SchemaError(msg, path=str(path), row=where, field="crs", value=name) from err
    return None if crs.equals(WGS84, ignore_axis_order=True) else crs


def _check_same_crs(feature: dict[str, Any], crs: pyproj.CRS | None, *, path: Path, where: str) -> None:
    """Refuse a ``crs`` on a feature or its geometry that differs from the collection's."""
    geometry = feature.get("geometry")
    for member in (feature.get("crs"), geometry.get("crs") if isinstance(geometry, dict) else None):
        if member is None:
            continue
        own = _geojson_crs(member, path=path, where=where)
        same = own is None if crs is None else (own is not None and own.equals(crs))
        if not same:
            msg = "a crs differing from the collection's is not supported; give one crs for the whole file"
            raise SchemaError(msg, path=str(path), row=where, field="crs", value=member)


def _reproject(records: list[dict[str, Any]], crs: pyproj.CRS, *, origin: Origin) -> None:
    """Turn each record's geometry into a shapely geometry in EPSG:4326, in place."""
    shapes = [parse_geometry(r["geometry"], index=i, origin=origin) for i, r in enumerate(records)]
    try:
        moved = gpd.GeoSeries(shapes, crs=crs).to_crs(WGS84)
    except pyproj.exceptions.ProjError as err:
        msg = f"{origin.path}: cannot reproject from {crs.name} to EPSG:4326: {shorten(err)}"
        raise SchemaError(msg) from err
    for record, shape in zip(records, moved, strict=True):
        record["geometry"] = shape
    warnings.warn(
        f"{origin.path}: coordinates reprojected from {crs.name} to EPSG:4326 (longitude/latitude)",
        Reprojected,
        stacklevel=4,
    )


def read_gpkg_events(path: Path, *, registry: CategoryRegistry, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read the events layer of a GeoPackage (the only layer, or the one named ``events``)."""
    import pyogrio

    try:
        layers = [name for name, _ in pyogrio.list_layers(path)]
    except Exception as err:  # pyogrio raises DataSourceError and friends
        msg = f"{path}: not a readable GeoPackage: {shorten(err)}"
        raise InputError(msg) from err
    if layer is None:
        if len(layers) == 1 or "events" in layers:
            layer = layers[0] if len(layers) == 1 else "events"
        else:
            msg = f"{path}: several layers ({shorten(', '.join(layers))}); none is named 'events'"
            raise InputError(msg)
    # Through Arrow, integer columns with empty cells become nullable integers; the default
    # reading makes them float64, which rounds whole numbers beyond 2**53.
    frame = gpd.read_file(
        path,
        layer=layer,
        engine="pyogrio",
        use_arrow=True,
        arrow_to_pandas_kwargs={"types_mapper": _nullable_integers},
    )
    return _from_frame(frame, path=path, registry=registry)


def _nullable_integers(arrow_type: Any) -> Any:
    """Map an Arrow integer type to pandas' nullable one; leave other types to the default."""
    import pyarrow as pa

    if not pa.types.is_integer(arrow_type):
        return None
    sign = "Int" if pa.types.is_signed_integer(arrow_type) else "UInt"
    return pd.api.types.pandas_dtype(f"{sign}{arrow_type.bit_width}")


def read_parquet_events(path: Path, *, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    """Read GeoParquet, or plain Parquet with latitude/longitude columns."""
    try:
        frame = gpd.read_parquet(path)
    except ValueError:
        try:
            frame = pd.read_parquet(path)
        except Exception as err:
            msg = f"{path}: not a readable Parquet file: {shorten(err)}"
            raise InputError(msg) from err
    except Exception as err:
        msg = f"{path}: not a readable Parquet file: {shorten(err)}"
        raise InputError(msg) from err
    return _from_frame(frame, path=path, registry=registry)


def _from_frame(frame: pd.DataFrame, *, path: Path, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    """Events from a frame read by GDAL or Arrow; the core :func:`conflictmap.to_events` shares.

    The geometry is brought to EPSG:4326 from whatever CRS the file declares (with a notice);
    columns are read under the model's names and aliases, and a file without dates is read as
    undated events (see :func:`conflictmap.frames.records_events`).
    """
    if frame.empty:
        msg = f"{path}: the file holds no events"
        raise InputError(msg)
    if isinstance(frame, gpd.GeoDataFrame):
        frame = to_wgs84(frame, name=str(path), notice=True)
        frame = pd.DataFrame(frame).rename(columns={frame.geometry.name: "geometry"})
        frame["geometry"] = list(frame["geometry"])
    origin = Origin(str(path), [f"row {i + 1}" for i in range(len(frame))])
    raw = normalize_columns(frame.astype(object).where(frame.notna(), None), origin=origin)
    return records_events(raw, origin=origin, registry=registry)
