"""Writers: an event collection out to GeoJSON (RFC 7946), CSV, GeoPackage or GeoParquet.

Every write goes to a temporary file beside the target, renamed into place at the end, so a
failed write never leaves a truncated or half-written file.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from conflictmap.dates import format_date
from conflictmap.errors import ConfigurationError, ExportError, short_repr
from conflictmap.outputs import atomic_output
from conflictmap.schema import COLUMNS, DTYPES

__all__ = ["WRITE_FORMATS", "atomic_output", "to_geojson", "write_events"]

WRITE_FORMATS = ("geojson", "csv", "gpkg", "parquet")
_EXTENSIONS = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".csv": "csv",
    ".gpkg": "gpkg",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
}
PRECISION = 6  # decimal places kept in GeoJSON and CSV coordinates (about 0.1 m)
_DATE_COLUMNS = tuple(n for n, d in DTYPES.items() if d.startswith("datetime"))


def write_events(
    events: gpd.GeoDataFrame,
    path: str | Path,
    *,
    format: str | None = None,
) -> None:
    """Write events to a file, or GeoJSON to standard output when ``path`` is ``"-"``.

    Parameters
    ----------
    events
        An event collection.
    path
        Target file; missing parent folders are created.
    format
        One of :data:`WRITE_FORMATS`; by default from the extension.

    Raises
    ------
    ConfigurationError
        When the format is unknown or cannot be told from the extension.
    ExportError
        When the target cannot be written (a folder, no permission, disk full).
    """
    if str(path) == "-":
        if format not in (None, "geojson"):
            msg = f"only GeoJSON can be written to standard output, not {short_repr(format)}"
            raise ConfigurationError(msg)
        _write_geojson_stream(events, sys.stdout)
        sys.stdout.flush()
        return
    path = Path(path)
    if path.is_dir():
        msg = f"{path}: is a directory; give a file name for the output"
        raise ExportError(msg)
    fmt = output_format(path, format)
    with atomic_output(path) as tmp:
        _WRITERS[fmt](events, tmp)


def output_format(path: Path, given: str | None) -> str:
    """Return the output format named by ``given`` or by the extension of ``path``."""
    fmt = (given or _EXTENSIONS.get(path.suffix.lower(), "")).lower()
    if fmt not in WRITE_FORMATS:
        what = f"format {short_repr(given)}" if given else f"extension {short_repr(path.suffix)} of {path}"
        msg = (
            f"cannot write {what}; use one of {', '.join(sorted(_EXTENSIONS))} or "
            f"--format {'|'.join(WRITE_FORMATS)}"
        )
        raise ConfigurationError(msg)
    return fmt


# -- GeoJSON -----------------------------------------------------------------------------------


def to_geojson(events: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return events as an RFC 7946 FeatureCollection (a dict)."""
    return json.loads("".join(_geojson_chunks(events)))


def _write_geojson(events: gpd.GeoDataFrame, path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        _write_geojson_stream(events, fh)


def _write_geojson_stream(events: gpd.GeoDataFrame, fh: IO[str]) -> None:
    for chunk in _geojson_chunks(events):
        fh.write(chunk)


def _geojson_chunks(events: gpd.GeoDataFrame) -> Iterator[str]:
    """Yield the text of a FeatureCollection, one feature at a time.

    Coordinates are longitude first, rounded to 6 decimals, polygons wound counter-clockwise
    (RFC 7946 section 3.1.6); there is no ``crs`` member; unlocated events have a null geometry.
    """
    geometry = _rounded(events.geometry)
    shapes = shapely.to_geojson(shapely.orient_polygons(geometry.to_numpy()))
    props = _properties(events)
    ids = events["event_id"].to_numpy()
    yield '{"type": "FeatureCollection", "features": ['
    for i, (record, shape) in enumerate(zip(props, shapes, strict=True)):
        sep = ",\n" if i else "\n"
        yield (
            f'{sep}{{"type": "Feature", "id": {json.dumps(ids[i], ensure_ascii=False)}, '
            f'"properties": {json.dumps(record, ensure_ascii=False, allow_nan=False)}, '
            f'"geometry": {shape if shape is not None else "null"}}}'
        )
    yield "\n]}\n"


def _properties(events: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    names = [c for c in events.columns if c != events.geometry.name]
    columns = [_json_values(events[name]) for name in names]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _json_values(series: pd.Series) -> list[Any]:
    """Return a column as JSON-ready Python values: ISO dates, ints, None for missing."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return [format_date(v) for v in series]
    if pd.api.types.is_bool_dtype(series):
        return [bool(v) for v in series]
    if pd.api.types.is_integer_dtype(series):
        return [None if pd.isna(v) else int(v) for v in series]
    return [None if _missing(v) else _plain(v) for v in series.astype(object)]


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, list | dict | tuple) and bool(pd.isna(value)))


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return format_date(value)
    return value


def _rounded(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    return (
        geometry.set_precision(0)
        if geometry.empty
        else gpd.GeoSeries(
            shapely.transform(geometry.to_numpy(), lambda xy: np.round(xy, PRECISION)),
            index=geometry.index,
            crs=geometry.crs,
        )
    )


# -- CSV ---------------------------------------------------------------------------------------


def to_csv_frame(events: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the CSV layout: model columns with latitude/longitude, WKT for non-points."""
    geometry = _rounded(events.geometry)
    is_point = (geometry.geom_type == "Point").to_numpy()
    anchor = geometry.representative_point()
    table = pd.DataFrame(index=events.index)
    for name in COLUMNS:
        table[name] = events[name]
        if name == "geo_precision":
            table["latitude"] = anchor.y.round(PRECISION)
            table["longitude"] = anchor.x.round(PRECISION)
    for name in _DATE_COLUMNS:
        table[name] = events[name].map(format_date)
    wkt = shapely.to_wkt(geometry.to_numpy(), rounding_precision=PRECISION, trim=True)
    table["geometry"] = np.where(is_point | geometry.isna().to_numpy(), None, wkt)
    for name in events.columns:
        if name not in table.columns and name != events.geometry.name:
            table[name] = events[name]
    return table


def _write_csv(events: gpd.GeoDataFrame, path: Path) -> None:
    to_csv_frame(events).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


# -- GeoPackage and GeoParquet -----------------------------------------------------------------


def _write_gpkg(events: gpd.GeoDataFrame, path: Path) -> None:
    events.to_file(path, driver="GPKG", layer="events", engine="pyogrio", geometry_type="Unknown")


def _write_parquet(events: gpd.GeoDataFrame, path: Path) -> None:
    events.to_parquet(path, index=False)


_WRITERS: dict[str, Callable[[gpd.GeoDataFrame, Path], None]] = {
    "geojson": _write_geojson,
    "csv": _write_csv,
    "gpkg": _write_gpkg,
    "parquet": _write_parquet,
}
