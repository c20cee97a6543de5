"""Readers: any supported file in, a validated event collection out.

The format comes from ``format=`` or the file's extension, and for CSV from its header (ACLED
exports and UCDP GED files are recognised by their columns). News articles (``.md``, ``.html``,
and ``.txt`` files whose first line is not a table header) go to :mod:`conflictmap.extract`.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from conflictmap.categories import CategoryRegistry, default_registry
from conflictmap.errors import (
    ConfigurationError,
    DataWarning,
    InputError,
    MapperError,
    SchemaError,
    short_repr,
)
from conflictmap.frames import records_events
from conflictmap.readers._text import check_readable, check_text, csv_records, read_text, text_lines
from conflictmap.readers.acled import ACLED_MARKERS, read_acled
from conflictmap.readers.ogr import read_ogr_events
from conflictmap.readers.spatial import (
    Bounds,
    PointTest,
    geojson_records,
    read_gpkg_events,
    read_parquet_events,
)
from conflictmap.readers.stdin import STDIN, from_stdin
from conflictmap.readers.tabular import (
    json_records,
    parse_json,
    read_csv_events,
    records_frame,
    yaml_records,
)
from conflictmap.readers.ucdp import UCDP_MARKERS, read_ucdp
from conflictmap.schema import COLUMNS, conform, empty_events
from conflictmap.validate import Origin, build_events, check_columns, column_names, normalize_columns

__all__ = ["READ_FORMATS", "read_events", "read_many"]

READ_FORMATS = (
    "csv",
    "acled",
    "ucdp",
    "yaml",
    "json",
    "geojson",
    "gpkg",
    "parquet",
    "fgb",
    "shp",
    "kml",
    "article",
)
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",  # or an article: see _txt_format
    ".md": "article",
    ".markdown": "article",
    ".html": "article",
    ".htm": "article",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".geojson": "geojson",
    ".gpkg": "gpkg",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
    ".fgb": "fgb",
    ".shp": "shp",
    ".kml": "kml",
}


def read_events(
    path: str | Path,
    *,
    format: str | None = None,
    encoding: str = "utf-8",
    registry: CategoryRegistry | None = None,
    bounds: Bounds | None = None,
    on_skipped: Callable[[Path, int], None] | None = None,
    points: PointTest | None = None,
) -> gpd.GeoDataFrame:
    """Read one events file.

    Parameters
    ----------
    path
        The file, or ``"-"`` for standard input (read whole; see
        :mod:`conflictmap.readers.stdin`).
    format
        One of :data:`READ_FORMATS`; by default taken from the extension (and, for CSV, from the
        header: ACLED and UCDP files are recognised); for standard input, GeoJSON or JSON when
        the data starts with ``{`` or ``[``, else CSV.
    encoding
        Text encoding of text formats; a UTF-8 byte-order mark is always accepted.
    registry
        Category registry; the shipped one by default.
    bounds
        ``(west, south, east, north)``: the reader may leave out events whose bounding box lies
        outside it (a GeoParquet file with a covering bbox column: row groups that cannot match
        are not read, and the rows left out are not validated). Events without a geometry are
        always read (a place name may locate them inside). See :meth:`conflictmap.plan.Plan.bounds`.
    on_skipped
        Called with the path and the number of events left out by ``bounds``, when any were.
    points
        With ``bounds``: a test of point coordinates (longitude, latitude arrays to a mask)
        that every event the run keeps passes; a GeoParquet reader leaves out, with those
        outside ``bounds``, the point events that fail it. See
        :meth:`conflictmap.plan.Plan.point_test`.

    Returns
    -------
    geopandas.GeoDataFrame
        Events in the model's columns and dtypes (see :mod:`conflictmap.schema`), in EPSG:4326
        whatever the CRS of the file (a :class:`~conflictmap.errors.Reprojected` notice says
        when coordinates were reprojected). A file without dates gives undated events (see
        :func:`conflictmap.frames.records_events`).

    Raises
    ------
    InputError
        The file is missing, empty, undecodable or not in the format.
    SchemaError
        A record does not fit the model; the message names file, row, field and value.
    """
    registry = registry or default_registry()
    if str(path) == STDIN:
        return from_stdin(
            lambda tmp, fmt: read_events(tmp, format=fmt, encoding=encoding, registry=registry), format=format
        )
    path = Path(path)
    try:
        return _read(
            path,
            format=format,
            encoding=encoding,
            registry=registry,
            bounds=bounds,
            on_skipped=on_skipped,
            points=points,
        )
    except RecursionError as err:  # data nested deeper than the stack, in any format
        raise _too_deep(path) from err


def _too_deep(path: Path | str) -> InputError:
    return InputError(f"{path}: values nested too deeply (lists or mappings inside each other) to read")


def _read(
    path: Path,
    *,
    format: str | None,
    encoding: str,
    registry: CategoryRegistry,
    bounds: Bounds | None = None,
    on_skipped: Callable[[Path, int], None] | None = None,
    points: PointTest | None = None,
) -> gpd.GeoDataFrame:
    fmt = _format_of(path, format)
    check_readable(path)
    if fmt == "csv" and path.suffix.lower() == ".txt" and format is None:
        fmt = _txt_format(path, encoding)
    if fmt == "article":
        return _read_article(path, encoding=encoding, registry=registry)
    if fmt == "gpkg":
        return read_gpkg_events(path, registry=registry)
    if fmt == "parquet":
        events, skipped = read_parquet_events(path, registry=registry, bounds=bounds, points=points)
        if skipped and on_skipped is not None:
            on_skipped(path, skipped)
        return events
    if fmt in ("fgb", "shp", "kml"):
        return read_ogr_events(path, format=fmt, registry=registry)
    if fmt == "csv":
        check_text(path, encoding=encoding)
        with contextlib.closing(text_lines(path, encoding=encoding)) as lines:
            first = "".join(_first_lines(lines))
        fmt = _csv_flavour(first, path)
        if fmt == "csv" and _has_dates(first, path):  # streamed: a big file's text is never held whole
            lines = text_lines(path, encoding=encoding)
            return read_csv_events(lines, path=path, registry=registry, encoding=encoding)
        if fmt == "csv":  # a table without dates (places, say): undated events, read whole
            header, rows, labels = csv_records(read_text(path, encoding=encoding), path=path)
            origin = Origin(str(path), labels)
            raw = normalize_columns(pd.DataFrame(rows, columns=header, dtype=object), origin=origin)
            return records_events(raw, origin=origin, registry=registry)
    if fmt in ("acled", "ucdp"):
        reader = read_acled if fmt == "acled" else read_ucdp
        return reader(read_text(path, encoding=encoding), path=path, registry=registry)
    # No name holds the text, the parsed document or the records once they are used: a big
    # file's text, its parsed objects and its records each take several times its size.
    records, labels = _text_records(read_text(path, encoding=encoding), path=path, fmt=fmt)
    if not records:  # an empty FeatureCollection or event list (a filter that kept nothing): no events
        return empty_events()
    raw = records_frame(records)
    del records
    origin = Origin(str(path), labels)
    return records_events(normalize_columns(raw, origin=origin), origin=origin, registry=registry)


def _text_records(text: str, *, path: Path, fmt: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse YAML, JSON or GeoJSON text into records and a label for each."""
    if fmt == "yaml":
        return yaml_records(text, path=path)
    doc = parse_json(text, path=path)
    del text
    if isinstance(doc, dict) and doc.get("type") in ("FeatureCollection", "Feature"):
        return geojson_records(doc, path=path)
    if fmt == "geojson":
        msg = f"{path}: expected a GeoJSON FeatureCollection"
        raise SchemaError(msg)
    return json_records(doc, path=path)


def read_many(
    paths: Iterable[str | Path],
    *,
    format: str | None = None,
    encoding: str = "utf-8",
    registry: CategoryRegistry | None = None,
    on_file: Callable[[Path, int], None] | None = None,
    bounds: Bounds | None = None,
    on_skipped: Callable[[Path, int], None] | None = None,
    points: PointTest | None = None,
) -> gpd.GeoDataFrame:
    """Read several files, of mixed formats, into one collection.

    The same event (same ``event_id`` and content) read twice is kept once, with a warning; two
    different events sharing an ``event_id`` are an error naming both files.

    Small CSV, YAML, JSON and GeoJSON files are parsed one by one and their records checked
    together, so that many small files cost about what their records cost in one file; the
    events, the warnings and the first error are the same as when reading them one by one.

    Parameters
    ----------
    paths
        The files, in order.
    format, encoding, registry
        As for :func:`read_events`; ``format`` applies to every file.
    on_file
        Called after each file with its path and number of events (progress reporting).
    bounds, on_skipped, points
        As for :func:`read_events`.
    """
    paths = [Path(p) for p in paths]
    registry = registry or default_registry()
    if sum(str(p) == STDIN for p in paths) > 1:
        msg = "standard input (-) is given more than once; it can be read only once"
        raise ConfigurationError(msg)
    if len(paths) == 1:
        events = read_events(
            paths[0],
            format=format,
            encoding=encoding,
            registry=registry,
            bounds=bounds,
            on_skipped=on_skipped,
            points=points,
        )
        if on_file:
            on_file(paths[0], len(events))
        return events
    frames: list[gpd.GeoDataFrame] = []
    origins: list[str] = []
    batch: list[_Records] = []
    pending = 0  # records in batch

    def check_batch() -> None:
        nonlocal pending
        if batch:
            frames.append(_checked_together(batch, registry=registry))
            batch.clear()
            pending = 0

    for path in paths:
        try:
            try:
                small = _small_file_records(path, format=format, encoding=encoding)
            except RecursionError as err:  # as read_events says it
                raise _too_deep(path) from err
        except MapperError:
            check_batch()  # the files before this one come first, with their errors
            raise
        if small is None:
            check_batch()
            frames.append(
                read_events(
                    path,
                    format=format,
                    encoding=encoding,
                    registry=registry,
                    bounds=bounds,
                    on_skipped=on_skipped,
                    points=points,
                )
            )
            count = len(frames[-1])
        else:
            batch.append(small)
            count = len(small.labels)
            pending += count
            if pending >= _BATCH_RECORDS:
                check_batch()
        origins += [str(path)] * count
        if on_file:
            on_file(path, count)
    check_batch()
    if not frames:
        return empty_events()
    if len(frames) == 1:
        combined = frames[0]
    else:
        with warnings.catch_warnings():
            # Concatenating frames whose extra columns differ is expected, not a problem.
            warnings.simplefilter("ignore", FutureWarning)
            combined = conform(pd.concat(frames, ignore_index=True))
    return _drop_repeats(combined, origins)


# Files up to this size are parsed into records, which are checked together with those of the
# other small files read with them: a check costs some 50 ms whatever its number of records
# (pandas calls), which 10,000 one-event files would otherwise pay 10,000 times.
_SMALL_FILE = 1 << 20
_BATCH_RECORDS = 50_000


@dataclass
class _Records:
    """The records of one small file, with columns in the model's names, not yet checked."""

    path: str
    records: list[dict[str, Any]]
    labels: list[str]
    columns: list[str]


def _small_file_records(path: Path, *, format: str | None, encoding: str) -> _Records | None:
    """Parse a small CSV, YAML, JSON or GeoJSON file; None for any other file.

    The file's own checks (parsing, columns) are done here; None too when two of its columns
    mean the same field, whose merging :func:`read_events` does.
    """
    if str(path) == STDIN:
        return None
    fmt = _format_of(path, format)
    check_readable(path)
    if fmt == "csv" and path.suffix.lower() == ".txt" and format is None:
        fmt = _txt_format(path, encoding)
    if fmt not in ("csv", "yaml", "json", "geojson") or path.stat().st_size > _SMALL_FILE:
        return None
    text = read_text(path, encoding=encoding)
    if fmt == "csv":
        if _csv_flavour(text, path) != "csv":
            return None
        header, rows, labels = csv_records(text, path=path)
        records: list[dict[Any, Any]] = [dict(zip(header, row, strict=True)) for row in rows]
        keys: list[Any] = list(header)
    else:
        records, labels = _text_records(text, path=path, fmt=fmt)
        keys = list(dict.fromkeys(key for record in records for key in record))
    names = list(_column_names(tuple(keys)))
    if len(set(names)) != len(names) or "event_date" not in names:
        return None  # merged columns, or no dates (undated events): read_events reads it
    check_columns(names, path=str(path))
    if names != keys:
        renamed = dict(zip(keys, names, strict=True))
        records = [{renamed[key]: value for key, value in record.items()} for record in records]
    return _Records(str(path), records, labels, names)


@functools.lru_cache(maxsize=256)
def _column_names(keys: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(column_names(keys))  # the files read together mostly share their columns


def _checked_together(batch: list[_Records], *, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    """Check the records of several files at once; the first error is that of the first bad file.

    Every check is of one record or within one file, so the records of a batch pass together
    exactly when each file's pass alone. When they fail, halves are checked, first half first,
    down to the first failing file, which gives its own first error, as read alone.
    """
    if len(batch) == 1:
        origin = Origin(batch[0].path, batch[0].labels)
    else:
        origin = Origin.joined([Origin(part.path, part.labels) for part in batch])
    columns = list(dict.fromkeys(name for part in batch for name in part.columns))
    raw = records_frame([record for part in batch for record in part.records], columns)
    try:
        return build_events(raw, origin=origin, registry=registry)
    except MapperError:
        if len(batch) == 1:
            raise
    except RecursionError as err:
        if len(batch) == 1:
            raise _too_deep(batch[0].path) from err
    half = len(batch) // 2
    first = _checked_together(batch[:half], registry=registry)
    return conform(pd.concat([first, _checked_together(batch[half:], registry=registry)], ignore_index=True))


def _drop_repeats(events: gpd.GeoDataFrame, origins: list[str]) -> gpd.GeoDataFrame:
    ids = events["event_id"]
    repeated = ids.duplicated(keep="first")
    if not repeated.any():
        return events
    content = pd.util.hash_pandas_object(events[list(COLUMNS)], index=False)
    shapes = pd.Series(events.geometry.to_wkb(), index=events.index).map(hash)
    same = pd.DataFrame({"content": content, "shape": shapes}).duplicated(keep="first")
    for i in repeated[repeated & ~same].index:
        first = ids[ids == ids[i]].index[0]
        msg = (
            f"event_id {short_repr(ids[i])} names different events in {origins[first]} and "
            f"{origins[i]}; give them distinct ids"
        )
        raise SchemaError(msg)
    drop = repeated & same
    warnings.warn(f"{int(drop.sum())} events read more than once were kept once", DataWarning, stacklevel=3)
    return events[~drop].reset_index(drop=True)


def _format_of(path: Path, given: str | None) -> str:
    if given:
        fmt = given.lower()
        if fmt not in READ_FORMATS:
            msg = f"unknown input format {short_repr(given)}; allowed: {', '.join(READ_FORMATS)}"
            raise ConfigurationError(msg)
        return fmt
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        msg = (
            f"{path}: cannot tell the format from the extension {short_repr(path.suffix)}; use one of "
            f"{', '.join(sorted(_EXTENSIONS))} or pass --input-format"
        )
        raise ConfigurationError(msg)
    return fmt


def _txt_format(path: Path, encoding: str) -> str:
    """Tell a delimited table from an article: a first line with a delimiter and known columns is CSV."""
    from conflictmap.validate import ALIASES

    with path.open("rb") as fh:
        head = fh.read(4096)
    try:
        first = head.decode(encoding, errors="replace").lstrip("\ufeff").split("\n", 1)[0]
    except LookupError:
        return "csv"  # read_text reports the unknown encoding
    delimiter = max(",;\t", key=first.count)
    if first.count(delimiter) == 0:
        return "article"
    known = set(COLUMNS) | set(ALIASES) | {"latitude", "longitude", "geometry"}
    columns = {c.strip().strip('"').lower().replace(" ", "_") for c in first.split(delimiter)}
    return "csv" if columns & known else "article"


def _read_article(path: Path, *, encoding: str, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    """Extract the events of a news article (the published date from its dateline)."""
    from conflictmap.extract import extract_articles

    events, _mentions = extract_articles([path], encoding=encoding, registry=registry)
    return events


def _first_lines(lines: Iterable[str]) -> Iterator[str]:
    """Yield lines up to the first that ends in LF (the header, unless lines end in a lone CR)."""
    for line in lines:
        yield line
        if "\n" in line:
            return


def _has_dates(first: str, path: Path) -> bool:
    """Whether a CSV header line names a date column (under the model's name or an alias)."""
    end = first.find("\n")
    header, _, _ = csv_records((first if end < 0 else first[:end]) + "\n", path=path)
    return "event_date" in column_names(header)


def _csv_flavour(text: str, path: Path) -> str:
    end = text.find("\n")
    header, _, _ = csv_records((text if end < 0 else text[:end]) + "\n", path=path)
    columns = {h.lower() for h in header}
    if columns >= ACLED_MARKERS:
        return "acled"
    if columns >= UCDP_MARKERS:
        return "ucdp"
    return "csv"
