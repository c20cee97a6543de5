"""folium elements that draw event collections (the folium element pattern).

:class:`EventScript` puts the shared browser code (``events.js``, ``events.css``) in the page
once; :class:`EventGeoJson` embeds one layer's features as escaped JSON and draws them with it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from branca.element import Element, Figure, MacroElement
from jinja2 import Template

__all__ = ["EventGeoJson", "EventScript", "safe_json"]

_JS_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def safe_json(value: Any) -> str:
    """Serialise to JSON that can sit inside a ``<script>`` element.

    ``<``, ``>`` and ``&`` are written as unicode escapes, so a string such as ``</script>``
    in a report cannot end the script or open markup.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in _JS_UNSAFE.items():
        text = text.replace(char, escaped)
    return text


@cache
def _asset(name: str) -> str:
    return resources.files("layers").joinpath(name).read_text(encoding="utf-8")


class EventScript(MacroElement):
    """The popup, tooltip and marker code shared by all event layers, added once per map."""

    _template = Template("")

    def __init__(self) -> None:
        super().__init__()
        self._name = "EventScript"

    def render(self, **kwargs: Any) -> None:  # noqa: D102 - folium's render protocol
        figure = self.get_root()
        if not isinstance(figure, Figure):
            msg = "EventScript must be added to a folium Map"
            raise TypeError(msg)
        figure.header.add_child(Element(f"<style>{_asset('events.css')}</style>"), name="conflictmap_css")
        figure.header.add_child(Element(f"<script>{_asset('events.js')}</script>"), name="conflictmap_js")
        super().render(**kwargs)


class EventGeoJson(MacroElement):
    """One layer's events as GeoJSON, drawn with per-category markers and area styles.

    Parameters
    ----------
    features
        GeoJSON FeatureCollection whose features carry ``category``, ``info`` (popup text),
        ``area`` (path style) and ``slot``/``slots`` (side-by-side position) properties.
    styles
        Category styles, from :func:`layers.styles.category_styles`.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = window.conflictmap.layer(
            {{ this.data_json }}, {{ this.styles_json }}
        ).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, features: dict[str, Any], *, styles: dict[str, Any]) -> None:
        super().__init__()
        self._name = "EventGeoJson"
        self.data_json = safe_json(features)
        self.styles_json = safe_json(styles)
