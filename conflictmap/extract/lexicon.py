"""The extraction lexicon: cue words, actors, demonyms, false-positive rules, kept as data.

The defaults live in ``data/extract_lexicon.yaml``; users extend them with files of the same
layout (``--lexicon FILE``): mappings merge by key, lists are extended, scalars replaced.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from conflictmap._yaml import load_yaml
from conflictmap.errors import ConfigurationError, short_repr
from conflictmap.extract.cues import CUE_HEAD, CUE_TAIL, PhraseFinder, cue_alternative, phrase_trie
from conflictmap.resources import data_path

__all__ = ["Lexicon", "cue_pattern", "default_lexicon", "load_lexicon"]

_EVENT_RULE_KEYS = (
    "attack_cues",
    "negations",
    "generic_markers",
    "background_markers",
    "prior_markers",
    "additive_markers",
    "partitive_markers",
    "speaker_words",
    "origin_words",
    "route_words",
    "movement_verbs",
    "place_nouns",
    "background_agreement_markers",
)
_LIST_KEYS = (
    "future_cues",
    "speech_verbs",
    "capitals",
    "locative_words",
    "organisation_heads",
    "organisations",
    "given_names",
    "titles",
    "person_names",
    "common_words",
    "lowercase_places",
    "feature_words_after",
    "feature_words_before",
    "name_heads",
    "named_features",
    "directions",
    "reference_cues",
    "lowercase_name_words",
    # event rules (see data/extract_lexicon.yaml)
    *_EVENT_RULE_KEYS,
)
_MAP_KEYS = ("categories", "actors", "demonyms", "admin_suffixes")


def cue_pattern(cues: Iterable[str]) -> re.Pattern[str] | None:
    """Compile cue phrases into one case-insensitive whole-word pattern (``*``: any word ending)."""
    parts = [
        cue_alternative(cue)
        for cue in sorted({str(c).strip() for c in cues if str(c).strip()}, key=len, reverse=True)
    ]
    if not parts:
        return None
    return re.compile(CUE_HEAD + "|".join(parts) + CUE_TAIL, re.IGNORECASE)


@dataclass(frozen=True)
class Actor:
    """A normalised actor and the phrases that name it."""

    name: str
    kind: str
    pattern: re.Pattern[str] | None


class Lexicon:
    """The merged lexicon, with its cue patterns compiled once.

    Parameters
    ----------
    data
        The merged YAML mapping.
    """

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.categories: dict[str, tuple[re.Pattern[str] | None, re.Pattern[str] | None]] = {}
        # Per category, the cues that count only before a place ("seized the Rasafa oilfield").
        self.place_after: dict[str, re.Pattern[str] | None] = {}
        # Per category, the cues that name an attack without saying how ("attacked", "bombarded"):
        # beside a cue of another military category in the sentence, the attack is that one's.
        self.unspecific: dict[str, re.Pattern[str]] = {}
        # Per category, the weapons that say how ("an Israeli drone also attacked"): before an
        # unspecific cue of another category, the attack is this one's.
        self.weapons: dict[str, re.Pattern[str]] = {}
        for key, spec in (data.get("categories") or {}).items():
            self.categories[key] = (cue_pattern(spec.get("cues", [])), cue_pattern(spec.get("suppress", [])))
            self.place_after[key] = cue_pattern(spec.get("place_after", []) or [])
            unspecific = cue_pattern(spec.get("unspecific", []) or [])
            if unspecific is not None:
                self.unspecific[key] = unspecific
            weapons = cue_pattern(spec.get("weapons", []) or [])
            if weapons is not None:
                self.weapons[key] = weapons
        # Event rules: phrases tried in a few words around a cue (see data/extract_lexicon.yaml).
        words = {key: [str(w) for w in data.get(key, [])] for key in _EVENT_RULE_KEYS}
        self.attack_cues = cue_pattern(words["attack_cues"])
        self.negated = _before_cue(words["negations"], gap=2)
        self.generic = _before_cue(words["generic_markers"], gap=2)
        # both at once: one search per cue
        self.no_event = _before_cue([*words["negations"], *words["generic_markers"]], gap=2)
        # the marker words, found with the cues (event_finder): a cue with none before it needs
        # none of the searches above ("n't" ends a word: looked for apart)
        self.marker_words = [
            w
            for key in (
                "negations",
                "generic_markers",
                "background_markers",
                "background_agreement_markers",
                "prior_markers",
            )
            for w in words[key]
            if w != "n't"
        ]
        # "despite the November 27 ceasefire agreement": a noun phrase, no clause ("since they signed")
        self.background = _before_cue(words["background_markers"], gap=4, no_clause=True)
        self.background_agreement = _before_cue(words["background_agreement_markers"], gap=4, no_clause=True)
        self.prior = _before_cue(words["prior_markers"], gap=4)
        self.additive = _words_pattern(words["additive_markers"])
        self.partitive = _before_cue(words["partitive_markers"], gap=1)
        self.speakers = _words_pattern(words["speaker_words"])
        # "from the Tel Ahmar base", "through the town of X": the words, then "the", a type word
        self.origin_before = _before_cue(words["origin_words"], gap=0, tail=_TYPE_OF)
        self.route_before = _before_cue(words["route_words"], gap=0, tail=_TYPE_OF)
        self.movement = _before_cue(words["movement_verbs"], gap=3, tail=r"(?:to|toward|towards|into)\s+")
        self.place_nouns = cue_pattern(words["place_nouns"])
        self.actors = [
            Actor(name, str(spec.get("kind", "")), cue_pattern(spec.get("cues", [])))
            for name, spec in (data.get("actors") or {}).items()
        ]
        self.future = cue_pattern(data.get("future_cues", []))
        self.speech = cue_pattern(data.get("speech_verbs", []))
        # searched before every place of an event sentence: case variants, no IGNORECASE (faster)
        self.references = _words_pattern(str(c) for c in data.get("reference_cues", []))
        self.demonyms = {str(k).casefold(): str(v or "") for k, v in (data.get("demonyms") or {}).items()}
        self.capitals = {str(c).casefold() for c in data.get("capitals", [])}
        self.locatives = {str(c).casefold() for c in data.get("locative_words", [])}
        self.organisation_heads = {str(c) for c in data.get("organisation_heads", [])}
        self.organisations = [str(c) for c in data.get("organisations", [])]
        self.given_names = {str(c).casefold() for c in data.get("given_names", [])}
        self.titles = {str(c).casefold() for c in data.get("titles", [])}
        self.person_names = {str(c).casefold() for c in data.get("person_names", [])}
        self.common_words = {str(c).casefold() for c in data.get("common_words", [])}
        self.lowercase_places = [str(c) for c in data.get("lowercase_places", [])]
        self.lowercase_name_words = frozenset(str(c) for c in data.get("lowercase_name_words", []))
        self.features_after = {str(c) for c in data.get("feature_words_after", [])}
        self.features_before = {str(c) for c in data.get("feature_words_before", [])}
        self.name_heads = frozenset(str(c).casefold() for c in data.get("name_heads", []))
        self.named_features = [str(c) for c in data.get("named_features", [])]
        self.admin_suffixes = {
            str(k).casefold(): str(v) for k, v in (data.get("admin_suffixes") or {}).items()
        }
        self.directions = {str(c).casefold() for c in data.get("directions", [])}
        self.speaker_only = bool(data.get("statement_speakers_only", True))
        self.background_years = float(data.get("background_years", 2))
        self.organisation_pattern = _names_pattern(self.organisations)
        self.lowercase_pattern = _names_pattern(self.lowercase_places, ignore_case=True)
        self.feature_pattern = _names_pattern(self.named_features)
        after = "|".join(re.escape(w) for w in sorted(self.features_after, key=len, reverse=True))
        before = "|".join(re.escape(w) for w in sorted(self.features_before, key=len, reverse=True))
        # Feature phrases: a capitalised run and a feature word after it ("Yarmouk River") or
        # before it ("Lake Assad").
        # Each comes with a quick test for its feature word: most articles name no feature, and
        # a capitalised run is tried at every capital letter.
        # Each opens with a character set, not "\b" (which makes re try every position): "\b"
        # before a word character is "no word character before it", said after its first letter.
        starts = "|".join(_at_word_start(w) for w in sorted(self.features_before, key=len, reverse=True))
        self.feature_phrases = [
            (re.compile(pattern), re.compile(hint))
            for pattern, hint, words in (
                (rf"{_FEATURE_RUN_START} (?:{after})\b", rf" (?:{after})\b", after),
                (rf"(?:{starts}) {_FEATURE_RUN}\b", rf"(?:{before}) ", before),
            )
            if words
        ]

    @cached_property
    def event_finder(self) -> PhraseFinder:
        """One finder for every category's cues and suppressors and the future words.

        Keys: ``("cue", category)``, ``("suppress", category)``, ``("future", "")``,
        ``("attack", "")`` (words that name an attack without saying how) and ``("marker", "")``
        (negations, background and earlier-event words).
        """
        spec = self.data.get("categories") or {}
        patterns: dict[tuple[str, str], tuple[re.Pattern[str] | None, list[str]]] = {}
        for key, (cues, suppress) in self.categories.items():
            patterns[("cue", key)] = (cues, list(spec[key].get("cues", [])))
            patterns[("suppress", key)] = (suppress, list(spec[key].get("suppress", []) or []))
        patterns[("future", "")] = (self.future, list(self.data.get("future_cues", [])))
        patterns[("attack", "")] = (self.attack_cues, list(self.data.get("attack_cues", [])))
        patterns[("marker", "")] = (cue_pattern(self.marker_words), self.marker_words)
        return PhraseFinder(patterns)

    @cached_property
    def person_leads(self) -> frozenset[str]:
        """The given names and titles (case-folded): the words a personal name may start with."""
        return frozenset(self.given_names | self.titles)

    @cached_property
    def actor_kinds(self) -> dict[str, str]:
        """Actor name → its kind (the first actor of a name, in the lexicon's order)."""
        kinds: dict[str, str] = {}
        for actor in self.actors:
            kinds.setdefault(actor.name, actor.kind)
        return kinds

    @cached_property
    def actor_finder(self) -> PhraseFinder:
        """One finder for the phrases of every actor, keyed by the actor's name."""
        spec = self.data.get("actors") or {}
        return PhraseFinder({a.name: (a.pattern, list(spec[a.name].get("cues", []))) for a in self.actors})


_PRONOUNS = r"(?:i|we|you|he|she|it|they|there|this|that)"
_TYPE_OF = r"(?:the\s+)?(?:[a-z-]+\s+of\s+(?:the\s+)?)?"  # "the town of ", "the "


def _phrases(words: Iterable[str]) -> str:
    """Return an alternation of phrases, longest first; a space stands for white space or a hyphen."""
    ordered = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"[\s-]+") for w in ordered)


