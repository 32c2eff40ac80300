"""TYP: typos in everything a reader sees.

Subject, preheader, body text, link text, and ``alt`` and ``title``
attributes are read in the language their ``lang`` attribute names, with
pyspellchecker's word lists. All TYP rules share ``[tool.oopslint.spelling]``.
"""

from __future__ import annotations

from .typ001_misspelled_word import misspelled_word
from .typ002_unknown_word import unknown_word
from .typ003_repeated_word import repeated_word
from .typ004_flagged_word import flagged_word
from .typ005_spelling_not_checked import spelling_not_checked

RULES = [
    misspelled_word,
    unknown_word,
    repeated_word,
    flagged_word,
    spelling_not_checked,
]

__all__ = ["RULES", "misspelled_word", "unknown_word", "repeated_word", "flagged_word", "spelling_not_checked"]
