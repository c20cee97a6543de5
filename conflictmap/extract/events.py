"""Events from sentences: category, sites, actors, date; one event per place and day.

- Category: every category of the lexicon with a cue in the sentence (outside quoted speech;
  a quotation that continues the sentence, "added that “the force reached ...”", is read), minus
  the ones its ``suppress`` phrases rule out. A cue is no event when it is negated ("did not
  raid", "without clashes"), generic or habitual ("such incursions", "has repeatedly crossed"),
  background ("despite last month's understanding", "amid reports of confrontations"), or in a
  clause about the future ("the talks are expected to resume"; a future word governs its own
  clause only: "will visit Washington ..., after he met Dermer in London" reports the meeting).
  Cues that need a place ("seized the oilfields", not "seized weapons") count before one. Cues of
  two categories that touch ("tank fire struck") name one event, the first one's. A word that
  names an attack without saying how ("the attacks targeted", "one of the attacks hit") takes the
  category of the sentence's own military event, else of the article's latest one.
- A cue that is a definite reference ("the raid", "the latest strikes") marks the event as one
  told before (see :mod:`~conflictmap.extract.merge`), unless another cue of the category is no
  reference or it is partitive ("one of the airstrikes": a new event of a group). A sentence with
  an additive word ("also", "another", "a second") adds an event; an event named after "followed",
  "came ... after" is an earlier one.
- Statements need an official speaker (a government actor, a title or body: "the Governor of
  Sweida", "Prime Minister", "the presidency"; a country or capital just before the verb:
  "Syria stressed"), not one placed by a preposition ("analysts in Damascus"), a verb in the past
  tense (not "have said", not "say"), and are no statement when an armed actor describes its own
  operation or speaks of a military event of the same sentence (a communiqué is evidence for the
  event). What a statement says is its content: the categories named after its verb give no event
  of their own.
- Sites: see :mod:`~conflictmap.extract.sites`: one event per site of the event phrase. Without a
  site, the article's main place, one step less precise.
- Date: the date expression nearest the cue, else the last date of the article so far (the
  event is then not ``dated`` by its own sentence), else publication.

The lexicon's phrases are found once per article (:func:`article_hits`,
:class:`~conflictmap.extract.cues.PhraseFinder`) and shared out by sentence. Reports of one event
are merged by :func:`conflictmap.extract.merge.merge_events`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

from conflictmap.extract.cues import Match, join_spans
from conflictmap.extract.dates import DateSpan
from conflictmap.extract.lexicon import Lexicon
from conflictmap.extract.mentions import Mention
from conflictmap.extract.sites import (
    SiteChoice,
    choose_sites,
    contains,
    owners,
    place_named_again,
    statement_site,
    venue,
)
from conflictmap.extract.windows import ends_with_word, has_word, word_near_end

__all__ = ["Event", "actors_of", "article_hits", "categories_of", "contains", "sentence_events"]

MILITARY = ("airstrike", "shelling", "incursion", "clashes")
_QUOTED = re.compile(
    r"[\"“][^\"“”]*[\"”]"
    # single-quoted speech ("'They came targeting specific people,' said Okasha"): a capital after
    # the opening quote, a punctuation mark before the closing one, no letter around them
    # (the look-behind follows the quote it looks past: an expression that opens with a quote is
    # tried only at quotes, one that opens with a look-behind at every position)
    r"|['‘](?<![\w'’]['‘])[A-Z][^'‘’\"“”\n]*?[,.?!]['’](?![\w'’])"
)
_PERFECT_WORDS = ("have", "has", "had", "would", "will", "could", "to")
_PERFECT = re.compile(rf"\b(?:{'|'.join(_PERFECT_WORDS)})\s+(?:\w+\s+)?$", re.IGNORECASE)
_PRESENT = re.compile(r"^(?:say|says|insist|insists|argue|argues|accuse|accuses|want|wants)$", re.IGNORECASE)
_COMMUNIQUE = re.compile(
    r"\b(?:military|army|forces|troops|sdf)\b[^.]{0,80}\b(?:said|told\s+\w+)\b[^.]{0,60}\b(?:its|their)\s+"
    r"(?:forces|troops|units|fighters)\b|\b(?:military|army)\s+said\b"
    r"|\b(?:defen[cs]e\s+ministry|ministry\s+of\s+(?:national\s+)?defen[cs]e)\b[^.]{0,40}\bsaid\b",
    re.IGNORECASE,
)


@dataclass
class Event:
    """One extracted event, before it becomes a row of the event model."""

    category: str
    cue: str
    sentence: int
    first: dt.date
    last: dt.date
    precision: int
    site: Mention | None
    geo_precision: int | None
    actors: list[str]
    evidence: list[tuple[int, int]]
    sentences: set[int] = field(default_factory=set)
    fallback: bool = False
    dated: bool = True  # the date comes from the event's own sentence (not carried from before)
    anaphoric: bool = False  # named only as "the raid", "the strikes": an event told before
    notes: tuple[int, int] | None = None  # the sentence that first reports it (set from evidence)
    own_site: bool = True  # the site follows the event's own phrase (not borrowed from the sentence)
    additive: bool = False  # "also", "another", "a second": not an earlier event told again
    prior: bool = False  # "followed an incursion into X on Saturday": an earlier, distinct event

    def __post_init__(self) -> None:
        if self.notes is None and self.evidence:
            self.notes = self.evidence[0]
        if self.site is None:
            self.own_site = False


def _mask_quotes(text: str) -> str:
    """Blank out quoted speech, but not a quotation that continues the sentence ("added that “the")."""
    if '"' not in text and "“" not in text and "'" not in text and "‘" not in text:
        return text
    return _QUOTED.sub(lambda m: m.group() if _continues(text, m) else " " * len(m.group()), text)


_REPORTED = re.compile(r"\b(?:that|said|added|reported|noted|according\s+to)\s*,?\s*$", re.IGNORECASE)


def _continues(text: str, quote: re.Match[str]) -> bool:
    """Whether a quotation is the reported content of the sentence: lower case after "that"/"said"."""
    inner = quote.group()[1:2]
    return inner.islower() and bool(_REPORTED.search(text, max(0, quote.start() - 20), quote.start()))


class Phrase(NamedTuple):
    """An event phrase of a sentence: its category, its cue, and where its cues are."""

    key: str
    pos: int
    cue: str
    positions: list[int]
    prior: bool = False  # an earlier event ("followed an incursion into X")


def categories_of(
    sentence: str,
    lexicon: Lexicon,
    *,
    hits: Mapping[Hashable, list[Match]] | None = None,
    places: list[int] | None = None,
    context: str | None = None,
    dates: list[DateSpan] | None = None,
) -> list[Phrase]:
    """Return the event phrases of a sentence: one per category, and one per earlier event told.

    ``hits`` are the sentence's matches of :attr:`Lexicon.event_finder` (quotes masked, offsets
    in the sentence), when the article was searched at once (see :func:`article_hits`).
    ``places`` are the start offsets of the sentence's place mentions (for cues that need a place
    after them); ``context`` is the category of the article's latest military event (for words
    that name an attack without saying how); ``dates`` are the sentence's dates (offsets in the
    sentence), to tell a tally over a period from an event (see :func:`_tally`).
    """
    if hits is None:
        hits = lexicon.event_finder.find(_mask_quotes(sentence))
    future = hits.get(("future", ""), [])
    # where the sentence has a negation, a background or an earlier-event word (most have none)
    marks = [m.start for m in hits.get(("marker", ""), ())]
    if "n't" in sentence:
        marks += [m.start() for m in _NT.finditer(sentence)]
    found = []
    tallied: list[int] = []  # the ends of the cues that are tallies
    may_tally = bool(dates) or _many_words(sentence)  # asked once per sentence
    present = {key for kind, key in hits if kind == "cue"}
    for key in lexicon.categories:
        if key not in present:
            continue
        cues = hits[("cue", key)]
        suppressed = hits.get(("suppress", key))
        if suppressed:
            cues = [h for h in cues if not _inside_suppressed(h, suppressed)]
        cues = [h for h in cues if _counts(sentence, h, key, lexicon, future, places, marks)]
        if may_tally:
            tallies = [
                h
                for h in cues
                if _tally(sentence, h.start, dates, h.text) or _joined(sentence, h.start, tallied)
            ]
            if tallies:
                tallied += [h.end for h in tallies]
                # a later cue of the tally's kind without a day of its own is part of it
                # ("hundreds of airstrikes targeting military sites, including fighter jets")
                first = tallies[0].start
                cues = [
                    h
                    for h in cues
                    if h not in tallies and (h.start < first or _dates_of(sentence, dates, h.start))
                ]
        # "followed earlier discussions held in Amman": each such cue is an earlier event of its own
        earlier = (
            [h for h in cues if _marked(marks, h.start) and _prior(sentence, h.start, lexicon)]
            if key != "statement"
            else []
        )
        cues = [h for h in cues if h not in earlier]
        if cues:
            # "the raid", "the latest strikes" name an event reported before: a later cue of the
            # same category that is not such a reference is preferred.
            hit = next((h for h in cues if not _definite(sentence, h.start, lexicon, h.text)), cues[0])
            found.append(Phrase(key, hit.start, hit.text, [h.start for h in cues]))
        found.extend(Phrase(key, h.start, h.text, [h.start], True) for h in earlier)
    if found and lexicon.unspecific:
        found = _said_how(found, hits, lexicon, sentence)
    attacks = [
        h
        for h in hits.get(("attack", ""), [])
        if _counts(sentence, h, "", lexicon, future, places, marks)
        and not (may_tally and _tally(sentence, h.start, dates, h.text))
        # "hundreds of airstrikes targeting military sites": the attack the tally tells of
        and not any(0 <= h.start - end <= _TALLY_REACH for end in tallied)
    ]
    if attacks:
        military = [f for f in found if f.key in MILITARY]
        if military:  # the attack is the sentence's own military event: its places are that event's
            military[0].positions.extend(h.start for h in attacks)
        elif not any(f.key == "other" and not f.prior for f in found):
            # An attack said without how is the sentence's `other` event when it has one ("attacks
            # by unidentified gunmen", a bombing, an assassination); else the context's category.
            hit = next((h for h in attacks if not _definite(sentence, h.start, lexicon, h.text)), attacks[0])
            found.append(Phrase(context or "airstrike", hit.start, hit.text, [h.start for h in attacks]))
    return found


# "intensified airstrikes and ground incursions": a noun joined to a tally's shares its count
_JOINED_NOUN = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+|\s+or\s+)(?:[\w’'-]+\s+)?")


def _joined(sentence: str, pos: int, tallied: list[int]) -> bool:
    """Whether the cue at ``pos`` is joined to a tally's cue ending at one of ``tallied``."""
    return any(
        0 <= pos - end <= 30 and (m := _JOINED_NOUN.match(sentence, end)) is not None and m.end() == pos
        for end in tallied
    )


