"""The event store against a real GeoPackage file and a real PostgreSQL + PostGIS cluster."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from conflictmap.store import open_store
from conflictmap.store.cluster import postgres_bin, throwaway_cluster

ACLED = "acled_middle_east_2020-04-27_2020-05-09.csv"
UCDP = "ucdp_ged231_sample_uncertainUCDP.csv"


def _has_postgis() -> bool:
    found = postgres_bin()
    return found is not None and any(
        Path("/usr/share/postgresql").glob(f"{found.parent.name}/extension/postgis.control")
    )


@pytest.fixture(scope="session")
def postgis_cluster():
    """One throwaway cluster for the run (a temporary folder, a free port); removed at the end."""
    if not _has_postgis():
        pytest.skip("PostgreSQL with PostGIS is not installed (make test installs it)")
    with throwaway_cluster(database="template_store") as url:
        yield url


@pytest.fixture(params=["gpkg", "postgis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty store of each backend: a GeoPackage path, or a fresh PostGIS database."""
    if request.param == "gpkg":
        return str(tmp_path / "events.gpkg")
    return new_database(request.getfixturevalue("postgis_cluster"))


def new_database(cluster: str) -> str:
    """Create an empty database of the test cluster from its template; return its URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = cluster.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template_store')
    return cluster.rsplit("/", 1)[0] + "/" + name


def cm(*args: str, check: bool = True, quiet: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-c", "from conflictmap.cli import main; main()", *(["-q"] if quiet else []), *args],
        capture_output=True,
        text=True,
        env=os.environ,
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def count(url: str) -> int:
    store = open_store(url)
    try:
        return store.info().reports if store.schema_version() else 0
    finally:
        store.close()


def migrate(url: str) -> None:
    store = open_store(url)
    try:
        store.migrate()
    finally:
        store.close()


def events_csv(path: Path, rows: list[tuple[str, str, str, float, float, str]]) -> Path:
    lines = ["event_id,event_date,category,latitude,longitude,source,actor1"]
    lines += [",".join([i, d, c, f"{lat}", f"{lon}", s, "Israeli army"]) for i, d, c, lat, lon, s in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.shared_data
def test_shared_events_once_and_region_as_from_files(
    shared_events: Path, store_url: str, tmp_path: Path
) -> None:
    acled, ucdp = str(shared_events / ACLED), str(shared_events / UCDP)
    cm("ingest", acled, ucdp, "--store", store_url)
    store = open_store(store_url)
    info = store.info()
    store.close()
    assert dict(info.by_source_file) == {acled: 1168, ucdp: 1000}
    cm("ingest", acled, ucdp, "--store", store_url)
    assert count(store_url) == 2168
    from_store, from_files = tmp_path / "store.geojson", tmp_path / "files.geojson"
    cm("filter", "--store", store_url, "--region", "southern Syria", "-o", str(from_store))
    cm("filter", acled, ucdp, "--region", "southern Syria", "-o", str(from_files))
    features = json.loads(from_store.read_text())["features"]
    assert len(features) == 61
    assert from_store.read_bytes() == from_files.read_bytes()


def test_same_incident_from_two_sources(store_url: str, tmp_path: Path) -> None:
    # Quneitra and a point 3 km east of it, the same day, the same category.
    a = events_csv(tmp_path / "a.csv", [("a-1", "2025-03-09", "shelling", 33.1260, 35.8240, "Outlet A")])
    b = events_csv(tmp_path / "b.csv", [("b-1", "2025-03-09", "shelling", 33.1260, 35.8562, "Outlet B")])
    far = events_csv(tmp_path / "c.csv", [("c-1", "2025-03-09", "shelling", 33.3260, 35.8240, "Outlet C")])
    cm("ingest", str(a), str(b), str(far), "--store", store_url)
    out = tmp_path / "incidents.csv"
    cm("export", "--store", store_url, "--incidents", "-o", str(out), "--format", "csv")
    import pandas as pd

    incidents = pd.read_csv(out)
    assert len(incidents) == 2
    both = incidents[incidents["report_count"] == 2].iloc[0]
    assert both["sources"] == "Outlet A; Outlet B"
    assert incidents[incidents["report_count"] == 1].iloc[0]["sources"] == "Outlet C"
    reports = tmp_path / "reports.csv"
    cm("export", "--store", store_url, "-o", str(reports), "--format", "csv")
    assert sorted(pd.read_csv(reports)["event_id"]) == ["a-1", "b-1", "c-1"]
    # The same rule without a store, on the files.
    from_files = tmp_path / "files.csv"
    cm("export", str(a), str(b), str(far), "--incidents", "-o", str(from_files), "--format", "csv")
    assert sorted(pd.read_csv(from_files)["report_count"]) == [1, 2]


def test_one_datasets_rows_stay_distinct_incidents_across_ingests(store_url: str, tmp_path: Path) -> None:
    # Two files of one curated dataset (its `dataset` column, kept in the store's extras): the same
    # town a day apart is two incidents even when the second file meets the first in the store.
    def dataset_csv(path: Path, event_id: str, day: str, dataset: str) -> Path:
        path.write_text(
            "event_id,event_date,category,latitude,longitude,source,actor1,dataset\n"
            f"{event_id},{day},clashes,33.126,35.824,Outlet,Israeli army,{dataset}\n",
            encoding="utf-8",
        )
        return path

    cm("ingest", str(dataset_csv(tmp_path / "d1.csv", "d-1", "2025-03-09", "acled")), "--store", store_url)
    cm("ingest", str(dataset_csv(tmp_path / "d2.csv", "d-2", "2025-03-10", "acled")), "--store", store_url)
    cm("ingest", str(dataset_csv(tmp_path / "d3.csv", "d-3", "2025-03-10", "ucdp")), "--store", store_url)
    out = tmp_path / "incidents.csv"
    cm("export", "--store", store_url, "--incidents", "-o", str(out), "--format", "csv")
    import pandas as pd

    incidents = pd.read_csv(out)
    # d-3 (another dataset) joins one of the two acled rows; d-1 and d-2 never share an incident.
    assert sorted(incidents["report_count"]) == [1, 2]


def test_changed_row_replaces_and_history_keeps_old(store_url: str, tmp_path: Path) -> None:
    first = events_csv(
        tmp_path / "v1.csv",
        [
            ("x-1", "2025-03-09", "shelling", 33.1, 35.8, "A"),
            ("x-2", "2025-03-10", "clashes", 33.5, 36.2, "A"),
        ],
    )
    cm("ingest", str(first), "--store", store_url)
    second = events_csv(tmp_path / "v2.csv", [("x-1", "2025-03-09", "shelling", 33.1, 35.8, "A; B")])
    proc = cm("ingest", str(second), "--store", store_url, quiet=False)
    assert "added 0; replaced 1" in proc.stderr
    assert count(store_url) == 2
    store = open_store(store_url)
    info = store.info()
    store.close()
    assert info.history == 1
    out = tmp_path / "out.csv"
    cm("export", "--store", store_url, "-o", str(out), "--format", "csv")
    import pandas as pd

    assert pd.read_csv(out).set_index("event_id").loc["x-1", "source"] == "A; B"


def test_bad_row_exit_2_and_nothing_of_that_file(store_url: str, tmp_path: Path) -> None:
    good = events_csv(tmp_path / "good.csv", [("g-1", "2025-03-09", "shelling", 33.1, 35.8, "A")])
    bad = events_csv(
        tmp_path / "bad.csv",
        [
            ("b-1", "2025-03-09", "shelling", 33.1, 35.8, "A"),
            ("b-2", "2025-03-09", "shelling", 133.1, 35.8, "A"),
        ],
    )
    proc = cm("ingest", str(good), str(bad), "--store", store_url, check=False)
    assert proc.returncode == 2
    assert "bad.csv" in proc.stderr and "latitude" in proc.stderr and "133.1" in proc.stderr
    assert count(store_url) == 1  # the good file, none of the bad one


def test_concurrent_overlapping_ingests_store_union_once(store_url: str, tmp_path: Path) -> None:
    rows = [(f"e-{i}", "2025-03-09", "clashes", 30 + i * 0.01, 40.0, "S") for i in range(3000)]
    one = events_csv(tmp_path / "one.csv", rows[:2000])
    two = events_csv(tmp_path / "two.csv", rows[1000:])
    migrate(store_url)  # create the schema first: both then race on rows only
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from conflictmap.cli import main; main()",
                "-q",
                "ingest",
                str(p),
                "--store",
                store_url,
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in (one, two)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    assert count(store_url) == 3000


def test_sigkill_mid_ingest_leaves_none_or_all(store_url: str, tmp_path: Path) -> None:
    n = 60_000
    rows = [
        (
            f"k-{i}",
            f"2025-0{1 + i % 9}-1{i % 9}",
            "clashes",
            30 + (i % 1000) * 0.01,
            40 + i // 1000 * 0.01,
            "S",
        )
        for i in range(n)
    ]
    path = events_csv(tmp_path / "big.csv", rows)
    migrate(store_url)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from conflictmap.cli import main; main()",
            "-q",
            "ingest",
            str(path),
            "--store",
            store_url,
        ]
    )
    time.sleep(4.0)  # reading and validating are done by then; the transaction is under way
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert count(store_url) in (0, n)
    cm("ingest", str(path), "--store", store_url)
    assert count(store_url) == n


def test_schema_migrates_forward(store_url: str) -> None:
    store = open_store(store_url)
    try:
        assert store.migrate(upto=1) == (0, 1)
        assert store.schema_version() == 1
        assert store.migrate(upto=2) == (1, 2)
        assert store.info().history == 0  # the table version 2 added
        assert store.migrate() == (2, 3)
        assert store.schema_version() == 3
    finally:
        store.close()


def test_postgis_identifiers_compare_by_bytes_after_migration(postgis_cluster: str, tmp_path: Path) -> None:
    import psycopg

    url = new_database(postgis_cluster)
    store = open_store(url)
    try:
        store.migrate(upto=2)
    finally:
        store.close()
    # A store of version 2 with reports in it, then brought forward by the next ingest.
    cm(
        "ingest",
        str(events_csv(tmp_path / "a.csv", [("b-1", "2025-03-09", "shelling", 33.1, 36.2, "A")])),
        "--store",
        url,
    )
    cm(
        "ingest",
        str(events_csv(tmp_path / "b.csv", [("a-1", "2025-03-09", "shelling", 33.1, 36.2, "B")])),
        "--store",
        url,
    )
    with psycopg.connect(url) as conn:
        collations = conn.execute(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE table_name IN ('events', 'events_history') AND collation_name IS NOT NULL "
            "ORDER BY 1, 2"
        ).fetchall()
        incidents = conn.execute("SELECT count(DISTINCT incident_id), count(*) FROM events").fetchone()
        version = conn.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchone()[0]
    expected = sorted(("admin1", "category", "country", "event_id", "incident_id"))
    assert collations == [(t, c, "C") for t in ("events", "events_history") for c in expected]
    assert version == "3"
    assert incidents == (1, 2)  # the second report joined the first's incident across the migration


def test_missing_store_and_output_over_store_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "missing.gpkg"
    proc = cm("export", "--store", str(missing), "-o", str(tmp_path / "out.csv"), check=False)
    assert proc.returncode == 2 and "no such file" in proc.stderr
    assert not missing.exists()  # reading never creates a store
    store = str(tmp_path / "events.gpkg")
    cm(
        "ingest",
        str(events_csv(tmp_path / "a.csv", [("a-1", "2025-03-09", "shelling", 33.1, 35.8, "A")])),
        "--store",
        store,
    )
    proc = cm("export", "--store", store, "-o", store, check=False)
    assert proc.returncode == 2 and "same file" in proc.stderr
    assert count(store) == 1
    proc = cm("export", "-o", str(tmp_path / "out.csv"), check=False)
    assert proc.returncode == 2 and "--store" in proc.stderr


def test_postgis_rows_stored_in_spatial_order_fids_in_input_order(
    postgis_cluster: str, tmp_path: Path
) -> None:
    import psycopg

    url = new_database(postgis_cluster)
    # Input order zig-zags between two places 500 km apart; a second file follows.
    rows = [
        (f"z-{i}", "2025-03-09", "shelling", 33.0 + 4 * (i % 2), 36.0 + i * 0.01, "Outlet A")
        for i in range(40)
    ]
    cm("ingest", str(events_csv(tmp_path / "a.csv", rows)), "--store", url)
    cm(
        "ingest",
        str(events_csv(tmp_path / "b.csv", [("y-0", "2025-03-10", "shelling", 35.0, 36.0, "B")])),
        "--store",
        url,
    )
    with psycopg.connect(url) as conn:
        by_fid = [r[0] for r in conn.execute("SELECT event_id FROM events ORDER BY fid")]
        on_disk = [r[0] for r in conn.execute("SELECT event_id FROM events ORDER BY ctid")]
        first = [
            r[0] for r in conn.execute("SELECT event_id FROM events WHERE event_id LIKE 'z-%' ORDER BY ctid")
        ]
        # Each row names its file and its ingest's time (the empty store's load gives them as the
        # columns' defaults for the load only: none is left on the table).
        stamps = conn.execute(
            "SELECT source_file, count(*), count(DISTINCT ingested_at), count(ingested_at) FROM events "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
        defaults = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'events' "
            "AND column_default IS NOT NULL"
        ).fetchall()
    assert stamps == [(str(tmp_path / "a.csv"), 40, 1, 40), (str(tmp_path / "b.csv"), 1, 1, 1)]
    assert defaults == [("fid",)]
    assert by_fid == [f"z-{i}" for i in range(40)] + ["y-0"]  # fids follow the input, file after file
    # On disk, the first file's rows are grouped by place: the 20 southern ones, then the 20 northern.
    assert first[:20] == [f"z-{i}" for i in range(0, 40, 2)] or first[:20] == [
        f"z-{i}" for i in range(1, 40, 2)
    ]
    assert on_disk[-1] == "y-0"


@pytest.mark.parametrize("answer", ["before the first chunk", "after the last chunk"])
def test_postgis_empty_load_in_chunks_beside_the_linker_stores_the_same(
    postgis_cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    """Rows flow in chunks while the forked linker answers early or late: the same store as one go."""
    import psycopg

    from conflictmap.store import ingest as ingest_module
    from conflictmap.store import ingest_files

    rows = [
        (
            f"c-{i}",
            f"2025-03-{1 + i % 5:02d}",
            "shelling",
            33.0 + (i % 7) * 0.003,
            36.0 + (i % 11) * 0.004,
            "A",
        )
        for i in range(60)
    ]
    csv = events_csv(tmp_path / "c.csv", rows)

    def stored(*, chunked: bool) -> list[tuple[object, ...]]:
        url = new_database(postgis_cluster)
        with monkeypatch.context() as patch:
            if chunked:
                patch.setattr(ingest_module, "CHUNK", 7)
                patch.setattr(ingest_module, "FORK_AT", 1)
                early = answer == "before the first chunk"
                real_ready = ingest_module._LinkingBeside.ready
                patch.setattr(
                    ingest_module._LinkingBeside,
                    "ready",
                    lambda self: (real_ready(self) or True) if early else False,
                )
            store = open_store(url)
            try:
                (result,) = ingest_files([csv], store=store)
            finally:
                store.close()
        assert result.added == 60 and result.linked > 0
        with psycopg.connect(url) as conn:
            return conn.execute(
                "SELECT fid, event_id, content_hash, split_part(incident_id, '-', 3), "
                "ST_AsText(geom) FROM events ORDER BY ctid"
            ).fetchall()

    assert stored(chunked=True) == stored(chunked=False)