class Words:
    """Whole-word matches of a list of words (any usual case), found without a look-behind.

    A look-behind at the start of an expression makes ``re`` try every position (see
    :class:`WordPattern`); the words are searched plainly and a match inside a word is skipped.
    """

    def __init__(self, words: Iterable[str]) -> None:
        # lower case, Capitalised and Title Case spellings, matched exactly: without IGNORECASE,
        # ``re`` skips ahead to the letters the words can start with
        forms = {f for w in words for f in (w.lower(), w[:1].upper() + w[1:].lower(), w.title(), w)}
        # One trie of the forms (shared prefixes), not an alternation tried form by form at each
        # position: the same positions match (only where a match starts is ever read), in a
        # fraction of the time (7 us -> under 1 us for 30 characters and the reference cues).
        self.pattern = re.compile(rf"(?:{phrase_trie(forms, fold=False, wildcard=False)})(?![\w-])")

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> bool:
        """Whether one of the words is in ``text[pos:endpos]`` (the first of :meth:`finditer`).

        Asked a few times per place and event phrase: a plain loop, no generator made per call.
        """
        end = len(text) if endpos is None else endpos
        search = self.pattern.search
        while (m := search(text, pos, end)) is not None:
            start = m.start()
            if start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "_-"):
                return True
            pos = start + 1
        return False

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[int]:
        """Yield the start of each whole-word match in ``text[pos:endpos]``."""
        end = len(text) if endpos is None else endpos
        search = self.pattern.search
        while (m := search(text, pos, end)) is not None:
            start = m.start()
            if start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "_-"):
                yield start
            pos = start + 1


