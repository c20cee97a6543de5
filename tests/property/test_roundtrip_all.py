"""What we write, we read back: every format, every field, any text, any date, 3D (hypothesis).

Write then read gives equal events (same columns, dtypes and values; geometries within 1e-6
degrees, Z included), or the writer refuses, before writing anything, exactly the values the
format cannot hold, naming the event and the field: in GeoPackage, a NUL in text and a time
finer than the millisecond. Nothing else is refused.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings

from conflictmap import ExportError, read_events, write_events
from conflictmap.schema import COLUMNS, WGS84, conform
from conflictmap.writers import to_geojson

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # lets this module `import event_strategies` under --import-mode=importlib
    sys.path.insert(0, str(HERE))

from event_strategies import EXTRA, NASTY, events  # noqa: E402

FORMATS = ["geojson", "csv", "gpkg", "parquet"]
TOLERANCE = 1e-6  # degrees (and metres of Z): GeoJSON and CSV coordinates are rounded to 6 decimals


def _gpkg_refusals(frame: gpd.GeoDataFrame) -> list[str]:
    """The fields GeoPackage must refuse: text holding NUL, times finer than the millisecond."""
    fields = [n for n in frame.columns if pd.api.types.is_string_dtype(frame[n])
              and frame[n].str.contains("\x00", regex=False, na=False).any()]
    return fields + [n for n in ("event_date", "date_end")
                     if (frame[n].dropna().dt.microsecond % 1000).any()]


def _gpkg_storable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The same events with what GeoPackage cannot hold taken out: NUL removed, times to the ms."""
    frame = frame.copy()
    for name in frame.columns:
        if pd.api.types.is_string_dtype(frame[name]):
            cleaned = frame[name].str.replace("\x00", "", regex=False).str.strip()
            frame[name] = cleaned.where(cleaned != "", np.nan)
    for name in ("event_date", "date_end"):
        frame[name] = frame[name].dt.floor("ms")
    return frame.drop_duplicates("event_id").reset_index(drop=True)


def _write_read(frame: gpd.GeoDataFrame, fmt: str, tmp: Path) -> gpd.GeoDataFrame:
    path = tmp / f"events.{fmt}"
    write_events(frame, path)
    return read_events(path)


def _assert_same(original: gpd.GeoDataFrame, back: gpd.GeoDataFrame) -> None:
    assert list(back.columns) == list(original.columns)
    pd.testing.assert_frame_equal(pd.DataFrame(original.drop(columns="geometry")),
                                  pd.DataFrame(back.drop(columns="geometry")))
    assert back.crs == original.crs
    for a, b in zip(original.geometry, back.geometry, strict=True):
        assert (a is None) == (b is None)
        if a is None:
            continue
        assert a.geom_type == b.geom_type
        assert a.has_z == b.has_z, f"Z {'dropped' if a.has_z else 'added'}: {a.wkt[:60]} -> {b.wkt[:60]}"
        # equals_exact ignores Z, so the coordinates (Z included) are compared themselves.
        xyz_a = shapely.get_coordinates(a.normalize(), include_z=True)
        xyz_b = shapely.get_coordinates(b.normalize(), include_z=True)
        np.testing.assert_allclose(xyz_b, xyz_a, rtol=0, atol=TOLERANCE)


def _check(frame: gpd.GeoDataFrame, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if fmt == "gpkg" and (refused := _gpkg_refusals(frame)):
            with pytest.raises(ExportError) as caught:
                write_events(frame, tmp / "events.gpkg")
            message = str(caught.value)
            assert any(f"field {field!r}" in message for field in refused), message
            assert " event " in message
            assert not list(tmp.iterdir())  # nothing written, no temporary file left
            frame = _gpkg_storable(frame)
        back = _write_read(frame, fmt, tmp)
        _assert_same(frame, back)
        if fmt == "geojson":
            written = json.loads((tmp / "events.geojson").read_text(encoding="utf-8"))
            assert to_geojson(frame) == written


SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("fmt", FORMATS)
@SETTINGS
@given(frame=events(wide=True))
def test_any_events_come_back_equal_or_are_refused(fmt, frame):
    _check(frame, fmt)


def _big_events() -> gpd.GeoDataFrame:
    """Three events whose text fields hold a megabyte each, of every awkward character."""
    block = "".join(NASTY) + "a,b;c\td\"e'f\n"
    mega = (block * (1_000_000 // len(block) + 1))[:1_000_000].strip()
    rows = []
    for i, geom in enumerate([shapely.Point(35.5, 33.1, 812.25), shapely.Point(-0.5, 51.25), None]):
        rows.append({
            "event_id": f"big-{i}", "event_date": pd.Timestamp("0999-12-31"),
            "date_end": pd.Timestamp("9999-12-31") if i else None, "time_precision": 1,
            "category": "airstrike", "sub_event_type": None, "actor1": "\u200f" + mega[:5000] + "x",
            "actor2": None, "location": f"place {i}", "place_id": None, "place_name": None, "admin1": None,
            "country": None, "geo_precision": None if geom is None else 1,
            "notes": mega, "source": mega[::-1].strip() or None, "source_url": None,
            "fatalities": [None, 0, 2**63 - 1][i], "located": geom is not None,
            EXTRA: mega.replace("\x00", ""), "geometry": geom,
        })
    frame = pd.DataFrame(rows)
    for name in ("event_date", "date_end"):
        frame[name] = pd.Series(list(frame[name]), dtype="datetime64[us]")
    # Built from the drawn ints: a column of ints and None is float64, exact only to 2**53.
    frame["fatalities"] = pd.array([row["fatalities"] for row in rows], dtype="Int64")
    events = conform(gpd.GeoDataFrame(frame, geometry="geometry", crs=WGS84))
    events[EXTRA] = events[EXTRA].astype("str")
    return events


@pytest.mark.parametrize("fmt", FORMATS)
def test_megabyte_text_comes_back_whole(fmt):
    frame = _big_events()
    assert frame["notes"].str.len().min() > 999_000
    assert list(frame.columns[: len(COLUMNS)]) == list(COLUMNS)
    _check(frame, fmt)
