"""Readers for plain event lists: CSV, YAML and JSON."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml

from conflictmap._yaml import YAMLAliasError, compose_yaml
from conflictmap.categories import CategoryRegistry
from conflictmap.errors import InputError, RecordErrors, SchemaError
from conflictmap.readers._json import parse_json
from conflictmap.readers._plain_csv import plain_csv_blocks
from conflictmap.readers._text import LineLabels, csv_blocks, shorten
from conflictmap.schema import empty_events
from conflictmap.validate import (
    Checked,
    Origin,
    build_events,
    check_records,
    column_names,
    finish_events,
    normalize_columns,
)

__all__ = [
    "json_records",
    "parse_json",
    "read_csv_events",
    "read_json_events",
    "read_yaml_events",
    "records_frame",
    "yaml_records",
]


# Rows checked at a time. A row as Python strings takes some 600 bytes, ten times its text, and
# its checks as much again: a big file is checked block by block, and only its checked events
# (compact columns) are kept.
BLOCK_ROWS = 100_000


def read_csv_events(
    text: str | Iterable[str],
    *,
    path: Path,
    registry: CategoryRegistry,
    block_rows: int = BLOCK_ROWS,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a CSV of events with latitude/longitude, a WKT ``geometry`` or place names only.

    ``text`` is the CSV text or its lines (:func:`~conflictmap.readers._text.text_lines`, which
    reads a big file without holding its text).

    The rows are checked ``block_rows`` at a time, with the events and the error of checking
    them all at once: the text's own errors first, wherever they are; then the problems of
    every block, in order (see :func:`_all_errors`).

    With ``encoding`` (``text`` being the lines of ``path`` in it), a plain file (see
    :mod:`conflictmap.readers._plain_csv`) is split by pyarrow instead: the same cells, lines
    and errors, several times faster.
    """
    plain = None
    if encoding is not None and not isinstance(text, str):
        plain = plain_csv_blocks(path, encoding=encoding, size=block_rows)
        if plain is not None and len(set(column_names(plain[0]))) != len(plain[0]):
            plain = None  # columns to merge: one block, below
    header, blocks = plain if plain is not None else csv_blocks(text, path=path, size=block_rows)
    if len(set(column_names(header))) != len(header):
        # Columns meaning the same field are merged, with a check and a notice, by
        # normalize_columns once for the whole file: such a file is checked in one block.
        blocks = iter([_one_block(blocks)])
    checked: list[Checked] = []
    failed: list[SchemaError] = []  # each failed block's error
    for rows, lines in blocks:  # reading on after an error: an error of the text comes first
        if len(set(header)) != len(header) or (failed and failed[-1].row is None):
            continue  # repeated or missing columns: reported once the text is read
        labels = LineLabels(lines)
        try:
            block = _checked_block(rows, header, Origin(str(path), labels), registry, continues=bool(checked))
        except SchemaError as err:
            failed.append(err.with_traceback(None))  # its frames hold the block
            checked.clear()
        else:
            if not failed:
                checked.append(block)
        del rows  # before the next block is read
    if failed:
        raise _all_errors(failed)
    return finish_events(checked)


def _one_block(blocks: Iterable[tuple[list[list[str]], list[int]]]) -> tuple[list[list[str]], list[int]]:
    rows: list[list[str]] = []
    lines: list[int] = []
    for block_rows, block_lines in blocks:
        rows += block_rows
        lines += block_lines
    return rows, lines


def _checked_block(
    rows: list[list[str]] | pd.DataFrame,
    header: list[str],
    origin: Origin,
    registry: CategoryRegistry,
    *,
    continues: bool,
) -> Checked:
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows, columns=header, dtype=object)
    raw = normalize_columns(frame, origin=origin)
    return check_records(raw, origin=origin, registry=registry, continues=continues)


def _all_errors(failed: list[SchemaError]) -> SchemaError:
    """Return the error checking all the rows at once raises: the problems of every block, in order.

    A block's error that names no row is about the file (its columns), and the first block meets
    it first.
    """
    if len(failed) == 1 or failed[0].row is None:
        return failed[0]
    problems: list[SchemaError] = []
    total = 0
    for err in failed:
        listed = err.problems if isinstance(err, RecordErrors) else [err]
        problems += listed
        total += err.total if isinstance(err, RecordErrors) else 1
    return RecordErrors(problems, total=total)


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
    for i, item in enumerate(doc):
        if not isinstance(item, dict):
            msg = f"expected a mapping of fields, got {type(item).__name__}"
            raise SchemaError(msg, path=str(path), row=f"event {i + 1}", value=item)
    return doc


def _from_records(
    records: list[dict[str, Any]], labels: list[str], path: Path, registry: CategoryRegistry
) -> gpd.GeoDataFrame:
    if not records:  # "events: []", as a CSV with only its header: no events
        return empty_events()
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
