"""The cyclic collector paused around bulk work, and left as it was found."""

from __future__ import annotations

import gc

import pytest

from conflictmap._gc import bulk_allocation


@pytest.fixture(autouse=True)
def _collector_back_on() -> None:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_paused_inside_and_back_on_after() -> None:
    gc.enable()
    with bulk_allocation():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_back_on_after_an_error() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), bulk_allocation():
        raise RuntimeError("a bad row")
    assert gc.isenabled()


def test_nested_blocks_turn_it_on_only_at_the_outer_end() -> None:
    gc.enable()
    with bulk_allocation():
        with bulk_allocation():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_caller_that_turned_it_off_keeps_it_off() -> None:
    gc.disable()
    with bulk_allocation():
        pass
    assert not gc.isenabled()


def test_ingest_leaves_the_collector_on(tmp_path) -> None:
    from conflictmap.store import ingest_files, open_store

    csv = tmp_path / "events.csv"
    csv.write_text(
        "event_id,event_date,category,latitude,longitude\n"
        "a1,2025-03-01,airstrike,33.1,36.2\n"
        "a2,2025-03-02,shelling,33.2,36.1\n"
    )
    gc.enable()
    store = open_store(str(tmp_path / "store.gpkg"))
    try:
        (result,) = ingest_files([csv], store=store)
    finally:
        store.close()
    assert result.added == 2
    assert gc.isenabled()
