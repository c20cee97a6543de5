"""The browser code that keeps crowded maps readable: clusters, and where off-view links lead.

:class:`ClusterScript` puts Supercluster (vendored from its pinned npm package by
``scripts/vendor_assets.py``, inline or from its CDN as the map's ``assets`` mode says) and
``cluster.js``/``cluster.css`` in the page once; the event store (``events.js``) clusters its
places with them when they are there. Add it to the map before the
:class:`layers.element.EventStore`.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Template

from layers.assets import add_vendored
from layers.inline import add_inline_assets
from layers.literal import LiteralMacroElement

__all__ = ["SUPERCLUSTER", "ClusterScript"]

# Mapbox's point clustering (ISC licence; its build bundles kdbush, ISC), pinned in
# scripts/vendor/package.json.
SUPERCLUSTER = "supercluster/supercluster.min.js"


class ClusterScript(LiteralMacroElement):
    """Clustering of nearby events and labels at the edge for links leading out of view."""

    _template = Template("")

    def __init__(self) -> None:
        super().__init__()
        self._name = "ClusterScript"

    def render(self, **kwargs: Any) -> None:  # noqa: D102 - folium's render protocol
        add_vendored(self, SUPERCLUSTER)
        add_inline_assets(self, "cluster.css", "cluster.js", "link_ends.js")
        super().render(**kwargs)
