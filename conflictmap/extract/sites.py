"""Where an event happened: the sites of an event phrase among the places of its sentence.

ACLED's unit is one event per place and day, so an event phrase can have several sites: "entered
the villages of Maariya and Abidin" is an event at each village, "raided Ruwayhina before moving
on to Rasm al-Halabi" too. The places of a sentence are read by the words before them:

- a *reference* point is no site: "15 km south of X", "east of Sweida city", "the road to X",
  "Dabsha near Kfar Rumman" (a place right before "near");
- an *origin* ("from the Tel Ahmar base", "pushed out of X") and a *route* ("through the Al-Hiran
  area", "via the crossing") are no site either; "to"/"toward" after a verb of movement ("moved
  from X toward Y") names the place reached, a site;
- a place after a locative word ("in", "near", "entered", "the village of") is a site, and so is
  a place listed with a site ("Maariya and Abidin", "Al-Sayyada, Aoun al-Dadat and Al-Daraj");
- a region that contains another candidate is no site of its own ("Maariya ... in the western
  countryside of Daraa"): the governorate or "southern Syria" is the site only when nothing finer
  is named for that action;
- where the report comes from ("the correspondent in Daraa reported", "according to activists in
  Sweida"), a dateline-like frame that opens a clause ("reported that in Quneitra, forces
  entered ...") and a town after "near" behind a region ("Adloun, deep in south Lebanon near
  Sidon") are sites only when nothing else is named;
- a framed place no gazetteer knows ("the village of Rasm al-Qita") is the site, unlocated, when
  no located place is one.

A place belongs to the event phrase it follows (the nearest cue before it; a place before every
cue belongs to the first): in "civilians protesting near Tishreen Dam were injured after a drone
targeted them", the dam is the protest's. An event phrase without a place of its own borrows the
sentence's best place. When no place is a site, the best of the others is taken (a plain mention
first, then an origin, then a reference point).

Statements are placed where they were made ("told reporters in Damascus", "speaking from
Baalbek"), else at the speaking capital, else at the place they concern.
"""

from __future__ import annotations

import bisect
import re

from conflictmap.extract.lexicon import Lexicon, Words
from conflictmap.extract.mentions import Mention
from conflictmap.extract.windows import ends_with_word

__all__ = [
    "SiteChoice",
    "choose_sites",
    "contains",
    "owners",
    "place_named_again",
    "statement_site",
    "venue",
]

SiteChoice = tuple[Mention, int | None]

_SPECIFIC = {"country": 0, "area": 1, "admin1": 1, "populated place": 2, "mountain": 2}
_PRECISION_DOWN = {1: 2, 2: 2, 3: 3, 4: 4}
_DIRECTION_OF = re.compile(
    r"\b(?:north|south|east|west|northeast|northwest|southeast|southwest|north-east|north-west|"
    r"south-east|south-west)(?:ern)?\s+of\s+(?:the\s+)?(?:(?:city|town|village|province)\s+of\s+)?$",
    re.IGNORECASE,
)
_NEAR_AFTER_PLACE = re.compile(
    r"^\s*,?\s*(?:located\s+|which\s+is\s+|is\s+)?(?:near|close\s+to|next\s+to)\s+"
)
_LIST_JOIN = re.compile(
    r"^\s*(?:,\s*(?:and|or)?|and|or|as\s+well\s+as|&)\s*(?:the\s+)?(?:[a-z][a-z-]*\s+of\s+(?:the\s+)?)?$"
)
# "Kuya in the Yarmouk Basin of western Daraa", "Maariya (southern Syria)": the second place
# locates the first, it is no second site.
_INSIDE = re.compile(
    r"^\s*(?:,\s*|\(\s*)?(?:in|of|inside|within)\s+(?:the\s+)?(?:[a-z-]+\s+){0,3}?(?:of\s+)?$|^\s*\(\s*$"
)
# "al-Mazraa, a village on the western approaches to Sweida city": an apposition describes the
# place before it.
_APPOSITION = re.compile(
    r"^\s*,\s*(?:a|an|the)\s+(?:[\w-]+\s+){0,3}?(?:village|town|city|area|district|neighbou?rhood|suburb|"
    r"hamlet|camp|region|base|hill|dam|crossing|community|municipality|locality)s?\b[^,;]*$",
    re.IGNORECASE,
)
# "residents of Kouya", "a teacher from al-Rafid": where people live, not where it happened.
_PEOPLE_OF = re.compile(
    r"\b(?:residents?|people|inhabitants|families|natives?|villagers|elders|teachers?|farmers?|members|"
    r"youths?|men|women|notables|dignitaries|sons)\s+(?:of|from)\s+(?:the\s+)?(?:[a-z-]+\s+){0,2}?(?:of\s+)?$",
    re.IGNORECASE,
)
# "Enab Baladi's correspondent in Daraa", "local sources in Quneitra", "activists in Sweida":
# where the report comes from, not where it happened.
_REPORTED_FROM = re.compile(
    r"\b(?:correspondents?|reporters?|journalists?|sources?|activists?|monitors?|witnesses|residents?)"
    r"\s+(?:based\s+)?in\s+(?:the\s+)?(?:[a-z-]+\s+){0,2}?(?:of\s+)?$",
    re.IGNORECASE,
)
# ... when they report: one of the lexicon's speech verbs follows within four words ("local
# sources in Quneitra said"), or "according to" comes before ("according to activists in
# Sweida"); "detained three residents in Kudna" is an event there.
_FOUR_WORDS = re.compile(r"(?:\W*[\w'’-]+){1,4}")
_ACCORDING_TO = re.compile(r"\baccording\s+to\s+(?:the\s+)?(?:[\w-]+\s+){0,3}$", re.IGNORECASE)


