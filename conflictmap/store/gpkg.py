"""The GeoPackage backend: the embedded default store, one file, nothing to install.

Written with the standard library's sqlite3 (SQLite 3.24+ for upserts; its R*Tree module for the
spatial index). The file is a GeoPackage 1.3 that GDAL and QGIS open: ``events`` is a feature
table whose R-tree (``rtree_events_geom``, the ``gpkg_rtree_index`` extension) this backend
keeps in step itself, in the same transaction as the rows. GDAL's triggers for that would call
spatial SQL functions plain SQLite does not have (``ST_MinX``...), which is why GeoAlchemy2's
GeoPackage dialect needs mod_spatialite; this backend needs neither.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from conflictmap.errors import ConfigurationError, InputError
from conflictmap.store.base import (
    CANDIDATE_COLUMNS,
    SCHEMA_VERSION,
    STORED,
    StoreBackend,
    StoreInfo,
    StoreQuery,
    or_boxes,
)
from conflictmap.store.rows import STAGED

__all__ = ["GeoPackageStore"]

_TYPES = {
    "time_precision": "INTEGER",
    "geo_precision": "INTEGER",
    "fatalities": "INTEGER",
    "located": "BOOLEAN",
    **{
        name: "DOUBLE"
        for name in ("minx", "miny", "maxx", "maxy", "win_minx", "win_miny", "win_maxx", "win_maxy")
    },
}
_COLUMNS_SQL = ", ".join(f"{name} {_TYPES.get(name, 'TEXT')}" for name in STORED)
_MODEL = [name for name in STORED if name not in ("incident_id", "source_file", "ingested_at")]
_MODEL_READ = [*_MODEL[: _MODEL.index("layer")], "incident_id"]
_DATES = ("event_date", "date_end", "win_start", "win_end")
_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
_HISTORY = ", ".join(("fid", *STORED, "geom"))
MIGRATIONS: dict[int, list[str]] = {
    1: [
        f"""CREATE TABLE events (fid INTEGER PRIMARY KEY AUTOINCREMENT, {_COLUMNS_SQL}, geom GEOMETRY,
            CONSTRAINT events_event_id UNIQUE (event_id))""",
        "CREATE VIRTUAL TABLE rtree_events_geom USING rtree(id, minx, maxx, miny, maxy)",
        "CREATE INDEX events_date ON events (event_date)",
        "CREATE INDEX events_category ON events (category, event_date)",
        "CREATE INDEX events_incident ON events (incident_id)",
        "CREATE INDEX events_region ON events (country, admin1, event_date) WHERE geo_precision >= 3",
        """INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
           VALUES ('events', 'features', 'events', 'conflictmap reports', 4326)""",
        """INSERT INTO gpkg_geometry_columns VALUES ('events', 'geom', 'GEOMETRY', 4326, 0, 0)""",
        """INSERT INTO gpkg_extensions VALUES ('events', 'geom', 'gpkg_rtree_index',
           'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')""",
    ],
    2: [
        f"""CREATE TABLE events_history (hid INTEGER PRIMARY KEY AUTOINCREMENT, fid INTEGER, {_COLUMNS_SQL},
            geom GEOMETRY, replaced_at TEXT NOT NULL, replaced_by_file TEXT NOT NULL)""",
        "CREATE INDEX events_history_event ON events_history (event_id)",
        f"""CREATE TRIGGER events_keep_old BEFORE UPDATE ON events
            WHEN OLD.content_hash IS NOT NEW.content_hash
            BEGIN
              INSERT INTO events_history ({_HISTORY}, replaced_at, replaced_by_file)
              VALUES ({", ".join(f"OLD.{n}" for n in ("fid", *STORED, "geom"))}, {_NOW}, NEW.source_file);
            END""",
        """INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
           VALUES ('events_history', 'features', 'events_history', 'replaced versions of reports', 4326)""",
        """INSERT INTO gpkg_geometry_columns VALUES ('events_history', 'geom', 'GEOMETRY', 4326, 0, 0)""",
    ],
    3: [],  # PostGIS's text compared by bytes: SQLite's text (BINARY) always was
}
_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
    'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],'
    'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],'
    'AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)
_GPKG_BASE = [
    "PRAGMA application_id = 1196444487",  # 'GPKG'
    "PRAGMA user_version = 10300",
    """CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
       organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
       description TEXT)""",
    f"""INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES
       ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL),
       ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL),
       ('WGS 84 geodetic', 4326, 'EPSG', 4326, '{_WGS84_WKT}', NULL)""",
    """CREATE TABLE IF NOT EXISTS gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY,
       data_type TEXT NOT NULL,
       identifier TEXT UNIQUE, description TEXT DEFAULT '',
       last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
       min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER)""",
    """CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
       geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
       CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name))""",
    """CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT,
       extension_name TEXT NOT NULL,
       definition TEXT NOT NULL, scope TEXT NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description)
       VALUES ('store_meta', 'attributes', 'store_meta', 'conflictmap store schema')""",
]


class GeoPackageStore(StoreBackend):
    """A store in a GeoPackage file (created on first use)."""

    def __init__(self, path: str | Path, *, timeout: float = 600.0) -> None:
        self.url = str(path)
        self.path = Path(path)
        if self.path.exists() and not self.path.is_file():
            raise InputError(f"store {self.url}: not a file")
        try:
            # isolation_level=None: transactions are opened explicitly (BEGIN IMMEDIATE).
            self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as err:
            raise InputError(f"store {self.url}: not a GeoPackage ({err})") from err

    def close(self) -> None:
        """Close the file."""
        self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE``: one writer at a time (others wait up to the timeout)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _version(self) -> int:
        exists = self._conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'store_meta'").fetchone()
        if not exists:
            return 0
        row = self._conn.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def schema_version(self) -> int:
        """Return the schema version of the store (0: empty)."""
        return self._version()

    def migrate(self, *, upto: int = SCHEMA_VERSION) -> tuple[int, int]:
        """Create the schema or bring it forward to ``upto``; return (version found, version now)."""
        with self.transaction():
            found = self._version()
            if found > SCHEMA_VERSION:
                msg = (
                    f"the store {self.url} has schema version {found}, newer than this conflictmap's "
                    f"{SCHEMA_VERSION}: upgrade conflictmap"
                )
                raise ConfigurationError(msg)
            if found == 0:
                tables = self._conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                ).fetchall()
                if tables:
                    raise InputError(f"store {self.url}: a database that is not a conflictmap store")
                for statement in _GPKG_BASE:
                    self._conn.execute(statement)
            for step in range(found + 1, upto + 1):
                for statement in MIGRATIONS[step]:
                    self._conn.execute(statement)
            now = max(found, upto)
            self._conn.execute(
                "INSERT INTO store_meta VALUES ('schema_version', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(now),),
            )
        return found, now

    def stage(self, chunks: Iterable[pd.DataFrame]) -> None:
        """Insert the encoded rows into the temporary table ``staged``."""
        columns = ", ".join(f"{name} {_TYPES.get(name, 'TEXT')}" for name in STAGED)
        self._conn.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS staged (ord INTEGER, {columns})")
        self._conn.execute("DELETE FROM staged")
        parts = list(chunks)
        rows = pd.concat(parts, ignore_index=True) if len(parts) != 1 else parts[0]
        values = {"ord": np.arange(len(rows))}
        for name in STAGED:
            column = rows[name]
            if name in _DATES:
                values[name] = _iso(column)
            elif name == "geom":
                values[name] = [_gpkg_blob(wkb) for wkb in column]
            else:
                values[name] = column.astype(object).where(column.notna(), None).tolist()
        names = ["ord", *STAGED]
        records = zip(*(values[n] for n in names), strict=True)
        marks = ", ".join("?" * len(names))
        self._conn.executemany(f"INSERT INTO staged ({', '.join(names)}) VALUES ({marks})", _plain(records))
        self._conn.execute("CREATE INDEX IF NOT EXISTS temp.staged_event ON staged (event_id)")

    def keep_changed(self) -> np.ndarray:
        """Drop staged rows already stored with the same content; return their positions."""
        dropped = self._conn.execute(
            """DELETE FROM staged WHERE EXISTS (SELECT 1 FROM events e
               WHERE e.event_id = staged.event_id AND e.content_hash = staged.content_hash)
               RETURNING ord"""
        ).fetchall()
        return np.asarray([row[0] for row in dropped], dtype=np.int64)

    def candidates(self, *, region_precision: int) -> pd.DataFrame:
        """Return the stored reports in the staged rows' windows: the R-tree, then region matches."""
        cols = ", ".join(f"e.{name}" for name in CANDIDATE_COLUMNS)
        dates = "e.event_date <= s.win_end AND coalesce(e.date_end, e.event_date) >= s.win_start"
        same_region = (
            "e.country = s.country AND (min(e.geo_precision, s.geo_precision) >= 4 "
            "OR min(e.geo_precision, s.geo_precision) < 4 AND e.admin1 = s.admin1)"
        )
        sql = f"""
            SELECT {cols}, json_extract(e.extras, '$.dataset'), e.geom FROM events e WHERE e.fid IN (
              SELECT r.id FROM staged s JOIN rtree_events_geom r
                ON r.minx <= s.win_maxx AND r.maxx >= s.win_minx
                AND r.miny <= s.win_maxy AND r.maxy >= s.win_miny
                JOIN events e ON e.fid = r.id AND {dates}
              UNION
              SELECT e.fid FROM staged s JOIN events e ON e.geo_precision >= :p AND {same_region} AND {dates}
              UNION
              SELECT e.fid FROM staged s JOIN events e ON s.geo_precision >= :p AND {same_region} AND {dates}
            ) AND e.event_id NOT IN (SELECT event_id FROM staged)
        """
        rows = self._conn.execute(sql, {"p": region_precision}).fetchall()
        frame = pd.DataFrame(rows, columns=[*CANDIDATE_COLUMNS, "dataset", "geom"])
        frame["geom"] = [_wkb(blob) for blob in frame["geom"]]
        return _decoded_dates(frame, ("event_date", "date_end"))

    def write(self, incidents: pd.DataFrame, *, source_file: str) -> tuple[int, int]:
        """Insert or replace the staged rows with their incident ids, and index them in the R-tree."""
        self._conn.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS incident_map (event_id TEXT PRIMARY KEY, incident_id TEXT)"
        )
        self._conn.execute("DELETE FROM incident_map")
        self._conn.executemany(
            "INSERT INTO incident_map VALUES (?, ?)",
            zip(incidents["event_id"].astype(str), incidents["incident_id"].astype(str), strict=True),
        )
        before = self._conn.execute("SELECT count(*) FROM events").fetchone()[0]
        staged = self._conn.execute("SELECT count(*) FROM staged").fetchone()[0]
        self._conn.execute(
            """DELETE FROM rtree_events_geom WHERE id IN
               (SELECT e.fid FROM events e JOIN staged s USING (event_id))"""
        )
        model = ", ".join(_MODEL)
        updates = ", ".join(f"{name} = excluded.{name}" for name in (*STORED, "geom") if name != "event_id")
        self._conn.execute(
            f"""INSERT INTO events ({model}, incident_id, source_file, ingested_at, geom)
                SELECT {", ".join(f"s.{n}" for n in _MODEL)}, m.incident_id, :file, {_NOW}, s.geom
                FROM staged s JOIN incident_map m USING (event_id) WHERE true ORDER BY s.ord
                ON CONFLICT (event_id) DO UPDATE SET {updates}""",
            {"file": source_file},
        )
        self._conn.execute(
            """INSERT INTO rtree_events_geom
               SELECT e.fid, s.minx, s.maxx, s.miny, s.maxy FROM staged s JOIN events e USING (event_id)
               WHERE s.geom IS NOT NULL"""
        )
        added = self._conn.execute("SELECT count(*) FROM events").fetchone()[0] - before
        return int(added), int(staged - added)

    def relabel(self, merged: dict[str, str]) -> None:
        """Move the reports of merged incidents to the incident they joined."""
        self._conn.executemany(
            "UPDATE events SET incident_id = ? WHERE incident_id = ?",
            [(new, old) for old, new in merged.items()],
        )

    def select(self, query: StoreQuery) -> pd.DataFrame:
        """Return the reports passing the filters: dates and categories in SQL, boxes through the R-tree."""
        parts, params = ["1"], []
        if query.lower is not None:
            parts.append("coalesce(date_end, event_date) >= ?")
            params.append(_iso(pd.Series([query.lower]))[0])
        if query.upper is not None:
            parts.append("event_date <= ?")
            params.append(_iso(pd.Series([query.upper]))[0])
        if query.categories is not None:
            parts.append(f"category IN ({', '.join('?' * len(query.categories))})")
            params.extend(sorted(query.categories))
        for boxes in query.boxes:
            test = "r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?"
            clause, _ = or_boxes(boxes, test)
            parts.append(f"fid IN (SELECT r.id FROM rtree_events_geom r WHERE {clause})")
            params.extend(v for w, s, e, n in boxes for v in (e, w, n, s))
        names = ", ".join(_MODEL_READ)
        sql = f"SELECT {names}, geom FROM events WHERE {' AND '.join(parts)} ORDER BY fid"
        frame = pd.DataFrame(self._conn.execute(sql, params).fetchall(), columns=[*_MODEL_READ, "geom"])
        frame["geom"] = [_wkb(blob) for blob in frame["geom"]]
        return frame

    def info(self) -> StoreInfo:
        """Return the counts per source file, source, category and month."""

        def pairs(sql: str) -> list[tuple[str, int]]:
            return [(str(a), int(b)) for a, b in self._conn.execute(sql).fetchall()]

        def one(sql: str) -> int:
            return int(self._conn.execute(sql).fetchone()[0])

        return StoreInfo(
            url=self.url,
            schema_version=self._version(),
            reports=one("SELECT count(*) FROM events"),
            incidents=one("SELECT count(DISTINCT incident_id) FROM events"),
            history=one("SELECT count(*) FROM events_history"),
            by_source_file=pairs("SELECT source_file, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC, 1"),
            by_source=pairs(
                "SELECT coalesce(source, '(none)'), count(*) FROM events "
                "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20"
            ),
            by_category=pairs("SELECT category, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC, 1"),
            by_month=pairs("SELECT substr(event_date, 1, 7), count(*) FROM events GROUP BY 1 ORDER BY 1"),
        )


