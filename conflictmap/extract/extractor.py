"""One article in, its events and place mentions out (the orchestration of the extract modules)."""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from operator import attrgetter

from conflictmap._gc import bulk_allocation
from conflictmap.extract.dates import DateSpan, find_dates, parse_published, shifted
from conflictmap.extract.events import MILITARY, Event, article_hits, sentence_events
from conflictmap.extract.lexicon import Lexicon, default_lexicon
from conflictmap.extract.mentions import Matcher, Mention, NameIndex
from conflictmap.extract.merge import merge_events
from conflictmap.extract.places import acts_as_government, find_mentions, resolve_mentions
from conflictmap.extract.sentences import split_sentences
from conflictmap.extract.text import Article
from geo.resolve import Resolver

__all__ = ["ArticleResult", "Extractor"]

_START, _FOLDED = attrgetter("start"), attrgetter("folded")  # of a Token
_DATELINE_LINE = re.compile(r"^(?i:published|updated|date)\b|\(\w[\w .]*\)\s*[-–—]+\s*$|^[A-Z][A-Z .'’-]+,")


@dataclass
class ArticleResult:
    """What one article gave."""

    article: Article
    published: dt.date
    events: list[Event]
    mentions: list[Mention]
    sentences: list[tuple[int, int]]
    warnings: list[str] = field(default_factory=list)


# A photo's credit at the end of a line: the line is its caption.
_CREDIT = re.compile(
    r"\((?:AP|AFP|Reuters|EPA|Getty Images|Anadolu(?: Agency)?|SANA|Xinhua"
    r"|(?:Photo|Credit|File|Image)\b[^)]*)\)\s*$"
)


def _line_start(text: str, start: int) -> bool:
    """Whether a sentence starting at ``start`` opens a line."""
    return start == 0 or text[start - 1] == "\n"


def _whole_line(text: str, start: int, end: int, sentence: str) -> bool:
    """Whether a sentence is a line of its own without a full stop (a headline, not body text)."""
    return (
        _line_start(text, start)
        and "\n" in text[end : end + 2]
        and not sentence.rstrip().endswith((".", '"', "”"))
    )


