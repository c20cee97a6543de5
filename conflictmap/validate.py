"""Turn raw records from any reader into a validated event collection.

Every reader ends here, so every input gets the same checks and the same errors: each names the
file, the row (``line 4``, ``feature 2``), the field, the bad value and what is allowed.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from shapely.geometry.base import BaseGeometry

from conflictmap.categories import FALLBACK, CategoryRegistry, default_registry
from conflictmap.countries import country_by_code, iso_a2
from conflictmap.dates import ACLED_STYLES, DATE_DTYPE, ISO_STYLES, YEARS, parse_dates
from conflictmap.errors import DataWarning, RecordErrors, SchemaError, short_repr
from conflictmap.schema import GEOMETRY_TYPES, TEXT_COLUMNS, conform

__all__ = [
    "ALIASES",
    "MAX_COUNT",
    "Checked",
    "Origin",
    "build_events",
    "check_columns",
    "check_records",
    "column_names",
    "finish_events",
    "merge_columns",
    "normalize_columns",
    "parse_geometry",
]

# Column names people use for the model's fields (folded to lower case before lookup).
ALIASES = {
    "id": "event_id",
    "date": "event_date",
    "start_date": "event_date",
    "date_start": "event_date",
    "end_date": "date_end",
    "lat": "latitude",
    "y": "latitude",
    "lon": "longitude",
    "lng": "longitude",
    "long": "longitude",
    "x": "longitude",
    "url": "source_url",
    "link": "source_url",
    "place": "location",
    "description": "notes",
    "wkt": "geometry",
    "geom": "geometry",
    "deaths": "fatalities",
    "event_type": "category",
}
_TRANSIENT = ("latitude", "longitude", "geometry")
# The largest count the Int64 column holds; counts are read as nullable integers, never as
# floats, so every digit up to it is kept.
MAX_COUNT = 2**63 - 1


@dataclass(frozen=True)
class Origin:
    """Where raw records came from, for error messages.

    Attributes
    ----------
    path
        The input file as the user named it (the first one, when ``files`` is set).
    labels
        One human-facing position per record (``"line 4"``, ``"feature 2"``).
    acled_dates
        Whether ACLED's date styles are accepted.
    files
        When the records of several files are checked together: each file's path and the
        position of its first record, in order. Empty for one file.
    """

    path: str
    labels: Sequence[str]
    acled_dates: bool = False
    files: Sequence[tuple[str, int]] = ()

    def fail(self, index: int, field: str, value: object, reason: str) -> SchemaError:
        """Build the error for record ``index`` (a position, not an index label)."""
        return SchemaError(reason, path=self.path_of(index), row=self.labels[index], field=field, value=value)

    def path_of(self, index: int) -> str:
        """Return the file of record ``index``."""
        if not self.files:
            return self.path
        starts = [start for _, start in self.files]
        return self.files[bisect.bisect_right(starts, index) - 1][0]

    @property
    def paths(self) -> list[str]:
        """The files, in order."""
        return [path for path, _ in self.files] or [self.path]

    def file_codes(self) -> np.ndarray:
        """Return the position in :attr:`paths` of each record's file."""
        if not self.files:
            return np.zeros(len(self.labels), dtype=np.int32)
        bounds = [start for _, start in self.files] + [len(self.labels)]
        return np.repeat(np.arange(len(self.files), dtype=np.int32), np.diff(bounds))

    @classmethod
    def joined(cls, origins: Sequence[Origin]) -> Origin:
        """Return the origin of the records of ``origins`` (one file each), one after the other."""
        labels: list[str] = []
        files = []
        for origin in origins:
            files.append((origin.path, len(labels)))
            labels.extend(origin.labels)
        return cls(origins[0].path, labels, origins[0].acled_dates, files=tuple(files))


def column_names(columns: Iterable[object]) -> list[str]:
    """Return the model's name of each column: trimmed, lower case, aliases resolved.

    An alias that stands for a field only when the field itself is absent (``event_type``
    beside ``category``) keeps its own name. Two columns may come to the same name: see
    :func:`normalize_columns`.
    """
    folded = [_folded(col) for col in columns]
    names = [ALIASES.get(key, key) for key in folded]
    for i, key in enumerate(folded):
        if key in _ALIAS_ONLY_ALONE and ALIASES[key] in folded:
            names[i] = key  # kept under its own name, as an extra column
    return names


def normalize_columns(raw: pd.DataFrame, *, origin: Origin | None = None) -> pd.DataFrame:
    """Rename columns to the model's names (see :func:`column_names`).

    Columns that come to the same name (``lat`` and ``latitude``, ``Latitude`` and
    ``latitude``, ``date`` and ``event_date``) are merged when they agree: a record list may
    mix a field and its alias (``event_date`` here, ``date`` there), and a table may carry both
    with the same values. Where both are set and differ, nothing says which is right: that is
    an error naming both columns and the first row where they differ.

    Parameters
    ----------
    raw
        The records, with the columns as the source names them.
    origin
        Where the records came from, for error messages.

    Raises
    ------
    SchemaError
        Two columns meaning the same field differ in a row.
    """
    return merge_columns(raw, column_names(raw.columns), origin=origin)


# Aliases that stand for the model's field only when the file lacks the field itself: ACLED's
# event_type is kept as an extra column next to the category it was mapped onto, so a table
# written from ACLED data has both, with different values by design.
_ALIAS_ONLY_ALONE = frozenset({"event_type"})


def _folded(column: object) -> str:
    return str(column).strip().lower().replace(" ", "_")


