"""Rules that tell place names from the other names an article is full of.

- Organisations: a capitalised run ending in an organisation word ("Syrian Democratic Forces",
  "Horan Free Gathering"), the lexicon's organisation names, and a place name followed by a
  number (the news outlet "Suwayda 24").
- Personal names: a given name or a title and the capitalised words after it ("Hassan
  Homsi", "President Ahmad al-Sharaa"); those surnames are not places anywhere else in the
  article ("Homsi said"), nor are the lexicon's public figures.
- Demonyms ("Syrian", "Israeli") are no mention, but their country is context for ranking.
- Common words: a single word in the lexicon's list, or one the article also writes in lower
  case ("Several" and "several"), and acronyms outside the dateline.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter

from conflictmap.extract.lexicon import Lexicon
from conflictmap.extract.mentions import Token
from conflictmap.extract.windows import ends_with_word
from geo.names import exact_key

__all__ = ["Blocked", "blocked_spans", "rejects"]

# What may stand between two words of a capitalised run: a space or a hyphen, after an apostrophe
# or not, and a line break after it (every text that ^['\u2019]?[ \-]$ matches): one set
# lookup per word, not an expression.
_RUN_GAPS = frozenset(q + c + nl for q in ("", "'", "’") for c in " -" for nl in ("", "\n"))
# Arabic words that are no place on their own, though a place bears the same letters: function
# words, directions and generic place nouns ("North Lebanon" is الشمال, Medina المدينة). They
# may still open a name ("جنوب لبنان", "مدينة درعا").
ARABIC_NOT_NAMES = frozenset(
    exact_key(w)
    for w in (
        "في",
        "من",
        "إلى",
        "الى",
        "على",
        "عن",
        "مع",
        "بعد",
        "قبل",
        "حتى",
        "ثم",
        "أو",
        "لا",
        "ما",
        "هذا",
        "هذه",
        "ذلك",
        "التي",
        "الذي",
        "كل",
        "بين",
        "عند",
        "منذ",
        "خلال",
        "ضد",
        "أن",
        "إن",
        "لن",
        "لم",
        "قد",
        "كان",
        "كانت",
        "وقت",
        "نحو",
        "عبر",
        "حول",
        "قرب",
        "داخل",
        "خارج",
        "فوق",
        "تحت",
        "شمال",
        "جنوب",
        "شرق",
        "غرب",
        "وسط",
        "شمالي",
        "جنوبي",
        "شرقي",
        "غربي",
        "الشمال",
        "الجنوب",
        "الشرق",
        "الغرب",
        "مدينة",
        "بلد",
        "البلد",
        "بلدة",
        "قرية",
        "محافظة",
        "ريف",
        "منطقة",
        "مناطق",
        "حي",
        "مخيم",
        "نهر",
        "سد",
        "جبل",
        "تل",
        "وادي",
        "بحيرة",
        "معبر",
        "حاجز",
        "طريق",
    )
)
_CONNECTORS = frozenset({"of", "for", "and", "al", "el", "the", "de"})


@dataclass
class Blocked:
    """Spans that are not places (organisations, people) and the article's surnames."""

    spans: list[tuple[int, int]] = field(default_factory=list)
    surnames: set[str] = field(default_factory=set)
    lowercase_words: set[str] = field(default_factory=set)
    _starts: list[int] = field(default_factory=list, init=False, repr=False)
    _reach: list[int] = field(default_factory=list, init=False, repr=False)
    _index_size: int = field(default=0, init=False, repr=False)

    def covers(self, start: int, end: int) -> bool:
        """Whether a blocked span overlaps ``[start, end)``."""
        if self._index_size != len(self.spans):
            self._index()
        # Of the spans starting before ``end``, does the one reaching furthest reach past ``start``?
        k = bisect.bisect_left(self._starts, end)
        return k > 0 and self._reach[k - 1] > start

    def _index(self) -> None:
        ordered = sorted(self.spans)
        self._starts = [s for s, _ in ordered]
        self._reach = list(itertools.accumulate((e for _, e in ordered), max))
        self._index_size = len(self.spans)


def _runs(text: str, tokens: list[Token]) -> list[tuple[int, int]]:
    """Token index ranges of capitalised runs (connectors allowed inside)."""
    runs: list[tuple[int, int]] = []
    n, done = len(tokens), 0
    for i in compress(range(n), map(_CAPITALISED, tokens)):  # the capitalised words (no Python loop)
        if i < done:
            continue
        j = i + 1
        while j < n and text[tokens[j - 1].end : tokens[j].start] in _RUN_GAPS:
            tok = tokens[j]
            if tok.capitalised or (tok.text in _CONNECTORS and j + 1 < n and tokens[j + 1].capitalised):
                j += 1
            else:
                break
        runs.append((i, j))
        done = j
    return runs


_TEXT, _FOLDED, _CAPITALISED = (
    attrgetter("text"),
    attrgetter("folded"),
    attrgetter("capitalised"),
)  # of a Token


def blocked_spans(text: str, tokens: list[Token], lexicon: Lexicon) -> Blocked:
    """Return the organisation and person spans of a text, and its surnames."""
    # the distinct words first, then those in lower case (C-level passes, no Python loop per word)
    blocked = Blocked(lowercase_words=set(filter(str.islower, set(map(_TEXT, tokens)))))
    heads = lexicon.organisation_heads
    for i, j in _runs(text, tokens):
        last = tokens[j - 1]
        if j - i >= 2 and last.text in heads:
            blocked.spans.append((tokens[i].start, last.end))
    if lexicon.organisation_pattern is not None:
        blocked.spans += [m.span() for m in lexicon.organisation_pattern.finditer(text)]
    _people(tokens, lexicon, blocked)
    return blocked


