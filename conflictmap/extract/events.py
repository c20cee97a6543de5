"""Events from sentences: category, site, actors, date; one event per thing that happened.

- Category: every category of the lexicon with a cue in the sentence (outside quotes), minus the
  ones its ``suppress`` phrases rule out; sentences about the future give no event. A statement
  needs a speaker other than civilians, a verb in the past tense (not "have said", not "say"),
  and is no statement when an armed actor describes its own operation.
- Site: among the sentence's located mentions, not a capital standing for its government, not a
  reference point ("15 km south of X", "the road to X") and not an area containing another
  candidate; a mention after a locative word ("in", "near", "entered") first. Statements are
  placed at the speaking capital when there is one. Without a site, the article's main place,
  one step less precise.
- Date: the date expression nearest the cue, else the last date of the article so far, else
  publication.
- The same event reported twice (same category, overlapping dates, the same place or one
  inside the other) is kept once, with the evidence of both; the most specific site wins.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from conflictmap.extract.dates import DateSpan
from conflictmap.extract.lexicon import Lexicon
from conflictmap.extract.mentions import Mention

__all__ = ["Event", "sentence_events"]

MILITARY = ("airstrike", "shelling", "incursion", "clashes")
_QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]")
_PERFECT = re.compile(r"\b(?:have|has|had|would|will|could|to)\s+(?:\w+\s+)?$", re.IGNORECASE)
_PRESENT = re.compile(r"^(?:say|says|insist|insists|argue|argues|accuse|accuses|want|wants)$", re.IGNORECASE)
_COMMUNIQUE = re.compile(
    r"\b(?:military|army|forces|troops|sdf)\b[^.]{0,40}\bsaid\b[^.]{0,60}\b(?:its|their)\s+"
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


def _mask_quotes(text: str) -> str:
    return _QUOTED.sub(lambda m: " " * len(m.group()), text)


def categories_of(sentence: str, lexicon: Lexicon) -> list[tuple[str, int, str]]:
    """Return ``(category, cue position, cue)`` for each category the sentence reports."""
    plain = _mask_quotes(sentence)
    found = []
    for key, (cues, suppress) in lexicon.categories.items():
        if cues is None:
            continue
        hit = cues.search(plain)
        if hit is None:
            continue
        if suppress is not None and suppress.search(plain):
            hit = next((h for h in cues.finditer(plain) if not _inside_suppressed(plain, h, suppress)), None)
            if hit is None:
                continue
        found.append((key, hit.start(), hit.group()))
    return found


def _inside_suppressed(text: str, hit: re.Match[str], suppress: re.Pattern[str]) -> bool:
    return any(
        s.start() <= hit.start() < s.end() or hit.start() <= s.start() < hit.end()
        for s in suppress.finditer(text)
    )


def actors_of(sentence: str, lexicon: Lexicon) -> list[tuple[int, str, str]]:
    """Return ``(position, actor, kind)`` of the actors named in the sentence, in order."""
    found: dict[str, tuple[int, str]] = {}
    for actor in lexicon.actors:
        if actor.pattern is None:
            continue
        hit = actor.pattern.search(sentence)
        if hit is not None and actor.name not in found:
            found[actor.name] = (hit.start(), actor.kind)
    ordered = sorted((pos, name, kind) for name, (pos, kind) in found.items())
    # "Syrian government forces" also contains "Syrian government": keep the longer reading.
    names = {name for _, name, _ in ordered}
    if "Syrian government forces" in names and "Syrian government" in names:
        forces = found["Syrian government forces"][0]
        if abs(found["Syrian government"][0] - forces) < 3:
            ordered = [o for o in ordered if o[1] != "Syrian government"]
    return ordered


def _is_statement(
    sentence: str, cue_pos: int, actors: list[tuple[int, str, str]], mentions: list[Mention], base: int
) -> bool:
    words = re.findall(r"[\w']+", sentence[cue_pos : cue_pos + 20])
    if not words or _PRESENT.match(words[0]) or _PERFECT.search(sentence[max(0, cue_pos - 20) : cue_pos]):
        return False
    speakers = [a for a in actors if a[2] in ("government", "forces") and a[0] < cue_pos]
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
    """
    cats = categories_of(sentence, lexicon)
    if not cats:
        return []
    actors = actors_of(sentence, lexicon)
    future = lexicon.future.search(_mask_quotes(sentence)) if lexicon.future else None
    events = []
    for key, pos, cue in cats:
        if key == "statement":
            if not _is_statement(sentence, pos, actors, mentions, base):
                continue
        elif future is not None and future.start() < pos:
            continue
        date = min(dates, key=lambda d: abs(d.start - pos)) if dates else fallback_date
        site, precision = choose_site(sentence, base, mentions, key, lexicon)
        names = [name for _, name, kind in actors if key != "statement" or kind != "civilians"]
        if key == "statement":
            names = [n for p, n, k in actors if p <= pos and k != "civilians"][:1] or names[:1]
        events.append(
            Event(
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
            )
        )
    return events


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
    if len(candidates) > 1 and lexicon.references is not None:
        kept = [m for m in candidates if not _reference(sentence, base, m, lexicon)]
        candidates = kept or candidates
    if len(candidates) > 1:
        kept = [m for m in candidates if not any(_contains(m, o) for o in candidates if o is not m)]
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
    if (
        tail[-1] in lexicon.locatives
        or (tail[-1] in ("the",)
        and len(tail) > 1
        and tail[-2] in lexicon.locatives)
    ):
        return 2
    return 1 if any(w in lexicon.locatives for w in tail) else 0


def _contains(area: Mention, other: Mention) -> bool:
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


def same_event(a: Event, b: Event) -> bool:
    """Whether ``b`` reports the event ``a`` (see the module docstring)."""
    if a.category != b.category or a.last < b.first or b.last < a.first:
        return False
    if a.site is None or b.site is None:
        return a.site is None and b.site is None and a.category != "statement"
    pa, pb = a.site.place, b.site.place
    if pa is None or pb is None:
        return False
    return pa.place_id == pb.place_id or _contains(a.site, b.site) or _contains(b.site, a.site)


def merge(a: Event, b: Event) -> Event:
    """Fold ``b`` into ``a``: the more specific site and date, the evidence of both."""
    if a.site is not None and b.site is not None and _contains(a.site, b.site):
        a.site, a.geo_precision, a.sentence = b.site, b.geo_precision, b.sentence
    if b.precision < a.precision:
        a.first, a.last, a.precision = b.first, b.last, b.precision
    a.evidence = sorted(set(a.evidence) | set(b.evidence))
    a.sentences |= b.sentences
    a.actors = list(dict.fromkeys([*a.actors, *b.actors]))[:2]
    return a
