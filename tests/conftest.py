from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_EVENTS = SHARED / "data" / "events"


@pytest.fixture
def write(tmp_path: Path):
    """Write a text file (dedented) or bytes into tmp_path and return its path."""

    def _write(name: str, content: str | bytes, *, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding=encoding)
        return path

    return _write


@pytest.fixture
def shared_events() -> Path:
    if not SHARED_EVENTS.is_dir():
        pytest.skip("../shared/data/events is not present")
    return SHARED_EVENTS


@pytest.fixture(scope="session")
def gazetteer_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory with the gazetteer index, shared by the run (and its xdist workers).

    Tests point ``CONFLICTMAP_CACHE_DIR`` here so they never write to ``~/.cache``. The index is
    copied from the user's cache when it is there, else built once.
    """
    from conflictmap.resources import data_path
    from geo.cache import cache_dir
    from geo.gazetteer import Gazetteer, index_file

    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    cache = root / "conflictmap-cache"
    cache.mkdir(exist_ok=True)
    tables = {"table": data_path("gazetteer.tsv.gz"), "curated": data_path("curated_places.yaml")}
    target = index_file(cache, **tables)
    if not target.exists():
        built = index_file(cache_dir(), **tables)
        if built.is_file():
            partial = cache / f".{target.name}.{os.getpid()}"
            shutil.copyfile(built, partial)
            os.replace(partial, target)  # atomic: another worker may be doing the same
        else:
            Gazetteer(**tables, cache_dir=cache)
    return cache


@pytest.fixture(autouse=True)
def _cache_in_tmp(gazetteer_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test (and every CLI it runs) uses the session's cache, never ``~/.cache``."""
    monkeypatch.setenv("CONFLICTMAP_CACHE_DIR", str(gazetteer_cache))
