"""Readers for plain event lists: CSV, YAML and JSON."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml

from conflictmap._yaml import YAMLAliasError, compose_yaml
from conflictmap.categories import CategoryRegistry
from conflictmap.errors import InputError, SchemaError
from conflictmap.readers._json import parse_json
from conflictmap.readers._text import csv_records, shorten
from conflictmap.validate import Origin, build_events, normalize_columns

__all__ = [
    "json_records",
    "parse_json",
    "read_csv_events",
    "read_json_events",
    "read_yaml_events",
    "records_frame",
    "yaml_records",
]


def read_csv_events(text: str, *, path: Path, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    """Read a CSV of events with latitude/longitude, a WKT ``geometry`` or place names only."""
    header, rows, labels = csv_records(text, path=path)
    origin = Origin(str(path), labels)
    raw = normalize_columns(pd.DataFrame(rows, columns=header, dtype=object), origin=origin)
    return build_events(raw, origin=origin, registry=registry)


def read_yaml_events(text: str, *, path: Path, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    """Read a YAML list of events (or a mapping whose ``events`` key holds the list)."""
    records, labels = yaml_records(text, path=path)
    return _from_records(records, labels, path, registry)


def yaml_records(text: str, *, path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse a YAML list of events into records and a ``"line N"`` label for each."""
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
    return records, labels


def read_json_events(data: Any, *, path: Path, registry: CategoryRegistry) -> gpd.GeoDataFrame:
    """Read parsed JSON: a list of event objects or ``{"events": [...]}``."""
    records, labels = json_records(data, path=path)
    return _from_records(records, labels, path, registry)


def json_records(data: Any, *, path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Take the records of parsed JSON, with an ``"events[i]"`` label for each."""
    records = _record_list(data, path)
    return records, [f"events[{i}]" for i in range(len(records))]


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
    origin = Origin(str(path), labels)
    raw = normalize_columns(records_frame(records), origin=origin)
    return build_events(raw, origin=origin, registry=registry)


def records_frame(records: Sequence[Mapping[Any, Any]], columns: Sequence[Any] = ()) -> pd.DataFrame:
    """Return parsed records as a frame of object columns, one per key, in order of appearance.

    A missing key or a NaN is None. Values are kept as parsed, where
    ``DataFrame.from_records`` would turn the integers of a column with a gap into floats (an
    id ``12345`` read as ``"12345.0"``): so a record reads the same whatever the other records
    beside it, in its file or in the other files read with it. Date-times become
    ``pandas.Timestamp``, as ``from_records`` makes them in a column of date-times only.

    Parameters
    ----------
    records
        The records.
    columns
        Columns to have even when no record has the key (a CSV header), first.
    """
    keys = list(dict.fromkeys([*columns, *(key for record in records for key in record)]))
    data = {
        key: np.fromiter((_value(record.get(key)) for record in records), dtype=object, count=len(records))
        for key in keys
    }
    return pd.DataFrame(data, index=pd.RangeIndex(len(records)), columns=pd.Index(keys, dtype=object))


def _value(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime):
        return pd.Timestamp(value)
    return value