class Extractor:
    """Extract located events from articles; build once, use for many articles.

    Parameters
    ----------
    lexicon
        The lexicon; the shipped one by default.
    resolver
        The place resolver; one over the shipped gazetteer by default.
    """

    def __init__(self, *, lexicon: Lexicon | None = None, resolver: Resolver | None = None) -> None:
        self.lexicon = lexicon or default_lexicon()
        self.resolver = resolver or Resolver()
        self.matcher = Matcher(NameIndex(self.resolver.gazetteer), self.lexicon)

    def run(
        self, article: Article, *, published: dt.date | None = None, country: str | None = None
    ) -> ArticleResult:
        """Extract the events and mentions of one article.

        Parameters
        ----------
        article
            The article (see :func:`conflictmap.extract.text.read_article`).
        published
            Publication date; by default from the dateline or the markup.
        country
            ISO alpha-2 code preferred among namesakes; by default the dateline's country.
        """
        # An article makes tens of thousands of short-lived objects (words, matches, spans), none
        # in a reference cycle: CPython's collector would walk them every 700 allocations (6% of
        # the time of an article). It is paused for one article and resumes after it.
        with bulk_allocation():
            return self._run(article, published=published, country=country)

    def _run(self, article: Article, *, published: dt.date | None, country: str | None) -> ArticleResult:
        text, warnings = article.text, []
        where = article.path or "article"
        if published is None:
            published, _how = parse_published(text, meta=article.published)
        if published is None:
            published = dt.date.today()
            warnings.append(
                f"{where}: no publication date in a dateline; relative dates are read against "
                f"today ({published}); give --published DATE"
            )
        candidates, demonyms, _blocked, tokens = find_mentions(text, self.matcher, self.lexicon)
        sentences = split_sentences(text)
        inferred = country is None
        if country is None:
            country = self._context_country(
                text, candidates, demonyms, dateline=self._dateline_country(text, candidates, sentences)
            )
        starts = [s for s, _ in sentences]
        for m in candidates:  # before resolving: a mention is read among its sentence's places
            m.sentence = max(0, bisect.bisect_right(starts, m.start) - 1)
        mentions = resolve_mentions(
            text, candidates, self.resolver, self.lexicon, country=country, inferred=inferred
        )
        # the start and case-folded text of every word, for the date finder (two columns, read
        # without a Python loop)
        words = (list(map(_START, tokens)), list(map(_FOLDED, tokens)))
        events = self._events(text, sentences, mentions, published, words)
        if not any(m.place is not None for m in mentions) and events:
            warnings.append(f"{where}: no locatable place; its {len(events)} events are kept unlocated")
        return ArticleResult(article, published, events, mentions, sentences, warnings)

    def _context_country(
        self, text: str, mentions: list[Mention], demonyms: Counter[str], *, dateline: str | None = None
    ) -> str | None:
        """Return the country of the article's unambiguous places, else of its demonyms, else home.

        A town or admin-1 unit ("Quneitra countryside", "the town of Adloun") whose every
        namesake lies in one country votes for that country (as
        :meth:`geo.resolve.Resolver.resolve_all` does), unless it is a capital standing for its
        government ("the Tel Aviv regime"). The dateline's country (``dateline``) is one vote
        more: it says where the reporter is, and a bureau in Erbil reports on Hasakah. Demonyms
        name actors more often than places ("Israeli forces" in a report on Quneitra), so they
        only break a tie, or decide when no town or unit votes.
        """
        votes: Counter[str] = Counter()
        if dateline:
            votes[dateline] += 1
        for m in mentions:
            if m.kind not in ("name", "named"):  # a framed name ("the town of Adloun") counts too
                continue
            if dateline and m.start < 400 and m.text.isupper():
                continue  # the dateline's place has voted
            res = self.resolver.resolve(m.text)
            place = res.place
            if (
                place is not None
                and place.kind in ("populated place", "admin1")
                and len({c.country for c in res.candidates}) == 1
                # "the Tel Aviv regime", "Damascus said": the state that acts, not where
                and not acts_as_government(text, m, place, self.lexicon)
            ):
                votes[place.country] += 1
        if not votes:
            votes = Counter({c: n for c, n in demonyms.items() if c in self.resolver.focus})
        if not votes:
            return self.resolver.home
        # A tie among the places' countries is broken by the demonyms, then by the home country,
        # never by which country the article happened to name first.
        home = self.resolver.home
        return max(votes, key=lambda c: (votes[c], demonyms.get(c, 0), c == home))

    def _dateline_country(
        self, text: str, mentions: list[Mention], sentences: list[tuple[int, int]]
    ) -> str | None:
        for m in mentions[:3]:
            if m.start < 400 and m.text.isupper() and len(m.text) > 2:
                res = self.resolver.resolve(m.text.title())
                if res.place is not None and res.place.country:
                    return res.place.country
        return None

    def _events(
        self,
        text: str,
        sentences: list[tuple[int, int]],
        mentions: list[Mention],
        published: dt.date,
        words: tuple[list[int], list[str]],
    ) -> list[Event]:
        by_sentence: dict[int, list[Mention]] = {}
        for m in mentions:
            by_sentence.setdefault(m.sentence, []).append(m)
        mention_starts = [m.start for m in mentions]  # in text order
        carried = DateSpan(0, 0, published, published, 1)
        all_dates = find_dates(text, published, columns=words)  # once per article, shared out by sentence
        date_starts = [d.start for d in all_dates]
        cue_hits, actor_hits = article_hits(text, sentences, self.lexicon)  # one scan per article
        kept: list[Event] = []
        headline: list[Event] = []
        context: str | None = None  # the category of the latest military event so far
        top = True  # still among the lines above the article's body
        for index, (start, end) in enumerate(sentences):
            lo, hi = bisect.bisect_left(date_starts, start), bisect.bisect_left(date_starts, end)
            while hi > lo and all_dates[hi - 1].end > end:
                hi -= 1
            sentence = text[start:end]
            # The headline, and the kicker, byline or photo caption lines above it ("MIDDLE EAST",
            # "Damaged buildings in Quneitra (Credit: AFP)"): whole lines without a full stop at
            # the top of the article. Their events only add evidence to the body's.
            top = top and index < 3 and _whole_line(text, start, end, sentence)
            if index < 3 and _DATELINE_LINE.search(sentence) and len(sentence) < 120:
                continue
            if _CREDIT.search(sentence) and _line_start(text, start):
                continue  # a photo caption ("... Tuesday, March 25, 2025 (AP)"): a file photo's events
            # a day to come: a date shortly after a future word, in its clause ("is expected in
            # Lebanon on Thursday"); not the day a future was said on ("officials said this week
            # that Ankara could ...") nor a past event's told after one ("trying to ..., with a
            # meeting in Damascus last week")
            future = any(
                0 < d.start - (f.end + start) <= 40 and "," not in text[f.end + start : d.start]
                for f in cue_hits[index].get(("future", ""), ())
                for d in all_dates[lo:hi]
            )
            if not any(
                key[0] in ("cue", "attack") for key in cue_hits[index]
            ):  # no event: only its date counts, unless it is a day to come
                if hi > lo and not future:
                    carried = _story_days([_relative(d, start) for d in all_dates[lo:hi]], carried)[-1]
                continue
            dates = _story_days([_relative(d, start) for d in all_dates[lo:hi]], carried)
            is_headline = top
            first = bisect.bisect_left(mention_starts, start)  # the mentions before the sentence
            found = sentence_events(
                sentence,
                start,
                index,
                by_sentence.get(index, []),
                dates,
                carried,
                self.lexicon,
                before=mentions[max(0, first - 12) : first],
                text=text,
                cue_hits=cue_hits[index],
                actor_hits=actor_hits[index],
                context=context,
            )
            # The latest military event's category, for the attack words of the next sentences;
            # in an article of no military event, `other` once it told one (a killing by gunmen:
            # "the reason for targeting her" is no airstrike).
            if context in MILITARY or any(e.category in MILITARY for e in found):
                context = next((e.category for e in reversed(found) if e.category in MILITARY), context)
            elif any(e.category == "other" for e in found):
                context = "other"
            if dates and (found or not future):
                carried = dates[-1]
            (headline if is_headline else kept).extend(found)
        merged = merge_events(kept, headline)
        limit = published - dt.timedelta(days=round(365.25 * self.lexicon.background_years))
        merged = [e for e in merged if e.last > limit]
        self._fallback(merged, mentions)
        self._roles(merged, mentions)
        return merged

    @staticmethod
    def _fallback(events: list[Event], mentions: list[Mention]) -> None:
        """Place events without a site at the article's main place, one step less precise."""
        counts = Counter(
            m.place.place_id
            for m in mentions
            if m.place is not None and not m.actor and m.place.kind != "country"
        )
        if not counts:
            counts = Counter(m.place.place_id for m in mentions if m.place is not None)
        if not counts:
            return
        top = counts.most_common(1)[0][0]
        main = next(m for m in mentions if m.place is not None and m.place.place_id == top)
        for event in events:
            if event.site is None:
                event.site, event.fallback = main, True
                event.geo_precision = min(4, (main.geo_precision or 1) + 1)

    @staticmethod
    def _roles(events: list[Event], mentions: list[Mention]) -> None:
        for event in events:
            if (
                event.site is None
                or event.fallback
                or event.site.place is None
                or event.category == "statement"
            ):
                continue
            event.site.role = "site"
            for m in mentions:
                if (
                    m.sentence in event.sentences
                    and m.place is not None
                    and m.place.place_id == event.site.place.place_id
                ):
                    m.role = "site"


def _story_days(dates: list[DateSpan], story: DateSpan) -> list[DateSpan]:
    """Read the days told from the story's day ("one day earlier", "the previous day") in order.

    Each counts from the date told just before it: in the sentence, else the story's ``story``.
    """
    out = []
    for date in dates:
        story = shifted(date, story) if date.shift is not None else date
        out.append(story)
    return out


def _relative(date: DateSpan, base: int) -> DateSpan:
    return DateSpan(date.start - base, date.end - base, date.first, date.last, date.precision, date.shift)
