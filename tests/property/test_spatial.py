"""The region-filter geometry core gives exactly shapely's and pyproj's answers (hypothesis).

Areas are closed sets everywhere ("covers" semantics), so points on an outline are tested on purpose:
vertices, points on edges, and lattice points on integer rectangles, which also fall on the edges of
the grid that ``PreparedArea`` lays over the area's bounds.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from unittest import mock

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from shapely import affinity

from geo import spatial
from geo.spatial import CONTAINED_TOLERANCE, PreparedArea, mask_in_area, mask_in_bbox, mask_near, union_masks

SYRIA_ADMIN1 = Path(__file__).resolve().parents[3] / "shared" / "data" / "boundaries" / "syria_admin1.geojson"
MANY = 40_000  # enough points in an area's bounds for PreparedArea to build its grid
FAST = settings(max_examples=60, deadline=None)
GEOD = pyproj.Geod(ellps="WGS84")
SEEDS = st.integers(0, 2**32 - 1)


@cache
def _governorates() -> dict[str, shapely.Geometry]:
    frame = gpd.read_file(SYRIA_ADMIN1)
    frame = frame[frame["iso_3166_2_derived"].notna()]
    return dict(zip(frame["iso_3166_2_derived"], frame.geometry, strict=True))


def governorates() -> dict[str, shapely.Geometry]:
    if not SYRIA_ADMIN1.is_file():
        pytest.skip(f"{SYRIA_ADMIN1} is not present")
    return _governorates()


SUFFIXES = ("DI", "DR", "DY", "HA", "HI", "HL", "HM", "ID", "LA", "QU", "RA", "RD", "SU", "TA")
CODES = st.sampled_from([f"SY-{suffix}" for suffix in SUFFIXES])


# --- synthetic areas (never need the shared data) -----------------------------------------------


@st.composite
def rectangles(draw, *, low: int = 0, high: int = 16):
    """An integer rectangle, possibly with a rectangular hole, or two of them as a MultiPolygon."""

    def rect():
        x0, x1 = sorted(draw(st.lists(st.integers(low, high), min_size=2, max_size=2, unique=True)))
        y0, y1 = sorted(draw(st.lists(st.integers(low, high), min_size=2, max_size=2, unique=True)))
        return x0, y0, x1, y1

    x0, y0, x1, y1 = rect()
    outer = shapely.box(x0, y0, x1, y1)
    kind = draw(st.sampled_from(["plain", "hole", "multi"]))
    if kind == "hole" and x1 - x0 >= 3 and y1 - y0 >= 3:
        return shapely.Polygon(outer.exterior, [shapely.box(x0 + 1, y0 + 1, x1 - 1, y1 - 1).exterior])
    if kind == "multi":
        other = shapely.box(*rect())
        assume(not other.intersects(outer))
        return shapely.MultiPolygon([outer, other])
    return outer


@st.composite
def stars(draw):
    """A star-shaped polygon with float vertices around a random centre, with a hole or a twin."""
    rng = np.random.default_rng(draw(SEEDS))
    n = draw(st.integers(3, 60))
    cx, cy = rng.uniform(-170, 170), rng.uniform(-80, 80)
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = rng.uniform(0.2, 3.0, n)
    shell = np.column_stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)])
    polygon = shapely.Polygon(shell)
    assume(polygon.is_valid and polygon.area > 1e-3)
    kind = draw(st.sampled_from(["plain", "hole", "multi"]))
    if kind == "hole":
        hole = shapely.box(cx - 0.05, cy - 0.05, cx + 0.05, cy + 0.05)
        assume(polygon.contains(hole))
        return shapely.Polygon(polygon.exterior, [hole.exterior])
    if kind == "multi":
        return shapely.MultiPolygon([polygon, affinity.translate(polygon, xoff=7.0)])
    return polygon


def _points_near(area, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Random points over the area's bounds (grown by a fifth), plus its vertices and edge points."""
    west, south, east, north = area.bounds
    dx, dy = (east - west) / 5, (north - south) / 5
    x = rng.uniform(west - dx, east + dx, n)
    y = rng.uniform(south - dy, north + dy, n)
    vertices = shapely.get_coordinates(area)
    t = rng.uniform(0, 1, len(vertices) - 1)[:, None]
    on_edges = vertices[:-1] + t * (vertices[1:] - vertices[:-1])
    extra = np.concatenate([vertices, on_edges])
    return np.concatenate([x, extra[:, 0]]), np.concatenate([y, extra[:, 1]])


