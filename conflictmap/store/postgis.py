"""The PostGIS backend: a team's store in PostgreSQL, written with psycopg 3 and COPY.

Rows reach the server as CSV through ``COPY ... FROM STDIN`` into a temporary table (pyarrow
writes the CSV in C++), then one ``INSERT ... ON CONFLICT`` moves them into ``events``. Writers
take a transaction-level advisory lock, so concurrent ingests are serialized and each sees the
others' committed reports when it links incidents; the unique constraint on ``event_id`` is what
keeps an event from being stored twice.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

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
from conflictmap.store.pgbinary import SIGNATURE, TRAILER, binary_field, binary_rows, fixed_width
from conflictmap.store.rows import STAGED

__all__ = ["PostgisStore"]

_LOCK = 0x636D6170  # "cmap": the advisory lock of writers
_TYPES = {
    "event_date": "timestamp",
    "date_end": "timestamp",
    "time_precision": "smallint",
    "geo_precision": "smallint",
    "fatalities": "bigint",
    "located": "boolean",
    "ingested_at": "timestamptz",
    "win_start": "timestamp",
    "win_end": "timestamp",
    **{name: "double precision" for name in ("minx", "miny", "maxx", "maxy")},
    **{name: "double precision" for name in ("win_minx", "win_miny", "win_maxx", "win_maxy")},
}
_COLUMNS_SQL = ", ".join(f"{name} {_TYPES.get(name, 'text')}" for name in STORED)
# Text compared by its bytes (schema version 3): identifiers and the keys of the indexes, whose
# sort decides the time of an index build. A libc locale (en_US.UTF-8, C.UTF-8 before
# PostgreSQL 17) compares with strcoll and without abbreviated keys: the unique index on
# event_id and the index on incident_id over 1,000,000 reports took 1.05 and 1.62 s to build,
# 0.81 and 1.02 s in "C". Equality is the same in both; only their order can differ (bytes, as
# SQLite's text in the GeoPackage store), and C.UTF-8 orders as bytes anyway.
_BYTEWISE = ("event_id", "incident_id", "category", "country", "admin1")
_MODEL = [name for name in STORED if name not in ("incident_id", "source_file", "ingested_at")]
# Steps from version k - 1 to k, applied in order to bring a store forward.
MIGRATIONS: dict[int, list[str]] = {
    1: [
        f"""CREATE TABLE events (fid bigserial PRIMARY KEY, {_COLUMNS_SQL},
            geom geometry(Geometry, 4326), CONSTRAINT events_event_id UNIQUE (event_id))""",
        "CREATE INDEX events_geom ON events USING gist (geom)",
        "CREATE INDEX events_date ON events (event_date)",
        "CREATE INDEX events_category ON events (category, event_date)",
        "CREATE INDEX events_incident ON events (incident_id)",
        "CREATE INDEX events_region ON events (country, admin1, event_date) WHERE geo_precision >= 3",
    ],
    2: [
        f"""CREATE TABLE events_history (fid bigint, {_COLUMNS_SQL}, geom geometry(Geometry, 4326),
            replaced_at timestamptz NOT NULL, replaced_by_file text NOT NULL)""",
        "CREATE INDEX events_history_event ON events_history (event_id)",
        """CREATE FUNCTION events_keep_old() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             IF OLD.content_hash IS DISTINCT FROM NEW.content_hash THEN
               INSERT INTO events_history SELECT OLD.*, now(), NEW.source_file;
             END IF;
             RETURN NEW;
           END $$""",
        """CREATE TRIGGER events_keep_old BEFORE UPDATE ON events
           FOR EACH ROW EXECUTE FUNCTION events_keep_old()""",
    ],
    3: [
        f"ALTER TABLE {table} "
        + ", ".join(f'ALTER COLUMN {name} TYPE text COLLATE "C"' for name in _BYTEWISE)
        for table in ("events", "events_history")
    ],
}
assert max(MIGRATIONS) == SCHEMA_VERSION


def _sql_type(name: str) -> str:
    """Return the type of column ``name`` as the store declares it (version 3), collation included."""
    return 'text COLLATE "C"' if name in _BYTEWISE else _TYPES.get(name, "text")


class PostgisStore(StoreBackend):
    """A store in a PostgreSQL database with PostGIS (``postgresql://USER@HOST:PORT/DB``)."""

    def __init__(self, url: str) -> None:
        import psycopg  # only needed for a PostGIS store

        self.url = url
        try:
            self._conn = psycopg.connect(url, autocommit=True)
        except psycopg.Error as err:
            msg = f"cannot connect to the store {url}: {str(err).strip().splitlines()[0]}"
            raise InputError(msg) from err
        self._conn.execute("SET client_min_messages = warning")
        self._conn.execute("SET jit = off")  # compiling costs more than it saves on these queries
        self._in_tx = False

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Open a transaction holding the writers' advisory lock."""
        with self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
            self._in_tx = True
            try:
                yield
            finally:
                self._in_tx = False

    def _version(self) -> int:
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS store_meta (key text PRIMARY KEY, value text NOT NULL)"
        )
        row = self._conn.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def migrate(self, *, upto: int = SCHEMA_VERSION) -> tuple[int, int]:
        """Create the schema or bring it forward to ``upto``; return (version found, version now)."""
        with self.transaction():
            self._conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            found = self._version()
            if found > SCHEMA_VERSION:
                msg = (
                    f"the store {self.url} has schema version {found}, newer than this conflictmap's "
                    f"{SCHEMA_VERSION}: upgrade conflictmap"
                )
                raise ConfigurationError(msg)
            for step in range(found + 1, upto + 1):
                for statement in MIGRATIONS[step]:
                    self._conn.execute(statement)
            now = max(found, upto)
            self._conn.execute(
                "INSERT INTO store_meta VALUES ('schema_version', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(now),),
            )
        return found, now

    def schema_version(self) -> int:
        """Return the schema version of the store (0: empty)."""
        return self._version()

    def stage(self, chunks: Iterable[pd.DataFrame]) -> None:
        """COPY the encoded rows, chunk after chunk, into the temporary table ``staged``.

        The chunks go through a queue to a thread that sends them (psycopg's
        ``QueuedLibpqWriter``): the server parses one chunk while the caller encodes the next,
        which uses both cores instead of one after the other.
        """
        from psycopg.copy import QueuedLibpqWriter

        columns = ", ".join(f"{name} {_sql_type(name)}" for name in STAGED if name != "geom")
        self._conn.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS staged (ord bigint, {columns}, geom geometry) "
            "ON COMMIT DROP"
        )
        self._conn.execute("TRUNCATE staged")
        names = ["ord", *STAGED]
        cursor = self._conn.cursor()
        statement = f"COPY staged ({', '.join(names)}) FROM STDIN (FORMAT csv)"
        start = 0
        with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
            for rows in chunks:
                copy.write(_csv(rows, start))
                start += len(rows)
        self._conn.execute("ANALYZE staged")

    def is_empty(self) -> bool:
        """Whether ``events`` holds no report (ask inside :meth:`transaction`, under the lock)."""
        return not self._conn.execute("SELECT EXISTS (SELECT 1 FROM events)").fetchone()[0]

    def load_empty(self, chunks: Iterable[tuple[pd.DataFrame, np.ndarray]], *, source_file: str) -> int:
        """COPY reports straight into the empty ``events``, then build its indexes; return the count.

        ``chunks`` yields encoded rows (:data:`~conflictmap.store.rows.STAGED`, in the order they
        are to be stored: spatial) with each row's position in the file (its ``fid`` follows the
        file, as :meth:`write` gives it) and an ``incident_id`` column. Nothing is staged: an
        empty store has no stored version to compare and no stored report to link, so the rows
        are parsed once by the server, while the caller encodes the next chunk.
        """
        from psycopg.copy import QueuedLibpqWriter

        base = self._conn.execute("SELECT nextval(pg_get_serial_sequence('events', 'fid'))").fetchone()[0]
        names = ["fid", *_MODEL, "incident_id", "geom"]
        cursor = self._conn.cursor()
        count, last = 0, -1
        with self._indexes_built_after(), self._load_defaults(source_file):
            # Binary, not CSV: the server parses it in about two thirds of the time (see pgbinary).
            statement = f"COPY events ({', '.join(names)}) FROM STDIN (FORMAT binary)"
            # Three stages at once: the caller encodes chunk k + 1 (Python, holding the GIL), a
            # worker turns chunk k into COPY rows (NumPy and pyarrow, which release it) and the
            # queued writer sends chunk k - 1 to the server, which parses it on the other core.
            with (
                cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy,
                ThreadPoolExecutor(max_workers=1) as pool,
            ):
                copy.write(SIGNATURE)
                pending: Future[bytes] | None = None
                for rows, positions in chunks:
                    done = pool.submit(_events_binary, rows, base + positions)
                    if pending is not None:
                        copy.write(pending.result())
                    pending = done
                    count += len(rows)
                    last = max(last, int(positions.max(initial=-1)))
                if pending is not None:
                    copy.write(pending.result())
                copy.write(TRAILER)
        self._conn.execute("SELECT setval(pg_get_serial_sequence('events', 'fid'), %s)", (base + last + 1,))
        return count

    def keep_changed(self) -> np.ndarray:
        """Drop staged rows already stored with the same content; return their positions."""
        dropped = self._conn.execute(
            "DELETE FROM staged s USING events e "
            "WHERE e.event_id = s.event_id AND e.content_hash = s.content_hash RETURNING s.ord"
        ).fetchall()
        return np.asarray([row[0] for row in dropped], dtype=np.int64)

    def candidates(self, *, region_precision: int) -> pd.DataFrame:
        """Return the stored reports in the staged rows' windows: the GiST index, then region matches."""
        cols = ", ".join(f"e.{name}" for name in CANDIDATE_COLUMNS)
        dates = "e.event_date <= s.win_end AND coalesce(e.date_end, e.event_date) >= s.win_start"
        fresh = "NOT EXISTS (SELECT 1 FROM staged x WHERE x.event_id = e.event_id)"
        same_region = (
            "e.country = s.country AND (least(e.geo_precision, s.geo_precision) >= 4 "
            "OR least(e.geo_precision, s.geo_precision) < 4 AND e.admin1 = s.admin1)"
        )
        sql = f"""
            SELECT {cols}, e.extras::json ->> 'dataset', ST_AsBinary(e.geom) FROM events e WHERE e.fid IN (
              SELECT e.fid FROM staged s JOIN events e
                ON e.geom && ST_MakeEnvelope(s.win_minx, s.win_miny, s.win_maxx, s.win_maxy, 4326)
               AND {dates}
              UNION
              SELECT e.fid FROM staged s JOIN events e
                ON e.geo_precision >= %(p)s AND {same_region} AND {dates}
              UNION
              SELECT e.fid FROM staged s JOIN events e
                ON s.geo_precision >= %(p)s AND {same_region} AND {dates}
            ) AND {fresh}
        """
        rows = self._conn.execute(sql, {"p": region_precision}).fetchall()
        return pd.DataFrame(rows, columns=[*CANDIDATE_COLUMNS, "dataset", "geom"])

    def write(self, incidents: pd.DataFrame, *, source_file: str) -> tuple[int, int]:
        """Insert or replace the staged rows (one statement), with their incident ids."""
        self._conn.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS incident_map "
            f"(event_id {_sql_type('event_id')}, incident_id {_sql_type('incident_id')}) ON COMMIT DROP"
        )
        self._conn.execute("TRUNCATE incident_map")
        with self._conn.cursor().copy("COPY incident_map FROM STDIN (FORMAT csv)") as copy:
            table = pa.Table.from_pandas(
                incidents[["event_id", "incident_id"]].astype(str), preserve_index=False
            )
            copy.write(_arrow_csv(table))
        model = ", ".join(_MODEL)
        updates = ", ".join(f"{name} = excluded.{name}" for name in (*STORED, "geom") if name != "event_id")
        # New rows are written in spatial order (PostGIS sorts geometries along a Hilbert curve), so
        # a region query reads few heap pages; their fid (the order of query results) still follows
        # the input: fids base + ord are reserved from the sequence first (writers hold the lock).
        base = self._conn.execute(
            "SELECT nextval(pg_get_serial_sequence('events', 'fid')), "
            "(SELECT coalesce(max(ord), 0) + 1 FROM staged)"
        ).fetchone()
        self._conn.execute("SELECT setval(pg_get_serial_sequence('events', 'fid'), %s)", (base[0] + base[1],))
        insert = f"""
              INSERT INTO events (fid, {model}, incident_id, source_file, ingested_at, geom)
              SELECT %s + s.ord, {", ".join(f"s.{n}" for n in _MODEL)}, m.incident_id, %s, now(),
                     ST_SetSRID(s.geom, 4326)
              FROM staged s JOIN incident_map m USING (event_id) ORDER BY ST_SetSRID(s.geom, 4326), s.ord
        """
        if not self._conn.execute("SELECT EXISTS (SELECT 1 FROM events)").fetchone()[0]:
            with self._indexes_built_after():
                added = self._conn.execute(insert, (base[0], source_file)).rowcount
            return int(added), 0
        sql = f"""
            WITH up AS ({insert}
              ON CONFLICT (event_id) DO UPDATE SET {updates}
              WHERE events.content_hash IS DISTINCT FROM excluded.content_hash
              RETURNING (xmax = 0) AS added)
            SELECT count(*) FILTER (WHERE added), count(*) FILTER (WHERE NOT added) FROM up
        """
        added, replaced = self._conn.execute(sql, (base[0], source_file)).fetchone()
        return int(added), int(replaced)

    @contextmanager
    def _load_defaults(self, source_file: str) -> Iterator[None]:
        """Give ``source_file`` and ``ingested_at`` (now()) as the columns' defaults during a load.

        They are the same for every row of a file: as defaults, the rows sent to the server leave
        them out, a quarter of the bytes it parses (a path and a time stamp per row). Inside the
        caller's transaction, with ``events`` locked by :meth:`_indexes_built_after`; the
        defaults the columns had come back after the load (a kill rolls them back as well).
        """
        from psycopg import sql

        one = self._conn.execute
        before = dict(
            one(
                "SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
                "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                "WHERE a.attrelid = 'events'::regclass AND a.attname IN ('source_file', 'ingested_at')"
            ).fetchall()
        )
        one(
            sql.SQL(
                "ALTER TABLE events ALTER COLUMN source_file SET DEFAULT {}, "
                "ALTER COLUMN ingested_at SET DEFAULT now()"
            ).format(sql.Literal(source_file))
        )
        yield
        for name in ("source_file", "ingested_at"):
            default = before.get(name)
            action = sql.SQL("DROP DEFAULT") if default is None else sql.SQL("SET DEFAULT " + default)
            one(sql.SQL("ALTER TABLE events ALTER COLUMN {} ").format(sql.Identifier(name)) + action)

    @contextmanager
    def _indexes_built_after(self) -> Iterator[None]:
        """Drop the indexes and constraints of ``events`` (empty), then build them after the load.

        Building an index over loaded rows (sorted, and GiST by sorting since PostgreSQL 15)
        costs a fraction of maintaining it row by row: 1,000,000 rows go in about twice as fast.
        Only for an empty table (rebuilding a big one for a small file would cost more), inside
        the caller's transaction: a kill leaves the table as it was, indexes included, and
        readers wait for the commit (the table had nothing to read). The unique constraint comes
        back with the rows in: a duplicate ``event_id`` fails the whole file, as ON CONFLICT does.
        """
        one = self._conn.execute
        constraints = one(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'events'::regclass AND contype IN ('p', 'u') ORDER BY contype, conname"
        ).fetchall()
        indexes = one(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = 'events'::regclass AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY 1"
        ).fetchall()
        for name, _ in indexes:
            one(f'DROP INDEX "{name}"')
        for name, _ in constraints:
            one(f'ALTER TABLE events DROP CONSTRAINT "{name}"')
        yield
        one("SET LOCAL maintenance_work_mem = '256MB'")
        for name, definition in constraints:
            one(f'ALTER TABLE events ADD CONSTRAINT "{name}" {definition}')
        for _, definition in indexes:
            one(definition)

    def relabel(self, merged: dict[str, str]) -> None:
        """Move the reports of merged incidents to the incident they joined."""
        for old, new in merged.items():
            self._conn.execute("UPDATE events SET incident_id = %s WHERE incident_id = %s", (new, old))

    def select(self, query: StoreQuery) -> pd.DataFrame:
        """Return the reports passing the filters: dates, categories in SQL, boxes by the GiST index.

        The rows come back as CSV through ``COPY ... TO STDOUT`` and are parsed by pyarrow: 50,000
        rows in a fraction of the time psycopg takes to build them as Python tuples.
        """
        import psycopg

        where, params = where_clause(query)
        names = [*_MODEL_READ]
        select = (
            f"SELECT {', '.join(names)}, encode(ST_AsBinary(geom), 'hex') AS geom FROM events "
            f"WHERE {where} ORDER BY fid"
        )
        literal = psycopg.ClientCursor(self._conn).mogrify(select, params)  # COPY takes no parameters
        sink = io.BytesIO()
        with self._conn.cursor().copy(f"COPY ({literal}) TO STDOUT (FORMAT csv, HEADER)") as copy:
            for block in copy:
                sink.write(block)
        return _read_csv(sink.getvalue(), [*names, "geom"])

    def explain(self, query: StoreQuery) -> str:
        """Return the query plan of :meth:`select` (EXPLAIN (ANALYZE, BUFFERS): pages read)."""
        where, params = where_clause(query)
        select = f"SELECT {', '.join(_MODEL_READ)}, encode(ST_AsBinary(geom), 'hex') FROM events"
        sql = f"EXPLAIN (ANALYZE, BUFFERS) {select} WHERE {where} ORDER BY fid"
        return "\n".join(row[0] for row in self._conn.execute(sql, params))

    def info(self) -> StoreInfo:
        """Return the counts per source file, source, category and month."""
        one = self._conn.execute
        months = "to_char(event_date, 'YYYY-MM')"
        return StoreInfo(
            url=self.url,
            schema_version=self._version(),
            reports=one("SELECT count(*) FROM events").fetchone()[0],
            incidents=one("SELECT count(DISTINCT incident_id) FROM events").fetchone()[0],
            history=one("SELECT count(*) FROM events_history").fetchone()[0],
            by_source_file=_pairs(
                one("SELECT source_file, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC, 1")
            ),
            by_source=_pairs(
                one(
                    "SELECT coalesce(source, '(none)'), count(*) FROM events "
                    "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20"
                )
            ),
            by_category=_pairs(one("SELECT category, count(*) FROM events GROUP BY 1 ORDER BY 2 DESC, 1")),
            by_month=_pairs(one(f"SELECT {months}, count(*) FROM events GROUP BY 1 ORDER BY 1")),
        )


