"""The map's attribution line: the credits of what it draws, besides the basemap's.

The credits come from :mod:`conflictmap.attribution` (the data file ``attributions.yaml``); their
text is escaped here and added to Leaflet's attribution control, which writes it as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from jinja2 import Template

from conflictmap.attribution import Credit
from layers.element import safe_json
from layers.literal import LiteralMacroElement

__all__ = ["Credits", "credits_html"]


def credits_html(credits: Sequence[Credit]) -> str:
    """Return the credits as escaped links: ``Data: <a href=...>ACLED</a> · ...``."""
    links = [
        f'<a href="{html.escape(c.url)}" target="_blank" rel="noopener noreferrer">{html.escape(c.text)}</a>'
        for c in credits
    ]
    return "Data: " + " · ".join(links) if links else ""


class Credits(LiteralMacroElement):
    """Add credits to the attribution control of the map this element is added to.

    Parameters
    ----------
    credits
        What the map draws calls for (:func:`conflictmap.attribution.event_credits`).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.html_json }});
        {% endmacro %}
        """
    )

    def __init__(self, credits: Sequence[Credit]) -> None:
        super().__init__()
        self._name = "Credits"
        self.credits = list(credits)
        self.html_json = safe_json(credits_html(self.credits))