def _plain(records: Iterator[tuple[object, ...]]) -> Iterator[tuple[object, ...]]:
    """Numpy scalars as Python values (sqlite3 binds only those)."""
    for record in records:
        yield tuple(v.item() if isinstance(v, np.generic) else v for v in record)


def _iso(column: pd.Series) -> list[str | None]:
    """Fixed-width ISO 8601 text (so that text order is time order); None for a missing date."""
    text = np.datetime_as_string(column.to_numpy("datetime64[us]"), unit="us")
    return [None if t == "NaT" else t for t in text.tolist()]


def _decoded_dates(frame: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    for name in names:
        frame[name] = pd.to_datetime(frame[name], format="ISO8601").astype("datetime64[us]")
    return frame


def _gpkg_blob(wkb: bytes | None) -> bytes | None:
    """Return a GeoPackage geometry: the 'GP' header (SRS 4326, an envelope unless a point), then WKB."""
    if wkb is None:
        return None
    wkb = bytes(wkb)
    kind = struct.unpack("<I", wkb[1:5])[0] if wkb[0] == 1 else struct.unpack(">I", wkb[1:5])[0]
    if kind % 1000 == 1:  # a point: no envelope
        return b"GP\x00\x01" + struct.pack("<i", 4326) + wkb
    import shapely

    minx, miny, maxx, maxy = shapely.from_wkb(wkb).bounds
    return b"GP\x00\x03" + struct.pack("<i4d", 4326, minx, maxx, miny, maxy) + wkb


def _wkb(blob: bytes | None) -> bytes | None:
    """Return the WKB of a GeoPackage geometry."""
    if blob is None:
        return None
    flags = blob[3]
    envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 0x07]
    return bytes(blob[8 + envelope :])
