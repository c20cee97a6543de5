"""The map tools in a real browser, offline: offline basemap, choropleth, search, controls."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import folium
import folium.plugins
import geopandas as gpd
import offline
import pytest
import shapely
from offline import MapPage

from layers.basemaps import add_basemap
from layers.choropleth import region_counts_layer
from layers.controls import add_controls
from layers.literal import Map

SUWAYDA_BOUNDS = [[32.3, 36.3], [33.2, 37.2]]
EVIL = "</script><img src=x onerror=alert(1)>"
PLACES = [
    {"name": "As-Suwayda", "bounds": SUWAYDA_BOUNDS, "kind": "governorate"},
    {"name": "Paris", "lat": 48.857, "lon": 2.352, "kind": "city"},
    {"name": EVIL, "lat": 33.5, "lon": 36.3},
]
CENTER_JS = "(name) => { const c = window[name].getCenter(); return [c.lat, c.lng, window[name].getZoom()]; }"
SCREEN_POINT_JS = """([name, lat, lon]) => {
    const map = window[name], p = map.latLngToContainerPoint([lat, lon]);
    const box = map.getContainer().getBoundingClientRect();
    return [p.x + box.left, p.y + box.top];
}"""


def _events() -> gpd.GeoDataFrame:
    points = [(36.57, 32.71), (36.58, 32.72), (36.52, 32.65), (36.1, 32.62)]  # 3 As-Suwayda, 1 Daraa
    return gpd.GeoDataFrame(
        {"located": [True] * len(points)},
        geometry=[shapely.Point(lon, lat) for lon, lat in points],
        crs="EPSG:4326",
    )


def _save(tmp_path: Path, tiles: str, *, choropleth: bool = True) -> tuple[Path, str]:
    fmap = Map(location=[33.5, 36.5], zoom_start=7, tiles=None)  # self-contained: no CDN
    basemap = add_basemap(fmap, tiles=tiles)
    if choropleth:
        region_counts_layer(_events()).add_to(fmap)
    add_controls(fmap, basemap=basemap, places=PLACES)
    folium.LayerControl(collapsed=False).add_to(fmap)
    path = tmp_path / f"{tiles}.html"
    fmap.save(path)
    return path, fmap.get_name()


@pytest.fixture
def offline_map(tmp_path: Path, open_map: Callable[..., MapPage]) -> tuple[MapPage, str]:
    path, name = _save(tmp_path, "offline")
    shown = open_map(path)
    shown.page.locator(".cm-country-label", has_text="Syria").wait_for(state="visible")
    return shown, name


def test_offline_basemap_draws_boundaries_and_labels_without_network(offline_map) -> None:
    shown, name = offline_map
    page = shown.page
    assert page.locator(".leaflet-cmBasemap-pane path").count() >= 2 * 236  # land and borders
    assert page.locator(".leaflet-cmBasemap-pane path.cm-admin1-line").count() >= 100
    labels = page.locator(".leaflet-cmBasemapLabels-pane .cm-basemap-label:visible").all_inner_texts()
    assert {"Syria", "Lebanon", "Jordan", "As-Suwayda", "Daraa"} <= {t.strip().title() for t in labels} | set(
        labels
    )
    assert page.locator(".leaflet-tile-pane img").count() == 0
    background = page.evaluate("(n) => getComputedStyle(window[n].getContainer()).backgroundColor", name)
    assert background == "rgb(207, 226, 238)"
    assert "Natural Earth" in page.locator(".leaflet-control-attribution").inner_text()
    # Below the overlays: the basemap panes sit under the overlay pane (400).
    z = page.evaluate(
        "(n) => ['cmBasemap', 'cmBasemapLabels'].map((p) => +window[n].getPane(p).style.zIndex)", name
    )
    assert z == [250, 350]
    # Zoomed out, province names are hidden.
    page.evaluate("(n) => { window[n].setZoom(5, {animate: false}); }", name)  # returns nothing
    page.wait_for_function(
        "() => [...document.querySelectorAll('.cm-admin1-label')].every((e) => e.offsetParent === null)"
    )
    assert page.locator(".cm-country-label", has_text="Syria").is_visible()
    assert shown.routes.tiles == 0
    assert shown.missed == []
    assert all("cdn" in url or "jquery" in url for url in shown.routes.served), shown.routes.served
    assert shown.console_errors == []


def test_fullscreen_and_offline_minimap_controls(offline_map) -> None:
    shown, _ = offline_map
    page = shown.page
    page.locator(".leaflet-control-zoom-fullscreen").wait_for(state="visible")
    minimap = page.locator(".leaflet-control-minimap")
    minimap.wait_for(state="visible")
    assert minimap.locator("path").count() >= 236  # countries drawn, no tiles
    assert minimap.locator("img").count() == 0
    assert page.locator(".leaflet-control-scale-line").count() == 2  # metric and imperial
    assert shown.routes.tiles == 0


def test_choropleth_toggles_and_its_tooltip_counts(offline_map) -> None:
    shown, name = offline_map
    page = shown.page
    label = page.locator(".leaflet-control-layers-overlays label", has_text="Events per province")
    checkbox = label.locator("input")
    assert not checkbox.is_checked()
    assert page.locator(".cm-choropleth-legend").count() == 0
    checkbox.check()
    legend = page.locator(".cm-choropleth-legend")
    legend.wait_for(state="visible")
    assert legend.locator(".cm-choropleth-title").inner_text() == "Events per province"
    assert "3" in legend.inner_text() and "1" in legend.inner_text()
    x, y = page.evaluate(SCREEN_POINT_JS, [name, 32.72, 36.6])
    page.mouse.move(x, y)
    page.mouse.move(x + 3, y + 3)
    tooltip = page.locator(".leaflet-tooltip .cm-choropleth-tip")
    tooltip.wait_for(state="visible")
    assert tooltip.inner_text() == "As-Suwayda: 3 events"
    x, y = page.evaluate(SCREEN_POINT_JS, [name, 32.62, 36.1])
    page.mouse.move(x, y)
    page.mouse.move(x + 3, y + 3)
    page.wait_for_function(
        "() => document.querySelector('.cm-choropleth-tip').textContent === 'Daraa: 1 event'"
    )
    checkbox.uncheck()
    assert page.locator(".cm-choropleth-legend").count() == 0
    assert shown.console_errors == []


def test_search_finds_places_and_moves_the_map(offline_map) -> None:
    shown, name = offline_map
    page = shown.page
    box = page.locator(".cm-search-input")
    box.fill("suway")
    items = page.locator(".cm-search-list .cm-search-item")
    items.first.wait_for(state="visible")
    assert items.count() == 1 and items.first.inner_text().startswith("As-Suwayda")
    assert box.get_attribute("aria-expanded") == "true"
    box.press("Enter")
    page.wait_for_function(
        "(n) => { const c = window[n].getCenter(); return Math.abs(c.lat - 32.75) < 0.05 "
        "&& Math.abs(c.lng - 36.75) < 0.05; }",
        arg=name,
    )
    bounds = page.evaluate("(n) => window[n].getBounds().toBBoxString()", name)
    west, south, east, north = map(float, bounds.split(","))
    assert west <= 36.3 and south <= 32.3 and east >= 37.2 and north >= 33.2
    assert items.count() == 0  # list closed

    box.fill("")
    box.type("PARÍS")  # case and accents do not matter
    items.first.wait_for(state="visible")
    box.press("Enter")
    page.wait_for_function(
        "(n) => { const c = window[n].getCenter(); return Math.abs(c.lat - 48.857) < 0.01 "
        "&& Math.abs(c.lng - 2.352) < 0.01 && window[n].getZoom() >= 10; }",
        arg=name,
    )
    assert shown.console_errors == []


def test_search_suggestions_are_text_and_keyboard_navigable(offline_map) -> None:
    shown, _ = offline_map
    page = shown.page
    box = page.locator(".cm-search-input")
    box.fill("s")  # names starting with it, then names with a word starting with it, then the rest
    items = page.locator(".cm-search-list .cm-search-item")
    items.first.wait_for(state="visible")
    texts = items.all_inner_texts()
    assert len(texts) == 3
    assert texts[0] == EVIL and texts[1].startswith("As-Suwayda") and texts[2].startswith("Paris")
    assert page.locator(".cm-search-list img").count() == 0  # the name was never parsed as HTML
    assert page.locator(".cm-search-item.cm-active").count() == 1
    box.press("ArrowDown")
    active = page.locator(".cm-search-item.cm-active")
    assert active.get_attribute("aria-selected") == "true"
    assert box.get_attribute("aria-activedescendant") == active.get_attribute("id")
    assert active.inner_text() == texts[1]
    box.press("Escape")
    assert items.count() == 0 and box.input_value() == ""
    assert shown.console_errors == []


def test_tile_basemap_minimap_shows_tiles(tmp_path: Path, open_map: Callable[..., MapPage]) -> None:
    path, _ = _save(tmp_path, "OpenStreetMap", choropleth=False)
    shown = open_map(path, tiles="blank")
    page = shown.page
    page.locator(".leaflet-control-minimap img.leaflet-tile").first.wait_for(state="attached")
    page.locator(".leaflet-control-zoom-fullscreen").wait_for(state="visible")
    assert "OpenStreetMap" in page.locator(".leaflet-control-attribution").inner_text()
    assert shown.routes.tiles > 0
    assert shown.missed == []
    assert shown.console_errors == []


PLUGIN_URLS = [
    url
    for cls in (folium.plugins.Fullscreen, folium.plugins.MiniMap)
    for _, url in [*cls.default_js, *cls.default_css]
]


@pytest.mark.parametrize("url", PLUGIN_URLS)
def test_control_assets_resolve_to_the_pinned_packages(url: str, node_modules: Path) -> None:
    asset = offline.resolve(url, node_modules)
    assert asset is not None, f"no local asset for {url}"
    assert asset.content_type.endswith(("javascript", "css")) and asset.body
    package = "leaflet.fullscreen" if "fullscreen" in url else "leaflet-minimap"
    version = re.search(r"[@/](\d+\.\d+\.\d+)/", url)[1]
    assert json.loads((node_modules / package / "package.json").read_text())["version"] == version


def test_jsdelivr_min_falls_back_to_the_unminified_file(node_modules: Path) -> None:
    url = "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js"
    asset = offline.resolve(url, node_modules)
    assert asset is not None and asset.source.endswith("leaflet.fullscreen/Control.FullScreen.js")
    assert (
        offline.resolve("https://unpkg.com/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js", node_modules)
        is None
    )