def merge_columns(raw: pd.DataFrame, names: Sequence[str], *, origin: Origin | None = None) -> pd.DataFrame:
    """Give ``raw`` the column ``names``, merging the columns that get the same name.

    Parameters
    ----------
    raw
        The records.
    names
        The new name of each column of ``raw``, in order.
    origin
        Where the records came from, for error messages.

    Returns
    -------
    pandas.DataFrame
        One column per distinct name, at its first place; a merged column takes its value from
        the column already spelled as the name, else from the first, and from the others where
        that one is blank.

    Raises
    ------
    SchemaError
        Two merged columns are both set and differ in a row.
    """
    if len(set(names)) == len(names):
        return raw.set_axis(list(names), axis=1)
    places: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        places.setdefault(name, []).append(i)
    out: dict[str, pd.Series] = {}
    for name, where in places.items():
        where = sorted(where, key=lambda i: str(raw.columns[i]) != name)  # the model's spelling first
        column = raw.iloc[:, where[0]]
        for i in where[1:]:
            column = _merge_pair(column, raw.iloc[:, i], name=name, origin=origin)
        out[name] = column.rename(name)
    return pd.DataFrame(out, index=raw.index)


def _merge_pair(first: pd.Series, second: pd.Series, *, name: str, origin: Origin | None) -> pd.Series:
    set_first, set_second = ~_is_blank(first), ~_is_blank(second)
    both = (set_first & set_second).to_numpy()
    if both.any():
        agree = np.ones(len(first), dtype=bool)
        agree[both] = _agree(first[both], second[both], name)
        a, b = str(first.name), str(second.name)
        if (i := _first(~agree)) is not None:
            reason = (
                f"columns {short_repr(a)} and {short_repr(b)} both give {name!r} but differ "
                f"({short_repr(b)} = {short_repr(_plain(second.iloc[i]))}); "
                "keep one of them, or rename the other"
            )
            if origin is None:
                raise SchemaError(reason, row=f"row {i + 1}", field=a, value=_plain(first.iloc[i]))
            raise origin.fail(i, a, _plain(first.iloc[i]), reason)
        where = f"{origin.path}: " if origin else ""
        warnings.warn(
            f"{where}columns {short_repr(a)} and {short_repr(b)} both give {name!r} and agree; "
            "they were merged",
            DataWarning,
            stacklevel=4,
        )
    return first.where(set_first, second)


def _agree(first: pd.Series, second: pd.Series, name: str) -> np.ndarray:
    """Whether two cells give the same value: the same text, number, date or shape."""
    same = np.array(first.map(_cell_text) == second.map(_cell_text), dtype=bool)  # writable
    if not same.all():
        same |= (_numbers(first) == _numbers(second)).to_numpy()
    if name in ("event_date", "date_end") and not same.all():
        (a, _), (b, _) = parse_dates(first), parse_dates(second)
        same |= (a.notna() & (a == b)).to_numpy()
    if name == "geometry" and not same.all():
        same |= np.array([_same_shape(x, y) for x, y in zip(first, second, strict=True)], dtype=bool)
    return same


def _same_shape(first: object, second: object) -> bool:
    try:
        a, b = _as_shape(first), _as_shape(second)
        return a is not None and b is not None and bool(a.equals(b))
    except Exception:  # anything unparsable is not the same shape; _shape reports it later
        return False


def build_events(
    raw: pd.DataFrame,
    *,
    origin: Origin,
    registry: CategoryRegistry | None = None,
) -> gpd.GeoDataFrame:
    """Validate raw records and return them as an event collection.

    Parameters
    ----------
    raw
        One row per record, columns named as in the model (see :func:`normalize_columns`);
        ``latitude``/``longitude`` and a ``geometry`` column (shapely objects, WKT or GeoJSON
        mappings) give the location.
    origin
        Where the records came from.
    registry
        Category registry; the shipped one by default.

    Returns
    -------
    geopandas.GeoDataFrame
        The events, in the model's columns and dtypes.

    Raises
    ------
    SchemaError
        At the first record that does not fit, naming file, row, field and value.
    """
    return finish_events([check_records(raw, origin=origin, registry=registry)])


@dataclass
class Checked:
    """Records that passed the checks of each record, before the checks of each file.

    Attributes
    ----------
    events
        The records in the model's columns; ``event_id`` as given (missing where the source
        has none).
    derived
        The content id (:func:`content_ids`) of the records without an ``event_id``.
    origin
        Where the records came from.
    tallies
        Category notices to give, one per file of ``origin``.
    continues
        Whether the records continue the last file of the previous block (a big file read
        block by block).
    """

    events: gpd.GeoDataFrame
    derived: pd.Series
    origin: Origin
    tallies: list[_Tally]
    continues: bool = False


@dataclass
class _Tally:
    unknown: int = 0
    names: set[str] = field(default_factory=set)
    missing: int = 0

    def add(self, other: _Tally) -> None:
        self.unknown += other.unknown
        self.names |= other.names
        self.missing += other.missing

    def notices(self, path: str) -> list[str]:
        out = []
        if self.unknown:
            names = sorted(self.names)
            shown = ", ".join(short_repr(n, limit=40) for n in names[:5]) + (" ..." if len(names) > 5 else "")
            out.append(
                f"{path}: {self.unknown} events with unknown categories ({shown}) "
                f"became {FALLBACK!r}; the original is kept in sub_event_type"
            )
        if self.missing:
            out.append(f"{path}: {self.missing} events without a category became {FALLBACK!r}")
        return out


class _Problems:
    """The records that do not fit, collected check by check and raised together.

    Each check gives the mask of its bad records (a columnar check finds all of them at once),
    the field, and how to tell the value and what is allowed; only the problems listed in the
    error are turned into messages.
    """

    def __init__(self, origin: Origin) -> None:
        self.origin = origin
        self._found: list[tuple[np.ndarray, str, Callable[[int], object], Callable[[int], str]]] = []

    def add(
        self,
        mask: pd.Series | np.ndarray,
        field: str,
        value: pd.Series | Callable[[int], object] | None,
        reason: str | Callable[[int], str],
    ) -> np.ndarray:
        """Record the records of ``mask`` as bad; return the mask (a NumPy array) for the caller."""
        bad = np.asarray(mask, dtype=bool)
        rows = np.flatnonzero(bad)
        if rows.size:
            if isinstance(value, pd.Series):
                series = value
                value_of: Callable[[int], object] = lambda i: _plain(series.iloc[i])  # noqa: E731
            else:
                value_of = value if callable(value) else (lambda _i: None)
            reason_of = reason if callable(reason) else (lambda _i, text=reason: text)
            self._found.append((rows, field, value_of, reason_of))
        return bad

    def add_error(self, index: int, error: SchemaError) -> None:
        """Record a problem found in one record, as :meth:`Origin.fail` built it."""
        self._found.append(
            (np.array([index]), error.field or "", lambda _i: error.value, lambda _i: error.reason)
        )

    def raise_any(self) -> None:
        """Raise :class:`RecordErrors` naming the problems in record order, if there are any."""
        if not self._found:
            return
        rows = np.concatenate([found[0] for found in self._found])
        checks = np.concatenate([np.full(len(found[0]), k) for k, found in enumerate(self._found)])
        order = np.lexsort((checks, rows))[: RecordErrors.MAX_LISTED]  # by record, then by check
        listed = []
        for at in order.tolist():
            i, (_, field, value_of, reason_of) = int(rows[at]), self._found[int(checks[at])]
            listed.append(self.origin.fail(i, field, value_of(i), reason_of(i)))
        raise RecordErrors(listed, total=len(rows))


