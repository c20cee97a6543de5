"""The offline asset routing serves everything a default folium map needs.

Only plain folium pages need it (and bench/map_scale.py's ``GeoDataFrame.explore()`` baseline):
conflictmap's maps are self-contained (tests/browser/test_no_network.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import folium
import offline
import pytest
from folium.plugins import MarkerCluster
from offline import MapPage

POPUP_TEXT = "Conflict event: Khartoum"
TILE_SETTLED_JS = """() => {
    const tiles = [...document.querySelectorAll('.leaflet-tile-pane img.leaflet-tile')];
    return tiles.length > 0 && tiles.every((img) => img.complete);
}"""


@pytest.fixture
def marker_map(tmp_path: Path) -> Path:
    """A small folium map with one glyphicon marker and a popup, saved as HTML."""
    fmap = folium.Map(location=[15.5, 32.5], zoom_start=6)
    folium.Marker([15.5, 32.5], popup=folium.Popup(POPUP_TEXT), icon=folium.Icon(icon="info-sign")).add_to(
        fmap
    )
    html = tmp_path / "map.html"
    fmap.save(html)
    return html


def test_marker_and_popup_render_offline(open_map: Callable[..., MapPage], marker_map: Path) -> None:
    """A marker map renders, its popup opens, and only tiles hit the network."""
    shown = open_map(marker_map, cdn=True)
    page = shown.page

    icon = page.locator(".leaflet-marker-pane .awesome-marker")
    icon.wait_for(state="visible")
    assert icon.count() == 1
    assert icon.locator("i.glyphicon-info-sign").count() == 1

    icon.click()
    popup = page.locator(".leaflet-popup-pane .leaflet-popup-content")
    popup.wait_for(state="visible")
    assert popup.inner_text().strip() == POPUP_TEXT

    page.wait_for_function(TILE_SETTLED_JS)  # a failed <img> is complete once it was routed
    assert shown.routes.tiles > 0
    assert shown.missed == []
    assert shown.console_errors == []


CLUSTER_URLS = [url for _, url in [*MarkerCluster.default_js, *MarkerCluster.default_css]]


@pytest.mark.parametrize("url", [*offline.folium_asset_urls(), *CLUSTER_URLS])
def test_folium_default_asset_resolves_locally(url: str, node_modules: Path) -> None:
    """Every folium.Map (and MarkerCluster) asset URL maps to a local file or generated body."""
    asset = offline.resolve(url, node_modules)
    assert asset is not None, f"no local asset for {url}"
    assert asset.body
    assert asset.content_type.endswith(("javascript", "css"))
    if asset.source != offline.GENERATED:
        assert Path(asset.source).is_file()
    pinned = re.search(r"/npm/((?:@[^/@]+/)?[^/@]+)@([^/]+)/", url)
    if pinned:  # jsdelivr URLs name an exact version: the installed one must match
        package_json = node_modules / pinned[1] / "package.json"
        assert json.loads(package_json.read_text())["version"] == pinned[2]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://tile.openstreetmap.org/6/37/29.png", True),
        ("https://a.basemaps.cartocdn.com/light_all/3/4/2@2x.png", True),
        ("https://server.arcgisonline.com/ArcGIS/rest/services/X/MapServer/tile/3/2/4", True),
        ("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js", False),
    ],
)
def test_is_tile(url: str, expected: bool) -> None:
    """Tile URLs are recognised; CDN assets are not."""
    assert offline.is_tile(url) is expected


def test_unknown_url_does_not_resolve(node_modules: Path) -> None:
    """URLs outside the known CDNs have no local asset, so they would be recorded as missed."""
    assert offline.resolve("https://example.com/app.js", node_modules) is None
    absent = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/absent.js"
    assert offline.resolve(absent, node_modules) is None
