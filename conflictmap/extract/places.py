"""Find the place mentions of an article and resolve each with the geo resolver.

Candidates come from :class:`~conflictmap.extract.mentions.Matcher` (gazetteer names), the
lexicon's named features and lower-case places, and feature phrases ("the Yarmouk River").
Each is read in its context before it is resolved: a direction before it ("southern Sweida"
leans to the governorate), an admin word after it ("Daraa province"), or a list that shares one
("Daraa and Sweida provinces", "the provinces of Homs and Hama"). The ranking among namesakes
is :class:`geo.resolve.Resolver`'s, with the article's country (given, or the most frequent
country of its demonyms and country names) as inferred context.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import replace
from itertools import compress
from operator import attrgetter

from conflictmap.countries import country_by_code
from conflictmap.extract.filters import Blocked, blocked_spans, rejects
from conflictmap.extract.lexicon import Lexicon
from conflictmap.extract.mentions import Matcher, Mention, Token, tokenize
from conflictmap.extract.windows import ends_with_word, has_word, word_near_end
from geo.gazetteer import Gazetteer, Place, distance_km
from geo.names import ARTICLES
from geo.resolve import REASONS, SURROUNDINGS_KM, Anchor, Resolution, Resolver, Surroundings, is_major

__all__ = ["find_mentions", "resolve_mentions"]

# Outside the countries of interest only well-known places are taken from a bare name: a
# country, a region, or a town of this size (or a capital).
FOREIGN_MIN_POPULATION = 50_000
_PLURAL_ADMIN = re.compile(r"\s+and\s+(?:the\s+)?[A-Z][\w'’ -]*?\s+(provinces|governorates|countryside)\b")
_ADMIN_LIST_BEFORE = re.compile(
    r"(?:provinces|governorates)\s+of\s+(?:the\s+)?$|rural\s+areas\s+of\s+$|"
    r"(?:provinces|governorates)\s+of\s+[A-Z][\w'’ -]*,?\s+and\s+$"
)
# A preposition of place or a verb that reaches a place, then at most "the" and one word.
_LOCATIVE_WORDS = (
    "in", "at", "into", "inside", "near", "outside", "around", "to", "on", "of", "from", "toward", "towards",
    "across", "hit", "struck", "raided", "entered", "shelled", "targeted", "reached", "visited",
)  # fmt: skip
_LOCATIVE_BEFORE = re.compile(
    rf"(?:\b(?:{'|'.join(_LOCATIVE_WORDS)})\s+(?:the\s+)?(?:\w+\s+)?)$",
    re.IGNORECASE,
)
# Words before a name that say it is a place: a preposition of place or a verb of movement, with a
# place noun ("the village of"), or after it ("Suwaisa town").
_PLACE_NOUNS = (
    r"villages?|towns?|city|cities|hamlets?|area|areas|outskirts|countryside|suburbs?|"
    r"neighbou?rhoods?|district|province|governorate|region|camp|valley|plain|highlands|hills?|"
    r"crossing|checkpoint|road|highway|municipality"
)
# Words right before a name (a leading "the" aside) that say it is a place: a preposition of
# place, a verb of movement or attack, a direction ("south of X" ends in "of").
_PLACE_WORDS_BEFORE = frozenset(
    {
        "in",
        "at",
        "into",
        "inside",
        "near",
        "outside",
        "around",
        "from",
        "to",
        "toward",
        "towards",
        "across",
        "through",
        "of",
        "entered",
        "enter",
        "enters",
        "entering",
        "raided",
        "stormed",
        "shelled",
        "struck",
        "hit",
        "targeted",
        "reached",
        "besieged",
        "captured",
        "seized",
        "bombed",
        "visited",
        "visit",
        "left",
        "fled",
        "approached",
        "east",
        "west",
        "north",
        "south",
        "northeast",
        "northwest",
        "southeast",
        "southwest",
        # Arabic: in, to, from, near, towards, the town/village/city of
        "في",
        "إلى",
        "الى",
        "من",
        "قرب",
        "نحو",
        "باتجاه",
        "بلدة",
        "قرية",
        "مدينة",
    }
)
_PLACE_AFTER = re.compile(rf"^(?:['’]s)?\s+(?:{_PLACE_NOUNS})\b", re.IGNORECASE)
_LIST_GAP = re.compile(r"^(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+|\s*[–—-]\s*)$")
_ACTOR_PREFIX = re.compile(
    r"\b(?:government|authorities|officials|leaders|leadership|administration|rulers)"
    r"\s+in\s+$",
    re.IGNORECASE,
)


def find_mentions(
    text: str, matcher: Matcher, lexicon: Lexicon
) -> tuple[list[Mention], Counter[str], Blocked, list[Token]]:
    """Return the candidate place mentions of ``text`` (unresolved) and the demonym countries.

    Returns
    -------
    mentions : list of Mention
        In order, not overlapping.
    demonyms : Counter
        Country codes of the demonyms seen (context for ranking).
    blocked : Blocked
        Organisation and person spans, and surnames.
    tokens : list of Token
        The words of ``text`` (for the date finder, which need not split it again).
    """
    tokens = tokenize(text)
    blocked = blocked_spans(text, tokens, lexicon)
    demonyms: Counter[str] = Counter()
    mentions: list[Mention] = []
    # Only these words can start a name (see Matcher.can_start); picked out in C.
    starts = matcher.starters(tokens)
    i = 0
    for k in starts:
        if k < i:
            continue
        i = k
        if not matcher.can_start(tokens, i):
            continue
        j = matcher.longest(tokens, i)
        starts_lower = not (tokens[i].capitalised or tokens[i].arabic)
        if j <= i or (starts_lower and j == i + 1):
            continue
        j = _whole_run(tokens, i, j)
        if j == i + 1 and _direction_before_name(tokens, i, lexicon):
            continue  # "Southern Quneitra": a direction of the name after it, not the Southern District
        why = rejects(tokens, i, j, text, lexicon, blocked)
        if why is not None:
            if (
                why == "demonym"
                and (code := lexicon.demonyms.get(tokens[i].text.casefold()))
                and not (j < len(tokens) and tokens[j].folded in _ACTOR_NOUNS)
            ):
                demonyms[code] += 1  # "the Syrian village", not "Israeli troops": an actor's country
            if why != "demonym":
                i = j
            continue
        mentions.append(_mention(text, tokens, i, j, lexicon))
        i = j
        while i < len(tokens) and tokens[i].start < mentions[-1].end:
            i += 1  # the words a mention took in after its name (a hashtag's)
    mentions = _add_extra(text, tokens, mentions, lexicon, blocked)
    mentions = _add_listed(text, tokens, mentions, lexicon, blocked)
    mentions = _add_framed(text, tokens, mentions, lexicon)
    mentions = _add_entered(text, tokens, mentions, lexicon, blocked)
    mentions = _add_abbreviations(text, tokens, mentions, matcher.index.gazetteer, lexicon)
    for m in mentions:
        m.text = text[m.start : m.end]
    return mentions, demonyms, blocked, tokens


_FOLDED, _CAPITALISED = attrgetter("folded"), attrgetter("capitalised")  # of a Token


# Nouns after a demonym that make it an actor ("Israeli troops", "Syrian state media"), whose
# country says who acted, not where: such a demonym does not vote for the article's country.
_ACTOR_NOUNS = frozenset(
    {
        "troops",
        "forces",
        "force",
        "army",
        "military",
        "soldiers",
        "soldier",
        "drone",
        "drones",
        "jets",
        "warplanes",
        "aircraft",
        "artillery",
        "tanks",
        "tank",
        "patrol",
        "patrols",
        "units",
        "unit",
        "government",
        "officials",
        "official",
        "authorities",
        "president",
        "minister",
        "ministry",
        "prime",
        "strike",
        "strikes",
        "airstrike",
        "airstrikes",
        "raid",
        "raids",
        "incursion",
        "incursions",
        "occupation",
        "settlers",
        "police",
        "navy",
        "air",
        "defense",
        "defence",
        "state",
        "media",
        "army's",
        "military's",
        "security",
        "intelligence",
        "side",
        "delegation",
        "envoy",
        "leaders",
        "leader",
        "spokesperson",
        "spokesman",
    }
)


def _direction_before_name(tokens: list[Token], i: int, lexicon: Lexicon) -> bool:
    """Whether token ``i`` is a capitalised direction word joined to a capitalised word after it."""
    return (
        tokens[i].folded in lexicon.directions
        and i + 1 < len(tokens)
        and tokens[i + 1].joined
        and tokens[i + 1].capitalised
    )


def _whole_run(tokens: list[Token], i: int, j: int) -> int:
    """Extend a match to the whole Arabic-style name it starts ("Hawsh al-Sayyed Ali").

    When the capitalised words joined by articles go on after the longest known name, the name
    is the whole run: the resolver reads it with its looser keys, and a part of it is not a place.
    """
    r = j
    while r < len(tokens) and tokens[r].joined and (tokens[r].capitalised or tokens[r].article) and r - i < 6:
        if tokens[r].article and not (
            r + 1 < len(tokens) and tokens[r + 1].hyphen and tokens[r + 1].capitalised
        ):
            break
        r += 1
    if r > j and any(t.article for t in tokens[i:r]) and tokens[r - 1].capitalised:
        return r
    return j


def _mention(text: str, tokens: list[Token], i: int, j: int, lexicon: Lexicon) -> Mention:
    start, end, kind, direction = tokens[i].start, tokens[j - 1].end, "name", None
    possessive = text[end : end + 3] in ("'s ", "’s ")
    if possessive and j < len(tokens) and tokens[j].text.casefold() in _POSSESSED:
        # "Daraa's countryside" is the countryside of Daraa: one mention, read as such (_query).
        end = tokens[j].end
    elif j < len(tokens) and tokens[j].joined and text[tokens[j - 1].end] == " ":
        word = tokens[j].text
        if word.casefold() in lexicon.admin_suffixes and not word.isupper():
            end = tokens[j].end
        elif word in lexicon.features_after:
            end, kind = tokens[j].end, "feature"
    if i > 0 and tokens[i].joined and tokens[i - 1].folded in lexicon.directions:
        direction = tokens[i - 1].text
    if i > 0 and tokens[i].joined and tokens[i - 1].arabic and tokens[i - 1].text in _ARABIC_WORDS:
        start = tokens[i - 1].start
    if text[start - 1 : start] == "#":
        # A hashtag that opens with a place is that place, all of it ("#درعا_البلد", Daraa's old
        # town): its words, joined by underscores, are read as one phrase.
        while j < len(tokens) and text[end : end + 1] == "_" and tokens[j].start == end + 1:
            end, j = tokens[j].end, j + 1
    if kind == "name" and start == tokens[i].start:
        # "the southern countryside of Quneitra", "rural Damascus": the countryside is the mention
        # the expression is tried only where one of its words is (a search tries every position)
        before = (
            _COUNTRYSIDE_BEFORE.search(text, max(0, start - 40), start)
            if has_word(text[max(0, start - 40) : start], ("countryside", "rural"))
            else None
        )
        if before is not None and not text[start:end].isupper():
            start, direction = before.start(), None
    query = text[start:end].replace("_", " ")
    return Mention(start, end, text[start:end], query, kind, direction)


_DIRECTION_WORD = r"(?:north|south|east|west|north-?east|north-?west|south-?east|south-?west)(?:ern)?"
# The countryside of a place written before its name: read as "<direction> <name> countryside".
_COUNTRYSIDE_BEFORE = re.compile(
    rf"(?<![\w-])(?:(?:{_DIRECTION_WORD})\s+)?countryside\s+of\s+(?:the\s+)?(?:(?:city|town)\s+of\s+)?$"
    r"|(?<![\w-])rural\s+$",
    re.IGNORECASE,
)
_COUNTRYSIDE_TEXT = re.compile(
    rf"^(?:(?P<dir>{_DIRECTION_WORD})\s+)?countryside\s+of\s+(?:the\s+)?(?:(?:city|town)\s+of\s+)?(?P<name>.+)$"
    r"|^rural\s+(?P<name2>.+)$",
    re.IGNORECASE,
)
# "a rural village in Quneitra", "towns in Daraa": a settlement in X lies in the province of X.
_SETTLEMENT_IN = re.compile(r"\b(?:villages?|towns?|hamlets?)\s+in\s+(?:the\s+)?$", re.IGNORECASE)


_ARABIC_HINT = re.compile(r"[\u0600-\u06ff]")
_SINGULAR = {"provinces": "province", "governorates": "governorate"}
# Admin words that a possessive name may own ("Daraa's countryside", "Homs's province").
_POSSESSED = frozenset({"countryside", "province", "governorate"})
_FEATURE_LEADS = frozenset({"lake", "mount"})  # common words that may open a feature's name
# Arabic words before a name that belong to the mention: "ريف دمشق" (Damascus countryside),
# "محافظة درعا", "مدينة درعا", and directions ("جنوب لبنان", south Lebanon).
_ARABIC_WORDS = frozenset(
    {
        "ريف",
        "محافظة",
        "محافظه",
        "مدينة",
        "مدينه",
        "جنوب",
        "شمال",
        "شرق",
        "غرب",
        "جنوبي",
        "شمالي",
        "شرقي",
        "غربي",
    }
)
# Arabic feature nouns that open a feature's name: "نهر الأولي" (the Awali River), "سد تشرين".
_ARABIC_FEATURE = re.compile(
    r"(?<![\u0600-\u06ff])(?:نهر|سد|بحيرة|وادي|جبل|تل)[ _](?:ال)?[\u0621-\u064a][\u0621-\u064a\u064b-\u065f]*"
)


def _add_extra(
    text: str, tokens: list[Token], mentions: list[Mention], lexicon: Lexicon, blocked: Blocked
) -> list[Mention]:
    """Add named features, feature phrases and lower-case places that no name match covers."""
    extra: list[Mention] = []
    patterns = [
        (p, kind)
        for p, kind in ((lexicon.feature_pattern, "feature"), (lexicon.lowercase_pattern, "lowercase"))
        if p
    ]
    patterns += [(p, "feature") for p, hint in lexicon.feature_phrases if hint.search(text)]
    if _ARABIC_HINT.search(text):
        patterns.append((_ARABIC_FEATURE, "feature"))
    common = lexicon.common_words
    for pattern, kind in patterns:
        for m in pattern.finditer(text):
            start, end = m.span()
            first = text[start:end].split()[0].casefold()
            if blocked.covers(start, end) or (first in common and first not in _FEATURE_LEADS):
                continue
            extra.append(Mention(start, end, m.group(), m.group(), kind))
    if not extra:
        return mentions
    # A feature phrase wins over the name inside it ("Yarmouk River" over "Yarmouk").
    extra.sort(key=lambda e: (e.start, -(e.end - e.start)))
    out = [m for m in mentions if not _inside(extra, m)]
    for e in extra:
        if not _overlaps(out, e):
            bisect.insort(out, e, key=lambda m: m.start)
    return out


_LIST_STEP = re.compile(r",\s+(?:and\s+|or\s+)?|\s+(?:and|or)\s+")


def _add_listed(
    text: str, tokens: list[Token], mentions: list[Mention], lexicon: Lexicon, blocked: Blocked
) -> list[Mention]:
    """Add the names a list goes on with after a place ("in Kansafra, Sfuhen and Fulayfel").

    News spells villages as it hears them, so a list of places often holds a name the
    gazetteer has only in another spelling (Safuhun, Fulayfil). After a name that matched,
    the capitalised words that follow a comma or an "and" are candidates too, read by the
    resolver under the rules of any name: a looser spelling is taken only where its own
    sentence places it (:func:`resolve_mentions`), and a name nothing matches is dropped.
    """
    if not mentions:
        return mentions
    starts = [t.start for t in tokens]
    added: list[Mention] = []
    taken = {m.start for m in mentions}
    for m in mentions:
        end = m.end
        while True:
            step = _LIST_STEP.match(text, end)
            if step is None:
                break
            i = bisect.bisect_left(starts, step.end())
            if i >= len(tokens) or tokens[i].start != step.end() or tokens[i].start in taken:
                break
            j = i
            while j < len(tokens) and j - i < 4 and (tokens[j].capitalised or tokens[j].article):
                if j > i and (not tokens[j].joined or tokens[j].start in taken):
                    break  # the name ends, or another mention starts
                j += 1
            while j > i and tokens[j - 1].article:
                j -= 1
            if j == i or not tokens[i].capitalised or rejects(tokens, i, j, text, lexicon, blocked):
                break
            found = _mention(text, tokens, i, j, lexicon)
            added.append(found)
            taken.add(found.start)
            end = found.end
    if not added:
        return mentions
    return sorted([*mentions, *added], key=lambda m: m.start)


# A name as news transliterates Arabic ones: capitalised words, articles joined by hyphens
# ("Rasm al-Qita", "Aoun Al-Dadat", "al-Dabsha"), at most four words.
_ART = r"(?:al|el|as|ash|ad|ar|az|at|an|Al|El|As|Ash|Ad|Ar|Az|At|An)"
_RUN = rf"(?:{_ART}-)?[A-Z][\w'’`]*(?:(?: |-)(?:{_ART}-)?[A-Z][\w'’`]*){{0,3}}"
_RUN_LIST = rf"{_RUN}(?:(?:,\s+(?:and\s+)?|\s+and\s+){_RUN}){{0,8}}"
# Place nouns that introduce names ("the villages of A, B and C", "towns such as A") or follow
# one ("the Maqus neighborhood", "Abu Ghara village").
_FRAME_BEFORE = re.compile(rf"\w+(?:\s+of|,?\s+(?:such\s+as|including))\s+(?:the\s+)?(?P<names>{_RUN_LIST})")
_FRAME_AFTER = re.compile(rf"(?<![\w'’-])(?P<names>{_RUN})\s+$")
_NOUNS_BEFORE = frozenset(
    {
        "village",
        "villages",
        "town",
        "towns",
        "hamlet",
        "hamlets",
        "neighborhood",
        "neighbourhood",
        "neighborhoods",
        "neighbourhoods",
        "highlands",
        "hill",
        "hills",
        "forest",
        "forests",
        "outskirts",
    }
)
# Arabic words that open a place name ("Tallet Ali al-Taher", the hill of Ali al-Taher; "Khirbet
# X", "Wadi X", "Kafr X"): with capitalised words after them they are a place, known or not.
_PREFIXES = frozenset(
    {
        "tallet",
        "tallat",
        "tall",
        "tell",
        "jabal",
        "jebel",
        "khirbet",
        "khirbat",
        "wadi",
        "kafr",
        "kfar",
        "deir",
        "dayr",
        "beit",
        "bayt",
        "marj",
        "mazraat",
        "ain",
        "ein",
    }
)
_FRAME_PREFIX = re.compile(rf"(?P<names>\w+(?:[ -](?:{_ART}-)?[A-Z][\w'’`]*){{1,3}})")
# "the home village of X", "the native town of X": X is a person.
_OWNERS = frozenset({"home", "native", "birth", "ancestral"})
_NOUNS_AFTER = frozenset(
    {"village", "villages", "town", "neighborhood", "neighbourhood", "area", "hill", "highlands"}
)
# Any word that may make a frame: the words of an article are filtered with one set lookup.
_FRAME_WORDS = _NOUNS_BEFORE | _NOUNS_AFTER | _PREFIXES
_LIST_SPLIT = re.compile(r",\s+(?:and\s+)?|\s+and\s+")


def _add_framed(text: str, tokens: list[Token], mentions: list[Mention], lexicon: Lexicon) -> list[Mention]:
    """Add names that a place noun frames, whether or not the gazetteer knows them.

    "the village of Rasm al-Qita", "the villages of A, B and C", "towns such as A", "the Maqus
    neighborhood": the frame says these are places, so they are mentions even when no gazetteer
    name matches (they stay unlocated) and even when they start with a given name ("the
    highlands of Ali al-Taher"). A name a match already covers keeps that match.
    """
    found = [
        Mention(start, start + len(name), name, name, "named")
        for match in _frames(text, tokens)
        for start, name in _framed_names(match)
        if not _not_a_name(name, lexicon)
    ]
    if not found:
        return mentions
    # A framed name wins over a shorter match inside it ("Umm al-Kaif" over "Kaif"); a match of
    # the same span is kept, but read as framed (kept even where the gazetteer has no such place).
    spans = {(f.start, f.end) for f in found}
    for m in mentions:
        if m.kind == "name" and (m.start, m.end) in spans:
            m.kind = "named"
    found.sort(key=lambda f: (f.start, -f.end))
    out = [m for m in mentions if not _inside(found, m)]
    for f in found:
        if not _overlaps(out, f):
            bisect.insort(out, f, key=lambda m: m.start)
    return out


# Verbs whose object is a place ("entered Saida al-Golan"): a name after one is a place, known
# or not, as a place noun frames one.
_ENTRY_VERBS = frozenset({"entered", "raided", "stormed", "infiltrated", "penetrated"})
_ENTERED = re.compile(rf"\w+\s+(?P<names>{_RUN})(?=\s*[,.;:]|\s+(?:on|in|at|near|and|before|after|from)\b)")


def _add_entered(
    text: str, tokens: list[Token], mentions: list[Mention], lexicon: Lexicon, blocked: Blocked
) -> list[Mention]:
    """Add the unknown names that an entry verb takes as its object ("entered Saida al-Golan").

    A match of the same name is read as framed; a mention over part of it keeps its match. The name must end
    where the clause goes on ("... on Friday", "..., residents said"), not run into more words.
    """
    found = []
    for t in compress(tokens, map(_ENTRY_VERBS.__contains__, map(_FOLDED, tokens))):
        match = _ENTERED.match(text, t.start)
        if match is None:
            continue
        start, end = match.span("names")
        name = match.group("names")
        if _not_a_name(name, lexicon) or blocked.covers(start, end):
            continue
        same = [m for m in mentions if m.start == start and m.end == end]
        if same:  # a match of the name: kept, read as framed (kept though no place is found)
            same[0].kind = "named" if same[0].kind == "name" else same[0].kind
            continue
        if any(m.start < end and start < m.end for m in mentions):
            continue
        found.append(Mention(start, end, name, name, "named"))
    if not found:
        return mentions
    return sorted([*mentions, *found], key=lambda m: m.start)


def _inside(framed: list[Mention], m: Mention) -> bool:
    """Whether a match lies inside a longer framed name (``framed`` in text order)."""
    for f in framed:
        if f.start > m.start:
            return False
        if m.end <= f.end and (f.end - f.start) > (m.end - m.start):
            return True
    return False


def _overlaps(mentions: list[Mention], f: Mention) -> bool:
    """Whether a framed name overlaps a mention kept (``mentions`` in text order)."""
    k = bisect.bisect_left([m.end for m in mentions], f.start + 1)
    return k < len(mentions) and mentions[k].start < f.end


def _frames(text: str, tokens: list[Token]) -> list[re.Match[str]]:
    """Return the frames of an article, looked for from its place nouns (a set lookup a word).

    Names before a noun ("the Maqus neighborhood") are read back from it.
    """
    matches = []
    for k in compress(range(len(tokens)), map(_FRAME_WORDS.__contains__, map(_FOLDED, tokens))):
        t = tokens[k]
        if (
            t.folded in _NOUNS_BEFORE
            and not (k > 0 and tokens[k - 1].folded in _OWNERS)  # "the home village of" a person
            and (m := _FRAME_BEFORE.match(text, t.start)) is not None
        ):
            matches.append(m)
        if t.capitalised and t.folded in _PREFIXES and (m := _FRAME_PREFIX.match(text, t.start)) is not None:
            matches.append(m)
        if t.folded in _NOUNS_AFTER and k > 0 and tokens[k - 1].capitalised:
            m = _FRAME_AFTER.search(text, max(0, t.start - 60), t.start)
            if m is not None:
                matches.append(m)
    return matches


def _framed_names(match: re.Match[str]) -> list[tuple[int, str]]:
    """Return the names of a frame's list with their offsets ("A, B and C")."""
    names, base, offset, out = match.group("names"), match.start("names"), 0, []
    for name in _LIST_SPLIT.split(names):
        start = base + names.index(name, offset)
        offset = start - base + len(name)
        if name.startswith("The "):  # a sentence's first word ("The Shebaa area")
            name, start = name[4:], start + 4
        out.append((start, name))
    return out


def _not_a_name(name: str, lexicon: Lexicon) -> bool:
    """Whether a framed word is no name: one common word or demonym ("the Syrian village")."""
    words = name.replace("-", " ").split()
    one = words[-1].casefold() if len(words) == 1 else ""
    return one in lexicon.common_words or one in lexicon.demonyms or name.isupper()


# Country abbreviations: "US", "U.S.", "UK", "UAE" (which ones is the gazetteer's business: a
# place must bear the letters exactly, see geo.resolve.abbreviation).
_ABBREVIATION_TEXT = re.compile(r"(?<![\w.’'-])((?:[A-Z]\.){2,4}|[A-Z]{2,3})(?![\w’'])")
# After an abbreviation used as a noun: the end of a clause, or a word that cannot follow an
# adjective ("the US and France", "the US said"); "U.S. officials" is an adjective.
_NOUN_END = re.compile(r"^\s*(?:$|[,.;:!?)\]\"”’]|\n)")
_NOUN_NEXT = frozenset(
    (
        "and",
        "or",
        "but",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "with",
        "by",
        "of",
        "as",
        "than",
        "is",
        "was",
        "are",
        "were",
        "has",
        "had",
        "have",
        "will",
        "would",
        "could",
        "should",
        "can",
        "may",
        "might",
        "must",
        "did",
        "does",
        "do",
        "said",
        "says",
        "say",
        "told",
        "also",
        "which",
        "that",
        "who",
        "whose",
        "itself",
        "met",
        "held",
        "sent",
        "took",
        "made",
        "gave",
        "struck",
        "hit",
        "urged",
        "warned",
    )
)
_PREPOSITION_BEFORE = re.compile(
    r"\b(?:to|in|into|from|by|with|of|for|at|on|between|against|toward|towards|visit|visited)\s+(?:the\s+)?$",
    re.IGNORECASE,
)


def _add_abbreviations(
    text: str, tokens: list[Token], mentions: list[Mention], gazetteer: Gazetteer, lexicon: Lexicon
) -> list[Mention]:
    """Add country abbreviations used as nouns ("the US and France", "to the U.S.").

    Not as adjectives ("U.S. officials", "US-brokered", "the UK-based observatory", "U.S. Special
    Envoy", "Syrian, US and Jordanian officials"): those name no place, as demonyms do not.
    Organisations' abbreviations (UN, EU) are no place's name, so they are never mentions.
    """
    found: list[Mention] = []
    # From the words that can be or begin one: two or three capitals, or a capital and a dot.
    starts = [
        t.start
        for t in compress(tokens, map(_CAPITALISED, tokens))
        if len(t.text) <= 3 and t.text.isupper() and (len(t.text) > 1 or text.startswith(".", t.end))
    ]
    for at in starts:
        match = _ABBREVIATION_TEXT.match(text, at)
        if match is None:
            continue
        start, end = match.span(1)
        letters = match.group(1).replace(".", "")
        if text.startswith(("-", "‐"), end) or not _bears(gazetteer, letters):
            continue  # a compound adjective ("US-controlled"), or no place's abbreviation
        after = text[end : end + 40]
        word = _NEXT_WORD.match(after)
        noun = bool(_NOUN_END.match(after)) or (
            word is not None
            and (
                word.group(1) in _NOUN_NEXT
                or (
                    word.group(1)[0].isupper() and _PREPOSITION_BEFORE.search(text, max(0, start - 30), start)
                )
            )
        )
        if noun and not _among_demonyms(text, start, end, lexicon):
            found.append(Mention(start, end, match.group(1), letters, "abbreviation"))
    if not found:
        return mentions
    out = [m for m in mentions if not any(m.start < f.end and f.start < m.end for f in found)]
    return sorted([*out, *found], key=lambda m: m.start)


_NEXT_WORD = re.compile(r"\s+([A-Za-z]+)")


def _among_demonyms(text: str, start: int, end: int, lexicon: Lexicon) -> bool:
    """Whether a word is coordinated with demonyms ("Syrian, US and Jordanian officials")."""
    before = _LISTED_BEFORE.search(text[max(0, start - 30) : start])
    after = _LISTED_AFTER.match(text[end : end + 30])
    return any(m is not None and m.group(1).casefold() in lexicon.demonyms for m in (before, after))


_LISTED_BEFORE = re.compile(r"([A-Za-z]+)(?:,\s*|\s+(?:and|or)\s+)$")
_LISTED_AFTER = re.compile(r"(?:,\s*|\s+)(?:(?:and|or)\s+)?([A-Za-z]+)")


def _bears(gazetteer: Gazetteer, letters: str) -> bool:
    """Whether a country or unit bears these letters exactly as one of its names."""
    known = _BEARS.get(letters)
    if known is None:
        known = _BEARS[letters] = _bears_uncached(gazetteer, letters)
    return known


_BEARS: dict[str, bool] = {}


def _bears_uncached(gazetteer: Gazetteer, letters: str) -> bool:
    return any(
        place.kind != "populated place"
        and any(n.replace(".", "") == letters for n in gazetteer.names_of_place(place.place_id))
        for place, tier in gazetteer.candidates(letters)
        if tier == 0
    )


def resolve_mentions(
    text: str,
    mentions: list[Mention],
    resolver: Resolver,
    lexicon: Lexicon,
    *,
    country: str | None,
    inferred: bool,
) -> list[Mention]:
    """Resolve each mention among the article's other places; drop names that are no place here.

    Each mention is first resolved alone. The places the article names for sure (admin-1 units,
    and towns that are major, or whose namesakes all lie together, named where a place is
    expected) become its surroundings (:class:`geo.resolve.Surroundings`); an ambiguous small
    place is then read among those of its own sentence, then of the article. A one-word name
    that only a small village answers, nowhere near the article's places and never written
    where a place is expected ("in X", "the village of X", "X town"), is a common word or a
    person's name, not a mention. ``mention.sentence`` must be set.

    Returns
    -------
    list of Mention
        The mentions kept, with ``place``, ``geo_precision``, ``query`` and ``actor`` set.
    """
    first = [
        _first_reading(text, mentions, k, resolver, lexicon, country, inferred) for k in range(len(mentions))
    ]
    placed = _Placed(text, mentions)
    around = _Around(text, mentions, first, placed)
    kept = []
    for k, m in enumerate(mentions):
        res = first[k]
        res = _read_around(m, res, around, resolver, country=country, inferred=inferred)
        if (
            res is not None
            and res.match == 2
            and m.kind == "name"
            and " " not in m.text.strip()
            and not (res.place is not None and around.of(m).rank(res.place) == 0)
        ):
            # One word that matches a place only on its consonants is a guess in running text
            # (a headline's "Host" is not Koçtepe): not taken as a mention, unless the place
            # lies where its own sentence says ("the town of Jbab ... in Daraa countryside").
            continue
        if res is not None and res.match == 2 and m.kind == "named" and around.of(m).rank(res.place) > 2:
            # a framed name the gazetteer only knows by its consonants, away from the article's
            # places (near a town it names, or in a unit it names, is support enough: "the village
            # of Rwayhina" in a report on the Quneitra countryside); "the hill of Abu As'ad" in the
            # Latakia countryside is no Abu Saddah 450 km away in Hasakah
            res = None
        if res is not None and res.place is not None and not _plausible(res, resolver, lexicon):
            res = _plausible_candidate(res, resolver, lexicon)
            if res is None and m.kind == "name":
                continue
        if res is not None and res.place is not None:
            if m.kind == "name" and not placed[k] and _stray(m, res, around, resolver.focus):
                continue
            if _guess(res, around, m):
                # Small namesakes only, none near the article's places, and none better than the
                # others ("the western Al-Tal Al-Ahmar area" in Quneitra: six villages of that
                # name lie in Aleppo, Homs and Hasakah): which one is a guess, so none is taken.
                m.resolution = replace(res, place=None, geo_precision=None, reason=_GUESS)
                m.actor = False
                kept.append(m)
                continue
            m.place, m.geo_precision, m.resolution = res.place, res.geo_precision, res
            if m.direction and res.place.kind == "country" and m.start > len(m.direction):
                # "northern Syria" is not Syria: the direction is part of the mention.
                m.start -= len(m.direction) + 1
                m.text = text[m.start : m.end]
                m.geo_precision = 4
        elif m.kind == "name":
            continue
        m.actor = acts_as_government(text, m, m.place, lexicon)
        kept.append(m)
    return kept


def _read_around(
    m: Mention,
    res: Resolution | None,
    around: _Around,
    resolver: Resolver,
    *,
    country: str | None,
    inferred: bool,
) -> Resolution | None:
    """Resolve a mention again among the article's places when they may change the answer."""
    if res is None or res.place is None:
        return res
    if not is_major(res.place):
        # Read among the article's places: another namesake, or a looser spelling of a place
        # its own sentence names ("Tafs City, Daraa's countryside" is Tafas), may lie there.
        surroundings = around.of(m)
        if surroundings and (len(res.candidates) > 1 or surroundings.rank(res.place) > 0):
            return resolver.resolve(m.query, country=country, inferred=inferred, surroundings=surroundings)
    elif res.place.kind == "populated place" and res.place.country != country and len(res.candidates) > 1:
        # A town abroad is meant unless a namesake lies in the unit its own sentence names:
        # "al-Shajara ..., west of Daraa" in a report on Syria is the village in Daraa, not the
        # larger town across the border in Jordan.
        surroundings = around.of(m)
        if surroundings.close_units:
            other = resolver.resolve(m.query, country=country, inferred=inferred, surroundings=surroundings)
            if other.place is not None and other.place.admin1 in surroundings.close_units:
                return other
    return res


class _Placed:
    """Whether each mention's name is written where a place is expected, here or elsewhere.

    "in X", "the village of X", "X town", a dateline, or a list that goes on from such a name
    ("the villages of A, B and C"). Any occurrence of the same name in the article counts for
    all of them. Asked only for the mentions whose reading depends on it, and worked out then.
    """

    def __init__(self, text: str, mentions: list[Mention]) -> None:
        self.text, self.mentions = text, mentions
        self._direct: dict[int, bool] = {}
        self._headlines: dict[int, bool] = {}
        self._by_name: dict[str, list[int]] | None = None

    def __getitem__(self, k: int) -> bool:
        if self.direct(k):
            return True
        if self._by_name is None:
            self._by_name = {}
            for n, m in enumerate(self.mentions):
                self._by_name.setdefault(m.text.casefold(), []).append(n)
        return any(self.direct(n) for n in self._by_name[self.mentions[k].text.casefold()] if n != k)

    def direct(self, k: int) -> bool:
        """Whether this occurrence itself is written where a place is expected."""
        known = self._direct.get(k)
        if known is None:
            known = self._direct[k] = self._direct_uncached(k)
        return known

    def _direct_uncached(self, k: int) -> bool:
        text, m = self.text, self.mentions[k]
        line_start = text.rfind("\n", 0, m.start) + 1
        if m.text.isupper() and not text[line_start : m.start].strip():
            return True  # a dateline's place ("GENEVA, Switzerland -")
        headline = self._headlines.get(line_start)
        if headline is None:
            headline = self._headlines[line_start] = _title_case(text, line_start)
        # In a headline written in title case ("Deal to End Conflict") a capital says nothing.
        if not headline and (
            _place_before(text[max(line_start, m.start - 30) : m.start]) or _PLACE_AFTER.match(text, m.end)
        ):
            return True
        previous = self.mentions[k - 1] if k > 0 else None
        return (
            previous is not None
            and m.start - previous.end < 8
            and bool(_LIST_GAP.match(text[previous.end : m.start]))
            and self.direct(k - 1)
        )


def _title_case(text: str, line_start: int) -> bool:
    """Whether a line is a headline in title case: most of its longer words are capitalised."""
    line_end = text.find("\n", line_start)
    line_end = len(text) if line_end < 0 else line_end
    if line_end - line_start > 200:
        return False  # a paragraph, not a headline
    words = [w for w in text[line_start:line_end].split() if len(w) > 3]
    return len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def _place_before(before: str) -> bool:
    """Whether the words before a name say a place follows ("in the", "the village of")."""
    if not before.endswith((" ", "\u00a0")):
        return False
    words = before.rsplit(None, 2)[-2:]
    if words and words[-1].casefold() == "the":
        words.pop()
    return bool(words) and words[-1].casefold() in _PLACE_WORDS_BEFORE


_WORD_GAP = re.compile(r"[\s\-‐–]+")


def _one_word(m: Mention) -> bool:
    """Whether a mention is one word (an Arabic article before it does not count: "al-Rafid")."""
    words = [w for w in _WORD_GAP.split(m.text.strip()) if w]
    return len([w for w in words if w.casefold() not in ARTICLES]) <= 1


TIE = REASONS[-1]  # "it comes first by id (a tie)"
_GUESS = "several small places bear this name, none near the article's places: not located"


def _guess(res: Resolution, around: _Around, m: Mention) -> bool:
    """Whether a place won only by a tie among small namesakes that all lie away from the article."""
    place = res.place
    if place is None or place.kind != "populated place" or is_major(place) or not res.reason.startswith(TIE):
        return False
    if len(res.candidates) < 2:
        return False
    near = around.of(m)  # built only here: most places are decided by the tests above
    if not near:
        return False
    return all(near.rank(c) == 3 for c in res.candidates if c.kind == "populated place")


def _stray(m: Mention, res: Resolution, around: _Around, focus: frozenset[str]) -> bool:
    """Whether a one-word name is only a lesser town's, away from the article's places.

    Such a match is a common or personal name written with a capital ("So", "Photo by Ayal",
    "Enab Baladi's correspondent"), not a place the article is about. A name is taken without
    support from the article only when it is exactly a city's in the countries of interest
    (100,000+, a governorate seat, or a town of 10,000+), or abroad a capital's or a city's of a
    million ("Reading the statement", "Split between", "Florence Parly said" are no places).
    """
    place = res.place
    if place is None or place.kind != "populated place" or not _one_word(m):
        return False
    if res.match == 0:
        if place.country in focus and (
            place.population >= 100_000 or place.feature in ("PPLC", "PPLA") or is_major(place)
        ):
            return False
        if place.country not in focus and (place.population >= 1_000_000 or _capital(place)):
            return False
    return around.of(m).rank(place) >= 2


def _capital(place: Place) -> bool:
    """Whether a town is its country's capital (within a few km of the capital's point)."""
    country = country_by_code(place.country) if place.country else None
    return (
        country is not None
        and country.capital_lat is not None
        and country.capital_lon is not None
        and distance_km(place.lat, place.lon, country.capital_lat, country.capital_lon) < 15
    )


class _Around:
    """The places an article names for sure, by sentence: the surroundings of its mentions."""

    def __init__(
        self, text: str, mentions: list[Mention], first: list[Resolution | None], placed: _Placed
    ) -> None:
        self.anchors: list[tuple[int, Anchor]] = []
        self.units: list[tuple[int, str, str]] = []
        sure: dict[int, tuple[Anchor, str] | None] = {}  # per answer (a repeated name has one)
        for k, (m, res) in enumerate(zip(mentions, first, strict=True)):
            if res is None or res.place is None or res.match >= 2:
                continue
            place = res.place
            if place.kind not in ("admin1", "populated place") or _dateline(text, m):
                continue  # a dateline says where the reporter is, not where things happened
            if place.kind == "admin1" and place.region:
                self.units.append((m.sentence, place.region, m.text))
            elif place.kind == "populated place" and (is_major(place) or placed[k]):
                if id(res) not in sure:
                    sure[id(res)] = _anchor_of(m, res) if _sure(place, res) else None
                found = sure[id(res)]
                if found is not None:
                    self.anchors.append((m.sentence, found[0]))
                    if found[1]:
                        self.units.append((m.sentence, found[1], m.text))
        self._by_sentence: dict[tuple[int, str], Surroundings] = {}
        # Equal surroundings are one object, so what was resolved among them is asked once: most
        # sentences name no sure place of their own and share the article's.
        self._interned: dict[tuple, Surroundings] = {}
        self._names = {a.name.casefold() for _, a in self.anchors} | {n.casefold() for *_, n in self.units}
        self._wide = tuple(dict.fromkeys(a for _, a in self.anchors))
        self._wide_units = frozenset(u for _, u, _ in self.units)
        self._unit_names = tuple(dict.fromkeys((u, name) for _, u, name in self.units))
        self._close: dict[int, dict[Anchor, None]] = {}
        for n, a in self.anchors:
            self._close.setdefault(n, {})[a] = None
        self._close_units: dict[int, set[str]] = {}
        for n, u, _ in self.units:
            self._close_units.setdefault(n, set()).add(u)

    def of(self, m: Mention) -> Surroundings:
        """Return the places of a mention's sentence, then those of the whole article.

        A name is never its own surroundings: its other occurrences do not count.
        """
        own = m.text.casefold()
        key = (m.sentence, own if own in self._names else "")
        found = self._by_sentence.get(key)
        if found is None:
            if key[1]:
                anchors = [(n, a) for n, a in self.anchors if a.name.casefold() != key[1]]
                units = [(n, u, name) for n, u, name in self.units if name.casefold() != key[1]]
                fields = (
                    tuple(dict.fromkeys(a for n, a in anchors if n == m.sentence)),
                    frozenset(u for n, u, _ in units if n == m.sentence),
                    tuple(dict.fromkeys(a for _, a in anchors)),
                    frozenset(u for _, u, _ in units),
                    self._unit_names,
                )
            else:
                fields = (
                    tuple(self._close.get(m.sentence, ())),
                    frozenset(self._close_units.get(m.sentence, ())),
                    self._wide,
                    self._wide_units,
                    self._unit_names,
                )
            found = self._interned.get(fields)
            if found is None:
                found = self._interned[fields] = Surroundings(*fields)
            self._by_sentence[key] = found
        return found


def _anchor_of(m: Mention, res: Resolution) -> tuple[Anchor, str]:
    """Return the anchor a sure town makes, and its unit when it is named like its governorate."""
    place = res.place
    assert place is not None
    # A town named like its governorate ("in Quneitra") stands for the unit as well.
    unit = next((c.region for c in res.candidates if c.kind == "admin1" and c.region), "")
    return Anchor(m.text, place.lat, place.lon), unit if unit == place.admin1 else ""


def _sure(place: Place, res: Resolution) -> bool:
    """Whether a town is located for sure.

    It is major (see :func:`geo.resolve.is_major`) and its namesakes in its country are not,
    or all those namesakes lie near it.
    """
    others = [
        c
        for c in res.candidates
        if c.place_id != place.place_id and c.kind == "populated place" and c.country == place.country
    ]
    if is_major(place) and not any(is_major(c) for c in others):
        return True
    return all(
        -0.55 < c.lat - place.lat < 0.55
        and -0.55 < c.lon - place.lon < 0.55
        and distance_km(place.lat, place.lon, c.lat, c.lon) <= SURROUNDINGS_KM
        for c in others
    )


def _dateline(text: str, m: Mention) -> bool:
    """Whether a mention is the place of a dateline ("QUNEITRA, Syria (North Press) -")."""
    line_start = text.rfind("\n", 0, m.start) + 1
    return m.text.isupper() and len(m.text) > 2 and not text[line_start : m.start].strip()


def _first_reading(
    text: str,
    mentions: list[Mention],
    k: int,
    resolver: Resolver,
    lexicon: Lexicon,
    country: str | None,
    inferred: bool,
) -> Resolution | None:
    m = mentions[k]
    m.query = _query(text, mentions, k, lexicon)
    res = resolver.resolve(m.query, country=country, inferred=inferred) if m.query else None
    if (res is None or res.place is None) and m.query != m.text:
        m.query = m.text
        res = resolver.resolve(m.text, country=country, inferred=inferred)
    if (
        res is not None
        and res.place is not None
        and res.place.kind == "populated place"
        and m.kind == "name"
        and not m.direction
        and ends_with_word(text[max(0, m.start - 30) : m.start], ("in", "the"))
        and _SETTLEMENT_IN.search(text, max(0, m.start - 30), m.start)
        and (unit := next((c for c in res.candidates if c.kind == "admin1"), None)) is not None
    ):
        # "a rural village in Quneitra", "towns in Daraa": the province of that name, when there is one
        wider = resolver.resolve(f"{m.text} province", country=country, inferred=inferred)
        if wider.place is not None and wider.place.place_id == unit.place_id:
            m.query, res = f"{m.text} province", wider
    return res


_POSSESSIVE_END = re.compile(r"['’]s$")


def _query(text: str, mentions: list[Mention], k: int, lexicon: Lexicon) -> str:
    m = mentions[k]
    written = m.text.replace("_", " ") if "_" in m.text else m.text  # a hashtag's words
    if m.kind != "name":
        return written
    countryside = _COUNTRYSIDE_TEXT.match(written)
    if countryside is not None:
        name, way = countryside["name"] or countryside["name2"], countryside["dir"]
        return f"{way} {name} countryside" if way else f"{name} countryside"
    last = written.split()[-1]
    if last.casefold() in lexicon.admin_suffixes:
        # "Daraa provinces" (of "Sweida and Daraa provinces") is read as one province.
        base = _POSSESSIVE_END.sub("", written[: len(written) - len(last)].strip())
        if last.casefold() == "city":
            return f"the city of {base}"
        return f"{base} {_SINGULAR.get(last.casefold(), last)}"
    plural = _PLURAL_ADMIN.match(text, m.end)
    if plural:
        return f"{written} {'countryside' if plural.group(1) == 'countryside' else 'province'}"
    tail = text[max(0, m.start - 6) : m.start]
    if ("of" in tail or "and" in tail) and _ADMIN_LIST_BEFORE.search(text, max(0, m.start - 60), m.start):
        return f"{written} province"
    if m.direction:
        return f"{m.direction} {written}"
    return written


def _plausible_candidate(res: Resolution, resolver: Resolver, lexicon: Lexicon) -> Resolution | None:
    """Return the best candidate in the countries of interest when the winner is an obscure foreign town."""
    from geo.resolve import precision_of

    for place in res.candidates[1:]:
        if place.country in resolver.focus:
            return replace(
                res,
                place=place,
                geo_precision=precision_of(place.kind, vague=False),
                reason="the best candidate in the region of interest",
            )
    return None


def _plausible(res: Resolution, resolver: Resolver, lexicon: Lexicon) -> bool:
    place = res.place
    if place is None:
        return False
    if place.country in resolver.focus or place.kind in ("country", "admin1", "area") or not place.country:
        return True
    return (
        place.population >= FOREIGN_MIN_POPULATION
        or place.feature in ("PPLC", "PPLA")
        or place.name.casefold() in lexicon.capitals
    )


def acts_as_government(text: str, m: Mention, place: Place | None, lexicon: Lexicon) -> bool:
    """Whether ``m``, read as ``place``, is a capital that stands for its government here.

    "Damascus said", "urged Washington", "the Tel Aviv regime": a capital not written after a
    locative word ("in", "near") names the state that acts, not a place.
    """
    if place is None or (
        place.name.casefold() not in lexicon.capitals and m.text.casefold() not in lexicon.capitals
    ):
        return False
    before = text[max(0, m.start - 40) : m.start]
    if ends_with_word(before, ("in",)) and _ACTOR_PREFIX.search(before):
        return True
    return not (word_near_end(before, _LOCATIVE_WORDS, last=3) and _LOCATIVE_BEFORE.search(before))
