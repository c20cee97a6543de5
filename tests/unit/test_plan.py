"""The plan of a run (conflictmap.plan), the pandas engine, and GeoParquet reads cut by its bounds."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictmap import filter_events, read_events, write_events
from conflictmap.categories import default_registry
from conflictmap.engines import execute
from conflictmap.errors import Reprojected
from conflictmap.pipeline import load_events
from conflictmap.plan import Plan
from conflictmap.readers.spatial import read_parquet_events
from conflictmap.resources import data_path
from geo.filters import filter_events as filter_in_area
from geo.locate import locate_events
from geo.regions import default_regions

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from synthetic_events import synthetic_events

SAMPLE = data_path("events/seed-article.geojson")
GEOD = pyproj.Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def events() -> gpd.GeoDataFrame:
    return synthetic_events(3000, seed=3)


def test_bounds_of_each_kind_and_of_several():
    south = default_regions().find("southern Syria").geometry
    assert Plan.build(region="southern Syria").bounds() == pytest.approx(south.bounds)
    assert Plan.build(bbox="36,32,37,33").bounds() == (36, 32, 37, 33)
    assert Plan.build(within=shapely.box(35, 31, 36.5, 33.2)).bounds() == (35, 31, 36.5, 33.2)
    both = Plan.build(region="southern Syria", bbox="36,32,40,40").bounds()
    assert both == pytest.approx((36, south.bounds[1], south.bounds[2], south.bounds[3]))
    assert Plan.build(bbox="170,-10,-170,10").bounds() is None  # across the antimeridian
    assert Plan.build(since="2025").bounds() is None
    assert Plan().bounds() is None


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-88, 88),
    lon=st.floats(-179, 179),
    km=st.floats(0.01, 1999),
    azimuth=st.floats(0, 360),
    share=st.floats(0, 1),
)
def test_a_radius_box_holds_every_point_within_reach(lat, lon, km, azimuth, share):
    box = Plan.build(near=(lat, lon), km=km).bounds()
    x, y, _ = GEOD.fwd(lon, lat, azimuth, share * km * 1000)
    if box is None:  # crosses the antimeridian: no box, nothing skipped
        return
    west, south, east, north = box
    assert south <= y <= north
    assert west <= x <= east or math.isclose(abs(x), 180)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"since": "2025-03"},
        {"until": "2025-06-15"},
        {"since": "2025-01", "until": "2025-12"},
        {"categories": ["Incursions"]},
        {"categories": ["air strike", "unrest"], "since": "2025-05-01"},
        {"categories": []},
    ],
)
def test_attribute_mask_is_filter_events(events, kwargs):
    start, end = events["event_date"], events["date_end"].fillna(events["event_date"])
    keep = pd.Series(True, index=events.index)
    if "since" in kwargs:
        keep &= end >= pd.Timestamp(kwargs["since"])
    if "until" in kwargs:
        upper = pd.Timestamp(kwargs["until"])
        step = pd.DateOffset(days=1) if len(kwargs["until"]) == 10 else pd.DateOffset(months=1)
        keep &= start <= upper + step - pd.Timedelta(1, "us")
    if "categories" in kwargs:
        from conflictmap.filters import resolve_categories

        keys = resolve_categories(kwargs["categories"], registry=default_registry())
        keep &= events["category"].isin(keys)
    expected = events.index[keep].tolist()
    assert filter_events(events, **kwargs).index.tolist() == expected
    if kwargs.get("categories") != []:
        assert np.flatnonzero(Plan.build(**kwargs).attribute_mask(events)).tolist() == expected


def test_the_engine_keeps_what_locating_all_then_filtering_kept(events):
    # Some events with only a place name: they are geocoded first, then filtered by place.
    unlocated = events.iloc[:40].copy()
    unlocated["geometry"] = None
    unlocated["located"] = False
    unlocated["admin1"] = None
    unlocated["location"] = ["Nawa", "Quneitra", "Aleppo", "Sweida"] * 10
    unlocated["event_id"] = [f"U{i}" for i in range(40)]
    frame = pd.concat([events.assign(admin1=None), unlocated], ignore_index=True)
    plan = Plan.build(region="southern Syria", since="2025-02", categories=["Incursions", "unrest"])
    result = execute(plan, frame)
    located, _ = locate_events(frame)
    expected = filter_in_area(
        filter_events(located, since="2025-02", categories=["Incursions", "unrest"]), region="southern Syria"
    )
    assert result.events["event_id"].tolist() == expected["event_id"].tolist()
    assert result.events["event_id"].str.startswith("U").sum() > 0  # geocoded ones were kept
    assert result.events["admin1"].tolist() == expected["admin1"].tolist()
    # Every event gets its governorate, but those of all Syria, which lies in none.
    country_wide = result.events["location"].eq("Syria").to_numpy()
    assert 0 < country_wide.sum() < len(result.events)
    assert result.events["admin1"][~country_wide].notna().all()
    assert result.events["admin1"][country_wide].isna().all()
    assert result.report is not None and result.report.completed == len(result.events) - (
        result.events["event_id"].str.startswith("U").sum()
    ) - country_wide.sum()


def test_parquet_read_with_bounds_keeps_what_meets_them_and_the_unlocated(tmp_path, events):
    frame = events.copy()
    frame.loc[[5, 17], "geometry"] = None
    frame.loc[[5, 17], "located"] = False
    path = tmp_path / "e.parquet"
    write_events(frame, path)
    bounds = (36.0, 32.5, 36.6, 33.2)
    read, skipped = read_parquet_events(path, registry=default_registry(), bounds=bounds)
    box = shapely.box(*bounds)
    meets = frame.geometry.isna() | frame.geometry.envelope.intersects(box)
    assert read["event_id"].tolist() == frame.loc[meets, "event_id"].tolist()
    assert skipped == len(frame) - int(meets.sum()) > 0
    whole, none_skipped = read_parquet_events(path, registry=default_registry())
    assert none_skipped == 0
    pd.testing.assert_frame_equal(read, whole[meets.to_numpy()].reset_index(drop=True))


def test_a_file_without_covering_bbox_is_cut_by_its_geometries(tmp_path, events):
    frame = events.copy()
    frame.loc[[5, 17], "geometry"] = None
    frame.loc[[5, 17], "located"] = False
    path = tmp_path / "plain.parquet"
    frame.to_parquet(path, index=False)  # GeoParquet 1.0, no bbox column
    bounds = (36.0, 32.5, 36.6, 33.2)
    read, skipped = read_parquet_events(path, registry=default_registry(), bounds=bounds)
    meets = frame.geometry.isna() | frame.geometry.envelope.intersects(shapely.box(*bounds))
    assert read["event_id"].tolist() == frame.loc[meets, "event_id"].tolist()
    assert skipped == len(frame) - int(meets.sum()) > 0
    for covering in (False, True):  # another CRS: read whole, reprojected, box or no box
        moved = tmp_path / f"3857-{covering}.parquet"
        frame.to_crs("EPSG:3857").to_parquet(moved, index=False, write_covering_bbox=covering)
        with pytest.warns(Reprojected, match="EPSG:3857"):
            read, skipped = read_parquet_events(moved, registry=default_registry(), bounds=bounds)
        assert skipped == 0 and len(read) == len(frame)


@pytest.mark.parametrize("region", ["southern Syria", "Aleppo", "Lebanon"])
def test_load_events_from_parquet_and_geojson_agree(tmp_path, events, region):
    frame = events.assign(admin1=None)
    write_events(frame, tmp_path / "e.parquet")
    write_events(frame, tmp_path / "e.geojson")
    plan = Plan.build(region=region, until="2026-06")
    kept_pq, summary_pq = load_events([tmp_path / "e.parquet"], plan=plan)
    kept_gj, summary_gj = load_events([tmp_path / "e.geojson"], plan=plan)
    assert kept_pq["event_id"].tolist() == kept_gj["event_id"].tolist()
    assert kept_pq["admin1"].tolist() == kept_gj["admin1"].tolist()
    assert (summary_pq.read, summary_pq.filtered_out) == (summary_gj.read, summary_gj.filtered_out)
    assert summary_pq.read == len(events)


def test_typed_parquet_columns_read_as_their_text(tmp_path, events):
    """Dates, numbers and text typed in Parquet read as the same values given as text (GeoJSON)."""
    write_events(events, tmp_path / "e.parquet")
    write_events(events, tmp_path / "e.geojson")
    typed, text = read_events(tmp_path / "e.parquet"), read_events(tmp_path / "e.geojson")
    columns = [c for c in typed.columns if c != "geometry"]
    pd.testing.assert_frame_equal(pd.DataFrame(typed[columns]), pd.DataFrame(text[columns]))
    # GeoJSON has 6 decimals and polygons wound as RFC 7946 says: the same shapes within 1e-6 degrees.
    assert (shapely.hausdorff_distance(typed.geometry.to_numpy(), text.geometry.to_numpy()) < 1e-6).all()


def test_time_zones_and_out_of_range_dates_in_typed_columns(tmp_path):
    frame = gpd.GeoDataFrame(
        {
            "event_date": pd.to_datetime(["2025-01-01T23:30:00+02:00", "2025-01-02T03:00:00+02:00"]),
            "category": ["airstrike", "Air strike"],
            "fatalities": pd.array([3, None], dtype="Int64"),
        },
        geometry=shapely.points([36.1, 36.2], [33.1, 33.2]),
        crs="EPSG:4326",
    )
    frame.to_parquet(tmp_path / "tz.parquet")
    read = read_events(tmp_path / "tz.parquet")
    assert read["event_date"].tolist() == [pd.Timestamp("2025-01-01T21:30"), pd.Timestamp("2025-01-02T01:00")]
    assert read["category"].tolist() == ["airstrike", "airstrike"]
    assert read["fatalities"].tolist() == [3, pd.NA]


def test_admin_units_at_answers_as_a_spatial_join():
    """The prepared-grid lookup of admin-1 units gives the STRtree join's answers, outline included."""
    regions = default_regions()
    rng = np.random.default_rng(5)
    x, y = rng.uniform(34, 43, 20_000), rng.uniform(29, 38, 20_000)
    x[:3] = np.nan
    unit = next(r for r in regions if r.kind == "admin1" and r.country == "SY")
    corner = shapely.get_coordinates(unit.geometry)[:50]  # vertices: on the outline
    x[3:53], y[3:53] = corner[:, 0], corner[:, 1]
    admin1, country = regions.admin_units_at(x, y)
    points = shapely.points(x, y)
    tree, units = regions._admin1
    expected_unit: list[set[str]] = [set() for _ in x]
    for p, u in zip(*tree.query(points, predicate="intersects"), strict=True):
        expected_unit[p].add(units[u].name)
    for i, names in enumerate(expected_unit):
        assert (admin1[i] in names) if names else admin1[i] is None
    assert sum(a is not None for a in admin1) > 5000
    missing = [i for i, names in enumerate(expected_unit) if not names]
    tree, units = regions._countries
    found: list[set[str]] = [set() for _ in missing]
    for p, u in zip(*tree.query(points[missing], predicate="intersects"), strict=True):
        found[p].add(units[u].country)
    for k, i in enumerate(missing):
        assert (country[i] in found[k]) if found[k] else country[i] is None


