"""The fast geometry core of region filtering: masks of the events inside an area, a box or a radius.

Every mask function takes event geometries (a GeoSeries, a GeoDataFrame, any array-like of shapely
geometries or a :class:`PreparedPoints`, in EPSG:4326 with ``x`` = longitude and ``y`` = latitude)
and returns a boolean NumPy mask aligned with them by position. Missing and empty geometries are never kept.

Points take a fast path by their coordinates. Areas are closed sets ("covers" semantics): a point on
the outline of an area, of a box or exactly ``km`` away counts as inside. The answers for points are
exactly those of shapely (``shapely.intersects_xy``) and pyproj (``Geod.inv``); only the work done to
reach them is cut down:

- the coordinates of all points are read in one pass (``shapely.bounds``);
- a bounding-box prefilter in NumPy;
- for many points, a grid over the area's bounds whose cells are classified once as inside, outside
  or touched by the outline; only points in touched cells get an exact point-in-polygon test.

Repeated filters of the same events are cheaper still:

- :class:`PreparedPoints` reads the coordinates once and orders the points by longitude, so the
  prefilter of a box only looks at the points between its west and east edges (an explicit
  snapshot: editing the frame afterwards does not change it);
- :class:`PreparedArea` prepares an area once (with its grid) for many calls.

Other geometries are tested one by one with shapely's predicates against the prepared area.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from conflictmap.errors import short_repr
from conflictmap.schema import WGS84

__all__ = [
    "PreparedArea",
    "PreparedPoints",
    "mask_in_area",
    "mask_in_bbox",
    "mask_near",
    "union_masks",
]

GeometriesLike: TypeAlias = gpd.GeoSeries | gpd.GeoDataFrame | np.ndarray | Sequence[BaseGeometry | None]
BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]
IndexArray = NDArray[np.intp]

#: Share of an event area that may lie outside a region it is "contained" in (source slivers).
CONTAINED_TOLERANCE = 0.01
_GRID_MIN_POINTS = 5_000  # below this many candidate points, exact tests beat building a grid
_GRID_MAX_CELLS = 1 << 18
_INSIDE, _OUTSIDE, _TOUCHED = np.uint8(1), np.uint8(0), np.uint8(2)
_GEOD = pyproj.Geod(ellps="WGS84")
# The smallest meridional radius of curvature of WGS84, a(1 - e²) at the equator: no two points
# whose latitudes differ by Δφ radians are closer than this times Δφ.
_MERIDIAN_RADIUS_MIN = _GEOD.a * (1 - _GEOD.es)
_DENSIFY_DEG = 0.01  # edges of non-point events are measured through vertices this far apart
_LON_BUCKETS = 1 << 16  # buckets of the longitude order: a box's edges fall in two of them


@dataclass(frozen=True)
class _Points:
    """The coordinates of the points among some geometries (see :func:`_read_points`).

    Read afresh, ``x[i]``/``y[i]`` belong to row ``i`` and are NaN for any other geometry, and
    ``rows`` is None. Ordered by longitude, they hold the points only, ``rows`` gives the row of
    each, and the points of bucket ``b`` (see :meth:`bucket`) are ``starts[b]:starts[b + 1]``.
    """

    x: FloatArray
    y: FloatArray
    others: IndexArray  # rows that are not points: other geometries, None and empty ones
    count: int  # the number of rows
    rows: IndexArray | None = None
    starts: IndexArray | None = None
    origin: float = 0.0
    scale: float = 0.0

    def bucket(self, lon: float) -> int:
        """Return the bucket of a longitude: monotone in ``lon``, and the same as for a point there."""
        if self.scale == 0:
            return 0
        return int(min(max((lon - self.origin) * self.scale, 0.0), _LON_BUCKETS - 1))


@dataclass(frozen=True)
class _Grid:
    """Cells over an area's bounds, each inside, outside or touched by the outline."""

    xedges: FloatArray
    yedges: FloatArray
    cells: NDArray[np.uint8]  # flat, row-major: cell (i, j) at j * nx + i
    points: int  # the number of points it was sized for