def check_records(
    raw: pd.DataFrame,
    *,
    origin: Origin,
    registry: CategoryRegistry | None = None,
    continues: bool = False,
) -> Checked:
    """Check and convert each record; what needs a whole file is left to :func:`finish_events`.

    Every check here looks at one record at a time, so the records of several small files can
    be checked together (``origin.files``) and a big file block by block (``continues``),
    with the same result and the same errors as one file at a time.

    Parameters
    ----------
    raw, origin, registry
        As for :func:`build_events`.
    continues
        See :class:`Checked`.

    Raises
    ------
    RecordErrors
        Every record that does not fit (up to :attr:`RecordErrors.MAX_LISTED` listed, with the
        count of the rest), each naming file, row, field, value and what is allowed.
    SchemaError
        The columns do not give a date and a location.
    """
    registry = registry or default_registry()
    raw = raw.reset_index(drop=True)
    check_columns(list(raw.columns), path=origin.path)
    problems = _Problems(origin)
    out = pd.DataFrame(index=raw.index)
    missing = None  # one all-missing text column for all that are: its copies share its memory
    for name in TEXT_COLUMNS:
        column = _text(raw, name)
        if column.isna().all():
            missing = column if missing is None else missing
            column = missing.copy()
        out[name] = column
    _dates(raw, out, problems)
    out["category"], tallies = _categories(out, registry, origin)
    geometry = _geometry(raw, problems)
    kinds = shapely.get_type_id(geometry.to_numpy())  # -1 where missing; found once, used twice
    out["country"] = _countries(out["country"], problems)
    _check_swapped(geometry, kinds, out["country"], problems)
    out["located"] = kinds >= 0
    out["geo_precision"] = _geo_precision(raw, kinds, problems)
    out["fatalities"] = _fatalities(raw, problems)
    problems.raise_any()
    missing = np.flatnonzero(out["event_id"].isna().to_numpy())
    derived = pd.Series(
        content_ids(out.iloc[missing], geometry.iloc[missing]), index=out.index[missing], dtype="str"
    )
    codes = origin.file_codes() if origin.files else None
    for name in raw.columns:
        if name not in out.columns and name not in _TRANSIENT:
            out[name] = _extra(raw[name], codes)
    out["geometry"] = geometry
    return Checked(conform(out), derived, origin, tallies, continues)


def finish_events(blocks: Sequence[Checked]) -> gpd.GeoDataFrame:
    """Apply the checks of each file to checked records and return them as one collection.

    A file's event ids must be distinct; records without one get an id derived from their
    content (numbered ``-2``, ``-3`` when the same content repeats in the file) that must not
    collide with an id the file gives. Category notices are given once per file, once every
    check has passed. The blocks' frames are consumed.

    Raises
    ------
    SchemaError
        A file repeats an event id, or a derived id collides with a given one.
    """
    paths: list[str] = []
    keys, tallies, starts = [], [], []
    start = 0
    for block in blocks:
        first = len(paths) - 1 if block.continues and paths else len(paths)
        new = block.origin.paths[1:] if first < len(paths) else block.origin.paths
        paths.extend(new)
        tallies.extend(_Tally() for _ in new)
        for k, tally in enumerate(block.tallies):
            tallies[first + k].add(tally)
        keys.append(block.origin.file_codes() + first)
        starts.append(start)
        start += len(block.events)

    def record(i: int) -> tuple[Origin, int]:
        k = bisect.bisect_right(starts, i) - 1
        return blocks[k].origin, i - starts[k]

    events = _stacked([block.events for block in blocks])
    derived = pd.concat([block.derived for block in blocks], ignore_index=True)
    file_keys = np.concatenate(keys) if len(keys) > 1 else keys[0]
    events["event_id"] = _event_ids(events["event_id"], derived, file_keys, record)
    for path, tally in zip(paths, tallies, strict=True):
        for notice in tally.notices(path):  # only once the file is known to be valid
            warnings.warn(notice, DataWarning, stacklevel=3)
    return events


