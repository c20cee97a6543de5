"""The maps `conflictmap map` writes work with every network request refused.

Nothing is served from local packages here: the page must carry every script, stylesheet, icon
and image itself. The only requests allowed are basemap tiles (refused too), and none at all with
``--tiles offline``. Screenshots of both maps go to tests/artifacts for people to look at.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from offline import MapPage, install_routes, is_tile, show_every_place, watch_errors
from playwright.sync_api import Browser, Page, expect

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "events" / "seed-article.geojson"
CLI = Path(sys.executable).parent / "conflictmap"
ARTIFACTS = ROOT / "tests" / "artifacts"
READY = "() => document.documentElement.hasAttribute('data-cm-ready')"
MARKERS = ".leaflet-marker-pane .cm-marker"
POPUP = ".leaflet-popup-pane .leaflet-popup-content"


def draw(out: Path, *args: str) -> Path:
    """Run `conflictmap map` on the seed events as a user would (the checkout's code)."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    done = subprocess.run(
        [str(CLI), "map", str(SEED), "-o", str(out), "-q", *args],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "PYTHONPATH": path},
    )  # fmt: skip
    assert done.returncode == 0 and out.is_file(), done.stderr
    return out


def check_map_works(page: Page) -> None:
    """Markers with their icons, layers, legend, time control, popups and search all work."""
    page.wait_for_function(READY, timeout=20_000)
    show_every_place(page)  # the opening view clusters southern Syria's places
    markers = page.locator(MARKERS)
    expect(markers).to_have_count(10)
    # each marker shows its category icon, drawn from the page's own SVG symbols
    icons = page.evaluate(
        """() => [...document.querySelectorAll('.cm-marker use')].map((u) => {
            const id = u.getAttribute('href').slice(1), box = u.getBoundingClientRect();
            const symbol = document.getElementById(id);
            return symbol && symbol.querySelector('path') ? box.width * box.height : 0;
        })"""
    )
    assert len(icons) == 10 and all(area > 100 for area in icons), icons
    legend = page.locator(".cm-legend")
    expect(legend).to_be_visible()
    assert legend.locator("svg.cm-icon").count() >= 6
    assert (
        page.locator(".cm-legend .cm-swatch svg use").first.evaluate("(u) => u.getBoundingClientRect().width")
        > 5
    )
    # the layer control hides a layer's markers
    toggle = page.locator(".leaflet-control-layers-overlays label", has_text="Incursions").locator("input")
    toggle.uncheck()
    expect(markers).to_have_count(8)
    toggle.check()
    expect(markers).to_have_count(10)
    # the time control filters by date
    first = page.evaluate("() => window.conflictmap.stores[0].first")
    page.eval_on_selector(
        ".cm-time-slider",
        "(s, v) => { s.value = String(v); s.dispatchEvent(new Event('input')); }",
        first,
    )
    expect(page.locator(".cm-time-count")).not_to_have_text("10 of 10 events shown")
    page.eval_on_selector(
        ".cm-time-slider", "(s) => { s.value = s.max; s.dispatchEvent(new Event('input')); }"
    )
    expect(page.locator(".cm-time-count")).to_have_text("10 of 10 events shown")
    # a popup opens on a marker
    markers.nth(0).dispatch_event("click")  # zoomed in: the marker may lie outside the view
    expect(page.locator(f"{POPUP} .cm-popup").first).to_be_visible()
    page.locator(".leaflet-popup-close-button").click()
    # place search lists places and moves the map
    box = page.locator(".cm-search-input")
    box.fill("Suwayda")
    item = page.locator(".cm-search-list .cm-search-item").first
    expect(item).to_be_visible()
    before = page.evaluate("() => window.conflictmap.stores[0].map.getCenter().lat")
    item.click()
    page.wait_for_function(
        f"() => Math.abs(window.conflictmap.stores[0].map.getCenter().lat - {before}) > 0.01"
    )
    # the fullscreen button shows its vendored icon (a data: URI in the inlined stylesheet)
    background = page.locator(".leaflet-control-zoom-fullscreen").evaluate(
        "(a) => getComputedStyle(a).backgroundImage"
    )
    assert background.startswith('url("data:image/svg+xml'), background


def test_seed_map_needs_no_network_but_tiles(open_map: Callable[..., MapPage], tmp_path: Path) -> None:
    html = draw(tmp_path / "seed.html", "--title", "Seed article")
    shown = open_map(html)
    check_map_works(shown.page)
    page = shown.page
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert "OpenStreetMap" in attribution and "Made with Natural Earth" in attribution
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "seed-no-network.png"))
    assert shown.routes.tiles > 0
    assert [url for url in shown.routes.requested if not is_tile(url)] == []
    assert shown.console_errors == []


def test_offline_tiles_map_makes_no_request_at_all(open_map: Callable[..., MapPage], tmp_path: Path) -> None:
    html = draw(tmp_path / "south.html", "--tiles", "offline", "--title", "Offline basemap")
    shown = open_map(html)
    check_map_works(shown.page)
    page = shown.page
    expect(page.locator(".cm-country-label", has_text="Syria")).to_be_visible()
    expect(page.locator(".leaflet-control-minimap")).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "seed-offline-no-network.png"))
    assert shown.routes.requested == []
    assert shown.console_errors == []


def test_cdn_page_needs_the_network(chromium: Browser, tmp_path: Path) -> None:
    """The contrast: `--assets cdn` loads the pinned libraries from jsDelivr, refused here."""
    html = draw(tmp_path / "cdn.html", "--assets", "cdn", "--tiles", "offline")
    context = chromium.new_context()
    try:
        routes = install_routes(context, serve_cdn=False)
        page = context.new_page()
        errors = watch_errors(page)
        page.goto(html.resolve().as_uri(), wait_until="load")
        assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js" in routes.requested
        assert all(url.startswith("https://cdn.jsdelivr.net/npm/") for url in routes.requested)
        assert any("L is not defined" in error for error in errors), errors
    finally:
        context.close()
