"""Region filters on the shipped regions agree with plain geometry (hypothesis).

``geo.filters.filter_events`` with the real governorates of Syria and the composite "southern
Syria", looked up by the names users write: a kept event lies in the region and a dropped one does
not; two regions keep the union; a box keeps what a coordinate comparison keeps; and a located
place name becomes a point whose x is the place's longitude. Points are random over Syria and its
neighbours, plus outline vertices of the region under test (on the outline counts as inside), and
sometimes many of them, so that the grid and the coordinate cache of ``geo.spatial`` take part.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conflictmap.schema import COLUMNS, WGS84, conform
from geo.filters import filter_events
from geo.locate import locate_events
from geo.regions import default_regions
from geo.resolve import Resolver

# The names a user writes, and the region each must mean.
REGION_NAMES = {
    "Damascus": "SY-DI",
    "Rif Dimashq": "SY-RD",
    "Dar'a": "SY-DR",
    "Sweida": "SY-SU",
    "Quneitra": "SY-QU",
    "Hama": "SY-HM",
    "Homs": "SY-HI",
    "Aleppo": "SY-HL",
    "Idlib": "SY-ID",
    "Latakia": "SY-LA",
    "Tartus": "SY-TA",
    "Raqqa": "SY-RA",
    "Deir ez-Zor": "SY-DY",
    "Hasakah": "SY-HA",
    "southern Syria": "southern-syria",
}
NAMES = st.sampled_from(sorted(REGION_NAMES))
WEST, SOUTH, EAST, NORTH = 35.0, 32.0, 42.5, 37.5
# Coordinates on a 0.01° lattice: points often fall exactly on the edges of lattice boxes.
LON = st.integers(int(WEST * 100), int(EAST * 100)).map(lambda v: v / 100)
LAT = st.integers(int(SOUTH * 100), int(NORTH * 100)).map(lambda v: v / 100)
MANY = 25_000  # more points than geo.spatial needs to build its grid and cache coordinates
TOWNS = ("Damascus", "Sweida", "Daraa", "Quneitra", "Aleppo", "Beirut", "Tyre", "Amman", "Irbid",
         "Baghdad", "Mosul", "Gaziantep", "Latakia", "Qamishli")  # fmt: skip
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module", autouse=True)
def _cache_dir(gazetteer_cache: Path):
    """Keep the gazetteer index out of ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONFLICTMAP_CACHE_DIR", str(gazetteer_cache))
        yield


def events_at(geometries: list, *, locations: list | None = None) -> gpd.GeoDataFrame:
    """An event collection with these geometries (None: unlocated) and optional place names."""
    n = len(geometries)
    frame = pd.DataFrame({name: [None] * n for name in COLUMNS})
    frame["event_id"] = [f"e{i}" for i in range(n)]
    frame["event_date"] = pd.Timestamp("2025-01-01")
    frame["date_end"] = pd.to_datetime(frame["date_end"])
    frame["time_precision"] = 1
    frame["category"] = "shelling"
    frame["located"] = [g is not None for g in geometries]
    frame["geo_precision"] = [1 if g is not None else None for g in geometries]
    if locations is not None:
        frame["location"] = locations
    frame["geometry"] = geometries
    return conform(gpd.GeoDataFrame(frame, geometry="geometry", crs=WGS84))


