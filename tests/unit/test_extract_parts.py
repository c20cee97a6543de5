"""The parts of article extraction: text cleaning, sentences, dates, mentions, events, lexicon."""

from __future__ import annotations

import datetime as dt
import json

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
    page = (
        '<html><head><meta property="article:published_time" content="2025-03-02T10:00:00Z"></head>'
        "<body><p>x</p></body></html>"
    )
    assert clean_html(page)[2].startswith("2025-03-02")


def test_markdown_markup_is_removed_and_offsets_point_back():
    source = "# Strike near **Kobani**\n\nA [drone](http://x.org/a) hit a car near *Kobani*.\n"
    text, offsets = clean_markdown(source)
    assert text.startswith("Strike near Kobani")
    assert "http" not in text and "*" not in text and "drone hit" in text
    i = text.rindex("Kobani")
    assert source[offsets[i] : offsets[i + 5] + 1] == "Kobani"


def test_sentences_respect_abbreviations_and_headlines():
    text = (
        "Strikes hit Homs\nDAMASCUS, Aug. 20 (Wire) -\n\n"
        "The U.S. envoy met Mr. Ellison at 3 a.m. on Friday. He left."
    )
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
        ("in the last five months", "2025-05-19", "2025-10-16", 3),
        ("over the past three days", "2025-10-13", "2025-10-16", 2),
        ("in recent weeks", "2025-09-25", "2025-10-16", 2),
        ("during the last 2 years", "2023-10-17", "2025-10-16", 3),
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


ARTICLE = (
    "Israeli drone strike hits car near Khiam\n"
    "BEIRUT, May 9, 2025 (Wire) -\n"
    "\n"
    "An Israeli drone strike on a car on the outskirts of Khiam in southern Lebanon killed one man on "
    "Thursday, residents said.\n"
    "\n"
    'Hassan Homsi, a farmer, said Israeli troops had entered Shebaa. "They came at night," Homsi told '
    "the Wire.\n"
    "\n"
    "Late on Thursday, the Syrian Democratic Forces and Suwayda 24 reported nothing new. Beirut condemned "
    "the strike on Friday.\n"
)


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


# -- one event per thing that happened --------------------------------------------------------


def _place(place_id, kind="populated place", *, admin1="SY-DR", region=""):
    from geo.gazetteer import Place

    return Place(place_id, place_id, kind, "SY", admin1, 0, 32.6, 36.1, region, "")


def _event(category, day, site=None, *, sentence=0, dated=True, actors=(), anaphoric=False, last=None):
    from conflictmap.extract.events import Event
    from conflictmap.extract.mentions import Mention

    first = dt.date(2025, 10, day)
    mention = None
    if site is not None:
        mention = Mention(
            100 * sentence, 100 * sentence + 5, site.name, site.name, place=site, geo_precision=1
        )
    span = (100 * sentence, 100 * sentence + 90)
    return Event(
        category,
        "cue",
        sentence,
        first,
        dt.date(2025, 10, last or day),
        1,
        mention,
        1,
        list(actors),
        [span],
        {sentence},
        dated=dated,
        anaphoric=anaphoric,
    )


def test_a_second_report_of_the_same_event_is_merged_into_the_first():
    from conflictmap.extract.merge import merge_events

    nawa, jasim = _place("Nawa"), _place("Jasim")
    first = _event("incursion", 10, nawa, sentence=1, actors=["Israeli forces"])
    again = _event("incursion", 10, nawa, sentence=4, actors=["Syrian government forces"])
    elsewhere = _event("incursion", 10, jasim, sentence=5)
    later = _event("incursion", 12, nawa, sentence=6)
    events = merge_events([first, again, elsewhere, later], [])
    assert events == [first, elsewhere, later]
    assert first.evidence == [(100, 190), (400, 490)] and first.notes == (100, 190)
    assert first.sentences == {1, 4} and first.actors == ["Israeli forces", "Syrian government forces"]


