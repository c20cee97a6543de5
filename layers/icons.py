"""Category icons as inline SVG symbols, drawn from the vendored Font Awesome Free solid icons.

A map page carries one hidden ``<svg>`` with a ``<symbol id="cm-icon-NAME">`` per icon it uses;
markers and the legend show an icon with ``<use href="#cm-icon-NAME">`` and the canvas renderer
draws the same path with ``Path2D``. Against folium's Font Awesome web font (a 150 KB font and
a 100 KB stylesheet from a CDN) this costs about 1 KB per icon used and no request.

The icon table (``layers/vendor/fontawesome-free/solid-icons.json.gz``) is derived by
``scripts/vendor_assets.py`` from the pinned package's metadata; Font Awesome's older names
(``info-circle`` for ``circle-info``) are accepted through its aliases.
"""

from __future__ import annotations

import gzip
import html
import json
from collections.abc import Iterable
from functools import cache
from typing import Any

from branca.element import Figure
from jinja2 import Template

from conflictmap.errors import ConfigurationError
from layers.assets import manifest, vendored_bytes
from layers.literal import LiteralMacroElement, RawHtml

__all__ = ["IconSprite", "icon_shape", "sprite_markup"]

_TABLE = "fontawesome-free/solid-icons.json.gz"
_PACKAGE = "@fortawesome/fontawesome-free"


@cache
def _table() -> dict[str, Any]:
    return json.loads(gzip.decompress(vendored_bytes(_TABLE)))


def icon_shape(name: str) -> tuple[int, int, str]:
    """Return ``(width, height, svg_path)`` of a Font Awesome Free solid icon.

    Parameters
    ----------
    name
        Icon name as in Font Awesome 6 (``"person-rifle"``) or one of its older aliases.

    Raises
    ------
    ConfigurationError
        When the pinned Font Awesome Free has no solid icon of that name.
    """
    table = _table()
    canonical = table["aliases"].get(name, name)
    if canonical not in table["icons"]:
        version = manifest()["packages"][_PACKAGE]["version"]
        msg = (
            f"icon {name!r} is not a Font Awesome Free {version} solid icon "
            "(see fontawesome.com/search?o=r&m=free&s=solid)"
        )
        raise ConfigurationError(msg)
    width, height, path = table["icons"][canonical]
    return int(width), int(height), str(path)


def sprite_markup(names: Iterable[str]) -> str:
    """Return the hidden ``<svg>`` of ``<symbol id="cm-icon-NAME">`` elements for `names`.

    Raises
    ------
    ConfigurationError
        See :func:`icon_shape`.
    """
    version = manifest()["packages"][_PACKAGE]["version"]
    symbols = []
    for name in sorted(set(names)):
        width, height, path = icon_shape(name)
        symbols.append(
            f'<symbol id="cm-icon-{html.escape(name)}" viewBox="0 0 {width} {height}">'
            f'<path d="{html.escape(path)}"/></symbol>'
        )
    # Font Awesome asks for this notice with its icons (CC BY 4.0); it travels with the symbols.
    notice = (
        f"<!-- Icons: Font Awesome Free {version} by @fontawesome - https://fontawesome.com "
        "License - https://fontawesome.com/license/free (Icons: CC BY 4.0) Copyright Fonticons, Inc. -->"
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" id="cm-icons" aria-hidden="true" '
        f'style="position:absolute;width:0;height:0;overflow:hidden">{notice}{"".join(symbols)}</svg>'
    )


class IconSprite(LiteralMacroElement):
    """The SVG symbols of the icons a map uses, put once at the top of the page body.

    Parameters
    ----------
    names
        Icon names (checked now, so that a wrong name fails before anything is written).
    """

    _template = Template("")

    def __init__(self, names: Iterable[str]) -> None:
        super().__init__()
        self._name = "IconSprite"
        self.markup = sprite_markup(names)

    def render(self, **kwargs: Any) -> None:  # noqa: D102 - folium's render protocol
        figure = self.get_root()
        if not isinstance(figure, Figure):
            msg = "IconSprite must be added to a folium Map"
            raise TypeError(msg)
        figure.html.add_child(RawHtml(self.markup), name="cm_icons")
        super().render(**kwargs)
