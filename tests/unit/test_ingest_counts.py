"""The count of reports that joined an incident with other reports, as ingest reports it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictmap.store.incidents import incident_names
from conflictmap.store.ingest import _in_shared_incidents


def _by_value_counts(ids: list[str]) -> int:
    """The count by the incidents' names: each id's number of reports, mapped back to the reports."""
    series = pd.Series(ids, dtype=object)
    sizes = series.value_counts()
    return int((series.map(sizes) > 1).sum())


def test_counts_reports_of_shared_incidents() -> None:
    # Each report's incident as its root row: rows 0 and 2 are one incident, 4, 5 and 6 another.
    roots = np.array([0, 1, 0, 3, 4, 4, 4])
    assert _in_shared_incidents(roots) == 5
    assert _in_shared_incidents(np.array([], dtype=np.int64)) == 0
    assert _in_shared_incidents(np.array([0, 1, 2])) == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=30), max_size=30))
def test_same_count_as_value_counts_of_the_names_property(picks: list[int]) -> None:
    roots = np.array([min(pick, row) for row, pick in enumerate(picks)], dtype=np.int64)  # a root comes first
    names = list(incident_names(roots, prefix="inc-x-"))
    assert _in_shared_incidents(roots) == _by_value_counts(names)
