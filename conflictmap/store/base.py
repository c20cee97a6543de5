"""The interface both store backends implement, and the SQL they share.

A backend runs each step of an ingest inside one transaction that the caller opens with
:meth:`StoreBackend.transaction`; the steps are the same for GeoPackage and PostGIS, only the
SQL dialect, the bulk load and the spatial index differ (geopy's one-interface, many-backends
pattern).
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from conflictmap.schema import COLUMNS

__all__ = ["SCHEMA_VERSION", "STORED", "StoreBackend", "StoreInfo", "StoreQuery"]

# Version 1: events (reports) and store_meta; 2: events_history (replaced versions) and its trigger;
# 3: identifiers and index keys compared by their bytes (PostGIS; SQLite's text always was).
SCHEMA_VERSION = 3
# Columns of the events table besides fid and geom, in order; events_history adds two.
STORED: tuple[str, ...] = (
    *COLUMNS,
    "extras",
    "layer",
    "content_hash",
    "incident_id",
    "source_file",
    "ingested_at",
)
# What incident linking reads of a report; a stored candidate has its incident_id too.
LINKED_COLUMNS = (
    "event_id",
    "event_date",
    "date_end",
    "layer",
    "geo_precision",
    "country",
    "admin1",
    "actor1",
    "actor2",
)
CANDIDATE_COLUMNS = (*LINKED_COLUMNS, "incident_id")


@dataclass(frozen=True)
class StoreQuery:
    """The filters of a read, as the CLI parses them, in the form a store pushes down.

    Attributes
    ----------
    lower, upper
        Period bounds (inclusive), as :func:`conflictmap.filters.check_period` returns them.
    categories
        Category keys (resolved), or None for all.
    boxes
        Boxes ``(west, south, east, north)`` that every kept event's bounding box intersects
        (all of them), each a tuple of alternatives (any of them): answered by the spatial index.
        The exact spatial test runs on the rows the index returns.
    """

    lower: pd.Timestamp | None = None
    upper: pd.Timestamp | None = None
    categories: frozenset[str] | None = None
    boxes: tuple[tuple[tuple[float, float, float, float], ...], ...] = field(default=())


@dataclass
class StoreInfo:
    """What ``conflictmap store info`` prints."""

    url: str
    schema_version: int
    reports: int
    incidents: int
    history: int
    by_source_file: list[tuple[str, int]]
    by_source: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    by_month: list[tuple[str, int]]


class StoreBackend(abc.ABC):
    """One store: a GeoPackage file or a PostGIS database."""

    url: str

    @abc.abstractmethod
    def close(self) -> None:
        """Close the connection."""

    @abc.abstractmethod
    def migrate(self) -> tuple[int, int]:
        """Create the schema or bring it forward; return (version found, version now)."""

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """One write transaction, the store's writers serialized (committed on success)."""

    @abc.abstractmethod
    def stage(self, chunks: Iterable[pd.DataFrame]) -> None:
        """Load encoded rows (:data:`conflictmap.store.rows.STAGED`), chunk by chunk, into a temporary table.

        A row's position counts across the chunks, from 0.
        """

    def is_empty(self) -> bool:
        """Whether the store holds no report and takes :meth:`load_empty` (asked under the lock).

        Backends without such a bulk path answer False: their every ingest stages its rows.
        """
        return False

    def load_empty(self, chunks: Iterable[tuple[pd.DataFrame, np.ndarray]], *, source_file: str) -> int:
        """Write encoded rows with their ``incident_id`` straight into an empty store; return the count."""
        raise NotImplementedError

    @abc.abstractmethod
    def keep_changed(self) -> np.ndarray:
        """Drop the staged rows stored already with the same content; return their positions."""

    @abc.abstractmethod
    def candidates(self, *, region_precision: int) -> pd.DataFrame:
        """Return the stored reports (not staged) within the staged rows' search windows (indexed).

        Columns :data:`CANDIDATE_COLUMNS`, ``dataset`` (the curated dataset in ``extras``, or
        None) and ``geom`` (WKB).
        """

    @abc.abstractmethod
    def write(self, incidents: pd.DataFrame, *, source_file: str) -> tuple[int, int]:
        """Insert or replace the staged rows with their incident ids; return (added, replaced)."""

    @abc.abstractmethod
    def relabel(self, merged: dict[str, str]) -> None:
        """Give the reports of merged incidents their new incident id."""

    @abc.abstractmethod
    def select(self, query: StoreQuery) -> pd.DataFrame:
        """Return the stored reports passing the pushed-down filters, in ingest order.

        Columns of the model, ``extras``, ``incident_id`` and ``geom`` (WKB).
        """

    @abc.abstractmethod
    def info(self) -> StoreInfo:
        """Return the counts per source file, source, category and month, and the schema version."""


def or_boxes(boxes: Sequence[tuple[float, float, float, float]], test: str) -> tuple[str, list[float]]:
    """Return SQL ``(test OR test ...)`` for alternative boxes, ``test`` with four ``%s`` (w, s, e, n)."""
    clause = "(" + " OR ".join([test] * len(boxes)) + ")"
    return clause, [v for box in boxes for v in box]


def chunks(values: Sequence[object], size: int) -> Iterator[Sequence[object]]:
    """Slices of ``values`` of ``size`` items."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
