"""Writers: events out to GeoJSON (RFC 7946), CSV, GeoPackage, GeoParquet, FlatGeobuf, Shapefile, KML.

Any GeoDataFrame is written: one that is not an event collection is turned into events first
(:func:`conflictmap.to_events`), and every writer writes longitude/latitude in EPSG:4326, from
whatever CRS the frame is in (:func:`conflictmap.frames.as_events`).

Every write goes to a temporary file beside the target, renamed into place at the end, so a
failed write never leaves a truncated or half-written file.

What is written reads back as the same events, in every format. A value a format cannot hold
(a NUL in GeoPackage text, a date outside the years 1 to 9999) is refused before anything is
written, with an :class:`~conflictmap.errors.ExportError` naming the event, the field and why.

A third coordinate (Z, an elevation) is kept in every format: GeoJSON positions may carry it
(RFC 7946, section 3.1.1), CSV writes such a geometry as WKT ``POINT Z (...)`` in its
``geometry`` column, GeoPackage and GeoParquet store it natively. Dropping it would lose what
the source gave, and a round trip through GeoJSON or CSV would then differ from one through
GeoPackage or Parquet; a user who wants flat points can drop Z before writing.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from conflictmap.dates import YEARS, format_date
from conflictmap.errors import ConfigurationError, ExportError, short_repr
from conflictmap.outputs import atomic_output
from conflictmap.schema import COLUMNS, DTYPES

__all__ = ["WRITE_FORMATS", "atomic_output", "to_geojson", "write_events"]

WRITE_FORMATS = ("geojson", "csv", "gpkg", "parquet", "fgb", "shp", "kml")
_EXTENSIONS = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".csv": "csv",
    ".gpkg": "gpkg",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
    ".fgb": "fgb",
    ".shp": "shp",
    ".kml": "kml",
}
# GDAL's formats whose text ends at a NUL and whose times keep milliseconds.
_GDAL_FORMATS = ("gpkg", "fgb", "shp", "kml")
_SHAPEFILE_TEXT_BYTES = 254  # a dBASE text field holds at most this many bytes
_SHAPEFILE_EXACT_INTEGER = 2**53  # 64-bit integers are written in a number field GDAL reads as double
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
        An event collection, or any GeoDataFrame (see :func:`conflictmap.to_events`), in any
        CRS: coordinates are written as longitude/latitude (EPSG:4326).
    path
        Target file; missing parent folders are created. A Shapefile is written with its
        ``.shx``, ``.dbf``, ``.prj`` and ``.cpg`` beside it, all or none.
    format
        One of :data:`WRITE_FORMATS`; by default from the extension.

    Raises
    ------
    ConfigurationError
        When the format is unknown or cannot be told from the extension.
    CrsError
        ``events`` has no CRS and its coordinates are not degrees.
    ExportError
        When the target cannot be written (a folder, no permission, disk full).
    """
    from conflictmap.frames import as_events

    events = as_events(events)
    if str(path) == "-":
        if format not in (None, "geojson"):
            msg = f"only GeoJSON can be written to standard output, not {short_repr(format)}"
            raise ConfigurationError(msg)
        check_writable(events, format="geojson", target="standard output")
        _write_stdout(events)
        return
    path = Path(path)
    if path.is_dir():
        msg = f"{path}: is a directory; give a file name for the output"
        raise ExportError(msg)
    fmt = output_format(path, format)
    check_writable(events, format=fmt, target=str(path))
    if fmt == "kml":
        _check_kml_altitudes(events, target=str(path))
    if fmt == "fgb":
        _fgb_geometry_type(events, target=str(path))
    if fmt == "shp":
        _write_shapefile(events, path)
        return
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


# -- What each format can hold -----------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")
_GPKG_TIME_STEP = 1000  # microseconds: GeoPackage stores times to the millisecond


