"""What we write, we read back: every format, every field, any text, any date, 3D (hypothesis).

Write then read gives equal events (same columns, dtypes and values; geometries within 1e-6
degrees, Z included), or the writer refuses, before writing anything, exactly the values the
format cannot hold, naming the event and the field (or the geometries). Nothing else is refused.
What each format holds (:data:`CANNOT_HOLD` says what it cannot):

- GeoJSON, CSV, GeoParquet: everything drawn here.
- GeoPackage: everything but a NUL in text (GDAL ends the string at it) and a time finer than
  the millisecond (it keeps milliseconds).
- FlatGeobuf: as GeoPackage, no time before 1970 with a fraction of a second (GDAL's Arrow
  writer moves it to the wrong second), and a Z only when every geometry has one and all are of one type
  (its header says for the whole layer whether there is a Z, and a layer of mixed types has none).
- Shapefile: no NUL; text of at most 254 bytes (a dBASE field); integers up to 2**53 (its
  64-bit number field reads back as a double); one geometry type per file
  (points, or polygons and multipolygons) and all flat or all 3D. Column names of at most 10
  characters are mapped back to the model's longer ones; dates are written as ISO 8601 text,
  so they keep their microseconds; a missing geometry is kept.
- KML: text XML 1.0 can hold and read back unchanged: no NUL or other C0 control but tab and
  line feed, no carriage return (read back as a line feed), no U+FFFE/U+FFFF, and not the text
  ``]]>`` (which GDAL's KML writer leaves unescaped); and no telling a flat position from one at
  altitude 0, so no flat geometries next to 3D ones, and not every Z equal to 0. Dates are ISO
  8601 text.
"""

from __future__ import annotations

import json
import re
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

FORMATS = ["geojson", "csv", "gpkg", "parquet", "fgb", "shp", "kml"]
TOLERANCE = 1e-6  # degrees (and metres of Z): GeoJSON and CSV coordinates are rounded to 6 decimals

GDAL = ("gpkg", "fgb", "shp", "kml")  # formats written through GDAL, whose text ends at a NUL
MILLISECONDS = ("gpkg", "fgb")  # formats whose times keep milliseconds
SHAPEFILE_TEXT_BYTES = 254
SHAPEFILE_EXACT_INTEGER = 2**53
# Characters a KML file cannot give back (besides NUL): XML 1.0's forbidden ones and CR.
KML_CHARACTERS = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]")
KML_TEXT = "]]>"
CANNOT_HOLD = {
    "geojson": "",
    "csv": "",
    "parquet": "",
    "gpkg": "NUL in text; times finer than the millisecond",
    "fgb": (
        "NUL in text; times finer than the millisecond, or before 1970 with a fraction; "
        "a Z unless all have one, all of one type"
    ),
    "shp": "NUL in text; text over 254 bytes; integers beyond 2**53; two geometry types, or flat next to 3D",
    "kml": "NUL or other XML-forbidden control, CR, U+FFFE/U+FFFF or ']]>' in text; flat next to 3D; all Z 0",
}


def _text_columns(frame: gpd.GeoDataFrame) -> list[str]:
    return [n for n in frame.columns if n != "geometry" and pd.api.types.is_string_dtype(frame[n])]


def _bad_text(value: object, fmt: str) -> bool:
    """Whether ``fmt`` cannot hold this text."""
    if not isinstance(value, str):
        return False
    if fmt in GDAL and "\x00" in value:
        return True
    if fmt == "shp" and len(value.encode("utf-8")) > SHAPEFILE_TEXT_BYTES:
        return True
    return fmt == "kml" and (KML_CHARACTERS.search(value) is not None or KML_TEXT in value)


def _early_fraction(dates: pd.Series) -> pd.Series:
    """Times before 1970 with a fraction of a second, which GDAL's FlatGeobuf writer moves."""
    return dates.notna() & (dates < pd.Timestamp("1970-01-01")) & (dates.dt.microsecond != 0)


def _shapes(frame: gpd.GeoDataFrame) -> pd.Series:
    """The kind of each located geometry as a Shapefile sees it: point or polygon, flat or 3D."""
    located = frame.geometry.dropna()
    kinds = located.geom_type.replace({"MultiPolygon": "Polygon"})
    return kinds + np.where(located.has_z, " Z", "")