def _stacked(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Concatenate frames column by column, dropping each column of the parts once copied.

    One column at a time keeps the peak memory near the size of the result, where
    ``pd.concat`` holds all the parts and all of the result at once.
    """
    if len(frames) == 1:
        return frames[0]
    names = list(dict.fromkeys(c for frame in frames for c in frame.columns))
    columns = {}
    empty = None  # one all-missing text column for all that are: its copies share its memory
    for name in names:
        pieces = [
            frame.pop(name) if name in frame.columns else pd.Series(None, index=frame.index, dtype=object)
            for frame in frames
        ]
        column = _one_chunk(pd.concat(pieces, ignore_index=True))
        del pieces
        if name in TEXT_COLUMNS and column.isna().all():
            empty = column if empty is None else empty
            column = empty.copy()
        columns[name] = column
    geometry = columns.pop("geometry")
    # The parts are conformed and concatenation keeps their dtypes: no conform(), which would
    # copy every column once more.
    return gpd.GeoDataFrame(pd.DataFrame(columns, copy=False), geometry=geometry, crs=geometry.crs)


def _one_chunk(column: pd.Series) -> pd.Series:
    """Return a text column backed by pyarrow as one contiguous array, not one chunk per block.

    Concatenation keeps the blocks' arrays as chunks, and every later take of rows in another
    order (the store writes them in spatial order) searches them: on the 1,000,000-event store
    bench, taking the rows in spatial order went from 3.5-5.1 s to 1.2-1.8 s, and the Python CPU
    of the whole ingest from 26-27 s to 22-23 s. Same values, dtype and index; one column's
    copy at a time, as the parts are dropped.
    """
    values = column.array
    if not isinstance(values, pd.arrays.ArrowStringArray):
        return column
    chunked = pa.array(values)  # pandas hands its ChunkedArray over
    if not isinstance(chunked, pa.ChunkedArray) or chunked.num_chunks <= 1:
        return column
    whole = pd.arrays.ArrowStringArray(chunked.combine_chunks(), dtype=values.dtype)
    return pd.Series(whole, index=column.index, name=column.name, copy=False)


def check_columns(columns: Sequence[object], *, path: str) -> None:
    """Fail unless a file's columns (in the model's names) give a date and a location."""
    names = [_short_text(c, 40) for c in columns[:20]]
    found = ", ".join(names) + (f", ... ({len(columns)} in all)" if len(columns) > 20 else "") or "none"
    if "event_date" not in columns:
        msg = f"{path}: missing required column 'event_date' (or 'date'); columns found: {found}"
        raise SchemaError(msg)
    has_lat, has_lon = "latitude" in columns, "longitude" in columns
    if has_lat != has_lon:
        msg = f"{path}: 'latitude' and 'longitude' come together; only one is present"
        raise SchemaError(msg)
    if not (has_lat or "geometry" in columns or "location" in columns):
        msg = (
            f"{path}: missing required column: one of 'location', "
            f"'latitude'+'longitude' or 'geometry'; columns found: {found}"
        )
        raise SchemaError(msg)


def _text(raw: pd.DataFrame, name: str) -> pd.Series:
    if name not in raw.columns:
        return pd.Series(np.nan, index=raw.index, dtype="str")
    column = raw[name]
    if pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        given = column.astype("str")
        values = given.str.strip()  # only text: no cell needs _cell_text's care
        if not (values != given).any():
            values = given  # the copy is dropped: 1,000,000 events hold some 300 MB of text
    else:
        values = column.map(_cell_text, na_action="ignore").astype("str")
    return values.replace("", np.nan) if (values == "").any() else values


def _extra(values: pd.Series, files: np.ndarray | None = None) -> pd.Series:
    """Keep a column the model does not know; text columns get the model's text dtype.

    A column is text when every value given in it is text; with ``files`` (the file of each
    record), the columns of each file are judged apart, as if each file were read alone.
    """
    if pd.api.types.is_string_dtype(values) and not pd.api.types.is_object_dtype(values):
        return values.str.strip().replace("", np.nan)
    if not pd.api.types.is_object_dtype(values):  # numbers, date-times, booleans: kept as typed
        return values
    text = values.map(lambda v: isinstance(v, str) or v is None or (isinstance(v, float) and np.isnan(v)))
    if text.all():
        return values.map(_cell_text, na_action="ignore").astype("str").replace("", np.nan)
    if files is None:
        return values
    text_files = text.groupby(files).transform("all").to_numpy()
    out = values.astype(object).copy()
    out[text_files] = values[text_files].map(_cell_text, na_action="ignore").astype("str").replace("", np.nan)
    return out


def _cell_text(value: object) -> object:
    if isinstance(value, float) and np.isnan(value):
        return np.nan
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value).strip()


def _first(mask: pd.Series | np.ndarray) -> int | None:
    hits = np.flatnonzero(np.asarray(mask, dtype=bool))
    return int(hits[0]) if hits.size else None


def _is_blank(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.StringDtype):
        spaces = (series.str.strip() == "").to_numpy(dtype=bool, na_value=False)
        return pd.Series(series.isna().to_numpy() | spaces, index=series.index)
    if not pd.api.types.is_object_dtype(series.dtype):  # numbers, date-times: no text to be blank
        return series.isna()
    if pd.api.types.infer_dtype(series, skipna=True) == "string":
        # Cells of text (a CSV's): one with a letter or digit is not blank, found by pyarrow in
        # C++; only the others are tested in Python (a Python test of every cell took 0.07 s
        # per 100,000 cells, this 0.04 s: 1 s for the checks of 1,000,000 rows).
        values = series.to_numpy(dtype=object)
        cells = pa.array(values, type=pa.string(), from_pandas=True)
        some = pc.match_substring_regex(cells, "[0-9A-Za-z]").fill_null(True)
        blank = series.isna().to_numpy(dtype=bool).copy()
        for i in np.flatnonzero(~some.to_numpy(zero_copy_only=False)).tolist():
            blank[i] = blank[i] or not values[i].strip()
        return pd.Series(blank, index=series.index, name=series.name)
    return series.isna() | series.map(lambda v: isinstance(v, str) and not v.strip())


# Cells pandas reads as numbers without a doubt: a column of these needs no check for booleans.
_NUMERIC_KINDS = frozenset({"string", "empty", "integer", "floating", "mixed-integer-float", "decimal"})


def _numbers(values: pd.Series) -> pd.Series:
    """Read a column of cells (text or numbers) as float or integer numbers, NaN where not a number.

    A boolean is not a number here (``true`` read as 1 would be silently wrong), nor is a
    complex number; a number beyond the float range is an infinity, and the callers' range
    checks report it.
    """
    plain = _plain_numbers(values, nullable=False)
    if plain is not None:
        return plain
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind not in _NUMERIC_KINDS:
        values = values.map(lambda v: None if isinstance(v, bool | np.bool_ | complex) else v)
    try:
        numbers = pd.to_numeric(values, errors="coerce")
    except (TypeError, ValueError, OverflowError):  # an object pandas cannot even try
        numbers = pd.Series([_number(v) for v in values], index=values.index, dtype="float64")
    if not (pd.api.types.is_integer_dtype(numbers) or pd.api.types.is_float_dtype(numbers)):
        numbers = pd.Series([_number(v) for v in values], index=values.index, dtype="float64")
    return numbers


# Numbers written plainly: digits, a point, digits, with a minus sign maybe; no white space, no
# exponent, no "+", at most 15 characters (so at most 15 digits, below 2**53). Arrow's cast
# (fast_float, correctly rounded) and pandas' parser agree on every such text: the decimal
# digits make an exact integer, divided by an exact power of ten, rounded once (tested with
# hypothesis, tests/unit/test_plain_numbers.py).
_PLAIN_NUMBER = r"^-?[0-9]+(\.[0-9]+)?$"
_PLAIN_WHOLE = r"^-?[0-9]+$"
_PLAIN_LENGTH = 15


def _plain_numbers(values: pd.Series, *, nullable: bool) -> pd.Series | None:
    """``pd.to_numeric(values, errors="coerce")`` by pyarrow's casts, for a column of plain numbers.

    With ``nullable``, as with ``dtype_backend="numpy_nullable"``. None unless ``values`` is
    Arrow text (a plain CSV's; blanks missing) whose every given cell is a plain number (see
    :data:`_PLAIN_NUMBER`): any other column is read by pandas, whose messages and corners
    (white space, exponents, "nan", huge integers) stay as they are. The type is pandas': whole
    numbers alone give integers (Int64 with missing cells when ``nullable``, else int64 if
    none is missing), any fraction floats; "-0" is 0 among integers and -0.0 among floats, as
    pandas reads it. Pandas turns the cells into Python strings and parses them one by one: 0.03 s
    per 100,000 cells, the casts 0.003 s.
    """
    dtype = values.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or not len(values):
        return None
    cells = pa.array(values.array)
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    if cells.null_count == len(cells):
        return None
    if (pc.max(pc.utf8_length(cells)).as_py() or 0) > _PLAIN_LENGTH:
        return None
    if not pc.all(pc.match_substring_regex(cells, _PLAIN_NUMBER)).as_py():  # nulls skipped
        return None
    whole = pc.all(pc.match_substring_regex(cells, _PLAIN_WHOLE)).as_py()
    if whole and (nullable or not cells.null_count):
        ints = pc.cast(cells, pa.int64())
        if not nullable:
            return pd.Series(ints.to_numpy(), index=values.index, name=values.name)
        mask = ints.is_null().to_numpy(zero_copy_only=False)
        data = ints.fill_null(0).to_numpy()
        return pd.Series(pd.arrays.IntegerArray(data, mask), index=values.index, name=values.name)
    floats = pc.cast(cells, pa.float64())
    if not nullable:
        return pd.Series(floats.to_numpy(zero_copy_only=False), index=values.index, name=values.name)
    mask = floats.is_null().to_numpy(zero_copy_only=False)
    data = floats.fill_null(0.0).to_numpy()
    return pd.Series(pd.arrays.FloatingArray(data, mask), index=values.index, name=values.name)


def _number(value: object) -> float:
    if isinstance(value, bool | np.bool_ | complex):
        return np.nan
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:
        return np.inf if value > 0 else -np.inf  # type: ignore[operator]
    except (TypeError, ValueError):
        return np.nan


def _short_text(value: object, limit: int = 200) -> str:
    """Cap a text quoted in a message (an exception's text may repeat the whole input)."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _dates(raw: pd.DataFrame, out: pd.DataFrame, problems: _Problems) -> None:
    acled = problems.origin.acled_dates
    styles = ", ".join(ISO_STYLES + (ACLED_STYLES if acled else ()))
    start, granularity = _parsed_dates(raw["event_date"], acled=acled)
    blank = problems.add(
        _is_blank(raw["event_date"]), "event_date", None, "an event needs a date; the cell is empty"
    )
    problems.add(
        ~blank & start.isna().to_numpy(),
        "event_date",
        raw["event_date"],
        f"not a date; allowed styles: {styles}",
    )
    out["event_date"] = start
    if "date_end" in raw.columns:
        end, _ = _parsed_dates(raw["date_end"], acled=acled)
        bad = end.isna() & ~_is_blank(raw["date_end"])
        problems.add(bad, "date_end", raw["date_end"], f"not a date; allowed styles: {styles}")
        problems.add(
            end < start,
            "date_end",
            raw["date_end"],
            lambda i: f"ends before event_date {start.iloc[i]:%Y-%m-%d}",
        )
        out["date_end"] = end
    else:
        out["date_end"] = pd.Series(pd.NaT, index=raw.index, dtype=start.dtype)
    out["time_precision"] = _small_int(
        raw, "time_precision", (1, 2, 3), problems, default=granularity.fillna(1)
    ).astype("int8")


# Kinds of column (pandas.api.types.infer_dtype) whose distinct values are distinct as cells: a
# column mixing kinds (1 and 1.0 and True hash alike) is parsed cell by cell.
_DISTINCT_KINDS = frozenset({"string", "empty", "date", "datetime"})


def _parsed_dates(values: pd.Series, *, acled: bool) -> tuple[pd.Series, pd.Series]:
    """:func:`conflictmap.dates.parse_dates`, without per-row work on 1,000,000 rows.

    A column that already holds date-times (Parquet, GeoPackage) is taken as it is, in UTC
    (what formatting it to ISO text and parsing it back gave, at day granularity); text is
    parsed once per distinct value (a file holds a few thousand distinct dates).
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        dates = values.dt.tz_convert(None) if values.dt.tz is not None else values
        dates = dates.astype(DATE_DTYPE)
        first, last = YEARS
        years = dates.dt.year
        dates = dates.where(years.isna() | ((years >= first) & (years <= last)))  # as ISO text says
        granularity = pd.Series(1, index=values.index, dtype="Int8").where(dates.notna(), pd.NA)
        return dates, granularity
    if pd.api.types.infer_dtype(values, skipna=True) not in _DISTINCT_KINDS:
        return parse_dates(values, acled=acled)
    codes, uniques = pd.factorize(values)
    dates, granularity = parse_dates(pd.Series(np.asarray(uniques, dtype=object), dtype=object), acled=acled)
    dates = pd.concat([dates, pd.Series([pd.NaT], dtype=DATE_DTYPE)], ignore_index=True)
    granularity = pd.concat([granularity, pd.Series([pd.NA], dtype="Int8")], ignore_index=True)
    return (
        pd.Series(dates.to_numpy()[codes], index=values.index, dtype=DATE_DTYPE),
        pd.Series(granularity.array.take(codes), index=values.index, dtype="Int8"),
    )


def _small_int(
    raw: pd.DataFrame, name: str, allowed: tuple[int, ...], problems: _Problems, *, default: pd.Series
) -> pd.Series:
    if name not in raw.columns:
        return default
    given = raw[name]
    blank = _is_blank(given)
    numbers = _numbers(given.where(~blank))
    bad = problems.add(
        ~blank & ~numbers.isin(allowed), name, given, f"allowed values: {', '.join(map(str, allowed))}"
    )
    return numbers.where(~blank & ~bad, default)


def _categories(
    out: pd.DataFrame, registry: CategoryRegistry, origin: Origin
) -> tuple[pd.Series, list[_Tally]]:
    given = out["category"]
    keys = _map_distinct(given, registry.resolve)
    codes = origin.file_codes()
    tallies = [_Tally() for _ in origin.paths]
    unknown = given.notna() & keys.isna()
    if unknown.any():
        where = unknown.to_numpy()
        for code, count in enumerate(np.bincount(codes[where], minlength=len(tallies))):
            tallies[code].unknown = int(count)
        for code, name in set(zip(codes[where].tolist(), given[unknown].tolist(), strict=True)):
            tallies[code].names.add(name)
        keep = unknown & out["sub_event_type"].isna()
        out.loc[keep, "sub_event_type"] = given[keep]
    missing = given.isna()
    if missing.any():
        for code, count in enumerate(np.bincount(codes[missing.to_numpy()], minlength=len(tallies))):
            tallies[code].missing = int(count)
    return keys.fillna(FALLBACK).astype("str"), tallies


def _geometry(raw: pd.DataFrame, problems: _Problems) -> gpd.GeoSeries:
    geoms = np.full(len(raw), None, dtype=object)
    if "latitude" in raw.columns:
        geoms = _points(raw, problems)
    if "geometry" in raw.columns:
        given = raw["geometry"].to_numpy(dtype=object)
        known = _valid_shapes(given)
        geoms[known] = given[known]  # checked all at once by _valid_shapes
        for i in np.flatnonzero(~known & ~pd.isna(given)).tolist():  # the others one by one
            try:
                shape = _shape(given[i], i, problems.origin)
            except SchemaError as err:
                problems.add_error(i, err)
                continue
            if shape is not None:
                geoms[i] = shape
    series = gpd.GeoSeries(geoms, index=raw.index)
    empty = series.notna() & series.is_empty
    return series.where(~empty, None)


def _points(raw: pd.DataFrame, problems: _Problems) -> np.ndarray:
    coords = {}
    failed = np.zeros(len(raw), dtype=bool)
    for name in ("latitude", "longitude"):
        given = raw[name]
        blank = _is_blank(given)
        values = _numbers(given.where(~blank)).astype("float64")
        failed |= problems.add(~blank & values.isna(), name, given, "not a number; expected decimal degrees")
        coords[name] = (values, blank)
    (lat, lat_blank), (lon, lon_blank) = coords["latitude"], coords["longitude"]
    one = (lat_blank != lon_blank).to_numpy()
    problems.add(one & lat_blank.to_numpy(), "latitude", None, "is empty while the other coordinate is given")
    problems.add(
        one & lon_blank.to_numpy(), "longitude", None, "is empty while the other coordinate is given"
    )
    failed |= one
    for name, values, limit in (("latitude", lat, 90), ("longitude", lon, 180)):

        def reason(i: int, name: str = name, limit: int = limit) -> str:
            hint = ""
            if name == "latitude" and abs(lon.iloc[i]) <= 90:
                hint = f" (latitude and longitude may be swapped: longitude is {lon.iloc[i]})"
            return f"outside -{limit}..{limit}{hint}"

        failed |= problems.add(values.abs() > limit, name, raw[name], reason)
    present = ~lat_blank & ~failed
    geoms = np.full(len(raw), None, dtype=object)
    geoms[present.to_numpy()] = _shared_points(lon[present].to_numpy(float), lat[present].to_numpy(float))
    return geoms


def _shared_points(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Points at x, y: one shapely object per distinct position, shared by the records there.

    A point takes some 200 bytes, three times a CSV row; events cluster at few places, and
    shapely geometries are immutable. Positions are told apart by their bits (0.0 is not -0.0).
    """
    # Distinct positions by hashing the bits of each coordinate, then the pair of their codes:
    # 0.003 s per 100,000 points where sorting the pairs (a lexsort of both columns) took 0.03 s.
    x_codes, _ = pd.factorize(np.ascontiguousarray(x).view(np.uint64))
    y_codes, y_distinct = pd.factorize(np.ascontiguousarray(y).view(np.uint64))
    inverse, distinct = pd.factorize(x_codes.astype(np.int64) * len(y_distinct) + y_codes)
    if len(distinct) == len(x):
        return shapely.points(x, y)
    one = np.empty(len(distinct), dtype=np.intp)  # a record at each position: any, same bits
    one[inverse] = np.arange(len(x))
    return shapely.points(x[one], y[one])[inverse]


def _valid_shapes(values: np.ndarray) -> np.ndarray:
    """Mark the values that are already valid, non-empty geometries of an allowed type in range.

    Vectorised, for frames built in Python (extracted events); everything else goes through
    :func:`_shape`, one by one, which also says what is wrong.
    """
    is_geom = shapely.is_geometry(values)
    ok = np.zeros(len(values), dtype=bool)
    if not is_geom.any():
        return ok
    shapes = values[is_geom]
    bounds = shapely.bounds(shapes)
    in_range = (
        (bounds[:, 0] >= -180) & (bounds[:, 0] <= bounds[:, 2]) & (bounds[:, 2] <= 180)
        & (bounds[:, 1] >= -90) & (bounds[:, 1] <= bounds[:, 3]) & (bounds[:, 3] <= 90)
    )  # fmt: skip
    kinds = shapely.get_type_id(shapes)
    allowed = np.isin(kinds, _ALLOWED_TYPE_IDS)
    good = allowed & ~shapely.is_empty(shapes) & in_range
    # A point in range has finite coordinates, which is all GEOS asks of a valid point: only
    # areas are checked (1,000,000 points of a GeoParquet file cost 0.1 s more checked too).
    # Each distinct object is checked once: shapely geometries are immutable, so one object's
    # validity is the same in every row holding it. Extracted events share one geometry per place
    # (thousands of rows, tens of shapes), and checking an admin-1 polygon is costly.
    areas = good & (kinds != _POINT_TYPE_ID)
    checked = shapes[areas]
    _, first, inverse = np.unique(
        np.fromiter(map(id, checked), dtype=np.int64, count=len(checked)),
        return_index=True,
        return_inverse=True,
    )
    good[areas] = shapely.is_valid(checked[first])[inverse]
    ok[is_geom] = good
    return ok


# shapely type ids of GEOMETRY_TYPES (Point, Polygon, MultiPolygon)
_ALLOWED_TYPE_IDS = [0, 3, 6]
_POINT_TYPE_ID = 0
_AREA_TYPE_IDS = [3, 6]


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _as_shape(value: object) -> BaseGeometry | None:
    """Parse a geometry cell: a shapely object, a GeoJSON mapping or text, WKT; None when blank."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, BaseGeometry):
        return value
    if isinstance(value, dict):
        return shapely.geometry.shape(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        return shapely.from_geojson(text) if text.startswith("{") else shapely.from_wkt(text)
    raise TypeError(type(value).__name__)


# What a malformed geometry can raise while parsed: huge numbers overflow a float, deep nesting
# the stack.
_SHAPE_ERRORS = (
    shapely.errors.ShapelyError,
    TypeError,
    ValueError,
    KeyError,
    AttributeError,
    IndexError,
    OverflowError,
    RecursionError,
)


def parse_geometry(value: object, *, index: int, origin: Origin) -> BaseGeometry | None:
    """Parse one geometry cell (shapely object, GeoJSON mapping or text, WKT) without checking it.

    Raises
    ------
    SchemaError
        The value is not a geometry; the message names file, record and value.
    """
    try:
        return _as_shape(value)
    except _SHAPE_ERRORS as err:
        raise origin.fail(
            index, "geometry", value, f"not a geometry (WKT or GeoJSON expected): {_short_text(err)}"
        ) from err


def _shape(value: object, index: int, origin: Origin) -> BaseGeometry | None:
    shape = parse_geometry(value, index=index, origin=origin)
    if shape is None or shape.is_empty:
        return None
    if shape.geom_type not in GEOMETRY_TYPES:
        raise origin.fail(
            index,
            "geometry",
            shape.geom_type,
            f"geometry type not allowed; allowed: {', '.join(GEOMETRY_TYPES)}",
        )
    west, south, east, north = shape.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise origin.fail(
            index,
            "geometry",
            shape.bounds,
            "coordinates outside longitude -180..180 / latitude -90..90 (EPSG:4326, longitude first)",
        )
    if not shape.is_valid:
        raise origin.fail(
            index,
            "geometry",
            shapely.to_wkt(shape, rounding_precision=6)[:60],
            f"invalid geometry: {shapely.is_valid_reason(shape)}",
        )
    return shape


def _countries(given: pd.Series, problems: _Problems) -> pd.Series:
    codes = _map_distinct(given, iso_a2)
    problems.add(
        given.notna() & codes.isna(),
        "country",
        given,
        "unknown country; give an ISO 3166-1 code (SY, SYR) or English name",
    )
    return codes.astype("str")


def _map_distinct(values: pd.Series, func: Callable[[str], str | None]) -> pd.Series:
    """``func`` of each cell of a text column, called once per distinct text, as text (``str``).

    Missing where the cell is missing or ``func`` gives None. A column of 1,000,000 categories
    or countries holds a few dozen distinct texts: the answers are spread to the rows by
    pyarrow's take, not as an object column turned into Arrow text afterwards (0.15 s per
    1,000,000 rows for the two callers).
    """
    codes, uniques = pd.factorize(values)
    mapped = pa.array([func(value) for value in uniques] + [None], type=pa.large_string())
    rows = np.where(codes < 0, len(uniques), codes)  # missing (-1) takes the last, None
    taken = mapped.take(pa.array(rows, type=pa.int64()))
    return pd.Series(pd.arrays.ArrowStringArray(taken, dtype=_TEXT), index=values.index, copy=False)


_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' "str"


def _check_swapped(
    geometry: gpd.GeoSeries, kinds: np.ndarray, country: pd.Series, problems: _Problems
) -> None:
    """Refuse points outside their country's box that lie inside it swapped (``kinds``: shapely type ids)."""
    points = (kinds == _POINT_TYPE_ID) & country.notna().to_numpy()
    rows = np.flatnonzero(points)
    if not len(rows):
        return
    xy = shapely.get_coordinates(geometry.to_numpy()[rows])
    x, y = xy[:, 0], xy[:, 1]
    codes = country.to_numpy()[rows]
    where = np.zeros(len(geometry), dtype=np.intp)  # row -> position among the points checked
    where[rows] = np.arange(len(rows))
    # Per country, not per row: a file has few countries and many events.
    for code in pd.unique(codes):
        known = country_by_code(code)
        if known is None:
            continue
        inside = (known.south <= y) & (y <= known.north) & (known.west <= x) & (x <= known.east)
        swapped = (known.south <= x) & (x <= known.north) & (known.west <= y) & (y <= known.east)
        bad = np.zeros(len(geometry), dtype=bool)
        bad[rows] = (codes == code) & ~inside & swapped

        def reason(i: int, known: Any = known) -> str:
            k = where[i]
            return (
                f"latitude {y[k]} / longitude {x[k]} lies outside "
                f"{known.name} ({known.iso_a2}), but swapped it lies inside: "
                "latitude and longitude look swapped"
            )

        problems.add(bad, "latitude", lambda i: float(y[where[i]]), reason)


