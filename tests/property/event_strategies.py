"""Hypothesis strategies for event collections, shared by the round-trip property tests.

``events()`` draws the plain collections the first round-trip test always used; ``events(wide=True)``
widens every field to what a format must still carry: any Unicode text (NUL and other control
characters, bidi marks, line and paragraph separators, quotes, delimiters, emoji), dates and
times from year 1 to 9999, points and polygons with a Z, polygons with holes, multipolygons and
fatalities up to the largest Int64.

Text is drawn as the readers give it back: stripped of surrounding white space (Python's
``str.strip``) and never empty, since every reader turns an empty cell into a missing value.
Lone surrogates are left out: they are not Unicode text, and no Arrow-backed text column (the
model's) can hold them; ``tests/unit/test_writers.py`` shows a writer refuses them.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely
import shapely.affinity
from hypothesis import strategies as st

from conflictmap.categories import default_registry
from conflictmap.schema import WGS84, conform

__all__ = ["EXTRA", "LAT", "LON", "NASTY", "TEXT", "WIDE_TEXT", "events", "geometries"]

TEXT = st.one_of(st.none(), st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    min_size=1, max_size=20).map(str.strip).filter(bool))
# Pieces that broke, or could break, a format: NUL, other C0/C1 controls, CR/LF, RTL and
# zero-width marks, U+2028/U+2029 (raw in JSON, line breaks to str.splitlines), the CSV
# quote and delimiters, a backslash, a BOM, a template payload, astral-plane characters.
NASTY = ("\x00", "\x01", "\x1b", "\x7f", "\x85", "\r", "\n", "\r\n", "\t", "\u200f", "\u200e",
         "\u202e", "\u200b", "\u2028", "\u2029", "\ufeff", '"', "'", ",", ";", "\\", "{{ 7*7 }}",
         "\U0001f600", "\U0001f3f3\ufe0f\u200d\U0001f308", "\U00010348", "\ufffd", "\U0010ffff")
WIDE_TEXT = st.one_of(st.none(), st.lists(
    st.one_of(st.sampled_from(NASTY), st.characters(codec="utf-8")), min_size=1, max_size=12,
).map("".join).map(str.strip).filter(bool))
LON = st.integers(-179_000_000, 179_000_000).map(lambda v: v / 1e6)
LAT = st.integers(-89_000_000, 89_000_000).map(lambda v: v / 1e6)
# Any float: the writers round GeoJSON and CSV coordinates to 6 decimals (within 1e-6 degrees).
WIDE_LON = st.floats(-179, 179, allow_nan=False)
WIDE_LAT = st.floats(-89, 89, allow_nan=False)
Z = st.one_of(st.integers(-11_000_000_000, 9_000_000_000).map(lambda v: v / 1e6), st.just(0.0))
EXTRA = "extra_note"  # a column the model does not know: text that must come back as text

_FIRST_DAY = pd.Timestamp("0001-01-01")
_LAST_DAY = pd.Timestamp("9999-12-31")
_LAST_MOMENT = pd.Timestamp("9999-12-31 23:59:59.999999")
_DAYS = (_LAST_DAY - _FIRST_DAY).days
_DAY_US = 86_400_000_000


def _micro_degrees(low: float, high: float):
    """Coordinates from ``low`` to ``high`` on the 1e-6 degree lattice of :data:`LON` and :data:`LAT`."""
    return st.integers(round(low * 1e6), round(high * 1e6)).map(lambda v: v / 1e6)


@st.composite
def geometries(draw, *, wide: bool = False, bounds: tuple[float, float, float, float] | None = None):
    """A geometry (or None); with ``bounds`` (west, south, east, north) its corner lies in them."""
    kinds = ["point", "box", "none"] + (["point_z", "box_z", "holed", "multi"] if wide else [])
    kind = draw(st.sampled_from(kinds))
    if bounds is not None:
        lon, lat = draw(_micro_degrees(bounds[0], bounds[2])), draw(_micro_degrees(bounds[1], bounds[3]))
    else:
        lon, lat = draw(WIDE_LON if wide else LON), draw(WIDE_LAT if wide else LAT)
    size = draw(st.integers(1, 500)) / 1000
    box = shapely.box(lon, lat, min(lon + size, 180), min(lat + size, 90))
    if kind == "point":
        return shapely.Point(lon, lat)
    if kind == "point_z":
        return shapely.Point(lon, lat, draw(Z))
    if kind == "box":
        return box
    if kind == "box_z":
        return shapely.force_3d(box, draw(Z))
    if kind == "holed":
        return shapely.Polygon(box.exterior, [box.buffer(-size / 4, join_style="mitre").exterior])
    if kind == "multi":
        far = shapely.affinity.translate(box, xoff=-2 * size if lon > 0 else 2 * size)
        return shapely.MultiPolygon([box, far])
    return None


@st.composite
def _wide_dates(draw):
    """An event date (any day from 0001-01-01, at midnight or with a time to the microsecond)
    and an end (none, or a moment not before it, up to 9999-12-31)."""
    day = draw(st.integers(0, _DAYS))
    moment = draw(st.sampled_from(["midnight", "second", "millisecond", "microsecond"]))
    step = {"midnight": _DAY_US, "second": 1_000_000, "millisecond": 1_000, "microsecond": 1}[moment]
    start = _FIRST_DAY + pd.Timedelta(days=day) + pd.Timedelta(
        microseconds=draw(st.integers(0, _DAY_US // step - 1)) * step)
    if draw(st.booleans()):
        return start, None
    room = (_LAST_MOMENT - start) // pd.Timedelta(microseconds=step)
    return start, start + pd.Timedelta(microseconds=draw(st.integers(0, room)) * step)


@st.composite
def events(draw, *, wide: bool = False, bounds: tuple[float, float, float, float] | None = None):
    """An event collection of 1 to 6 events; ``bounds`` (west, south, east, north) keeps them in an area."""
    n = draw(st.integers(1, 6))
    text = WIDE_TEXT if wide else TEXT
    rows = []
    for i in range(n):
        if wide:
            start, end = draw(_wide_dates())
        else:
            start = pd.Timestamp("2000-01-01") + pd.Timedelta(days=draw(st.integers(0, 10_000)))
            days = draw(st.one_of(st.none(), st.integers(1, 400)))
            end = None if days is None else start + pd.Timedelta(days=days)
        geom = draw(geometries(wide=wide, bounds=bounds))
        given_id = draw(WIDE_TEXT) if wide else None
        rows.append({
            "event_id": f"{given_id or 'e'}{i}-{draw(st.integers(0, 999))}",
            "event_date": start,
            "date_end": end,
            "time_precision": draw(st.sampled_from([1, 2, 3])),
            "category": draw(st.sampled_from(list(default_registry()))),
            "sub_event_type": draw(text), "actor1": draw(text), "actor2": draw(text),
            "location": draw(text), "place_id": draw(text), "place_name": draw(text), "admin1": draw(text),
            # Random points with a country could look swapped to the reader, which rejects them.
            "country": None if isinstance(geom, shapely.Point) else
            draw(st.sampled_from([None, "SY", "IL", "FR"])),
            "geo_precision": None if geom is None else draw(st.sampled_from([1, 2, 3, 4])),
            "notes": draw(text), "source": draw(text),
            "source_url": draw(text) if wide else
            draw(st.sampled_from([None, "https://example.org/a?b=1&c=2"])),
            "fatalities": draw(st.one_of(st.none(), st.sampled_from([0, 1, 2**53 + 1, 2**63 - 1]),
                                         st.integers(0, 2**63 - 1)) if wide else
                               st.one_of(st.none(), st.integers(0, 10_000))),
            "located": geom is not None,
            **({EXTRA: draw(text)} if wide else {}),
            "geometry": geom,
        })
    frame = pd.DataFrame(rows)
    for name in ("event_date", "date_end"):
        frame[name] = pd.Series(list(frame[name]), dtype="datetime64[us]")
    # Built from the drawn ints: a column of ints and None is float64, exact only to 2**53.
    frame["fatalities"] = pd.array([row["fatalities"] for row in rows], dtype="Int64")
    frame = frame.drop_duplicates("event_id")
    events = conform(gpd.GeoDataFrame(frame, geometry="geometry", crs=WGS84))
    if wide:
        events[EXTRA] = events[EXTRA].astype("str")
    return events
