"""Dates in article text, resolved against the publication date.

- Weekdays ("on Friday", "Tuesday's raid"): the most recent such day on or before publication.
- "last week": the previous Monday to Sunday; "this week": Monday to publication; "over the past
  week": the seven days before publication; "last month", "this month", "last year", "this year".
- Month names: the whole month ("in March"), the most recent one when no year is given; a day
  of a month ("March 10, 2025", "on January 2 and 3").
- "since December 2024": a period from 2024-12-01 to publication, time precision 3 (from
  2024-12-08 only when the text gives the day). "in 2025": the year, up to publication when it
  is the current one.
- Datelines: ``Published 2025-06-14``, ``date 2026-01-07`` or ``CITY, Aug. 20 (Wire) -``; a
  dateline without a year takes the latest year the article mentions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress

__all__ = ["DateSpan", "find_dates", "parse_published"]

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
WEEKDAYS = {
    d: i for i, d in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_MONTH_FULL = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
_PATTERNS = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        (
            "since_day",
            rf"\b(?:since|from)\s+(?:the\s+(?:[\w'’-]+\s+){{1,5}}?on\s+)?{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})\b",
        ),
        ("since_month", rf"\b(?:since|from)\s+(?:early\s+|late\s+|mid-)?{_MONTH}(?:\s+(?P<year>\d{{4}}))?\b"),
        ("since_year", r"\bsince\s+(?P<year>(?:19|20)\d{2})\b"),
        (
            "day_range",
            rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})\s+and\s+(?P<day2>\d{{1,2}})(?:,?\s+(?P<year>\d{{4}}))?\b",
        ),
        ("day", rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{{4}}))?\b"),
        ("day_first", rf"\b(?P<day>\d{{1,2}})\s+{_MONTH}(?:\s+(?P<year>\d{{4}}))?\b"),
        (
            "month",
            rf"\b(?:in|during|throughout|by|of|early|late|mid-|until|last)\s+(?:early\s+|late\s+|mid-)?(?P<month>{_MONTH_FULL})(?:\s+(?P<year>\d{{4}}))?\b",
        ),
        ("month_year", rf"\b(?P<month>{_MONTH_FULL})\s+(?P<year>\d{{4}})\b"),
        ("year", r"\b(?:in|during|of)\s+(?P<year>(?:19|20)\d{2})\b"),
        ("last_year", r"\blast\s+year\b"),
        ("this_year", r"\bthis\s+year\b|\bso\s+far\s+in\s+\d{4}\b"),
        ("last_month", r"\blast\s+month\b"),
        ("this_month", r"\bthis\s+month\b"),
        ("last_week", r"\blast\s+week\b|\bthe\s+previous\s+week\b"),
        ("this_week", r"\b(?:earlier\s+)?this\s+week\b"),
        ("past_week", r"\b(?:over\s+|in\s+|during\s+)?the\s+past\s+(?:week|seven\s+days)\b"),
        (
            "recent_period",
            r"\b(?:(?:over|in|during)\s+)?the\s+(?:last|past)\s+(?P<n>\d{1,3}|two|three|four|five|six|seven|eight"
            r"|nine|ten|eleven|twelve|several|few)\s+(?P<unit>days|weeks|months|years)\b"
            r"|\b(?:in|over|during)\s+recent\s+(?P<unit2>days|weeks|months|years)\b",
        ),
        ("yesterday", r"\byesterday\b"),
        ("today", r"\btoday\b"),
        (
            "day_shift",
            r"\b(?:(?P<n>one|a|two|three|four|five|[1-5])\s+days?\s+(?P<dir>earlier|before|later)"
            r"|the\s+(?:(?P<prev>previous|prior|preceding)|(?P<next>next|following))\s+day"
            r"|the\s+day\s+(?P<dir2>before))\b",
        ),
        ("weekday", r"\b(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?:['’]s)?\b"),
    )
)


@dataclass(frozen=True)
class DateSpan:
    """A date expression: its span in the text and the day or period it means.

    Attributes
    ----------
    start, end
        Span in the text searched.
    first, last
        The first and last day (equal for one day).
    precision
        Time precision of the model: 1 day, 2 week or month, 3 year or longer period.
    shift
        For a day told from the day the report was telling ("one day earlier", "the previous
        day", "two days later"): how many days from it. ``first`` and ``last`` then count from
        publication, until the extractor reads the expression against the story's own day
        (see :func:`shifted`).
    """

    start: int
    end: int
    first: dt.date
    last: dt.date
    precision: int
    shift: int | None = None


def shifted(date: DateSpan, story: DateSpan) -> DateSpan:
    """Read a day told from the story's day ("one day earlier") against that day.

    ``story`` is the date the article was telling before the expression; when it is no single
    day, the expression stays counted from publication.
    """
    if date.shift is None or story.precision != 1:
        return date
    day = story.first + dt.timedelta(days=date.shift)
    return DateSpan(date.start, date.end, day, day, 1, date.shift)


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _recent_month(month: int, published: dt.date) -> int:
    """Return the year of the most recent ``month`` on or before publication."""
    return published.year if month <= published.month else published.year - 1


def _resolve(name: str, m: re.Match[str], published: dt.date) -> tuple[dt.date, dt.date, int] | None:  # noqa: C901
    groups = m.groupdict()
    year = int(groups["year"]) if groups.get("year") else None
    month = MONTHS.get((groups.get("month") or "").lower().rstrip("."))
    p = published
    if name == "since_day":
        return dt.date(year, month, int(groups["day"])), p, 3
    if name == "since_month":
        return dt.date(year or _recent_month(month, p), month, 1), p, 3
    if name == "since_year":
        return dt.date(year, 1, 1), p, 3
    if name in ("day", "day_first", "day_range"):
        year = year or _recent_month(month, p)
        first = dt.date(year, month, int(groups["day"]))
        last = dt.date(year, month, int(groups["day2"])) if groups.get("day2") else first
        return first, last, 1
    if name in ("month", "month_year"):
        year = year or _recent_month(month, p)
        return dt.date(year, month, 1), min(_month_end(year, month), p), 2
    if name == "year":
        return dt.date(year, 1, 1), min(dt.date(year, 12, 31), p), 3
    if name == "last_year":
        return dt.date(p.year - 1, 1, 1), dt.date(p.year - 1, 12, 31), 3
    if name == "this_year":
        return dt.date(p.year, 1, 1), p, 3
    if name == "last_month":
        first = (p.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        return first, _month_end(first.year, first.month), 2
    if name == "this_month":
        return p.replace(day=1), p, 2
    monday = p - dt.timedelta(days=p.weekday())
    if name == "last_week":
        return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1), 2
    if name == "this_week":
        return monday, p, 2
    if name == "past_week":
        return p - dt.timedelta(days=7), p, 2
    if name == "recent_period":
        # "in the last five months", "in recent weeks": a period up to the report ("several",
        # "few" and "recent" taken as three)
        unit = groups.get("unit") or groups.get("unit2") or "days"
        n = groups.get("n") or "three"
        count = int(n) if n.isdigit() else _NUMBER_WORDS.get(n.lower(), 3)
        days = {"days": 1, "weeks": 7, "months": 30, "years": 365}[unit.lower()] * count
        return p - dt.timedelta(days=days), p, 1 if days <= 1 else 2 if days <= 31 else 3
    if name == "yesterday":
        return p - dt.timedelta(days=1), p - dt.timedelta(days=1), 1
    if name == "today":
        return p, p, 1
    if name == "day_shift":
        shift = _day_shift(groups)
        return p + dt.timedelta(days=shift), p + dt.timedelta(days=shift), 1
    if name == "weekday":
        back = (p.weekday() - WEEKDAYS[groups["weekday"].lower()]) % 7
        day = p - dt.timedelta(days=back)
        return day, day, 1
    return None


_COUNTS = {"one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_NUMBER_WORDS = {
    **_COUNTS, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip


def _day_shift(groups: dict[str, str | None]) -> int:
    """Days from the story's day: -1 for "one day earlier" or "the previous day", +2 for "two days later"."""
    if groups.get("prev") or groups.get("dir2"):
        return -1
    if groups.get("next"):
        return 1
    n = groups["n"] or "1"
    count = int(n) if n.isdigit() else _COUNTS[n.lower()]
    return count if (groups.get("dir") or "").lower() == "later" else -count


# The words a match of each pattern starts with ("#": a day number); a match can start only there.
_FULL_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_WEEKDAYS = tuple(WEEKDAYS)
_LEADS: dict[str, tuple[str, ...]] = {
    "since_day": ("since", "from"),
    "since_month": ("since", "from"),
    "since_year": ("since",),
    "day_range": tuple(MONTHS),
    "day": tuple(MONTHS),
    "day_first": ("#",),
    "month": ("in", "during", "throughout", "by", "of", "early", "late", "mid", "until", "last"),
    "month_year": _FULL_MONTHS,
    "year": ("in", "during", "of"),
    "last_year": ("last",),
    "this_year": ("this", "so"),
    "last_month": ("last",),
    "this_month": ("this",),
    "last_week": ("last", "the"),
    "this_week": ("earlier", "this"),
    "past_week": ("over", "in", "during", "the"),
    "recent_period": ("over", "in", "during", "the"),
    "yesterday": ("yesterday",),
    "today": ("today",),
    "day_shift": ("one", "a", "two", "three", "four", "five", "#", "the"),
    "weekday": _WEEKDAYS,
}
# Lead word → the patterns (in order of precedence) that may match there.
_BY_LEAD: dict[str, list[int]] = {}
for _n, (_name, _pattern) in enumerate(_PATTERNS):
    for _word in _LEADS[_name]:
        _BY_LEAD.setdefault(_word, []).append(_n)
# One scan of the lower-cased text finds every lead word (whole words; "mid" in "mid-March").
_LOCATOR = re.compile(
    r"\b(?:" + "|".join(sorted((w for w in _BY_LEAD if w != "#"), key=len, reverse=True)) + r")(?![a-z])"
    r"|\b\d{1,2}(?!\d)"
)


# Frequent lead words whose patterns all need one of a few next words ("in" before a month,
# "early", "late", "mid-", "the past week" or a year; "the previous/past week"; a day number
# before a month): the patterns are tried there only when that word follows.
_NEXT_WORDS: dict[str, frozenset[str]] = {
    "in": frozenset({*_FULL_MONTHS, "early", "late", "mid", "the", "recent"}),
    "over": frozenset({"the", "recent"}),
    "during": frozenset({*_FULL_MONTHS, "early", "late", "mid", "the", "recent"}),
    "of": frozenset({*_FULL_MONTHS, "early", "late", "mid"}),
    "the": frozenset({"previous", "past", "prior", "preceding", "next", "following", "day", "last"}),
    "a": frozenset({"day"}),
    "one": frozenset({"day"}),
    "two": frozenset({"days"}),
    "three": frozenset({"days"}),
    "four": frozenset({"days"}),
    "five": frozenset({"days"}),
    "#": frozenset({*MONTHS, "days"}),
}
_YEAR_AFTER = frozenset({"in", "of", "during"})  # ... or a year ("in 2025": 19xx or 20xx)
_WORD_HEAD = re.compile(r"[^\W_]*")  # a word up to an apostrophe or a vowel mark


def find_dates(
    text: str,
    published: dt.date,
    *,
    words: Iterable[tuple[int, str]] | None = None,
    columns: tuple[Sequence[int], Sequence[str]] | None = None,
) -> list[DateSpan]:
    """Return the date expressions of ``text``, in order, resolved against ``published``.

    Overlapping expressions keep the first pattern that matched (the more specific one).

    Parameters
    ----------
    text, published
        The article and its publication date.
    words
        ``(start, lower-case word)`` of every word of ``text`` in order, when the caller has
        split it already: the patterns are then tried where their lead words are, without
        scanning the text for them (which takes longer than the rest of this function).
    columns
        The same as two columns, starts and words (the fastest: read without a Python loop).
    """
    # Each pattern's matches as its own finditer would give them (in order, not overlapping).
    matches: list[list[re.Match[str]]] = [[] for _ in _PATTERNS]
    if columns is not None:
        leads = _leads_in(*columns)
    else:
        leads = _leads(text) if words is None else _leads_of(words)
    for pos, word in leads:
        for n in _BY_LEAD[word]:
            m = _PATTERNS[n][1].match(text, pos)
            if m is not None and (not matches[n] or pos >= matches[n][-1].end()):
                matches[n].append(m)
    found: list[DateSpan] = []
    taken: list[tuple[int, int]] = []
    for (name, _pattern), hits in zip(_PATTERNS, matches, strict=True):
        for m in hits:
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            try:
                resolved = _resolve(name, m, published)
            except (ValueError, TypeError):
                continue  # "February 30", a month name that is a word ("may")
            if resolved is None:
                continue
            if name == "day_shift":  # read against the story's day by the extractor (see shifted)
                taken.append(m.span())
                found.append(DateSpan(m.start(), m.end(), *resolved, _day_shift(m.groupdict())))
                continue
            if resolved[0] > published:
                continue
            taken.append(m.span())
            found.append(DateSpan(m.start(), m.end(), resolved[0], min(resolved[1], published), resolved[2]))
    return sorted(found, key=lambda d: d.start)


_ISO = re.compile(r"\b(?P<y>(?:19|20)\d{2})-(?P<m>\d{2})-(?P<d>\d{2})\b")
_DATELINE = re.compile(
    rf"^[ \t]*[A-Z][A-Za-z .'’-]+,(?:[ \t]*[A-Z][A-Za-z .'-]+,)?[ \t]*{_MONTH}[ \t]+(?P<day>\d{{1,2}})"
    r"(?:,[ \t]*(?P<year>\d{4}))?",
    re.MULTILINE | re.IGNORECASE,
)
_YEAR = re.compile(r"\b(?:19[5-9]\d|20\d{2})\b")


_DIGITS = re.compile(r"\d+")


def _leads(text: str) -> Iterator[tuple[int, str]]:
    """Positions and lead words (``#`` for a day number) of ``text``, found by one scan."""
    low = text.lower()
    if len(low) != len(text):  # a letter whose lower case is longer (rare): fold letter by letter
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    for located in _LOCATOR.finditer(low):
        word = located[0]
        yield located.start(), "#" if word[0].isdigit() else word


def _leads_of(words: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Pick the lead words out of already split words ("3rd" and "12" lead as day numbers)."""
    by_lead = _BY_LEAD
    for start, word in words:
        if word in by_lead:
            yield start, word
        elif word[0].isdecimal() and len(_DIGITS.match(word)[0]) <= 2:  # type: ignore[index]  # as \d
            yield start, "#"


def _leads_in(starts: Sequence[int], folded: Sequence[str]) -> Iterator[tuple[int, str]]:
    """Pick the lead words out of the columns of already split words (see :func:`_leads_of`).

    Each distinct word is classed once per process; a lead in ``_NEXT_WORDS`` is given only
    before a word its patterns need (its patterns cannot match elsewhere: they read the next
    word after white space, up to a word boundary).
    """
    memo = _LEAD_OF
    if len(memo) > 200_000:
        memo.clear()
    for word in set(folded).difference(memo):
        memo[word] = _lead_word(word)
    leads = list(map(memo.__getitem__, folded))
    last = len(leads) - 1
    needs, heads = _NEXT_WORDS, _HEAD_OF
    for k in compress(range(len(leads)), leads):
        lead = leads[k]
        need = needs.get(lead)
        if need is not None:
            after = ""
            if k < last:
                word = folded[k + 1]
                after = heads.get(word)
                if after is None:
                    if len(heads) > 200_000:
                        heads.clear()
                    after = heads[word] = _WORD_HEAD.match(word)[0]  # type: ignore[index]  # * matches
            if after not in need and not (lead in _YEAR_AFTER and after[:2] in ("19", "20")):
                continue
        yield starts[k], lead


# Word (case-folded) → the lead it is (a word of _BY_LEAD, "#" for a day number) or "".
_LEAD_OF: dict[str, str] = {}
# Word (case-folded) → its head up to an apostrophe or a vowel mark (see _WORD_HEAD).
_HEAD_OF: dict[str, str] = {}


def _lead_word(word: str) -> str:
    if word in _BY_LEAD:
        return word
    if word[0].isdecimal() and len(_DIGITS.match(word)[0]) <= 2:  # type: ignore[index]  # as \d
        return "#"
    return ""


def parse_published(text: str, *, meta: str | None = None) -> tuple[dt.date | None, str]:
    """Find the publication date of an article.

    Parameters
    ----------
    text
        The clean article text (the dateline is looked for in its first lines).
    meta
        A date from the markup (HTML ``<meta>``/``<time>``), used first when it parses.

    Returns
    -------
    date : datetime.date or None
    how : str
        Where it came from (for warnings): ``"markup"``, ``"dateline"``, ``"dateline, year from
        the text"`` or ``""``.
    """
    if meta and (m := _ISO.search(meta)):
        return dt.date(int(m["y"]), int(m["m"]), int(m["d"])), "markup"
    head = text[:600]
    if m := _ISO.search(head):
        return dt.date(int(m["y"]), int(m["m"]), int(m["d"])), "dateline"
    if m := _DATELINE.search(head):
        month, day = MONTHS[m["month"].lower().rstrip(".")], int(m["day"])
        if m["year"]:
            return dt.date(int(m["year"]), month, day), "dateline"
        years = [int(y) for y in _YEAR.findall(text[m.end() :])]
        if years:
            try:
                return dt.date(max(years), month, day), "dateline, year from the text"
            except ValueError:
                return None, ""
    return None, ""