def _geo_precision(raw: pd.DataFrame, kinds: np.ndarray, problems: _Problems) -> pd.Series:
    """Check the given precisions; 1 for a point and 3 for an area by default (``kinds``: type ids)."""
    values = np.select([kinds == _POINT_TYPE_ID, np.isin(kinds, _AREA_TYPE_IDS)], [1, 3], 0).astype("int8")
    default = pd.Series(pd.arrays.IntegerArray(values, values == 0), index=raw.index)  # 0: no default
    given = _small_int(raw, "geo_precision", (1, 2, 3, 4), problems, default=default)
    return given.astype("Int8").where(kinds >= 0, pd.NA)


def _fatalities(raw: pd.DataFrame, problems: _Problems) -> pd.Series:
    if "fatalities" not in raw.columns:
        return pd.Series(pd.NA, index=raw.index, dtype="Int64")
    given = raw["fatalities"]
    blank = _is_blank(given)
    # Nullable numbers keep whole numbers beyond 2**53 exact (float64 would round them).
    values = _plain_numbers(given.where(~blank), nullable=True)
    if values is None:
        values = pd.to_numeric(given.where(~blank), errors="coerce", dtype_backend="numpy_nullable")
    if pd.api.types.is_bool_dtype(values):  # JSON true/false is not a count
        values = pd.Series(pd.NA, index=values.index, dtype="Int64")
    bad = ~blank & (values.isna() | (values < 0) | (values % 1 != 0) | (values > MAX_COUNT))
    bad = problems.add(
        bad.fillna(True), "fatalities", given, f"expected a whole number from 0 to {MAX_COUNT}"
    )
    return values.where(~bad, pd.NA).astype("Int64")