def _lattice(area, *, step: float) -> tuple[np.ndarray, np.ndarray]:
    west, south, east, north = area.bounds
    x = np.arange(west - 1, east + 1 + step, step)
    y = np.arange(south - 1, north + 1 + step, step)
    x, y = np.meshgrid(x, y)
    return x.ravel(), y.ravel()


def _assert_like_shapely(area, x: np.ndarray, y: np.ndarray) -> None:
    truth = shapely.intersects_xy(area, x, y)
    points = shapely.points(x, y)
    assert np.array_equal(truth, shapely.covers(area, points))
    assert np.array_equal(mask_in_area(points, area), truth)
    assert np.array_equal(PreparedArea(area).contains_xy(x, y), truth)


# --- points in areas ----------------------------------------------------------------------------


@FAST
@given(area=st.one_of(rectangles(), stars()), seed=SEEDS, many=st.booleans())
def test_points_kept_exactly_when_shapely_says_covered(area, seed, many):
    x, y = _points_near(area, np.random.default_rng(seed), MANY if many else 50)
    _assert_like_shapely(area, x, y)


@FAST
@given(area=rectangles(), step=st.sampled_from([0.5, 0.25, 0.125, 1 / 32]), grid=st.booleans())
def test_lattice_points_on_outlines_and_grid_edges(area, step, grid):
    # Integer rectangles put lattice points on the outline and, as grids over integer bounds have
    # cells of simple fractions, on the edges of grid cells: force a grid for few points too.
    x, y = _lattice(area, step=step)
    with mock.patch.object(spatial, "_GRID_MIN_POINTS", 0 if grid else spatial._GRID_MIN_POINTS):
        _assert_like_shapely(area, x, y)


@FAST
@given(
    west=st.floats(-170, 160),
    width=st.floats(0.5, 10),
    pick=st.integers(0, 10**6),
    right=st.booleans(),
    seed=SEEDS,
)
def test_outline_a_hair_beside_a_grid_edge(west, width, pick, right, seed):
    # A wall one ulp beside an edge of the grid PreparedArea lays over the bounds, and points a few
    # ulps around the wall: rounding can put such a point in the neighbouring cell, whose class
    # then says nothing about it, so it must go to the exact test.
    east, rows = west + width, 3000
    step = width * 1e-7
    frame = shapely.box(west, 0, east, 1)
    grid = spatial._build_grid(frame, frame.bounds, 7 * rows)
    nx = len(grid.xedges) - 1
    wall = np.nextafter(grid.xedges[1 + pick % (nx - 1)], np.inf if right else -np.inf)
    if right:
        area = shapely.MultiPolygon([shapely.box(wall, 0, east, 1), shapely.box(west, 0, west + step, step)])
    else:
        area = shapely.MultiPolygon([shapely.box(west, 0, wall, 1), shapely.box(east - step, 0, east, step)])
    assert area.bounds == frame.bounds
    x = [wall]
    for _ in range(3):
        x = [np.nextafter(x[0], -np.inf), *x, np.nextafter(x[-1], np.inf)]
    y = np.random.default_rng(seed).uniform(0.01, 0.99, rows)
    x, y = np.meshgrid(np.array(x), y)
    _assert_like_shapely(area, x.ravel(), y.ravel())


@FAST
@given(area=rectangles(), nx=st.integers(1, 12), ny=st.integers(1, 12))
def test_every_cell_the_outline_meets_is_touched(area, nx, ny):
    west, south, east, north = area.bounds
    xedges, yedges = np.linspace(west, east, nx + 1), np.linspace(south, north, ny + 1)
    touched = spatial._touched_cells(area, xedges, yedges)
    for j in range(ny):
        for i in range(nx):
            cell = shapely.box(xedges[i], yedges[j], xedges[i + 1], yedges[j + 1])
            assert touched[j, i] or not cell.intersects(area.boundary), (i, j)