def test_box_read_of_many_row_groups_skips_groups_and_keeps_text_as_text(tmp_path, events, monkeypatch):
    from conflictmap import writers

    # Events in longitude order, 250 to a row group: the box's statistics rule out most groups.
    frame = events.iloc[np.argsort(shapely.get_x(events.geometry.representative_point().to_numpy()))]
    frame = frame.reset_index(drop=True)
    frame.loc[[5, 2900], "geometry"] = None
    frame.loc[[5, 2900], "located"] = False
    monkeypatch.setattr(writers, "PARQUET_ROW_GROUP", 250)
    path = tmp_path / "sorted.parquet"
    write_events(frame, path)
    bounds = (36.0, 32.5, 36.6, 33.2)
    read, skipped = read_parquet_events(path, registry=default_registry(), bounds=bounds)
    meets = (frame.geometry.isna() | frame.geometry.envelope.intersects(shapely.box(*bounds))).to_numpy()
    assert read["event_id"].tolist() == frame.loc[meets, "event_id"].tolist()
    assert skipped == len(frame) - int(meets.sum()) > 0
    whole, _ = read_parquet_events(path, registry=default_registry())
    pd.testing.assert_frame_equal(read, whole[meets].reset_index(drop=True))  # same dtypes: text as text
    assert read["actor1"].dtype == whole["actor1"].dtype == "str"
    # Text decoded as dictionaries (what a big file's repeated columns get) reads the same.
    from conflictmap.readers import spatial

    monkeypatch.setattr(spatial, "_repeated_text", lambda *_: ["actor1", "actor2", "category", "notes"])
    as_dictionaries, _ = read_parquet_events(path, registry=default_registry(), bounds=bounds)
    pd.testing.assert_frame_equal(as_dictionaries, read)



