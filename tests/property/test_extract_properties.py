"""Properties of article extraction: spans point at their text, never overlap, never crash."""

from __future__ import annotations

import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conflictmap.extract import extract_events
from conflictmap.extract.mentions import _HARAKAT, _TOKEN, _TOKEN_HARAKAT, tokenize

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


def _reference_words(text: str) -> list[tuple[int, int, str, bool, bool]]:
    """Spans, words and joins of ``text`` as one match object per word gives them (the old way)."""
    pattern = _TOKEN_HARAKAT if _HARAKAT.search(text) else _TOKEN
    out, prev_end = [], -2
    for match in pattern.finditer(text):
        start, end = match.span()
        word = match[0]
        cut = 2 if len(word) > 2 and word[-2] in "'’`ʼ" and word[-1] in "sS" else 0
        joined = start - prev_end == 1 and text[start - 1] in " -‐–_"
        out.append((start, end - cut, word[: len(word) - cut], joined, joined and text[start - 1] in "-‐–"))
        prev_end = end - cut
    return out


JOINED_TEXT = st.lists(
    st.sampled_from([*WORDS, "Daraa's", "-", "–", "_", "  ", "'s", "US's", "#درعا_البلد", "درعاً", "x"]),
    max_size=40,
).map("".join) | st.text(max_size=200)


@settings(max_examples=300, deadline=None)
@given(JOINED_TEXT)
def test_tokenize_gives_the_spans_and_joins_of_one_match_per_word(text):
    # tokenize reads the words and the gaps between them from two scans: the spans, the
    # possessive cut and whether a word is joined to the previous one must not change.
    tokens = tokenize(text)
    assert [(t.start, t.end, t.text, t.joined, t.hyphen) for t in tokens] == _reference_words(text)
    assert all(text[t.start : t.end] == t.text for t in tokens)
