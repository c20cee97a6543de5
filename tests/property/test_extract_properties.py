"""Properties of article extraction: spans point at their text, never overlap, never crash."""

from __future__ import annotations

import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflictmap.extract import extract_events

WORDS = [
    "Israeli",
    "troops",
    "raided",
    "Beit",
    "Jinn",
    "near",
    "Damascus",
    "on",
    "Friday",
    "said",
    "Syrian",
    "Democratic",
    "Forces",
    "al-Rafid",
    "southern",
    "Syria",
    "Hassan",
    "Homsi",
    ".",
    ",",
    "\n\n",
    "Published",
    "2025-06-14",
    "shelled",
    "Daraa",
    "province",
    "the",
    "buffer",
    "zone",
    "درعا",
    "ريف",
    "دمشق",
    '"',
    "Mount",
    "Hermon",
    "Sweida",
    "city",
    "protest",
    "met",
    "in",
    "Paris",
]
TEXT = st.lists(st.sampled_from(WORDS), max_size=60).map(" ".join) | st.text(max_size=300)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_extraction_never_crashes_and_spans_point_at_their_text(text):
    if "\n" not in text:
        text += "\n"  # a one-line string without a newline would be taken for a file name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        events, mentions = extract_events(text, published="2025-06-14")
    last_end = -1
    for m in mentions:
        assert text[m["start"] : m["end"]] == m["text"]
        assert m["start"] >= last_end  # in order, not overlapping
        last_end = m["end"]
        assert m["role"] in ("site", "context")
    assert len(events) == 0 or events["notes"].notna().all()