def _geometry_refusal(frame: gpd.GeoDataFrame, fmt: str) -> str | None:
    """What the writer says when ``fmt`` cannot hold these geometries together, else None."""
    located = frame.geometry.dropna()
    if fmt == "shp" and _shapes(frame).nunique() > 1:
        return "a Shapefile holds one geometry type"
    one_3d_type = located.has_z.all() and located.geom_type.nunique() == 1
    if fmt == "fgb" and located.has_z.any() and not one_3d_type:
        return "a FlatGeobuf file keeps a Z only when"
    if fmt == "kml" and located.has_z.any():
        if not located.has_z.all():
            return "KML writes a flat position with altitude 0"
        if not shapely.get_coordinates(located.to_numpy(), include_z=True)[:, 2].any():
            return "every Z is 0"
    return None


def _refusals(frame: gpd.GeoDataFrame, fmt: str) -> list[str]:
    """What the writer of ``fmt`` must say it refuses: the fields, then the geometries."""
    said = [f"field {n!r}" for n in _text_columns(frame) if frame[n].map(lambda v: _bad_text(v, fmt)).any()]
    if fmt in MILLISECONDS:
        said += [f"field {n!r}" for n in ("event_date", "date_end")
                 if (frame[n].dropna().dt.microsecond % 1000).any()]
    if fmt == "fgb":
        said += [f"field {n!r}" for n in ("event_date", "date_end")
                 if _early_fraction(frame[n]).any() and f"field {n!r}" not in said]
    if fmt == "shp" and (frame["fatalities"].dropna() > SHAPEFILE_EXACT_INTEGER).any():
        said.append("field 'fatalities'")
    if not said and (geometry := _geometry_refusal(frame, fmt)):
        said.append(geometry)  # the values are checked first
    return said


def _storable_text(value: object, fmt: str) -> object:
    if not isinstance(value, str):
        return value
    if fmt in GDAL:
        value = value.replace("\x00", "")
    if fmt == "kml":
        value = KML_CHARACTERS.sub("", value).replace(KML_TEXT, "")
    if fmt == "shp":
        value = value.encode("utf-8")[:SHAPEFILE_TEXT_BYTES].decode("utf-8", "ignore")
    return value.strip() or None


def _storable(frame: gpd.GeoDataFrame, fmt: str) -> gpd.GeoDataFrame:
    """The same events with what ``fmt`` cannot hold taken out (values cleaned, events left out)."""
    frame = frame.copy()
    for name in _text_columns(frame):
        frame[name] = pd.array([_storable_text(v, fmt) for v in frame[name]], dtype=frame[name].dtype)
    if fmt in MILLISECONDS:
        for name in ("event_date", "date_end"):
            frame[name] = frame[name].dt.floor("ms")
    if fmt == "fgb":
        for name in ("event_date", "date_end"):
            frame[name] = frame[name].mask(_early_fraction(frame[name]), frame[name].dt.floor("s"))
    if fmt == "shp":
        frame["fatalities"] = frame["fatalities"].where(frame["fatalities"] <= SHAPEFILE_EXACT_INTEGER)
    frame = frame.drop_duplicates("event_id").reset_index(drop=True)
    if _geometry_refusal(frame, fmt) is not None:
        if fmt == "shp":  # the events of the first kind of geometry (and the unlocated ones)
            shapes = _shapes(frame).reindex(frame.index)
            keep = shapes.isna() | (shapes == shapes.dropna().iloc[0])
        else:  # KML and FlatGeobuf: the flat events
            keep = ~frame.geometry.has_z
        frame = frame[keep.to_numpy()].reset_index(drop=True)
    return frame


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
        if refused := _refusals(frame, fmt):
            assert CANNOT_HOLD[fmt], f"{fmt} holds everything, yet {refused} is expected to be refused"
            with pytest.raises(ExportError) as caught:
                write_events(frame, tmp / f"events.{fmt}")
            message = str(caught.value)
            assert any(said in message for said in refused), message
            if refused[0].startswith("field "):
                assert " event " in message, message
            assert not list(tmp.iterdir())  # nothing written, no temporary file left
            frame = _storable(frame, fmt)
            assert not _refusals(frame, fmt)
        if frame.empty:
            return  # nothing left to write: the readers refuse a file of no events
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
