"""The counts map of `conflictmap map COUNTS`: a choropleth whose counts follow the time control."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from conflictmap.aggregate import aggregate_events
from layers.counts import counts_map

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from synthetic_events import synthetic_events  # noqa: E402

pytestmark = pytest.mark.browser


def test_counts_choropleth_follows_the_time_control(open_map, tmp_path):
    events = synthetic_events(2000, seed=4, areas=False)
    counts = aggregate_events(events, by="admin1", every="month")
    path = tmp_path / "counts.html"
    counts_map(counts, title="Counts", tiles="none").save(str(path))
    page = open_map(path).page
    total = counts.events
    assert page.inner_text(".cm-time-count") == f"{total:,} of {total:,} events shown"
    # Move the time control to the end of the first month: only that month's counts remain.
    first = counts.table["period"].min()
    last_day = (first + pd.offsets.MonthEnd(0)).date()
    expected = int(counts.table.loc[counts.table["period"] == first, "events"].sum())
    shown = page.evaluate(
        """(day) => {
            const s = document.querySelector('input[type=range]');
            s.value = String(Math.round(Date.parse(day) / 86400000)); s.dispatchEvent(new Event('input'));
            return document.querySelector('.cm-time-count').innerText; }""",
        last_day.isoformat(),
    )
    assert shown == f"{expected:,} of {total:,} events shown"
    unit = counts.table.loc[counts.table["period"] == first].iloc[0]
    tooltip_counts = page.evaluate(
        """(id) => { let n = null; Object.values(window).forEach((v) => {
            if (v && v.eachLayer && v.toGeoJSON) { try { v.eachLayer((l) => {
                if (l.feature && l.feature.properties.id === id) { n = l.feature.properties.shown; }
            }); } catch (e) {} }
            }); return n; }""",
        unit["unit"],
    )
    assert tooltip_counts == int(unit["events"])
