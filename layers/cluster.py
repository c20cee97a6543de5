"""The browser code that keeps crowded maps readable: clusters, and where off-view links lead.

:class:`ClusterScript` puts Supercluster (loaded like the folium plugins' libraries, from its
pinned npm package) and ``cluster.js``/``cluster.css`` in the page once; the event store
(``events.js``) clusters its places with them when they are there. Add it to the map before
the :class:`layers.element.EventStore`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from folium.elements import JSCSSMixin
from jinja2 import Template

from layers.inline import add_inline_assets
from layers.literal import LiteralMacroElement

__all__ = ["SUPERCLUSTER_LICENSE", "SUPERCLUSTER_URL", "SUPERCLUSTER_VERSION", "ClusterScript"]

# Mapbox's point clustering (ISC licence; bundles kdbush, ISC), the version pinned in
# tests/browser/assets/package.json.
SUPERCLUSTER_VERSION = "9.1.0"
SUPERCLUSTER_LICENSE = "ISC"
SUPERCLUSTER_URL = (
    f"https://cdn.jsdelivr.net/npm/supercluster@{SUPERCLUSTER_VERSION}/dist/supercluster.min.js"
)


class ClusterScript(JSCSSMixin, LiteralMacroElement):
    """Clustering of nearby events and labels at the edge for links leading out of view."""

    _template = Template("")
    default_js: ClassVar[list[tuple[str, str]]] = [("supercluster", SUPERCLUSTER_URL)]

    def __init__(self) -> None:
        super().__init__()
        self._name = "ClusterScript"

    def render(self, **kwargs: Any) -> None:  # noqa: D102 - folium's render protocol
        add_inline_assets(self, "cluster.css", "cluster.js", "link_ends.js")
        super().render(**kwargs)
