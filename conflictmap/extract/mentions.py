"""Find place mentions in clean article text with one pass over its words.

Every gazetteer name is already folded and hashed by :mod:`geo.gazetteer` (variant keys, see
:mod:`geo.names`). The matcher folds each word of the text once, then, from every word that can
start a name (capitalised, an Arabic article before a capitalised word, a direction word,
Arabic script), joins the keys of the following words and looks each join up in a hash set of
those keys: the longest name that is known wins. No per-name regular expressions are run;
the cost is a few set lookups per capitalised word, whatever the size of the gazetteer.

False positives are removed by the rules of :mod:`conflictmap.extract.filters` (organisations,
personal names, demonyms, common words).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress
from operator import attrgetter
from typing import NamedTuple

from conflictmap.extract.lexicon import Lexicon
from geo.gazetteer import Gazetteer, Place, name_hash
from geo.names import ARTICLES, variant_key
from geo.resolve import Resolution

__all__ = ["MAX_NAME_WORDS", "Mention", "NameIndex", "Token", "tokenize"]

MAX_NAME_WORDS = 6
_TOKEN = re.compile(r"[^\W_]+(?:['’`ʼ][^\W_]+)*")
# The same words in ASCII text, with ASCII classes (the same sets there, tested faster)
_TOKEN_ASCII = re.compile(_TOKEN.pattern, re.ASCII)
# In text with Arabic harakat or tanween, those marks belong to their word (a word ending in
# tanween stays whole); the plain pattern is faster and serves every other text.
_HARAKAT = re.compile(r"[\u064b-\u065f\u0670]")
_TOKEN_HARAKAT = re.compile(r"[^\W_]+(?:[\u064b-\u065f\u0670]+[^\W_]*)*(?:['’`ʼ][^\W_]+)*")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
# Arabic prefixes that belong with the name they introduce ("ريف دمشق", "محافظة درعا").
_ARABIC_PHRASE_WORDS = frozenset(
    {"ريف", "محافظة", "محافظه", "مدينة", "مدينه", "بلدة", "بلده", "قرية", "قريه"}
)
# What may stand between two words of one name; "_" joins the words of a hashtag ("#درعا_البلد").
_JOINERS = frozenset({" ", "-", "‐", "–", "_"})


_TEXT = attrgetter("text")  # of a Token


class Token(NamedTuple):
    """One word of the text: its span, surface and folded key (a tuple: made by the thousand)."""

    start: int
    end: int
    text: str
    key: str
    capitalised: bool
    article: bool
    arabic: bool
    joined: bool  # follows the previous word after a single space or hyphen
    hyphen: bool = False  # ... after a hyphen
    folded: str = ""  # the text case-folded


def tokenize(text: str) -> list[Token]:
    """Split text into words, each folded once (possessive ``'s`` split off)."""
    tokens: list[Token] = []
    append, new, words, joiners = tokens.append, tuple.__new__, _WORDS, _JOINERS
    prev_end, pos = -2, 0
    pattern = _TOKEN_ASCII if text.isascii() else _TOKEN_HARAKAT if _HARAKAT.search(text) else _TOKEN
    find = text.find
    # The words alone, as strings (no match object per word); each is found where the last one
    # ended: what lies between two words holds no letter or digit a word could start with.
    for word in pattern.findall(text):
        start = find(word, pos)
        end = pos = start + len(word)
        cut, stem, key, capital, article, arabic, folded = words.get(word) or _word_info(word)
        joined = start - prev_end == 1 and text[start - 1] in joiners
        end -= cut
        # tuple.__new__ skips the named tuple's Python-level constructor (hundreds per article)
        hyphen = joined and text[start - 1] in "-‐–"
        append(new(Token, (start, end, stem, key, capital, article, arabic, joined, hyphen, folded)))
        prev_end = end
    return tokens


# Word → (letters cut off, word, folded key, capitalised, article, Arabic, case-folded): each
# distinct word is looked at once per process, not once per occurrence.
_WORDS: dict[str, tuple[int, str, str, bool, bool, bool, str]] = {}


def _word_info(word: str) -> tuple[int, str, str, bool, bool, bool, str]:
    cut = 0
    stem = word
    if len(word) > 2 and word[-2] in "'’`ʼ" and word[-1] in "sS":
        cut, stem = 2, word[:-2]
    folded = stem.casefold()
    article = folded in ARTICLES
    info = (
        cut,
        stem,
        "" if article else variant_key(stem),
        stem[0].isupper() or stem[0].isdigit(),
        article,
        bool(_ARABIC.match(stem)),
        folded,
    )
    if len(_WORDS) > 200_000:
        _WORDS.clear()
    _WORDS[word] = info
    return info


@dataclass
class Mention:
    """One place mention in an article.

    Attributes
    ----------
    start, end
        Span in the clean text of the article.
    text
        The surface string (``clean_text[start:end]``).
    query
        The phrase resolved for it: the text, with a direction or admin-1 reading the context
        gives ("southern Sweida", "Homs province").
    kind
        ``"name"`` (a gazetteer name), ``"feature"`` (a river, dam or base) or ``"lowercase"``.
    place
        The place it resolved to, or ``None``.
    geo_precision
        The precision of that place for this phrase.
    role
        ``"site"`` when an extracted event took place there, else ``"context"``.
    actor
        Whether the mention stands for a government ("Damascus said").
    """

    start: int
    end: int
    text: str
    query: str
    kind: str = "name"
    direction: str | None = None
    place: Place | None = None
    geo_precision: int | None = None
    role: str = "context"
    actor: bool = False
    sentence: int = -1
    resolution: Resolution | None = None


class NameIndex:
    """Hash set of the folded (variant) keys of every gazetteer name, for the matcher.

    Built from the gazetteer's own sorted hash array: no name is folded again, so building it
    costs well under a second.
    """

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        # The variant keys also cover the exact keys (equal exact keys have equal variants).
        # A dict of integers (values unused), not a set: the collector leaves a dict of atomic
        # values alone, while each full collection walks all 300,000 items of a set.
        self._keys = dict.fromkeys(gazetteer.variant_hashes().tolist())
        self._memo: dict[str, bool] = {}

    def __contains__(self, key: str) -> bool:
        hit = self._memo.get(key)
        if hit is None:
            if len(self._memo) > 500_000:
                self._memo.clear()
            hit = self._memo[key] = bool(key) and name_hash(key) in self._keys
        return hit


@dataclass
class Matcher:
    """Find the longest known names in a token list (see the module docstring)."""

    index: NameIndex
    lexicon: Lexicon
    _may_start: dict[str, bool] = field(default_factory=dict, init=False, repr=False)

    @cached_property
    def directions(self) -> frozenset[str]:
        """The lexicon's direction words, case-folded ("southern"): they can start a name."""
        return frozenset(self.lexicon.directions)

    def starters(self, tokens: list[Token]) -> Iterator[int]:
        """Return the indices of the words that may start a name (see :meth:`can_start`).

        Capitalised, Arabic, an article or a direction: :meth:`can_start` then reads their
        neighbours. Each distinct word is classed once per process, and the words are picked out in C.
        """
        memo = self._may_start
        if len(memo) > 200_000:
            memo.clear()
        texts = list(map(_TEXT, tokens))
        directions = self.directions
        for stem in set(texts).difference(memo):
            # the token's fields, as _word_info derives them from the word
            folded = stem.casefold()
            memo[stem] = (
                stem[0].isupper()
                or stem[0].isdigit()
                or bool(_ARABIC.match(stem))
                or folded in ARTICLES
                or folded in directions
            )
        return compress(range(len(texts)), map(memo.__getitem__, texts))

    def can_start(self, tokens: list[Token], i: int) -> bool:
        """Whether token ``i`` can start a name."""
        tok = tokens[i]
        if tok.arabic or tok.capitalised:
            return True
        if i + 1 >= len(tokens) or not tokens[i + 1].joined:
            return False
        nxt = tokens[i + 1]
        if tok.article:
            # "al-Rafid", "as-Suwayda": a lower-case article is only part of a name before a hyphen
            # ("at Amman" is English).
            return tok.end < nxt.start and nxt.capitalised and self._hyphen_after(tok, nxt)
        return tok.folded in self.directions and (nxt.capitalised or nxt.article)

    @staticmethod
    def _hyphen_after(tok: Token, nxt: Token) -> bool:
        return nxt.start - tok.end == 1 and nxt.hyphen

    def longest(self, tokens: list[Token], i: int) -> int:
        """Return the end (exclusive token index) of the longest name starting at ``i``, or ``i``."""
        key, best = "", i
        j = i
        while j < len(tokens) and j - i < MAX_NAME_WORDS:
            tok = tokens[j]
            if j > i:
                if not _joined(tokens, j):
                    break
                if not (tok.capitalised or tok.article or tok.arabic or tok.text.isdigit()):
                    # A lower-case last word only when the whole is a known name ("Syrian coast").
                    if tok.text in self.lexicon.lowercase_name_words and key + tok.key in self.index:
                        best = j + 1
                    break
            key += tok.key
            if tok.key and key in self.index:
                best = j + 1
            j += 1
        return best

    def arabic_prefix(self, tokens: list[Token], i: int) -> bool:
        """Whether token ``i`` is an Arabic phrase word (countryside, governorate) before a name."""
        return tokens[i].arabic and tokens[i].text in _ARABIC_PHRASE_WORDS


def _joined(tokens: list[Token], j: int) -> bool:
    """Whether token ``j`` follows token ``j - 1`` with only a space or a hyphen between them."""
    return tokens[j].joined
