"""The columnar GeoJSON writer writes, byte for byte, what the writer of one feature at a time wrote."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from conflictmap import ExportError, write_events
from conflictmap.dates import format_date
from conflictmap.schema import WGS84, conform
from conflictmap.writers import to_geojson

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from synthetic_events import synthetic_events


def _plain(value: object) -> object:
    """A cell as the writer of one feature at a time gave it to json.dumps."""
    if isinstance(value, list | dict | tuple):
        return value
    if value is None or bool(pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return format_date(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def reference(events: gpd.GeoDataFrame) -> bytes:
    """The writer the columnar one replaced: a dict per event, json.dumps of each, one feature a line."""
    names = [c for c in events.columns if c != events.geometry.name]
    geometry = shapely.transform(events.geometry.to_numpy(), lambda xyz: np.round(xyz, 6), include_z=None)
    shapes = shapely.to_geojson(shapely.orient_polygons(geometry))
    features = []
    for i in range(len(events)):
        record = {name: _plain(events[name].iloc[i]) for name in names}
        if any(pd.api.types.is_datetime64_any_dtype(events[n]) and record[n] is not None for n in names):
            pass  # dates were formatted by _plain
        text = json.dumps(record, ensure_ascii=False, allow_nan=False)
        shape = shapes[i] if shapes[i] is not None else "null"
        features.append(
            f'{{"type": "Feature", "id": {json.dumps(events["event_id"].iloc[i], ensure_ascii=False)}, '
            f'"properties": {text}, "geometry": {shape}}}'
        )
    body = "".join(f"{',' if i else ''}\n{f}" for i, f in enumerate(features))
    return ('{"type": "FeatureCollection", "features": [' + body + "\n]}\n").encode("utf-8")


AWKWARD = [
    'quote " and backslash \\ and slash /',
    "tab\tnewline\nreturn\rbell\x07 escape\x1b nul\x00 delete\x7f",
    "Dar'a — درعا — Ḥimṣ — 𝕊𝕪𝕣𝕚𝕒 🇸🇾 \u2028 line separator \u200f",
    "  padded  ",
    "",
]


def varied_events() -> gpd.GeoDataFrame:
    """Points, polygons (both windings), a Z, missing geometries; text of every awkward kind; extras."""
    events = synthetic_events(400, seed=3, areas=True)
    n = len(events)
    rng = np.random.default_rng(5)
    geometry = events.geometry.to_numpy().copy()
    geometry[::17] = None
    geometry[5] = shapely.Point(36.123456789, 33.987654321, 812.123456789)
    geometry[6] = shapely.Polygon([(36, 33), (36, 34), (37, 34), (37, 33)])  # clockwise
    geometry[7] = shapely.MultiPolygon(
        [shapely.box(36, 32, 36.5, 32.5), shapely.box(37, 32, 37.5, 32.5, ccw=False)]
    )
    events = events.set_geometry(gpd.GeoSeries(geometry, crs=WGS84))
    events["located"] = events.geometry.notna()
    events.loc[events.geometry.isna(), "geo_precision"] = pd.NA
    events["notes"] = [AWKWARD[i % len(AWKWARD)] + f" {i}" for i in range(n)]
    events.loc[3::7, "actor2"] = None
    events.loc[2, "event_id"] = 'id "quoted" \\ é'
    events.loc[4, "event_date"] = pd.Timestamp("2025-03-03T10:30:00")
    events.loc[8, "event_date"] = pd.Timestamp("0999-12-31T23:59:59.123456")
    events.loc[::5, "fatalities"] = pd.NA
    events["score"] = np.where(rng.random(n) < 0.3, np.nan, rng.normal(size=n) * 1e6)
    events.loc[1, "score"] = 1e16
    events.loc[2, "score"] = -0.0
    events["tally"] = pd.array(np.where(rng.random(n) < 0.3, None, rng.integers(-5, 5, n)), dtype="Int32")
    events["big"] = np.full(n, 2**63 - 1, dtype=np.int64)
    events["flag"] = rng.random(n) < 0.5
    events["maybe"] = pd.array([None if i % 3 == 0 else bool(i % 2) for i in range(n)], dtype="boolean")
    events["seen"] = pd.Series(pd.date_range("2020-01-01", periods=n, freq="37h")).where(rng.random(n) < 0.8)
    events["mixed"] = pd.Series(
        [
            [1, "a"] if i % 4 == 0 else {"k": i} if i % 4 == 1 else None if i % 4 == 2 else "t"
            for i in range(n)
        ],
        dtype=object,
    )
    events["label"] = pd.Series(
        [AWKWARD[(i + 2) % len(AWKWARD)] if i % 6 else None for i in range(n)], dtype="str"
    )
    events["small"] = rng.integers(0, 3, n).astype(np.int8)
    return events


def test_columnar_writer_writes_the_bytes_the_feature_writer_wrote(tmp_path):
    events = varied_events()
    path = tmp_path / "out.geojson"
    write_events(events, path)
    assert path.read_bytes() == reference(events)
    assert to_geojson(events) == json.loads(reference(events))


def test_in_slices_and_from_a_sliced_frame(tmp_path, monkeypatch):
    from conflictmap import writers

    events = varied_events().iloc[37:300]  # a frame whose Arrow arrays start at an offset
    monkeypatch.setattr(writers, "_SLICE", 64)
    write_events(events, tmp_path / "out.geojson")
    assert (tmp_path / "out.geojson").read_bytes() == reference(events)


def test_no_events_and_one_event(tmp_path):
    events = varied_events()
    for part in (events.iloc[:0], events.iloc[:1]):
        write_events(part, tmp_path / "out.geojson")
        assert (tmp_path / "out.geojson").read_bytes() == reference(part)


def test_stdout_gets_the_same_bytes(tmp_path, capsysbinary):
    events = varied_events()
    write_events(events, "-")
    assert capsysbinary.readouterr().out == reference(events)


def test_a_value_json_cannot_write_names_the_first_such_event(tmp_path):
    events = varied_events()
    events["thing"] = pd.Series([None] * len(events), dtype=object)
    events.loc[[9, 4], "thing"] = [{1, 2}, complex(1, 2)]  # a set, a complex number
    events.loc[3, "mixed"] = [float("nan")]
    with pytest.raises(
        ExportError, match=rf"event {events['event_id'].iloc[3]!r}: cannot write its properties"
    ):
        write_events(events, tmp_path / "out.geojson")
    assert not list(tmp_path.iterdir())


def test_real_shapes_in_conformed_events(tmp_path):
    events = conform(synthetic_events(300, seed=9, areas=True))
    write_events(events, tmp_path / "out.geojson")
    assert (tmp_path / "out.geojson").read_bytes() == reference(events)
