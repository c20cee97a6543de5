"""Issue 13: any GeoDataFrame, in any CRS, as events (to_events, the CRS rule, the API bars)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import geo
from conflictmap import (
    ConfigurationError,
    CrsError,
    Reprojected,
    filter_events,
    read_events,
    to_events,
    write_events,
)
from conflictmap.resources import data_path
from layers import event_map

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "boundaries"
PLACES = SHARED / "populated_places_levant_ne10m.geojson"
CRSS = ["EPSG:4326", "EPSG:3857", "EPSG:32637"]


@pytest.fixture(scope="module")
def truth():
    return read_events(data_path("events/seed-article.geojson"))


def _coords(frame):
    return shapely.get_coordinates(frame.geometry.to_numpy())


def test_to_events_reads_usual_names_and_keeps_other_columns():
    frame = gpd.GeoDataFrame(
        {
            "Name": ["Daraa", "Nawa"],
            "Date": ["2025-01-02", "2025-01-03"],
            "type": ["airstrike", "shelling"],
            "pop": [97969, 58000],
            "country": ["SY", "Syria"],
        },
        geometry=[shapely.Point(36.10, 32.62), shapely.Point(36.05, 32.89)],
        crs="EPSG:4326",
    )
    events = to_events(frame)
    assert events["location"].tolist() == ["Daraa", "Nawa"]
    assert events["event_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-02", "2025-01-03"]
    assert events["category"].tolist() == ["airstrike", "shelling"]
    assert events["country"].tolist() == ["SY", "SY"]
    assert events["pop"].tolist() == [97969, 58000]  # kept as it is, after the model's columns
    assert list(events.columns)[-2:] == ["pop", "geometry"]


def test_to_events_named_columns_win_and_false_means_none():
    frame = gpd.GeoDataFrame(
        {"when": ["2024-05-01"], "name": ["x"], "site": ["Beit Jinn"], "time": ["noon"]},
        geometry=[shapely.Point(35.87, 33.32)],
        crs=4326,
    )
    events = to_events(frame, date="when", location="site")
    assert events["location"].tolist() == ["Beit Jinn"]
    assert events["time"].tolist() == ["noon"] and events["name"].tolist() == ["x"]
    undated = to_events(frame, date=False, location="site")
    assert undated["event_date"].isna().all()
    with pytest.raises(ConfigurationError, match="no column 'nope'"):
        to_events(frame, date="nope")


def test_to_events_names_the_row_of_a_bad_value():
    frame = gpd.GeoDataFrame(
        {"date": ["2024-05-01", "yesterday"]}, geometry=[shapely.Point(36, 33)] * 2, crs=4326
    )
    with pytest.raises(Exception, match=r"GeoDataFrame: row 2: field 'event_date' = 'yesterday'"):
        to_events(frame)


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        (shapely.Point(np.inf, 33), r"row 3: field 'geometry' = .*outside longitude"),
        (shapely.Point(36, np.nan), r"row 3: field 'geometry' = .*outside longitude"),
        (shapely.Polygon([(36, 33), (37, 34), (37, 33), (36, 34)]), r"row 3: field 'geometry' = .*invalid"),
    ],
)
def test_points_and_areas_are_checked_together(shape, message):
    """Points in range pass without a validity test; a bad point or a bowtie among them is named."""
    shapes = [shapely.Point(36, 33), shapely.box(35.9, 32.9, 36.1, 33.1), shape, None]
    frame = gpd.GeoDataFrame({"date": ["2024-05-01"] * 4, "location": "x"}, geometry=shapes, crs=4326)
    with pytest.raises(Exception, match=message):
        to_events(frame)
    events = to_events(frame.iloc[[0, 1, 3]])
    assert events["geo_precision"].tolist() == [1, 3, pd.NA]
    assert events["located"].tolist() == [True, True, False]


@pytest.mark.parametrize("crs", CRSS[1:])
def test_a_known_crs_is_reprojected_everywhere(truth, crs, tmp_path):
    projected = truth.to_crs(crs)
    for got in (to_events(projected), geo.filter_events(projected, region="southern Syria").to_crs(4326)):
        assert got.crs.to_epsg() == 4326
    kept = geo.filter_events(projected, region="southern Syria")
    assert kept["event_id"].tolist() == geo.filter_events(truth, region="southern Syria")["event_id"].tolist()
    assert kept.crs == projected.crs  # the rows as given
    assert len(filter_events(projected, since="2025-06-01")) == len(filter_events(truth, since="2025-06-01"))
    write_events(projected, tmp_path / "out.geojson")
    back = read_events(tmp_path / "out.geojson")
    np.testing.assert_allclose(_coords(back), _coords(truth), rtol=0, atol=1e-6)
    assert isinstance(event_map(projected), folium.Map)


def test_no_crs_with_degrees_is_taken_as_lon_lat_and_metres_are_refused(truth, tmp_path):
    bare = truth.set_crs(None, allow_override=True)
    assert to_events(bare).crs.to_epsg() == 4326
    metres = truth.to_crs(3857).set_crs(None, allow_override=True)
    for call in (
        lambda: write_events(metres, tmp_path / "x.geojson"),
        lambda: geo.filter_events(metres, region="southern Syria"),
        lambda: filter_events(metres, since="2025"),
        lambda: event_map(metres),
        lambda: to_events(metres),
    ):
        with pytest.raises(CrsError, match="no CRS, and the coordinates are not longitude/latitude"):
            call()
    assert not (tmp_path / "x.geojson").exists()


def test_gpkg_in_3857_reads_as_the_4326_truth_with_a_note(truth, tmp_path):
    path = tmp_path / "events.gpkg"
    truth.to_crs(3857).to_file(
        path, driver="GPKG", layer="events", engine="pyogrio", geometry_type="Unknown", promote_to_multi=False
    )
    with pytest.warns(Reprojected, match=r"events\.gpkg: coordinates reprojected from EPSG:3857"):
        events = read_events(path)
    np.testing.assert_allclose(_coords(events), _coords(truth), rtol=0, atol=1e-6)


@pytest.mark.parametrize("fmt", ["fgb", "shp"])
def test_projected_fgb_and_shapefile_read_as_lon_lat(truth, fmt, tmp_path):
    points = truth[truth.geom_type == "Point"].reset_index(drop=True)
    path = tmp_path / f"events.{fmt}"
    write_events(points, path)
    projected = gpd.read_file(path).to_crs(32637)
    again = tmp_path / f"utm.{fmt}"
    projected.to_file(again, engine="pyogrio")
    with pytest.warns(Reprojected):
        events = read_events(again)
    events = events.sort_values("event_id").reset_index(drop=True)  # an indexed FlatGeobuf reorders
    points = points.sort_values("event_id").reset_index(drop=True)
    np.testing.assert_allclose(_coords(events), _coords(points), rtol=0, atol=1e-6)


@pytest.mark.shared_data
def test_natural_earth_places_map_as_a_folium_map():
    if not PLACES.is_file():
        pytest.skip("../shared data absent")
    frame = gpd.read_file(PLACES)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fmap = event_map(frame)
        events = to_events(frame)
    assert isinstance(fmap, folium.Map)
    assert len(events) == len(frame) and events["located"].all()
    assert events["event_date"].isna().all()
    html = fmap.get_root().render()
    assert "window.conflictmap.timeControl" not in html  # undated: no time control
    assert re.search(r'"names":\s*\["scalerank"', html)  # the frame's own columns go to the popups


def test_popup_columns_are_text_only():
    frame = gpd.GeoDataFrame(
        {"name": ["<b>x</b>"], "note": ["<img src=x onerror=alert(1)>"]},
        geometry=[shapely.Point(36, 33)],
        crs=4326,
    )
    html = event_map(frame).get_root().render()
    assert "<img src=x" not in html  # escaped in the JSON payload; the page sets it as textContent
    assert pd.notna(to_events(frame)["note"].iloc[0])