def _reported_from(sentence: str, base: int, m: Mention, before: str, lexicon: Lexicon) -> bool:
    """Whether ``m`` is where the report comes from ("the correspondent in Daraa reported")."""
    found = _REPORTED_FROM.search(before)
    if found is None:
        return False
    if _ACCORDING_TO.search(before, 0, found.start()):
        return True
    after = _FOUR_WORDS.match(sentence, m.end - base)
    return after is not None and lexicon.speech is not None and bool(lexicon.speech.search(after.group()))


# "In Quneitra, ...", "reported that in Daraa, ...": a place that opens a clause frames what
# follows; the places named in the clause are the sites.
_FRAME_BEFORE = re.compile(r"(?:^|[,;:]\s*|\bthat\s+)in\s+(?:the\s+)?$", re.IGNORECASE)
# "Israel's army", "Turkey conducted", "Israel was accused", "'Israel' has conducted", "Israel raids
# a village": a country that acts is no site (a closing quote may follow the name).
_HOSTILE_PRESENT = (
    r"raids|strikes|shells|bombs|attacks|pounds|targets|launches|conducts|hits|seizes|captures|"
    r"storms|enters|invades|advances|violates|maintains|keeps"
)
_ACTS_AFTER = re.compile(
    r"['’\"”]?(?:\s*['’]s\b|\s+(?:has|have|had|was|were|is|are|will|would|says|said|\w+ed|"
    r"withdrew|struck|sent|took|began|fought|kept|held|shot|drove|broke|" + _HOSTILE_PRESENT + r")\b)"
)
# A capital stands for its government when it does something hostile ("Tel Aviv has repeatedly
# violated", "Tel Aviv's advances"); "Damascus has been hit" or "Damascus's old city" are places.
_CAPITAL_ACTS_AFTER = re.compile(
    r"['’\"”]?(?:\s*['’]s\s+(?:advances?|attacks?|strikes?|forces|army|troops|military|aggression|"
    r"incursions?|violations?|operations?|bombardment|occupation|raids?)\b|"
    r"\s+(?:(?:has|have|had)\s+)?(?:\w+ly\s+)?(?:violated|launched|struck|conducted|carried\s+out|bombed|"
    r"shelled|raided|attacked|targeted|advanced|pushed|deployed|escalated|intensified|expanded|seized|"
    r"captured|invaded|stormed|" + _HOSTILE_PRESENT + r")\b)"
)
# "brokered by the US", "hit by Israel", "brokered by the US and France": agents of a passive verb.
_AGENT_BEFORE = re.compile(
    r"\b\w+ed\s+by\s+(?:the\s+)?(?:[A-Z][\w.-]*\s+){0,3}?(?:(?:and|or)\s+(?:the\s+)?)?$"
)
_POSSESSIVE_ACTION = re.compile(r"['’\"”]?\s*['’]s\s")
_PREPOSITION_BEFORE = re.compile(
    r"\b(?:in|at|on|near|into|to|toward|towards|from|of|across|over|within|inside|outside|around|"
    r"against|by|with|and|between)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_SPOKEN_AT = re.compile(
    r"\b(?:speaking|spoke|said|told\s+(?:reporters|journalists|a\s+news\s+conference)|said\s+in\s+a\s+statement)"
    r"\s+(?:\w+\s+){0,3}?(?:in|from|at)\s+(?:the\s+)?$",
    re.IGNORECASE,
)

