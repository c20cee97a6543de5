"""The parts of article extraction: text cleaning, sentences, dates, mentions, events, lexicon."""

from __future__ import annotations

import datetime as dt

import pytest

from conflictmap.errors import ConfigurationError
from conflictmap.extract import extract_events, load_lexicon
from conflictmap.extract.dates import find_dates, parse_published
from conflictmap.extract.sentences import split_sentences
from conflictmap.extract.text import article_from_text, clean_html, clean_markdown

PUBLISHED = dt.date(2025, 10, 16)  # a Thursday


def test_html_drops_scripts_and_styles_and_keeps_offsets():
    page = (
        "<html><head><title>T</title><script>var Damascus = 1;</script></head><body>"
        "<style>p {color: red}</style><p>Troops entered <b>Nawa</b> &amp; Jasim.</p>"
        "<script type='text/javascript'>alert('Homs')</script></body></html>"
    )
    text, offsets, _ = clean_html(page)
    assert "Damascus" not in text and "alert" not in text and "color" not in text
    start = text.index("Nawa")
    assert page[offsets[start] : offsets[start + 3] + 1] == "Nawa"
    assert "& Jasim" in text


def test_html_publication_date_from_meta():
    page = '<html><head><meta property="article:published_time" content="2025-03-02T10:00:00Z"></head><body><p>x</p></body></html>'
    assert clean_html(page)[2].startswith("2025-03-02")


def test_markdown_markup_is_removed_and_offsets_point_back():
    source = "# Strike near **Kobani**\n\nA [drone](http://x.org/a) hit a car near *Kobani*.\n"
    text, offsets = clean_markdown(source)
    assert text.startswith("Strike near Kobani")
    assert "http" not in text and "*" not in text and "drone hit" in text
    i = text.rindex("Kobani")
    assert source[offsets[i] : offsets[i + 5] + 1] == "Kobani"


def test_sentences_respect_abbreviations_and_headlines():
    text = "Strikes hit Homs\nDAMASCUS, Aug. 20 (Wire) -\n\nThe U.S. envoy met Mr. Ellison at 3 a.m. on Friday. He left."
    spans = [text[s:e] for s, e in split_sentences(text)]
    assert spans == [
        "Strikes hit Homs",
        "DAMASCUS, Aug. 20 (Wire) -",
        "The U.S. envoy met Mr. Ellison at 3 a.m. on Friday.",
        "He left.",
    ]


@pytest.mark.parametrize(
    ("phrase", "first", "last", "precision"),
    [
        ("on Thursday", "2025-10-16", "2025-10-16", 1),
        ("late on Wednesday", "2025-10-15", "2025-10-15", 1),
        ("on Friday", "2025-10-10", "2025-10-10", 1),
        ("last week", "2025-10-06", "2025-10-12", 2),
        ("this week", "2025-10-13", "2025-10-16", 2),
        ("in July 2025", "2025-07-01", "2025-07-31", 2),
        ("in March", "2025-03-01", "2025-03-31", 2),
        ("in November", "2024-11-01", "2024-11-30", 2),
        ("since December 2024", "2024-12-01", "2025-10-16", 3),
        ("since the fall of Assad on December 8, 2024", "2024-12-08", "2025-10-16", 3),
        ("on March 10, 2025", "2025-03-10", "2025-03-10", 1),
        ("on January 2 and 3", "2025-01-02", "2025-01-03", 1),
        ("last month", "2025-09-01", "2025-09-30", 2),
        ("in 2025", "2025-01-01", "2025-10-16", 3),
        ("last year", "2024-01-01", "2024-12-31", 3),
        ("over the past week", "2025-10-09", "2025-10-16", 2),
    ],
)
def test_relative_dates(phrase, first, last, precision):
    found = find_dates(f"Troops moved {phrase}, residents said.", PUBLISHED)
    assert found, phrase
    got = found[0]
    assert (got.first.isoformat(), got.last.isoformat(), got.precision) == (first, last, precision)


def test_published_from_datelines():
    assert parse_published("Headline\nPublished 2025-06-14\n\nBody")[0] == dt.date(2025, 6, 14)
    text = "Headline\nDARAA, Syria, Aug. 20 (Wire) -\n\nSince December 2024 and in 2025 ..."
    assert parse_published(text) == (dt.date(2025, 8, 20), "dateline, year from the text")
    assert parse_published("no date here")[0] is None


ARTICLE = """Israeli drone strike hits car near Khiam
BEIRUT, May 9, 2025 (Wire) -

An Israeli drone strike on a car on the outskirts of Khiam in southern Lebanon killed one man on Thursday, residents said.

Hassan Homsi, a farmer, said Israeli troops had entered Shebaa. "They came at night," Homsi told the Wire.

Late on Thursday, the Syrian Democratic Forces and Suwayda 24 reported nothing new. Beirut condemned the strike on Friday.
"""


@pytest.fixture(scope="module")
def extracted():
    return extract_events(ARTICLE)


def test_mentions_skip_people_organisations_and_demonyms(extracted):
    _, mentions = extracted
    texts = [m["text"] for m in mentions]
    assert "Khiam" in texts and "southern Lebanon" in texts and "BEIRUT" in texts
    assert (
        "Homsi" not in texts and "Suwayda" not in texts and "Syrian" not in texts and "Israeli" not in texts
    )
    for m in mentions:
        assert ARTICLE[m["start"] : m["end"]] == m["text"]


def test_events_have_category_site_date_and_evidence(extracted):
    import json

    events, mentions = extracted
    strike = events[events["category"] == "airstrike"].iloc[0]
    assert strike["place_name"] == "Khiam"
    assert strike["event_date"] == dt.datetime(2025, 5, 8)
    assert strike["actor1"] == "Israeli forces"
    spans = json.loads(strike["evidence"])
    assert any(ARTICLE[s:e].startswith("An Israeli drone strike") for s, e in spans)
    statement = events[events["category"] == "statement"].iloc[0]
    assert statement["actor1"] == "Lebanese government"
    assert statement["event_date"] == dt.datetime(2025, 5, 9)
    beirut = next(m for m in mentions if m["text"] == "Beirut")
    assert beirut["role"] == "context"
    khiam = [m for m in mentions if m["text"] == "Khiam"]
    assert any(m["role"] == "site" for m in khiam)


def test_an_article_without_places_keeps_its_events_unlocated():
    from conflictmap.errors import DataWarning

    with pytest.warns(DataWarning, match="no locatable place"):
        events, mentions = extract_events(
            "Published 2025-01-10\n\nProtesters marched on Friday, organisers said.\n"
        )
    assert len(events) == 1 and not events["located"].any()
    assert events.iloc[0]["category"] == "unrest" and mentions == []


def test_lexicon_files_extend_the_shipped_one(tmp_path):
    extra = tmp_path / "lex.yaml"
    extra.write_text("categories:\n  unrest:\n    cues: [vigil]\ncommon_words: [Nawa]\n", encoding="utf-8")
    lexicon = load_lexicon([extra])
    assert lexicon.categories["unrest"][0].search("a candle vigil")
    assert "nawa" in lexicon.common_words and "the" in lexicon.common_words
    bad = tmp_path / "bad.yaml"
    bad.write_text("colours: [red]\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="unknown key 'colours'"):
        load_lexicon([bad])


def test_article_text_is_cleaned_once():
    article = article_from_text("<p>Hello <b>Homs</b></p>", format="html")
    assert article.text.strip() == "Hello Homs"
    start = article.text.index("Homs")
    assert article.original[slice(*article.span(start, start + 4))] == "Homs"