def _event_ids(
    given: pd.Series,
    derived: pd.Series,
    files: np.ndarray,
    record: Callable[[int], tuple[Origin, int]],
) -> pd.Series:
    """Check the given ids of each file and fill in the derived ones (see :func:`finish_events`).

    ``derived`` holds the content ids of the records without an id, indexed by position;
    ``files`` the file of each record; ``record`` maps a position to its origin and its position
    there, for error messages.
    """
    several = bool(len(files)) and files[0] != files[-1]
    present = given.notna()
    if several:
        dup = present & pd.DataFrame({"file": files, "id": given}).duplicated(keep=False)
    else:
        dup = present & given.duplicated(keep=False) if _repeats(given) else None
    if dup is not None and (i := _first(dup)) is not None:
        first, again = np.flatnonzero(((given == given.iloc[i]) & (files == files[i])).to_numpy())[:2]
        origin, at = record(int(again))
        before, first_at = record(int(first))
        raise origin.fail(
            at, "event_id", given.iloc[again], f"duplicate event_id; first used at {before.labels[first_at]}"
        )
    missing = ~present
    if not missing.any():
        return given
    derived = derived.set_axis(given.index[missing])
    rows = np.flatnonzero(missing.to_numpy())
    if _repeats(derived):  # grouping hashes every id: only when some content repeats
        counts = derived.groupby([files[rows], derived.to_numpy()] if several else derived).cumcount()
        derived = derived.where(counts == 0, derived + "-" + (counts + 1).astype("str"))
    if not present.any():
        clash = pd.Series(False, index=derived.index)
    elif several:
        ids = pd.MultiIndex.from_arrays([files[present.to_numpy()], given[present].to_numpy()])
        clash = pd.Series(
            pd.MultiIndex.from_arrays([files[rows], derived.to_numpy()]).isin(ids), index=derived.index
        )
    else:
        clash = derived.isin(set(given.dropna()))
    if (i := _first(clash.reindex(given.index, fill_value=False))) is not None:
        origin, at = record(i)
        raise origin.fail(
            at, "event_id", derived[given.index[i]], "the derived id collides with an id given in the file"
        )
    return given.fillna(derived)