_WHERE = re.compile(r"(?:\s+[\w'’-]+){0,3}?\s*,?\s*where\b[^,;]*$")

SITE, PLAIN, ORIGIN, REFERENCE = 3, 2, 1, 0  # how a place relates to the event phrase


def owners(mentions: list[Mention], cues: list[tuple[int, str]], base: int) -> dict[int, str]:
    """Return, for each mention (by ``id``), the category of the cue it follows.

    ``cues`` are ``(position in the sentence, category)`` of the sentence's event phrases.
    """
    if not cues:
        return {}
    ordered = sorted(cues)
    out = {}
    for m in mentions:
        at = m.start - base
        owner = ordered[0][1]
        for pos, key in ordered:
            if pos > at:
                break
            owner = key
        out[id(m)] = owner
    return out


def choose_sites(
    sentence: str,
    base: int,
    mentions: list[Mention],
    lexicon: Lexicon,
    *,
    own: list[Mention] | None = None,
    cue_at: int | None = None,
) -> tuple[list[SiteChoice], bool]:
    """Return the sites of an event phrase and whether they are its own (see the module docstring).

    Parameters
    ----------
    sentence, base
        The sentence and its offset in the article's clean text.
    mentions
        The sentence's mentions.
    own
        The mentions that follow this event phrase (:func:`owners`); ``None`` when every place
        of the sentence counts.
    cue_at
        The cue's offset in the sentence: a place right before ", where" and the cue is the site
        ("arriving from Washington, where they held talks").

    Returns
    -------
    sites : list of (Mention, int or None)
        The sites and their precision, in text order; empty when the sentence names no place.
    own : bool
        False when the sites are borrowed from the rest of the sentence.
    """
    sites, is_own = _located_sites(sentence, base, mentions, lexicon, own=own, cue_at=cue_at)
    if is_own:
        return sites, True
    # "advanced into the village of Rasm al-Qita", "broke out in the Maqus neighborhood, east of
    # Sweida city": a framed place no gazetteer knows is the event's own site when no located
    # place is; the event is kept there, unlocated, not folded into another place's event
    unknown = next(
        (
            m
            for m in (own if own is not None else mentions)
            if m.place is None and m.kind == "named" and not _reference_point(sentence, base, m, lexicon)
        ),
        None,
    )
    return ([(unknown, None)], True) if unknown is not None else (sites, False)


def _located_sites(
    sentence: str,
    base: int,
    mentions: list[Mention],
    lexicon: Lexicon,
    *,
    own: list[Mention] | None,
    cue_at: int | None,
) -> tuple[list[SiteChoice], bool]:
    """Return the located sites of an event phrase and whether they are its own."""
    candidates = [
        m
        for m in mentions
        if m.place is not None and not m.actor and not _acting_country(sentence, base, m, lexicon)
    ]
    if not candidates:
        return [], False
    if cue_at is not None and "where" in sentence:  # "arriving from Washington, where they held talks"
        where = [
            m for m in candidates if m.end - base < cue_at and _WHERE.match(sentence, m.end - base, cue_at)
        ]
        if where:
            return [(where[-1], where[-1].geo_precision)], True
    owned = {id(o) for o in own} if own is not None else set()
    mine = [m for m in candidates if id(m) in owned]
    is_own = bool(mine) or own is None
    pool = mine or candidates
    if len(pool) > 1:
        kept = [m for m in pool if not any(contains(m, o) for o in pool if o is not m)]
        pool = kept or pool
    if len(pool) == 1:  # the common case: only whether it is a mere reference point matters
        m = pool[0]
        return [(m, m.geo_precision)], is_own and not _reference_point(sentence, base, m, lexicon)
    roles = _roles(sentence, base, pool, lexicon, named=candidates)
    sites = [m for m in pool if roles[id(m)] == SITE]
    if sites:
        seen, out = set(), []
        for m in sites:
            if m.place.place_id not in seen:
                seen.add(m.place.place_id)
                out.append((m, m.geo_precision))
        return out, is_own
    best = max(
        pool,
        key=lambda m: (
            roles[id(m)],
            _locative(sentence, base, m, lexicon),
            _SPECIFIC.get(m.place.kind, 1),
            -m.start,
        ),
    )
    # a reference point ("east of Aleppo", "the road toward Busra al-Sham") is not the event's place
    return [(best, best.geo_precision)], is_own and roles[id(best)] != REFERENCE


