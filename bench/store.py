"""Bench: ingesting into PostGIS against GeoDataFrame.to_postgis, a region query on a big store, SIGKILL.

Run: python bench/store.py [--events 1000000] [--store-size 5000000]. It starts a throwaway
PostgreSQL + PostGIS cluster (Debian packages; see conflictmap.store.cluster) and prints:
  1. ingest (read, validate, locate, link incidents, write) of N events vs to_postgis of the same
     validated rows (baseline, same run), as a ratio, and the CPU each took in Python and in the server;
  2. EXPLAIN ANALYZE and the time of a region query returning ~1% of a store of M events;
  3. a SIGKILL in the middle of ingesting N events: the count after it (0 or N), then after a rerun.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conflictmap import read_events
from conflictmap.store import ingest_files, open_store, store_query
from conflictmap.store.cluster import throwaway_cluster
from geo.filters import SpatialFilter

CATEGORIES = ["clashes", "shelling", "airstrike", "unrest", "other"]


def make_csv(path: Path, n: int, *, seed: int, prefix: str) -> None:
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3650, n), unit="D")
    frame = pd.DataFrame(
        {
            "event_id": [f"{prefix}{i}" for i in range(n)],
            "event_date": days.strftime("%Y-%m-%d"),
            "category": np.asarray(CATEGORIES)[rng.integers(0, len(CATEGORIES), n)],
            "latitude": np.round(rng.uniform(12.0, 42.0, n), 5),
            "longitude": np.round(rng.uniform(35.0, 60.0, n), 5),
            "source": np.asarray(["Outlet A", "Outlet B", "Outlet C"])[rng.integers(0, 3, n)],
            "actor1": np.asarray(["Army", "Rebels", "Militia X"])[rng.integers(0, 3, n)],
            "fatalities": rng.integers(0, 5, n),
        }
    )
    frame.to_csv(path, index=False)


def fresh_db(base: str, name: str) -> str:
    import psycopg

    admin = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = base.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
    return url


def postmaster_of(url: str) -> int:
    """Return the process id of the server of ``url`` (the parent of a backend)."""
    import psycopg

    with psycopg.connect(url) as conn:  # read while the backend lives: it exits with the connection
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        stat = Path(f"/proc/{backend}/stat").read_text()
    return int(stat[stat.rindex(")") + 2 :].split()[1])


def server_cpu(postmaster: int) -> float:
    """CPU seconds of one cluster: its postmaster, the processes it runs and those it has reaped.

    Backends, parallel workers of the index builds and autovacuum included; another cluster on
    the machine (another helper's) not. Linux's /proc; NaN elsewhere.
    """
    ticks = 0
    try:
        entries = list(os.scandir("/proc"))
    except OSError:
        return float("nan")
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(entry.name) == postmaster:
            ticks += sum(int(v) for v in fields[11:15])  # its own and its reaped children's
        elif int(fields[1]) == postmaster:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def python_cpu() -> tuple[float, float]:
    """CPU seconds of this process and of its ended children (the ingest's forked linker)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def bench_ingest(url_base: str, csv: Path, n: int) -> None:
    from sqlalchemy import create_engine

    events = read_events(csv)
    url = fresh_db(url_base, "baseline")
    postmaster = postmaster_of(url)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    cpu0, server0 = python_cpu(), server_cpu(postmaster)
    t0 = time.perf_counter()
    events.to_postgis("events", engine, if_exists="replace", index=False, chunksize=100_000)
    baseline = time.perf_counter() - t0
    cpu1, server1 = python_cpu(), server_cpu(postmaster)
    engine.dispose()
    del events
    url = fresh_db(url_base, "ours")
    store = open_store(url)
    cpu2, server2 = python_cpu(), server_cpu(postmaster)
    t0 = time.perf_counter()
    ingest_files([csv], store=store)
    ours = time.perf_counter() - t0
    cpu3, server3 = python_cpu(), server_cpu(postmaster)
    stored = store.info().reports
    store.close()
    assert stored == n, f"the store holds {stored:,} events, not {n:,}"
    print(f"1. {n:,} events: GeoDataFrame.to_postgis {baseline:.1f} s ({n / baseline:,.0f} rows/s)")
    print(
        f"   conflictmap ingest (read, validate, locate, link, write) {ours:.1f} s ({n / ours:,.0f} rows/s)"
    )
    print(f"   ratio ingest / to_postgis: {ours / baseline:.2f} (bar: <= 1.00); the store holds {stored:,}")
    print(
        f"   CPU: to_postgis {cpu1[0] - cpu0[0]:.1f} s of Python, {server1 - server0:.1f} s of server; "
        f"ingest {cpu3[0] - cpu2[0]:.1f} s of Python (+ {cpu3[1] - cpu2[1]:.1f} s forked), "
        f"{server3 - server2:.1f} s of server (load {os.getloadavg()[0]:.1f})"
    )


def bench_region_query(url_base: str, csv: Path, n: int, size: int) -> None:
    import psycopg

    url = fresh_db(url_base, "big")
    store = open_store(url)
    ingest_files([csv], store=store)
    # Grow the store to `size` reports by copying the ingested ones with shifted ids and places
    # (in SQL: ingesting 4 more files would only repeat part 1).
    with psycopg.connect(url, autocommit=True) as conn:
        copies = size // n - 1
        cols = [
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'events' "
                "AND column_name NOT IN "
                "('fid', 'event_id', 'geom') ORDER BY ordinal_position"
            )
        ]
        for k in range(1, copies + 1):
            conn.execute(
                f"INSERT INTO events (event_id, {', '.join(cols)}, geom) SELECT event_id || '-copy{k}', "
                f"{', '.join(cols)}, ST_Translate(geom, 0, {k * 0.001}) "
                "FROM events WHERE event_id NOT LIKE '%-copy%'"
            )
        conn.execute("VACUUM ANALYZE events")
        total = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    # A box of 1% of the area (25 x 30 degrees): 2.5 x 3 degrees.
    spatial = SpatialFilter.build(bbox="40,20,42.5,23")
    query = store_query(spatial=spatial)
    store.select(query)  # once to warm the cache, as a store in use is
    t0 = time.perf_counter()
    rows = store.select(query)
    took = time.perf_counter() - t0
    print(
        f"2. region query on a store of {total:,} events: {len(rows):,} rows "
        f"({len(rows) / total:.2%}) in {took:.2f} s "
        f"(bar: < 1 s); plan:"
    )
    print("   " + store.explain(query).replace("\n", "\n   "))
    store.close()


def bench_sigkill(url_base: str, csv: Path, n: int) -> None:
    url = fresh_db(url_base, "killed")
    cmd = [
        sys.executable,
        "-c",
        "from conflictmap.cli import main; main()",
        "-q",
        "ingest",
        str(csv),
        "--store",
        url,
    ]
    open_store(url).migrate()
    import psycopg

    proc = subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    # Kill it while it writes into events: its COPY into an empty store (or the upsert of staged
    # rows into a store that has some).
    with psycopg.connect(url, autocommit=True) as conn:
        while proc.poll() is None:
            busy = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                "AND (query LIKE '%INSERT INTO events%' OR query LIKE 'COPY events%') "
                "AND pid <> pg_backend_pid()"
            ).fetchone()[0]
            if busy:
                time.sleep(1.0)  # well inside the statement
                break
            time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    store = open_store(url)
    after_kill = store.info().reports
    subprocess.run(
        cmd, check=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    )
    after_rerun = store.info().reports
    store.close()
    print(
        f"3. SIGKILL while the ingest of {n:,} events writes into events: {after_kill:,} stored (0 or all); "
        f"after a rerun {after_rerun:,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--store-size", type=int, default=5_000_000)
    parser.add_argument("--parts", default="123", help="which parts to run (default: all, 123)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, throwaway_cluster() as url:
        csv = Path(tmp) / "events.csv"
        make_csv(csv, args.events, seed=1, prefix="bench-")
        if "1" in args.parts:
            bench_ingest(url, csv, args.events)
        if "2" in args.parts:
            bench_region_query(url, csv, args.events, args.store_size)
        if "3" in args.parts:
            bench_sigkill(url, csv, args.events)


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
