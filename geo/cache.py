"""A persistent SQLite cache of geocoding answers.

One row per ``(service, query, country)`` key holds what the service answered: a place
(``found`` is True) or nothing (``found`` is False, so misses are not asked again). Failures are
never stored. Queries are normalised before they become keys (stripped, case-folded, inner
whitespace collapsed); the service and the country stay distinct parts of the key.

The file uses SQLite's write-ahead log and a busy timeout, so several threads and processes can
read and write one cache at the same time. WAL needs a local file system (not NFS or SMB).

A cache that cannot be used (its folder is a file or read-only, its path a directory, the file
not SQLite or another program's database) is a :class:`~conflictmap.errors.ConfigurationError`
that names the path and the fix; another program's database is never changed.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Self

from conflictmap.errors import ConfigurationError

__all__ = ["CachedAnswer", "GeocodeCache", "default_cache_path", "replace_atomically"]

CACHE_FILE_NAME = "geocode.sqlite"
_BUSY_TIMEOUT_SECONDS = 30.0
_SCHEMA_VERSION = 1
_COLUMNS = ("service", "query", "country", "found", "answer", "created")
_FIX = "or set CONFLICTMAP_CACHE_DIR to another folder"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    service TEXT NOT NULL,
    query   TEXT NOT NULL,
    country TEXT NOT NULL,
    found   INTEGER NOT NULL,
    answer  TEXT,
    created TEXT NOT NULL,
    PRIMARY KEY (service, query, country)
) WITHOUT ROWID
"""


@dataclass(frozen=True)
class CachedAnswer:
    """What a geocoding service once answered for a query.

    Attributes
    ----------
    found
        False when the service found nothing (a cached miss).
    answer
        ``{"address": str, "latitude": float, "longitude": float, "raw": dict}`` when found, else None.
    """

    found: bool
    answer: dict[str, Any] | None


