"""Read the place phrases of news reports: "the northern Daraa countryside", "near Beit Jinn".

A phrase is split into the place name it is about and what it says about that place: the kind
asked for ("Daraa governorate", "the town of Nawa") and whether it points near or into the place
rather than at it ("countryside", "outskirts", "near", a compass direction). The resolver uses the
kind to choose among namesakes and the vagueness to set an honest ``geo_precision``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

__all__ = ["Phrase", "read_phrase"]

DIRECTION = (
    r"(?:north|south|east|west|north[- ]?east|north[- ]?west|south[- ]?east|south[- ]?west|central|"
    r"northern|southern|eastern|western|north[- ]?eastern|north[- ]?western|south[- ]?eastern|"
    r"south[- ]?western|upper|lower|greater)"
)
ADMIN_WORDS = r"(?:governorate|province|muhafazah|muhafazat|mohafazat|mohafazah|wilayah|vilayet|il)"
VAGUE_AFTER = r"(?:outskirts|suburbs|surroundings|environs|vicinity|area|region|hinterland|plain|plains)"
POPULATED_WORDS = r"(?:city|town|village|hamlet|camp|refugee camp|neighbourhood|neighborhood|district)"
NAMED_AFTER_WORDS = r"(?:bridge|crossing|checkpoint|gate|junction|roundabout|airport|air base|airbase)"
MOUNTAIN_WORDS = r"(?:mountain|mountains|heights|hills?|peak|range)"

# Arabic place names put these words after the name ("Eastern Ghariyeh" is al-Ghariyah
# ash-Sharqiyah): an English adjective is also read as the Arabic suffix, as an exact name.
ARABIC_SUFFIXES = {
    "eastern": ("Sharqiyah", "Sharqi"),
    "east": ("Sharqiyah", "Sharqi"),
    "western": ("Gharbiyah", "Gharbi"),
    "west": ("Gharbiyah", "Gharbi"),
    "northern": ("Shamaliyah", "Shamali"),
    "north": ("Shamaliyah", "Shamali"),
    "southern": ("Janubiyah", "Janubi", "Qibliyah", "Qibli"),
    "south": ("Janubiyah", "Janubi"),
    "upper": ("Fawqa", "Fawqani", "Ulya"),
    "lower": ("Tahta", "Tahtani", "Sufla"),
    "big": ("Kabir", "Kabirah", "Kubra"),
    "great": ("Kabir", "Kabirah", "Kubra"),
    "greater": ("Kabir", "Kabirah", "Kubra"),
    "small": ("Saghir", "Saghirah", "Sughra"),
    "little": ("Saghir", "Saghirah", "Sughra"),
    "new": ("Jadid", "Jadidah"),
    "old": ("Qadim", "Qadimah"),
}
# Quarters named after the town: "Daraa al-Balad" (old town), "Daraa al-Mahatta" (station quarter).
QUARTER_WORDS = ("Balad", "Mahatta", "Mahattah", "Mahata")
_ARABIC_WORDS = sorted(
    {w for words in ARABIC_SUFFIXES.values() for w in words} | set(QUARTER_WORDS), key=len, reverse=True
)
TRAILING_SUFFIX = re.compile(
    rf"^(?P<name>.+?)[\s-]+(?:(?:al|el|as|ash|es|ad|at|an|ar|az)[\s-]+)?(?:{'|'.join(_ARABIC_WORDS)})[a-z]*$",
    re.IGNORECASE,
)
SUFFIX_WORDS = re.compile(rf"^(?:the )?(?P<word>{'|'.join(ARABIC_SUFFIXES)}) (?P<name>.+)$", re.IGNORECASE)

DIRECTION_WORD = re.compile(rf"\b{DIRECTION}\b", re.IGNORECASE)
HELD = (
    r"(?:(?:israeli|syrian|turkish|russian|us|u\.s\.)[- ])?(?:occupied|annexed|held|controlled)"
    r"|(?:rebel|opposition|government|regime|kurdish|sdf|militant|jihadist)[- ](?:held|controlled)"
    r"|besieged|war-torn|embattled"
)

# (pattern, kind asked for, vague, kind preferred), tried in order; ``(?P<name>...)`` is the place.
PATTERNS: tuple[tuple[re.Pattern[str], str | None, bool, str | None], ...] = tuple(
    (re.compile(rf"^{pattern}$", re.IGNORECASE), kind, vague, prefer)
    for pattern, kind, vague, prefer in (
        (rf"(?:the )?(?:{ADMIN_WORDS}) of (?P<name>.+)", "admin1", False, None),
        (rf"(?P<name>.+?) {ADMIN_WORDS}", "admin1", False, None),
        (rf"(?:the )?(?:{DIRECTION} )?(?P<name>.+?) countryside", None, True, "admin1"),
        (rf"(?:the )?(?:{DIRECTION} )?countryside of (?P<name>.+)", None, True, "admin1"),
        (r"rural (?P<name>.+)", None, True, "admin1"),
        (rf"(?:the )?(?:{DIRECTION} )?(?P<name>.+?) {VAGUE_AFTER}", None, True, None),
        (rf"(?:the )?(?:{DIRECTION} )?{VAGUE_AFTER} of (?P<name>.+)", None, True, None),
        (
            rf"(?:near|nearby|around|outside|close to|next to|just outside|on the edge of|"
            rf"(?:{DIRECTION} )?of|{DIRECTION} of|(?:\d+ ?km|\d+ kilometres|\d+ kilometers|\d+ miles) "
            rf"(?:{DIRECTION} )?(?:of|from)) (?:the )?(?P<name>.+)",
            None,
            True,
            None,
        ),
        (rf"(?:the )?{POPULATED_WORDS} of (?P<name>.+)", "populated place", False, None),
        # A crossing, bridge or checkpoint named after a place lies at it ("the Karakozak Bridge").
        (rf"(?:the )?(?P<name>.+?) {NAMED_AFTER_WORDS}", None, True, None),
        (r"(?:mukhayyam|mukhayam|mokhayam|mukhaym|camp) (?P<name>.+)", "populated place", False, None),
        (rf"(?P<name>.+?) {POPULATED_WORDS}", "populated place", False, None),
        (rf"(?:the )?{DIRECTION} (?P<name>.+)", None, True, "admin1"),
        # Arabic: "محافظة X" (X governorate), "ريف X" (X countryside), "مدينة X" (the city of X)
        (r"محافظ[ةه] (?P<name>.+)", "admin1", False, None),
        (r"ريف (?P<name>.+)", None, True, "admin1"),
        (r"(?:مدين[ةه]|بلد[ةه]|قري[ةه]) (?P<name>.+)", "populated place", False, None),
        # "درعا البلد", "درعا المحطة": the old town or station quarter of a town, part of it.
        (r"(?P<name>.+?) (?:البلد|المحط[ةه])", None, True, None),
    )
)


@dataclass(frozen=True)
class Phrase:
    """A place phrase read into its parts.

    Attributes
    ----------
    text
        The phrase as written.
    name
        The place name the phrase is about.
    kind
        The kind of place the phrase asks for (see :data:`geo.gazetteer.KINDS`), or ``None``.
    vague
        Whether the phrase points near or into the place rather than at it.
    qualifier
        A trailing qualifier, as in "Tripoli, Lebanon" (``"Lebanon"``), or ``None``.
    prefer
        A kind preferred when the name has namesakes, without being required: "the Daraa
        countryside" means the governorate when there is one.
    directional
        Whether the phrase names a part of the place by direction ("northern Daraa", "west of
        Homs"): the place, but not all of it.
    suffix_of
        For a reading that turns an English adjective into the Arabic suffix ("Eastern Ghariyeh"
        read as "Ghariyeh Sharqiyah"), the name the adjective stands before ("Ghariyeh").
    """

    text: str
    name: str
    kind: str | None = None
    vague: bool = False
    qualifier: str | None = None
    prefer: str | None = None
    directional: bool = False
    suffix_of: str | None = None


def read_phrase(text: str) -> list[Phrase]:
    """Read a place phrase, most literal reading first.

    Parameters
    ----------
    text
        A place as a report writes it.

    Returns
    -------
    list of Phrase
        The whole text taken as a name first (many names contain "Mount" or "countryside"-like
        words), then the readings of :data:`PATTERNS`, which strip the phrase words.

    Examples
    --------
    >>> [(p.name, p.kind, p.vague) for p in read_phrase("the northern Daraa countryside")][-1]
    ('Daraa', None, True)
    """
    cleaned = " ".join(text.replace("\u00a0", " ").split()).strip(" .;:")
    qualifier = None
    if "," in cleaned:
        head, _, tail = cleaned.rpartition(",")
        if head.strip() and tail.strip():
            cleaned, qualifier = head.strip(), tail.strip()
    base = re.sub(r"^(?:in|at|from|into) ", "", cleaned, flags=re.IGNORECASE)
    readings = [Phrase(text, base, None, False, qualifier)]
    # "the occupied Golan Heights", "rebel-held Idlib": who holds a place is not part of its name
    # (the literal text is still tried first: "occupied Golan" is a name of the Golan Heights).
    held = re.sub(rf"^(?:the )?(?:{HELD})\s+", "", base, flags=re.IGNORECASE) or base
    if held != base:
        no_the = re.sub(r"^the ", "", base, flags=re.IGNORECASE)
        readings += [Phrase(text, no_the, None, False, qualifier)] if no_the != base else []
        readings.append(Phrase(text, held, None, False, qualifier))
        base = held
    if " - " in base and qualifier is None:
        # ACLED's "City - Neighbourhood" ("Baghdad - Kadhimiya"): the part, near the whole;
        # failing that, the whole, with the precision of "part of a place".
        whole, _, part = base.partition(" - ")
        inner = read_phrase(part)
        return [
            *readings,
            *(replace(r, text=text, qualifier=whole) for r in inner),
            Phrase(text, whole, None, True, None),
        ]
    possessive = re.match(r"^(?:the )?(?P<qual>[^']+?)['’]s (?P<name>.+)$", base, flags=re.IGNORECASE)
    if possessive and qualifier is None:
        # "Israel's Northern District", "Daraa's eastern countryside": the owner is a qualifier.
        inner = read_phrase(possessive.group("name"))
        return readings + [replace(r, text=text, qualifier=possessive.group("qual")) for r in inner]
    without_the = re.sub(r"^the ", "", base, flags=re.IGNORECASE)
    if without_the != base:
        readings.append(Phrase(text, without_the, None, False, qualifier))
    seen = {without_the.casefold()}
    readings += _part_readings(text, without_the, qualifier)
    for pattern, kind, vague, prefer in PATTERNS:
        match = pattern.match(without_the)
        if not match:
            continue
        name = match.group("name").strip()
        inner = read_phrase(name)[-1] if name.casefold() != without_the.casefold() else None
        # "the northern Daraa countryside": strip the direction the outer pattern left behind.
        if inner is not None and inner.name.casefold() != name.casefold():
            kind = kind or inner.kind
            vague = vague or inner.vague
            prefer = prefer or inner.prefer
            name = inner.name
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            directional = DIRECTION_WORD.search(without_the) is not None
            readings.append(Phrase(text, name, kind, vague, qualifier, prefer, directional))
    return readings


def _part_readings(text: str, name: str, qualifier: str | None) -> list[Phrase]:
    """Return the readings of names made of parts: "City-Part", "X in Y", Arabic suffixes."""
    readings: list[Phrase] = []
    compound = re.match(r"^(?P<whole>[^\s-]{4,})-(?P<part>[A-Z].+)$", name)
    if compound and qualifier is None:
        # "Beirut-Ras Beirut", "Jerusalem-Mea Shearim": tried only after the literal name.
        inner = read_phrase(compound.group("part"))
        readings += [replace(r, text=text, qualifier=compound.group("whole")) for r in inner]
        readings.append(Phrase(text, compound.group("whole"), None, True, None))
    located_in = re.match(r"^(?P<name>.+?) in (?:the )?(?P<where>.+)$", name, flags=re.IGNORECASE)
    if located_in and qualifier is None:
        # "Hadar in Quneitra province", "al-Shajara in the Yarmouk Basin": the second part qualifies.
        inner = read_phrase(located_in.group("name"))
        readings += [replace(r, text=text, qualifier=located_in.group("where")) for r in inner]
    trailing = TRAILING_SUFFIX.match(name)
    if trailing:
        # "Tall al Ahmar al Gharbi" when only "Tall al Ahmar" is known: part of that place.
        readings.append(Phrase(text, trailing.group("name"), None, True, qualifier))
    suffixed = SUFFIX_WORDS.match(name)
    if suffixed:
        for arabic in ARABIC_SUFFIXES[suffixed.group("word").lower()]:
            readings.append(
                Phrase(
                    text,
                    f"{suffixed.group('name')} {arabic}",
                    None,
                    False,
                    qualifier,
                    suffix_of=suffixed.group("name"),
                )
            )
    return readings
