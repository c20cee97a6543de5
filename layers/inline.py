"""Inline the browser code shipped in the ``layers`` package into a folium page, once per page.

The map tools (offline basemap, choropleth, place search) keep their JavaScript and CSS in
package files beside this module, like ``events.js``; an element asks for them when it renders
and the page gets each file once, whatever the number of elements using it. Nothing is loaded
from a CDN, so the pieces work offline.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from branca.element import Figure, MacroElement

from layers.literal import RawHtml

__all__ = ["add_inline_assets"]


@cache
def _asset(name: str) -> str:
    return resources.files("layers").joinpath(name).read_text(encoding="utf-8")


def add_inline_assets(element: MacroElement, *names: str) -> None:
    """Put the named package files (``.js`` or ``.css``) into the page header of `element`.

    Parameters
    ----------
    element
        A rendered element; it must be attached to a folium Map.
    *names
        File names in the ``layers`` package, such as ``"basemap.js"``.

    Raises
    ------
    TypeError
        When `element` is not part of a folium map, or a name is neither ``.js`` nor ``.css``.
    """
    figure = element.get_root()
    if not isinstance(figure, Figure):
        msg = f"{type(element).__name__} must be added to a folium Map before it is rendered"
        raise TypeError(msg)
    for name in names:
        text = _asset(name)
        if name.endswith(".js"):
            # A script file cannot contain "</script" (it would end the element); ours do not.
            markup = f"<script>{text}</script>"
        elif name.endswith(".css"):
            markup = f"<style>{text}</style>"
        else:
            msg = f"inline asset {name!r} must be a .js or .css file"
            raise TypeError(msg)
        figure.header.add_child(RawHtml(markup), name=f"conflictmap_{name.replace('.', '_')}")