_MODEL_READ = [*_MODEL[: _MODEL.index("layer")], "incident_id"]


def where_clause(query: StoreQuery) -> tuple[str, list[object]]:
    """Return the WHERE clause of a store query (PostgreSQL placeholders)."""
    parts, params = ["true"], []
    if query.lower is not None:
        parts.append("coalesce(date_end, event_date) >= %s")
        params.append(query.lower.to_pydatetime())
    if query.upper is not None:
        parts.append("event_date <= %s")
        params.append(query.upper.to_pydatetime())
    if query.categories is not None:
        parts.append("category = ANY(%s)")
        params.append(sorted(query.categories))
    for boxes in query.boxes:
        clause, values = or_boxes(boxes, "geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)")
        parts.append(clause)
        params.extend(values)
    return " AND ".join(parts), params


def _pairs(cursor: object) -> list[tuple[str, int]]:
    return [(str(a), int(b)) for a, b in cursor.fetchall()]  # type: ignore[attr-defined]


def _csv(rows: pd.DataFrame, start: int) -> bytes:
    """Return the rows as PostgreSQL CSV: strings quoted, missing values unquoted and empty (NULL)."""
    data = {"ord": np.arange(start, start + len(rows), dtype=np.int64)}
    for name in STAGED:
        column = rows[name]
        if name == "geom":
            data[name] = pa.array([b.hex() if b is not None else None for b in column], type=pa.string())
        elif name in ("event_date", "date_end", "win_start", "win_end"):
            data[name] = pa.array(
                column.to_numpy("datetime64[us]"), type=pa.timestamp("us"), from_pandas=True
            )
        else:
            data[name] = pa.array(column, from_pandas=True)
    return _arrow_csv(pa.table(data))