def test_merge_takes_the_place_inside_an_area_and_an_own_date():
    from conflictmap.extract.merge import merge_events

    daraa = _place("Daraa province", "admin1", admin1="", region="SY-DR")
    nawa = _place("Nawa")
    area = _event("shelling", 10, daraa, sentence=1, dated=False)
    town = _event("shelling", 11, nawa, sentence=2)
    (event,) = merge_events([area, town], [])
    assert event.site.place is nawa and event.first == dt.date(2025, 10, 11) and event.dated
    assert event.notes == (200, 290)  # the first report that names the site (ACLED's notes)


def test_undated_or_unplaced_reports_join_the_event_they_continue():
    from conflictmap.extract.merge import merge_events

    nawa = _place("Nawa")
    raid = _event("incursion", 10, nawa, sentence=1)
    carried = _event("incursion", 3, nawa, sentence=2, dated=False)  # its date came from before
    nowhere = _event("incursion", 10, None, sentence=3)  # "the troops also entered a school"
    other_day = _event("incursion", 3, None, sentence=4)  # its own, different date: another raid
    assert merge_events([raid, carried, nowhere, other_day], []) == [raid, other_day]
    assert raid.sentences == {1, 2, 3} and raid.first == dt.date(2025, 10, 10)


def test_statements_merge_by_speaker_and_day_and_categories_never_mix():
    from conflictmap.extract.merge import merge_events

    said = _event("statement", 10, None, sentence=1, actors=["Syrian government"])
    again = _event("statement", 10, None, sentence=2, actors=["Syrian government"])
    other = _event("statement", 10, None, sentence=3, actors=["US government"])
    clash = _event("clashes", 10, None, sentence=4)
    assert merge_events([said, again, other, clash], []) == [said, other, clash]


def test_an_anaphoric_report_adds_evidence_to_the_latest_event_of_its_category():
    from conflictmap.extract.merge import merge_events

    nawa, jasim = _place("Nawa"), _place("Jasim")
    one = _event("airstrike", 10, nawa, sentence=1)
    two = _event("airstrike", 11, jasim, sentence=2)
    the_strike = _event("airstrike", 14, None, sentence=3, anaphoric=True)  # "the strike killed ..."
    assert merge_events([one, two, the_strike], []) == [one, two]
    assert two.sentences == {2, 3} and two.first == dt.date(2025, 10, 11)


def test_repeated_reports_in_an_article_give_one_event():
    text = (
        "Published 2025-10-16\n\nIsraeli troops raided Jasim in Daraa province on Tuesday, residents said. "
        "The raid lasted three hours. Israeli troops also raided Jasim again later on Tuesday, "
        "according to a local monitor.\n\nSyria's foreign ministry condemned the raid on Wednesday. "
        "The ministry said on Wednesday that the incursion violated Syrian sovereignty.\n"
    )
    events, _ = extract_events(text)
    assert sorted(events["category"]) == ["incursion", "statement"]
    raid = events[events["category"] == "incursion"].iloc[0]
    assert raid["notes"].startswith("Israeli troops raided Jasim") and len(json.loads(raid["evidence"])) >= 3


def test_one_sentence_one_event_unless_it_tells_two():
    sentence = (
        "Israeli tank fire struck farmland near Jasim on Tuesday, and Druze fighters clashed with troops."
    )
    events, _ = extract_events(f"Published 2025-10-16\n\n{sentence}\n")
    assert sorted(events["category"]) == ["clashes", "shelling"]  # "tank fire struck" is one shelling
    said = "On Thursday, Damascus said the talks in Amman had been useful."
    events, _ = extract_events(f"Published 2025-10-16\n\n{said}\n")
    assert list(events["category"]) == ["statement"]  # what a statement says is its content
    communique = "The drone hit a car near Jasim on Sunday, the SDF said in a statement."
    events, _ = extract_events(f"Published 2025-10-16\n\n{communique}\n")
    assert list(events["category"]) == ["airstrike"]  # an armed actor's word is evidence
    future = "The talks are expected to resume in Amman next week."
    events, _ = extract_events(f"Published 2025-10-16\n\n{future}\n")
    assert len(events) == 0


