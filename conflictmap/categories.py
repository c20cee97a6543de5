"""The category registry: event categories, their map layers and styles, kept as data.

The defaults live in ``data/categories.yaml``; users extend them with files of the same layout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from conflictmap._yaml import load_yaml
from conflictmap.errors import ConfigurationError, short_repr
from conflictmap.resources import data_path

__all__ = ["MARKER_COLORS", "Category", "CategoryRegistry", "default_registry", "load_registry"]

FALLBACK = "other"
_REQUIRED = ("label", "layer", "color", "marker_color", "icon")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
# A Font Awesome icon name: lower-case words joined by hyphens. The name goes into the id of an
# SVG symbol and the href that uses it (layers/icons.py, the legend's HTML), so nothing else may
# pass; whether Font Awesome Free has such an icon is checked when a map draws it.
_ICON = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The marker colours Leaflet.awesome-markers has a style for (folium.Icon.color_options; a unit
# test keeps the two equal). Kept here so that reading events does not import folium.
MARKER_COLORS = frozenset(
    {
        "beige", "black", "blue", "cadetblue", "darkblue", "darkgreen", "darkpurple", "darkred",
        "gray", "green", "lightblue", "lightgray", "lightgreen", "lightred", "orange", "pink",
        "purple", "red", "white",
    }
)  # fmt: skip


def fold_name(text: str) -> str:
    """Fold a category name for lookup: case, spaces, hyphens, underscores and slashes."""
    return re.sub(r"[\s_\-/]+", " ", text.strip().lower())


@dataclass(frozen=True)
class Category:
    """One event category.

    Attributes
    ----------
    key
        Identifier stored in the ``category`` column.
    label
        Human-facing name.
    layer
        Name of the map layer the category is drawn in.
    color
        CSS hex colour for polygons and the legend.
    marker_color
        Colour name from Leaflet.awesome-markers' palette.
    icon
        Font Awesome icon name.
    aliases
        Other names that resolve to this category.
    links
        Whether the map links such an event's venue to the capitals of the states taking part
        (meetings, agreements, statements).
    """

    key: str
    label: str
    layer: str
    color: str
    marker_color: str
    icon: str
    aliases: tuple[str, ...] = ()
    links: bool = False


@dataclass(frozen=True)
class CategoryRegistry:
    """Categories, layer order and the ACLED/UCDP mappings."""

    categories: Mapping[str, Category]
    layers: tuple[str, ...]
    acled_event_type: Mapping[str, str] = field(default_factory=dict)
    acled_sub_event_type: Mapping[str, str] = field(default_factory=dict)
    ucdp_type_of_violence: Mapping[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        index: dict[str, str] = {}
        for key, cat in self.categories.items():
            for name in (key, cat.label, *cat.aliases):
                index.setdefault(fold_name(name), key)
        object.__setattr__(self, "_index", index)

    def resolve(self, name: str) -> str | None:
        """Return the category key for a name or alias, or None when unknown."""
        return self._index.get(fold_name(name))  # type: ignore[attr-defined]

    def __getitem__(self, key: str) -> Category:
        return self.categories[key]

    def __contains__(self, key: object) -> bool:
        return key in self.categories

    def __iter__(self):
        return iter(self.categories)

    def names(self) -> list[str]:
        """All names and aliases a user may give, sorted."""
        return sorted(self._index)  # type: ignore[attr-defined]

    def layer_of(self, key: str) -> str:
        """Return the layer a category belongs to."""
        return self.categories[key].layer


@cache
def default_registry() -> CategoryRegistry:
    """Return the registry shipped in ``data/categories.yaml``."""
    return load_registry()


def load_registry(extra: Iterable[str | Path] = ()) -> CategoryRegistry:
    """Load the shipped registry, merged with user files.

    Parameters
    ----------
    extra
        YAML files with the layout of ``data/categories.yaml``; their entries override or add to
        the defaults, in order.

    Returns
    -------
    CategoryRegistry

    Raises
    ------
    ConfigurationError
        When a file is unreadable or an entry lacks a field or has a bad value.
    """
    merged: dict[str, Any] = {"layers": [], "categories": {}, "acled": {}, "ucdp": {}}
    for path in (data_path("categories.yaml"), *map(Path, extra)):
        _merge(merged, _read_yaml(path), str(path))
    return _build(merged)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        doc = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        msg = f"{path}: cannot read category file: {err}"
        raise ConfigurationError(msg) from err
    if not isinstance(doc, dict):
        msg = f"{path}: a category file is a mapping with 'categories' (and optionally 'layers')"
        raise ConfigurationError(msg)
    return doc


def _merge(merged: dict[str, Any], doc: dict[str, Any], origin: str) -> None:
    for layer in doc.get("layers") or []:
        if layer not in merged["layers"]:
            merged["layers"].append(str(layer))
    for key, entry in (doc.get("categories") or {}).items():
        if not isinstance(entry, dict):
            msg = f"{origin}: category {short_repr(key)}: expected a mapping of {', '.join(_REQUIRED)}"
            raise ConfigurationError(msg)
        base = merged["categories"].get(str(key), {})
        merged["categories"][str(key)] = {**base, **entry, "_origin": origin}
    for source in ("acled", "ucdp"):
        for table, rules in (doc.get(source) or {}).items():
            merged[source].setdefault(table, {}).update(rules or {})


def _build(merged: dict[str, Any]) -> CategoryRegistry:
    categories = {key: _category(key, entry) for key, entry in merged["categories"].items()}
    if FALLBACK not in categories:
        msg = f"the category registry must keep the {FALLBACK!r} category"
        raise ConfigurationError(msg)
    layers = list(merged["layers"])
    for cat in categories.values():
        if cat.layer not in layers:
            layers.append(cat.layer)
    for source, table in (("acled", "event_type"), ("acled", "sub_event_type"), ("ucdp", "type_of_violence")):
        for rule, target in merged[source].get(table, {}).items():
            if target not in categories:
                msg = f"{source}.{table}[{short_repr(rule)}] maps to unknown category {short_repr(target)}"
                raise ConfigurationError(msg)
    return CategoryRegistry(
        categories=categories,
        layers=tuple(layers),
        acled_event_type=dict(merged["acled"].get("event_type", {})),
        acled_sub_event_type=dict(merged["acled"].get("sub_event_type", {})),
        ucdp_type_of_violence={int(k): v for k, v in merged["ucdp"].get("type_of_violence", {}).items()},
    )


def _category(key: str, entry: dict[str, Any]) -> Category:
    origin = entry.get("_origin", "categories")
    missing = [name for name in _REQUIRED if not entry.get(name)]
    if missing:
        msg = f"{origin}: category {short_repr(key)} lacks {', '.join(missing)}"
        raise ConfigurationError(msg)
    if not _HEX.match(str(entry["color"])):
        color = short_repr(entry["color"])
        msg = f"{origin}: category {short_repr(key)}: color {color} is not a #rrggbb hex colour"
        raise ConfigurationError(msg)
    if str(entry["marker_color"]) not in MARKER_COLORS:
        msg = (
            f"{origin}: category {key!r}: marker_color {entry['marker_color']!r} is not a marker "
            f"colour; use one of {', '.join(sorted(MARKER_COLORS))}"
        )
        raise ConfigurationError(msg)
    if not _ICON.match(str(entry["icon"])):
        msg = (
            f"{origin}: category {key!r}: icon {entry['icon']!r} is not a Font Awesome icon name "
            "(lower-case letters, digits and hyphens, such as 'person-rifle')"
        )
        raise ConfigurationError(msg)
    aliases = entry.get("aliases") or []
    if not isinstance(aliases, list):
        msg = f"{origin}: category {short_repr(key)}: aliases must be a list, got {short_repr(aliases)}"
        raise ConfigurationError(msg)
    links = entry.get("links", False)
    if not isinstance(links, bool):
        msg = f"{origin}: category {short_repr(key)}: links must be true or false, got {short_repr(links)}"
        raise ConfigurationError(msg)
    return Category(
        key=key,
        label=str(entry["label"]),
        layer=str(entry["layer"]),
        color=str(entry["color"]),
        marker_color=str(entry["marker_color"]),
        icon=str(entry["icon"]),
        aliases=tuple(str(a) for a in aliases),
        links=links,
    )