def _events_binary(rows: pd.DataFrame, fids: np.ndarray) -> bytes:
    """Return encoded rows as binary COPY rows of the ``events`` table (geometry as EWKB, SRID 4326).

    The columns ``fid``, the model's, ``incident_id`` and ``geom``: ``source_file`` and
    ``ingested_at`` come from the columns' defaults (:meth:`PostgisStore._load_defaults`).
    """
    fields = [binary_field(pd.Series(fids), "bigint")]
    fields += [binary_field(rows[name], _TYPES.get(name, "text")) for name in _MODEL]
    fields.append(binary_field(rows["incident_id"], "text"))
    fields.append(_ewkb(rows["geom"].to_numpy(dtype=object)))
    return binary_rows(fields)


_EWKB_SRID = 0x20000000  # the flag of a type code followed by an SRID (PostGIS's extended WKB)
_SRID_4326 = (4326).to_bytes(4, "little")


def _ewkb(wkb: np.ndarray) -> pa.Array:
    """EWKB with SRID 4326 of little-endian WKB (None stays null), as a pyarrow binary array.

    Each value gains the SRID flag in its type code and the SRID after it. When every value has
    the same length (all points: the usual file), as rows of one NumPy byte matrix: 0.015 s per
    100,000 points, where a Python slice per value took 0.09 s (holding the lock the thread
    encoding the next chunk needs) and shapely's set_srid and to_wkb(include_srid=True) 0.25 s.
    """
    blobs = pa.array(wkb, type=pa.binary(), from_pandas=True)
    sizes = pc.binary_length(blobs)
    size = pc.min_max(sizes).as_py()
    if not len(blobs) or blobs.null_count or size["min"] != size["max"] or size["min"] < 5:
        return pa.array([_one_ewkb(value) for value in wkb], type=pa.binary())
    data = blobs.buffers()[2]
    start = np.frombuffer(blobs.buffers()[1], dtype=np.int32)[blobs.offset]
    width = size["min"]
    given = np.frombuffer(data, dtype=np.uint8)[start : start + len(blobs) * width].reshape(-1, width)
    out = np.empty((len(blobs), width + 4), dtype=np.uint8)
    out[:, :5] = given[:, :5]  # byte order and type code
    out[:, 4] |= _EWKB_SRID >> 24  # the flag lies in the last byte of the little-endian code
    out[:, 5:9] = np.frombuffer(_SRID_4326, dtype=np.uint8)
    out[:, 9:] = given[:, 5:]
    return fixed_width(out)


