"""Choose the place a phrase means, and say why.

Candidates come from the gazetteer (:mod:`geo.gazetteer`) for each reading of the phrase
(:mod:`geo.phrases`). Among namesakes the resolver prefers, in order:

1. the kind the phrase asks for ("Daraa governorate", "the town of Nawa");
2. for the phrases of a document, its surroundings (:class:`Surroundings`): a small place among
   the places and units the same sentence, then the document, names for sure wins over a
   namesake elsewhere (major places are meant wherever they lie, see :func:`is_major`);
3. the context country (``country=``, a qualifier as in "Tripoli, Lebanon", or the country of the
   other places of the same input, see :meth:`Resolver.resolve_all`), among the places
   spelled as well as the best match;
4. the kind the phrase leans to ("the Daraa countryside" means the governorate when there is one);
5. a likelihood score, the sum of: the population class (0 for 100,000+, 1 for 10,000+, 2 for
   1,000+ or unknown, 3 for fewer; the seat of an administrative unit counts as a town even
   where GeoNames has no population, an admin-1 unit or a named area as 10,000+); the distance
   from the region of interest (0 in Syria, 1 in a neighbouring country, 3 elsewhere); and the
   match (0 the place's own name exactly, 1 an alternate name exactly, 2 or 3 the same with a
   looser spelling, 4 consonants only);
6. in a tie, a place whose own name is the spelling, then the larger population class, the
   region of interest, and a country over a town over an admin-1 unit over other areas (a bare
   "Sweida" is the town), then the better match;
7. proximity to the other places of the input;
8. the larger population.

Places outside the countries of interest are only taken on an exact spelling when a place inside
matches too: "Jileen" is Jillin in Daraa, not Jilin in China.

A user's override (:class:`Overrides`) always wins.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import shapely
import yaml

from conflictmap._yaml import load_yaml
from conflictmap.errors import ConfigurationError, short_repr
from geo.gazetteer import LEVANT, Gazetteer, Place, default_gazetteer, distance_km
from geo.names import exact_key, variant_key
from geo.phrases import Phrase, read_phrase

__all__ = [
    "OVERRIDES_FILENAME",
    "Anchor",
    "Overrides",
    "Resolution",
    "Resolver",
    "Surroundings",
    "abbreviation",
    "is_major",
    "precision_of",
]

OVERRIDES_FILENAME = "conflictmap-overrides.yaml"
BASE_PRECISION = {"populated place": 1, "mountain": 2, "admin1": 3, "area": 3, "country": 4}
# Towns of this size are meant wherever they lie (see is_major).
MAJOR_POPULATION = 10_000
# Seats of administrative units are towns of some size even where GeoNames has no population.
SEAT_POPULATION = {"PPLC": 1_000_000, "PPLA": 100_000, "PPLA2": 20_000, "PPLA3": 2_000}
# A place qualified by a town ("Ras Beirut" in "Beirut-Ras Beirut", "al-Hamidiyah, Quneitra")
# must lie this close to it.
TOWN_RADIUS_KM = 40.0
# Sources disagree on the country of places in occupied or disputed territory (GeoNames puts
# Jerusalem in IL, ACLED in PS; the Golan villages appear under SY and IL): a place listed under
# an overlapping country still counts as "in" the event's country.
COUNTRY_OVERLAPS = {"PS": ("IL",), "IL": ("PS", "SY"), "SY": ("IL",), "LB": ("SY",)}
# GeoNames feature code of abandoned villages: ranked like the smallest places.
ABANDONED = "PPLQ"
# Admin-1 units and named areas rank like towns of 10,000+ when compared with namesakes.
AREA_POPULATION = 10_000
KIND_ORDER = {"country": 0, "populated place": 1, "admin1": 2, "area": 3, "mountain": 4}
REASONS = (
    "it is the kind of place the phrase asks for",
    "it lies among the document's other places",  # which ones is said by Surroundings.why
    "it lies in the context (country, unit or nearby town) and matches the spelling best",
    "it is the kind of place the phrase suggests",
    "it is the nearest to the place named with it",
    "it is larger, nearer the region of interest or better matched by the spelling",
    "the spelling is its own name",
    "it is in a larger population class",
    "it lies nearer the region of interest",
    "countries, then towns, then admin-1 units are preferred",
    "its name matches the spelling more closely",
    "it is closest to the input's other places",
    "it has the larger population",
    "it comes first by id (a tie)",
)


_ABBREVIATION = re.compile(r"^(?:the\s+)?((?:[A-Z]\.){2,4}|[A-Z]{2,3})$", re.IGNORECASE)


def abbreviation(query: str) -> str | None:
    """Return the letters of an abbreviation query ("the U.S." -> "US"), or ``None``.

    An abbreviation is two to four capitals with dots ("U.K.") or two or three without ("UK",
    "UAE", "KSA"); a leading "the" is allowed. Lower-case words ("Ur", "the Ur") are names.
    """
    match = _ABBREVIATION.match(query.strip())
    if not match or not match.group(1).replace(".", "").isupper():
        return None
    return match.group(1).replace(".", "")


def is_major(place: Place) -> bool:
    """Return whether a place is meant wherever it lies (small places are read in their document).

    Units, countries and areas, and towns of 10,000+ (seats of governorates and districts count
    as such, see :data:`SEAT_POPULATION`): a name that a town of this size bears is that town,
    whatever village of the same name lies nearer the document's other places.
    """
    major = _MAJOR.get(place.place_id)
    if major is None:
        major = place.kind != "populated place" or (
            max(place.population, SEAT_POPULATION.get(place.feature, 0)) >= MAJOR_POPULATION
        )
        if len(_MAJOR) > 200_000:
            _MAJOR.clear()
        _MAJOR[place.place_id] = major
    return major


_MAJOR: dict[str, bool] = {}  # place id -> is_major (asked for every namesake of every phrase)


def precision_of(kind: str, *, vague: bool) -> int:
    """Return the ``geo_precision`` of a place of ``kind``, read exactly or vaguely ("near X")."""
    base = BASE_PRECISION.get(kind, 1)
    if vague:
        return {"populated place": 2, "mountain": 2, "country": 3}.get(kind, base)
    return base


# Position of the surroundings key and of the distance tie-breaker in the tuples of Resolver._rank.
_SURROUNDINGS = 1
_DISTANCE = 11
# A place this close to a place the document names for sure is "among its places".
SURROUNDINGS_KM = 40.0


class Anchor(NamedTuple):
    """A place a document names for sure, around which its small places are looked for."""

    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Surroundings:
    """What a document says around a phrase: the places and admin-1 units it names for sure.

    A small place is read among them: a village named in a report about Quneitra is the
    Quneitra village, not a larger namesake 600 km away. In order of strength: what the phrase's
    own sentence names (``close``, ``close_units``: "in Quneitra countryside"), the towns the
    rest of the document names (``wide``), then the admin-1 units it names (``wide_units``).

    Attributes
    ----------
    close, wide
        Anchors (confidently located towns) of the sentence and of the document.
    close_units, wide_units
        Region ids of the admin-1 units named in the sentence and in the document.
    unit_names
        ``(region id, name as written)`` pairs, to say why a place won.
    """

    close: tuple[Anchor, ...] = ()
    close_units: frozenset[str] = frozenset()
    wide: tuple[Anchor, ...] = ()
    wide_units: frozenset[str] = frozenset()
    unit_names: tuple[tuple[str, str], ...] = ()
    # Per place id: its rank (asked for every namesake); per query: the answer among them.
    _ranks: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    _answers: dict[tuple, Resolution] = field(default_factory=dict, compare=False, repr=False)
    _hash: int = field(default=0, compare=False, repr=False)
    _box: tuple[float, float, float, float] = field(default=(0.0, -1.0, 0.0, -1.0), compare=False, repr=False)

    def __post_init__(self) -> None:
        anchors = self.close + self.wide
        if anchors:
            # Every anchor's box at once: most namesakes lie far outside it (one test, not one each).
            lats, lons = [a.lat for a in anchors], [a.lon for a in anchors]
            box = (
                min(lats) - _BOX_DEGREES,
                max(lats) + _BOX_DEGREES,
                min(lons) - _BOX_DEGREES,
                max(lons) + _BOX_DEGREES,
            )
            object.__setattr__(self, "_box", box)

    def __hash__(self) -> int:
        if not self._hash:  # hashed once, when first asked
            fields = (self.close, self.close_units, self.wide, self.wide_units, self.unit_names)
            object.__setattr__(self, "_hash", hash(fields) or 1)
        return self._hash

    def __bool__(self) -> bool:
        return bool(self.close or self.close_units or self.wide or self.wide_units)

    def rank(self, place: Place) -> int:
        """Return how close a place lies to the document's places (0 is closest).

        0 among the places of the phrase's sentence, 1 near a town of the document, 2 in an
        admin-1 unit it names, 3 elsewhere.
        """
        rank = self._ranks.get(place.place_id)
        if rank is None:
            rank = self._ranks[place.place_id] = _surroundings_rank(self, place)
        return rank

    def nearest_km(self, place: Place) -> float:
        """Return the distance from a place to the nearest town the document names (up to 100 km)."""
        near = [
            distance_km(a.lat, a.lon, place.lat, place.lon)
            for a in self.wide
            if -1.0 < a.lat - place.lat < 1.0 and -1.3 < a.lon - place.lon < 1.3
        ]
        return min(100.0, *near) if near else 100.0

    def why(self, place: Place) -> str:
        """Say which named place or unit a place lies among."""
        for anchors, units, level in (
            (self.close, self.close_units, "the same sentence"),
            (self.wide, self.wide_units, "the same text"),
        ):
            found = self._where(place, anchors, units)
            if found:
                return f"it lies {found}, named in {level}"
        return REASONS[_SURROUNDINGS]

    def _where(self, place: Place, anchors: tuple[Anchor, ...], units: frozenset[str]) -> str:
        if place.admin1 and place.admin1 in units:
            return f"in {dict(self.unit_names).get(place.admin1, place.admin1)}"
        near = _nearest(anchors, place.lat, place.lon)
        return "" if near is None else f"{near[0]:.0f} km from {near[1]}"


# A box of this many degrees around a point holds every point SURROUNDINGS_KM away in the
# region (a degree of longitude is 80+ km below 44° N): a cheap test before the distance.
_BOX_DEGREES = 0.55


def _nearest(anchors: tuple[Anchor, ...], lat: float, lon: float) -> tuple[float, str] | None:
    """Return the distance and name of the nearest anchor within SURROUNDINGS_KM, or ``None``."""
    best: tuple[float, str] | None = None
    box = _BOX_DEGREES
    for anchor in anchors:
        if not (-box < anchor.lat - lat < box and -box < anchor.lon - lon < box):
            continue
        d = distance_km(anchor.lat, anchor.lon, lat, lon)
        if d <= SURROUNDINGS_KM and (best is None or d < best[0]):
            best = (d, anchor.name)
    return best


def _surroundings_rank(surroundings: Surroundings, place: Place) -> int:
    if place.admin1 and place.admin1 in surroundings.close_units:
        return 0
    south, north, west, east = surroundings._box
    if south <= place.lat <= north and west <= place.lon <= east:
        if _nearest(surroundings.close, place.lat, place.lon) is not None:
            return 0
        if _nearest(surroundings.wide, place.lat, place.lon) is not None:
            return 1
    return 2 if place.admin1 and place.admin1 in surroundings.wide_units else 3


@dataclass(frozen=True)
class Resolution:
    """The answer to one place query.

    Attributes
    ----------
    query
        The phrase as given.
    place
        The chosen place, or ``None`` when nothing matched.
    geo_precision
        1 exact place, 2 near or part of a place, 3 region, 4 country; ``None`` when not found.
    source
        ``"gazetteer"``, ``"override"`` or the online geocoder's service name.
    reason
        Why this place won (or why nothing was found).
    candidates
        The places considered, best first.
    name_read
        The place name read from the phrase ("Daraa" in "the Daraa countryside").
    match
        How the winner's name matched: 0 exactly (case, accents and punctuation folded), 1 on a
        looser spelling (transliteration variants), 2 on the consonants only.
    """

    query: str
    place: Place | None
    geo_precision: int | None
    source: str
    reason: str
    candidates: tuple[Place, ...] = ()
    name_read: str | None = None
    match: int = 0

    @property
    def found(self) -> bool:
        """Whether a place was found."""
        return self.place is not None

    @property
    def kind(self) -> str | None:
        """``"point"``, ``"region"`` or ``"country"`` (``None`` when not found)."""
        if self.place is None:
            return None
        if self.place.kind == "country":
            return "country"
        return "region" if self.place.is_area else "point"


@dataclass
class Overrides:
    """User decisions that beat the gazetteer: name → place id, or name → coordinates.

    The YAML file maps names to a place id (``"Hamidiyah": gn:174167``) or to coordinates
    (``"Tell al-Hara": {lat: 33.06, lon: 35.98}`` or ``[33.06, 35.98]``), optionally with
    ``name`` and ``geo_precision``.
    """

    entries: dict[str, tuple[Place | str, int | None]] = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def from_file(cls, path: str | Path) -> Overrides:
        """Read an overrides YAML file; errors name the file, entry and value."""
        path = Path(path)
        try:
            data = load_yaml(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
            raise ConfigurationError(f"{path}: cannot read overrides: {err}") from err
        if not isinstance(data, Mapping):
            raise ConfigurationError(
                f"{path}: overrides must be a mapping of name to place id or coordinates"
            )
        entries: dict[str, tuple[Place | str, int | None]] = {}
        for name, value in data.items():
            entries[exact_key(str(name))] = _override_value(path, str(name), value)
        return cls(entries, path)

    @classmethod
    def discover(cls, directory: str | Path = ".") -> Overrides | None:
        """Return the overrides of ``directory/conflictmap-overrides.yaml`` when that file exists."""
        path = Path(directory) / OVERRIDES_FILENAME
        return cls.from_file(path) if path.is_file() else None

    def get(self, name: str) -> tuple[Place | str, int | None] | None:
        """Return the override for ``name`` (place or place id, and precision), matched folded."""
        return self.entries.get(exact_key(name))


def _override_value(path: Path, name: str, value: object) -> tuple[Place | str, int | None]:
    where = f"{path}: override {short_repr(name)}"
    if isinstance(value, str):
        return value.strip(), None
    if isinstance(value, Sequence) and len(value) == 2:
        value = {"lat": value[0], "lon": value[1]}
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{where}: value {short_repr(value)} is neither a place id nor coordinates")
    try:
        lat, lon = float(value["lat"]), float(value["lon"])
    except (KeyError, TypeError, ValueError) as err:
        msg = f"{where}: needs numeric 'lat' and 'lon', got {short_repr(dict(value))}"
        raise ConfigurationError(msg) from err
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ConfigurationError(f"{where}: lat {lat} / lon {lon} out of range")
    precision = value.get("geo_precision", 1)
    if precision not in (1, 2, 3, 4):
        raise ConfigurationError(f"{where}: geo_precision {short_repr(precision)} is not one of 1, 2, 3, 4")
    place = Place(
        f"override:{exact_key(name)}",
        str(value.get("name", name)),
        "populated place",
        str(value.get("country", "")).upper(),
        "",
        0,
        lat,
        lon,
    )
    return place, int(precision)


@dataclass(frozen=True)
class _Context:
    country: str | None = None
    admin1: str | None = None
    near: tuple[float, float] | None = None
    radius_km: float | None = None  # a hard limit around ``near`` ("Ras Beirut" in "Beirut-Ras Beirut")
    strict_admin1: bool = False  # the phrase itself names the unit ("al-Hamidiyah, Quneitra")
    area: str | None = None  # a region id the place must lie in ("Khiam, south Lebanon")
    explicit: bool = True  # the country was given (or written in the phrase), not inferred
    surroundings: Surroundings | None = None  # the places the document names around the phrase


class Resolver:
    """Resolve place phrases against a gazetteer.

    Parameters
    ----------
    gazetteer
        The gazetteer; the shipped one by default.
    overrides
        User overrides; they always win.
    home, focus
        The country of interest and its neighbourhood: namesakes there are preferred when no
        context says otherwise ("Saida" is Sidon, not Saïda in Algeria; "Bosra" is Bosra in
        Syria, not Basra). Syria and its neighbours by default.
    """

    def __init__(
        self,
        *,
        gazetteer: Gazetteer | None = None,
        overrides: Overrides | None = None,
        home: str = "SY",
        focus: Iterable[str] = LEVANT,
    ) -> None:
        self.home = home
        if gazetteer is not None:
            self.gazetteer = gazetteer
        self.overrides = overrides or Overrides()
        self.focus = frozenset(focus)
        self._memo: dict[tuple, Resolution] = {}
        # Per near-less memo key: the reading and candidates the answer was chosen from, when no
        # qualifier was involved. Only the final choice depends on ``near`` (a tie-breaker), so a
        # phrase asked again near other places (articles do, name by name) is only re-ranked.
        self._bases: dict[tuple, tuple[Phrase, tuple[tuple[Place, int], ...], list[tuple[tuple, Place]]]] = {}

    @cached_property
    def gazetteer(self) -> Gazetteer:
        """The gazetteer (the shipped one, loaded on first use, unless one was given).

        Loaded lazily: a run whose events all come with coordinates never resolves a name.
        """
        return default_gazetteer()

    def resolve(
        self,
        query: str,
        *,
        country: str | None = None,
        near: tuple[float, float] | None = None,
        within_country: str | None = None,
        admin1: str | None = None,
        inferred: bool = False,
        surroundings: Surroundings | None = None,
    ) -> Resolution:
        """Resolve one phrase.

        Parameters
        ----------
        query
            A place as written ("Sweida", "the northern Daraa countryside", "Tripoli, Lebanon").
        country
            ISO alpha-2 code of the context country, preferred among namesakes.
        near
            ``(lat, lon)`` of the input's other places, the last tie-breaker.
        within_country
            ISO alpha-2 code the place must lie in (areas without a single country, such as the
            Golan Heights, are allowed too): for events whose source gives the country.
        admin1
            Name or region id of the admin-1 unit the source gives ("Idleb", "SY-ID"): places in it
            are preferred like places in the context country.
        inferred
            Whether ``country`` was inferred from the other places of the input rather than given:
            an inferred country only wins among places spelled as well as the best match
            ("Amman" next to Syrian places is still Amman), a given one always does.
        surroundings
            The places a document names around the phrase: among namesakes that are not major
            places (see :meth:`_rank`), one among them wins over the likelihood score. For the
            phrases of one text, never for a list of unrelated names.

        Returns
        -------
        Resolution
        """
        if within_country:
            country = within_country = within_country.upper()
        if surroundings is not None and not surroundings:
            surroundings = None
        if surroundings is not None:
            return self._among(query, country, near, within_country, admin1, inferred, surroundings)
        memo_key = (query, country, near, within_country, admin1, inferred, None)
        hit = self._memo.get(memo_key)
        if hit is None:
            unit = self._admin1_id(admin1, country) if admin1 else None
            context = _Context(
                country and country.upper(), unit, near, explicit=not inferred, surroundings=surroundings
            )
            if near is not None:
                self.resolve(
                    query, country=country, within_country=within_country, admin1=admin1, inferred=inferred
                )
                base = self._bases.get((query, country, None, within_country, admin1, inferred, None))
                if base is not None:
                    hit = self._memo[memo_key] = self._choose(query, base[0], base[1], context, base[2])
                    return hit
            hit = self._memo[memo_key] = self._resolve(query, context, within_country, memo_key)
        return hit

    def _abbreviation(self, query: str, letters: str, context: _Context) -> Resolution:
        """Resolve an abbreviation: only a place that bears exactly these letters ("US", "U.K.").

        Folded names would let "US" match any town whose looser spelling or airport code folds
        to "us"; an organisation's abbreviation ("UN", "EU") names no place at all.
        """
        # Countries and units only: a town's code ("IDF", Idiofa's) is no abbreviation a report
        # uses for a place (the mention finder takes only these, see extract.places._bears).
        found = tuple(
            (place, tier)
            for place, tier in self.gazetteer.candidates(letters)
            if place.kind != "populated place"
            and any(n.replace(".", "") == letters for n in self.gazetteer.names_of_place(place.place_id))
        )
        if not found:
            return Resolution(
                query,
                None,
                None,
                "gazetteer",
                f"{letters} is an abbreviation no place bears (an organisation, such as the UN or the EU, "
                "is not a place)",
                name_read=letters,
            )
        return self._choose(query, Phrase(query, letters), tuple((p, 0) for p, _ in found), context)

    def _names_a_major_place(self, name: str) -> bool:
        """Whether a name is (strictly) the name of a unit, country, area or town of 10,000+."""
        return any(tier < 2 and is_major(place) for place, tier in self.gazetteer.candidates(name))

    def _among(
        self,
        query: str,
        country: str | None,
        near: tuple[float, float] | None,
        within_country: str | None,
        admin1: str | None,
        inferred: bool,
        surroundings: Surroundings,
    ) -> Resolution:
        """Resolve a phrase among a document's places (kept with them, not in the memo).

        Only the ranking depends on the surroundings: the reading and candidates are those of the
        phrase alone (re-ranked, not looked up again).
        """
        key = (query, country, near, within_country, admin1, inferred)
        hit = surroundings._answers.get(key)
        if hit is not None:
            return hit
        plain = self.resolve(
            query, country=country, near=near, within_country=within_country, admin1=admin1, inferred=inferred
        )
        base = self._bases.get((query, country, None, within_country, admin1, inferred, None))
        context = _Context(
            country and country.upper(),
            self._admin1_id(admin1, country) if admin1 else None,
            near,
            explicit=not inferred,
            surroundings=surroundings,
        )
        if base is None:
            hit = self._resolve(query, context, within_country)
        else:
            extra = self._skeletons_around(base[0], base[1], surroundings)
            if not extra and self._unmoved(plain, base[1], surroundings):
                hit = plain
            elif not extra:  # the same candidates: re-ranked, not ranked anew
                hit = self._choose(query, base[0], base[1], context, base[2])
            else:
                hit = self._choose(query, base[0], base[1] + extra, context)
        surroundings._answers[key] = hit
        return hit

    def _unmoved(self, plain: Resolution, found: tuple[tuple[Place, int], ...], near: Surroundings) -> bool:
        """Whether the surroundings leave the answer of the phrase alone as it is.

        So when none of the namesakes lies among the document's places, or the answer alone
        lies closest to them (then its own reason still says why it won): no ranking anew.
        """
        focus = self.focus
        around = {p.place_id: near.rank(p) if tier < 2 or near.rank(p) == 0 else 3 for p, tier in found}
        if all(a == 3 for a in around.values()):
            return True
        if plain.place is None or is_major(plain.place):
            return False
        best = around[plain.place.place_id]
        # A major place of the region ranks with the best small one (see _scored): no shortcut.
        return all(
            around[p.place_id] > best
            and not (is_major(p) and (p.country in focus or p.kind != "populated place"))
            for p, _ in found
            if p.place_id != plain.place.place_id
        )

    def _skeletons_around(
        self, reading: Phrase, found: tuple[tuple[Place, int], ...], surroundings: Surroundings
    ) -> tuple[tuple[Place, int], ...]:
        """Consonant-only matches that lie among the places of the phrase's own sentence.

        Asked only when no stricter match lies there: "the town of Jbab ... in Daraa countryside"
        is Jibab in Daraa, though namesakes elsewhere carry the spelling "Jbab" itself.
        """
        if any(surroundings.rank(place) == 0 for place, _ in found):
            return ()
        if not (surroundings.close or surroundings.close_units):
            return ()  # only the phrase's own sentence can locate a consonant-only match
        known = {place.place_id for place, _ in found}
        extra = tuple(
            (place, tier)
            for place, tier in self.gazetteer.candidates(reading.name, skeleton=True)
            if tier == 2 and place.place_id not in known and surroundings.rank(place) == 0
        )
        return self._close_spellings(extra, reading.name) if extra else ()

    def _admin1_id(self, name: str, country: str | None) -> str | None:
        units = [p for p, tier in self.gazetteer.candidates(name) if p.kind == "admin1" and tier < 2]
        units = [p for p in units if country is None or p.country == country] or units
        return units[0].region if units else None

    def resolve_all(self, queries: Iterable[str], *, country: str | None = None) -> dict[str, Resolution]:
        """Resolve the place names of one input, using each other as context.

        A first pass resolves every distinct name alone. The country most of the unambiguous
        names lie in becomes the context country (unless ``country`` is given), and the median
        point of those names the proximity anchor; ambiguous names are then resolved again.

        Returns
        -------
        dict
            Distinct query → resolution.
        """
        distinct = list(dict.fromkeys(q for q in queries if q))
        first = {q: self.resolve(q, country=country) for q in distinct}
        sure = [
            r.place
            for r in first.values()
            if r.place is not None and len({c.country for c in r.candidates}) == 1
        ]
        if not sure:
            return first
        context_country = country or Counter(p.country for p in sure).most_common(1)[0][0]
        local = [p for p in sure if p.country == context_country] or sure
        lats, lons = sorted(p.lat for p in local), sorted(p.lon for p in local)
        near = (lats[len(lats) // 2], lons[len(lons) // 2])
        return {
            q: (
                r
                if len(r.candidates) <= 1
                else self.resolve(q, country=context_country, near=near, inferred=country is None)
            )
            for q, r in first.items()
        }

    # ------------------------------------------------------------------ internals

    def _resolve(
        self, query: str, context: _Context, within_country: str | None = None, memo_key: tuple = ()
    ) -> Resolution:
        readings = read_phrase(query)
        for reading in readings:
            override = self.overrides.get(reading.name)
            if override is not None:
                return self._from_override(query, reading, override)
        letters = abbreviation(query)
        if letters is not None:
            return self._abbreviation(query, letters, context)
        contexts: dict[str | None, _Context] = {None: context}
        # Strict keys of every reading first, then the consonant skeletons: the literal phrase
        # matched loosely must not beat a stripped phrase matched exactly.
        for loose in (False, True):
            for reading in readings:
                if reading.suffix_of is not None and self._names_a_major_place(reading.suffix_of):
                    # "western Daraa" is the west of the governorate, not a village "Dara Gharbi":
                    # the Arabic suffix is only read into names that no unit or town bears.
                    continue
                # The second pass also asks the consonant skeleton of every reading: the context
                # may have ruled out all the stricter matches ("Khasham, Deir ez-Zor" is Khusham).
                found = self.gazetteer.candidates(reading.name, skeleton=loose)
                if not found or all((tier < 2) == loose for _, tier in found):
                    continue  # strict pass: not consonants only; loose pass: only what is new
                if reading.qualifier not in contexts:
                    contexts[reading.qualifier] = self._qualified(reading.qualifier, context)
                found = self._plausible(found, contexts[reading.qualifier], within_country, reading.name)
                if found:
                    if (
                        reading.qualifier is None
                        and context.near is None
                        and context.surroundings is None
                        and memo_key
                    ):
                        scored = self._scored(reading, found, context)
                        self._bases[memo_key] = (reading, found, scored)
                        return self._choose(query, reading, found, context, scored)
                    return self._choose(query, reading, found, contexts[reading.qualifier])
        where = f"in {within_country}" if within_country else "in the gazetteer"
        return Resolution(
            query,
            None,
            None,
            "gazetteer",
            f"no place of this name {where}",
            name_read=readings[-1].name if readings else query,
        )

    def _plausible(
        self,
        found: tuple[tuple[Place, int], ...],
        context: _Context,
        within_country: str | None,
        query: str,
    ) -> tuple[tuple[Place, int], ...]:
        """Drop candidates the context rules out, and consonant matches spelled too differently."""
        focus = self.focus
        if any(tier == 2 for _, tier in found):
            found = self._close_spellings(found, query)
        if any(m[0].country in focus for m in found):
            found = tuple(m for m in found if m[1] == 0 or m[0].country in focus or not m[0].country)
        if within_country:
            allowed = {within_country, "", *COUNTRY_OVERLAPS.get(within_country, ())}
            found = tuple(m for m in found if m[0].country in allowed)
        if context.area is not None:
            from geo.regions import default_regions  # polygons are only needed for this case

            area = default_regions()[context.area].geometry
            found = tuple(m for m in found if area.covers(shapely.Point(m[0].lon, m[0].lat)))
        if context.radius_km is not None and context.near is not None:
            found = tuple(
                m for m in found if distance_km(*context.near, m[0].lat, m[0].lon) <= context.radius_km
            )
        if context.admin1 is not None:
            # A consonant-only match is a guess: only taken inside the unit the source names. A
            # unit named in the phrase itself rules out every place outside it.
            found = tuple(
                m
                for m in found
                if (m[1] < 2 and not context.strict_admin1) or context.admin1 in (m[0].admin1, m[0].region)
            )
        return found

    def _close_spellings(
        self, found: tuple[tuple[Place, int], ...], query: str
    ) -> tuple[tuple[Place, int], ...]:
        """Keep consonant-only matches one of whose names is within a few letters of the query."""
        wanted = variant_key(query)
        limit = max(1, len(wanted) // 4)
        return tuple(
            m
            for m in found
            if m[1] < 2
            or min(
                _edits(wanted, variant_key(n), limit) for n in self.gazetteer.names_of_place(m[0].place_id)
            )
            <= limit
        )

    def _qualified(self, qualifier: str, context: _Context) -> _Context:
        """Context from a qualifier: a country, an admin-1 unit, an area, or a town to be near."""
        for reading in read_phrase(qualifier):
            found = [place for place, tier in self.gazetteer.candidates(reading.name) if tier < 2]
            if not found:
                continue
            for kind in ("country", "admin1", "area"):
                for place in found:
                    if place.kind != kind or (reading.kind is not None and reading.kind != kind):
                        continue
                    if kind == "country":
                        return replace(context, country=place.country)
                    if kind == "admin1":
                        return replace(
                            context, country=place.country, admin1=place.region, strict_admin1=True
                        )
                    if place.region:
                        return replace(context, country=place.country or context.country, area=place.region)
            town = self._choose(
                qualifier, Phrase(qualifier, qualifier), tuple((p, 0) for p in found), context
            )
            if town.place is not None:
                return _Context(town.place.country, None, (town.place.lat, town.place.lon), TOWN_RADIUS_KM)
        return context

    def _choose(
        self,
        query: str,
        reading: Phrase,
        found: tuple[tuple[Place, int], ...],
        context: _Context,
        scored: list[tuple[tuple, Place]] | None = None,
    ) -> Resolution:
        """Rank the candidates (or re-rank ``scored``, ranked without ``context.near``)."""
        if scored is None:
            scored = self._scored(reading, found, context)
        elif context.surroundings is not None:
            # Ranked without surroundings: only their key and the distance tie-breaker change.
            near = context.surroundings
            around = self._around(found, near)
            scored = sorted(
                (
                    (
                        rank[0],
                        around[p.place_id],
                        *rank[2:_DISTANCE],
                        round(near.nearest_km(p) / 10) if near.wide and around[p.place_id] < 3 else 0.0,
                        *rank[_DISTANCE + 1 :],
                    ),
                    p,
                )
                for rank, p in scored
            )
        elif context.near is not None:
            near = context.near
            # Only the distance tie-breaker depends on ``near`` (see _rank): the rest is kept.
            scored = sorted(
                (
                    (*rank[:_DISTANCE], round(distance_km(*near, p.lat, p.lon) / 25), *rank[_DISTANCE + 1 :]),
                    p,
                )
                for rank, p in scored
            )
        winner = scored[0][1]
        if len(scored) == 1:
            reason = "the only place of this name"
        else:
            a, b = scored[0][0], scored[1][0]
            step = next((i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y), len(REASONS) - 1)
            why, over = REASONS[step], scored[1][1]
            if context.surroundings is not None and not is_major(winner):
                # Said against the best small namesake the surroundings ruled out, if any: the
                # runner-up may be a major place that lost on other grounds.
                near = context.surroundings
                small = [p for _, p in scored[1:] if not is_major(p)]
                if small and near.rank(winner) < min(near.rank(p) for p in small):
                    why, over = near.why(winner), small[0]
            reason = f"{why} (over {over.name}, {over.country or '-'})"
        tier = dict(found)[winner]
        if tier:
            reason += "; matched on a looser spelling" if tier == 1 else "; matched on the consonants only"
        return Resolution(
            query,
            winner,
            precision_of(winner.kind, vague=reading.vague),
            "gazetteer",
            reason,
            tuple(p for _, p in scored[:10]),
            reading.name,
            tier,
        )

    def _scored(
        self, reading: Phrase, found: tuple[tuple[Place, int], ...], context: _Context
    ) -> list[tuple[tuple, Place]]:
        wanted = variant_key(reading.name)
        best_tier = min(tier for _, tier in found)
        around = self._around(found, context.surroundings) if context.surroundings is not None else {}
        return sorted(
            (
                self._rank(
                    place,
                    tier,
                    variant_key(place.name) == wanted,
                    reading,
                    context,
                    best_tier,
                    around.get(place.place_id, 0),
                ),
                place,
            )
            for place, tier in found
        )

    def _around(self, found: tuple[tuple[Place, int], ...], near: Surroundings) -> dict[str, int]:
        """Each candidate's rank among the document's places (the second key of _rank).

        Small places by how close they lie to the document's places (a consonant-only match only
        when its own sentence names where it lies); a major place of the region (or a unit, a
        country) is meant wherever it lies, so it ranks with the best of them and the likelihood
        score decides between it and them.
        """
        around = {
            place.place_id: near.rank(place) if tier < 2 or near.rank(place) == 0 else 3
            for place, tier in found
        }
        majors = [p for p, _ in found if is_major(p)]
        if majors:
            floor = min((around[p.place_id] for p, _ in found if not is_major(p)), default=0)
            for place in majors:
                if place.country in self.focus or place.kind != "populated place":
                    around[place.place_id] = min(around[place.place_id], floor)
        inside = {p.country for p, _ in found if p.admin1 and p.admin1 in near.close_units}
        if inside:
            # In the unit its sentence names beats near a town it names but across a border, or
            # a larger town there: "al-Shajara ..., west of Daraa" is the village in Daraa
            # governorate, not the town of that name in Jordan, 16 km from Daraa city.
            for place, _ in found:
                if (
                    place.kind == "populated place"
                    and around[place.place_id] == 0
                    and place.country not in inside
                ):
                    around[place.place_id] = 1
        return around

    def _rank(
        self,
        place: Place,
        tier: int,
        primary: bool,
        reading: Phrase,
        context: _Context,
        best_tier: int,
        around: int = 0,
    ) -> tuple:
        pop = max(
            place.population,
            SEAT_POPULATION.get(place.feature, 0),
            AREA_POPULATION if place.kind in ("admin1", "area") else 0,
        )
        # GeoNames leaves most villages at population 0, which means unknown, not empty.
        pop_class = 0 if pop >= 100_000 else 1 if pop >= 10_000 else 3 if 0 < pop < 1_000 else 2
        if place.feature == ABANDONED:
            pop_class = 3  # an abandoned village is meant only when nothing inhabited fits as well
        # Disputed areas (the Golan Heights, Shebaa Farms) have no single country but lie in the region.
        regional = place.country in self.focus or (not place.country and bool(place.region))
        focus = 0 if place.country == self.home else 1 if regional else 3
        if place.kind == "country":
            # A country is meant wherever it lies: "Qatar" is the state, not a Syrian village
            # spelled al-Qatar, however far the state is from the region of interest.
            focus = 0
        match = 4 if tier == 2 else 2 * tier + (not primary)
        # An inferred context wins only for places spelled as well as the best match: "Amman" next
        # to Syrian places is still the Jordanian capital, not a Syrian village spelled "Amanah".
        in_context = (context.country is None and context.admin1 is None) or (
            (tier == best_tier or context.explicit)
            and (context.country is None or place.country == context.country)
            and (context.admin1 is None or place.admin1 == context.admin1 or place.region == context.admin1)
        )
        if place.kind == "country" and tier == 0:
            in_context = True  # a country named exactly is meant, whatever the context country
        distance = 0.0
        if context.near is not None:
            distance = round(distance_km(*context.near, place.lat, place.lon) / 25)  # 25 km steps
        elif context.surroundings is not None and context.surroundings.wide and around < 3:
            # Among the document's places, the nearer one (10 km steps).
            distance = round(context.surroundings.nearest_km(place) / 10)
        return (
            reading.kind is not None and place.kind != reading.kind,
            # Among the document's places (see _scored): a small place is read near the others
            # the document names (a village named in a report about Quneitra is the Quneitra
            # village, even when a namesake elsewhere has the spelling as an alias).
            around,
            not in_context,
            reading.prefer is not None and place.kind != reading.prefer,
            # Qualified by a town or a point-like area ("X in the Yarmouk Basin"): nearest first.
            distance if context.radius_km is not None else 0,
            # One score for how likely a namesake is meant: its size, how far it is from the
            # region of interest, and how well the spelling matches its name.
            pop_class + focus + match,
            # Ties: its own name exactly ("Hatay" the province over Antakya, alias Hatay), then the
            # larger place, the nearer one, a town over the unit named after it ("Hassakeh").
            match != 0,
            pop_class,
            focus,
            KIND_ORDER.get(place.kind, 9),
            match,
            distance,
            -pop,
            place.place_id,
        )

    def _from_override(
        self, query: str, reading: Phrase, entry: tuple[Place | str, int | None]
    ) -> Resolution:
        where = f" ({self.overrides.path})" if self.overrides.path else ""
        value, precision = entry
        if isinstance(value, Place):
            return Resolution(
                query, value, precision or 1, "override", f"user override{where}", (value,), reading.name
            )
        place = self.gazetteer.get(value)
        if place is None:
            msg = f"override for {short_repr(reading.name)}{where}: no place with id {short_repr(value)}"
            raise ConfigurationError(msg)
        return Resolution(
            query,
            place,
            precision_of(place.kind, vague=reading.vague),
            "override",
            f"user override{where}",
            (place,),
            reading.name,
        )


def _edits(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of two keys, or ``limit + 1`` once it is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]
