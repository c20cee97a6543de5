"""Events as store rows and back: one encoding shared by the GeoPackage and PostGIS backends.

A stored report keeps every column of the event model, the source's extra columns (as one JSON
object, so that ACLED's ``admin2`` or UCDP's ``conflict_name`` come back as they went in), its
category group (the map layer), a hash of its content (to tell a changed report from a repeat),
and the search window of the incident rule (a box and a period around it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from conflictmap.categories import CategoryRegistry
from conflictmap.schema import COLUMNS, DTYPES, WGS84, conform
from conflictmap.store.pgbinary import fixed_width

__all__ = [
    "MODEL_TEXT",
    "STAGED",
    "decode_rows",
    "encode_rows",
    "encode_stored",
    "layers_of",
    "search_window",
]

DATE_COLUMNS = ("event_date", "date_end")
MODEL_TEXT = tuple(name for name in COLUMNS if DTYPES[name] == "str")
# The columns of a staged row, in order (geometry as WKB; the window for the incident search).
STAGED: tuple[str, ...] = (
    *COLUMNS,
    "extras",
    "layer",
    "content_hash",
    "minx",
    "miny",
    "maxx",
    "maxy",
    "win_minx",
    "win_miny",
    "win_maxx",
    "win_maxy",
    "win_start",
    "win_end",
    "geom",
)
KM_PER_DEGREE = 111.32


def encode_rows(
    events: gpd.GeoDataFrame, *, registry: CategoryRegistry, km: float, days: float
) -> pd.DataFrame:
    """Return the staged rows of ``events`` (columns :data:`STAGED`; dates stay datetime64).

    Parameters
    ----------
    events
        A validated, located event collection.
    registry
        Gives each category its group (layer), which the incident rule compares.
    km, days
        The incident rule's reach, which sets each row's search window.
    """
    out = encode_stored(events, registry=registry)
    window = search_window(events, km=km, days=days)
    for name in window.columns:
        out[name] = window[name]
    return out[list(STAGED)]


def encode_stored(
    events: gpd.GeoDataFrame, *, registry: CategoryRegistry, wkb: np.ndarray | None = None
) -> pd.DataFrame:
    """Return what a report stores of ``events``: the staged columns but the search window.

    The rows written straight into an empty store need no window (there is no stored report to
    search), so they skip computing it.

    Parameters
    ----------
    events
        A validated, located event collection.
    registry
        Gives each category its group (layer).
    wkb
        The geometries as little-endian WKB, when the caller has them (None: written here).

    Returns
    -------
    pandas.DataFrame
        The model's columns, ``extras``, ``layer``, ``content_hash`` and ``geom`` (WKB, little-endian).
    """
    out = pd.DataFrame({name: events[name] for name in COLUMNS})
    extras = [c for c in events.columns if c not in DTYPES and c != "geometry"]
    out["extras"] = _extras_json(events, extras)
    out["layer"] = layers_of(events["category"], registry=registry)
    if wkb is None:
        wkb = shapely.to_wkb(np.asarray(events.geometry.array, dtype=object), byte_order=1)
    out["content_hash"] = _hashes(out, wkb)
    out["geom"] = wkb
    return out


def layers_of(categories: pd.Series, *, registry: CategoryRegistry) -> pd.Series:
    """Return the layer (category group) of each category as text (``str``), missing where it is.

    Looked up once per distinct category and spread to the rows by pyarrow's take: mapping the
    column through a dict made an object column converted back into Arrow text, 0.6-0.9 s per
    1,000,000 rows across the encoding's chunks.
    """
    codes, uniques = pd.factorize(categories)
    layers = pa.array([str(registry.layer_of(key)) for key in uniques] + [None], type=pa.large_string())
    taken = layers.take(pa.array(np.where(codes < 0, len(uniques), codes), type=pa.int64()))
    text = pd.arrays.ArrowStringArray(taken, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    return pd.Series(text, index=categories.index, copy=False)


def search_window(events: gpd.GeoDataFrame, *, km: float, days: float) -> pd.DataFrame:
    """Box (degrees) and period within which another report may describe the same incident."""
    bounds = shapely.bounds(np.asarray(events.geometry.array, dtype=object))
    lat = np.clip(np.maximum(np.abs(bounds[:, 1]), np.abs(bounds[:, 3])), 0, 89)
    dy = km / KM_PER_DEGREE
    dx = dy / np.cos(np.radians(lat))
    start = events["event_date"]
    end = events["date_end"].fillna(start)
    step = pd.Timedelta(days=days)
    return pd.DataFrame(
        {
            "minx": bounds[:, 0],
            "miny": bounds[:, 1],
            "maxx": bounds[:, 2],
            "maxy": bounds[:, 3],
            "win_minx": bounds[:, 0] - dx,
            "win_miny": bounds[:, 1] - dy,
            "win_maxx": bounds[:, 2] + dx,
            "win_maxy": bounds[:, 3] + dy,
            "win_start": start - step,
            "win_end": end + step,
        },
        index=events.index,
    )


def _extras_json(events: gpd.GeoDataFrame, extras: Sequence[str]) -> pd.Series:
    """One JSON object per row of the extra columns (None when a row has none)."""
    if not extras:
        return pd.Series(None, index=events.index, dtype="str")
    # pandas writes JSON lines in C; 1,000,000 rows in about a second.
    frame = pd.DataFrame({name: events[name].astype(object) for name in extras}, index=events.index)
    lines = frame.to_json(orient="records", lines=True, date_format="iso", force_ascii=False)
    return pd.Series(lines.splitlines(), index=events.index, dtype="str")


def _hashes(rows: pd.DataFrame, wkb: np.ndarray) -> pd.Series:
    r"""Return a content hash per row: every model column, the extras and the geometry.

    The hashed bytes are each column's text (``str()`` of the value, ``"\x00"`` for a missing
    one) joined by ``"\x1f"``, then the WKB. pyarrow builds them in C++ (a Python loop joining
    19 values per row took 2 s per 200,000 rows); only the hashing itself is a loop.
    """
    parts = []
    for name in (*COLUMNS, "extras"):
        column = rows[name]
        if name in DATE_COLUMNS:  # NaT hashes as the text "NaT", as it always did
            # Each distinct date written once (a file spans a few thousand days), then taken
            # for every row: 1 s less per 1,000,000 rows than writing every row's date.
            codes, days = pd.factorize(column.to_numpy("datetime64[us]").view(np.int64))
            text = np.datetime_as_string(np.asarray(days).view("datetime64[us]"), unit="us")
            parts.append(pa.array(text, type=pa.string()).take(pa.array(codes)))
        elif column.dtype == bool:  # str(True), not pyarrow's "true"
            parts.append(pa.array(np.where(column.to_numpy(), "True", "False"), type=pa.string()))
        elif pd.api.types.is_integer_dtype(column.dtype) or pd.api.types.is_string_dtype(column.dtype):
            parts.append(pa.array(column, from_pandas=True).cast(pa.string()))
        else:  # any other type: Python's str(), as the values would print
            parts.append(pa.array(column.astype(object).astype("str"), from_pandas=True).cast(pa.string()))
    joined = pc.binary_join_element_wise(*parts, "\x1f", null_handling="replace", null_replacement="\x00")
    shapes = pa.array(wkb, type=pa.binary(), from_pandas=True).fill_null(b"")
    data = pc.binary_join_element_wise(joined.cast(pa.binary()), shapes, b"").to_pylist()
    # The digests joined, then written as hex at once and cut into one array (no string per row
    # made in Python, then converted by pandas): 0.9 s per 1,000,000 rows against 1.2 s.
    digests = b"".join([hashlib.blake2b(value, digest_size=16).digest() for value in data])
    hexed = np.frombuffer(digests.hex().encode("ascii"), dtype=np.uint8).reshape(len(data), 32)
    return pd.Series(fixed_width(hexed).cast(pa.string()), index=rows.index, dtype="str")


def decode_rows(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Turn rows read from a store (model columns, ``extras``, ``geom`` as WKB) into events.

    The result has the dtypes, the extra columns and the order of columns of the events read
    from the files they came from.
    """
    data = {name: frame[name] for name in COLUMNS}
    for name in DATE_COLUMNS:
        data[name] = pd.to_datetime(frame[name], format="ISO8601").astype("datetime64[us]")
    data["located"] = frame["located"].astype(bool)
    for name in MODEL_TEXT:
        data[name] = frame[name].astype(object).where(frame[name].notna(), np.nan)
    out = pd.DataFrame(data)
    extras = frame["extras"]
    if extras.notna().any():
        decoded = pd.DataFrame.from_records(
            [json.loads(text) if isinstance(text, str) else {} for text in extras], index=frame.index
        )
        for name in decoded.columns:
            values = decoded[name]
            given = values.dropna()
            is_text = given.map(lambda v: isinstance(v, str)).all()
            out[name] = values.astype("str") if is_text else values
    geoms = shapely.from_wkb(np.asarray(frame["geom"].map(_bytes), dtype=object))
    out["geometry"] = geoms
    events = conform(out)
    return gpd.GeoDataFrame(events, geometry="geometry", crs=WGS84)


def _bytes(value: object) -> bytes | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return bytes(value)  # memoryview (psycopg) or bytes (sqlite3)
