"""Fold place names the way reporters vary them, into index keys.

A name is reduced to three keys, each looser than the one before:

``exact_key``
    Case, diacritics, apostrophes and ʿayn/hamza marks, hyphens, spaces and the Arabic article
    (al-, el-, as-, ash-, ...) removed; Arabic script normalised (hamza seats, alef forms, ta
    marbuta, diacritics, the article ال).
``variant_key``
    Also folds common transliteration variants: Deir/Dayr, Beit/Bayt, Tell/Tal, Jebel/Mount/Jabal,
    Sheikh/Shaykh, Ain/Ein/Ayn, ou/u, ee/i, ei/ey/ai/ay, q/k, doubled letters, and a final
    -a/-ah/-eh/-e; then e is read as a and o as u (Deraa/Daraa, Homs/Hums).
``skeleton_key``
    The consonants of the variant key (vowels and y dropped): "Sweida" and "Suwayda" meet here.
    Only used when the stricter keys find nothing, and only for names of three consonants or more.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["exact_key", "keys", "skeleton_key", "variant_key", "words"]

ARTICLES = frozenset(
    (
        "al",
        "el",
        "il",
        "ul",
        "as",
        "es",
        "is",
        "us",
        "ash",
        "esh",
        "ad",
        "ed",
        "ar",
        "er",
        "az",
        "ez",
        "at",
        "et",
        "an",
        "en",
        "ath",
        "eth",
        "adh",
        "edh",
        "ag",
    )
)
# Letters NFKD leaves alone.
LETTERS = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "æ": "ae", "œ": "oe", "ß": "ss"})
MARKS = re.compile(r"[\u02b9-\u02bf\u02c8\u0027\u2018\u2019\u201b\u0060\u00b4\u2032]")
NON_WORD = re.compile(r"[^0-9a-z\u0600-\u06ff\u0590-\u05ff]+")
ARABIC = re.compile(r"[\u0600-\u06ff]")
ARABIC_DIACRITICS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
ARABIC_LETTERS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ی": "ي",
        "ئ": "ي",
        "ؤ": "و",
        "ة": "ه",
        "ک": "ك",
        "ء": "",
        "ۀ": "ه",
    }
)
# Whole words that are spelled many ways; replaced before the letter-level folding.
WORD_VARIANTS = {
    **dict.fromkeys(("deir", "dayr", "dair", "der", "deyr", "dier"), "dayr"),
    **dict.fromkeys(("beit", "bayt", "bait", "beyt", "bet", "beth"), "bayt"),
    **dict.fromkeys(("tell", "tall", "tal", "tel", "til"), "tal"),
    **dict.fromkeys(
        (
            "jabal",
            "jebel",
            "jabel",
            "jbel",
            "jbal",
            "djebel",
            "gebel",
            "mount",
            "mt",
            "mountain",
            "jebal",
            "jibal",
        ),
        "jabal",
    ),
    **dict.fromkeys(("sheikh", "shaykh", "sheik", "shaikh", "cheikh", "chaikh", "shekh", "sheykh"), "shaykh"),
    **dict.fromkeys(("ain", "ein", "ayn", "ayin", "aine"), "ayn"),
    **dict.fromkeys(("khirbet", "khirbat", "khirba", "kherbet", "khirbit"), "khirbat"),
    **dict.fromkeys(("kafr", "kfar", "kafar", "kefr", "kufr", "kfr"), "kafr"),
    **dict.fromkeys(("abu", "abou", "abo"), "abu"),
    **dict.fromkeys(("umm", "um", "oum", "omm"), "umm"),
    **dict.fromkeys(("bir", "beer", "bi'r", "bier"), "bir"),
    **dict.fromkeys(("wadi", "ouadi", "wady"), "wadi"),
    **dict.fromkeys(("ras", "raas"), "ras"),
    **dict.fromkeys(("qasr", "kasr", "qasser"), "qasr"),
    **dict.fromkeys(("mazraat", "mazraa", "mazraah", "mazrat", "mazrah"), "mazraa"),
    **dict.fromkeys(("saint", "st"), "saint"),
}
LETTER_VARIANTS = (
    (re.compile(r"dj"), "j"),
    (re.compile(r"dh"), "th"),  # ذ is written dh or th: Dhiban, Thiban
    (re.compile(r"ch"), "sh"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"(?:ou|oo)(?=[aei])"), "w"),  # French "oua"/"oui": Beddaoui is Beddawi, Ouadi is Wadi
    (re.compile(r"ou|oo"), "u"),
    (re.compile(r"ee"), "i"),
    (re.compile(r"ei|ey|ai|ay(?![aeiou])"), "ay"),
    (re.compile(r"aw(?![aeiouy])"), "o"),
    (re.compile(r"ck|q|c"), "k"),
    (re.compile(r"(.)\1+"), r"\1"),
    (re.compile(r"(?<=..)(ah|eh|a|e|h)$"), ""),
    (re.compile(r"e"), "a"),
    (re.compile(r"o"), "u"),
    (re.compile(r"(.)\1+"), r"\1"),
)
VOWELS = re.compile(r"[aeiouy]")


@lru_cache(maxsize=1 << 16)
def words(text: str) -> tuple[str, ...]:
    """Split a name into folded words, without the Arabic article.

    Parameters
    ----------
    text
        A place name in Latin, Arabic or Hebrew script.

    Returns
    -------
    tuple of str
        Lower-case ASCII words (or normalised Arabic/Hebrew words).
    """
    text = unicodedata.normalize("NFKC", text)
    if ARABIC.search(text):
        text = ARABIC_DIACRITICS.sub("", text).translate(ARABIC_LETTERS)
        parts = []
        for word in re.split(r"[\s\-_/,.()]+", text):
            if word.startswith("ال") and len(word) > 3:
                word = word[2:]
            if word:
                parts.append(word)
        return tuple(parts)
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(LETTERS))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = MARKS.sub("", plain)
    parts = [w for w in NON_WORD.split(plain) if w]
    # "al-X" is an article; a lone "Al" as the whole name (or "Ain" etc.) is kept.
    kept = [w for w in parts if w not in ARTICLES]
    return tuple(kept or parts)


def exact_key(text: str) -> str:
    """Return the strictest folded key of a name (see module docstring)."""
    return "".join(words(text))


@lru_cache(maxsize=1 << 16)
def variant_key(text: str) -> str:
    """Return the key with transliteration variants folded (see module docstring)."""
    parts = words(text)
    if parts and ARABIC.search(parts[0]):
        return "".join(parts)
    folded = []
    for word in parts:
        word = WORD_VARIANTS.get(word, word)
        for pattern, repl in LETTER_VARIANTS:
            word = pattern.sub(repl, word)
        folded.append(word)
    return "".join(folded)


_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=1 << 16)
def skeleton_key(text: str) -> str:
    """Return the consonant skeleton of the variant key, or ``""`` when it is too short to trust."""
    key = variant_key(text)
    if not key or ARABIC.search(key):
        return ""
    # A function, not the template "\1": re parses a template at every match.
    skeleton = _REPEATS.sub(lambda m: m.group(1), VOWELS.sub("", key))
    return skeleton if len(skeleton) >= 3 else ""


def keys(text: str) -> tuple[str, str, str]:
    """Return ``(exact_key, variant_key, skeleton_key)`` of a name."""
    return exact_key(text), variant_key(text), skeleton_key(text)
