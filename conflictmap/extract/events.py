"""Events from sentences: category, site, actors, date; one event per thing that happened.

- Category: every category of the lexicon with a cue in the sentence (outside quotes), minus the
  ones its ``suppress`` phrases rule out. Sentences about the future give no event (a future
  word before the cue, or right after it: "the talks are expected to resume"). Cues of two
  categories that touch ("tank fire struck") name one event, the first one's. A cue that is a
  definite reference ("the raid", "the latest strikes") marks the event as one told before
  (see :mod:`~conflictmap.extract.merge`), unless another cue of the category is no reference.
- Statements need a speaker other than civilians (not one placed by a preposition: "analysts
  in Damascus"), a verb in the past tense (not "have said", not "say"), and are no statement
  when an armed actor describes its own operation or speaks of a military event of the same
  sentence (a communiqué is evidence for the event). What a statement says is its content: the
  categories named after its verb give no event of their own.
- Site: among the sentence's located mentions, not a capital standing for its government, not a
  reference point ("15 km south of X", "the road to X") and not an area containing another
  candidate; a mention after a locative word ("in", "near", "entered") first. Statements are
  placed at the speaking capital when there is one. Without a site, the article's main place,
  one step less precise.
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

from conflictmap.extract.cues import Match, join_spans
from conflictmap.extract.dates import DateSpan
from conflictmap.extract.lexicon import Lexicon
from conflictmap.extract.mentions import Mention

__all__ = ["Event", "actors_of", "article_hits", "categories_of", "contains", "sentence_events"]

MILITARY = ("airstrike", "shelling", "incursion", "clashes")
_QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]")
_PERFECT = re.compile(r"\b(?:have|has|had|would|will|could|to)\s+(?:\w+\s+)?$", re.IGNORECASE)
_PRESENT = re.compile(r"^(?:say|says|insist|insists|argue|argues|accuse|accuses|want|wants)$", re.IGNORECASE)
_COMMUNIQUE = re.compile(
    r"\b(?:military|army|forces|troops|sdf)\b[^.]{0,80}\bsaid\b[^.]{0,60}\b(?:its|their)\s+"
    r"(?:forces|troops|units|fighters)\b|\b(?:military|army)\s+said\b",
    re.IGNORECASE,
)
_SPECIFIC = {"country": 0, "area": 1, "admin1": 1, "populated place": 2, "mountain": 2}
_PRECISION_DOWN = {1: 2, 2: 2, 3: 3, 4: 4}


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

    def __post_init__(self) -> None:
        if self.notes is None and self.evidence:
            self.notes = self.evidence[0]


def _mask_quotes(text: str) -> str:
    if '"' not in text and "“" not in text:
        return text
    return _QUOTED.sub(lambda m: " " * len(m.group()), text)


def categories_of(
    sentence: str, lexicon: Lexicon, *, hits: Mapping[Hashable, list[Match]] | None = None
) -> list[tuple[str, int, str]]:
    """Return ``(category, cue position, cue)`` for each category the sentence reports.

    ``hits`` are the sentence's matches of :attr:`Lexicon.event_finder` (quotes masked, offsets
    in the sentence), when the article was searched at once (see :func:`article_hits`).
    """
    if hits is None:
        hits = lexicon.event_finder.find(_mask_quotes(sentence))
    found = []
    for key in lexicon.categories:
        cues = hits.get(("cue", key))
        if not cues:
            continue
        suppressed = hits.get(("suppress", key))
        if suppressed:
            cues = [h for h in cues if not _inside_suppressed(h, suppressed)]
            if not cues:
                continue
        # "the raid", "the latest strikes" name an event reported before: a later cue of the same
        # category that is not such a reference is preferred.
        hit = next((h for h in cues if not _definite(sentence, h.start)), cues[0])
        found.append((key, hit.start, hit.text))
    return found


_DEFINITE = re.compile(
    r"\b(?:the|these|those)\s+(?:(?:latest|recent|same|last|previous|earlier|first|second|third|fourth|fifth"
    r"|\w+(?:-\w+)+)\s+){0,2}$",
    re.IGNORECASE,
)


def _definite(sentence: str, pos: int) -> bool:
    """Whether the cue at ``pos`` is a definite reference ("the raid", "the latest strikes")."""
    return bool(_DEFINITE.search(sentence, max(0, pos - 40), pos))


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
    spans = [(m.start, m.end) for actor in lexicon.actors for m in hits.get(actor.name, ())]
    found: dict[str, tuple[int, str]] = {}
    for actor in lexicon.actors:
        if actor.name in found:
            continue
        # A match inside a longer actor's match is that actor's ("Syrian government" within
        # "Syrian government forces"): the longer reading wins.
        own = [
            m
            for m in hits.get(actor.name, ())
            if not any(s <= m.start and m.end <= e and e - s > m.end - m.start for s, e in spans)
        ]
        if own:
            found[actor.name] = (own[0].start, actor.kind)
    ordered = sorted((pos, name, kind) for name, (pos, kind) in found.items())
    return ordered


SentenceHits = dict[Hashable, list[Match]]


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
    told = [n for n, hits in enumerate(cues) if any(key[0] == "cue" for key in hits)]
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
    for key, hits in found.items():
        for hit in hits:
            n = bisect.bisect_right(starts, hit.start) - 1
            base = starts[n]
            out[n].setdefault(key, []).append(Match(hit.start - base, hit.end - base, hit.text))
    return out


def _is_statement(
    sentence: str, cue_pos: int, actors: list[tuple[int, str, str]], mentions: list[Mention], base: int
) -> bool:
    words = re.findall(r"[\w']+", sentence[cue_pos : cue_pos + 20])
    if not words or _PRESENT.match(words[0]) or _PERFECT.search(sentence[max(0, cue_pos - 20) : cue_pos]):
        return False
    speakers = [
        a
        for a in actors
        if a[2] in ("government", "forces") and a[0] < cue_pos and not _placed(sentence, a[0])
    ]
    capital = [m for m in mentions if m.start - base < cue_pos and (m.actor or _opens(m, base))]
    if not (speakers or capital):
        return False
    return not _COMMUNIQUE.search(sentence)


def _opens(m: Mention, base: int) -> bool:
    """Whether a country name opens the sentence, as its subject ("Saudi Arabia ... welcomed")."""
    return m.start - base < 2 and m.place is not None and m.place.kind == "country"


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
) -> list[Event]:
    """Return the events a sentence reports.

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
    """
    if cue_hits is None:
        cue_hits = lexicon.event_finder.find(_mask_quotes(sentence))
    cats = categories_of(sentence, lexicon, hits=cue_hits)
    if not cats:
        return []
    actors = actors_of(sentence, lexicon, hits=actor_hits)
    future_hits = cue_hits.get(("future", ""))
    future = future_hits[0] if future_hits else None
    events = []
    for key, pos, cue in one_event_per_cue(cats):
        if key == "statement":
            if not _is_statement(sentence, pos, actors, mentions, base):
                continue
        elif (future is not None and future.start < pos) or _future_after(sentence, pos + len(cue), lexicon):
            continue
        date = min(dates, key=lambda d: abs(d.start - pos)) if dates else fallback_date
        site, precision = choose_site(sentence, base, mentions, key, lexicon)
        names = [name for _, name, kind in actors if key != "statement" or kind != "civilians"]
        if key == "statement":
            names = [n for p, n, k in actors if p <= pos and k != "civilians" and not _placed(sentence, p)]
            names = names[:1] or [n for _, n, k in actors if k != "civilians"][:1]
        event = Event(
            key,
            cue,
            index,
            date.first,
            date.last,
            date.precision,
            site,
            precision,
            names[:2],
            [(base, base + len(sentence))],
            {index},
            dated=bool(dates),
            anaphoric=_definite(sentence, pos),
        )
        events.append((pos, event))
    return _statement_or_events(events, actors)


def one_event_per_cue(cats: list[tuple[str, int, str]]) -> list[tuple[str, int, str]]:
    """Drop a category whose cue runs on from another's: "tank fire struck" is one shelling.

    Event cues of two categories that touch (at most a space or two apart, or overlapping) name
    one event; the first cue names it. Statement cues (speech verbs) are left alone.
    """
    kept: list[tuple[str, int, str]] = []
    last_end = -_TOUCH - 1
    for key, pos, cue in sorted(cats, key=lambda c: c[1]):
        if key == "statement":  # a speech verb is no event phrase ("repeated airstrikes")
            kept.append((key, pos, cue))
            continue
        if pos <= last_end + _TOUCH:
            continue
        kept.append((key, pos, cue))
        last_end = pos + len(cue)
    order = {key: n for n, (key, _, _) in enumerate(cats)}
    return sorted(kept, key=lambda c: order[c[0]])


_TOUCH = 2  # characters between two cues that still make them one phrase
_AUXILIARY = re.compile(r"\s+(?:(?:is|are|was|were|has\s+been|have\s+been)\s+)?", re.IGNORECASE)
MILITARY_CATEGORIES = frozenset(MILITARY)


def _future_after(sentence: str, end: int, lexicon: Lexicon) -> bool:
    """Whether the cue ending at ``end`` is the subject of a future ("the talks are expected to")."""
    if lexicon.future is None:
        return False
    gap = _AUXILIARY.match(sentence, end)
    return gap is not None and lexicon.future.match(sentence, gap.end()) is not None


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


_LOCATIVE_BEFORE = re.compile(r"\b(?:in|at|from|near|into|to)\s+$", re.IGNORECASE)


def _placed(sentence: str, pos: int) -> bool:
    """Whether an actor phrase at ``pos`` follows a preposition of place ("analysts in Damascus")."""
    return bool(_LOCATIVE_BEFORE.search(sentence, max(0, pos - 8), pos))


def choose_site(
    sentence: str, base: int, mentions: list[Mention], category: str, lexicon: Lexicon
) -> tuple[Mention | None, int | None]:
    """Pick the mention where the event happened (see the module docstring)."""
    located = [m for m in mentions if m.place is not None]
    if category == "statement":
        speaker = next((m for m in located if m.actor), None)
        return (speaker, _PRECISION_DOWN[speaker.geo_precision or 1]) if speaker else (None, None)
    candidates = [m for m in located if not m.actor]
    if not candidates:
        return None, None
    if lexicon.references is not None:
        kept = [m for m in candidates if not _reference(sentence, base, m, lexicon)]
        candidates = kept or candidates
    if len(candidates) > 1:
        kept = [m for m in candidates if not any(contains(m, o) for o in candidates if o is not m)]
        candidates = kept or candidates
    best = max(
        candidates,
        key=lambda m: (_locative(sentence, base, m, lexicon), _SPECIFIC.get(m.place.kind, 1), -m.start),
    )
    return best, best.geo_precision


def _reference(sentence: str, base: int, m: Mention, lexicon: Lexicon) -> bool:
    before = sentence[max(0, m.start - base - 30) : m.start - base]
    return bool(lexicon.references.search(before)) if lexicon.references else False


def _locative(sentence: str, base: int, m: Mention, lexicon: Lexicon) -> int:
    before = sentence[max(0, m.start - base - 40) : m.start - base].lower().split()
    if not before:
        return 0
    tail = [w.strip(",.") for w in before[-4:]]
    if tail[-1] in lexicon.locatives or (
        tail[-1] in ("the",) and len(tail) > 1 and tail[-2] in lexicon.locatives
    ):
        return 2
    return 1 if any(w in lexicon.locatives for w in tail) else 0


def contains(area: Mention, other: Mention) -> bool:
    """Whether ``area`` is a region that contains the place of ``other``."""
    a, o = area.place, other.place
    if a is None or o is None or a.place_id == o.place_id or not a.is_area:
        return False
    if a.kind == "country":
        return o.country == a.country and o.kind != "country"
    if a.kind == "admin1":
        return o.admin1 == a.region
    key = (a.region, o.place_id)
    hit = _COVERS.get(key)
    if hit is None:
        import shapely

        from geo.regions import default_regions

        regions = default_regions()
        hit = _COVERS[key] = a.region in regions and bool(
            shapely.covers(regions[a.region].geometry, shapely.Point(o.lon, o.lat))
        )
    return hit


_COVERS: dict[tuple[str, str], bool] = {}
