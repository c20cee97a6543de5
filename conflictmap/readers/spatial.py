"""Readers for geospatial files: GeoJSON, GeoPackage and (Geo)Parquet."""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, overload

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from conflictmap.categories import CategoryRegistry
from conflictmap.errors import InputError, Reprojected, SchemaError
from conflictmap.frames import records_events, to_wgs84
from conflictmap.readers._text import shorten
from conflictmap.readers.tabular import records_frame
from conflictmap.schema import WGS84, empty_events
from conflictmap.validate import Origin, column_names, normalize_columns, parse_geometry

__all__ = [
    "Bounds",
    "PointTest",
    "geojson_records",
    "read_geojson_events",
    "read_gpkg_events",
    "read_parquet_events",
]

Bounds = tuple[float, float, float, float]  # west, south, east, north in degrees, west <= east
# A test of point coordinates (longitudes, latitudes) that every point event a run keeps passes.
PointTest = Callable[[np.ndarray, np.ndarray], np.ndarray]


def read_geojson_events(doc: Any, *, path: Path, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    """Read a parsed GeoJSON FeatureCollection (or a single Feature)."""
    records, labels = geojson_records(doc, path=path)
    if not records:  # an empty FeatureCollection (as a filter that kept nothing writes it): no events
        return empty_events()
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
    if not isinstance(features, list):
        msg = f"{path}: the FeatureCollection has no 'features' list"
        raise SchemaError(msg)
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


def read_parquet_events(
    path: Path, *, registry: CategoryRegistry, bounds: Bounds | None = None, points: PointTest | None = None
) -> tuple[gpd.GeoDataFrame, int]:
    """Read GeoParquet, or plain Parquet with latitude/longitude columns.

    Parameters
    ----------
    path
        The file.
    registry
        Category registry.
    bounds
        ``(west, south, east, north)``: in a GeoParquet file with a covering bbox column
        (GeoParquet 1.1, which our writer writes), only the rows whose box meets it, or that
        have no geometry, are read; Parquet row groups whose statistics exclude it are skipped.
    points
        With ``bounds`` and a covering bbox column: the rows whose box is a point (a point
        event) are read only when that point passes this test (see
        :meth:`conflictmap.plan.Plan.point_test`).

    Returns
    -------
    events : geopandas.GeoDataFrame
        The events read, validated.
    skipped : int
        Rows left out by ``bounds`` (not read, not validated).
    """
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_metadata(path)  # the footer, read once
        schema = metadata.schema.to_arrow_schema()
        total = metadata.num_rows
    except Exception as err:  # pyarrow raises ArrowInvalid, OSError and friends
        msg = f"{path}: not a readable Parquet file: {shorten(err)}"
        raise InputError(msg) from err
    where = _covering_filter(schema, bounds) if bounds is not None else None
    rows = None  # the file's row of each event read, when some rows are left out
    try:
        if where is not None:
            frame, rows = _read_covered(
                path, metadata=metadata, bounds=bounds, column=_covering_column(schema), points=points
            )  # type: ignore[arg-type]
        else:
            frame = gpd.read_parquet(path, use_threads=_ARROW_THREADS)
    except ValueError:
        try:
            frame = pd.read_parquet(path)
        except Exception as err:
            msg = f"{path}: not a readable Parquet file: {shorten(err)}"
            raise InputError(msg) from err
    except Exception as err:
        msg = f"{path}: not a readable Parquet file: {shorten(err)}"
        raise InputError(msg) from err
    if bounds is not None and where is None and isinstance(frame, gpd.GeoDataFrame):
        meets = _meets(frame, bounds)  # no bbox column: the same cut, from the geometries
        frame, rows = frame[meets], np.flatnonzero(meets)
    skipped = total - len(frame)
    if bounds is not None:
        frame = frame.drop(columns=[_covering_column(schema)], errors="ignore")
        if frame.empty:  # every row lay outside: an empty result, not an empty file
            return empty_events(), skipped
    return _from_frame(frame, path=path, registry=registry, rows=rows), skipped


def _read_covered(
    path: Path, *, metadata: Any, bounds: Bounds, column: str, points: PointTest | None = None
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Read the rows whose covering box meets ``bounds`` (or that have none), one row group at a time.

    Returns the rows read and their row numbers in the file (from 0), which errors name.

    Each row group's box columns are read first; a group whose statistics lie outside is
    skipped, and of the others only the rows that meet the box (and, for a point event, whose
    point passes ``points``) are kept. This is what
    ``gpd.read_parquet(filters=...)`` does, but Arrow's dataset scanner decodes every row of the
    whole file before it filters: on 1,000,000 events (bench/region_filter.py) it took 5-6 s of CPU
    where this takes 0.5-0.9 s, and at most one decoded row group is held at a time.
    """
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq
    from geopandas.io.arrow import _arrow_to_geopandas  # geopandas' own GeoParquet decoding

    west, south, east, north = (float(v) for v in bounds)
    schema = metadata.schema.to_arrow_schema()
    file = pq.ParquetFile(path, metadata=metadata, read_dictionary=_repeated_text(metadata, schema))
    leaves = _covering_leaves(schema)
    names = [name for name in schema.names if name != column]
    parts, numbers = [], []
    first = 0  # the file's row number of the group's first row
    for group in range(file.num_row_groups):
        start, first = first, first + file.metadata.row_group(group).num_rows
        if not _group_may_meet(file.metadata.row_group(group), column, leaves, (west, south, east, north)):
            continue
        box = file.read_row_group(group, columns=[column], use_threads=False).column(column).combine_chunks()
        # flatten() gives each field the struct's nulls, which NumPy turns into NaN.
        fields = dict(zip([f.name for f in box.type], box.flatten(), strict=True))
        xmin, ymin, xmax, ymax = (fields[name].to_numpy(zero_copy_only=False) for name in leaves)
        with np.errstate(invalid="ignore"):
            meets = (xmin <= east) & (xmax >= west) & (ymin <= north) & (ymax >= south)
        if points is not None:  # a point event whose point the plan leaves out is not read either
            point = meets & (xmin == xmax) & (ymin == ymax)
            meets[point] = points(xmin[point], ymin[point])
        meets |= np.isnan(xmin)  # no box (no geometry): a place name may still locate it inside
        rows = np.flatnonzero(meets)
        if rows.size:
            part = file.read_row_group(group, columns=names, use_threads=False).take(rows)
            parts.append(part.cast(schema.remove(schema.get_field_index(column))))  # text from dictionaries
            numbers.append(start + rows)
    schema = schema.remove(schema.get_field_index(column))
    table = pa.concat_tables(parts) if parts else schema.empty_table()
    frame = _arrow_to_geopandas(table, json.loads(schema.metadata[b"geo"]), {"use_threads": _ARROW_THREADS})
    return frame, np.concatenate(numbers) if numbers else np.empty(0, dtype=np.intp)


def _repeated_text(metadata: Any, schema: Any) -> list[str]:
    """Text columns whose values repeat (categories, actors, places): read as Arrow dictionaries.

    Decoded as dictionaries, the rows a box leaves out never become strings: only the kept ones
    do, after the cut. A column is taken when every row group stores it dictionary-encoded
    with a dictionary page under a quarter of the column chunk; a column of distinct values
    (ids, URLs) is cheaper to decode as plain text.
    """
    import pyarrow as pa

    text = {
        name
        for name in schema.names
        if pa.types.is_string(schema.field(name).type) or pa.types.is_large_string(schema.field(name).type)
    }
    for group in range(metadata.num_row_groups):
        chunks = metadata.row_group(group)
        for k in range(chunks.num_columns):
            chunk = chunks.column(k)
            name = chunk.path_in_schema
            if name not in text:
                continue
            start = chunk.dictionary_page_offset if chunk.has_dictionary_page else None
            dictionary = chunk.data_page_offset - start if start else chunk.total_compressed_size
            if dictionary * 4 > chunk.total_compressed_size:
                text.discard(name)
    return sorted(text)


def _group_may_meet(group: Any, column: str, leaves: Sequence[str], bounds: Bounds) -> bool:
    """Whether a row group's statistics of the covering box let it hold a row meeting ``bounds``."""
    west, south, east, north = bounds
    stats: dict[str, tuple[float, float]] = {}
    for k in range(group.num_columns):
        chunk = group.column(k)
        parts = chunk.path_in_schema.split(".")
        if len(parts) == 2 and parts[0] == column:
            statistics = chunk.statistics
            if statistics is None or not statistics.has_min_max or statistics.null_count:
                return True  # unknown, or rows without a box (kept): read the group
            stats[parts[1]] = (statistics.min, statistics.max)
    if any(name not in stats for name in leaves):
        return True
    (xmin, _), (ymin, _), (_, xmax), (_, ymax) = (stats[name] for name in leaves)
    return not (xmin > east or xmax < west or ymin > north or ymax < south)


def _meets(frame: gpd.GeoDataFrame, bounds: Bounds) -> np.ndarray:
    """Mask of the rows whose geometry's box meets ``bounds``, or that have no geometry.

    In the file's own CRS when it is not WGS84 the rows are all kept (reprojected later).
    """
    if frame.crs is not None and not frame.crs.equals(WGS84):
        return np.ones(len(frame), dtype=bool)
    west, south, east, north = bounds
    box = shapely.bounds(np.asarray(frame.geometry.array, dtype=object))
    with np.errstate(invalid="ignore"):
        meets = (box[:, 0] <= east) & (box[:, 2] >= west) & (box[:, 1] <= north) & (box[:, 3] >= south)
    return meets | np.isnan(box[:, 0])


# Arrow decodes a file on one thread here: the first read of a process (the CLI reads once) of
# 1,000,000 events took 0.7-0.8 s on one thread and 1.6-3.3 s with Arrow's thread pool, measured
# on a shared 2-core machine, where the pool's threads only contend.
_ARROW_THREADS = False


def _geo_metadata(schema: Any) -> dict[str, Any] | None:
    import json

    raw = (schema.metadata or {}).get(b"geo")
    try:
        meta = json.loads(raw) if raw else None
    except ValueError:
        return None
    return meta if isinstance(meta, dict) else None


def _covering_column(schema: Any) -> str | None:
    """Return the name of the GeoParquet 1.1 covering bbox column of the primary geometry, if any."""
    meta = _geo_metadata(schema)
    try:
        covering = meta["columns"][meta["primary_column"]]["covering"]["bbox"]  # type: ignore[index]
        paths = [covering[key] for key in ("xmin", "ymin", "xmax", "ymax")]
    except (KeyError, TypeError):
        return None
    parents = {tuple(path[:-1]) for path in paths}
    if len(parents) != 1 or not all(isinstance(part, str) for path in paths for part in path):
        return None
    (parent,) = parents
    return parent[0] if len(parent) == 1 and parent[0] in schema.names else None


def _covering_leaves(schema: Any) -> list[str]:
    """Names of the xmin, ymin, xmax and ymax fields of the covering bbox column, in that order."""
    meta = _geo_metadata(schema)
    covering = meta["columns"][meta["primary_column"]]["covering"]["bbox"]  # type: ignore[index]
    return [covering[key][-1] for key in ("xmin", "ymin", "xmax", "ymax")]


def _lon_lat(schema: Any) -> bool:
    """Whether the primary geometry is in longitude/latitude degrees (its covering box too).

    GeoParquet says so with no ``crs`` member (OGC:CRS84); a null one is an unknown CRS.
    """
    meta = _geo_metadata(schema)
    try:
        column = meta["columns"][meta["primary_column"]]  # type: ignore[index]
    except (KeyError, TypeError):
        return False
    if "crs" not in column:
        return True
    try:
        return column["crs"] is not None and pyproj.CRS.from_user_input(column["crs"]).equals(
            WGS84, ignore_axis_order=True
        )
    except pyproj.exceptions.CRSError:
        return False


def _covering_filter(schema: Any, bounds: Bounds) -> Any:
    """Return a pyarrow filter keeping the rows whose covering box meets ``bounds`` or that have none."""
    import pyarrow.compute as pc

    column = _covering_column(schema)
    if column is None or not _lon_lat(schema):
        return None
    west, south, east, north = (float(v) for v in bounds)
    box = pc.field(column, "xmin")
    meets = (
        (box <= east)
        & (pc.field(column, "xmax") >= west)
        & (pc.field(column, "ymin") <= north)
        & (pc.field(column, "ymax") >= south)
    )
    return meets | box.is_null()  # no geometry: a place name may still locate it inside


class RowLabels(Sequence[str]):
    """``"row N"`` labels of a table's records, made when asked for (1,000,000 strings take 70 MB).

    ``rows`` gives the file's row number (from 0) of each record when only some rows of the
    file were read (a region's box): an error names the row of the file, not of the rows read.
    """

    def __init__(self, count: int, *, rows: np.ndarray | None = None) -> None:
        if rows is not None and len(rows) != count:
            raise ValueError(f"{len(rows)} row numbers for {count} records")
        self._count = count
        self._rows = rows

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(self._count)[index]]
        if not -self._count <= index < self._count:
            raise IndexError(index)
        at = index % self._count
        return f"row {(at if self._rows is None else int(self._rows[at])) + 1}"


def _from_frame(
    frame: pd.DataFrame, *, path: Path, registry: CategoryRegistry, rows: np.ndarray | None = None
) -> gpd.GeoDataFrame:
    """Events from a frame read by GDAL or Arrow; the core :func:`conflictmap.to_events` shares.

    The geometry is brought to EPSG:4326 from whatever CRS the file declares (with a notice);
    columns are read under the model's names and aliases, and a file without dates is read as
    undated events (see :func:`conflictmap.frames.records_events`). ``rows``: the file's row
    number of each record, when only some were read (see :class:`RowLabels`).
    """
    if not len(frame):  # a layer or table with no rows (as a filter that kept nothing writes it)
        return empty_events()
    if isinstance(frame, gpd.GeoDataFrame):
        frame = to_wgs84(frame, name=str(path), notice=True)
        frame = pd.DataFrame(frame).rename(columns={frame.geometry.name: "geometry"})
        frame["geometry"] = np.asarray(frame["geometry"].array, dtype=object)  # not row by row
    origin = Origin(str(path), RowLabels(len(frame), rows=rows))
    # Typed columns (dates, numbers, text) are checked as they are, never turned into Python
    # objects row by row: 1,000,000 events of a GeoParquet file are validated column by column.
    raw = normalize_columns(frame, origin=origin)
    return records_events(raw, origin=origin, registry=registry)
