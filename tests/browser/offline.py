"""Offline rendering of folium maps in headless Chromium.

CDN requests of folium pages are served from a pinned ``node_modules`` (``npm ci --prefix
tests/browser/assets``), tiles are intercepted and all other requests refused and recorded.
"""

from __future__ import annotations

import argparse
import inspect
import json
import mimetypes
import os
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import folium
import folium.plugins
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

if TYPE_CHECKING:
    from collections.abc import Sequence

    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, Route

TileMode = Literal["abort", "blank"]

DEFAULT_NODE_MODULES = Path(__file__).resolve().parent / "assets" / "node_modules"
DEFAULT_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)  # fmt: skip
GENERATED = "<generated>"

_NPM_CDN = re.compile(
    r"https://(?:cdn\.jsdelivr\.net/npm|unpkg\.com)/(?P<pkg>(?:@[^/@]+/)?[^/@]+)(?:@[^/]+)?/(?P<path>.+)"
)
_CDNJS = re.compile(r"https://cdnjs\.cloudflare\.com/ajax/libs/(?P<lib>[^/]+)/[^/]+/(?P<path>.+)")
_CDNJS_DIRS = {  # cdnjs library -> node_modules directory with the same file layout
    "Leaflet.awesome-markers": "leaflet.awesome-markers/dist",
    "leaflet.markercluster": "leaflet.markercluster/dist",
    "jquery": "jquery/dist",
    "leaflet-minimap": "leaflet-minimap/src",  # cdnjs has src/ and dist/ side by side
}
_JSDELIVR_MIN = re.compile(r"https://cdn\.jsdelivr\.net/npm/.+(?P<min>\.min)\.(?:js|css)")
_JQUERY = re.compile(r"https://code\.jquery\.com/jquery-[\d.]+(?P<min>\.min)?\.js")
_JQUERY_UI = re.compile(r"https://code\.jquery\.com/ui/[\d.]+/(?P<file>jquery-ui(?:\.min)?\.(?:js|css))")
_FOLIUM_GH = re.compile(
    r"https://cdn\.jsdelivr\.net/gh/python-visualization/folium(?:@[^/]+)?/folium/templates/"
    r"(?P<file>[^/]+)"
)
_TILE = re.compile(
    r"/\d+/\d+/\d+(?:@2x)?(?:\.(?:png|jpe?g|webp|pbf))?$"
    r"|tile\.openstreetmap\.org|basemaps\.cartocdn\.com|server\.arcgisonline\.com|opentopomap\.org"
)
_HEADERS = {"Access-Control-Allow-Origin": "*"}  # file:// pages have the origin "null"
_BLANK_PNG = bytes.fromhex(  # 1x1 transparent
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000b49444154789c6360000200000500017a5eab3f0000000049454e44ae426082"
)
_ROTATE_CSS = "".join(  # folium's awesome-marker rotation classes (absent from its wheel)
    f".fa-rotate-{deg}{{-webkit-transform:rotate({deg}deg);transform:rotate({deg}deg)}}" for deg in range(360)
).encode()


@dataclass(frozen=True)
class Asset:
    """A response served in place of a CDN resource; `source` is a path or ``GENERATED``."""

    body: bytes
    content_type: str
    source: str


@dataclass
class RouteLog:
    """Requests of one browser context: served assets, intercepted tiles, refused URLs."""

    served: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    tiles: int = 0
    requested: list[str] = field(default_factory=list)  # every URL that would reach the network


@dataclass
class MapPage:
    """A map opened offline, with its routing log and collected errors."""

    page: Page
    routes: RouteLog
    console_errors: list[str]

    @property
    def missed(self) -> list[str]:
        """Non-tile URLs the page requested that could not be served locally."""
        return self.routes.missed


def node_modules_dir() -> Path:
    """Return ``$CONFLICTMAP_NODE_MODULES`` or ``tests/browser/assets/node_modules``."""
    return Path(os.environ.get("CONFLICTMAP_NODE_MODULES") or DEFAULT_NODE_MODULES)


def chromium_path() -> Path:
    """Return ``$CHROMIUM_PATH`` or ``/usr/bin/chromium``."""
    return Path(os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM)


