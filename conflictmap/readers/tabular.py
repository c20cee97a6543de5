"""Readers for plain event lists: CSV, YAML and JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import yaml

from conflictmap._yaml import YAMLAliasError, compose_yaml
from conflictmap.categories import CategoryRegistry
from conflictmap.errors import InputError, SchemaError
from conflictmap.readers._json import parse_json
from conflictmap.readers._text import csv_records, shorten
from conflictmap.validate import Origin, build_events, normalize_columns

__all__ = ["parse_json", "read_csv_events", "read_json_events", "read_yaml_events"]


def read_csv_events(text: str, *, path: Path, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    """Read a CSV of events with latitude/longitude, a WKT ``geometry`` or place names only."""
    header, rows, labels = csv_records(text, path=path)
    origin = Origin(str(path), labels)
    raw = normalize_columns(pd.DataFrame(rows, columns=header, dtype=object), origin=origin)
    return build_events(raw, origin=origin, registry=registry)


def read_yaml_events(text: str, *, path: Path, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    """Read a YAML list of events (or a mapping whose ``events`` key holds the list)."""
    try:
        node, doc = compose_yaml(text)
    except YAMLAliasError as err:
        raise SchemaError(err.problem, path=str(path), row=f"line {err.line}") from err
    except yaml.YAMLError as err:
        msg = f"{path}: not valid YAML: {shorten(err, 600)}"
        raise InputError(msg) from err
    except (ValueError, RecursionError) as err:  # an integer of over 4300 digits; nesting too deep
        msg = f"{path}: not readable YAML: {shorten(err)}"
        raise InputError(msg) from err
    records = _record_list(doc, path)
    items = node.value if isinstance(node, yaml.SequenceNode) else _events_node(node)
    labels = [f"line {item.start_mark.line + 1}" for item in items] if items else []
    if len(labels) != len(records):
        labels = [f"event {i + 1}" for i in range(len(records))]
    return _from_records(records, labels, path, registry)


def read_json_events(data: Any, *, path: Path, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    """Read parsed JSON: a list of event objects or ``{"events": [...]}``."""
    records = _record_list(data, path)
    labels = [f"events[{i}]" for i in range(len(records))]
    return _from_records(records, labels, path, registry)


def _events_node(node: yaml.Node | None) -> list[yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "events" and isinstance(value, yaml.SequenceNode):
                return value.value
    return None


def _record_list(doc: Any, path: Path) -> list[dict[str, Any]]:
    if isinstance(doc, dict) and "events" in doc:
        doc = doc["events"]
    if not isinstance(doc, list):
        msg = (
            f"{path}: expected a list of events (or a mapping with an 'events' list), "
            f"got {type(doc).__name__}"
        )
        raise SchemaError(msg)
    if not doc:
        msg = f"{path}: the event list is empty"
        raise InputError(msg)
    for i, item in enumerate(doc):
        if not isinstance(item, dict):
            msg = f"expected a mapping of fields, got {type(item).__name__}"
            raise SchemaError(msg, path=str(path), row=f"event {i + 1}", value=item)
    return doc


def _from_records(
    records: list[dict[str, Any]], labels: list[str], path: Path, registry: CategoryRegistry
) -> gpd.GeoDataFrame:
    raw = pd.DataFrame.from_records(records)
    origin = Origin(str(path), labels)
    raw = normalize_columns(raw.astype(object).where(raw.notna(), None), origin=origin)
    return build_events(raw, origin=origin, registry=registry)