def _said_how(
    found: list[Phrase], hits: Mapping[Hashable, list[Match]], lexicon: Lexicon, sentence: str
) -> list[Phrase]:
    """Fold a military phrase whose cues only say "attacked" into the one that says how.

    "Nine drones attacked the frontline" is a drone strike, "bombarding positions with
    artillery" shelling: a category found only by its unspecific cues (see the lexicon's
    ``unspecific``) gives its positions to the sentence's other military phrase, found by
    a cue of its own, when there is exactly one such (with two, which one is unclear). With
    none, a weapon of another category in the words before the cue ("an Israeli drone also
    attacked"; the lexicon's ``weapons``) says how.
    """
    military = [f for f in found if f.key in MILITARY and not f.prior]
    vague = [
        f
        for f in military
        if (pattern := lexicon.unspecific.get(f.key)) is not None
        and all(pattern.fullmatch(h.text) for h in hits[("cue", f.key)] if h.start in f.positions)
    ]
    if not vague:
        return found
    specific = [f for f in military if f not in vague]
    if len(specific) == 1:
        specific[0].positions.extend(p for f in vague for p in f.positions)
        return [f for f in found if f not in vague]
    if specific:
        return found
    return [f._replace(key=_weapon_of(f, sentence, lexicon)) if f in vague else f for f in found]