def _people(tokens: list[Token], lexicon: Lexicon, blocked: Blocked) -> None:
    given, titles = lexicon.given_names, lexicon.titles
    n = len(tokens)
    # the given names and titles, picked out without a Python loop over the words
    for i in compress(range(n), map(lexicon.person_leads.__contains__, map(_FOLDED, tokens))):
        tok = tokens[i]
        is_given = tok.capitalised and tok.folded in given
        if not (is_given or tok.folded in titles):
            continue
        j = i + 1
        while j < n and tokens[j].joined and (tokens[j].capitalised or tokens[j].article):
            if tokens[j].folded in titles:
                break
            j += 1
        if j > i + 1 or is_given:
            start = tok.start if is_given else tokens[i + 1].start if j > i + 1 else tok.start
            blocked.spans.append((start, tokens[j - 1].end))
            # After a title, the first of several names is a given name ("Minister Israel Katz"):
            # only the names after it are the person's surname, here and elsewhere.
            first = i + 2 if not is_given and j - i > 2 else i + 1
            for k in range(first, j):
                if not tokens[k].article:
                    blocked.surnames.add(tokens[k].folded)


def _form(tokens: list[Token], i: int, j: int, text: str) -> str | None:
    """Return why the written form of tokens ``i:j`` is no name: a number, initials."""
    if all(t.text.isdigit() for t in tokens[i:j]):
        return "a number ('400 cross-border raids': some gazetteers name districts by number)"
    if j - i > 1 and any(len(t.text) == 1 and text.startswith(".", t.end) for t in tokens[i:j]):
        return "initial or abbreviation ('The U.S.-brokered', 'J. Smith')"
    return None


def rejects(tokens: list[Token], i: int, j: int, text: str, lexicon: Lexicon, blocked: Blocked) -> str | None:
    """Return why tokens ``i:j`` are not a place mention, or ``None`` when they may be one."""
    start, end = tokens[i].start, tokens[j - 1].end
    if blocked.covers(start, end):
        return "organisation or person"
    form = _form(tokens, i, j, text)
    if form is not None:
        return form
    words = [t for t in tokens[i:j] if not t.article]
    folded = [t.folded for t in words]
    if folded and all(w in lexicon.person_names for w in folded):
        return "personal name"
    if folded and all(w in blocked.surnames for w in folded) and _speaker(text, start, end):
        return "personal name (a surname seen before)"
    if _speaker(text, start, end, after=False):
        return "personal name (said X)"
    if j < len(tokens) and tokens[j].joined and tokens[j].text.isdigit() and text[tokens[j].start - 1] == " ":
        return "news outlet (a name and a number)"
    if (
        j < len(tokens)
        and tokens[j].hyphen
        and tokens[j].start == end + 1
        and tokens[j].text.islower()
        and not tokens[j].article
    ):
        return "adjective (a compound such as 'US-brokered', 'Idlib-based')"
    if len(words) == 1:
        return _one_word(tokens, words[0], j, text, lexicon, blocked)
    if words and all(w.arabic and exact_key(w.text) in ARABIC_NOT_NAMES for w in words):
        return "Arabic function words ('قبل أن', before)"
    return None


def _one_word(
    tokens: list[Token], word: Token, j: int, text: str, lexicon: Lexicon, blocked: Blocked
) -> str | None:
    """Return why one word (``tokens[j]`` follows it) is not a place mention, or ``None``."""
    folded = word.folded
    if word.arabic and exact_key(word.text) in ARABIC_NOT_NAMES:
        return "Arabic function word or generic noun"
    if folded in lexicon.demonyms:
        return "demonym"
    if folded in lexicon.common_words or folded in lexicon.given_names:
        return "common word or given name"
    if folded in blocked.lowercase_words and not word.text.islower():
        return "common word (the article also writes it in lower case)"
    if len(word.text) > 1 and word.text.isupper() and not _dateline(text, word):
        return "acronym"
    if (
        folded in lexicon.name_heads
        and j < len(tokens)
        and tokens[j].joined
        and (tokens[j].capitalised or tokens[j].article)
    ):
        return "the generic first word of a longer name ('Tel Mardikh', 'Hursh Basinqoul')"
    return None


_SAID = ("said", "says", "told", "added", "asked")
_SAID_BEFORE = re.compile(rf"\b(?:{'|'.join(_SAID)})\s+$")
_SAID_AFTER = re.compile(r"^\s+(?:said|says|told|added|asked)\b|^,\s+who\s")
_NAME_END = re.compile(r"^\s*(?:[,.;:!?)\]\"”]|$)")


def _speaker(text: str, start: int, end: int, *, after: bool = True) -> bool:
    """Whether a name stands where a quoted person does ("said Hamwi", "Homsi told")."""
    # The expressions are tried only where their words may be: most names are no speaker's.
    before = text[max(0, start - 12) : start]
    if ends_with_word(before, _SAID) and _SAID_BEFORE.search(before):
        # "said Nabil, a teacher"; not "said Israel was ...", where the name starts a clause.
        return bool(_NAME_END.match(text[end : end + 3]))
    if not after:
        return False
    following = text[end : end + 12]
    lead = following[:1]
    if lead == "," or (lead.isspace() and following.lstrip()[:1] in _SAID_LEADS):
        return bool(_SAID_AFTER.match(following))
    return False


_SAID_LEADS = frozenset(w[0] for w in _SAID)


def _dateline(text: str, token: Token) -> bool:
    """Whether an upper-case word is the place of a dateline ("DARAA, Syria, Aug. 20 (Wire) -")."""
    line_start = text.rfind("\n", 0, token.start) + 1
    before = text[line_start : token.start]
    return (not before.strip() or before.isupper()) and text[token.end : token.end + 1] in (",", " ")
