"""Any GeoDataFrame, in any CRS, as events: the CRS rule and :func:`to_events`.

Every public function that takes a GeoDataFrame (:func:`conflictmap.write_events`, the filters,
:func:`layers.event_map`) goes through :func:`as_events`: an event collection is only brought
to EPSG:4326, any other frame is turned into events by :func:`to_events`. The CRS rule is the
one of ``GeoDataFrame.explore()``: a known CRS is reprojected to longitude/latitude; a frame
with no CRS is taken as longitude/latitude only when its coordinates can be degrees, and is
refused otherwise (:class:`~conflictmap.errors.CrsError`), never guessed.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from conflictmap.categories import FALLBACK, CategoryRegistry
from conflictmap.errors import ConfigurationError, CrsError, DataWarning, Reprojected, SchemaError, short_repr
from conflictmap.schema import COLUMNS, DTYPES, WGS84
from conflictmap.validate import Origin, build_events

__all__ = [
    "CATEGORY_NAMES",
    "DATE_NAMES",
    "LOCATION_NAMES",
    "as_events",
    "is_event_collection",
    "records_events",
    "to_events",
    "to_wgs84",
]

# The usual names of the three columns to_events recognises, in order of preference (compared
# trimmed and in lower case, spaces as underscores).
DATE_NAMES = ("event_date", "date", "start_date", "date_start", "time")
CATEGORY_NAMES = ("category", "event_type", "type")
LOCATION_NAMES = ("location", "place", "name")

ColumnChoice = str | Literal[False] | None
# Undated records are checked with this date in place of the missing one, which is then cleared:
# the model's checks need a date, and every other check is the same for dated and undated events.
_PLACEHOLDER_DATE = "2000-01-01"


def to_wgs84(
    frame: gpd.GeoDataFrame, *, name: str = "GeoDataFrame", notice: bool = False
) -> gpd.GeoDataFrame:
    """Return ``frame`` with its geometry in EPSG:4326 (longitude, latitude).

    Parameters
    ----------
    frame
        Any GeoDataFrame.
    name
        How messages name the frame (a file path, when read from one).
    notice
        Issue a :class:`~conflictmap.errors.Reprojected` notice when coordinates are reprojected.

    Returns
    -------
    geopandas.GeoDataFrame
        ``frame`` itself when already in EPSG:4326 (or OGC:CRS84, the same in longitude/latitude
        order); else a reprojected copy. A frame without CRS whose coordinates all lie within
        -180..180 / -90..90 is taken as longitude/latitude.

    Raises
    ------
    CrsError
        No CRS and coordinates outside the range of degrees, or a CRS that cannot be reprojected
        to EPSG:4326 (unknown, or coordinates outside its area).
    """
    crs = frame.crs
    if crs is None:
        _check_degrees(frame, name=name)
        return frame.set_crs(WGS84)
    if crs.equals(WGS84):
        return frame
    if crs.equals(pyproj.CRS(WGS84), ignore_axis_order=True):  # OGC:CRS84: the same, lon/lat order
        return frame.set_crs(WGS84, allow_override=True)
    try:
        moved = frame.to_crs(WGS84)
    except (pyproj.exceptions.CRSError, pyproj.exceptions.ProjError) as err:
        why = short_repr(str(err), limit=200)
        msg = f"{name}: cannot reproject from {_crs_name(crs)} to EPSG:4326: {why}"
        raise CrsError(msg) from err
    xy = moved.geometry.get_coordinates()
    if (bad := ~np.isfinite(xy.to_numpy()).all(axis=1)).any():
        row = xy.index[np.flatnonzero(bad)[0]]
        msg = f"{name}: row {row}: coordinates outside the area of {_crs_name(crs)}; cannot reproject them"
        raise CrsError(msg)
    if notice:
        warnings.warn(
            f"{name}: coordinates reprojected from {_crs_name(crs)} to EPSG:4326 (longitude/latitude)",
            Reprojected,
            stacklevel=3,
        )
    return moved


def _crs_name(crs: pyproj.CRS) -> str:
    code = crs.to_authority()
    return f"{':'.join(code)} ({crs.name})" if code else crs.name


def _check_degrees(frame: gpd.GeoDataFrame, *, name: str) -> None:
    xy = frame.geometry.get_coordinates()
    if xy.empty:
        return
    x, y = xy["x"].to_numpy(), xy["y"].to_numpy()
    bad = ~((np.abs(x) <= 180) & (np.abs(y) <= 90))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        msg = (
            f"{name}: no CRS, and the coordinates are not longitude/latitude degrees (row "
            f"{xy.index[i]}: x={x[i]:.6g}, y={y[i]:.6g}); set the CRS they are in with "
            f".set_crs(...) (EPSG:3857 for web-map metres, the UTM zone's EPSG code, ...)"
        )
        raise CrsError(msg)


def is_event_collection(frame: gpd.GeoDataFrame) -> bool:
    """Whether ``frame`` has every column of the model, in the model's dtype, and a ``geometry``."""
    if frame.geometry.name != "geometry" or frame.columns.has_duplicates:
        return False
    for column in COLUMNS:
        if column not in frame.columns or frame[column].dtype != pd.api.types.pandas_dtype(DTYPES[column]):
            return False
    return True