def check_writable(events: gpd.GeoDataFrame, *, format: str, target: str) -> None:
    """Refuse, before anything is written, a value that ``format`` cannot hold or read back.

    Parameters
    ----------
    events
        The events about to be written.
    format
        One of :data:`WRITE_FORMATS`.
    target
        The output, as the message should name it.

    Raises
    ------
    ExportError
        Naming the target, the event, the field, the value and why. Refused are: text that
        is not valid Unicode (a lone surrogate, which UTF-8 cannot encode; every format);
        event dates outside the years 1 to 9999, which ISO 8601 writes with other than four
        digits and no reader takes back (every format); a NUL character in the text of GDAL's
        formats, where GDAL ends the string at it; a time finer than the millisecond in
        GeoPackage and FlatGeobuf, whose dates keep milliseconds; in FlatGeobuf, a time before
        1970 with a fraction of a second (GDAL's writer moves it); in a Shapefile, text over
        254 bytes and an integer beyond 2**53 (read back as a double); a float that is
        infinite in GeoJSON, which JSON cannot write; in KML (XML), a control character XML
        1.0 cannot hold (the file would not be readable), a carriage return (XML reads it back
        as a line feed) and the text ``]]>`` (which GDAL's KML writer leaves unescaped, making
        the file unreadable).
    """
    for name in events.columns:
        if name == events.geometry.name:
            continue
        column = events[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            _check_dates(events, name, format=format, target=target)
        elif pd.api.types.is_integer_dtype(column) and format == "shp":
            # A Shapefile's wide number field reads back as a double: exact only up to 2**53.
            bad = column.abs().gt(_SHAPEFILE_EXACT_INTEGER).fillna(False).to_numpy(dtype=bool)
            _refuse(
                events,
                name,
                bad,
                target,
                f"a Shapefile number this large reads back as a float, exact only up to "
                f"{_SHAPEFILE_EXACT_INTEGER:,}; write GeoPackage, FlatGeobuf or Parquet, which keep it",
            )
        elif pd.api.types.is_float_dtype(column):
            if format == "geojson":
                bad = np.isinf(column.to_numpy(dtype=float, na_value=np.nan))
                _refuse(events, name, bad, target, "JSON has no infinite numbers; leave the cell empty")
        elif pd.api.types.is_string_dtype(column) or column.dtype == object:
            _check_text(events, name, format=format, target=target)


def _check_dates(events: gpd.GeoDataFrame, name: str, *, format: str, target: str) -> None:
    column = events[name]
    if name in _DATE_COLUMNS:
        first, last = YEARS
        bad = column.notna() & ((column.dt.year < first) | (column.dt.year > last))
        _refuse(
            events,
            name,
            bad,
            target,
            f"years before {first} or after {last} have no four-digit ISO 8601 form, which every "
            f"reader expects",
        )
    if format in ("gpkg", "fgb"):
        fraction = column.dt.microsecond % _GPKG_TIME_STEP + column.dt.nanosecond
        _refuse(
            events,
            name,
            column.notna() & (fraction != 0),
            target,
            f"{_FORMAT_NAMES[format]} keeps times to the millisecond, and this one is finer; write "
            "GeoJSON, CSV or Parquet, or round the times",
        )
    if format == "fgb":
        # GDAL's Arrow path (which the FlatGeobuf writer takes to keep nullable integers whole)
        # truncates a negative epoch toward zero: a time before 1970 with a fraction of a
        # second comes back one second late with no fraction (GDAL 3.10, pyogrio 0.11).
        early = column.notna() & (column < pd.Timestamp("1970-01-01")) & (column.dt.microsecond != 0)
        _refuse(
            events,
            name,
            early,
            target,
            "FlatGeobuf (as GDAL writes it) moves a time before 1970 with a fraction of a second "
            "to the wrong second; write GeoPackage, GeoJSON, CSV or Parquet, or round the time to the second",
        )


def _check_text(events: gpd.GeoDataFrame, name: str, *, format: str, target: str) -> None:
    column = events[name]
    if not (isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow"):
        # Arrow strings are valid UTF-8 by construction; Python strings may hold a lone surrogate.
        bad = column.map(lambda v: isinstance(v, str) and _SURROGATE.search(v) is not None)
        _refuse(
            events,
            name,
            bad,
            target,
            "not valid Unicode text (it holds a lone surrogate, which UTF-8 cannot encode)",
        )
    if format == "shp":
        too_long = column.map(
            lambda v: isinstance(v, str) and len(v.encode("utf-8", "surrogatepass")) > _SHAPEFILE_TEXT_BYTES
        )
        _refuse(
            events,
            name,
            too_long,
            target,
            f"a Shapefile text field holds at most {_SHAPEFILE_TEXT_BYTES} bytes, and this one is longer; "
            "write GeoPackage or FlatGeobuf, which keep it whole",
        )
    if format in _GDAL_FORMATS:
        if isinstance(column.dtype, pd.StringDtype):
            bad = column.str.contains("\x00", regex=False, na=False)
        else:
            bad = column.map(lambda v: isinstance(v, str) and "\x00" in v)
        _refuse(
            events,
            name,
            bad,
            target,
            f"{_FORMAT_NAMES[format]} text cannot hold the NUL character (U+0000): GDAL ends the "
            "string at it; write GeoJSON, CSV or Parquet, or remove the character",
        )
    if format == "kml":
        _check_xml_text(events, name, target=target)


# Characters XML 1.0 cannot hold (NUL is refused with every GDAL format, above).
_XML_ILLEGAL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _check_xml_text(events: gpd.GeoDataFrame, name: str, *, target: str) -> None:
    """Refuse text KML cannot carry back: LIBKML writes it, and the file then does not read, or differs."""
    text = events[name].astype(object)
    instead = "write GeoJSON, CSV, GeoPackage or Parquet, which keep it"
    _refuse(
        events,
        name,
        text.map(lambda v: isinstance(v, str) and _XML_ILLEGAL.search(v) is not None),
        target,
        f"KML is XML, which cannot hold this control character (the file would not be readable); {instead}",
    )
    _refuse(
        events,
        name,
        text.map(lambda v: isinstance(v, str) and "\r" in v),
        target,
        f"KML is XML, whose readers turn a carriage return (U+000D) into a line feed; {instead}",
    )
    _refuse(
        events,
        name,
        text.map(lambda v: isinstance(v, str) and "]]>" in v),
        target,
        f"GDAL's KML writer does not escape the text ']]>', and the file would not be readable; {instead}",
    )


_FORMAT_NAMES = {"gpkg": "GeoPackage", "fgb": "FlatGeobuf", "shp": "Shapefile", "kml": "KML"}


def _refuse(events: gpd.GeoDataFrame, name: str, bad: Any, target: str, why: str) -> None:
    hits = np.flatnonzero(np.asarray(bad, dtype=bool))
    if not hits.size:
        return
    i = int(hits[0])
    event = _shown(events["event_id"].iloc[i]) if "event_id" in events.columns else f"row {i + 1}"
    more = f" (and {hits.size - 1} more)" if hits.size > 1 else ""
    msg = f"{target}: event {event}{more}: field {name!r} = {_shown(events[name].iloc[i])}: {why}"
    raise ExportError(msg)


def _shown(value: object, limit: int = 80) -> str:
    """Quote a value for a message: escapes make control characters visible; long text is cut."""
    if isinstance(value, pd.Timestamp):
        value = format_date(value)
    elif isinstance(value, np.generic):
        value = value.item()
    elif isinstance(value, str):
        value = value[:limit]
    shown = ascii(value)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


# -- GeoJSON -----------------------------------------------------------------------------------


def to_geojson(events: gpd.GeoDataFrame) -> dict[str, Any]:
    """Return events as an RFC 7946 FeatureCollection (a dict), as :func:`write_events` writes it.

    Raises
    ------
    ExportError
        For a value GeoJSON cannot hold (see :func:`check_writable`).
    """
    check_writable(events, format="geojson", target="GeoJSON")
    return json.loads(b"".join(_geojson_chunks(events)))


def _write_geojson(events: gpd.GeoDataFrame, path: Path) -> None:
    with path.open("wb") as fh:
        for chunk in _geojson_chunks(events):
            fh.write(chunk)


def _write_stdout(events: gpd.GeoDataFrame) -> None:
    """Write GeoJSON to standard output, in UTF-8 whatever the locale (RFC 8259, section 8.1)."""
    out = getattr(sys.stdout, "buffer", None)
    try:
        if out is None:  # a text-only stream (a notebook, a test): it takes str
            for chunk in _geojson_chunks(events):
                sys.stdout.write(bytes(chunk).decode("utf-8"))
            sys.stdout.flush()
            return
        sys.stdout.flush()  # text written before goes out first
        for chunk in _geojson_chunks(events):
            out.write(chunk)
        out.flush()
    except BrokenPipeError as err:
        # The reader went away (``| head``): Python would complain again when it flushes
        # standard output at exit, so that flush goes to the null device.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, sys.stdout.fileno())
            finally:
                os.close(devnull)
        msg = "standard output: closed before all events were written"
        raise ExportError(msg) from err
    except OSError as err:
        msg = f"standard output: cannot write: {err.strerror or err}"
        raise ExportError(msg) from err


# Our own GeoJSON writer is kept rather than pyogrio's RFC 7946 mode (RFC7946=YES). The round-trip
# tests favour ours: it streams to standard output (``-o -`` in a pipe), writes dates in the
# model's ISO form (``2024-12-08``, not pyogrio's ``2024-12-08T00:00:00``), keeps event_id among
# the properties as well as the feature id (ID_FIELD moves it out), rounds to 6 decimals as the
# CSV writer does, and keeps a Z, null geometries and the events' order, all of which
# tests/property/test_roundtrip_all.py checks. It is columnar, which is why it is not slower:
# each column's values are turned into JSON text once, as an Arrow string array (a value per
# distinct value where values repeat: dates, numbers), the features are joined element-wise by
# Arrow, and each slice of events is written in one write of Arrow's buffer. Writing one feature
# at a time with json.dumps took 43 s for 1,000,000 events, where pyogrio took 30 s of CPU
# (bench/read_write.py).
def _geojson_chunks(events: gpd.GeoDataFrame) -> Iterator[bytes | memoryview]:
    """Yield the UTF-8 text of a FeatureCollection, a slice of events at a time.

    One feature a line, members in the order ``type``, ``id``, ``properties``, ``geometry``;
    properties as ``json.dumps`` of a dict of the columns writes them (``ensure_ascii=False``).
    Coordinates are longitude first, rounded to 6 decimals, polygons wound counter-clockwise
    (RFC 7946 section 3.1.6); there is no ``crs`` member; unlocated events have a null geometry.

    Raises
    ------
    ExportError
        A value of an extra column that JSON cannot write, naming the first such event.
    """
    yield b'{"type": "FeatureCollection", "features": ['
    names = [c for c in events.columns if c != events.geometry.name]
    try:
        keys = [json.dumps({name: None}, ensure_ascii=False)[1 : -len(": null}")] for name in names]
    except TypeError as err:  # a column name that is not text, a number or a boolean
        first = f"event {events['event_id'].iloc[0]!r}: " if len(events) else ""
        msg = f"{first}cannot write its properties as JSON: {err}"
        raise ExportError(msg) from err
    for start in range(0, len(events), _SLICE):
        part = events.iloc[start : start + _SLICE]
        geometry = _rounded(part.geometry).to_numpy()
        areas = ~np.isin(shapely.get_type_id(geometry), _NO_RINGS)  # orienting a point takes time too
        if areas.any():
            geometry[areas] = shapely.orient_polygons(geometry[areas])
        shapes = pa.array(shapely.to_geojson(geometry), type=_TEXT).fill_null("null")
        columns = _json_columns(part, names)
        pieces: list[Any] = [
            ',\n{"type": "Feature", "id": ',
            _json_ids(part["event_id"]),
            ', "properties": {',
        ]
        for k, (key, column) in enumerate(zip(keys, columns, strict=True)):
            pieces += [f"{', ' if k else ''}{key}: ", column]
        pieces += ['}, "geometry": ', shapes, "}"]
        text = pc.binary_join_element_wise(*[_piece(p) for p in pieces], _piece(""))
        data = _utf8(text)
        if not start:  # the first feature has no comma before it
            yield b"\n"
            data = data[2:]
        yield data
    yield b"\n]}\n"


# Events written at a time: a slice's JSON text (some 700 bytes an event) is held at once.
_SLICE = 50_000
_BOOLEANS = pa.array(["false", "true"], type=pa.large_string())
_NO_RINGS = (-1, 0, 4)  # shapely's type ids of a missing geometry, Point and MultiPoint
# Large strings (64-bit offsets): a slice of detailed polygons may hold more than 2 GB of text.
_TEXT = pa.large_string()


def _piece(value: Any) -> Any:
    if isinstance(value, str):
        return pa.scalar(value, type=_TEXT)
    return value.combine_chunks() if isinstance(value, pa.ChunkedArray) else value


def _utf8(text: pa.Array) -> memoryview:
    """Return the UTF-8 bytes of all the values of a string array, one after the other (no copy)."""
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset : text.offset + len(text) + 1]
    return memoryview(text.buffers()[2])[int(offsets[0]) : int(offsets[-1])]


def _json_ids(ids: pd.Series) -> pa.Array:
    """Return the feature ids: event_id as JSON."""
    if isinstance(ids.dtype, pd.StringDtype) and not ids.hasnans:
        return _json_strings(ids)
    return pa.array([json.dumps(v, ensure_ascii=False) for v in ids.to_numpy()], type=_TEXT)


def _json_columns(part: gpd.GeoDataFrame, names: list[object]) -> list[pa.Array]:
    """Return the JSON text of each column; raise for the first event JSON cannot write."""
    columns, failed = [], []
    for name in names:
        texts, bad = _json_texts(part[name])
        columns.append(texts)
        if bad is not None:
            failed.append(bad)
    if failed:
        row, _, err = min(failed, key=lambda item: item[:2])
        ids = part["event_id"].to_numpy()
        msg = f"event {ids[row]!r}: cannot write its properties as JSON: {err}"
        raise ExportError(msg) from err
    return columns


def _json_strings(values: pd.Series) -> pa.Array:
    """JSON text of an Arrow-backed text column: quoted, escaped as json.dumps does, null where missing."""
    from json.encoder import encode_basestring  # json.dumps(text, ensure_ascii=False) of a str

    array = _piece(pa.array(values, type=_TEXT))  # one chunk
    quoted = pc.binary_join_element_wise(_piece('"'), array, _piece('"'), _piece(""))
    escape = _needs_escape(array)
    if array.null_count:
        escape &= array.is_valid().to_numpy(zero_copy_only=False)
    if escape.any():
        rows = np.flatnonzero(escape)
        escaped = pa.array([encode_basestring(v) for v in array.take(rows).to_pylist()], type=_TEXT)
        quoted = pc.replace_with_mask(quoted, pa.array(escape), escaped)
    return quoted.fill_null("null")


def _needs_escape(array: pa.Array) -> np.ndarray:
    """Mask of the values holding a byte json.dumps escapes: a quote, a backslash, a control character.

    Looked for in the UTF-8 bytes of all values at once (a byte below 0x80 is that character
    in UTF-8); a regular expression per value took twice as long.
    """
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    data = (
        np.frombuffer(array.buffers()[2], dtype=np.uint8) if array.buffers()[2] is not None else np.empty(0)
    )
    data = data[int(offsets[0]) : int(offsets[-1])]
    at = np.flatnonzero((data < 0x20) | (data == 0x22) | (data == 0x5C))  # byte positions, few
    escape = np.zeros(len(array), dtype=bool)
    escape[np.searchsorted(offsets[1:] - offsets[0], at, side="right")] = True  # the value of each
    return escape


def _json_texts(series: pd.Series) -> tuple[pa.Array, tuple[int, int, Exception] | None]:
    """Return a column's values as JSON text, and (row, 0, error) of the first JSON cannot write.

    Typed columns are converted whole: text with Arrow, integers by Arrow's cast (the digits
    json.dumps writes), dates formatted once per distinct date; other columns value by value,
    as :func:`_json_values` gives them to ``json.dumps``.
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        codes, uniques = pd.factorize(series)
        texts = pa.array([json.dumps(format_date(v), ensure_ascii=False) for v in uniques], type=_TEXT)
        return texts.take(pa.array(codes, mask=codes < 0)).fill_null("null"), None  # code -1: missing
    if pd.api.types.is_bool_dtype(series) and not series.hasnans:
        return _BOOLEANS.take(series.to_numpy(dtype=np.int8)), None
    if pd.api.types.is_integer_dtype(series):
        return pc.cast(pa.array(series), _TEXT).fill_null("null"), None
    if isinstance(series.dtype, pd.StringDtype):
        return _json_strings(series), None
    texts, bad = [], None
    for row, value in enumerate(_json_values(series)):
        try:
            texts.append(json.dumps(value, ensure_ascii=False, allow_nan=False))
        except (TypeError, ValueError) as err:  # a value of an extra column JSON cannot write
            texts.append("null")
            bad = bad or (row, 0, err)
    return pa.array(texts, type=_TEXT), bad


def _json_values(series: pd.Series) -> list[Any]:
    """Return a column as JSON-ready Python values: ISO dates, ints, None for missing.

    Typed columns are converted whole (NumPy and pandas make the Python values); dates are
    formatted once per distinct date. Only columns of Python objects are looked at value by value.
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        codes, uniques = pd.factorize(series)
        texts = np.array([*(format_date(v) for v in uniques), None], dtype=object)
        return texts[codes].tolist()  # code -1 (missing) takes the last
    if pd.api.types.is_bool_dtype(series) and not series.hasnans:
        return series.to_numpy(dtype=bool).tolist()
    if (
        pd.api.types.is_integer_dtype(series)
        or pd.api.types.is_float_dtype(series)
        or (pd.api.types.is_string_dtype(series) and not pd.api.types.is_object_dtype(series))
    ):
        # Python ints, floats and strs, None where missing (NaN included, as JSON has no NaN).
        return series.astype(object).where(series.notna(), None).tolist()
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
    """Round every coordinate, Z included, to :data:`PRECISION` decimals; keep each one's Z or not."""
    return (
        geometry.set_precision(0)
        if geometry.empty
        else gpd.GeoSeries(
            shapely.transform(geometry.to_numpy(), lambda xyz: np.round(xyz, PRECISION), include_z=None),
            index=geometry.index,
            crs=geometry.crs,
        )
    )


# -- CSV ---------------------------------------------------------------------------------------


def to_csv_frame(events: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the CSV layout: model columns with latitude/longitude, WKT for non-points.

    Points with a Z also get WKT (``POINT Z (lon lat z)``), which readers take over the
    latitude/longitude pair, so the elevation survives.
    """
    geometry = _rounded(events.geometry)
    is_point = ((geometry.geom_type == "Point") & ~geometry.has_z).to_numpy()
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
    # Rows end in CRLF, as RFC 4180 has it: the csv module quotes a field only when it holds a
    # character of the line terminator, so with a bare LF a lone CR in a text was left
    # unquoted, and every CSV reader (ours, pandas, spreadsheets) broke the row at it.
    with path.open("w", encoding="utf-8", newline="") as fh:
        for start in range(0, max(len(events), 1), _SLICE):  # an empty table still has its header
            part = to_csv_frame(events.iloc[start : start + _SLICE])
            part.to_csv(fh, index=False, header=not start, lineterminator="\r\n")


# -- GeoPackage and GeoParquet -----------------------------------------------------------------


def _write_gpkg(events: gpd.GeoDataFrame, path: Path) -> None:
    # Unknown with no promotion: a layer of mixed types (Polygon next to MultiPolygon, 2D next
    # to 3D) keeps every geometry as it is; by default pyogrio turned the polygons into multi.
    events.to_file(
        path, driver="GPKG", layer="events", engine="pyogrio", geometry_type="Unknown", promote_to_multi=False
    )


# Rows per Parquet row group: a reader filtering by place skips the groups whose bbox statistics
# lie outside its area (events written in place order, as a partitioned dataset is, skip most).
PARQUET_ROW_GROUP = 100_000


def _write_parquet(events: gpd.GeoDataFrame, path: Path) -> None:
    # GeoParquet 1.1 covering bbox column: readers (ours, GDAL, DuckDB) filter by area on it
    # without decoding a geometry.
    events.to_parquet(
        path,
        index=False,
        write_covering_bbox=True,
        row_group_size=PARQUET_ROW_GROUP,
        use_dictionary=_dictionary_columns(events),
    )


# The covering bbox column geopandas writes, as Parquet column paths.
_COVERING_PATHS = tuple(f"bbox.{side}" for side in ("xmin", "ymin", "xmax", "ymax"))
_DICTIONARY_SAMPLE = 10_000  # rows whose boxes tell whether the geometries repeat


def _dictionary_columns(events: gpd.GeoDataFrame) -> list[str]:
    """Parquet columns to write dictionary-encoded: not those whose values are nearly all distinct.

    Parquet builds a dictionary of a column's values until it outgrows its page (1 MB) and then
    writes the rest plain: for distinct values the dictionary is work thrown away, and the file
    larger. Event ids are distinct in a file (the model checks it). Geometries and their boxes
    repeat where events share places (ACLED's do), not where every event has its own point:
    a sample of the boxes tells which. On 177,355 synthetic events with points of their own,
    leaving the three out took writing from 0.19 s to 0.13 s of CPU and the file from 13.8 MB to
    11.9 MB.
    """
    names = [str(name) for name in events.columns if name != "event_id"]
    geometry = np.asarray(events.geometry.array, dtype=object)
    if len(geometry):
        sample = geometry[:: max(1, len(geometry) // _DICTIONARY_SAMPLE)]
        box = shapely.bounds(sample)
        box = box[~np.isnan(box[:, 0])]  # missing geometries are nulls, not values
        if len(np.unique(box, axis=0)) <= len(box) // 2:
            return [*names, *_COVERING_PATHS]
    return [name for name in names if name != events.geometry.name]


def _fgb_geometry_type(events: gpd.GeoDataFrame, *, target: str) -> str:
    """Return the layer type to write: "Unknown" keeps flat geometries of mixed types as they are.

    FlatGeobuf says in its header, for the whole layer, whether coordinates have a Z, and an
    "Unknown" layer has none (GDAL drops every Z); a layer with a Z must name its one type
    ("Point Z"). So 3D geometries are written when all geometries are of one type and all have
    a Z, and refused otherwise.

    Raises
    ------
    ExportError
        3D geometries next to flat ones, or of several types.
    """
    located = events.geometry.dropna()
    has_z = located.has_z.to_numpy()
    if not has_z.any():
        return "Unknown"
    kinds = sorted(set(located.geom_type))
    if has_z.all() and len(kinds) == 1:
        return f"{kinds[0]} Z"
    what = (
        "flat and 3D geometries"
        if not has_z.all()
        else f"3D geometries of several types ({', '.join(kinds)})"
    )
    msg = (
        f"{target}: these events mix {what}: a FlatGeobuf file keeps a Z only when every geometry "
        "has one, all of one type; write GeoPackage or GeoParquet, which keep them, or drop the Z "
        "(shapely.force_2d)"
    )
    raise ExportError(msg)


def _write_fgb(events: gpd.GeoDataFrame, path: Path) -> None:
    # Arrow keeps nullable integers (fatalities) whole; "Unknown" keeps mixed types as they are.
    events.to_file(
        path,
        driver="FlatGeobuf",
        engine="pyogrio",
        use_arrow=True,
        geometry_type=_fgb_geometry_type(events, target=str(path)),
        promote_to_multi=False,
        SPATIAL_INDEX="NO",  # an index reorders the features; ours keep the events' order
    )


def _with_text_dates(events: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Dates as ISO 8601 text: a Shapefile's date field has no time, KML's none at all."""
    out = events.copy()
    for name in out.columns:
        if name != out.geometry.name and pd.api.types.is_datetime64_any_dtype(out[name]):
            out[name] = pd.array([format_date(v) for v in out[name]], dtype="str")
    return out


def _check_kml_altitudes(events: gpd.GeoDataFrame, *, target: str) -> None:
    """Refuse geometries whose Z (or lack of one) KML would not give back.

    LIBKML writes a flat position with altitude 0 (``1,2,0``), so a KML file cannot tell a flat
    geometry from one at altitude 0; the reader reads a file as flat when every altitude is 0
    (:func:`conflictmap.readers.ogr._flat_if_zero`). Flat geometries next to 3D ones would come
    back with a Z of 0, and 3D ones all at altitude 0 would come back flat: both are refused.
    """
    located = events.geometry.dropna()
    has_z = located.has_z.to_numpy()
    if not has_z.any():
        return
    instead = "write GeoPackage or FlatGeobuf, which keep them, or drop the Z (shapely.force_2d)"
    if not has_z.all():
        flat = events.loc[located.index[~has_z][0]]
        third = events.loc[located.index[has_z][0]]
        msg = (
            f"{target}: event {_shown(flat['event_id'])} is flat and event {_shown(third['event_id'])} "
            f"has a Z: KML writes a flat position with altitude 0, so the flat one would read back with "
            f"a Z of 0; {instead}"
        )
        raise ExportError(msg)
    z = shapely.get_coordinates(located.to_numpy(), include_z=True)[:, 2]
    if not (z != 0).any():
        msg = (
            f"{target}: every Z is 0: KML writes flat positions with altitude 0 too, so these geometries "
            f"would read back flat; {instead}"
        )
        raise ExportError(msg)


def _write_kml(events: gpd.GeoDataFrame, path: Path) -> None:
    from conflictmap.readers.ogr import KML_DRIVER

    # Every column goes to the placemark's ExtendedData; KML is WGS84 by definition.
    _with_text_dates(events).to_file(path, driver=KML_DRIVER, engine="pyogrio", layer="events")


def _write_shapefile(events: gpd.GeoDataFrame, path: Path) -> None:
    """Write a Shapefile and its companions in a staging folder, then rename them all into place.

    One geometry type per file (Shapefile's rule), points or polygons, flat or all with Z; the
    model's names longer than 10 characters get the short names the reader maps back
    (:data:`conflictmap.readers.ogr.SHAPEFILE_NAMES`); an extra column's longer name is refused,
    as GDAL would cut it.
    """
    import tempfile

    from conflictmap.outputs import atomic_outputs
    from conflictmap.readers.ogr import SHAPEFILE_NAMES

    kinds = set(events.geometry.dropna().geom_type.replace({"Polygon": "MultiPolygon"}))
    dims = set(events.geometry.dropna().has_z)
    if len(kinds) > 1 or len(dims) > 1:
        msg = (
            f"{path}: a Shapefile holds one geometry type, and these events mix "
            f"{' and '.join(sorted(kinds)) if len(kinds) > 1 else 'flat and 3D geometries'}; write "
            "GeoPackage or FlatGeobuf, or write points and areas to two files"
        )
        raise ExportError(msg)
    table = _with_text_dates(events).rename(columns=SHAPEFILE_NAMES)
    long = [str(c) for c in table.columns if c != table.geometry.name and len(str(c).encode()) > 10]
    if long:
        msg = (
            f"{path}: Shapefile column names have at most 10 characters; rename {', '.join(long[:5])} "
            "or write GeoPackage or FlatGeobuf"
        )
        raise ExportError(msg)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.stem}.") as folder:
        staged = Path(folder) / f"{path.stem}.shp"
        # The type is named: left to GDAL, it is that of the first feature, and a first
        # unlocated event made a file of lines out of the polygons after it.
        kind = {"Point": "Point", "MultiPolygon": "Polygon"}[kinds.pop()] if kinds else "Point"
        table.to_file(
            staged,
            driver="ESRI Shapefile",
            engine="pyogrio",
            geometry_type=f"{kind} Z" if any(dims) else kind,
            ENCODING="UTF-8",
        )
        with atomic_outputs() as outputs:
            for part in sorted(Path(folder).iterdir()):
                with outputs.writing(path.with_suffix(part.suffix)) as tmp:
                    os.replace(part, tmp)


_WRITERS: dict[str, Callable[[gpd.GeoDataFrame, Path], None]] = {
    "geojson": _write_geojson,
    "csv": _write_csv,
    "gpkg": _write_gpkg,
    "parquet": _write_parquet,
    "fgb": _write_fgb,
    "kml": _write_kml,
}