@pytest.mark.shared_data
@FAST
@given(code=CODES, seed=SEEDS, many=st.booleans())
def test_governorate_points_like_shapely(code, seed, many):
    area = governorates()[code]
    x, y = _points_near(area, np.random.default_rng(seed), MANY if many else 200)
    _assert_like_shapely(area, x, y)


def test_prepared_area_reused_and_grid_rebuilt_for_more_points():
    area = shapely.Polygon([(0, 0), (10, 0), (10, 10), (5, 4), (0, 10)], [[(1, 1), (2, 1), (2, 2), (1, 1)]])
    prepared = PreparedArea(area)
    prepared.contains_xy(np.arange(50.0), np.arange(50.0))
    assert not shapely.is_prepared(area)  # the caller's geometry is left alone
    rng = np.random.default_rng(3)
    for n in (30, 25_000, 25_000, 400_000, 50):
        x, y = rng.uniform(-1, 11, n), rng.uniform(-1, 11, n)
        assert np.array_equal(prepared.contains_xy(x, y), shapely.intersects_xy(area, x, y))


# --- unions of areas ----------------------------------------------------------------------------


@FAST
@given(first=rectangles(), second=rectangles(), step=st.sampled_from([0.5, 0.25]))
def test_union_of_rectangles_is_union_of_masks(first, second, step):
    union = shapely.union(first, second)
    x, y = _lattice(union, step=step)
    points = shapely.points(x, y)
    both = union_masks(mask_in_area(points, first), mask_in_area(points, second))
    assert np.array_equal(both, mask_in_area(points, first) | mask_in_area(points, second))
    assert np.array_equal(both, mask_in_area(points, union))


@pytest.mark.shared_data
@FAST
@given(codes=st.lists(CODES, min_size=2, max_size=3, unique=True), seed=SEEDS)
def test_union_of_governorates_is_union_of_masks(codes, seed):
    parts = [governorates()[code] for code in codes]
    union = shapely.union_all(parts)
    x, y = _points_near(union, np.random.default_rng(seed), MANY)
    points = shapely.points(x, y)
    # Overlay rounds the union's vertices: compare away from every outline.
    clear = ~np.logical_or.reduce([shapely.dwithin(part.boundary, points, 1e-7) for part in parts])
    each = union_masks(*(mask_in_area(points, part) for part in parts))
    assert np.array_equal(each[clear], mask_in_area(points, union)[clear])


@pytest.mark.shared_data
def test_southern_syria_is_daraa_suwayda_quneitra():
    parts = [governorates()[code] for code in ("SY-DR", "SY-SU", "SY-QU")]
    rng = np.random.default_rng(11)
    points = shapely.points(rng.uniform(35.5, 37.6, 200_000), rng.uniform(32.2, 33.4, 200_000))
    south = PreparedArea(shapely.union_all(parts))
    clear = ~np.logical_or.reduce([shapely.dwithin(part.boundary, points, 1e-7) for part in parts])
    each = union_masks(*(mask_in_area(points, part) for part in parts))
    assert np.array_equal(each[clear], mask_in_area(points, south)[clear])


# --- non-point events ---------------------------------------------------------------------------


@st.composite
def shapes_near(draw, area):
    """Assorted events around an area, some anchored on its vertices (on the outline)."""
    rng = np.random.default_rng(draw(SEEDS))
    west, south, east, north = area.bounds
    vertices = shapely.get_coordinates(area)
    shapes = []
    for _ in range(draw(st.integers(1, 40))):
        x, y = rng.uniform(west - 1, east + 1), rng.uniform(south - 1, north + 1)
        if draw(st.booleans()):
            x, y = vertices[rng.integers(len(vertices))]
        w, h = rng.uniform(0.01, (east - west) / 2 + 0.01), rng.uniform(0.01, (north - south) / 2 + 0.01)
        kind = draw(
            st.sampled_from(["box", "triangle", "multi", "point", "points", "repeat", "line", "stub"])
        )
        box = shapely.box(x, y, x + w, y + h)
        shapes.append(
            {
                "box": box,
                "triangle": shapely.Polygon([(x, y), (x + w, y), (x, y + h)]),
                "multi": shapely.MultiPolygon([box, shapely.box(x - 2, y, x - 1, y + h)]),
                "point": shapely.Point(x, y),
                "points": shapely.MultiPoint([(x, y), (x + w, y + h)]),
                "repeat": shapely.MultiPoint([(x, y), (x, y)]),  # one location: takes the point path
                "line": shapely.LineString([(x, y), (x + w, y - h)]),
                "stub": shapely.LineString([(x, y), (x, y)]),
            }[kind]
        )
        if draw(st.integers(0, 9)) == 0:
            shapes.append(
                draw(st.sampled_from([None, shapely.Point(), shapely.Polygon(), shapely.MultiPoint()]))
            )
    return np.array(shapes, dtype=object)