def as_events(
    frame: gpd.GeoDataFrame, *, registry: CategoryRegistry | None = None, what: str = "events"
) -> gpd.GeoDataFrame:
    """Return ``frame`` as an event collection in EPSG:4326.

    An event collection is reprojected when it is in another CRS; any other GeoDataFrame goes
    through :func:`to_events` with the usual column names.

    Raises
    ------
    TypeError
        ``frame`` is not a GeoDataFrame.
    CrsError, SchemaError
        As :func:`to_wgs84` and :func:`to_events` raise them.
    """
    if not isinstance(frame, gpd.GeoDataFrame):
        msg = f"{what}: expected a GeoDataFrame, got {type(frame).__name__}"
        raise TypeError(msg)
    if is_event_collection(frame):
        return to_wgs84(frame)
    return to_events(frame, registry=registry)


def to_events(
    frame: gpd.GeoDataFrame,
    *,
    date: ColumnChoice = None,
    category: ColumnChoice = None,
    location: ColumnChoice = None,
    registry: CategoryRegistry | None = None,
    name: str = "GeoDataFrame",
) -> gpd.GeoDataFrame:
    """Turn any GeoDataFrame into an event collection (EPSG:4326, the model's columns).

    The date, category and place of each event come from the columns named here, or else from
    the first column with a usual name (:data:`DATE_NAMES`, :data:`CATEGORY_NAMES`,
    :data:`LOCATION_NAMES`; any case). Columns named as a field of the model (``country``,
    ``fatalities``, ``notes``, ...) fill that field and are checked like a file's. Every other
    column is kept as it is, as an extra column, after the model's. The geometry is reprojected
    to EPSG:4326 (see :func:`to_wgs84`).

    Parameters
    ----------
    frame
        Any GeoDataFrame: points, polygons or multipolygons; rows without geometry become
        unlocated events.
    date, category, location
        The column to take each from; ``False`` for none (a column with a usual name is then
        kept as an extra column). Without a date column the events are undated: ``event_date``
        is empty, a map has no time control and a period filter keeps none of them. Without a
        category column every event is ``"other"``.
    registry
        Category registry the categories are resolved in; the shipped one by default.
    name
        How error messages name the frame.

    Returns
    -------
    geopandas.GeoDataFrame
        One event per row, in order; ``event_id`` derived from the content where not given.

    Raises
    ------
    ConfigurationError
        A named column is not in the frame.
    CrsError
        See :func:`to_wgs84`.
    SchemaError
        A value does not fit the model (a date that is not one, a geometry type other than
        point or polygon, ...), naming the row (``row 1`` is the first), field and value.

    Examples
    --------
    >>> import geopandas as gpd, shapely  # doctest: +SKIP
    >>> places = gpd.GeoDataFrame({"name": ["Daraa"]}, geometry=[shapely.Point(36.1, 32.6)], crs=4326)
    >>> to_events(places)["location"].tolist()  # doctest: +SKIP
    ['Daraa']
    """
    if not isinstance(frame, gpd.GeoDataFrame):
        msg = f"to_events expects a GeoDataFrame, got {type(frame).__name__}"
        raise TypeError(msg)
    if frame.columns.has_duplicates:
        repeated = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        msg = f"{name}: repeated column names {', '.join(repeated)}; give each column its own name"
        raise SchemaError(msg)
    frame = to_wgs84(frame, name=name)
    geometry_name = frame.geometry.name
    columns = [c for c in frame.columns if c != geometry_name]
    fields, extras = _assign(columns, date=date, category=category, location=location, name=name)
    raw = pd.DataFrame({field: frame[column].to_numpy(dtype=object) for column, field in fields.items()})
    raw = raw.astype(object).where(raw.notna(), None)
    raw["geometry"] = np.asarray(frame.geometry.array, dtype=object)
    origin = Origin(name, _RowLabels(len(frame)))
    events = _build(raw, origin=origin, registry=registry)
    taken = set(events.columns)
    data = {}
    for column in extras:
        label = column
        while label in taken:  # a second geometry column called "geometry", say
            label = f"{label}_2"
        taken.add(label)
        data[label] = frame[column].reset_index(drop=True)
    if not data:
        return events
    extra = pd.DataFrame(data, index=events.index)
    out = pd.concat([events.drop(columns="geometry"), extra], axis=1)
    return gpd.GeoDataFrame(out, geometry=events.geometry, crs=WGS84)


