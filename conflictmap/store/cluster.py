"""A throwaway PostgreSQL + PostGIS cluster in a folder, for tests, benchmarks and trying a team store.

It runs Debian's PostgreSQL binaries (``/usr/lib/postgresql/<version>/bin``) with PostGIS
installed (``apt-get install postgresql-15-postgis-3``), on a free port of 127.0.0.1, as
pytest-postgresql does. ``initdb`` refuses to run as root, so as root the cluster is created and
run as the ``postgres`` user in a folder that user owns.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conflictmap.errors import ConfigurationError

__all__ = ["postgres_bin", "throwaway_cluster"]


def postgres_bin() -> Path | None:
    """Return the folder of the newest installed PostgreSQL server binaries, or None."""
    root = Path("/usr/lib/postgresql")
    versions = sorted((p for p in root.glob("*/bin") if (p / "initdb").exists()), key=_version)
    return versions[-1] if versions else None


def _version(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in path.parent.name.split(".") if part.isdigit())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def throwaway_cluster(*, database: str = "conflictmap", folder: Path | None = None) -> Iterator[str]:
    """Start a PostgreSQL cluster with PostGIS in a temporary folder; yield its URL; remove it.

    Parameters
    ----------
    database
        Name of the database created in it (with ``CREATE EXTENSION postgis``).
    folder
        Parent folder of the cluster (a new temporary folder by default).

    Yields
    ------
    str
        ``postgresql://postgres@127.0.0.1:PORT/DATABASE``.

    Raises
    ------
    ConfigurationError
        PostgreSQL's server binaries are not installed.
    """
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise ConfigurationError("PostgreSQL is not installed (apt-get install postgresql-15-postgis-3)")
    parent = Path(tempfile.mkdtemp(prefix="cm-pg-", dir=folder))
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse root: run them as postgres
        shutil.chown(parent, user="postgres", group="postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    data, sockets = parent / "data", parent / "sock"
    subprocess.run([*run_as, "mkdir", str(sockets)], check=True)
    subprocess.run(
        [*run_as, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    subprocess.run(
        [
            *run_as,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-w",
            "-l",
            str(parent / "log"),
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        import psycopg

        admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        url = f"postgresql://postgres@127.0.0.1:{port}/{database}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        yield url
    finally:
        subprocess.run(
            [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(parent, ignore_errors=True)