@FAST
@given(data=st.data(), area=st.one_of(rectangles(), stars()))
def test_shapes_intersect_or_are_covered_like_shapely(data, area):
    shapes = data.draw(shapes_near(area))
    intersects = shapely.intersects(area, shapes)
    covers = shapely.covers(area, shapes)
    assert np.array_equal(mask_in_area(shapes, area), intersects)
    # "contained": covered, or a polygon with at most CONTAINED_TOLERANCE of its surface outside.
    surface = shapely.area(shapes)
    outside = shapely.area(shapely.difference(shapes, area))
    nearly = intersects & (surface > 0) & (outside <= CONTAINED_TOLERANCE * surface)
    assert np.array_equal(mask_in_area(shapes, area, contained=True), covers | nearly)
    assert np.array_equal(mask_in_area(gpd.GeoSeries(shapes, crs=4326), PreparedArea(area)), intersects)
    assert not (covers & ~intersects).any()


def test_mixed_events_and_inputs():
    area = shapely.box(36.0, 33.0, 37.0, 34.0)
    events = [
        shapely.Point(36.3, 33.5),
        shapely.Point(),
        None,
        shapely.box(36.9, 33.9, 37.5, 34.5),
        shapely.box(36.1, 33.1, 36.2, 33.2),
        shapely.Point(37.0, 34.0),
        shapely.Point(np.nan, np.nan),
        shapely.MultiPoint([(36.5, 33.5), (38.0, 33.5)]),
        shapely.MultiPoint([(36.5, 33.5), (36.5, 33.5)]),
    ]
    expected = [True, False, False, True, True, True, False, True, True]
    assert mask_in_area(events, area).tolist() == expected
    inside = [True, False, False, False, True, True, False, False, True]
    assert mask_in_area(events, area, contained=True).tolist() == inside
    frame = gpd.GeoDataFrame({"n": range(len(events))}, geometry=events, crs="EPSG:4326")
    assert mask_in_area(frame, area).tolist() == expected
    assert mask_in_area([], area).tolist() == []
    assert mask_in_area(frame.set_crs("OGC:CRS84", allow_override=True), area).tolist() == expected
    with pytest.raises(ValueError, match="EPSG:4326"):
        mask_in_area(frame.to_crs(3857), area)
    with pytest.raises(TypeError, match="Polygon or MultiPolygon"):
        mask_in_area(events, shapely.Point(1, 2))


# --- boxes --------------------------------------------------------------------------------------

LON = st.integers(-1800, 1800).map(lambda v: v / 10)
LAT = st.integers(-900, 900).map(lambda v: v / 10)


@FAST
@given(west=LON, east=LON, lats=st.lists(LAT, min_size=2, max_size=2), seed=SEEDS)
def test_bbox_is_a_plain_comparison_across_the_antimeridian(west, east, lats, seed):
    south, north = sorted(lats)
    rng = np.random.default_rng(seed)
    edges = rng.choice([west, east], 50), rng.choice([south, north], 50)
    lon = np.concatenate([rng.uniform(-180, 180, 3000), [west, east, -180, 180], edges[0]])
    lat = np.concatenate([rng.uniform(-90, 90, 3000), [south, north, 0, 0], edges[1]])
    in_lon = (lon >= west) & (lon <= east) if west <= east else (lon >= west) | (lon <= east)
    expected = in_lon & (lat >= south) & (lat <= north)
    assert np.array_equal(mask_in_bbox(shapely.points(lon, lat), (west, south, east, north)), expected)


