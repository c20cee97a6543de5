"""folium elements that draw event collections (the folium element pattern).

:class:`EventScript` puts the shared browser code (``events.js``, ``events.css``) in the page
once. :class:`EventStore` embeds a map's events once, as escaped columnar JSON
(:mod:`layers.payload`); :class:`EventGroup`, :class:`EventLinks` and :class:`TimeSlider` draw
from that store, so every layer follows the one time control.
"""

from __future__ import annotations

import json
from typing import Any

from branca.element import Figure
from jinja2 import Template

from layers.inline import add_inline_assets
from layers.literal import LiteralMacroElement, RawHtml

__all__ = [
    "EventGroup",
    "EventLinks",
    "EventScript",
    "EventStore",
    "Legend",
    "RawHtml",
    "StyledGeoJson",
    "TimeSlider",
    "safe_json",
]

_JS_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def safe_json(value: Any) -> str:
    """Serialise to JSON that can sit inside a ``<script>`` element.

    ``<``, ``>`` and ``&`` are written as unicode escapes, so a string such as ``</script>``
    in a report cannot end the script or open markup.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in _JS_UNSAFE.items():
        if char in text:
            text = text.replace(char, escaped)
    return text


class EventScript(LiteralMacroElement):
    """The popup, tooltip, layer and time-control code shared by all event layers, once per map."""

    _template = Template("")

    def __init__(self) -> None:
        super().__init__()
        self._name = "EventScript"

    def render(self, **kwargs: Any) -> None:  # noqa: D102 - folium's render protocol
        add_inline_assets(self, "events.css", "events.js")
        super().render(**kwargs)


class EventStore(LiteralMacroElement):
    """A map's located events, decoded once in the browser; add it to the map before the layers.

    The events travel in a ``<script type="application/json">`` element read with
    ``JSON.parse``: browsers parse megabytes of JSON many times faster than the same data
    written as a JavaScript literal (at 100,000 events, 0.1 s instead of 5 s).

    Parameters
    ----------
    data
        The payload dict of :func:`layers.payload.build_payload`.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = window.conflictmap.store(
            JSON.parse(document.getElementById({{ this.element_id_json }}).textContent),
            {{ this._parent.get_name() }}
        );
        {% endmacro %}
        """
    )

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()
        self._name = "EventStore"
        self.data_json = safe_json(data)
        self.element_id_json = safe_json(f"{self.get_name()}_data")

    def render(self, **kwargs: Any) -> None:  # noqa: D102 - folium's render protocol
        figure = self.get_root()
        if not isinstance(figure, Figure):
            msg = "EventStore must be added to a folium Map"
            raise TypeError(msg)
        # safe_json escapes "<", so the data cannot close this element early.
        element = f'<script type="application/json" id="{self.get_name()}_data">{self.data_json}</script>'
        figure.html.add_child(RawHtml(element), name=f"{self.get_name()}_data")
        super().render(**kwargs)


class EventGroup(LiteralMacroElement):
    """The events of one category group, drawn into the ``FeatureGroup`` it is added to.

    Parameters
    ----------
    store
        The map's :class:`EventStore`.
    index
        Index of the group in the payload's ``groups``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = window.conflictmap.group(
            {{ this.store.get_name() }}, {{ this.index }}
        ).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, store: EventStore, *, index: int) -> None:
        super().__init__()
        self._name = "EventGroup"
        self.store = store
        self.index = int(index)


class EventLinks(LiteralMacroElement):
    """Lines from diplomatic venues to the capitals of the states taking part."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = window.conflictmap.links(
            {{ this.store.get_name() }}, {{ this.color_json }}
        ).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, store: EventStore, *, color: str) -> None:
        super().__init__()
        self._name = "EventLinks"
        self.store = store
        self.color_json = safe_json(color)


class TimeSlider(LiteralMacroElement):
    """The time control: a slider with a histogram, cumulative and window modes, and play.

    Added last, it also tells the page the map is drawn (``data-cm-ready`` on ``<html>``).
    With ``control=False`` (undated events) there is no control, only that signal.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {% if this.control %}
        var {{ this.get_name() }} = window.conflictmap.timeControl(
            {{ this.store.get_name() }}, {position: "bottomleft"}
        ).addTo({{ this._parent.get_name() }});
        {% endif %}
        window.conflictmap.finish({{ this.store.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, store: EventStore, *, control: bool = True) -> None:
        super().__init__()
        self._name = "TimeSlider"
        self.store = store
        self.control = control


class Legend(LiteralMacroElement):
    """The legend, as a Leaflet control (bottom right), so other controls stack beside it.

    Parameters
    ----------
    legend_html
        The legend's markup, already escaped (built by :mod:`layers.map`).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = window.conflictmap.legend(
            {{ this.element_id_json }}, {position: "bottomright"}
        ).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, legend_html: str) -> None:
        super().__init__()
        self._name = "Legend"
        self.legend_html = legend_html
        self.element_id_json = safe_json(f"{self.get_name()}_html")

    def render(self, **kwargs: Any) -> None:  # noqa: D102 - folium's render protocol
        figure = self.get_root()
        if not isinstance(figure, Figure):
            msg = "Legend must be added to a folium Map"
            raise TypeError(msg)
        holder = f'<div id="{self.get_name()}_html" hidden>{self.legend_html}</div>'
        figure.html.add_child(RawHtml(holder), name=f"{self.get_name()}_html")
        super().render(**kwargs)


class StyledGeoJson(LiteralMacroElement):
    """GeoJSON drawn with one style for all of it, not interactive.

    ``folium.GeoJson`` with a ``style_function`` writes a style per feature into the page and
    looks each up in the browser; one fixed style needs none of that.

    Parameters
    ----------
    data
        A GeoJSON object.
    style
        Leaflet path options.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJSON(
            {{ this.data_json }}, {style: {{ this.style_json }}, interactive: false}
        ).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, data: dict[str, Any], *, style: dict[str, Any]) -> None:
        super().__init__()
        self._name = "StyledGeoJson"
        self.data_json = safe_json(data)
        self.style_json = safe_json(style)
