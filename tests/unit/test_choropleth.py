"""layers.choropleth and layers.classes: events per admin-1 unit, class breaks, the layer."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest
import shapely
import shapely.geometry
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictmap.errors import SchemaError
from geo.regions import RegionRegistry
from layers.choropleth import counting_units, event_units, region_counts, region_counts_layer
from layers.classes import YLORRD, ZERO_COLOR, class_breaks, class_colors, class_labels

# Two provinces of country XX side by side, one of YY, and XX itself.
UNITS = {
    "XX-A": ("Alpha", "admin1", "XX", shapely.box(0, 0, 1, 1)),
    "XX-B": ("Beta", "admin1", "XX", shapely.box(1, 0, 2, 1)),
    "XX-C": ("Gamma & <Co>", "admin1", "XX", shapely.box(0, 1, 2, 2)),
    "YY-A": ("Yankee", "admin1", "YY", shapely.box(5, 5, 6, 6)),
    "XX": ("Xland", "country", "XX", shapely.box(0, 0, 2, 2)),
}


@pytest.fixture
def regions(tmp_path: Path) -> RegionRegistry:
    features = [
        {
            "type": "Feature",
            "properties": {"id": rid, "name": name, "kind": kind, "country": country},
            "geometry": shapely.geometry.mapping(geom),
        }
        for rid, (name, kind, country, geom) in UNITS.items()
    ]
    path = tmp_path / "regions.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return RegionRegistry(path=path)


def _events(geoms: list[shapely.Geometry | None]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"located": [g is not None for g in geoms]}, geometry=gpd.GeoSeries(geoms), crs="EPSG:4326"
    )


@pytest.fixture
def events() -> gpd.GeoDataFrame:
    return _events(
        [
            shapely.Point(0.2, 0.2),  # Alpha
            shapely.Point(0.5, 0.5),  # Alpha
            shapely.Point(0.9, 0.1),  # Alpha
            shapely.box(0.1, 0.1, 0.3, 0.3),  # small area inside Alpha
            shapely.Point(1.5, 0.5),  # Beta
            shapely.Point(3.0, 3.0),  # outside every unit
            None,  # not located
            shapely.box(0, 0, 2, 2),  # the whole country
        ]
    )


def test_event_units_places_each_event_or_says_why(events, regions) -> None:
    units = event_units(events, regions=regions)
    assert units["region_id"].fillna("-").tolist() == ["XX-A", "XX-A", "XX-A", "XX-A", "XX-B", "-", "-", "-"]
    assert units["reason"].fillna("-").tolist() == [
        "-",
        "-",
        "-",
        "-",
        "-",
        "outside",
        "not located",
        "spans",
    ]
    assert units.index.equals(events.index)


def test_region_counts_per_unit(events, regions) -> None:
    counts = region_counts(events, regions=regions)
    assert counts.to_dict("records") == [
        {"region_id": "XX-A", "name": "Alpha", "country": "XX", "events": 4},
        {"region_id": "XX-B", "name": "Beta", "country": "XX", "events": 1},
    ]
    assert counts["events"].dtype == "int64"


def test_region_counts_of_no_events_is_an_empty_table(regions) -> None:
    counts = region_counts(_events([]), regions=regions)
    assert counts.empty
    assert list(counts.columns) == ["region_id", "name", "country", "events"]


def test_real_governorates() -> None:
    events = _events([shapely.Point(36.57, 32.71), shapely.Point(36.57, 32.72), shapely.Point(36.1, 32.62)])
    counts = region_counts(events)
    assert counts[["region_id", "name", "events"]].values.tolist() == [
        ["SY-SU", "As-Suwayda", 2],
        ["SY-DR", "Daraa", 1],
    ]


def test_rejects_what_is_not_an_event_collection(events) -> None:
    with pytest.raises(TypeError, match="GeoDataFrame"):
        event_units(pd.DataFrame(events))
    with pytest.raises(SchemaError, match="missing columns located"):
        event_units(events.drop(columns="located"))
    with pytest.raises(SchemaError, match="EPSG:4326"):
        event_units(events.to_crs("EPSG:3857"))


@pytest.mark.parametrize(
    ("counts", "breaks"),
    [
        ([], []),
        ([4], [4]),
        ([1, 1, 2, 7], [1, 2, 7]),
        ([0, 3, 3, 5], [3, 5]),
        ([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 4, 6, 8, 10]),
        ([1] * 8 + [2, 3, 4, 50, 60, 70], [1, 2, 50, 70]),  # skewed: quantiles
    ],
)
def test_class_breaks(counts: list[int], breaks: list[int]) -> None:
    assert class_breaks(counts) == breaks


def test_class_breaks_fewer_classes() -> None:
    assert class_breaks(range(1, 11), classes=2) == [5, 10]
    with pytest.raises(ValueError, match="between 1 and 5"):
        class_breaks([1], classes=6)


def test_class_labels_and_colors() -> None:
    assert class_labels([1, 4, 9]) == ["1", "2–4", "5–9"]
    assert class_labels([]) == []
    assert class_colors(5) == ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
    assert class_colors(0) == []
    assert all(len(YLORRD[n]) == n for n in YLORRD)
    with pytest.raises(ValueError, match="at most 5"):
        class_colors(6)


def _features(group: folium.FeatureGroup) -> tuple[list[dict], dict]:
    (element,) = group._children.values()
    return json.loads(element.data_json)["features"], json.loads(element.legend_json)


def test_layer_styles_tooltips_and_legend(events, regions) -> None:
    group = region_counts_layer(events, regions=regions)
    assert group.show is False and group.layer_name == "Events per province"
    features, legend = _features(group)
    props = {f["properties"]["id"]: f["properties"] for f in features}
    assert set(props) == {"XX-A", "XX-B", "XX-C"}  # YY has no events: its unit is not drawn
    assert props["XX-A"]["tooltip"] == "Alpha: 4 events"
    assert props["XX-B"]["tooltip"] == "Beta: 1 event"
    assert props["XX-C"]["tooltip"] == "Gamma & <Co>: 0 events"  # shown with textContent
    assert props["XX-C"]["style"]["fillColor"] == ZERO_COLOR
    assert props["XX-A"]["style"]["fillColor"] == YLORRD[2][1]
    assert props["XX-B"]["style"]["fillColor"] == YLORRD[2][0]
    assert legend == {
        "title": "Events per province",
        "rows": [[YLORRD[2][0], "1"], [YLORRD[2][1], "2–4"]],
        "zero": ZERO_COLOR,
        "note": (
            "Not counted: 1 not located; 1 outside any province; "
            "1 spanning several provinces or a whole country"
        ),
        "breaks": [1, 4],
        "colors": list(YLORRD[2]),
    }


def test_layer_without_zero_units(events, regions) -> None:
    features, legend = _features(region_counts_layer(events, regions=regions, include_zero=False))
    assert sorted(f["properties"]["id"] for f in features) == ["XX-A", "XX-B"]
    assert legend["zero"] is None


def test_rendered_layer_escapes_and_has_no_style_function(events, regions) -> None:
    fmap = folium.Map(tiles=None)
    group = region_counts_layer(events, regions=regions, name="<b>Per unit</b>").add_to(fmap)
    folium.LayerControl().add_to(fmap)
    html = fmap.get_root().render()
    assert group.layer_name == "&lt;b&gt;Per unit&lt;/b&gt;"  # LayerControl inserts it as HTML
    assert "<b>Per unit" not in html
    assert "Gamma & <Co>" not in html and "Gamma \\u0026 \\u003cCo\\u003e" in html
    assert "style_function" not in html
    assert len(re.findall(r"function\s*\(feature\)", html)) == 0


# Country AA (one province) beside BB (one province); CC has no provinces, only two territories
# and a composite of both; DD has provinces nowhere near.
BORDER_UNITS = {
    "AA-1": ("Aone", "admin1", "AA", shapely.box(0, 0, 1, 1), []),
    "BB-1": ("Bone", "admin1", "BB", shapely.box(1, 0, 2, 1), []),
    "cc-north": ("North Territory", "area", "CC", shapely.box(5, 5, 6, 6), []),
    "cc-south": ("South Territory", "area", "CC", shapely.box(5, 3, 6, 4), []),
    "cc-all": ("All of CC", "area", "CC", shapely.box(5, 3, 6, 6), ["cc-north", "cc-south"]),
    "DD-1": ("Done", "admin1", "DD", shapely.box(20, 20, 21, 21), []),
}


@pytest.fixture
def border_regions(tmp_path: Path) -> RegionRegistry:
    features = [
        {
            "type": "Feature",
            "properties": {"id": rid, "name": name, "kind": kind, "country": cc, "members": members},
            "geometry": shapely.geometry.mapping(geom),
        }
        for rid, (name, kind, cc, geom, members) in BORDER_UNITS.items()
    ]
    path = tmp_path / "border.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return RegionRegistry(path=path)


def test_event_just_across_its_own_countrys_border_counts_there(border_regions) -> None:
    # 0.05 degrees of longitude at the equator is 5.6 km; 0.2 degrees is 22 km.
    points = [(1.05, 0.5, "AA"), (1.2, 0.5, "AA"), (1.05, 0.5, "BB"), (1.05, 0.5, None), (-0.05, 0.5, "AA")]
    events = _events([shapely.Point(x, y) for x, y, _ in points])
    events["country"] = [cc for *_, cc in points]
    units = event_units(events, regions=border_regions)
    # 5.6 km into BB: AA's; 22 km: BB's (the point decides); BB's own or no country: BB's; just
    # outside every unit, 5.6 km from AA: AA's.
    assert units["region_id"].tolist() == ["AA-1", "BB-1", "BB-1", "BB-1", "AA-1"]
    assert units["reason"].isna().all()


def test_country_without_provinces_is_counted_by_its_territories(border_regions) -> None:
    points = [(5.5, 5.5, "CC"), (5.5, 3.5, "CC"), (5.5, 4.5, "CC"), (30.0, 30.0, "EE")]
    events = _events([shapely.Point(x, y) for x, y, _ in points])
    events["country"] = [cc for *_, cc in points]
    units = event_units(events, regions=border_regions)
    assert units["region_id"].fillna("-").tolist() == ["cc-north", "cc-south", "-", "-"]
    assert units["reason"].fillna("-").tolist() == ["-", "-", "outside", "no provinces"]
    kept = [r.region_id for r in counting_units(border_regions)]
    assert kept == ["AA-1", "BB-1", "DD-1", "cc-north", "cc-south"]


@functools.cache
def _border_registry() -> RegionRegistry:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="cm-border-"))
    features = [
        {
            "type": "Feature",
            "properties": {"id": rid, "name": name, "kind": kind, "country": cc, "members": members},
            "geometry": shapely.geometry.mapping(geom),
        }
        for rid, (name, kind, cc, geom, members) in BORDER_UNITS.items()
    ]
    (folder / "border.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return RegionRegistry(path=folder / "border.geojson")


@settings(max_examples=60, deadline=None)
@given(x=st.floats(-0.5, 2.5), y=st.floats(-0.5, 1.5))
def test_an_event_in_a_unit_of_its_own_country_never_moves(x: float, y: float) -> None:
    regions = _border_registry()
    events = _events([shapely.Point(x, y)])
    plain = event_units(events, regions=regions)["region_id"].iloc[0]
    if pd.isna(plain):
        return
    events["country"] = [regions[plain].country]
    assert event_units(events, regions=regions)["region_id"].iloc[0] == plain
