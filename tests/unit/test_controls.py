"""layers.controls: fullscreen, minimap per basemap, scale bar and the place search."""

from __future__ import annotations

import json

import folium
import folium.plugins
import pytest

from conflictmap.errors import ConfigurationError
from layers.basemaps import add_basemap
from layers.controls import PlaceSearch, VectorMiniMap, add_controls, minimap_for, search_entry
from layers.literal import Map
from layers.offline_basemap import OfflineBasemap

SUWAYDA = {"name": "As-Suwayda", "bounds": [[32.3, 36.3], [33.2, 37.2]], "kind": "governorate"}
PARIS = {"name": "Paris", "lat": 48.857, "lon": 2.352}


def _map(tiles: str | None) -> tuple[folium.Map, folium.TileLayer | OfflineBasemap | None]:
    fmap = Map(location=[33, 36], zoom_start=7, tiles=None)
    return fmap, add_basemap(fmap, tiles=tiles)


def test_tile_basemap_gets_scale_fullscreen_and_a_tile_minimap() -> None:
    fmap, basemap = _map("OpenStreetMap")
    add_controls(fmap, basemap=basemap, places=[SUWAYDA])
    html = fmap.get_root().render()
    assert "L.control.scale().addTo(" in html
    assert "L.control.fullscreen(" in html
    # the plugins are written into the page (layers.assets), not linked
    assert "/* leaflet.fullscreen/Control.FullScreen.js */" in html
    assert "new L.Control.MiniMap(" in html
    assert "/* leaflet-minimap/Control.MiniMap.min.js */" in html
    assert "cdn.jsdelivr.net" not in html and "cdnjs" not in html
    assert html.count('"https://tile.openstreetmap.org/{z}/{x}/{y}.png"') == 2  # map and minimap
    assert "window.conflictmapSearch.control(" in html


def test_offline_minimap_draws_the_basemap_boundaries() -> None:
    fmap, basemap = _map("offline")
    add_controls(fmap, basemap=basemap)
    html = fmap.get_root().render()
    assert isinstance(minimap_for(basemap), VectorMiniMap)
    assert f"window.conflictmapBasemap.miniLayer({basemap.get_name()}_data)" in html
    assert "L.tileLayer(" not in html
    assert "conflictmapSearch" not in html  # no places, no search box


def test_no_basemap_no_minimap() -> None:
    fmap, basemap = _map("none")
    add_controls(fmap, basemap=basemap)
    html = fmap.get_root().render()
    assert minimap_for(None) is None
    assert "MiniMap(" not in html and "leaflet-minimap/" not in html
    assert "L.control.fullscreen(" in html and "L.control.scale()" in html


def test_controls_can_be_left_out() -> None:
    fmap, basemap = _map("OpenStreetMap")
    add_controls(fmap, basemap=basemap, fullscreen=False, minimap=False)
    html = fmap.get_root().render()
    assert "fullscreen" not in html.lower() and "MiniMap" not in html


def test_minimap_before_its_basemap_is_refused() -> None:
    fmap = folium.Map(tiles=None)
    basemap = OfflineBasemap()
    fmap.add_child(VectorMiniMap(basemap))
    fmap.add_child(basemap)
    with pytest.raises(TypeError, match="before its VectorMiniMap"):
        fmap.get_root().render()


def test_minimap_of_something_else_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="TileLayer, an OfflineBasemap or None"):
        minimap_for(folium.FeatureGroup())  # type: ignore[arg-type]


def test_search_entries_are_normalised() -> None:
    assert search_entry(SUWAYDA) == {
        "name": "As-Suwayda",
        "kind": "governorate",
        "bounds": [[32.3, 36.3], [33.2, 37.2]],
    }
    assert search_entry({**PARIS, "name": " Paris "}) == {
        "name": "Paris",
        "kind": "",
        "point": [48.857, 2.352],
    }


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "X"}, "needs 'bounds' or 'lat' and 'lon'"),
        ({"name": "  "}, "empty name"),
        ({"name": "X", "lat": 91, "lon": 0}, r"\(91.0, 0.0\) is not a latitude and longitude"),
        ({"name": "X", "lat": float("nan"), "lon": 0}, "not a latitude"),
        ({"name": "X", "bounds": [[33, 36], [32, 37]]}, "are not"),
        ({"name": "X", "bounds": [1, 2, 3, 4]}, r"bounds must be \[\[south, west\], \[north, east\]\]"),
    ],
)
def test_bad_search_entries(entry: dict, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        search_entry(entry)


@pytest.mark.parametrize("entry", [("Paris", 48.8, 2.3), {"name": 3, "lat": 0, "lon": 0}])
def test_search_entry_of_the_wrong_type(entry: object) -> None:
    with pytest.raises(TypeError, match="string 'name'"):
        search_entry(entry)  # type: ignore[arg-type]


def test_place_search_dedupes_and_serialises_safely() -> None:
    evil = {"name": "</script><img src=x onerror=alert(1)>", "lat": 33.5, "lon": 36.3}
    search = PlaceSearch([SUWAYDA, PARIS, dict(SUWAYDA), evil], max_zoom=9)
    assert [e["name"] for e in search.entries] == ["As-Suwayda", "Paris", evil["name"]]
    fmap = folium.Map(tiles=None)
    fmap.add_child(search)
    html = fmap.get_root().render()
    assert "<img src=x" not in html and "\\u003c/script\\u003e\\u003cimg src=x" in html
    assert json.loads(search.options_json) == {
        "position": "topleft",
        "placeholder": "Find a place…",
        "maxZoom": 9,
    }
    assert html.count("window.conflictmapSearch = window.conflictmapSearch ||") == 1
