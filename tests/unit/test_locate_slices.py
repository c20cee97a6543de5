"""Locating in slices and without copies: the same events, and the input left as it was."""

from __future__ import annotations

import pandas as pd
import pytest

from conflictmap import read_events
from conflictmap.filters import filter_events
from geo import locate

CSV = """\
event_id,event_date,location,latitude,longitude,country,admin1,geometry,category
a,2025-01-01,Daraa,32.62,36.10,,,,other
b,2025-01-02,Daraa,32.62,36.10,SY,,,other
c,2025-01-03,Quneitra,33.12,35.82,,,,other
d,2025-01-04,Golan,33.0,35.75,IL,,,other
e,2025-01-05,box,,,,,"POLYGON ((36 32.5, 36.2 32.5, 36.2 32.7, 36 32.7, 36 32.5))",other
f,2025-01-06,Beit Jinn,,,,,,other
g,2025-01-07,Paris,48.85,2.35,FR,Ile-de-France,,other
"""


@pytest.fixture
def events(write, gazetteer_cache):
    return read_events(write("ev.csv", CSV))


def test_admin_units_looked_up_in_slices_as_at_once(events, monkeypatch):
    whole, _ = locate.locate_events(events)
    monkeypatch.setattr(locate, "_LOOKUP_BLOCK", 2)
    sliced, _ = locate.locate_events(events)
    pd.testing.assert_frame_equal(sliced, whole)
    assert whole["country"].tolist()[:2] == ["SY", "SY"] and whole["country"].iloc[6] == "FR"
    assert whole["admin1"].iloc[0] == whole["admin1"].iloc[1] and whole["admin1"].iloc[0]


def test_locating_and_filtering_leave_their_input_alone(events):
    before = events.copy()
    located, _ = locate.locate_events(events)
    pd.testing.assert_frame_equal(events, before)
    kept = filter_events(located)
    pd.testing.assert_frame_equal(kept, located)
    kept["notes"] = "changed"
    kept.loc[0, "location"] = "elsewhere"
    assert located["notes"].isna().all() and located["location"].iloc[0] == "Daraa"