def venue(sentence: str, base: int, sites: list[SiteChoice]) -> list[SiteChoice]:
    """Return the one venue among the sites of a meeting or an agreement ("met in Beirut").

    A place after "in", "at" or "hosted by" first, then a place before a country.
    """
    if len(sites) < 2:
        return sites

    def rank(site: SiteChoice) -> tuple[bool, bool, int]:
        m = site[0]
        at = m.start - base
        return (
            bool(_VENUE_BEFORE.search(sentence, max(0, at - 30), at)),
            m.place.kind != "country",
            -m.start,
        )

    return [max(sites, key=rank)]


_VENUE_BEFORE = re.compile(
    r"\b(?:in|at|hosted\s+by|held\s+in|host(?:ed)?\s+city\s+of)\s+(?:the\s+)?$", re.IGNORECASE
)


def statement_site(
    sentence: str, base: int, mentions: list[Mention], lexicon: Lexicon
) -> tuple[Mention | None, int | None]:
    """Return where a statement was made, else the speaking capital, else the place it concerns."""
    located = [m for m in mentions if m.place is not None]
    for m in located:
        if _SPOKEN_AT.search(sentence, max(0, m.start - base - 60), m.start - base):
            return m, m.geo_precision
    speaker = next((m for m in located if m.actor), None)
    if speaker is not None:
        return speaker, _PRECISION_DOWN[speaker.geo_precision or 1]
    sites, _ = choose_sites(sentence, base, mentions, lexicon)
    if sites:
        m = sites[0][0]
        return m, _PRECISION_DOWN[m.geo_precision or 1]
    return None, None


# "in the village", "near the dam": a place named before, by what kind of place it is
_NAMED_AGAIN = re.compile(
    r"\b(?:in|at|near|on|into|inside|outside|around|of|(?<!adjacent )(?<!next )(?<!close )to|toward|towards)"
    r"\s+the\s+(?:[\w-]+\s+){0,2}?"
    r"(area|village|town|city|neighbou?rhood|camp|dam|base|airport|crossing|hill|region|province|governorate)"
    r"\b(?!\s+of\b|\s+[A-Z])",  # not "the town of Manbij", "the city Daraa"
    re.IGNORECASE,
)
_AGAIN_WORDS = Words(
    [
        "area",
        "village",
        "town",
        "city",
        "neighbourhood",
        "neighborhood",
        "camp",
        "dam",
        "base",
        "airport",
        "crossing",
        "hill",
        "region",
        "province",
        "governorate",
    ]
)
# place nouns whose referent is best found by name ("the dam" -> "Tishreen Dam")
_BY_NAME = frozenset({"dam", "base", "airport", "crossing", "hill", "camp"})
_AGAIN_KINDS = {
    "village": ("populated place",),
    "town": ("populated place",),
    "city": ("populated place",),
    "neighbourhood": ("populated place",),
    "neighborhood": ("populated place",),
    "camp": ("populated place", "area"),
    "province": ("admin1",),
    "governorate": ("admin1",),
}


