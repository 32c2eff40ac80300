"""Russian word forms the word list lacks.

pyspellchecker's Russian list misses most case and person forms of its words
("заказ" but not "заказа", "доставка" but not "доставку"). A form is known here
when its ending, swapped for another ending of a noun, adjective or verb (or
dropped), gives a listed word with the same stem of four letters or more; a
reflexive "-ся"/"-сь" is taken off first. A typo inside the stem still finds no
listed word and is reported.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["russian_base"]

_ENDINGS = tuple(
    sorted(
        set(
            """
            а я о е ё ы и у ю ь й
            ой ей ою ею ом ем ам ям ах ях ов ев ий ый ая яя ое ее ые ие ую юю
            ами ями ого его ому ему ым им ых их иям ием ией
            ть ти ет ут ют ит ат ят ешь ишь ете ите ем им ал ала ало али ил ила ило или ел ела ело ели
            ай айте ей ейте йте ите
            ость ости остью
            """.split()
        ),
        key=len,
        reverse=True,
    )
)
_MIN_STEM = 4


def russian_base(word: str, known: Mapping[str, int]) -> bool:
    """``word`` (lower case) is a form of a listed Russian word."""
    if _swapped(word, known):
        return True
    for reflexive in ("ся", "сь"):
        if word.endswith(reflexive) and len(word) - 2 > _MIN_STEM:
            bare = word[:-2]
            if bare in known or _swapped(bare, known):
                return True
    return False


def _swapped(word: str, known: Mapping[str, int]) -> bool:
    for ending in _ENDINGS:
        if not word.endswith(ending):
            continue
        stem = word[: -len(ending)]
        if len(stem) < _MIN_STEM:
            continue
        if stem in known:
            return True
        for other in _ENDINGS:
            if other != ending and stem + other in known:
                return True
    return False