def _words_pattern(words: Iterable[str]) -> Words | None:
    """Return whole-word matches of ``words`` (in lower, Capitalised or Title case)."""
    words = [w.strip() for w in words if w.strip()]
    return Words(words) if words else None


def _before_cue(
    words: Iterable[str], *, gap: int, no_clause: bool = False, tail: str = ""
) -> re.Pattern[str] | None:
    r"""Return a pattern for "one of ``words``, at most ``gap`` words, then the cue", up to the cue.

    Searched with ``pattern.search(sentence, lo, cue_start)``: ``$`` is the cue's start. The words
    in between are plain words (no punctuation); with ``no_clause`` the first is no pronoun (a
    clause: "since they signed"), and ``tail`` must end the gap ("moved from X toward ").
    """
    body = _phrases(words)
    if not body:
        return None
    # "n't" ends a word ("didn't raid"): no word boundary before it
    lead = rf"(?:(?<![\w-])(?:{body})|n't)" if "n't" in body else rf"(?<![\w-])(?:{body})"
    guard = rf"(?!{_PRONOUNS}\b)" if no_clause else ""
    gap_words = rf"(?:{guard}[\w'’.-]+\s+){{0,{gap}}}" if gap else ""
    return re.compile(rf"{lead}\s+{gap_words}{tail}$", re.IGNORECASE)