@FAST
@given(west=LON, east=LON, lats=st.lists(LAT, min_size=2, max_size=2, unique=True), data=st.data())
def test_bbox_shapes_like_shapely(west, east, lats, data):
    south, north = sorted(lats)
    assume(west != east)
    spans = [(west, east)] if west < east else [(west, 180.0), (-180.0, east)]
    box = shapely.union_all([shapely.box(w, south, e, north) for w, e in spans if w < e])
    shapes = data.draw(
        shapes_near(
            shapely.box(max(west, -179), south, min(east, 179), north)
            if west < east
            else shapely.box(-179, south, 179, north)
        )
    )
    assert np.array_equal(mask_in_bbox(shapes, (west, south, east, north)), shapely.intersects(box, shapes))
    assert np.array_equal(
        mask_in_bbox(shapes, (west, south, east, north), contained=True), shapely.covers(box, shapes)
    )


@pytest.mark.parametrize(
    "bbox", [(0, 0, 1), (0, 1, 1, 0), (0, 0, 181, 1), (0, -91, 1, 0), (0, 0, np.nan, 1), "abcd"]
)
def test_bad_bbox(bbox):
    with pytest.raises(ValueError, match="bbox"):
        mask_in_bbox([shapely.Point(0, 0)], bbox)


# --- distances ----------------------------------------------------------------------------------


