"""Linking in a forked process beside the encoding: the same incidents as linking in-process."""

from __future__ import annotations

import multiprocessing
import os
import time

import numpy as np
import pandas as pd
import pytest
import shapely

from conflictmap.store import ingest
from conflictmap.store.incidents import incident_names, link_reports, load_rule

RULE = load_rule()
pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform"
)


def _reports(n: int, *, seed: int) -> pd.DataFrame:
    """``n`` new reports on a few days in a small area: many of them near enough to link."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "event_id": [f"r{i}" for i in range(n)],
            "event_date": (pd.Timestamp("2025-03-01") + pd.to_timedelta(rng.integers(0, 30, n), unit="D")),
            "date_end": pd.NaT,
            "layer": np.asarray(["Incursions", "Clashes"])[rng.integers(0, 2, n)],
            "geo_precision": pd.array(np.ones(n, dtype=np.int8), dtype="Int8"),
            "country": "SY",
            "admin1": "Quneitra",
            "actor1": np.asarray(["Israeli army", "Hezbollah", None], dtype=object)[rng.integers(0, 3, n)],
            "actor2": None,
            "incident_id": None,
        }
    )
    for name in ("event_date", "date_end"):
        frame[name] = frame[name].astype("datetime64[us]")
    frame["geometry"] = shapely.points(rng.uniform(35.0, 37.0, n), rng.uniform(32.0, 34.0, n))
    return frame


def _numbers(ids: np.ndarray) -> list[int]:
    """The incident ids without the run's prefix (``inc-<12 hex>-``): the root row of each incident."""
    return [int(value.split("-", 2)[2]) for value in ids]


def test_root_rows_name_the_incidents_link_reports_gives() -> None:
    frame = _reports(300, seed=11)
    roots, shared = ingest._link(frame, rule=RULE)
    ids, _ = link_reports(frame, rule=RULE, is_new=np.ones(len(frame), dtype=bool))
    assert roots.tolist() == _numbers(ids)
    names = incident_names(roots, prefix="inc-0123456789ab-")
    assert list(names[:3]) == [f"inc-0123456789ab-{root}" for root in roots[:3]]
    assert shared == int((pd.Series(ids).map(pd.Series(ids).value_counts()) > 1).sum()) > 0


def test_forked_linking_gives_the_in_process_incidents(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = _reports(400, seed=3)
    alone, shared = ingest._link(frame, rule=RULE)
    assert 0 < shared < len(frame)  # the check means something: some reports share incidents
    monkeypatch.setattr(ingest, "FORK_AT", 1)
    parent = os.getpid()
    with ingest._LinkingBeside(frame, rule=RULE) as linking:
        children = multiprocessing.active_children()
        assert len(children) == 1 and children[0].pid != parent  # linking in a child
        ids, count = linking.result()
    assert multiprocessing.active_children() == []
    assert count == shared
    assert ids.tolist() == alone.tolist()


def test_ready_says_when_the_answer_is_there(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = _reports(300, seed=4)
    monkeypatch.setattr(ingest, "FORK_AT", 1)
    with ingest._LinkingBeside(frame, rule=RULE) as linking:
        for _ in range(600):  # the child links 300 reports in well under a minute
            if linking.ready():
                break
            time.sleep(0.1)
        assert linking.ready()
        started = time.perf_counter()
        ids, _ = linking.result()
        assert time.perf_counter() - started < 5  # answered, not linked again here
    assert ids.tolist() == ingest._link(frame, rule=RULE)[0].tolist()


def test_parent_links_when_the_child_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = _reports(200, seed=5)
    expected, shared = ingest._link(frame, rule=RULE)
    parent = os.getpid()
    real = ingest._link

    def fails_in_child(reports: pd.DataFrame, *, rule: object) -> tuple[np.ndarray, int]:
        if os.getpid() != parent:
            raise MemoryError("the child ran out of memory")
        return real(reports, rule=rule)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest, "FORK_AT", 1)
    monkeypatch.setattr(ingest, "_link", fails_in_child)
    with ingest._LinkingBeside(frame, rule=RULE) as linking:
        ids, count = linking.result()
    assert count == shared
    assert ids.tolist() == expected.tolist()


def test_failing_work_raises_and_leaves_no_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "FORK_AT", 1)
    slow = ingest._link

    def links_slowly(reports: pd.DataFrame, *, rule: object) -> tuple[np.ndarray, int]:
        time.sleep(60)  # still linking when the work beside it fails
        return slow(reports, rule=rule)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest, "_link", links_slowly)
    started = time.perf_counter()
    with (
        pytest.raises(ValueError, match="encoding failed"),
        ingest._LinkingBeside(_reports(100, seed=7), rule=RULE),
    ):
        raise ValueError("encoding failed")
    assert multiprocessing.active_children() == []  # killed, not waited for
    assert time.perf_counter() - started < 30


def test_few_reports_are_linked_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[object] = []
    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", lambda self: started.append(self))
    frame = _reports(50, seed=9)
    with ingest._LinkingBeside(frame, rule=RULE) as linking:
        assert linking.ready()
        ids, _ = linking.result()
    assert started == []
    assert ids.tolist() == ingest._link(frame, rule=RULE)[0].tolist()