_FEATURE_RUN = r"[A-Z][\w'’]*(?:[ -](?:al-|el-|ad-|as-|ar-)?[A-Z][\w'’]*){0,2}"
# The same at the start of a word: r"\b" + _FEATURE_RUN, with the word boundary read after the
# first capital (a character set first lets re skip ahead to the capitals).
_FEATURE_RUN_START = r"[A-Z](?<!\w[A-Z])" + _FEATURE_RUN.removeprefix("[A-Z]")


def _at_word_start(word: str) -> str:
    r"""Return ``\b`` + the escaped word, the boundary read after its first character.

    Before a word character ``\b`` means no word character comes before it; a word that starts
    with another character keeps its ``\b`` in front.
    """
    first, rest = re.escape(word[:1]), re.escape(word[1:])
    if re.match(r"\w", word[:1]):
        return rf"{first}(?<!\w{first}){rest}"
    return rf"\b{first}{rest}"


class WordMatch(NamedTuple):
    """A match of a :class:`WordPattern`: its span and text (as ``re.Match`` gives them)."""

    start: int
    end: int
    text: str

    def span(self) -> tuple[int, int]:  # as re.Match.span
        return self.start, self.end

    def group(self) -> str:  # as re.Match.group
        return self.text


class WordPattern:
    r"""Whole-word matches of an expression, as ``(?<!\\w)(?:body)(?!\\w)`` would give them, faster.

    A look-behind at the start of an expression stops ``re`` from skipping ahead to where the
    names can begin, so every position of the text is tried (about 55 µs for 3 KB, against 9 µs
    without it). The body is searched instead, and a match preceded by a word character is
    dropped and the search resumed one character later: the same matches, in the same order.
    Names matched in any case are searched in the lower-cased text.
    """

    def __init__(self, body: str, *, ignore_case: bool) -> None:
        self.ignore_case = ignore_case
        self.body = re.compile(rf"(?:{body})(?!\w)")
        self.pattern = rf"(?<!\w)(?:{body})(?!\w)"  # what it stands for, for messages and tests
        self._any_case = re.compile(self.pattern, re.IGNORECASE) if ignore_case else None

    def finditer(self, text: str) -> Iterator[WordMatch]:
        """Yield the non-overlapping whole-word matches in ``text``, in order."""
        if self.ignore_case:
            low = text.lower()
            if len(low) != len(text):  # a letter whose lower case is longer: the slow way
                for m in self._any_case.finditer(text):  # type: ignore[union-attr]
                    yield WordMatch(m.start(), m.end(), m.group())
                return
        else:
            low = text
        search, pos = self.body.search, 0
        while (m := search(low, pos)) is not None:
            start, end = m.span()
            if start > 0 and (low[start - 1].isalnum() or low[start - 1] == "_"):
                pos = start + 1
                continue
            yield WordMatch(start, end, text[start:end])
            pos = end if end > start else start + 1