class _RowLabels(Sequence[str]):
    """``"row 1"``, ``"row 2"``, ... made when asked (a frame may have millions of rows)."""

    def __init__(self, n: int) -> None:
        self._n = n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [f"row {k + 1}" for k in range(self._n)[i]]
        if not -self._n <= i < self._n:
            raise IndexError(i)
        return f"row {i % self._n + 1}"


def _folded(column: object) -> str:
    return str(column).strip().lower().replace(" ", "_")


def _assign(
    columns: list[object], *, date: ColumnChoice, category: ColumnChoice, location: ColumnChoice, name: str
) -> tuple[dict[object, str], list[object]]:
    """Return the model field each column fills, and the columns kept as extras, in order."""
    folded = {column: _folded(column) for column in columns}
    fields: dict[object, str] = {}
    for field, given, usual in (
        ("event_date", date, DATE_NAMES),
        ("category", category, CATEGORY_NAMES),
        ("location", location, LOCATION_NAMES),
    ):
        if given is False:
            continue
        if given is not None:
            if given not in folded:
                shown = ", ".join(map(str, columns[:20])) or "none"
                msg = f"{name}: no column {short_repr(given)} to take {field} from; columns: {shown}"
                raise ConfigurationError(msg)
            fields[given] = field
            continue
        for key in usual:  # the first usual name present, in order of preference
            found = [c for c in columns if folded[c] == key and c not in fields]
            if found:
                fields[found[0]] = field
                break
    chosen = set(fields.values())
    for column in columns:
        key = folded[column]
        if column not in fields and key in DTYPES and key not in chosen:
            fields[column] = key
            chosen.add(key)
    return fields, [c for c in columns if c not in fields]


def records_events(
    raw: pd.DataFrame, *, origin: Origin, registry: CategoryRegistry | None
) -> gpd.GeoDataFrame:
    """Build events from a file's records, whose columns already have the model's names.

    A file with dates goes straight to :func:`~conflictmap.validate.build_events`. A file with
    no date column (or one empty in every row) is not refused: like a GeoDataFrame given to
    :func:`to_events`, its date may come from a ``time`` column, its category from ``type``
    and its place from ``name``; without dates its events are undated, with a notice.
    """
    if "event_date" in raw.columns and not _all_blank(raw["event_date"]):
        return build_events(raw, origin=origin, registry=registry)
    raw = raw.drop(columns=["event_date"], errors="ignore")
    renames = {}
    for field, usual in (("event_date", ("time",)), ("category", ("type",)), ("location", ("name",))):
        if field not in raw.columns:
            found = [c for c in raw.columns if c in usual]
            if found:
                renames[found[0]] = field
    raw = raw.rename(columns=renames)
    events = _build(raw, origin=origin, registry=registry)
    if events["event_date"].isna().all():  # said once the records are known to be valid
        warnings.warn(
            f"{origin.path}: no event dates (no date column, or every date empty): the events are "
            "undated; a map of them has no time control and --since/--until keep none",
            DataWarning,
            stacklevel=3,
        )
    return events


def _build(raw: pd.DataFrame, *, origin: Origin, registry: CategoryRegistry | None) -> gpd.GeoDataFrame:
    undated = "event_date" not in raw.columns or _all_blank(raw["event_date"])
    if undated:
        if "date_end" in raw.columns and not _all_blank(raw["date_end"]):
            msg = f"{origin.path}: an end date (date_end) is given but no event_date column to start from"
            raise SchemaError(msg)
        raw = raw.assign(event_date=_PLACEHOLDER_DATE)
    if "category" not in raw.columns:
        raw = raw.assign(category=FALLBACK)  # the stated default: no notice for each event
    events = build_events(raw, origin=origin, registry=registry)
    if undated:
        events["event_date"] = pd.Series(pd.NaT, index=events.index, dtype=events["event_date"].dtype)
        events["date_end"] = events["event_date"]
    return events


def _all_blank(values: pd.Series) -> bool:
    if values.empty:
        return True
    if not pd.api.types.is_object_dtype(values.dtype) and not pd.api.types.is_string_dtype(values.dtype):
        return bool(values.isna().all())  # dates, numbers: no text to be blank (not row by row)
    if isinstance(values.dtype, pd.StringDtype):
        return bool((values.str.strip().fillna("") == "").all())
    text = values.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
    return bool(text.map(lambda v: v is None or v == "" or (isinstance(v, float) and np.isnan(v))).all())