def _weapon_of(phrase: Phrase, sentence: str, lexicon: Lexicon) -> str:
    """Return the category of a weapon in the 30 characters before a phrase's cue, or its own."""
    lo = max(0, phrase.pos - 30)
    return next((k for k, w in lexicon.weapons.items() if w.search(sentence, lo, phrase.pos)), phrase.key)


def _counts(
    sentence: str,
    hit: Match,
    key: str,
    lexicon: Lexicon,
    future: list[Match],
    places: list[int] | None,
    marks: list[int],
) -> bool:
    """Whether a cue reports an event (see the module docstring): not negated, generic, background.

    ``marks`` are the offsets of the sentence's marker words (negations, background ...).
    """
    lo = max(0, hit.start - 60)
    marked = bool(marks) and _marked(marks, hit.start)  # most sentences have no marker word
    if marked and lexicon.no_event is not None and lexicon.no_event.search(sentence, lo, hit.start):
        return False  # negated, generic, habitual or hypothetical
    if marked and _nominal(hit.text):  # "despite the ceasefire", not "despite troops having entered"
        rules = [lexicon.background, lexicon.background_agreement if key == "agreement" else None]
        if any(rule is not None and rule.search(sentence, lo, hit.start) for rule in rules):
            return False
    if key == "statement":
        return True  # the tense of a speech verb is judged by _is_statement
    if key == "incursion" and hit.text.casefold() == "entered" and _TIME_ENTERED.match(sentence, hit.end):
        return False  # "as hostilities entered their 231st day": a time, not a place, was entered
    if future and any(
        f.start < hit.start and not _clause_between(sentence, f.end, hit.start) for f in future
    ):
        return False
    if future and any(
        hit.end < f.start <= hit.end + 45 and _SUBJECT_GAP.fullmatch(sentence, hit.end, f.start)
        for f in future
    ):
        return False  # "the talks are expected to resume"
    needs_place = lexicon.place_after.get(key)
    if needs_place is not None and needs_place.match(sentence, hit.start):
        obj = _OBJECT.match(sentence, hit.end)  # the object: "the Rasafa and Sufyan oilfields"
        end = obj.end() if obj else hit.end
        return any(hit.end <= p < end for p in places or ()) or bool(
            lexicon.place_nouns is not None and lexicon.place_nouns.search(sentence, hit.end, end)
        )
    return True


# After "entered": a time ("their 231st day", "its second year", "a new phase"), not a place.
_TIME_ENTERED = re.compile(
    r"\s+(?:(?:its|their)\s+(?:\d+(?:st|nd|rd|th)|second|third|fourth|fifth|sixth|seventh|eighth|ninth"
    r"|tenth|final|last)|a\s+new\s+(?:phase|stage|year))\b",
    re.IGNORECASE,
)
# The noun phrase after a verb: up to eight words, to the first punctuation or preposition
# ("of" and "and" are part of it: "control of several oil- and gasfields").
_OBJECT = re.compile(
    r"(?:\s+(?!(?:in|at|from|on|over|during|near|with|by|after|before|since|to|into|for|as|while|when)\b)"
    r"[\w'’-]+){0,8}",
    re.IGNORECASE,
)


@cache
def _nominal(cue: str) -> bool:
    """Whether a cue names the event with a noun ("ceasefire", "shelling"), not a verb ("entered").

    A noun with its relative clause ("the ceasefire that ended ...") is a noun.
    """
    head = cue.casefold().split(" that ", 1)[0].split(" which ", 1)[0]
    return not any(w.endswith("ed") or w in _IRREGULAR for w in head.split())


# verbs of the cues in their past forms that do not end in -ed
_IRREGULAR = frozenset(
    {"hit", "struck", "fought", "met", "took", "taken", "set", "held", "kept", "shot", "blew", "fled", "told"}
)


_NT = re.compile("n't")


def _marked(marks: list[int], pos: int) -> bool:
    """Whether a marker word starts in the 60 characters before ``pos``."""
    return any(pos - 60 <= m < pos for m in marks)