def cache_dir() -> Path:
    """Return conflictmap's cache directory (the gazetteer index and the geocoding cache).

    ``$CONFLICTMAP_CACHE_DIR`` when that variable is set, else ``$XDG_CACHE_HOME/conflictmap`` (an
    absolute ``XDG_CACHE_HOME`` only, as the XDG spec asks), else ``~/.cache/conflictmap``. The
    directory need not exist.
    """
    override = os.environ.get("CONFLICTMAP_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "conflictmap"


def replace_atomically(path: Path, write: Callable[[BinaryIO], object], *, prefix: str) -> None:
    """Write a cache file through a temporary file in its folder, then rename it over ``path``.

    A process reading meanwhile never sees half a file, and two processes writing the same file
    at once both succeed. The folder is created when missing; on any failure the temporary file
    is removed and the error raised (``OSError`` when the folder or file cannot be written).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=prefix, delete=False) as fh:
        try:
            write(fh)
        except BaseException:
            fh.close()
            Path(fh.name).unlink(missing_ok=True)
            raise
    try:
        os.replace(fh.name, path)
    except OSError:
        Path(fh.name).unlink(missing_ok=True)
        raise


def default_cache_path() -> Path:
    """Return where the geocoding cache lives unless the caller chooses a file.

    Returns
    -------
    Path
        ``geocode.sqlite`` in :func:`cache_dir`. The file need not exist.

    Examples
    --------
    >>> default_cache_path().name
    'geocode.sqlite'
    """
    return cache_dir() / CACHE_FILE_NAME


class GeocodeCache:
    """A persistent cache of geocoding answers in one SQLite file.

    Safe to share between threads, and between processes that open the same file.

    Parameters
    ----------
    path
        The SQLite file; it and its parent folders are created when missing. See
        :func:`default_cache_path`.

    Raises
    ------
    ConfigurationError
        When the file cannot be a cache: its folder cannot be created or written, the path is a
        directory, or the file is not SQLite, another program's database or of a newer schema.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp, GeocodeCache(Path(tmp) / "g.sqlite") as cache:
    ...     cache.put(service="nominatim", query="Atlantis", country=None, answer=None)
    ...     cache.get(service="nominatim", query="  ATLANTIS ", country=None)
    CachedAnswer(found=False, answer=None)
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = _open(self.path)

    def get(self, *, service: str, query: str, country: str | None) -> CachedAnswer | None:
        """Return the cached answer for a query.

        Parameters
        ----------
        service
            The geocoding service's name (``"nominatim"``).
        query
            The place name as asked; whitespace and case do not matter.
        country
            The ISO 3166-1 alpha-2 filter the query was asked with, or None.

        Returns
        -------
        CachedAnswer or None
            None when the query has not been cached.
        """
        key = _key(service=service, query=query, country=country)
        with self._lock, self._guarded():
            row = (
                self._connection()
                .execute(
                    "SELECT found, answer FROM answers WHERE service = ? AND query = ? AND country = ?", key
                )
                .fetchone()
            )
        if row is None:
            return None
        found, answer = row
        return CachedAnswer(found=bool(found), answer=json.loads(answer) if found else None)

    def put(self, *, service: str, query: str, country: str | None, answer: dict[str, Any] | None) -> None:
        """Store what a service answered, replacing any earlier answer for the same key.

        Parameters
        ----------
        service
            The geocoding service's name.
        query
            The place name as asked.
        country
            The ISO 3166-1 alpha-2 filter, or None.
        answer
            ``{"address": str, "latitude": float, "longitude": float, "raw": dict}``, or None when
            the service found nothing. It must be JSON-serialisable.

        Raises
        ------
        TypeError
            When ``answer`` is neither a dict nor None, or does not serialise to JSON.
        """
        if answer is not None and not isinstance(answer, dict):
            msg = f"answer must be a dict or None, not {type(answer).__name__}"
            raise TypeError(msg)
        key = _key(service=service, query=query, country=country)
        text = None if answer is None else json.dumps(answer, ensure_ascii=False, allow_nan=False)
        created = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock, self._guarded():
            self._connection().execute(
                "INSERT OR REPLACE INTO answers (service, query, country, found, answer, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (*key, int(answer is not None), text, created),
            )

    def close(self) -> None:
        """Close the database connection; calling it again does nothing."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _guarded(self) -> Iterator[None]:
        """Turn a failure of the file during the run (disk full, made read-only) into the fix."""
        try:
            yield
        except sqlite3.OperationalError as err:
            raise ConfigurationError(_unusable(self.path, err)) from err

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            msg = f"the geocoding cache {str(self.path)!r} is closed"
            raise ValueError(msg)
        return self._conn


def _open(path: Path) -> sqlite3.Connection:
    """Open the cache file (created when missing), or raise the reason and the fix."""
    try:
        if path.is_dir():
            msg = f"the geocoding cache {path} is a directory, not a file: remove it {_FIX}"
            raise ConfigurationError(msg)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit (isolation_level=None): each statement is its own transaction, so a write
        # takes the write lock at once and waits for it through the busy timeout.
        conn = sqlite3.connect(
            path, timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
    except (OSError, sqlite3.Error) as err:
        raise ConfigurationError(_unusable(path, err)) from err
    try:
        _prepare(conn)
    except (sqlite3.Error, _ForeignFile) as err:
        conn.close()
        if isinstance(err, sqlite3.OperationalError):  # locked, read-only, cannot create the log, ...
            raise ConfigurationError(_unusable(path, err)) from err
        if isinstance(err, _ForeignFile):
            msg = (
                f"{path} is not a conflictmap geocoding cache ({err}); conflictmap leaves it unchanged: "
                f"move it away {_FIX}"
            )
        else:
            msg = f"{path} is not a conflictmap geocoding cache ({err}); delete it {_FIX}"
        raise ConfigurationError(msg) from err
    return conn


def _unusable(path: Path, err: BaseException) -> str:
    reason = (err.strerror if isinstance(err, OSError) else None) or str(err)
    if os.path.isfile(path.parent):  # (os.path never raises, pathlib may)
        reason = f"{path.parent} is a file, not a folder"
    if "locked" in reason:
        return (
            f"the geocoding cache {path} stayed locked by another process for {_BUSY_TIMEOUT_SECONDS:g} s: "
            f"try again when that process is done, {_FIX}"
        )
    return (
        f"cannot use the geocoding cache {path} ({reason}): the online geocoders keep their answers "
        f"there; make {path.parent} a folder you can write to, {_FIX}"
    )


class _ForeignFile(Exception):
    """An SQLite file that holds tables this cache did not make."""


def _prepare(conn: sqlite3.Connection) -> None:
    """Check the file is (or can become) a cache, switch it to WAL and create the table.

    The checks only read: a file of another program is refused before anything is written.
    """
    conn.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_SECONDS * 1000)}")
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version > _SCHEMA_VERSION:
        msg = f"cache schema version {version} is newer than this conflictmap understands ({_SCHEMA_VERSION})"
        raise sqlite3.DatabaseError(msg)
    tables = sorted(
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
        )
    )
    columns = tuple(row[1] for row in conn.execute("PRAGMA table_info(answers)"))
    if tables not in ([], ["answers"]) or (tables and columns != _COLUMNS):
        listed = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise _ForeignFile(f"an SQLite database of another program, with the tables {listed}")
    # Switching a new file to WAL needs an exclusive lock, and SQLite answers "database is
    # locked" at once (without its busy handler) when another process is doing the same: retry.
    deadline = time.monotonic() + _BUSY_TIMEOUT_SECONDS
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            break
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.02 + random.random() * 0.05)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(_SCHEMA)
    if version < _SCHEMA_VERSION:
        conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")


def _key(*, service: str, query: str, country: str | None) -> tuple[str, str, str]:
    """Return the normalised ``(service, query, country)`` key; no country is ``""``."""
    for name, value in (("service", service), ("query", query)):
        if not isinstance(value, str):
            msg = f"{name} must be a str, not {type(value).__name__}"
            raise TypeError(msg)
    if country is not None and not isinstance(country, str):
        msg = f"country must be a str or None, not {type(country).__name__}"
        raise TypeError(msg)
    return (
        service.strip().casefold(),
        " ".join(query.split()).casefold(),
        (country or "").strip().casefold(),
    )