# -- one scan per article: the same answers as one scan per pattern ---------------------------


def _reference_dates(text, published):
    """find_dates as one finditer per pattern (the definition the fast path must keep)."""
    from conflictmap.extract.dates import _PATTERNS, DateSpan, _day_shift, _resolve

    found, taken = [], []
    for name, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            try:
                resolved = _resolve(name, m, published)
            except (ValueError, TypeError):
                continue
            if resolved is None:
                continue
            if name == "day_shift":  # counted from the story's day later, never dropped here
                taken.append(m.span())
                found.append(DateSpan(m.start(), m.end(), *resolved, _day_shift(m.groupdict())))
                continue
            if resolved[0] > published:
                continue
            taken.append(m.span())
            found.append(DateSpan(m.start(), m.end(), resolved[0], min(resolved[1], published), resolved[2]))
    return sorted(found, key=lambda d: d.start)


def test_dates_found_at_lead_words_equal_a_scan_per_pattern():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "data" / "articles"
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    texts.append("Since mid-March, on Tuesday's raid, MAY 5 and 6, 2025, 3 Sept. 2024; the previous week.")
    for text in texts:
        assert find_dates(text, PUBLISHED) == _reference_dates(text, PUBLISHED)


def test_phrase_finder_matches_each_patterns_own_finditer():
    from conflictmap.extract.cues import PhraseFinder
    from conflictmap.extract.lexicon import cue_pattern

    phrases = {
        "strike": ["air strike*", "strike on", "struck"],
        "shell": ["shell*", "shelled", "tank fire"],
        "general": ["general strike"],
    }
    finder = PhraseFinder({k: (cue_pattern(v), v) for k, v in phrases.items()})
    text = "An air-strikes strike on X; tank  fire STRUCK, shelled, a general strike on Y, shellfire-x."
    found = finder.find(text)
    for key, cues in phrases.items():
        want = [(m.start(), m.end(), m.group()) for m in cue_pattern(cues).finditer(text)]
        assert [(h.start, h.end, h.text) for h in found.get(key, [])] == want, key


def test_shipped_phrase_finders_match_each_patterns_own_finditer():
    """Narrowed to the alternatives of a lead, and located without a look-behind: same matches."""
    from pathlib import Path

    from conflictmap.extract.lexicon import default_lexicon

    lexicon = default_lexicon()
    folder = Path(__file__).resolve().parents[1] / "data" / "articles"
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    texts.append("Airstrikes hit X.\nShelling, then a raid-like 'incursion' (clashes) at Y; Troops ENTERED Z")
    for finder in (lexicon.event_finder, lexicon.actor_finder):
        assert finder._alternatives.keys() == finder._patterns.keys()  # every pattern is narrowed
        for text in texts:
            found = finder.find(text)
            for key, pattern in finder._patterns.items():
                want = [(m.start(), m.end(), m.group()) for m in pattern.finditer(text)]
                assert [(h.start, h.end, h.text) for h in found.get(key, [])] == want, key


def test_phrase_finder_keeps_a_pattern_it_cannot_narrow_whole():
    import re

    from conflictmap.extract.cues import PhraseFinder

    pattern = re.compile(r"(?<![\w-])(?:strike|raid)(?![\w])")  # case-sensitive: not cue_pattern's
    finder = PhraseFinder({"k": (pattern, ["strike", "raid"])})
    assert "k" not in finder._alternatives
    assert [h.text for h in finder.find("strike Raid raid")["k"]] == ["strike", "raid"]


