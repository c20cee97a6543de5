"""Readers: any supported file in, a validated event collection out.

The format comes from ``format=`` or the file's extension, and for CSV from its header (ACLED
exports and UCDP GED files are recognised by their columns). News articles (``.md``, ``.html``,
and ``.txt`` files whose first line is not a table header) go to :mod:`conflictmap.extract`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from conflictmap.categories import CategoryRegistry, default_registry
from conflictmap.errors import ConfigurationError, DataWarning, InputError, SchemaError, short_repr
from conflictmap.readers._text import check_readable, csv_records, read_text
from conflictmap.readers.acled import ACLED_MARKERS, read_acled
from conflictmap.readers.spatial import (
    read_geojson_events,
    read_gpkg_events,
    read_parquet_events,
)
from conflictmap.readers.tabular import (
    parse_json,
    read_csv_events,
    read_json_events,
    read_yaml_events,
)
from conflictmap.readers.ucdp import UCDP_MARKERS, read_ucdp
from conflictmap.schema import COLUMNS, conform, empty_events

__all__ = ["READ_FORMATS", "read_events", "read_many"]

READ_FORMATS = ("csv", "acled", "ucdp", "yaml", "json", "geojson", "gpkg", "parquet", "article")
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
}


def read_events(
    path: str | Path,
    *,
    format: str | None = None,
    encoding: str = "utf-8",
    registry: CategoryRegistry | None = None,
) -> gpd.GeoDataFrame:
    """Read one events file.

    Parameters
    ----------
    path
        The file.
    format
        One of :data:`READ_FORMATS`; by default taken from the extension (and, for CSV, from the
        header: ACLED and UCDP files are recognised).
    encoding
        Text encoding of text formats; a UTF-8 byte-order mark is always accepted.
    registry
        Category registry; the shipped one by default.

    Returns
    -------
    geopandas.GeoDataFrame
        Events in the model's columns and dtypes (see :mod:`conflictmap.schema`).

    Raises
    ------
    InputError
        The file is missing, empty, undecodable or not in the format.
    SchemaError
        A record does not fit the model; the message names file, row, field and value.
    """
    path = Path(path)
    registry = registry or default_registry()
    try:
        return _read(path, format=format, encoding=encoding, registry=registry)
    except RecursionError as err:  # data nested deeper than the stack, in any format
        msg = f"{path}: values nested too deeply (lists or mappings inside each other) to read"
        raise InputError(msg) from err


def _read(path: Path, *, format: str | None, encoding: str, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    fmt = _format_of(path, format)
    check_readable(path)
    if fmt == "csv" and path.suffix.lower() == ".txt" and format is None:
        fmt = _txt_format(path, encoding)
    if fmt == "article":
        return _read_article(path, encoding=encoding, registry=registry)
    if fmt == "gpkg":
        return read_gpkg_events(path, registry=registry)
    if fmt == "parquet":
        return read_parquet_events(path, registry=registry)
    text = read_text(path, encoding=encoding)
    reader: Callable[..., gpd.GeoDataFrame]
    if fmt in ("csv", "acled", "ucdp"):
        fmt = _csv_flavour(text, path) if fmt == "csv" else fmt
        reader = {"csv": read_csv_events, "acled": read_acled, "ucdp": read_ucdp}[fmt]
        return reader(text, path=path, registry=registry)
    if fmt == "yaml":
        return read_yaml_events(text, path=path, registry=registry)
    doc = parse_json(text, path=path)
    if isinstance(doc, dict) and doc.get("type") in ("FeatureCollection", "Feature"):
        return read_geojson_events(doc, path=path, registry=registry)
    if fmt == "geojson":
        msg = f"{path}: expected a GeoJSON FeatureCollection"
        raise SchemaError(msg)
    return read_json_events(doc, path=path, registry=registry)


def read_many(
    paths: Iterable[str | Path],
    *,
    format: str | None = None,
    encoding: str = "utf-8",
    registry: CategoryRegistry | None = None,
    on_file: Callable[[Path, int], None] | None = None,
) -> gpd.GeoDataFrame:
    """Read several files, of mixed formats, into one collection.

    The same event (same ``event_id`` and content) read twice is kept once, with a warning; two
    different events sharing an ``event_id`` are an error naming both files.

    Parameters
    ----------
    paths
        The files, in order.
    format, encoding, registry
        As for :func:`read_events`; ``format`` applies to every file.
    on_file
        Called after each file with its path and number of events (progress reporting).
    """
    frames, origins = [], []
    for path in map(Path, paths):
        frame = read_events(path, format=format, encoding=encoding, registry=registry)
        frames.append(frame)
        origins += [str(path)] * len(frame)
        if on_file:
            on_file(path, len(frame))
    if not frames:
        return empty_events()
    if len(frames) == 1:
        return frames[0]
    with warnings.catch_warnings():
        # Concatenating frames whose extra columns differ is expected, not a problem.
        warnings.simplefilter("ignore", FutureWarning)
        combined = pd.concat(frames, ignore_index=True)
    return _drop_repeats(conform(combined), origins)


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
            f"{', '.join(sorted(_EXTENSIONS))} or pass --format"
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


def _csv_flavour(text: str, path: Path) -> str:
    header, _, _ = csv_records(text.split("\n", 1)[0] + "\n", path=path)
    columns = {h.lower() for h in header}
    if columns >= ACLED_MARKERS:
        return "acled"
    if columns >= UCDP_MARKERS:
        return "ucdp"
    return "csv"