def _prior(sentence: str, pos: int, lexicon: Lexicon) -> bool:
    """Whether the cue at ``pos`` names an earlier event ("followed an incursion", "came after")."""
    return lexicon.prior is not None and lexicon.prior.search(sentence, max(0, pos - 60), pos) is not None


_CLAUSE = re.compile(
    r"[;:]|,\s+(?:where|which|who|whom|after|before|when|while|whereas|but|since|following)\b"
    r"|\b(?:after|before|since|when|while)\s+(?:he|she|they|it|we|the|a|an|his|her|their|its)\b",
    re.IGNORECASE,
)


def _clause_between(sentence: str, start: int, end: int) -> bool:
    """Whether a clause boundary lies between ``start`` and ``end`` (a future word governs its clause)."""
    return _CLAUSE.search(sentence, start, end) is not None


_DEFINITE = re.compile(
    r"\b(?:the|these|those|this)\s+(?:(?:latest|recent|same|last|previous|earlier|first|second|third|fourth|fifth"
    r"|\w+(?:-\w+)+|\w+['’]s)\s+){0,2}$",  # ... "the morning's fighting": a possessive too
    re.IGNORECASE,
)


_PRONOUNS = ("it", "they", "he", "she", "we")  # the subjects _OBJECT_RELATIVE reads
# "the villages it entered", "the homes that they had raided": a cue verb whose object is a
# definite noun before it and whose subject is a pronoun tells again an event named before.
_OBJECT_RELATIVE = re.compile(
    r"\bthe\s+(?:[\w-]+\s+){0,2}?(?!(?:since|after|before|when|while|as|because|until|if|where|and|but|or)\s)"
    rf"[\w-]+\s+(?:(?:that|which)\s+)?(?:{'|'.join(_PRONOUNS)})\s+"
    r"(?:(?:had|has|have)\s+)?(?:\w+ly\s+)?$",
    re.IGNORECASE,
)


def _told_again(sentence: str, pos: int) -> bool:
    """Whether the cue at ``pos`` is the verb of a relative clause on a definite noun."""
    lo = max(0, pos - 50)
    return (
        word_near_end(sentence[lo:pos], _PRONOUNS, last=3)
        and _OBJECT_RELATIVE.search(sentence, lo, pos) is not None
    )


def _definite(sentence: str, pos: int, lexicon: Lexicon | None = None, cue: str = "") -> bool:
    """Whether the cue at ``pos`` is a definite reference ("the raid", "the latest strikes").

    A partitive ("one of the airstrikes") names one event of a group: a new one, no reference.
    A cue with a verb refers to its actor, not to an event ("the force reached").
    """
    if cue and not _nominal(cue):
        return False
    lo = max(0, pos - 40)
    if "th" not in sentence[lo:pos].lower() or not _DEFINITE.search(sentence, lo, pos):
        return False
    partitive = lexicon.partitive if lexicon is not None else None
    return partitive is None or partitive.search(sentence, lo, pos) is None


def _inside_suppressed(hit: Match, suppressed: list[Match]) -> bool:
    return any(s.start <= hit.start < s.end or hit.start <= s.start < hit.end for s in suppressed)


def actors_of(
    sentence: str, lexicon: Lexicon, *, hits: Mapping[Hashable, list[Match]] | None = None
) -> list[tuple[int, str, str]]:
    """Return ``(position, actor, kind)`` of the actors named in the sentence, in order.

    ``hits`` are the sentence's matches of :attr:`Lexicon.actor_finder` (see :func:`article_hits`).
    """
    if hits is None:
        hits = lexicon.actor_finder.find(sentence)
    if not hits:
        return []
    kinds = lexicon.actor_kinds
    # only the actors named in the sentence are looked at (a few of the lexicon's dozens)
    named = [(name, matches) for name, matches in hits.items() if name in kinds]
    spans = [(m.start, m.end) for _, matches in named for m in matches]
    found: list[tuple[int, str, str]] = []
    for name, matches in named:
        # A match inside a longer actor's match is that actor's ("Syrian government" within
        # "Syrian government forces"): the longer reading wins.
        own = next(
            (
                m
                for m in matches
                if not any(s <= m.start and m.end <= e and e - s > m.end - m.start for s, e in spans)
            ),
            None,
        )
        if own is not None:
            found.append((own.start, name, kinds[name]))
    return sorted(found)


SentenceHits = dict[Hashable, list[Match]]
_EVENT_KEYS = frozenset({"cue", "attack"})  # finder keys that can make a sentence report an event


def article_hits(
    text: str, sentences: list[tuple[int, int]], lexicon: Lexicon
) -> tuple[list[SentenceHits], list[SentenceHits]]:
    """Search a whole article for the lexicon's phrases at once and share the matches out.

    Returns
    -------
    cues : list of dict
        Per sentence, the matches of :attr:`Lexicon.event_finder` in the sentence with its quotes
        masked, offsets in the sentence.
    actors : list of dict
        Per sentence, the matches of :attr:`Lexicon.actor_finder`, offsets in the sentence; only
        sentences with an event cue are searched (the others report no event).
    """
    plain = join_spans(text, sentences, [_mask_quotes(text[s:e]) for s, e in sentences])
    cues = _by_sentence(lexicon.event_finder.find(plain), sentences)
    actors: list[SentenceHits] = [{} for _ in sentences]
    told = [n for n, hits in enumerate(cues) if any(key[0] in _EVENT_KEYS for key in hits)]
    if told:
        # The sentences with an event, one after another with a NUL between them.
        spans, at = [], 0
        for n in told:
            start, end = sentences[n]
            spans.append((at, at + end - start))
            at += end - start + 1
        joined = "\x00".join(text[sentences[n][0] : sentences[n][1]] for n in told)
        for n, hits in zip(told, _by_sentence(lexicon.actor_finder.find(joined), spans), strict=True):
            actors[n] = hits
    return cues, actors