def test_the_name_index_uses_the_gazetteers_public_hashes():
    import numpy as np

    from conflictmap.extract import default_extractor
    from geo.gazetteer import name_hash
    from geo.names import variant_key

    extractor = default_extractor()
    hashes = extractor.resolver.gazetteer.variant_hashes()
    assert hashes.dtype == np.uint64 and not hashes.flags.writeable and np.all(hashes[:-1] <= hashes[1:])
    known = np.uint64(name_hash(variant_key("Nawa")))
    assert hashes[np.searchsorted(hashes, known)] == known
    assert variant_key("Nawa") in extractor.matcher.index and "zzqxv" not in extractor.matcher.index


def test_dates_found_on_split_words_equal_a_scan_per_pattern():
    from pathlib import Path

    from conflictmap.extract.mentions import tokenize

    folder = Path(__file__).resolve().parents[1] / "data" / "articles"
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    texts.append(
        "Since mid-March, on Tuesday's raid, MAY 5 and 6, 2025, 3rd Sept. 2024; 123 the previous week. "
        "One day earlier, 2 days later, the following day, a day before, the day before, three days"
    )
    texts.append(
        "In March'x, in MARCH’s talks, of 2024's war, in 20255, in the past week, of the past seven "
        "days, 3 Marchers, 4 Mar. 2025, 12 may, in early\u00a0June, of mid-July, the Previous week; in"
    )
    for text in texts:
        tokens = tokenize(text)
        words = [(t.start, t.folded) for t in tokens]
        reference = _reference_dates(text, PUBLISHED)
        assert find_dates(text, PUBLISHED, words=words) == reference
        columns = ([t.start for t in tokens], [t.folded for t in tokens])
        assert find_dates(text, PUBLISHED, columns=columns) == reference


DATE_WORDS = [
    "in",
    "of",
    "the",
    "past",
    "previous",
    "week",
    "seven",
    "days",
    "early",
    "late",
    "mid-",
    "March",
    "march'x",
    "May",
    "Sept.",
    "2024",
    "1999",
    "20255",
    "3",
    "12",
    "31st",
    "last",
    "since",
    "from",
    "this",
    "year",
    "month",
    "Friday",
    "during",
    "so",
    "far",
    "x",
    "Maybe",
    "and",
    "over",
    "recent",
    "weeks",
    "months",
    "five",
    "several",
]


