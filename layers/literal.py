"""Page parts that are never compiled as Jinja templates, so no text from data runs as code.

branca compiles text as a Jinja template in two places: ``Element(text)``, and
``MacroElement.render``, which renders an element's ``header``/``html``/``script`` macros and
then puts each result in the page as ``Element(result)``, compiling it a second time. Any
title, place name, layer name or category label in that text, such as
``{{ lipsum.__globals__.os.popen(...) }}``, would then run on the machine that makes the map.

Here text reaches the page only as the *value* of a template variable:

- :class:`RawHtml` puts markup in the page as it is (``{{ this.raw }}``);
- :class:`LiteralMacroElement` renders its macros once and adds their output as
  :class:`RawHtml`; every element of ours derives from it;
- :class:`Map`, :class:`FeatureGroup`, :class:`LayerControl`, :class:`TileLayer`,
  :class:`FitBounds`, :class:`Fullscreen` and :class:`MiniMap` are folium's classes with that
  render, for the folium elements the map uses (``LayerControl`` writes the layer names, which
  come from user category files). The one folium element left is the ``ElementAddToElement``
  that folium's ``Layer.render`` adds by itself; it writes two element ids and nothing else.

Jinja's autoescape is off in branca: markup given to :class:`RawHtml` or rendered by a macro
must already be escaped (``html.escape`` for HTML, :func:`layers.element.safe_json` for
scripts). Output is otherwise the same as branca's.
"""

from __future__ import annotations

from typing import Any, ClassVar

import folium
import folium.map
import folium.plugins
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

__all__ = [
    "FeatureGroup",
    "FitBounds",
    "Fullscreen",
    "LayerControl",
    "LiteralMacroElement",
    "Map",
    "MiniMap",
    "RawHtml",
    "TileLayer",
]

_MACROS = ("header", "html", "script")


class RawHtml(Element):
    """Markup put in the page as it is, never compiled as a template.

    Unlike ``branca.element.Element(text)``, ``{{ ... }}`` in the markup stays text; and
    megabytes of event data are not run through the Jinja compiler, which takes longer than
    everything else.

    Parameters
    ----------
    raw
        The markup, already escaped.
    """

    _template = Template("{{ this.raw }}")

    def __init__(self, raw: str) -> None:
        super().__init__()
        self.raw = raw


class LiteralMacroElement(MacroElement):
    """A ``MacroElement`` whose rendered macros go into the page as text, not as templates.

    Put it last among the bases of a folium class (``class X(folium.FeatureGroup,
    LiteralMacroElement)``): folium's own ``render`` steps (includes, add-to-parent, JS/CSS
    links) still run, and end in this ``render`` instead of branca's.
    """

    def render(self, **kwargs: Any) -> None:  # noqa: D102 - branca's render protocol
        figure = self.get_root()
        if not isinstance(figure, Figure):
            msg = f"{type(self).__name__} must be added to a folium Map before it is rendered"
            raise TypeError(msg)
        module = self._template.module.__dict__
        targets = {"header": figure.header, "html": figure.html, "script": figure.script}
        for part in _MACROS:
            macro = module.get(part)
            if macro is not None:
                targets[part].add_child(RawHtml(str(macro(self, kwargs))), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class Map(folium.Map, LiteralMacroElement):
    """``folium.Map`` rendered by :class:`LiteralMacroElement`, with only the assets it uses.

    folium's default scripts and stylesheets (Leaflet, jQuery, Bootstrap, Font Awesome,
    awesome-markers, glyphicons, all from CDNs) are replaced by the pinned Leaflet of
    :mod:`layers.assets`, written into the page or linked from a CDN.

    Parameters
    ----------
    *args, **kwargs
        As for ``folium.Map``.
    assets
        ``"inline"`` (default: a self-contained page) or ``"cdn"``; elements of this map that
        need a library (fullscreen, minimap) follow it.
    """

    default_js: ClassVar[list[tuple[str, str]]] = []
    default_css: ClassVar[list[tuple[str, str]]] = []

    def __init__(self, *args: Any, assets: str = "inline", **kwargs: Any) -> None:
        from layers.assets import check_mode  # layers.assets builds on this module

        self.assets = check_mode(assets)
        super().__init__(*args, **kwargs)

    def render(self, **kwargs: Any) -> None:  # noqa: D102 - branca's render protocol
        from layers.assets import LEAFLET, add_vendored

        add_vendored(self, *LEAFLET)  # first in the page header: everything else builds on it
        super().render(**kwargs)


class FeatureGroup(folium.FeatureGroup, LiteralMacroElement):
    """``folium.FeatureGroup`` rendered by :class:`LiteralMacroElement`."""


class FitBounds(folium.map.FitBounds, LiteralMacroElement):
    """``folium.map.FitBounds`` rendered by :class:`LiteralMacroElement`."""


class LayerControl(folium.LayerControl, LiteralMacroElement):
    """``folium.LayerControl`` rendered by :class:`LiteralMacroElement`.

    Leaflet inserts layer names as HTML: give them escaped.
    """


class TileLayer(folium.TileLayer, LiteralMacroElement):
    """``folium.TileLayer`` rendered by :class:`LiteralMacroElement`."""


class Fullscreen(folium.plugins.Fullscreen, LiteralMacroElement):
    """``folium.plugins.Fullscreen`` rendered by :class:`LiteralMacroElement`, plugin vendored."""

    default_js: ClassVar[list[tuple[str, str]]] = []
    default_css: ClassVar[list[tuple[str, str]]] = []

    def render(self, **kwargs: Any) -> None:  # noqa: D102 - branca's render protocol
        from layers.assets import FULLSCREEN, add_vendored

        add_vendored(self, *FULLSCREEN)
        super().render(**kwargs)


class MiniMap(folium.plugins.MiniMap, LiteralMacroElement):
    """``folium.plugins.MiniMap`` rendered by :class:`LiteralMacroElement`, plugin vendored."""

    default_js: ClassVar[list[tuple[str, str]]] = []
    default_css: ClassVar[list[tuple[str, str]]] = []

    def render(self, **kwargs: Any) -> None:  # noqa: D102 - branca's render protocol
        from layers.assets import MINIMAP, add_vendored

        add_vendored(self, *MINIMAP)
        super().render(**kwargs)
