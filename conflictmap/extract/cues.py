"""Find the lexicon's phrases (cues, suppressors, future words, actors) in a text with one scan.

Running every phrase pattern of the lexicon over every sentence costs one regular-expression
scan per pattern and sentence. A :class:`PhraseFinder` is built once per lexicon instead: the
phrases of all its patterns become one character trie, compiled into a single zero-width
*locator* expression that reports every position where some phrase starts (Python's ``re``
tries alternatives one by one, so shared prefixes matter: a trie costs a fraction of the plain
alternation). Only at those few positions are the patterns themselves tried, keyed by the first
letter, so the matches returned are exactly those of each pattern's own ``finditer``.

Texts holding several sentences are joined with NUL characters between them
(:func:`join_spans`): no phrase can run across one, so a whole article is scanned at once and its
matches shared out by sentence.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping
from typing import NamedTuple

__all__ = ["CUE_HEAD", "CUE_TAIL", "Match", "PhraseFinder", "cue_alternative", "join_spans", "phrase_trie"]

_SEPARATOR = r"[\s-]+"  # between the words of a phrase, as in lexicon.cue_pattern
_GAP = "\x00"
# What lexicon.cue_pattern puts around the alternatives of its phrases: whole words only.
CUE_HEAD = r"(?<![\w-])(?:"
CUE_TAIL = r")(?![\w])"


def cue_alternative(cue: str) -> str:
    """Return the expression of one cue phrase (a space: white space or hyphens; ``*``: any ending)."""
    body = re.escape(cue.rstrip("*")).replace(r"\ ", _SEPARATOR)
    return body + (r"\w*" if cue.endswith("*") else "")


class Match(NamedTuple):
    """One match of a phrase pattern: its span in the text searched and the text matched.

    A named tuple, not a frozen dataclass: matches are made by the hundred per article (found,
    then shared out by sentence), and a tuple is made several times faster (equality, hashing
    and immutability are the same).
    """

    start: int
    end: int
    text: str


def phrase_trie(phrases: Iterable[str], *, fold: bool = True, wildcard: bool = True) -> str | None:
    """Return a regular expression matching any of ``phrases`` (no flags needed).

    Phrases follow :func:`conflictmap.extract.lexicon.cue_pattern`: a space stands for any run of
    white space or hyphens, and (with ``wildcard``) a final ``*`` for any word ending. With
    ``fold`` the expression is in lower case, for lower-cased text. Common prefixes are shared,
    which makes the expression far cheaper to try at each position than an alternation; where
    one phrase continues another, the longer is tried first.
    """
    root: dict[str, dict] = {}
    for phrase in phrases:
        text = str(phrase).strip()
        if not text:
            continue
        star = wildcard and text.endswith("*")
        body = text.rstrip("*") if star else text
        node = root
        for piece in (_SEPARATOR if ch == " " else re.escape(ch) for ch in (body.lower() if fold else body)):
            node = node.setdefault(piece, {})
        if star:
            node = node.setdefault(r"\w*", {})
        node[""] = {}
    return _emit(root) if root else None


def _emit(node: dict[str, dict]) -> str:
    branches = [piece + _emit(child) for piece, child in node.items() if piece]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a phrase ends here and others go on
        return (body if len(branches) > 1 else f"(?:{body})") + "?"
    return body


class PhraseFinder:
    """All matches of several phrase patterns in a text, with one locator scan.

    Parameters
    ----------
    patterns
        Key → ``(compiled pattern, its phrases)``; the pattern is what
        :func:`~conflictmap.extract.lexicon.cue_pattern` compiled from those phrases (``None``
        for an empty list).
    """

    def __init__(self, patterns: Mapping[Hashable, tuple[re.Pattern[str] | None, Iterable[str]]]) -> None:
        self._patterns: dict[Hashable, re.Pattern[str]] = {}
        # Per key, its pattern's alternatives in their order, each with its phrase's lead (see
        # _narrowed); absent when the pattern is not one lexicon.cue_pattern made of the phrases.
        self._alternatives: dict[Hashable, list[tuple[str, str]]] = {}
        self._narrow: dict[tuple[Hashable, str], re.Pattern[str] | None] = {}
        # Which patterns can match where a phrase starts, by the phrase's first two letters (or
        # its first, when the second is a separator or a wildcard): few, at most positions.
        self._by_first: dict[str, list[Hashable]] = {}
        self._by_two: dict[str, list[Hashable]] = {}
        bodies = []
        for key, (pattern, phrases) in patterns.items():
            phrases = [str(p).strip() for p in phrases if str(p).strip()]
            if pattern is None or not phrases:
                continue
            self._patterns[key] = pattern
            alternatives = _alternatives(pattern, phrases)
            if alternatives is not None:
                self._alternatives[key] = alternatives
            for lead in {_lead(p) for p in phrases}:
                table = self._by_first if len(lead) == 1 else self._by_two
                if key not in table.setdefault(lead, []):
                    table[lead].append(key)
            bodies.extend(phrases)
        trie = phrase_trie(bodies)
        # Where a phrase starts: after a character that is no letter, digit, "_" or "-", or at the
        # start of the text. The locator matches that character (not a look-behind, which would
        # make ``re`` try every position: a leading set lets it skip to the candidates in C).
        self._locator = re.compile(rf"[^\w-](?=(?:{trie})(?!\w))") if trie else None
        self._at_start = re.compile(rf"(?=(?:{trie})(?!\w))") if trie else None
        # For ASCII text (most English copy): every character that is no letter, digit, "_" or
        # "-" becomes a space (one translation in C), and the places where a phrase may start are
        # those after a space, which ``re`` finds as fast as it finds a letter. The phrases are
        # translated the same way, so every place the locator above finds is found (a few more,
        # "u s" for "u.s."); there the patterns themselves decide, which each cue pattern can:
        # it looks behind for its own word boundary. Only when every pattern is a cue pattern.
        self._spaced: tuple[re.Pattern[str], re.Pattern[str]] | None = None
        spaced_bodies = [_spaced(p) for p in bodies]
        if (
            trie
            and len(self._alternatives) == len(self._patterns)
            and all(b[:1].strip() for b in spaced_bodies)  # none opens with punctuation
        ):
            spaced = phrase_trie(spaced_bodies)
            self._spaced = (
                re.compile(rf" (?=(?:{spaced})(?!\w))", re.ASCII),
                re.compile(rf"(?=(?:{spaced})(?!\w))", re.ASCII),
            )

    def find(self, text: str) -> dict[Hashable, list[Match]]:
        """Return, for each key with a match, the matches its pattern's ``finditer`` gives, in order."""
        found: dict[Hashable, list[Match]] = {}
        if self._locator is None:
            return found
        low = text.lower()
        if len(low) != len(text):  # a letter whose lower case is longer (rare): fold letter by letter
            low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        patterns, by_first, by_two = self._patterns, self._by_first, self._by_two
        new = tuple.__new__  # skips the named tuple's Python-level constructor
        narrow, narrowed = self._narrow, self._narrowed
        if self._spaced is not None and low.isascii():
            locator, at_start = self._spaced
            spaced = low.translate(_SPACES)
            positions = [located.end() for located in locator.finditer(spaced)]
            if at_start.match(spaced):
                positions.insert(0, 0)
        else:
            positions = [located.end() for located in self._locator.finditer(low)]
            if self._at_start.match(low):  # type: ignore[union-attr]  # set with the locator
                positions.insert(0, 0)
        for pos in positions:
            two = low[pos : pos + 2]
            keys = by_two.get(two, ())
            if low[pos] in by_first:
                keys = [*keys, *by_first[low[pos]]]
            for key in keys:
                if two.isascii():  # only the alternatives that can start with these letters
                    pattern = narrow[key, two] if (key, two) in narrow else narrowed(key, two)
                    if pattern is None:
                        continue
                else:
                    pattern = patterns[key]
                hit = pattern.match(text, pos)
                if hit is None:
                    continue
                hits = found.get(key)
                if hits is None:
                    found[key] = [new(Match, (pos, hit.end(), hit.group()))]
                elif pos >= hits[-1].end:  # finditer's matches do not overlap
                    hits.append(new(Match, (pos, hit.end(), hit.group())))
        return found

    def _narrowed(self, key: Hashable, two: str) -> re.Pattern[str] | None:
        """Return the pattern of ``key`` cut down to the alternatives that may match at ``two``.

        ``two`` is the lower-cased text (ASCII) where a match would start. An alternative whose
        phrase's lead (:func:`_lead`) is not at the start of ``two`` cannot match there; the others
        keep their order, so the first that matches, and so the match, is the whole pattern's.
        A pattern of the alternatives of one lead is a few alternatives long instead of hundreds
        (an alternation is tried alternative by alternative). ``None``: none can match.
        """
        alternatives = self._alternatives.get(key)
        if alternatives is None:
            found: re.Pattern[str] | None = self._patterns[key]
        else:
            kept = [alt for alt, lead in alternatives if two.startswith(lead)]
            flags = self._patterns[key].flags
            found = re.compile(CUE_HEAD + "|".join(kept) + CUE_TAIL, flags) if kept else None
        self._narrow[key, two] = found
        return found


