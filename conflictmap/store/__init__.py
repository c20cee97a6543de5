"""An event store that accumulates reports and knows which describe the same incident.

``open_store(url)`` gives a backend behind one interface (:class:`StoreBackend`): a GeoPackage
file (the embedded default) or a PostGIS database (``postgresql://USER@HOST:PORT/DB``, for a
team). :func:`ingest_files` writes files into it, one transaction per file;
:func:`read_store` reads reports back with the filters pushed down into the query.
"""

from __future__ import annotations

from pathlib import Path

from conflictmap.store.base import SCHEMA_VERSION, StoreBackend, StoreInfo, StoreQuery
from conflictmap.store.incidents import IncidentRule, collapse_incidents, link_reports, load_rule
from conflictmap.store.ingest import FileResult, ingest_files
from conflictmap.store.query import read_store, store_query

__all__ = [
    "SCHEMA_VERSION",
    "FileResult",
    "IncidentRule",
    "StoreBackend",
    "StoreInfo",
    "StoreQuery",
    "collapse_incidents",
    "ingest_files",
    "is_postgres_url",
    "link_reports",
    "load_rule",
    "open_store",
    "read_store",
    "store_query",
]


def is_postgres_url(url: str) -> bool:
    """Whether a --store value names a PostGIS database rather than a GeoPackage file."""
    return url.startswith(("postgresql://", "postgres://"))


def open_store(url: str | Path) -> StoreBackend:
    """Open (a connection to) the store at ``url``: a ``postgresql://`` URL or a GeoPackage path."""
    text = str(url)
    if is_postgres_url(text):
        from conflictmap.store.postgis import PostgisStore

        return PostgisStore(text)
    from conflictmap.store.gpkg import GeoPackageStore

    return GeoPackageStore(text)