def _names_pattern(names: Iterable[str], *, ignore_case: bool = False) -> WordPattern | None:
    """Compile names into one whole-word pattern (exact case unless ``ignore_case``).

    The names share their prefixes (:func:`~conflictmap.extract.cues.phrase_trie`), the longest
    name that matches wins, as in an alternation sorted longest first; a space in a name stands
    for white space or a hyphen.
    """
    trie = phrase_trie(set(names), fold=ignore_case, wildcard=False)
    if trie is None:
        return None
    return WordPattern(trie, ignore_case=ignore_case)


def _merge(base: dict[str, Any], extra: Mapping[str, Any], where: str) -> None:
    for key, value in extra.items():
        if key in _LIST_KEYS:
            if not isinstance(value, list):
                raise ConfigurationError(
                    f"{where}: {short_repr(key)} must be a list, got {type(value).__name__}"
                )
            flags = [v for v in value if isinstance(v, bool)]
            if flags:  # YAML reads a bare on/no/yes as true/false: the word is lost
                raise ConfigurationError(
                    f"{where}: {short_repr(key)} holds {flags[0]!r}, a YAML boolean; quote words such as "
                    '"on", "no" and "yes"'
                )
            base[key] = [*base.get(key, []), *value]
        elif key in _MAP_KEYS:
            if not isinstance(value, Mapping):
                msg = f"{where}: {short_repr(key)} must be a mapping, got {type(value).__name__}"
                raise ConfigurationError(msg)
            merged = dict(base.get(key) or {})
            merged.update(value)
            base[key] = merged
        elif key == "statement_speakers_only":
            base[key] = bool(value)
        elif key == "background_years":
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                msg = f"{where}: 'background_years' must be a number >= 0, got {short_repr(value)}"
                raise ConfigurationError(msg)
            base[key] = float(value)
        else:
            allowed = ", ".join((*_MAP_KEYS, *_LIST_KEYS, "statement_speakers_only", "background_years"))
            raise ConfigurationError(f"{where}: unknown key {short_repr(key)}; allowed: {allowed}")


def _read(path: Path) -> Mapping[str, Any]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ConfigurationError(f"{path}: cannot read the lexicon: {err}") from err
    if not isinstance(data, Mapping):
        raise ConfigurationError(f"{path}: a lexicon is a mapping of sections (categories, actors, ...)")
    for name, spec in (data.get("categories") or {}).items():
        if not isinstance(spec, Mapping) or not isinstance(spec.get("cues", []), list):
            raise ConfigurationError(f"{path}: category {short_repr(name)} needs a list of 'cues'")
        for listed in ("place_after", "unspecific", "weapons"):
            if not isinstance(spec.get(listed, []) or [], list):
                raise ConfigurationError(
                    f"{path}: category {short_repr(name)}: {listed!r} must be a list of cues"
                )
    return data


@cache
def default_lexicon() -> Lexicon:
    """Return the shipped lexicon."""
    return load_lexicon(())


def load_lexicon(files: Iterable[str | Path] = ()) -> Lexicon:
    """Return the shipped lexicon extended by ``files`` (in order).

    Raises
    ------
    ConfigurationError
        A file cannot be read or has a section of the wrong shape.
    """
    base: dict[str, Any] = {}
    shipped = data_path("extract_lexicon.yaml")
    _merge(base, _read(shipped), str(shipped))
    for file in files:
        _merge(base, _read(Path(file)), str(file))
    return Lexicon(base)
