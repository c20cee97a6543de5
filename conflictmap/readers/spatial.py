"""Readers for geospatial files: GeoJSON, GeoPackage and (Geo)Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from conflictmap.categories import CategoryRegistry
from conflictmap.errors import InputError, SchemaError
from conflictmap.schema import WGS84
from conflictmap.validate import Origin, build_events, normalize_columns

__all__ = ["read_geojson_events", "read_gpkg_events", "read_parquet_events"]


def read_geojson_events(doc: Any, *, path: Path, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    """Read a parsed GeoJSON FeatureCollection (or a single Feature)."""
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not (isinstance(doc, dict) and doc.get("type") == "FeatureCollection"):
        msg = f"{path}: expected a GeoJSON FeatureCollection"
        raise SchemaError(msg)
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        msg = f"{path}: the FeatureCollection has no features"
        raise InputError(msg)
    records = []
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
        if feature.get("id") is not None and not props.get("event_id"):
            record["event_id"] = feature["id"]
        record["geometry"] = feature.get("geometry")
        records.append(record)
    # Object columns keep JSON's values as parsed: ints and nulls would make a float64 column,
    # which rounds whole numbers beyond 2**53.
    raw = pd.DataFrame(records, dtype=object)
    raw = normalize_columns(raw.where(raw.notna(), None))
    labels = [f"features[{i}]" for i in range(len(records))]
    return build_events(raw, origin=Origin(str(path), labels), registry=registry)


def read_gpkg_events(path: Path, *, registry: CategoryRegistry, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read the events layer of a GeoPackage (the only layer, or the one named ``events``)."""
    import pyogrio

    try:
        layers = [name for name, _ in pyogrio.list_layers(path)]
    except Exception as err:  # pyogrio raises DataSourceError and friends
        msg = f"{path}: not a readable GeoPackage: {err}"
        raise InputError(msg) from err
    if layer is None:
        if len(layers) == 1 or "events" in layers:
            layer = layers[0] if len(layers) == 1 else "events"
        else:
            msg = f"{path}: several layers ({', '.join(layers)}); none is named 'events'"
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
            msg = f"{path}: not a readable Parquet file: {err}"
            raise InputError(msg) from err
    except Exception as err:
        msg = f"{path}: not a readable Parquet file: {err}"
        raise InputError(msg) from err
    return _from_frame(frame, path=path, registry=registry)


def _from_frame(frame: pd.DataFrame, *, path: Path, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    if frame.empty:
        msg = f"{path}: the file holds no events"
        raise InputError(msg)
    if isinstance(frame, gpd.GeoDataFrame):
        if frame.crs is not None and not frame.crs.equals(WGS84):
            frame = frame.to_crs(WGS84)
        frame = pd.DataFrame(frame).rename(columns={frame.geometry.name: "geometry"})
        frame["geometry"] = list(frame["geometry"])
    raw = normalize_columns(frame.astype(object).where(frame.notna(), None))
    labels = [f"row {i + 1}" for i in range(len(raw))]
    return build_events(raw, origin=Origin(str(path), labels), registry=registry)
