"""The count of reports that joined an incident with other reports, as ingest reports it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from conflictmap.store.ingest import _in_shared_incidents


def _by_value_counts(ids: list[str | None]) -> int:
    """The count as main computed it: each id's number of reports, mapped back to the reports."""
    series = pd.Series(ids, dtype=object)
    sizes = series.value_counts()
    return int((series.map(sizes) > 1).sum())


def test_counts_reports_of_shared_incidents() -> None:
    ids = np.array(["inc-a-0", "inc-a-1", "inc-a-0", None, "inc-a-2", "inc-a-2", "inc-a-2"], dtype=object)
    assert _in_shared_incidents(ids) == 5
    assert _in_shared_incidents(np.array([], dtype=object)) == 0
    assert _in_shared_incidents(np.array([None, None], dtype=object)) == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["inc-x-0", "inc-x-1", "inc-x-2", "inc-y-10"]))))
def test_same_count_as_value_counts_property(ids: list[str | None]) -> None:
    assert _in_shared_incidents(np.array(ids, dtype=object)) == _by_value_counts(ids)
