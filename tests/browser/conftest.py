"""Fixtures for hermetic browser tests of folium maps (headless system Chromium, no network)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # lets tests here `import offline` under --import-mode=importlib
    sys.path.insert(0, str(HERE))

import offline  # noqa: E402
from offline import MapPage  # noqa: E402

MAP_READY_SELECTORS = (
    ".leaflet-container",
    ".leaflet-container .leaflet-tile-pane",
    ".leaflet-container .leaflet-overlay-pane",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test collected below this directory as ``browser``."""
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str) -> None:
    """Skip, or fail when running in CI (``$CI`` set) where the browser suite must run."""
    if os.environ.get("CI"):
        pytest.fail(f"browser test prerequisites missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """Asset tree served instead of CDNs to plain folium pages; skips those tests when not installed.

    conflictmap's own maps are self-contained and need none of it (``open_map`` refuses every
    request unless asked with ``cdn=True``).
    """
    path = offline.node_modules_dir()
    if not (path / "leaflet" / "package.json").is_file():
        _unavailable(f"{path} not installed (npm ci --prefix tests/browser/assets)")
    return path


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Session-wide headless Chromium; skips when the executable is absent."""
    executable = offline.chromium_path()
    if not os.access(executable, os.X_OK):
        _unavailable(f"Chromium not found at {executable} (set CHROMIUM_PATH)")
    with sync_playwright() as playwright:
        browser = offline.launch_chromium(playwright, executable=executable)
        yield browser
        browser.close()


@pytest.fixture
def open_map(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[..., MapPage]]:
    """Open folium HTML files offline: ``open_map(html_path, tiles="abort", cdn=False) -> MapPage``.

    Every request but for local files is refused (tiles aborted, or answered with a blank image
    with ``tiles="blank"``); ``cdn=True`` serves CDN URLs from ``node_modules`` instead, for plain
    folium pages. ``MapPage.routes.requested`` lists the URLs the page tried to fetch.

    At teardown, fails unless every opened page had no console errors and no missed URLs;
    tests expecting errors opt out with ``@pytest.mark.allow_console_errors``.
    """
    contexts: list[BrowserContext] = []
    opened: list[MapPage] = []

    def _open(html_path: str | Path, *, tiles: offline.TileMode = "abort", cdn: bool = False) -> MapPage:
        context = chromium.new_context(viewport={"width": 1280, "height": 800})
        contexts.append(context)
        assets = request.getfixturevalue("node_modules") if cdn else None
        routes = offline.install_routes(context, tiles=tiles, node_modules=assets, serve_cdn=cdn)
        page = context.new_page()
        map_page = MapPage(page, routes, offline.watch_errors(page))
        try:
            page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
            for selector in MAP_READY_SELECTORS:
                page.wait_for_selector(selector, state="attached", timeout=15_000)
        except PlaywrightTimeoutError as exc:
            detail = f"console errors: {map_page.console_errors}; missed URLs: {map_page.missed}"
            raise AssertionError(f"map never became ready ({exc.message}); {detail}") from exc
        opened.append(map_page)
        return map_page

    yield _open
    for context in contexts:
        context.close()
    if request.node.get_closest_marker("allow_console_errors") is None:
        errors = [e for m in opened for e in m.console_errors]
        missed = [u for m in opened for u in m.missed]
        assert not errors and not missed, f"console errors: {errors}; missed URLs: {missed}"