def test_dates_found_on_columns_equal_a_scan_per_pattern_property():
    """Lead words gated on the word after them (see dates._NEXT_WORDS) lose no date."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from conflictmap.extract.mentions import tokenize

    gaps = st.sampled_from([" ", "  ", ", ", "\n", "-", "\u00a0", ". "])

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.tuples(st.sampled_from(DATE_WORDS), gaps), min_size=1, max_size=14))
    def check(pieces):
        text = "".join(w + g for w, g in pieces)
        tokens = tokenize(text)
        columns = ([t.start for t in tokens], [t.folded for t in tokens])
        assert find_dates(text, PUBLISHED, columns=columns) == _reference_dates(text, PUBLISHED)

    check()


@pytest.mark.parametrize("ignore_case", [False, True])
def test_word_patterns_match_like_a_look_behind(ignore_case):
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from conflictmap.extract.lexicon import _names_pattern

    names = ["Yarmouk River", "Euphrates", "UN", "UNDOF", "al-Bab", "Bab"]
    pattern = _names_pattern(names, ignore_case=ignore_case)
    reference = re.compile(pattern.pattern, re.IGNORECASE if ignore_case else 0)
    pieces = st.sampled_from([*names, "x", "_", " ", "-", "Ab", "yarmouk river", "İ", "1", "UNx"])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(pieces, max_size=12).map("".join))
    def check(text):
        assert [(m.span(), m.group()) for m in pattern.finditer(text)] == [
            (m.span(), m.group()) for m in reference.finditer(text)
        ]

    check()


def test_words_trie_finds_where_an_alternation_of_the_forms_does():
    """Words searches one trie of its forms: the same match starts as the plain alternation."""
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from conflictmap.extract.lexicon import Words, _phrases

    words = ["east of", "near", "the outskirts of", "km from", "a second", "also", "Gen.", "near the"]
    found = Words(words)
    forms = {f for w in words for f in (w.lower(), w[:1].upper() + w[1:].lower(), w.title(), w)}
    reference = re.compile(rf"(?:{_phrases(forms)})(?![\w-])")
    pieces = st.sampled_from([*words, "East  Of", "x", "-", " ", "_", "NEAR", "nearby", "ALSO", "Km from"])

    @settings(max_examples=400, deadline=None)
    @given(st.lists(pieces, max_size=12).map("".join), st.integers(0, 5), st.integers(0, 5))
    def check(text, lo, cut):
        end = max(lo, len(text) - cut)
        want, pos = [], lo
        while (m := reference.search(text, pos, end)) is not None:
            start = m.start()
            if start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "_-"):
                want.append(start)
            pos = start + 1
        assert list(found.finditer(text, lo, end)) == want
        assert found.search(text, lo, end) == bool(want)

    check()


def test_feature_phrases_match_as_with_a_word_boundary_first():
    """The feature phrases read their word boundary after the first letter: the same matches."""
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from conflictmap.extract.lexicon import _FEATURE_RUN, default_lexicon

    lexicon = default_lexicon()
    after = "|".join(re.escape(w) for w in sorted(lexicon.features_after, key=len, reverse=True))
    before = "|".join(re.escape(w) for w in sorted(lexicon.features_before, key=len, reverse=True))
    references = [
        re.compile(rf"\b{_FEATURE_RUN} (?:{after})\b"),
        re.compile(rf"\b(?:{before}) {_FEATURE_RUN}\b"),
    ]
    words = [*sorted(lexicon.features_after)[:6], *sorted(lexicon.features_before)[:6]]
    pieces = st.sampled_from([*words, "Yarmouk", "al-", "Sheikh", "x", "9", "_", " ", "-", "É", "Tiberias"])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(pieces, max_size=10).map("".join))
    def check(text):
        for (pattern, _hint), reference in zip(lexicon.feature_phrases, references, strict=True):
            assert [(m.span(), m.group()) for m in pattern.finditer(text)] == [
                (m.span(), m.group()) for m in reference.finditer(text)
            ]

    check()


def test_one_word_matching_only_on_consonants_is_not_a_place():
    # "Host" matches a Turkish village only on its consonants; a title-case headline is not a place.
    _, mentions = extract_events(
        "Syria May Host Talks\nPublished 2026-01-07\n\nOfficials met in Paris on Monday.\n"
    )
    assert [m["text"] for m in mentions] == ["Syria", "Paris"]


def test_background_events_long_before_publication_are_left_out():
    text = (
        "Published 2025-06-01\n\nIsraeli troops raided Khiam on Friday. Residents recalled how "
        "Israeli forces raided the town in 2000.\n"
    )
    events, _ = extract_events(text)
    assert events["event_date"].dt.year.tolist() == [2025]


def test_arabic_script_and_countryside_phrases_are_mentions():
    _, mentions = extract_events(
        "Published 2025-03-01\n\nIsraeli forces raided villages in ريف دمشق and near درعا on Friday, "
        "and shelled the western Daraa countryside.\n"
    )
    found = {m["text"]: m["place"]["place_id"] for m in mentions if m["place"]}
    assert found["ريف دمشق"] == "region:SY-RD"
    assert found["درعا"] == "gn:170905"  # the city of Daraa
    assert found["Daraa countryside"] == "region:SY-DR"


# -- web pages: the article, not the menus around it (issue 11) ---------------------------------

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Israeli force enters two villages near Nawa | Example News</title>
<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Israeli force enters two villages",
 "datePublished": "2025-09-22T08:15:00+03:00", "dateModified": "2025-09-23T10:00:00+03:00"}
</script></head>
<body>
<header><div class="logo">Example News</div>
<ul class="menu"><li><a href="/syria">Syria</a></li><li><a href="/lebanon">Lebanon</a></li></ul>
<div class="ticker">Breaking: Turkish drone strikes hit villages near Kobani</div></header>
<main><article>
<h1>Israeli force enters two villages near Nawa</h1>
<p>An Israeli force of four vehicles entered the villages of Jamleh and Saysoun in the western
countryside of Daraa at dawn on Sunday, residents said.</p>
<p>The force searched two homes before withdrawing toward the Golan, according to a local council
member, who said no one was detained during the operation.</p>
</article>
<aside class="related"><h3>Related stories</h3><ul>
<li><a href="/a1">Israeli airstrikes hit army depots near Damascus</a></li>
<li><a href="/a2">Clashes erupt in Sweida city as truce collapses</a></li></ul></aside>
</main>
<footer><p>&copy; 2025 Example News. Offices in Beirut, Amman and Istanbul.</p></footer>
</body></html>"""