def _repeats(values: pd.Series) -> bool:
    """Whether a value is given twice.

    Arrow text is sorted, which takes some 30 bytes a value, where hashing (pandas
    ``duplicated``, Arrow ``count_distinct``) took 100 to 180.
    """
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        array = pa.chunked_array(pa.array(values.array))
        ordered = array.take(pc.sort_indices(array))  # missing values last, equal to nothing
        return len(ordered) > 1 and pc.any(pc.equal(ordered[1:], ordered[:-1])).as_py() is True
    return bool(values.dropna().duplicated().any())


_ID_FIELDS = ("category", "location", "actor1", "actor2", "notes", "source")


def content_id(record: pd.Series, geometry: BaseGeometry | None) -> str:
    """Derive a stable event id from an event's content.

    The same event read from any format gets the same id: dates, category, place, actors,
    notes, source and geometry (rounded to 6 decimals) are hashed.
    """
    parts = [
        _iso(record["event_date"]),
        _iso(record["date_end"]),
        *(record[name] for name in _ID_FIELDS),
        None if geometry is None else shapely.to_wkt(geometry, rounding_precision=6),
    ]
    return _hashed(parts)


def content_ids(records: pd.DataFrame, geometry: gpd.GeoSeries) -> list[str]:
    """:func:`content_id` of every row, reading each column once (not row by row)."""
    wkt = shapely.to_wkt(geometry.to_numpy(), rounding_precision=6)
    columns = [
        [_iso(v) for v in records["event_date"].tolist()],
        [_iso(v) for v in records["date_end"].tolist()],
        *(records[name].tolist() for name in _ID_FIELDS),
        wkt.tolist(),
    ]
    return [_hashed(parts) for parts in zip(*columns, strict=True)]


def _hashed(parts: list[object] | tuple[object, ...]) -> str:
    text = json.dumps([None if p is None or pd.isna(p) else str(p) for p in parts], ensure_ascii=False)
    return "cm-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _iso(value: object) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).isoformat()