# ASCII characters that are no letter, digit, "_" or "-" (white space, punctuation, NUL) → space.
_SPACES = {c: " " for c in range(128) if not (chr(c).isalnum() or chr(c) in "_-")}


def _spaced(phrase: str) -> str:
    """Return a phrase with its ASCII punctuation as spaces, as the text is read (a final ``*`` kept)."""
    star = phrase.endswith("*")
    body = (phrase[:-1] if star else phrase).translate(_SPACES)
    return body + "*" if star else body


def _alternatives(pattern: re.Pattern[str], phrases: list[str]) -> list[tuple[str, str]] | None:
    """Return the alternatives of a cue pattern in order, each with its phrase's lead.

    ``None`` when the pattern is not exactly the alternation of these phrases that
    :func:`~conflictmap.extract.lexicon.cue_pattern` compiles (then it is always tried whole).
    """
    source = pattern.pattern
    if not (source.startswith(CUE_HEAD) and source.endswith(CUE_TAIL) and pattern.flags & re.IGNORECASE):
        return None
    leads = {cue_alternative(p): _lead(p) for p in phrases}
    pieces = source[len(CUE_HEAD) : len(source) - len(CUE_TAIL)].split("|")
    if any(piece not in leads for piece in pieces):
        return None
    return [(piece, leads[piece]) for piece in pieces]


def _lead(phrase: str) -> str:
    """Return the first two letters of a phrase, lower case; only the first when the second may vary."""
    low = phrase.lower()
    return low[:2] if len(low) > 1 and (low[1].isalnum() or low[1] in "'’") else low[:1]


def join_spans(text: str, spans: list[tuple[int, int]], pieces: list[str] | None = None) -> str:
    """Return ``text`` with every character outside ``spans`` replaced by NUL (same length).

    ``pieces`` replaces the text of each span (same lengths), e.g. with quotes masked.
    """
    out, last = [], 0
    for n, (start, end) in enumerate(spans):
        out.append(_GAP * (start - last))
        out.append(pieces[n] if pieces is not None else text[start:end])
        last = end
    out.append(_GAP * (len(text) - last))
    return "".join(out)