def _by_sentence(
    found: Mapping[Hashable, list[Match]], sentences: list[tuple[int, int]]
) -> list[SentenceHits]:
    """Share matches (offsets in the text searched) out to the spans they lie in."""
    starts = [s for s, _ in sentences]
    out: list[SentenceHits] = [{} for _ in sentences]
    new, bisect_right = tuple.__new__, bisect.bisect_right
    for key, hits in found.items():
        for start, end, matched in hits:
            n = bisect_right(starts, start) - 1
            base = starts[n]
            # tuple.__new__ skips the named tuple's Python-level constructor (hundreds per article)
            out[n].setdefault(key, []).append(new(Match, (start - base, end - base, matched)))
    return out


def _is_statement(
    sentence: str,
    cue_pos: int,
    actors: list[tuple[int, str, str]],
    mentions: list[Mention],
    base: int,
    lexicon: Lexicon,
) -> bool:
    words = _WORD.findall(sentence[cue_pos : cue_pos + 20])
    before = sentence[max(0, cue_pos - 20) : cue_pos]
    if (
        not words
        or _PRESENT.match(words[0])
        or (word_near_end(before, _PERFECT_WORDS, last=2) and _PERFECT.search(before))
    ):
        return False
    speakers = [
        a
        for a in actors
        if a[2] in ("government", "forces") and a[0] < cue_pos and not _placed(sentence, a[0])
    ]
    capital = [
        m for m in mentions if m.start - base < cue_pos and (m.actor or _opens(m, sentence, base, cue_pos))
    ]
    if not (speakers or capital or _official(sentence, cue_pos, lexicon)):
        return False
    # each communiqué phrase says "said" or "told"
    return not (has_word(sentence, ("said", "told")) and _COMMUNIQUE.search(sentence))


def _official(sentence: str, cue_pos: int, lexicon: Lexicon) -> bool:
    """Whether a title or an official body speaks before the cue ("the Governor of Sweida called")."""
    if lexicon.speakers is None:
        return False
    return any(not _placed(sentence, at) for at in lexicon.speakers.finditer(sentence, 0, cue_pos))


def _opens(m: Mention, sentence: str, base: int, cue_pos: int) -> bool:
    """Whether a country or capital is the subject of the speech verb.

    It opens the sentence ("Saudi Arabia ... welcomed") or stands right before the verb ("Damascus,
    Syria stressed", "Syria condemns").
    """
    if m.place is None:
        return False
    if m.start - base < 2 and m.place.kind == "country":
        return True
    return (
        not sentence[m.end - base : cue_pos].strip()
        and m.place.kind in ("country", "populated place")
        and not _PREPOSITION.search(sentence, max(0, m.start - base - 8), m.start - base)
    )  # not "leaders in Sweida reacted", "residents of Sweida called"


_PREPOSITION = re.compile(r"\b(?:of|in|at|from|near|into|to|for|with|by)\s+$", re.IGNORECASE)
_WORD = re.compile(r"[\w']+")


def sentence_events(
    sentence: str,
    base: int,
    index: int,
    mentions: list[Mention],
    dates: list[DateSpan],
    fallback_date: DateSpan,
    lexicon: Lexicon,
    *,
    cue_hits: SentenceHits | None = None,
    actor_hits: SentenceHits | None = None,
    context: str | None = None,
    before: list[Mention] | None = None,
    text: str | None = None,
) -> list[Event]:
    """Return the events a sentence reports: one per category and site.

    Parameters
    ----------
    sentence
        The sentence text; ``base`` is its offset in the article's clean text.
    index
        Its number in the article.
    mentions
        The located mentions inside it.
    dates
        The date expressions inside it (offsets relative to the sentence).
    fallback_date
        The date to use when the sentence gives none.
    cue_hits, actor_hits
        The sentence's phrase matches when the article was searched at once
        (:func:`article_hits`); searched here otherwise.
    context
        The category of the article's latest military event, for words that name an attack
        without saying how.
    before, text
        The mentions of the sentences before and the article's text, for places named again as
        "the village", "the area" (see :func:`conflictmap.extract.sites.place_named_again`).
    """
    if cue_hits is None:
        cue_hits = lexicon.event_finder.find(_mask_quotes(sentence))
    if mentions and ('"' in sentence or "“" in sentence):  # no site inside quoted speech
        masked = _mask_quotes(sentence)
        mentions = [m for m in mentions if masked[m.start - base : m.end - base].strip()]
    places = [m.start - base for m in mentions]
    cats = one_event_per_cue(
        categories_of(sentence, lexicon, hits=cue_hits, places=places, context=context, dates=dates)
    )
    if not cats:
        return []
    actors = actors_of(sentence, lexicon, hits=actor_hits)
    # each place belongs to the event phrase it follows (see conflictmap.extract.sites)
    phrases = [(p, n) for n, c in enumerate(cats) if c.key != "statement" for p in c.positions]
    # the places a tally names ("dozens of incursions in Quneitra since January") are no event's
    phrases += [(p, -1) for p in _tally_positions(sentence, cue_hits, dates)]
    # ... and those of a background clause ("Israel's bombing of the ministry comes amid clashes
    # in southern Sweida": Sweida is where the clashes are, not the bombing)
    if "mid" in sentence or "spite" in sentence:
        phrases += [(m.start(), -1) for m in _AMID.finditer(sentence)]
    owner = owners(mentions, phrases, base)
    events = []
    venue: tuple[list[SiteChoice], bool] | None = None  # where the sentence's meeting took place
    priors = {c.pos for c in cats if c.prior}
    for n, (key, pos, cue, _, prior) in enumerate(cats):
        told_again = not prior and _told_again(sentence, pos)
        anaphoric = told_again or (not prior and _definite(sentence, pos, lexicon, cue))
        if key == "statement":
            if not _is_statement(sentence, pos, actors, mentions, base, lexicon):
                continue
            sites, own = [statement_site(sentence, base, mentions, lexicon)], True
        elif key == "agreement" and venue is not None and venue[0]:
            sites, own = venue  # "met in Amman and agreed on steps for Sweida": agreed in Amman
        else:
            mine = [m for m in mentions if owner.get(id(m)) == n]
            sites, own = _event_sites(
                sentence,
                base,
                (key, pos, cue),
                mentions,
                mine,
                lexicon,
                prior=prior,
                anaphoric=anaphoric,
                told_again=told_again,
                before=before or [],
                text=text,
            )
            if key == "diplomatic" and venue is None:
                venue = (sites, own)
        additive = lexicon.additive is not None and lexicon.additive.search(
            sentence, 0, min(len(sentence), pos + len(cue) + 25)
        )
        earlier_at = min((p for p in priors if p > pos), default=None)
        mine_dates = dates if earlier_at is None or prior else [d for d in dates if d.start < earlier_at]
        own_dates = _dates_of(sentence, mine_dates, pos, prior=prior)
        flags = {
            "anaphoric": anaphoric,
            "additive": additive,
            "prior": prior,
            "dated": bool(own_dates),
        }
        names = _names(sentence, actors, key, pos)
        for date in own_dates or [fallback_date]:
            for site, precision in sites or [(None, None)]:
                event = Event(
                    key,
                    cue,
                    index,
                    date.first,
                    date.last,
                    date.precision,
                    site,
                    precision,
                    names,
                    [(base, base + len(sentence))],
                    {index},
                    own_site=own and site is not None,
                    **flags,
                )
                events.append((pos, event))
    return _statement_or_events(events, actors)