def test_a_web_page_is_read_for_its_article_not_its_menus_and_related_stories():
    from conflictmap.extract.text import article_from_text

    article = article_from_text(_PAGE, format="html")
    assert article.text.startswith("Israeli force enters two villages near Nawa\n\nAn Israeli force")
    for furniture in ("Example News", "Breaking", "Related stories", "Damascus", "Sweida", "Offices"):
        assert furniture not in article.text, furniture
    # offsets still point into the page as read
    at = article.text.index("Saysoun")
    start, end = article.span(at, at + len("Saysoun"))
    assert _PAGE[start:end] == "Saysoun"


def test_a_web_page_gives_its_publication_date_from_json_ld():
    from conflictmap.extract.text import article_from_text

    article = article_from_text(_PAGE, format="html")
    assert article.published == "2025-09-22"  # datePublished, not dateModified
    meta = _PAGE.replace("<title>", '<meta property="article:published_time" content="2025-09-23"><title>')
    assert article_from_text(meta.replace('"datePublished"', '"x"'), format="html").published == "2025-09-23"
    events, _ = extract_events(article)
    assert sorted(events["location"]) == ["Jamleh", "Saysoun"]  # one event per village
    assert set(events["event_date"].dt.date) == {dt.date(2025, 9, 21)}  # the Sunday before


def test_related_stories_give_no_events_and_evidence_points_into_the_page():
    events, _ = extract_events(_PAGE, format="html")
    assert set(events["category"]) == {"incursion"}  # no airstrike, clashes from the headlines
    for spans in events["evidence"]:
        start, end = json.loads(spans)[0]
        assert "entered the villages" in _PAGE[start:end]


def test_a_page_without_an_article_keeps_its_whole_text():
    text, _offsets, _ = clean_html("<html><body><p>Troops entered Nawa.</p></body></html>")
    assert text.strip() == "Troops entered Nawa."