def place_named_again(
    text: str, sentence: str, base: int, pos: int, earlier: list[Mention], lexicon: Lexicon
) -> Mention | None:
    """Return the place an event sentence names again ("hit a car in the village"), if any.

    A place noun ("the village", "the area", "the dam"; after the cue at ``pos`` first, else
    before it) stands for the latest place of that kind named before it (``earlier``: the
    mentions of the sentences before and of this one, in order, in the article ``text``), any
    place but a country for "the area", "the dam" and the like; a reference point ("six miles
    from Damascus") is not one.
    """
    if not _AGAIN_WORDS.search(sentence):  # most sentences name no such place noun: no costly search
        return None
    found = _NAMED_AGAIN.search(sentence, pos) or _NAMED_AGAIN.search(sentence, 0, pos)
    if found is None:
        return None
    noun = found.group(1).lower()
    kinds = _AGAIN_KINDS.get(noun)
    at = base + found.start()
    if noun in _BY_NAME:
        named = [m for m in earlier if m.start < at and m.place is not None and noun in m.text.lower()]
        if named:
            return named[-1]
    for m in reversed(earlier):
        if m.start >= at or m.place is None or m.actor:
            continue
        if (kinds is None and m.place.kind == "country") or (kinds is not None and m.place.kind not in kinds):
            continue
        before = text[max(0, m.start - 40) : m.start]
        if (
            lexicon.references is not None and lexicon.references.search(before[-30:])
        ) or _DIRECTION_OF.search(before):
            continue
        return m
    return None


def _reference_point(sentence: str, base: int, m: Mention, lexicon: Lexicon) -> bool:
    """Whether a place on its own is a reference point (what :func:`_roles` calls REFERENCE)."""
    at = m.start - base
    before = sentence[max(0, at - 40) : at]
    if not (
        _reference(sentence, base, m, lexicon)
        or (" of" in before and _DIRECTION_OF.search(before))
        or _ends(lexicon.route_before, sentence, at)
        # "the correspondent in Daraa reported"
        or (" in" in before and _reported_from(sentence, base, m, before, lexicon))
    ):
        return False
    # "moved from X toward Y": the place reached, though "toward" also marks reference points
    return not _moved_to(sentence, at, before, lexicon)


def _roles(
    sentence: str, base: int, pool: list[Mention], lexicon: Lexicon, *, named: list[Mention] | None = None
) -> dict[int, int]:
    """How each place relates to the event phrase: SITE, PLAIN, ORIGIN or REFERENCE.

    ``named`` are all the sentence's places, also those left out of ``pool`` (a region around
    another): "Adloun in south Lebanon near Sidon" still places Adloun near Sidon.
    """
    roles: dict[int, int] = {}
    previous: Mention | None = None
    ends = sorted(m.end for m in named) if named else []
    for m in sorted(pool, key=lambda m: m.start):
        at = m.start - base
        before = sentence[max(0, at - 40) : at]
        between = sentence[previous.end - base : at] if previous is not None else None
        last = bisect.bisect_right(ends, m.start) - 1  # the nearest place named before, in or out of pool
        right_after = sentence[ends[last] - base : at] if last >= 0 else between
        if between is not None and (_INSIDE.match(between) or _APPOSITION.match(between)):
            role = REFERENCE  # it locates or describes the place before it
        elif previous is not None and _UNIT_AFTER.match(sentence, m.end - base):
            role = REFERENCE  # "between Khirbet Selm and X in the Bint Jbeil district"
        elif _moved_to(sentence, at, before, lexicon):
            role = SITE  # "moved from X toward Y": the place reached
        elif (
            _reference(sentence, base, m, lexicon)
            or (" of" in before and _DIRECTION_OF.search(before))
            or (between is not None and _NEAR_AFTER_PLACE.match(between))
            or (previous is not None and right_after is not None and _NEAR_AFTER_PLACE.match(right_after))
        ):
            role = REFERENCE
        elif between is not None and _LIST_JOIN.match(between):
            role = roles[id(previous)]  # listed with the place before: "Maariya and Abidin"
        elif (" of" in before or " from" in before) and (
            _PEOPLE_OF.search(before) or (m.place.kind == "country" and _OF_BEFORE.search(before))
        ):
            role = PLAIN  # "residents of Kouya gathered", "the foreign ministers of Syria"
        elif " in" in before and _reported_from(sentence, base, m, before, lexicon):
            role = PLAIN  # "the correspondent in Daraa reported that ...": a site only if none is named
        elif _FRAME_BEFORE.search(before) and sentence.startswith(",", m.end - base):
            role = PLAIN  # "In Quneitra, forces entered Rasm al-Halabi": the frame, a site only if alone
        elif _ends(lexicon.route_before, sentence, at):
            role = REFERENCE  # "through the Al-Hiran area"
        elif _ends(lexicon.origin_before, sentence, at):
            role = ORIGIN
        elif _locative(sentence, base, m, lexicon) == 2 or _LIST_INTRO.search(before):
            role = SITE
        else:
            role = PLAIN
        roles[id(m)] = role
        previous = m
    return roles