class PreparedArea:
    """An area (Polygon/MultiPolygon, EPSG:4326 lon/lat) prepared for fast repeated point tests.

    A point on the outline counts as inside ("covers" semantics, as ``shapely.intersects_xy``); so
    does a point on an outline shared by two parts of a MultiPolygon.

    The first test of many points (5,000 or more within the bounds) also classifies the cells of a
    grid over the bounds, which later tests reuse: keep one ``PreparedArea`` for repeated filters.

    Parameters
    ----------
    area
        The area, in EPSG:4326 (``x`` = longitude). It is copied, never modified.

    Attributes
    ----------
    area
        A prepared copy of the area.
    bounds
        ``(west, south, east, north)`` of the area; NaN for an empty area.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> square = PreparedArea(shapely.box(36.0, 33.0, 37.0, 34.0))
    >>> square.contains_xy(np.array([36.3, 33.5, 37.0]), np.array([33.5, 36.3, 34.0])).tolist()
    [True, False, True]
    """

    area: BaseGeometry
    bounds: tuple[float, float, float, float]

    def __init__(self, area: BaseGeometry) -> None:
        if not isinstance(area, Polygon | MultiPolygon):
            msg = f"an area must be a shapely Polygon or MultiPolygon, not {type(area).__name__}"
            raise TypeError(msg)
        self.area = shapely.transform(area, lambda coords: coords)
        shapely.prepare(self.area)
        west, south, east, north = (float(v) for v in shapely.bounds(self.area))
        self.bounds = (west, south, east, north)
        self._grid: _Grid | None = None

    def __repr__(self) -> str:
        return f"PreparedArea(bounds={self.bounds}, vertices={shapely.get_num_coordinates(self.area)})"

    def contains_xy(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Test which points (longitude ``x``, latitude ``y``) lie in the area or on its outline.

        Parameters
        ----------
        x, y
            Longitudes and latitudes, of one shape.

        Returns
        -------
        numpy.ndarray
            Boolean mask of that shape, equal to ``shapely.intersects_xy(area, x, y)``.
        """
        x, y = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        west, south, east, north = self.bounds
        mask = np.zeros(x.shape, dtype=bool)
        inbox = (x >= west) & (x <= east) & (y >= south) & (y <= north)
        mask[inbox] = self._contains_boxed(x[inbox], y[inbox])
        return mask

    def _contains_boxed(self, x: FloatArray, y: FloatArray) -> BoolArray:
        """Exact test of 1-d arrays of points already known to lie within :attr:`bounds`."""
        if len(x) < _GRID_MIN_POINTS:
            return shapely.intersects_xy(self.area, x, y)
        grid = self._grid_for(len(x))
        if grid is None:
            return shapely.intersects_xy(self.area, x, y)
        cell = _locate(grid, x, y)
        mask = cell == _INSIDE
        touched = np.flatnonzero(cell == _TOUCHED)
        mask[touched] = shapely.intersects_xy(self.area, x[touched], y[touched])
        return mask

    def _grid_for(self, points: int) -> _Grid | None:
        """Return the cached grid, (re)built when there is none or it was sized for far fewer points."""
        if self._grid is None or points > 8 * self._grid.points:
            self._grid = _build_grid(self.area, self.bounds, points)
        return self._grid


class PreparedPoints:
    """Event geometries read once for repeated filters, the points ordered by longitude.

    Pass it to :func:`mask_in_area`, :func:`mask_in_bbox` or :func:`mask_near` in place of the
    geometries: a filter then looks only at the points between the west and east edges of its box
    and never reads a coordinate again. It is a snapshot: it keeps a copy of the geometries it was
    made from, so later changes to them (``frame.loc[i, "geometry"] = ...``) do not reach it; make a
    new one after editing. Masks are aligned with the geometries by position, as for the geometries
    themselves.

    (Filtering a GeoSeries or a GeoDataFrame's geometry column again and again is fast too: the
    functions keep its coordinates between calls. But each call then first checks, in one pass over
    the column, that it still holds the same geometries.)

    Parameters
    ----------
    geometries
        Event geometries, as for :func:`mask_in_area`.

    Raises
    ------
    TypeError, ValueError
        As for :func:`mask_in_area`.

    Examples
    --------
    >>> import shapely
    >>> events = PreparedPoints([shapely.Point(36.3, 33.5), shapely.Point(33.5, 36.3), None])
    >>> mask_in_area(events, shapely.box(36.0, 33.0, 37.0, 34.0)).tolist()
    [True, False, False]
    >>> mask_in_bbox(events, (33.0, 36.0, 34.0, 37.0)).tolist()
    [False, True, False]
    """

    geometries: NDArray[np.object_]

    def __init__(self, geometries: GeometriesLike) -> None:
        geoms = _geometry_array(geometries)
        self.geometries = geoms.copy()
        self._points = _by_longitude(_read_points(self.geometries))

    def __len__(self) -> int:
        return len(self.geometries)

    def __repr__(self) -> str:
        return f"PreparedPoints({len(self):,} geometries, {len(self._points.x):,} points)"


def mask_in_area(
    geometries: GeometriesLike | PreparedPoints, area: BaseGeometry | PreparedArea, *, contained: bool = False
) -> np.ndarray:
    """Mark the events that fall in an area.

    Parameters
    ----------
    geometries
        Event geometries: a GeoSeries (EPSG:4326), a GeoDataFrame, an array-like of shapely
        geometries or a :class:`PreparedPoints`. None and empty geometries are never kept.
    area
        A Polygon or MultiPolygon in EPSG:4326, or a :class:`PreparedArea` (made once, it saves
        preparing the area and building its grid on every call).
    contained
        For non-point events: False keeps those that intersect the area, True those that lie in
        it (all but :data:`CONTAINED_TOLERANCE` of their surface, for outlines from different
        sources). Points are kept when they are in the area or on its outline, either way.

    Returns
    -------
    numpy.ndarray
        Boolean mask, one value per geometry, in order.

    Raises
    ------
    TypeError
        When the area is not a Polygon, MultiPolygon or PreparedArea, or a geometry is not one.
    ValueError
        When the geometries carry a CRS other than EPSG:4326.

    Examples
    --------
    >>> import shapely
    >>> events = [shapely.Point(36.3, 33.5), shapely.Point(33.5, 36.3), None]
    >>> mask_in_area(events, shapely.box(36.0, 33.0, 37.0, 34.0)).tolist()
    [True, False, False]
    """
    prepared = _prepared_area(area)
    geoms, points = _resolve(geometries)
    candidates = _box_positions(points, prepared.bounds)
    inside = prepared._contains_boxed(points.x[candidates], points.y[candidates])
    mask = np.zeros(len(geoms), dtype=bool)
    mask[_rows(points, candidates[inside])] = True
    others = points.others
    if len(others):
        mask[others] = (
            _covered(prepared.area, geoms[others])
            if contained
            else shapely.intersects(prepared.area, geoms[others])
        )
    return mask


def _covered(area: BaseGeometry, geoms: NDArray[np.object_]) -> BoolArray:
    """Areas that lie in ``area``, but for at most :data:`CONTAINED_TOLERANCE` of their surface.

    Event areas and filter regions are often drawn from different sources or simplified
    differently (the seed events' governorates are simplified to ~500 m), so an outline that
    strays a few hundred metres outside must not make "Daraa governorate" fall outside
    "southern Syria".
    """
    covered = shapely.covers(area, geoms)
    near = ~covered & shapely.intersects(area, geoms)
    if near.any():
        surface = shapely.area(geoms[near])  # 0 for points and lines: those must be covered exactly
        outside = shapely.area(shapely.difference(geoms[near], area))
        covered[near] = (surface > 0) & (outside <= CONTAINED_TOLERANCE * surface)
    return covered


def mask_in_bbox(
    geometries: GeometriesLike | PreparedPoints,
    bbox: tuple[float, float, float, float],
    *,
    contained: bool = False,
) -> np.ndarray:
    """Mark the events that fall in a longitude/latitude box.

    Parameters
    ----------
    geometries
        Event geometries, as for :func:`mask_in_area`.
    bbox
        ``(west, south, east, north)`` in degrees; the edges belong to the box. ``west > east`` means
        the box crosses the antimeridian: it spans ``west`` to 180 and -180 to ``east``.
    contained
        For non-point events: False keeps those that intersect the box, True those inside it.

    Returns
    -------
    numpy.ndarray
        Boolean mask, one value per geometry, in order.

    Raises
    ------
    ValueError
        When the box is not four finite numbers within [-180, 180] and [-90, 90] with south <= north.

    Examples
    --------
    >>> import shapely
    >>> events = [shapely.Point(179.5, 10), shapely.Point(-179.5, 10), shapely.Point(0, 10)]
    >>> mask_in_bbox(events, (179.0, 0.0, -179.0, 20.0)).tolist()
    [True, True, False]
    """
    west, south, east, north = _checked_bbox(bbox)
    geoms, points = _resolve(geometries)
    mask = np.zeros(len(geoms), dtype=bool)
    # Across the antimeridian, the box is all longitudes from west up and from east down.
    spans = [(west, east)] if west <= east else [(west, math.inf), (-math.inf, east)]
    for low, high in spans:
        mask[_rows(points, _box_positions(points, (low, south, high, north)))] = True
    others = points.others
    if len(others):
        boxes = [(west, east)] if west <= east else [(west, 180.0), (-180.0, east)]
        box = shapely.union_all([shapely.box(w, south, e, north) for w, e in boxes])
        predicate = shapely.covers if contained else shapely.intersects
        mask[others] = predicate(box, geoms[others])
    return mask


def mask_near(
    geometries: GeometriesLike | PreparedPoints, *, lat: float, lon: float, km: float, contained: bool = False
) -> np.ndarray:
    """Mark the events within a geodesic distance of a place (WGS84 ellipsoid).

    Points are kept when ``pyproj.Geod(ellps="WGS84").inv`` puts them at most ``km`` away; a
    latitude band and a straight-line (chord) bound, both never larger than the geodesic distance,
    leave only nearby points to measure exactly. Points with a latitude beyond ±90 are never kept.

    Parameters
    ----------
    geometries
        Event geometries, as for :func:`mask_in_area`.
    lat, lon
        The centre, in degrees.
    km
        The radius in kilometres, > 0.
    contained
        For non-point events: False keeps those whose nearest point is within ``km`` (measured on
        their edges densified to 0.01° and seen from the centre in an azimuthal equidistant
        projection, so to within metres), True those whose every vertex is within ``km`` (exact).

    Returns
    -------
    numpy.ndarray
        Boolean mask, one value per geometry, in order.

    Raises
    ------
    ValueError
        When ``km`` is not a finite number > 0 or ``lat``/``lon`` is outside [-90, 90]/[-180, 180].
    TypeError
        When ``lat``, ``lon`` or ``km`` is not a real number.

    Examples
    --------
    >>> import shapely
    >>> events = [shapely.Point(36.29, 33.51), shapely.Point(36.0, 32.6)]
    >>> mask_near(events, lat=33.51, lon=36.29, km=50).tolist()
    [True, False]
    """
    metres = _checked_near(lat=lat, lon=lon, km=km)
    geoms, points = _resolve(geometries)
    near = _near_xy(points.x, points.y, lat=lat, lon=lon, metres=metres)
    if points.rows is None:
        mask = near
    else:
        mask = np.zeros(len(geoms), dtype=bool)
        mask[points.rows[near]] = True
    others = points.others
    others = others[~shapely.is_missing(geoms[others]) & ~shapely.is_empty(geoms[others])]
    if len(others):
        near = _all_vertices_near if contained else _nearest_point_near
        mask[others] = near(geoms[others], lat=lat, lon=lon, metres=metres)
    return mask


def union_masks(*masks: ArrayLike) -> np.ndarray:
    """Combine masks of the same events: an event is kept when any mask keeps it.

    Parameters
    ----------
    *masks
        Boolean masks of one length (NumPy arrays, lists or boolean Series).

    Returns
    -------
    numpy.ndarray
        Their element-wise OR.

    Raises
    ------
    ValueError
        When no mask is given or the masks differ in shape.
    TypeError
        When a mask is not boolean.

    Examples
    --------
    >>> union_masks([True, False, False], [False, False, True]).tolist()
    [True, False, True]
    """
    if not masks:
        msg = "union_masks() needs at least one mask"
        raise ValueError(msg)
    arrays = [np.asarray(mask) for mask in masks]
    for array in arrays:
        if array.dtype != np.bool_:
            msg = f"masks must be boolean, got dtype {array.dtype}"
            raise TypeError(msg)
    shapes = {array.shape for array in arrays}
    if len(shapes) > 1:
        msg = f"masks must have one shape, got {sorted(shapes)}"
        raise ValueError(msg)
    return np.logical_or.reduce(arrays)


def _geometry_array(geometries: GeometriesLike) -> NDArray[np.object_]:
    """Return the geometries as a 1-d object array, after checking the CRS of a GeoSeries/GeoDataFrame."""
    if isinstance(geometries, gpd.GeoDataFrame):
        geometries = geometries.geometry
    crs = getattr(geometries, "crs", None)
    if crs is not None and not pyproj.CRS.from_user_input(crs).equals(WGS84, ignore_axis_order=True):
        msg = f"event geometries must be in {WGS84} (lon/lat), not {crs}; reproject with .to_crs({WGS84!r})"
        raise ValueError(msg)
    if isinstance(geometries, gpd.GeoSeries):
        geometries = geometries.values
    array = np.asarray(geometries, dtype=object)
    if array.ndim != 1:
        msg = f"expected a 1-d sequence of geometries, got an array of shape {array.shape}"
        raise TypeError(msg)
    return array


def _resolve(geometries: GeometriesLike | PreparedPoints) -> tuple[NDArray[np.object_], _Points]:
    """Return the geometries as a 1-d object array and the coordinates of their points."""
    if isinstance(geometries, PreparedPoints):
        return geometries.geometries, geometries._points
    geoms = _geometry_array(geometries)
    return geoms, _read_points(geoms)


def _prepared_area(area: BaseGeometry | PreparedArea) -> PreparedArea:
    """Return the area prepared: the PreparedArea given, or a new one."""
    return area if isinstance(area, PreparedArea) else PreparedArea(area)


def _read_points(geoms: NDArray[np.object_]) -> _Points:
    """Read the coordinates of the points, in row order."""
    x, y = _point_coords(geoms)
    return _Points(x, y, np.flatnonzero(np.isnan(x)), len(geoms))


def _by_longitude(points: _Points) -> _Points:
    """Keep only the points, ordered by longitude bucket (a radix sort), with their rows."""
    rows = np.flatnonzero(~np.isnan(points.x))
    x = points.x[rows]
    origin = float(x.min()) if len(x) else 0.0
    span = float(x.max()) - origin if len(x) else 0.0
    scale = (_LON_BUCKETS - 1) / span if span > 0 else 0.0
    if not math.isfinite(scale) or not math.isfinite(origin):
        scale = 0.0  # infinite longitudes, or all but equal ones: one bucket
    buckets = np.zeros(len(x), dtype=np.uint16)  # 2**16 buckets: NumPy sorts them by radix
    if scale:
        # The same arithmetic as _Points.bucket, so a box's edges bracket the points inside it.
        buckets = np.minimum((x - origin) * scale, _LON_BUCKETS - 1).astype(np.uint16)
    order = np.argsort(buckets, kind="stable")
    starts = np.zeros(_LON_BUCKETS + 1, dtype=np.intp)
    np.cumsum(np.bincount(buckets, minlength=_LON_BUCKETS), out=starts[1:])
    rows = rows[order]
    return _Points(x[order], points.y[rows], points.others, points.count, rows, starts, origin, scale)


def _box_positions(points: _Points, bounds: tuple[float, float, float, float]) -> IndexArray:
    """Positions (in ``points.x``) of the points in the closed box ``(west, south, east, north)``."""
    west, south, east, north = bounds
    if not (west <= east and south <= north):
        return np.empty(0, dtype=np.intp)  # an empty box, or NaN bounds (an empty area)
    x, y, start = points.x, points.y, 0
    if points.starts is not None:
        start = int(points.starts[points.bucket(west)])
        stop = int(points.starts[points.bucket(east) + 1])
        x, y = x[start:stop], y[start:stop]
    return start + np.flatnonzero((x >= west) & (x <= east) & (y >= south) & (y <= north))


def _rows(points: _Points, positions: IndexArray) -> IndexArray:
    """Return the rows of the points at ``positions``."""
    return positions if points.rows is None else points.rows[positions]


def _point_coords(geoms: NDArray[np.object_]) -> tuple[FloatArray, FloatArray]:
    """Return the longitudes and latitudes of the points; NaN for any other geometry and for None.

    One pass of ``shapely.bounds`` reads both, twice as fast as ``get_x`` then ``get_y``. A point is
    any geometry whose bounds are a single location (a Point, or repeats of one, as a MultiPoint):
    it occupies only that location, so testing the location gives shapely's answer for it.
    """
    bounds = shapely.bounds(geoms).reshape(-1, 4)
    single = (bounds[:, 0] == bounds[:, 2]) & (bounds[:, 1] == bounds[:, 3])
    return np.where(single, bounds[:, 0], np.nan), np.where(single, bounds[:, 1], np.nan)


def _build_grid(area: BaseGeometry, bounds: tuple[float, float, float, float], points: int) -> _Grid | None:
    """Classify the cells of a grid over ``bounds`` sized for ``points`` points (None if degenerate).

    A cell is touched when the bounding box of an outline segment meets the closed cell. The outline
    cannot cross an untouched cell, so all of it is inside or outside, as its centre is.
    """
    west, south, east, north = bounds
    width, height = east - west, north - south
    if not (width > 0 and height > 0):
        return None
    cells = min(_GRID_MAX_CELLS, max(1024, int(4 * points ** (2 / 3))))
    nx = max(1, min(4096, round(math.sqrt(cells * width / height))))
    ny = max(1, min(4096, round(cells / nx)))
    xedges, yedges = np.linspace(west, east, nx + 1), np.linspace(south, north, ny + 1)
    touched = _touched_cells(area, xedges, yedges)
    xmid, ymid = (xedges[:-1] + xedges[1:]) / 2, (yedges[:-1] + yedges[1:]) / 2
    jj, ii = np.nonzero(~touched)
    inside = shapely.intersects_xy(area, xmid[ii], ymid[jj])
    classes = np.full((ny, nx), _TOUCHED, dtype=np.uint8)
    classes[jj, ii] = np.where(inside, _INSIDE, _OUTSIDE)
    return _Grid(xedges=xedges, yedges=yedges, cells=classes.ravel(), points=points)


def _touched_cells(area: BaseGeometry, xedges: FloatArray, yedges: FloatArray) -> BoolArray:
    """Cells (rows = latitude) whose closed box meets the bounding box of an outline segment."""
    rings = shapely.get_rings(shapely.get_parts(area))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[:-1] == ring[1:]
    start, end = coords[:-1][same], coords[1:][same]
    low, high = np.minimum(start, end), np.maximum(start, end)
    nx, ny = len(xedges) - 1, len(yedges) - 1
    # Cell i spans [edges[i], edges[i + 1]]: it meets [low, high] iff edges[i + 1] >= low and
    # edges[i] <= high. Searching the edges themselves keeps this exact.
    i0 = np.clip(np.searchsorted(xedges, low[:, 0], side="left") - 1, 0, nx - 1)
    i1 = np.clip(np.searchsorted(xedges, high[:, 0], side="right") - 1, 0, nx - 1)
    j0 = np.clip(np.searchsorted(yedges, low[:, 1], side="left") - 1, 0, ny - 1)
    j1 = np.clip(np.searchsorted(yedges, high[:, 1], side="right") - 1, 0, ny - 1)
    # Mark every block of cells (rows j0..j1, columns i0..i1) at once with a 2-d difference array.
    diff = np.zeros((ny + 1, nx + 1), dtype=np.int32)
    np.add.at(diff, (j0, i0), 1)
    np.add.at(diff, (j0, i1 + 1), -1)
    np.add.at(diff, (j1 + 1, i0), -1)
    np.add.at(diff, (j1 + 1, i1 + 1), 1)
    return diff.cumsum(axis=0).cumsum(axis=1)[:ny, :nx] > 0


def _locate(grid: _Grid, x: FloatArray, y: FloatArray) -> NDArray[np.uint8]:
    """Return the class of the cell of each point; touched when rounding leaves the cell in doubt."""
    xedges, yedges = grid.xedges, grid.yedges
    nx, ny = len(xedges) - 1, len(yedges) - 1
    i = ((x - xedges[0]) * (nx / (xedges[-1] - xedges[0]))).astype(np.intp)
    j = ((y - yedges[0]) * (ny / (yedges[-1] - yedges[0]))).astype(np.intp)
    np.clip(i, 0, nx - 1, out=i)
    np.clip(j, 0, ny - 1, out=j)
    cell = grid.cells[j * nx + i]
    sure = (xedges[i] <= x) & (x <= xedges[i + 1]) & (yedges[j] <= y) & (y <= yedges[j + 1])
    cell[~sure] = _TOUCHED
    return cell


def _checked_bbox(bbox: Any) -> tuple[float, float, float, float]:
    """``bbox`` as four floats, or ValueError saying what is wrong."""
    try:
        west, south, east, north = (float(v) for v in bbox)
    except (TypeError, ValueError) as err:
        msg = f"bbox must be four numbers (west, south, east, north), got {short_repr(bbox)}"
        raise ValueError(msg) from err
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        msg = f"bbox must be finite, got {short_repr(bbox)}"
        raise ValueError(msg)
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        msg = f"bbox longitudes must be within [-180, 180], got west={west}, east={east}"
        raise ValueError(msg)
    if not (-90 <= south <= north <= 90):
        msg = f"bbox latitudes must satisfy -90 <= south <= north <= 90, got south={south}, north={north}"
        raise ValueError(msg)
    return west, south, east, north


def _checked_near(*, lat: float, lon: float, km: float) -> float:
    """Return the radius in metres, after checking the centre and the radius."""
    for name, value in (("lat", lat), ("lon", lon), ("km", km)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            msg = f"{name} must be a number, got {short_repr(value)} of type {type(value).__name__}"
            raise TypeError(msg)
    if not (math.isfinite(km) and km > 0):
        msg = f"km must be a finite number > 0, got {short_repr(km)}"
        raise ValueError(msg)
    if not -90 <= lat <= 90:
        msg = f"lat must be within [-90, 90], got {short_repr(lat)} (is it a longitude?)"
        raise ValueError(msg)
    if not -180 <= lon <= 180:
        msg = f"lon must be within [-180, 180], got {short_repr(lon)}"
        raise ValueError(msg)
    return float(km) * 1000.0


def _near_xy(x: FloatArray, y: FloatArray, *, lat: float, lon: float, metres: float) -> BoolArray:
    """Points at a geodesic distance of at most ``metres`` from (lon, lat), exactly as Geod.inv."""
    mask = np.zeros(len(x), dtype=bool)
    # Lower bounds of the distance, loosened by a hair against rounding: the meridian arc between
    # the two latitudes, then the straight line through the ellipsoid.
    band = math.degrees(metres / _MERIDIAN_RADIUS_MIN) * (1 + 1e-9) + 1e-9
    candidates = np.flatnonzero((np.abs(y - lat) <= band) & (np.abs(y) <= 90))
    cx, cy, cz = _ecef(np.array([lon]), np.array([lat]))
    px, py, pz = _ecef(x[candidates], y[candidates])
    chord2 = (px - cx) ** 2 + (py - cy) ** 2 + (pz - cz) ** 2
    candidates = candidates[chord2 <= (metres * (1 + 1e-9) + 1e-3) ** 2]
    n = len(candidates)
    _, _, dist = _GEOD.inv(np.full(n, lon), np.full(n, lat), x[candidates], y[candidates])
    mask[candidates] = dist <= metres
    return mask


def _ecef(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Earth-centred Cartesian coordinates (metres) of points on the WGS84 ellipsoid."""
    phi, lam = np.radians(lat), np.radians(lon)
    sin_phi, cos_phi = np.sin(phi), np.cos(phi)
    normal = _GEOD.a / np.sqrt(1 - _GEOD.es * sin_phi**2)
    return normal * cos_phi * np.cos(lam), normal * cos_phi * np.sin(lam), normal * (1 - _GEOD.es) * sin_phi


def _all_vertices_near(geoms: NDArray[np.object_], *, lat: float, lon: float, metres: float) -> BoolArray:
    """Non-empty geometries whose every vertex is within ``metres`` (geodesic, exact)."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    near = _near_xy(coords[:, 0], coords[:, 1], lat=lat, lon=lon, metres=metres)
    far = np.zeros(len(geoms), dtype=bool)
    far[index[~near]] = True
    return ~far


def _nearest_point_near(geoms: NDArray[np.object_], *, lat: float, lon: float, metres: float) -> BoolArray:
    """Non-empty geometries that cover the centre or come within ``metres`` of it."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    keep = np.zeros(len(geoms), dtype=bool)
    keep[index[_near_xy(coords[:, 0], coords[:, 1], lat=lat, lon=lon, metres=metres)]] = True
    keep |= shapely.intersects_xy(geoms, lon, lat)
    rest = np.flatnonzero(~keep)
    if len(rest):
        aeqd = pyproj.CRS.from_dict({"proj": "aeqd", "lat_0": lat, "lon_0": lon, "datum": "WGS84"})
        to_aeqd = pyproj.Transformer.from_crs(WGS84, aeqd, always_xy=True)
        dense = shapely.segmentize(geoms[rest], max_segment_length=_DENSIFY_DEG)
        projected = shapely.transform(dense, lambda c: np.column_stack(to_aeqd.transform(c[:, 0], c[:, 1])))
        keep[rest] = shapely.dwithin(projected, shapely.Point(0.0, 0.0), metres)
    return keep