@st.composite
def point_sets(draw, *, outline_of: str | None = None) -> list:
    """Random points in the box, vertices of a region's outline, and sometimes many more."""
    points = draw(st.lists(st.builds(shapely.Point, LON, LAT), max_size=40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if outline_of is not None:
        vertices = shapely.get_coordinates(default_regions()[outline_of].geometry)
        picked = vertices[rng.choice(len(vertices), size=min(60, len(vertices)), replace=False)]
        points += list(shapely.points(picked))
    if draw(st.integers(0, 2)) == 0:
        many = np.column_stack([rng.uniform(WEST, EAST, MANY), rng.uniform(SOUTH, NORTH, MANY)])
        points += list(shapely.points(many))
    if draw(st.booleans()):
        points.append(None)  # an unlocated event: no spatial filter keeps it
    order = rng.permutation(len(points))
    return [points[i] for i in order]


def as_array(points: list) -> np.ndarray:
    out = np.empty(len(points), dtype=object)
    out[:] = points
    return out


def kept_ids(events: gpd.GeoDataFrame, **filters) -> list[str]:
    return filter_events(events, **filters)["event_id"].tolist()


@pytest.mark.parametrize(("name", "region_id"), sorted(REGION_NAMES.items()))
def test_region_names_mean_the_expected_regions(name, region_id):
    assert default_regions().find(name).region_id == region_id


@SETTINGS
@given(data=st.data(), name=NAMES)
def test_kept_events_lie_in_the_region_and_dropped_ones_do_not(data, name):
    region = default_regions().find(name)
    points = data.draw(point_sets(outline_of=region.region_id))
    events = events_at(points)

    kept = filter_events(events, region=name)

    inside = shapely.covers(region.geometry, as_array(points))  # None is never covered
    assert kept["event_id"].tolist() == events["event_id"][inside].tolist()  # a subset, in order
    assert kept.geometry.geom_equals_exact(events.geometry[inside], tolerance=0).all()
    # Points have no extent: wholly inside and touching are the same for them.
    assert kept_ids(events, region=name, contained=True) == kept["event_id"].tolist()


@SETTINGS
@given(data=st.data(), first=NAMES, second=NAMES)
def test_two_regions_keep_the_union_of_each(data, first, second):
    events = events_at(data.draw(point_sets(outline_of=REGION_NAMES[first])))

    either = set(kept_ids(events, region=first)) | set(kept_ids(events, region=second))
    both = kept_ids(events, region=[first, second])

    assert both == [e for e in events["event_id"] if e in either]
    assert kept_ids(events, region=[second, first]) == both


@st.composite
def boxes(draw) -> tuple[float, float, float, float]:
    west, east = sorted(draw(st.lists(LON, min_size=2, max_size=2, unique=True)))
    south, north = sorted(draw(st.lists(LAT, min_size=2, max_size=2, unique=True)))
    return west, south, east, north


@SETTINGS
@given(points=point_sets(), box=boxes())
def test_bbox_keeps_what_a_coordinate_comparison_keeps(points, box):
    west, south, east, north = box
    events = events_at(points)

    geoms = as_array(points)
    lon, lat = shapely.get_x(geoms), shapely.get_y(geoms)  # NaN for None: compares False
    inside = (west <= lon) & (lon <= east) & (south <= lat) & (lat <= north)
    expected = events["event_id"][inside].tolist()

    assert kept_ids(events, bbox=box) == expected
    assert kept_ids(events, bbox=",".join(map(str, box))) == expected


@settings(max_examples=30, deadline=None)
@given(names=st.lists(st.sampled_from(TOWNS), min_size=1, max_size=4))
@example(names=["Damascus"])
@example(names=["Sweida", "Amman"])  # found by this test: "Amman" became a Syrian village
def test_located_places_are_points_with_x_the_longitude(names):
    events = events_at([None] * len(names), locations=names)

    located, report = locate_events(events)

    regions = default_regions()
    for name, point, row in zip(names, located.geometry, located.itertuples(), strict=True):
        resolution = report.resolutions[name]
        place = resolution.place
        assert row.located
        assert row.place_id == place.place_id
        if resolution.kind != "point":  # a name can mean an area in some inputs
            continue
        assert point.geom_type == "Point"
        assert (point.x, point.y) == (place.lon, place.lat)
        west, south, east, north = regions[place.country].bbox
        assert west <= point.x <= east and south <= point.y <= north
    if len(set(names)) == 1:  # alone, a name means what the resolver says it means
        place = Resolver().resolve(names[0]).place
        assert (located.geometry[0].x, located.geometry[0].y) == (place.lon, place.lat)
