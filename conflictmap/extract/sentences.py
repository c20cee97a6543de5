"""Split clean article text into sentences, as character spans.

A sentence ends at ``.``, ``!`` or ``?`` (and a closing quote) before white space and a capital
letter, a digit or an opening quote, unless the dot ends a known abbreviation ("Aug.", "U.S.",
"a.m."). A line break after a line without end punctuation (a headline, a dateline) and a blank
line always end a sentence.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["split_sentences"]

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "maj",
        "prof",
        "no",
        "nos",
        "vol",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "inc",
        "ltd",
        "co",
        "corp",
        "jr",
        "sr",
        "vs",
        "etc",
        "approx",
        "est",
        "dept",
        "govt",
        "a.m",
        "p.m",
        "u.s",
        "u.n",
        "u.k",
        "e.g",
        "i.e",
        "mt",
        "ft",
        "km",
    ]
)
# A full stop (or ! ?) before a capital, a blank line, or a line break before text. One set opens
# the expression, so ``re`` skips to those characters instead of trying every position.
_END = re.compile(
    r"[.!?\n](?:(?<=[.!?])[\"'”’)\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9\u0600-\u06ff])|(?<=\n)[ \t]*\n|(?<=\n)(?=\S))"
)
_WORD_BEFORE = re.compile(r"([A-Za-z.]+)\.$")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` spans of the sentences of ``text``, white space trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _END.finditer(text):
        end = match.end()
        if text[match.start()] == ".":
            before = _WORD_BEFORE.search(text, max(0, match.start() - 12), match.start() + 1)
            if before and _is_abbreviation(before.group(1)):
                continue
        elif text[match.start()] == "\n" and match.group() == "\n":
            line = text[start : match.start()].rstrip()
            if line.endswith((",", ";", ":")) or (line and line[-1].islower() and len(line) > 120):
                continue  # a hard-wrapped line, not a headline
        _add(spans, text, start, end)
        start = end
    _add(spans, text, start, len(text))
    return spans


@lru_cache(maxsize=1 << 14)
def _is_abbreviation(word: str) -> bool:
    """Whether the word before a full stop is an abbreviation (a pure function of the word: cached)."""
    word = word.lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or bool(_INITIALS.fullmatch(word))


_INITIALS = re.compile(r"(?:[a-z]\.)+[a-z]")  # "u.s", "e.g"


def _add(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