def _event_sites(
    sentence: str,
    base: int,
    phrase: tuple[str, int, str],
    mentions: list[Mention],
    mine: list[Mention],
    lexicon: Lexicon,
    *,
    prior: bool,
    anaphoric: bool,
    told_again: bool = False,
    before: list[Mention],
    text: str | None,
) -> tuple[list[SiteChoice], bool]:
    """Return the sites of the event phrase at ``pos`` and whether they are its own.

    See :mod:`conflictmap.extract.sites`; besides:

    - an earlier event ("came hours after fighting broke out in X") has only the places after
      its phrase;
    - an event told before ("the raid on Beit Jin") has only the places next to its phrase; one
      told again in a relative clause ("the villages it entered") and a
      meeting or an agreement told before, and "the operation", "the attack", none (their other
      places are their subject);
    - without a place of its own, the place it names again ("a drone hit a car in the village");
    - a meeting has one venue; other places are its subject.
    """
    key, pos, cue = phrase
    if prior:
        mentions = [m for m in mentions if m.start - base > pos]
        mine = [m for m in mine if m.start - base > pos]
    subject_only = False  # places that are the subject of what is told, not of the event
    if anaphoric:
        near = [m for m in mentions if -_NEAR <= m.start - base - pos <= len(cue) + _NEAR]
        generic = lexicon.attack_cues is not None and lexicon.attack_cues.fullmatch(cue) is not None
        # "the villages it entered": the clause names no new place of the event
        subject_only = (key not in MILITARY and key != "other") or generic or told_again
        mentions, mine = near, [m for m in mine if m in near]
    sites, own = choose_sites(sentence, base, mentions, lexicon, own=mine, cue_at=pos)
    if subject_only:  # a place for the event when none was told before, but never a new place
        own = False
    if not own and text is not None:  # "a drone strike hit a car in the village"
        again = place_named_again(text, sentence, base, pos, [*before, *mentions], lexicon)
        if again is not None:
            sites, own = [(again, again.geo_precision)], True
    if key not in MILITARY and key != "other":
        sites = venue(sentence, base, sites)
    return sites, own


_NEAR = 80  # characters around an anaphoric cue where its own places are named


def _names(sentence: str, actors: list[tuple[int, str, str]], key: str, pos: int) -> list[str]:
    """Return the actors of an event: the first two named; for a statement, its speaker."""
    if key != "statement":
        return [name for _, name, _ in actors][:2]
    names = [n for p, n, k in actors if p <= pos and k != "civilians" and not _placed(sentence, p)]
    return (names[:1] or [n for _, n, k in actors if k != "civilians"][:1])[:2]