def is_tile(url: str) -> bool:
    """Tell whether `url` looks like a map tile request."""
    return bool(_TILE.search(url.split("?", 1)[0]))


def local_path(url: str, node_modules: Path) -> Path | None:
    """Map a CDN `url` without query or fragment to a local path (existence not checked)."""
    if match := _FOLIUM_GH.fullmatch(url):
        return Path(folium.__file__).parent / "templates" / match["file"]
    if match := _NPM_CDN.fullmatch(url):
        return node_modules / match["pkg"] / match["path"]
    if (match := _CDNJS.fullmatch(url)) and match["lib"] in _CDNJS_DIRS:
        return node_modules / _CDNJS_DIRS[match["lib"]] / match["path"]
    if match := _JQUERY_UI.fullmatch(url):  # GeoDataFrame.explore() pages (bench/map_scale.py)
        return node_modules / "jquery-ui-dist" / match["file"]
    if match := _JQUERY.fullmatch(url):
        return node_modules / "jquery" / "dist" / f"jquery{match['min'] or ''}.js"
    return None


def resolve(url: str, node_modules: Path | None = None) -> Asset | None:
    """Find the local stand-in for a CDN URL.

    Parameters
    ----------
    url : str
        Requested URL; query and fragment are ignored.
    node_modules : Path, optional
        Asset tree; defaults to :func:`node_modules_dir`.

    Returns
    -------
    Asset or None
        What to serve, or None when the URL has no local counterpart.
    """
    bare = urlsplit(url)._replace(query="", fragment="").geturl()
    return _resolve(bare, node_modules or node_modules_dir())


@lru_cache(maxsize=512)
def _resolve(url: str, node_modules: Path) -> Asset | None:
    if "bootstrapcdn.com/" in url and url.endswith("/bootstrap-glyphicons.css"):  # not on npm
        return Asset(b"/* glyphicons intentionally empty */", "text/css", GENERATED)
    if url.endswith("/leaflet.awesome.rotate.min.css") and _FOLIUM_GH.fullmatch(url):
        return Asset(_ROTATE_CSS, "text/css", GENERATED)
    path = local_path(url, node_modules)
    if path is not None and not path.is_file() and (match := _JSDELIVR_MIN.fullmatch(url)):
        # jsDelivr minifies on the fly files a package ships only unminified (X.min.js of X.js)
        path = path.with_name("".join(path.name.rsplit(match["min"], 1)))
    if path is None or not path.is_file():
        return None
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Asset(path.read_bytes(), content_type, str(path))