@pytest.mark.parametrize("covering", [True, False])
def test_a_bad_value_in_a_box_read_is_named_by_its_row_in_the_file(tmp_path, covering):
    # Rows 1-5 lie far outside the box (left out), rows 6-12 inside; row 10 has a negative count.
    inside = np.arange(12) >= 5
    frame = gpd.GeoDataFrame(
        {
            "event_id": [f"e{i}" for i in range(12)],
            "event_date": pd.Timestamp("2025-03-01"),
            "category": "airstrike",
            "location": "X",
            "fatalities": [-3 if i == 9 else 1 for i in range(12)],
        },
        geometry=shapely.points(np.where(inside, 36.07, 38.5), np.where(inside, 32.7, 35.0)),
        crs="EPSG:4326",
    )
    path = tmp_path / "bad.parquet"
    frame.to_parquet(path, write_covering_bbox=covering, row_group_size=4)  # three row groups
    message = r"bad\.parquet: row 10: field 'fatalities' = -3"
    with pytest.raises(Exception, match=message):
        read_parquet_events(path, registry=default_registry(), bounds=(35.5, 32.3, 36.9, 33.3))
    with pytest.raises(Exception, match=message):
        read_parquet_events(path, registry=default_registry())

def test_repeated_text_is_told_from_distinct_text_by_the_file_metadata(tmp_path):
    import pyarrow.parquet as pq

    from conflictmap.readers.spatial import _repeated_text

    n = 20_000
    frame = pd.DataFrame({"id": [f"event-{i}" for i in range(n)], "kind": ["strike", "raid"] * (n // 2)})
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    path = tmp_path / "t.parquet"
    assert _repeated_text(pq.read_metadata(path), pq.read_schema(path)) == ["kind"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"region": "southern Syria"},
        {"region": ["Aleppo", "SY-DR"]},
        {"within": shapely.box(35.9, 32.4, 36.5, 33.0)},
        {"region": "southern Syria", "within": shapely.box(35.9, 32.4, 36.5, 33.0)},
    ],
)
def test_the_point_test_leaves_out_exactly_the_points_the_plan_leaves_out(tmp_path, events, kwargs):
    frame = events.assign(admin1=None)
    frame.loc[[3, 11], "geometry"] = None
    frame.loc[[3, 11], "located"] = False
    path = tmp_path / "e.parquet"
    write_events(frame, path)
    plan = Plan.build(**kwargs)
    test = plan.point_test()
    assert test is not None
    read, skipped = read_parquet_events(path, registry=default_registry(), bounds=plan.bounds(), points=test)
    boxed, _ = read_parquet_events(path, registry=default_registry(), bounds=plan.bounds())
    is_point = (boxed.geom_type == "Point").to_numpy()
    expected = boxed[~is_point | plan.spatial_mask(boxed)]
    assert read["event_id"].tolist() == expected["event_id"].tolist()
    assert skipped == len(frame) - len(read)
    assert (read.geom_type != "Point").any() and read.geometry.isna().sum() == 2  # areas and unlocated read
    # The run keeps the same events, with the same counts, as without the test.
    kept, summary = load_events([path], plan=plan)
    assert kept["event_id"].tolist() == execute(plan, read_events(path)).events["event_id"].tolist()
    assert (summary.read, summary.filtered_out) == (len(frame), len(frame) - len(kept))


def test_no_point_test_with_a_box_or_a_radius():
    assert Plan.build(bbox="36,32,37,33").point_test() is None
    assert Plan.build(region="southern Syria", near=(33.5, 36.3), km=20).point_test() is None
    assert Plan.build(since="2025").point_test() is None