def _one_ewkb(wkb: bytes | None) -> bytes | None:
    """EWKB with SRID 4326 of one little-endian WKB: the SRID flag and value after the type code."""
    if wkb is None:
        return None
    code = int.from_bytes(wkb[1:5], "little") | _EWKB_SRID
    return wkb[:1] + code.to_bytes(4, "little") + _SRID_4326 + wkb[5:]


_ARROW_TYPES = {
    "event_date": pa.timestamp("us"),
    "date_end": pa.timestamp("us"),
    "time_precision": pa.int8(),
    "geo_precision": pa.int8(),
    "fatalities": pa.int64(),
    "located": pa.bool_(),
}


def _read_csv(data: bytes, names: list[str]) -> pd.DataFrame:
    """Parse the CSV of ``COPY TO``: unquoted empty fields are NULL, quoted ones empty text."""
    if not data:
        return pd.DataFrame(columns=names)
    table = pacsv.read_csv(
        io.BytesIO(data),
        convert_options=pacsv.ConvertOptions(
            column_types={name: _ARROW_TYPES.get(name, pa.string()) for name in names},
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )
    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype(), pa.int8(): pd.Int8Dtype()}.get)
    frame["geom"] = [bytes.fromhex(h) if isinstance(h, str) else None for h in frame["geom"]]
    return frame


def _arrow_csv(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(include_header=False))
    return sink.getvalue()