# A count, a habitual or a trend word up to four words before a cue ("over 1,000 airstrikes", "49
# separate raids", "more than 400 cross-border raids", "near-daily ground incursions", "repeated
# airstrikes", "repeatedly conducted cross-border strikes and incursions", "escalating attacks");
# a year ("since January 2025, and a raid") is no count.
_TALLY_COUNT = re.compile(
    r"(?:\b(?!(?:19|20)\d\d\b)\d+(?:[,.]\d+)*|\b(?:dozens|hundreds|thousands|scores|tens)\s+of|\bnumerous|\bcountless|\brepeated(?:ly)?"
    r"|\bnear-daily|\balmost\s+daily|\bdaily|\bescalating|\bincreasing|\bmounting|\bgrowing|\bfrequent"
    r"|\bcontinued|\bcontinuing|\bongoing)(?:[\s-]+[\w’'“”\"-]+){0,4}?\s+$",
    re.IGNORECASE,
)
# A count of the events themselves, right before their noun ("hundreds of Israeli airstrikes",
# "numerous incursions"); not of people ("hundreds of families fled").
_MANY = re.compile(
    r"\b(?:(?:hundreds|thousands|dozens|scores|tens)\s+of|numerous|countless)\s+(?:[\w’'-]+\s+)?$",
    re.IGNORECASE,
)
# ... or a trend ("intensified Israeli incursions", "repeated raids")
_TREND_BEFORE = re.compile(
    r"\b(?:intensified|intensifying|escalating|increasing|mounting|growing|frequent|repeated|recent)\s+"
    r"(?:[\w’'-]+\s+)?$",
    re.IGNORECASE,
)
_SINCE_CLAUSE = re.compile(r"\s*since\b[^,;]*,", re.IGNORECASE)
# "have since then been carrying out several incursions": a habit of the present perfect
_HABIT_BEFORE = re.compile(
    r"\b(?:has|have)\s+(?:[\w’'-]+\s+){0,3}?been\s+(?:carrying\s+out|conducting|launching|staging|mounting"
    r"|waging)\s+(?:[\w’'-]+\s+){0,2}$",
    re.IGNORECASE,
)
# Without a day, a count is a tally only in the present perfect ("has conducted hundreds of
# airstrikes"); "Israel carried out dozens of airstrikes on Daraa" after a dated sentence is
# that day's.
_PERFECT_BEFORE = re.compile(r"\b(?:has|have)\s+(?:[\w’'-]+\s+){0,6}?$", re.IGNORECASE)
# Only events are counted that way, not munitions ("fired hundreds of rockets", "dozens of
# shells" are one barrage).
_EVENT_NOUNS = (
    "airstrikes", "air strikes", "strikes", "raids", "air raids", "incursions", "intrusions",
    "attacks", "operations", "clashes", "bombings", "bombardments", "offensives",
)  # fmt: skip
# "incursions into Quneitra have recently intensified": a trend told after the events' noun
_TREND_AFTER = re.compile(
    r"(?:\s+[\w’'-]+){0,3}?\s+(?:have|has)\s+(?:\w+ly\s+)?(?:been\s+)?"
    r"(?:intensified|escalated|increased|grown|risen|mounted|multiplied|become\s+more\s+frequent)\b",
    re.IGNORECASE,
)
_CUE_WORD = re.compile(r"[\w’'-]+")  # the cue's first word, when its text is not given
_MANY_WORDS = (
    "hundreds", "thousands", "dozens", "scores", "tens", "numerous", "countless",
    "intensif", "escalat", "increas", "mounting", "mounted", "grow", "grown", "frequent", "repeated",
    "risen", "multiplied", "been ", "recent",
)  # fmt: skip


def _many_words(sentence: str) -> bool:
    """Whether the sentence has a word of the count, trend or habit patterns (a cheap test first)."""
    low = sentence.lower()
    return any(word in low for word in _MANY_WORDS)  # substring scans: an alternation tries every position


_TALLY_REACH = 20  # characters from a tally's cue to an attack word that belongs to it
_TALLY_DAYS = 20  # a date of at least this many days is a period ("since December 2024", "in November")


def _tally(sentence: str, pos: int, dates: list[DateSpan], cue: str = "") -> bool:
    """Whether the cue at ``pos`` counts events over a period: a tally, not an event of the report.

    "Israel has carried out more than 1,000 airstrikes since December 2024", "near-daily ground
    incursions and repeated airstrikes since Assad's fall": a count (or a habitual or trend word)
    at most four words before the cue, and the cue's own date (the nearest, see :func:`_dates_of`) a
    period of three weeks or more. Aggregate background without a day is no event (the news-dev
    label conventions); "three airstrikes hit Nawa on Monday" is an event of one day.

    Without a single day of its own, a count of events too large for one ("hundreds of
    airstrikes" over a span of days, or with no date in the present perfect: "has conducted
    hundreds of airstrikes"), a trend ("intensified incursions", "incursions have recently
    intensified") or a habit ("have since then been carrying out several incursions") is a tally
    too; so is a count after "Since <something> on <day>,", which counts from that day. A count
    of munitions ("fired hundreds of rockets") is one barrage, never a tally that way.
    """
    own = _dates_of(sentence, dates, pos)
    since = _SINCE_CLAUSE.match(sentence) if own and pos > 6 else None
    if since is not None and all(d.end <= since.end() for d in own):
        # "Since the fall of Assad on December 8, Israel has launched 400 raids": the day opens
        # a period up to the report, it is no day of the raids
        return (
            _TALLY_COUNT.search(sentence, max(0, pos - 50), pos) is not None
            or _MANY.search(sentence, max(0, pos - 40), pos) is not None
            # "Since the ouster of Assad in December 2024, Israel has intensified airstrikes"
            or _TREND_BEFORE.search(sentence, max(0, pos - 40), pos) is not None
        )
    if not own or all(d.last > d.first for d in own):
        # no single day of its own: "has conducted hundreds of airstrikes (in early December)"
        # counts too many for one day, "incursions have recently intensified" tells a trend
        word = _CUE_WORD.match(sentence, pos)
        text = (cue or (word.group() if word else "")).casefold()
        if text.startswith(_EVENT_NOUNS):
            lo = max(0, pos - 40)
            many = _MANY.search(sentence, lo, pos)
            if many is not None and (
                own or _PERFECT_BEFORE.search(sentence, max(0, many.start() - 60), many.start())
            ):
                return True
            if _TREND_BEFORE.search(sentence, lo, pos) is not None:
                return True
            if not own and _HABIT_BEFORE.search(sentence, max(0, pos - 70), pos) is not None:
                return True
            if not own and _TREND_AFTER.match(sentence, pos + len(text)) is not None:
                return True
        if not own:
            return False
    if any((d.last - d.first).days < _TALLY_DAYS for d in own):
        return False
    return _TALLY_COUNT.search(sentence, max(0, pos - 50), pos) is not None


