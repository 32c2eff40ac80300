"""English word forms the frequency list may lack: inflections ("subscribers",
"reactivating") and British spellings ("colour", "organisation")."""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["inflection_of", "english_base", "british_variant", "EN_PREFIXES"]

_INFLECTION_PAIRS = frozenset(
    frozenset(pair)
    for pair in (
        ("", "s"),
        ("", "es"),
        ("", "d"),
        ("", "ed"),
        ("", "r"),
        ("", "er"),
        ("", "ers"),
        ("", "ing"),
        ("", "ly"),
        ("", "n"),
        ("", "en"),
        ("", "y"),
        ("e", "y"),
        ("a", "e"),
        ("s", "d"),
        ("s", "r"),
        ("d", "r"),
        ("s", "ed"),
        ("er", "ed"),
        ("ed", "ing"),
        ("e", "ing"),
        ("y", "ies"),
        ("y", "ied"),
        ("s", "n"),
        ("e", "es"),
    )
)


def inflection_of(word: str, other: str) -> bool:
    """True when two words differ only in an inflection-like ending
    ("subscribers"/"subscriber", "horribly"/"horrible"): then the unknown
    word is more likely a valid form the list lacks than a typo."""
    i = 0
    limit = min(len(word), len(other))
    while i < limit and word[i] == other[i]:
        i += 1
    return i >= 3 and frozenset((word[i:], other[i:])) in _INFLECTION_PAIRS


_EN_SUFFIXES = (
    ("s", ""),
    ("es", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("ier", "y"),
    ("iers", "y"),
    ("iest", "y"),
    ("ily", "y"),
    ("iness", "y"),
    ("ed", ""),
    ("ed", "e"),
    ("d", ""),
    ("ing", ""),
    ("ing", "e"),
    ("er", ""),
    ("er", "e"),
    ("ers", ""),
    ("ers", "e"),
    ("est", ""),
    ("est", "e"),
    ("ly", ""),
    ("ly", "le"),
    ("ness", ""),
    ("ment", ""),
    ("ments", ""),
    ("able", ""),
    ("able", "e"),
    ("ably", ""),
    ("ful", ""),
    ("less", ""),
    ("ship", ""),
    ("ity", ""),
    ("ize", ""),
    ("ization", "ize"),
    ("ation", "e"),
    ("ation", ""),
    ("al", ""),
)
EN_PREFIXES = (
    "un",
    "re",
    "pre",
    "non",
    "co",
    "sub",
    "multi",
    "auto",
    "over",
    "under",
    "out",
    "mis",
    "dis",
    "de",
    "anti",
    "inter",
    "super",
    "micro",
    "semi",
    "mini",
    "mega",
    "e",
)
# British spellings mapped to the American ones the word list holds
_EN_BRITISH = (
    ("our", "or"),
    ("isation", "ization"),
    ("ise", "ize"),
    ("ised", "ized"),
    ("ises", "izes"),
    ("ising", "izing"),
    ("yse", "yze"),
    ("ysed", "yzed"),
    ("ysing", "yzing"),
    ("tre", "ter"),
    ("tres", "ters"),
    ("ogue", "og"),
    ("ogues", "ogs"),
    ("lled", "led"),
    ("lling", "ling"),
    ("ller", "ler"),
    ("llers", "lers"),
    ("ence", "ense"),
    ("mme", "m"),
    ("mmes", "ms"),
)


_EN_SUFFIXES_BY_LAST_LETTER: dict[str, tuple[tuple[str, str], ...]] = {
    last: tuple(pair for pair in _EN_SUFFIXES if pair[0][-1] == last) for last in {s[-1] for s, _ in _EN_SUFFIXES}
}


def english_base(word: str, known: Mapping[str, int]) -> bool:
    """An inflected or derived form of a listed word ("subscribers",
    "reactivating"), unless the same form is listed with another spelling:
    "shiped" is not accepted because "shipped" is listed."""
    for suffix, replacement in _EN_SUFFIXES_BY_LAST_LETTER.get(word[-1:], ()):
        if len(word) <= len(suffix) + 2 or not word.endswith(suffix):
            continue
        stem = word[: -len(suffix)] + replacement
        if stem in known:
            if not _other_spelling_listed(word, stem, suffix, known):
                return True
        elif (
            replacement == ""
            and suffix[0] in "aeiouy"
            and len(stem) > 3
            and stem[-1] == stem[-2]
            and stem[:-1] in known
            and stem[:-1] + suffix not in known
        ):
            return True  # doubled final consonant: shipping -> ship, unless "visited" is listed
    return False


def _other_spelling_listed(word: str, stem: str, suffix: str, known: Mapping[str, int]) -> bool:
    alternatives = []
    if stem.endswith("e"):
        alternatives.append(stem[:-1] + suffix)  # dropped e: making, truly
    if suffix[0] in "aeiouy":
        alternatives.append(stem + stem[-1] + suffix)  # doubled consonant: shipped, beginning, occurred
        if not stem.endswith("e"):
            alternatives.append(stem + "e" + suffix)
        if stem.endswith("y"):
            alternatives.append(stem[:-1] + "i" + suffix)
    return any(alt != word and alt in known for alt in alternatives)


_BRITISH_PART = re.compile("|".join(sorted({re.escape(british) for british, _ in _EN_BRITISH})))
_BRITISH_OUR_TAILS = ("", "s", "ed", "ing", "ite", "ites", "able", "ably", "ful", "er", "ers", "ism", "less", "ist")


def british_variant(word: str, known: Mapping[str, int]) -> bool:
    """ "colour", "organisation", "centre", "travelled": the list holds the
    American spelling (or an inflection of it)."""
    if _BRITISH_PART.search(word, 2) is None:
        return False  # the common case, in one scan
    for british, american in _EN_BRITISH:
        start = word.find(british, 2)
        while start >= 2:
            rest = word[start + len(british) :]
            if british != "our" or rest in _BRITISH_OUR_TAILS:
                variant = word[:start] + american + rest
                if variant in known or english_base(variant, known):
                    return True
            start = word.find(british, start + 1)
    return False
