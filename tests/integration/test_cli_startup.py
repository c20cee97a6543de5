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


@pytest.mark.parametrize("enabled", [True, False])
def test_importing_the_package_leaves_the_collector_as_it_was(enabled):
    code = f"import gc\n{'' if enabled else 'gc.disable()'}\nimport conflictmap\nprint(gc.isenabled())\n"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == str(enabled)