def _geod_m(lat: float, lon: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    n = len(x)
    return GEOD.inv(np.full(n, lon), np.full(n, lat), x, y)[2]


@FAST
@given(lat=st.floats(-89.5, 89.5), lon=st.floats(-180, 180), km=st.floats(0.05, 3000), seed=SEEDS)
def test_near_points_like_geod_and_monotone_in_km(lat, lon, km, seed):
    rng = np.random.default_rng(seed)
    n = 5000
    reach = 3 * km / 111
    y = np.clip(lat + rng.uniform(-reach, reach, n), -90, 90)
    x = (lon + rng.uniform(-reach, reach, n) / max(math.cos(math.radians(lat)), 0.05) + 180) % 360 - 180
    # Points just inside and just outside the radius, and the centre itself.
    az = rng.uniform(-180, 180, 100)
    fx, fy, _ = GEOD.fwd(np.full(100, lon), np.full(100, lat), az, np.full(100, km * 1000))
    x = np.concatenate([x, fx, [lon]])
    y = np.concatenate([y, fy, [lat]])
    points = shapely.points(x, y)
    mask = mask_near(points, lat=lat, lon=lon, km=km)
    assert np.array_equal(mask, _geod_m(lat, lon, x, y) <= km * 1000.0)
    assert mask[-1]
    smaller = mask_near(points, lat=lat, lon=lon, km=km / 2)
    assert not (smaller & ~mask).any()


@FAST
@given(lat=st.floats(-60, 60), lon=st.floats(-160, 160), km=st.floats(1, 300), seed=SEEDS)
def test_near_shapes(lat, lon, km, seed):
    rng = np.random.default_rng(seed)
    deg = km / 111
    shapes = [
        shapely.box(lon + a, lat + b, lon + a + w, lat + b + h)
        for a, b, w, h in zip(
            rng.uniform(-3 * deg, 3 * deg, 30),
            rng.uniform(-3 * deg, 3 * deg, 30),
            rng.uniform(0.01, 2 * deg, 30),
            rng.uniform(0.01, 2 * deg, 30),
            strict=True,
        )
    ]
    shapes = np.array(shapes, dtype=object)
    coords, index = shapely.get_coordinates(shapes, return_index=True)
    dist = _geod_m(lat, lon, coords[:, 0], coords[:, 1])
    worst, best = np.zeros(len(shapes)), np.full(len(shapes), np.inf)
    np.maximum.at(worst, index, dist)
    np.minimum.at(best, index, dist)
    inside = mask_near(shapes, lat=lat, lon=lon, km=km, contained=True)
    near = mask_near(shapes, lat=lat, lon=lon, km=km)
    assert np.array_equal(inside, worst <= km * 1000.0)
    assert near[best <= km * 1000.0].all()
    assert near[shapely.intersects_xy(shapes, lon, lat)].all()
    assert not (inside & ~near).any()
    assert not (mask_near(shapes, lat=lat, lon=lon, km=km / 2) & ~near).any()
    # The nearest of many points along the outline is within 1 % of the nearest point: shapes
    # clearly nearer are kept, shapes clearly farther (and not around the centre) are not.
    dense = shapely.segmentize(shapes, max_segment_length=deg / 200)
    coords, index = shapely.get_coordinates(dense, return_index=True)
    nearest = np.full(len(shapes), np.inf)
    np.minimum.at(nearest, index, _geod_m(lat, lon, coords[:, 0], coords[:, 1]) / 1000)
    assert near[nearest <= km * 0.99].all()
    assert not near[(nearest > km * 1.02) & ~shapely.intersects_xy(shapes, lon, lat)].any()


def test_near_edge_passing_close_between_far_vertices():
    # A long bar 20 km north of the centre: every vertex is hundreds of km away.
    bar = shapely.box(30.0, 33.5 + 20 / 111, 42.0, 33.5 + 21 / 111)
    assert mask_near([bar], lat=33.5, lon=36.0, km=25).tolist() == [True]
    assert mask_near([bar], lat=33.5, lon=36.0, km=15).tolist() == [False]
    assert mask_near([bar], lat=33.5, lon=36.0, km=25, contained=True).tolist() == [False]


@pytest.mark.parametrize(
    ("lat", "lon", "km"),
    [
        (0, 0, 0),
        (0, 0, -1),
        (0, 0, np.nan),
        (0, 0, np.inf),
        (91, 0, 1),
        (0, 181, 1),
        (np.nan, 0, 1),
        (0, -180.5, 1),
    ],
)
def test_bad_centre_or_radius(lat, lon, km):
    with pytest.raises(ValueError, match=r"km|lat|lon"):
        mask_near([shapely.Point(0, 0)], lat=lat, lon=lon, km=km)


@pytest.mark.parametrize(("lat", "lon", "km"), [(0, 0, "5"), ("0", 0, 1), (0, None, 1), (0, 0, True)])
def test_centre_or_radius_of_wrong_type(lat, lon, km):
    with pytest.raises(TypeError, match=r"km|lat|lon"):
        mask_near([shapely.Point(0, 0)], lat=lat, lon=lon, km=km)


# --- x is longitude -----------------------------------------------------------------------------


def test_x_is_longitude_synthetic():
    damascus = shapely.box(36.18, 33.46, 36.36, 33.57)
    events = [shapely.Point(36.3, 33.5), shapely.Point(33.5, 36.3)]  # (lon, lat), then swapped
    assert mask_in_area(events, damascus).tolist() == [True, False]
    assert mask_near(events, lat=33.51, lon=36.29, km=10).tolist() == [True, False]
    assert mask_in_bbox(events, damascus.bounds).tolist() == [True, False]


@pytest.mark.shared_data
def test_x_is_longitude_in_damascus_polygons():
    areas = governorates()
    events = [shapely.Point(36.3, 33.5), shapely.Point(33.5, 36.3)]  # (lon, lat), then swapped
    for area in (areas["SY-DI"], shapely.union(areas["SY-DI"], areas["SY-RD"])):
        assert mask_in_area(events, area).tolist() == [True, False]
        lon, lat = np.array([36.3, 33.5]), np.array([33.5, 36.3])
        assert PreparedArea(area).contains_xy(lon, lat).tolist() == [True, False]


# --- masks --------------------------------------------------------------------------------------


@FAST
@given(
    masks=st.integers(1, 5).flatmap(
        lambda k: st.lists(st.lists(st.booleans(), min_size=7, max_size=7), min_size=k, max_size=k)
    )
)
def test_union_masks_is_elementwise_or(masks):
    expected = [any(column) for column in zip(*masks, strict=True)]
    assert union_masks(*masks).tolist() == expected


def test_union_masks_rejects_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        union_masks()
    with pytest.raises(ValueError, match="one shape"):
        union_masks([True], [True, False])
    with pytest.raises(TypeError, match="boolean"):
        union_masks([1, 0])