@pytest.mark.parametrize(
    "phrases",
    [
        {
            "strike": ["air strike*", "u.s. strike", "struck"],
            "talk": ["talks", "peace-talks", "u.n.-led talk*"],
        },
        {"odd": ["(idf) raid", "raid"]},  # a phrase that opens with punctuation: the exact locator
    ],
)
def test_phrase_finder_on_ascii_text_matches_each_patterns_own_finditer_property(phrases):
    """On ASCII text the locator reads punctuation as spaces: a superset of places, same matches."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from conflictmap.extract.cues import PhraseFinder
    from conflictmap.extract.lexicon import cue_pattern, default_lexicon

    finder = PhraseFinder({k: (cue_pattern(v), v) for k, v in phrases.items()})
    assert (finder._spaced is None) == ("odd" in phrases)
    shipped = default_lexicon().event_finder
    words = ["air", "strikes", "strike", "u.s.", "U.S", "struck", "talks", "peace", "u.n.", "led", "(idf)"]
    words += [
        "raid",
        "Raid",
        "shelled",
        "clashes",
        "entered",
        "x",
        "_",
        "-",
        " ",
        "  ",
        ".",
        ",",
        "'",
        "(",
        ")",
    ]
    words += ["\n", "\x00", "’", "é", "—", "entered\n", "drone"]

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.sampled_from(words), max_size=16).map("".join))
    def check(text):
        for f in (finder, shipped):
            found = f.find(text)
            for key, pattern in f._patterns.items():
                want = [(m.start(), m.end(), m.group()) for m in pattern.finditer(text)]
                assert [(h.start, h.end, h.text) for h in found.get(key, [])] == want, key

    check()


def test_words_are_split_as_a_match_by_match_scan_would_property():
    """tokenize finds each word where the last ended: the spans of a finditer of its expression."""
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from conflictmap.extract.mentions import _TOKEN, _TOKEN_HARAKAT, tokenize

    pieces = st.sampled_from(
        ["Daraa", "'s", "’s", "s", "al", "-", "–", "_", " ", "  ", "\n", "درعا", "\u064e"]
    )
    pieces |= st.sampled_from(["ʼ", "1", ".", "é", "x'y", "''", "Nawa's"])

    @settings(max_examples=500, deadline=None)
    @given(st.lists(pieces, max_size=14).map("".join))
    def check(text):
        pattern = _TOKEN_HARAKAT if re.search(r"[\u064b-\u065f\u0670]", text) else _TOKEN
        tokens = tokenize(text)
        assert [t.start for t in tokens] == [m.start() for m in pattern.finditer(text)]
        for t, m in zip(tokens, pattern.finditer(text), strict=True):
            cut = (
                2
                if m.end() - m.start() > 2 and text[m.end() - 2] in "'’`ʼ" and text[m.end() - 1] in "sS"
                else 0
            )
            assert (t.end, t.text) == (m.end() - cut, m.group()[: len(m.group()) - cut])
            joined = m.start() > 0 and text[m.start() - 1] in " -‐–_"
            previous = tokens[tokens.index(t) - 1] if tokens.index(t) > 0 else None
            assert t.joined == (joined and previous is not None and previous.end == m.start() - 1)

    check()


def test_window_tests_never_say_no_where_their_expression_matches_property():
    """The cheap tests before the expressions anchored at the end of a window are necessary conditions."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from conflictmap.extract import events, places, sites
    from conflictmap.extract.windows import ends_with_word, has_word, word_near_end

    cases = [
        (lambda w: ends_with_word(w, ("in", "the")), places._SETTLEMENT_IN),
        (lambda w: ends_with_word(w, ("in",)), places._ACTOR_PREFIX),
        (lambda w: word_near_end(w, places._LOCATIVE_WORDS, last=3), places._LOCATIVE_BEFORE),
        (lambda w: ends_with_word(w, ("of",)), sites._FRAME_OF),
        (lambda w: has_word(w, ("countryside", "rural")), places._COUNTRYSIDE_BEFORE),
        (lambda w: has_word(w, ("said", "told")), events._COMMUNIQUE),
        (lambda w: word_near_end(w, events._PERFECT_WORDS, last=2), events._PERFECT),
        (lambda w: word_near_end(w, events._PRONOUNS, last=3), events._OBJECT_RELATIVE),
        (lambda w: ends_with_word(w, ("in", "at", "from", "near", "into", "to")), events._LOCATIVE_BEFORE),
    ]
    words = ["villages", "Town", "in", "IN", "the", "The", "of", "village", "countryside", "Rural", "said"]
    words += ["officials", "government", "have", "would", "To", "that", "they", "it", "He", "had", "quickly"]
    words += ["raids", "hit", "near", "from", "(to", "army", "military", "its", "forces", "told", "x"]
    words += ["ſaid", "ın", "İn", "\u212am", "-", ",", "."]
    gaps = [" ", "  ", "\n", "\t", "", "\u00a0"]

    @settings(max_examples=600, deadline=None)
    @given(st.lists(st.tuples(st.sampled_from(words), st.sampled_from(gaps)), max_size=10))
    def check(pairs):
        text = "".join(w + g for w, g in pairs)
        for quick, pattern in cases:
            if pattern.search(text):
                assert quick(text), (pattern.pattern[:40], text)

    check()