_UNIT_AFTER = re.compile(r"\s+(?:district|province|governorate|region|countryside|area)\b", re.IGNORECASE)
_OF_BEFORE = re.compile(r"\bof\s+(?:the\s+)?$", re.IGNORECASE)
_LIST_INTRO = re.compile(
    r"\b(?:including|such\s+as|particularly|especially|namely)\s+(?:near\s+|in\s+)?(?:the\s+)?$"
)


def _moved_to(sentence: str, at: int, before: str, lexicon: Lexicon) -> bool:
    """Whether "to"/"toward"/"into" after a verb of movement comes right before offset ``at``."""
    tail = before.rstrip().lower()
    if not (tail.endswith(_TO) or " to the" in before[-20:] or " toward the" in before[-20:]):
        return False  # the search below is costly; most places follow no "to"
    return lexicon.movement is not None and lexicon.movement.search(sentence, max(0, at - 60), at) is not None


_TO = (" to", " toward", " towards", " into", " to the", " toward the", " towards the", " into the")


def _acting_country(sentence: str, base: int, m: Mention, lexicon: Lexicon) -> bool:
    """Whether a country or capital is the actor of its clause ("Turkey conducted", "Tel Aviv's advances")."""
    place = m.place
    if place is None:
        return False
    if place.kind == "country":
        after = _ACTS_AFTER
    elif place.name.casefold() in lexicon.capitals or m.text.casefold() in lexicon.capitals:
        after = _CAPITAL_ACTS_AFTER
    else:
        return False
    at = m.start - base
    if _AGENT_BEFORE.search(sentence[max(0, at - 60) : at]):
        return True
    if not after.match(sentence, m.end - base):
        return False
    if after is _CAPITAL_ACTS_AFTER and _POSSESSIVE_ACTION.match(sentence, m.end - base):
        return True  # "complaining of Tel Aviv's advances": the preposition governs "advances"
    return not _PREPOSITION_BEFORE.search(sentence[max(0, at - 20) : at])


def _ends(pattern: re.Pattern[str] | None, sentence: str, at: int) -> bool:
    """Whether ``pattern`` matches right before offset ``at`` of the sentence."""
    if pattern is None:
        return False
    window = sentence[max(0, at - 40) : at].lower()
    # the origin and route words all hold one of these: most places follow none (no search)
    if not any(w in window for w in _ROUTE_OR_ORIGIN):
        return False
    return pattern.search(sentence, max(0, at - 40), at) is not None


_ROUTE_OR_ORIGIN = ("from", "out of", "through", "via", "by way of")


# A place noun between a reference word and its place ("opposite the Israeli settlement of Zar'it",
# "across from the Lebanese village of Kfar Kila"): looked through, as if the name followed at once.
_FRAME_OF = re.compile(
    r"(?:the\s+)?(?:[\w’'-]+\s+)?(?:village|town|city|settlement|hamlet|locality|kibbutz)\s+of\s+$",
    re.IGNORECASE,
)


def _reference(sentence: str, base: int, m: Mention, lexicon: Lexicon) -> bool:
    if lexicon.references is None:
        return False
    at = m.start - base
    # "... village of ": the expression is tried only before an "of" (a search tries every position)
    frame = (
        _FRAME_OF.search(sentence, max(0, at - 45), at)
        if ends_with_word(sentence[max(0, at - 45) : at], ("of",))
        else None
    )
    if frame is not None:
        at = frame.start()
    return bool(lexicon.references.search(sentence[max(0, at - 30) : at]))


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