def install_routes(
    context: BrowserContext,
    *,
    tiles: TileMode = "abort",
    node_modules: Path | None = None,
    serve_cdn: bool = True,
) -> RouteLog:
    """Route every request of a browser context offline.

    Parameters
    ----------
    context : playwright.sync_api.BrowserContext
        Context to intercept; call before opening pages.
    tiles : {"abort", "blank"}
        Abort tile requests, or answer them with a transparent 1x1 PNG.
    node_modules : Path, optional
        Asset tree; defaults to :func:`node_modules_dir`.
    serve_cdn : bool
        Answer CDN URLs from `node_modules` (plain folium pages); when False every request but
        for local files is refused, as on a machine with no network (conflictmap's own pages).

    Returns
    -------
    RouteLog
        Live log of served assets, intercepted tiles and refused (missed) URLs.
    """
    log, root = RouteLog(), node_modules or node_modules_dir()

    def handle(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in {"file", "data", "blob", "about"}:
            route.continue_()
            return
        log.requested.append(url)
        if serve_cdn and (asset := resolve(url, root)):
            log.served.append(url)
            route.fulfill(body=asset.body, content_type=asset.content_type, headers=_HEADERS)
        elif is_tile(url):
            log.tiles += 1
            if tiles == "blank":
                route.fulfill(body=_BLANK_PNG, content_type="image/png", headers=_HEADERS)
            else:
                route.abort("blockedbyclient")
        else:
            log.missed.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", handle)
    return log


def launch_chromium(playwright: Playwright, *, executable: Path | None = None) -> Browser:
    """Launch headless system Chromium (``$CHROMIUM_PATH``); no ``playwright install``."""
    path = executable or chromium_path()
    return playwright.chromium.launch(executable_path=path, args=list(CHROMIUM_ARGS), headless=True)


def watch_errors(page: Page) -> list[str]:
    """Return a live list of the page's console errors (except tile failures) and exceptions."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        source = message.location.get("url", "")
        if message.type == "error" and not is_tile(source):
            errors.append(f"console.error: {message.text} [{source}]")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    return errors


def show_every_place(page: Page, *, center: tuple[float, float] | None = None) -> None:
    """Zoom an event map in until no place is clustered (``layers/cluster.js``), at once.

    With Leaflet markers every place is in the page then, in view or not: tests that count one
    marker per event call this first. ``center`` is ``(lat, lon)``; the map's centre by default.
    """
    page.evaluate(
        """(center) => {
            const map = window.conflictmap.stores[0].map;
            map.setView(center || map.getCenter(), window.conflictmapClusters.MAX_ZOOM + 1, {animate: false});
        }""",
        list(center) if center else None,
    )
    # on a canvas, a place with several events stays one symbol (a pile), not a cluster
    clusters = ".leaflet-marker-pane .cm-cluster:not(.cm-cluster-pile)"
    page.wait_for_function("(s) => document.querySelectorAll(s).length === 0", arg=clusters)


def folium_asset_urls(*, plugins: bool = False) -> dict[str, str]:
    """Return ``{url: owner class}`` for folium.Map's default JS/CSS, optionally plugins' too."""
    owners: list[tuple[str, type]] = [("Map", folium.Map)]
    if plugins:
        owners += inspect.getmembers(folium.plugins, inspect.isclass)
    urls: dict[str, str] = {}
    for name, cls in owners:
        for attr in ("default_js", "default_css"):
            for _, url in getattr(cls, attr, None) or []:
                urls.setdefault(url, name)
    return urls


def _check(plugins: bool) -> int:
    urls = folium_asset_urls(plugins=plugins)
    found = {url: resolve(url) for url in urls}
    for url, asset in found.items():
        print(f"{'OK' if asset else 'MISSING'} [{urls[url]}] {url} -> {asset and asset.source}")
    missing = sum(asset is None for asset in found.values())
    print(f"{len(urls) - missing}/{len(urls)} resolve locally (folium {folium.__version__})")
    return int(missing > 0)


def _screenshot(args: argparse.Namespace) -> int:
    report: dict[str, object] = {"screenshot": str(args.png)}
    log, errors, timeout_ms = RouteLog(), [], args.timeout * 1000
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(viewport={"width": args.width, "height": args.height})
            log = install_routes(context, tiles="blank")
            page = context.new_page()
            errors = watch_errors(page)
            page.goto(args.html.resolve().as_uri(), wait_until="load", timeout=timeout_ms)
            page.wait_for_selector(args.wait_selector, state="visible", timeout=timeout_ms)
            page.screenshot(path=args.png, animations="disabled")
        except PlaywrightError as exc:
            report["error"] = str(exc).splitlines()[0]
        finally:
            browser.close()
    report.update(console_errors=errors, missed=log.missed, served=len(log.served), tiles=log.tiles)
    print(json.dumps(report, indent=2))
    return 2 if "error" in report else int(bool(errors or log.missed))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line interface (``screenshot`` or ``check``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    shot = commands.add_parser("screenshot", help="render a map offline (blank tiles) to PNG")
    shot.add_argument("html", type=Path)
    shot.add_argument("png", type=Path)
    shot.add_argument("--width", type=int, default=1400)
    shot.add_argument("--height", type=int, default=900)
    shot.add_argument("--wait-selector", default=".leaflet-container")
    shot.add_argument("--timeout", type=float, default=30.0, help="seconds per wait")
    check = commands.add_parser("check", help="list which folium asset URLs resolve locally")
    check.add_argument("--plugins", action="store_true", help="include folium.plugins assets")
    args = parser.parse_args(argv)
    return _check(args.plugins) if args.command == "check" else _screenshot(args)


if __name__ == "__main__":
    sys.exit(main())
