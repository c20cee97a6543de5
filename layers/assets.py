"""The pinned browser libraries of a map page: written into the page, or linked from a CDN.

Leaflet and the two Leaflet plugins the maps use (fullscreen, minimap) are vendored under
``layers/vendor/`` by ``scripts/vendor_assets.py``, which records each file's origin, SRI hash
and CDN URL in ``layers/vendor/manifest.json``. A page is built in one of two modes, chosen on
the :class:`layers.literal.Map` (``assets=``):

- ``"inline"`` (default): every script and stylesheet is written into the page, and the images
  a stylesheet points at become ``data:`` URIs, so the file opens with no network at all
  (basemap tiles aside);
- ``"cdn"``: the same files are linked from jsDelivr at the pinned version, with their
  ``integrity`` hashes, for a smaller page that needs the network.

folium's own ``default_js``/``default_css`` (jQuery, Bootstrap, Font Awesome, awesome-markers,
glyphicons, and Leaflet from three CDNs) are replaced by this: the maps draw their icons as
inline SVG symbols (:mod:`layers.icons`) and use nothing else of them.
"""

from __future__ import annotations

import base64
import html
import json
import mimetypes
import re
from functools import cache
from importlib import resources
from typing import Any, Literal

from branca.element import Element, Figure

from layers.literal import RawHtml

__all__ = [
    "ASSET_MODES",
    "FULLSCREEN",
    "LEAFLET",
    "MINIMAP",
    "AssetMode",
    "add_vendored",
    "check_mode",
    "manifest",
    "page_mode",
    "vendored_bytes",
]

AssetMode = Literal["inline", "cdn"]
ASSET_MODES: tuple[AssetMode, ...] = ("inline", "cdn")
LEAFLET = ("leaflet/leaflet.css", "leaflet/leaflet.js")
FULLSCREEN = ("leaflet.fullscreen/Control.FullScreen.css", "leaflet.fullscreen/Control.FullScreen.js")
MINIMAP = ("leaflet-minimap/Control.MiniMap.min.css", "leaflet-minimap/Control.MiniMap.min.js")

# url(...) in a stylesheet, quoted or not; fragments (#default#VML) and data: URIs are left alone.
_CSS_URL = re.compile(r"""url\(\s*(["']?)(?P<ref>[^"')#][^"')]*)\1\s*\)""")


@cache
def manifest() -> dict[str, Any]:
    """Return ``layers/vendor/manifest.json``: per package its version, licence and files."""
    text = resources.files("layers").joinpath("vendor/manifest.json").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def _files() -> dict[str, dict[str, Any]]:
    return {path: record for pkg in manifest()["packages"].values() for path, record in pkg["files"].items()}


@cache
def vendored_bytes(path: str) -> bytes:
    """Return the content of a vendored file, by its path under ``layers/vendor/``.

    Raises
    ------
    KeyError
        When the manifest does not list `path`.
    """
    if path not in _files():
        msg = f"{path!r} is not a vendored file (layers/vendor/manifest.json)"
        raise KeyError(msg)
    return resources.files("layers").joinpath(f"vendor/{path}").read_bytes()


def check_mode(mode: str) -> AssetMode:
    """Return `mode` when it is ``"inline"`` or ``"cdn"``.

    Raises
    ------
    ValueError
        For any other value.
    """
    if mode not in ASSET_MODES:
        msg = f"assets must be 'inline' or 'cdn', not {mode!r}"
        raise ValueError(msg)
    return mode  # type: ignore[return-value]


def page_mode(element: Element) -> AssetMode:
    """Return the asset mode of the map `element` belongs to (``"inline"`` when none says)."""
    node: Element | None = element
    while node is not None:
        mode = getattr(node, "assets", None)
        if mode in ASSET_MODES:
            return mode
        node = getattr(node, "_parent", None)
    return "inline"


def add_vendored(element: Element, *paths: str) -> None:
    """Put vendored scripts and stylesheets into the header of `element`'s page, once each.

    Parameters
    ----------
    element
        An element attached to a folium Map; the map's ``assets`` mode decides inline or CDN.
    *paths
        Paths under ``layers/vendor/`` of ``.js`` and ``.css`` files, in the order they load.
    """
    figure = element.get_root()
    if not isinstance(figure, Figure):
        msg = f"{type(element).__name__} must be added to a folium Map before it is rendered"
        raise TypeError(msg)
    mode = page_mode(element)
    for path in paths:
        markup = _markup(path, mode)
        figure.header.add_child(RawHtml(markup), name=f"vendor_{path}")


@cache
def _markup(path: str, mode: AssetMode) -> str:
    record = _files().get(path)
    if record is None or not path.endswith((".js", ".css")):
        msg = f"{path!r} is not a vendored script or stylesheet"
        raise KeyError(msg)
    if mode == "cdn":
        url, sri = html.escape(record["cdn"]), html.escape(record["sha384"])
        if path.endswith(".js"):
            return f'<script src="{url}" integrity="{sri}" crossorigin="anonymous"></script>'
        return f'<link rel="stylesheet" href="{url}" integrity="{sri}" crossorigin="anonymous"/>'
    text = vendored_bytes(path).decode("utf-8")
    if path.endswith(".js"):
        # "</script" or "<!--" would end or confuse the element; the pinned files have neither,
        # and a new version that does fails here rather than in a browser.
        if "</script" in text.lower() or "<!--" in text:
            msg = f"{path} cannot be written inside a <script> element"
            raise ValueError(msg)
        return f"<script>/* {path} */\n{text}</script>"
    return f"<style>/* {path} */\n{_inline_urls(text, path)}</style>"


def _inline_urls(css: str, path: str) -> str:
    """Replace the relative ``url(...)`` references of a vendored stylesheet by ``data:`` URIs."""
    base = path.rsplit("/", 1)[0]

    def data_uri(match: re.Match[str]) -> str:
        ref = match["ref"].strip()
        if ref.startswith("data:"):
            return match[0]
        target = f"{base}/{ref}"
        kind = mimetypes.guess_type(target)[0] or "application/octet-stream"
        encoded = base64.b64encode(vendored_bytes(target)).decode("ascii")
        return f'url("data:{kind};base64,{encoded}")'

    text = _CSS_URL.sub(data_uri, css)
    if "</style" in text.lower():
        msg = f"{path} cannot be written inside a <style> element"
        raise ValueError(msg)
    return text
