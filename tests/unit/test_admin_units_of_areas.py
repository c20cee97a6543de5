"""An area is in an admin-1 unit only when the unit holds it, not where its point on surface falls."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.locate import complete_admin_units
from geo.regions import default_regions

REGIONS = default_regions()


def _names(*shapes):
    return REGIONS.admin_units_holding(np.array(shapes, dtype=object))


def test_a_governorate_is_in_itself_and_wider_areas_in_none():
    daraa = REGIONS.find("Daraa Governorate").geometry
    south = REGIONS.find("southern Syria").geometry
    syria = REGIONS["SY"].geometry
    border = daraa.boundary.intersection(REGIONS.find("Sweida Governorate").geometry.boundary)
    middle = border.interpolate(0.5, normalized=True)
    across = middle.buffer(0.05)  # astride the Daraa-Sweida line
    inside = shapely.box(36.05, 32.6, 36.15, 32.7)  # around Daraa city
    assert _names(daraa, south, syria, across, inside, daraa) == ["Daraa", None, None, None, "Daraa", "Daraa"]


def test_completion_names_no_governorate_for_syria_or_southern_syria():
    shapes = [REGIONS["SY"].geometry, REGIONS.find("southern Syria").geometry, shapely.Point(36.1, 32.62)]
    frame = gpd.GeoDataFrame(
        {"located": [True] * 3, "admin1": [None] * 3, "country": [None] * 3}, geometry=shapes, crs=4326
    )
    done, completed = complete_admin_units(frame)
    assert done["country"].tolist() == ["SY", "SY", "SY"]
    assert done["admin1"].isna().tolist() == [True, True, False]
    assert done["admin1"].iloc[2] == "Daraa"
    assert completed == 1  # the two areas still lack a governorate


@settings(max_examples=60, deadline=None)
@given(share=st.floats(0.05, 0.95), size=st.floats(0.001, 0.05))
def test_a_small_box_deep_inside_a_governorate_is_in_it_property(share, size):
    # a box around a point of Daraa at least `size` degrees from its border is held by Daraa
    daraa = REGIONS.find("Daraa Governorate").geometry
    core = daraa.buffer(-size * 1.5)
    if core.is_empty:
        return
    line = shapely.get_exterior_ring(core.geoms[0] if hasattr(core, "geoms") else core)
    point = line.interpolate(share, normalized=True)
    box = shapely.box(point.x - size, point.y - size, point.x + size, point.y + size)
    assert _names(box) == ["Daraa"]


@settings(max_examples=80, deadline=None)
@given(
    corners=st.lists(
        st.tuples(st.floats(35.8, 37.0), st.floats(32.3, 33.2), st.floats(0.02, 0.4), st.floats(0.02, 0.4)),
        min_size=1,
        max_size=6,
    )
)
def test_areas_measured_once_each_get_their_own_answer_property(corners):
    # the two triangles of a box share its bounds and size: each still gets its own unit
    from geo.regions import _holding

    shapes = []
    for x, y, w, h in corners:
        shapes += [
            shapely.Polygon([(x, y), (x + w, y), (x, y + h)]),
            shapely.Polygon([(x + w, y + h), (x + w, y), (x, y + h)]),
            shapely.box(x, y, x + w, y + h),
        ]
    shapes += shapes[:2]
    tree, units = REGIONS._admin1
    assert _names(*shapes) == [_holding(tree, units, s) for s in shapes]
