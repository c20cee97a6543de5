"""What a CLI process sets up before it reads: Arrow's allocator, the garbage collector."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# Runs the CLI's entry point in a fresh process and prints Arrow's pool once it has exited.
_POOL_AT_EXIT = (
    "import atexit, sys\n"
    "import pyarrow as pa\n"
    "from conflictmap.cli import main\n"
    "atexit.register(lambda: print(pa.default_memory_pool().backend_name))\n"
    "sys.argv = ['conflictmap', 'regions', '--kind', 'country']\n"
    "main()\n"
)


def _pool_of_a_cli_run(env_pool: str | None) -> str:
    env = {key: value for key, value in os.environ.items() if key != "ARROW_DEFAULT_MEMORY_POOL"}
    if env_pool is not None:
        env["ARROW_DEFAULT_MEMORY_POOL"] = env_pool
    done = subprocess.run(
        [sys.executable, "-c", _POOL_AT_EXIT],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout.strip().splitlines()[-1]


def test_the_cli_allocates_with_the_system_allocator():
    assert _pool_of_a_cli_run(None) == "system"


@pytest.mark.parametrize("pool", ["jemalloc", "mimalloc"])
def test_a_pool_chosen_by_the_user_is_kept(pool):
    import pyarrow as pa

    if pool not in pa.supported_memory_backends():
        pytest.skip(f"this pyarrow has no {pool}")
    assert _pool_of_a_cli_run(pool) == pool


def test_the_cli_freezes_the_objects_of_its_imports_and_collects_less_often():
    code = (
        "import atexit, gc, json, sys\n"
        "from conflictmap.cli import main\n"
        "before = gc.get_threshold()\n"
        "atexit.register(lambda: print(json.dumps([gc.get_freeze_count(), before, gc.get_threshold()])))\n"
        "sys.argv = ['conflictmap', 'regions', '--kind', 'country']\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    frozen, before, after = json.loads(done.stdout.strip().splitlines()[-1])
    assert frozen > 10_000  # the objects of the imports
    assert after == [10_000, *before[1:]]


def test_the_overrides_file_name_is_the_resolvers():
    from conflictmap._geocode_cli import OVERRIDES_FILENAME
    from geo.resolve import OVERRIDES_FILENAME as RESOLVERS

    assert OVERRIDES_FILENAME == RESOLVERS


# Modules a filter of events with coordinates has no use for.
_NOT_NEEDED = ("geo.resolve", "geo.phrases", "geo.geocoder", "geopy", "folium", "jinja2", "branca", "dask")


def _modules_of_a_filter_run(tmp_path, events: str) -> tuple[set[str], str]:
    (tmp_path / "events.csv").write_text(events, encoding="utf-8")
    code = (
        "import atexit, json, sys\n"
        "from conflictmap.cli import main\n"
        "atexit.register(lambda: print(json.dumps(sorted(sys.modules))))\n"
        "sys.argv = ['conflictmap', 'filter', 'events.csv', '--region', 'southern Syria',"
        " '-o', 'south.csv']\n"
        "main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1])), (tmp_path / "south.csv").read_text("utf-8")


_LOCATED = (
    "event_id,event_date,category,location,latitude,longitude\n"
    "a1,2025-03-01,airstrike,Tafas,32.7386,36.0669\n"
)


def test_a_filter_of_located_events_imports_no_geocoder_nor_map_code(tmp_path):
    modules, written = _modules_of_a_filter_run(tmp_path, _LOCATED)
    assert not modules & set(_NOT_NEEDED)
    assert "a1" in written and "Daraa" in written  # filtered, and the admin-1 unit filled in


def test_a_place_name_is_still_geocoded_and_overrides_still_read(tmp_path):
    unlocated = _LOCATED + "a2,2025-03-02,airstrike,Nawa,,\n"
    modules, written = _modules_of_a_filter_run(tmp_path, unlocated)
    assert "geo.resolve" in modules and "a2" in written  # Nawa (Daraa) located by the gazetteer
    (tmp_path / "conflictmap-overrides.yaml").write_text("Nawa: {lat: 20.0, lon: 20.0}\n", encoding="utf-8")
    (tmp_path / "south.csv").unlink()
    _, written = _modules_of_a_filter_run(tmp_path, unlocated)
    assert "a1" in written and "a2" not in written  # the override puts Nawa outside the region


class _FakeLibc:
    def __init__(self, _name):
        self.calls = _FakeLibc.calls

    def mallopt(self, param, value):
        self.calls.append((param, value))
        return 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_glibc_keeps_freed_memory_unless_the_user_tuned_malloc(monkeypatch):
    import ctypes
    import platform

    from conflictmap import cli

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not glibc")
    for name in [name for name in os.environ if name.startswith("MALLOC_")]:
        monkeypatch.delenv(name)
    _FakeLibc.calls = []
    monkeypatch.setattr(ctypes, "CDLL", _FakeLibc)
    cli._keep_freed_memory()
    assert _FakeLibc.calls == [(-3, 32 * 2**20), (-1, 2**30)]  # M_MMAP_THRESHOLD, M_TRIM_THRESHOLD
    _FakeLibc.calls = []
    monkeypatch.setenv("MALLOC_ARENA_MAX", "2")
    cli._keep_freed_memory()
    assert _FakeLibc.calls == []