def _tally_positions(sentence: str, hits: SentenceHits, dates: list[DateSpan]) -> list[int]:
    """Return where the sentence's event cues are tallies (see :func:`_tally`)."""
    if (
        not any((d.last - d.first).days >= _TALLY_DAYS for d in dates)
        and not _many_words(sentence)
        and not (dates and _SINCE_CLAUSE.match(sentence))
    ):
        return []
    return [
        h.start
        for (kind, _key), found in hits.items()
        if kind in _EVENT_KEYS
        for h in found
        if _tally(sentence, h.start, dates, h.text)
    ]


_AMID = re.compile(r"\b(?:amid|amidst|despite|in\s+spite\s+of)\b", re.IGNORECASE)
_DATE_LIST = re.compile(r"\s*,?\s*(?:and|as\s+well\s+as)\s*(?:on\s+|in\s+)?", re.IGNORECASE)


def _dates_of(sentence: str, dates: list[DateSpan], pos: int, *, prior: bool = False) -> list[DateSpan]:
    """Return the dates of the event phrase at ``pos``: the nearest, and the dates listed with it.

    "hosted by Amman on August 12 and July 19" tells two events, one on each day. An earlier
    event ("came days after a drone strike") has only a date that follows its own phrase.
    """
    if prior:
        dates = [d for d in dates if d.start > pos]
    if not dates:
        return []
    nearest = min(range(len(dates)), key=lambda i: abs(dates[i].start - pos))
    out = [dates[nearest]]
    for i in range(nearest + 1, len(dates)):
        if not _DATE_LIST.fullmatch(sentence[dates[i - 1].end : dates[i].start]):
            break
        out.append(dates[i])
    return out


def one_event_per_cue(cats: list[Phrase]) -> list[Phrase]:
    """Drop a category whose cue runs on from another's: "tank fire struck" is one shelling.

    Military cues of two categories that touch (at most a space or two apart, or overlapping)
    name one event; the first cue names it. Other cues are left alone ("the meeting adopted a
    roadmap" tells a meeting and an agreement).
    """
    kept = []
    last_end = -_TOUCH - 1
    for cat in sorted(cats, key=lambda c: c[1]):
        key, pos, cue = cat.key, cat.pos, cat.cue
        if key not in MILITARY:  # "the meeting adopted a roadmap" tells a meeting and an agreement
            kept.append(cat)
            continue
        if pos <= last_end + _TOUCH:
            continue
        kept.append(cat)
        last_end = pos + len(cue)
    order = {c.key: n for n, c in enumerate(cats)}
    return sorted(kept, key=lambda c: order[c.key])


_TOUCH = 2  # characters between two cues that still make them one phrase
# Between a cue and a future word it is the subject of: an auxiliary, and a short phrase of
# place before it ("the talks are expected to", "the operation in northern Syria could begin").
_SUBJECT_GAP = re.compile(
    r"\s+(?:(?:in|into|on|against|of|near|across|inside)\s+(?:[\w’'-]+\s+){1,3})?"
    r"(?:(?:is|are|was|were|has\s+been|have\s+been)\s+)?",
    re.IGNORECASE,
)
MILITARY_CATEGORIES = frozenset(MILITARY)


def _statement_or_events(events: list[tuple[int, Event]], actors: list[tuple[int, str, str]]) -> list[Event]:
    """Keep what a sentence with a statement reports (see the module docstring).

    - An armed actor's word on a military event of the same sentence is evidence for that event
      (a communiqué, "according to the SDF, which said it had repelled the assault"), not a
      statement.
    - Otherwise what the statement says (categories named after its verb) is its content, not
      another event: "Damascus said the talks had made progress".
    """
    statement = next(((pos, e) for pos, e in events if e.category == "statement"), None)
    if statement is None:
        return [e for _, e in events]
    pos, said = statement
    kinds = {name: kind for _, name, kind in actors}
    armed = bool(said.actors) and kinds.get(said.actors[0]) == "forces"
    if armed and any(e.category in MILITARY_CATEGORIES for _, e in events):
        return [e for _, e in events if e is not said]
    return [e for p, e in events if e is said or p < pos]


_LOCATIVES = ("in", "at", "from", "near", "into", "to")
_LOCATIVE_BEFORE = re.compile(rf"\b(?:{'|'.join(_LOCATIVES)})\s+$", re.IGNORECASE)


def _placed(sentence: str, pos: int) -> bool:
    """Whether an actor phrase at ``pos`` follows a preposition of place ("analysts in Damascus")."""
    lo = max(0, pos - 8)
    return ends_with_word(sentence[lo:pos], _LOCATIVES) and bool(_LOCATIVE_BEFORE.search(sentence, lo, pos))
