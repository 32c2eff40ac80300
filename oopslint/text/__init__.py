"""What several rule families read in an email's text, documented for any rule.

A rule may import this module (it is part of the rule API, like
:mod:`oopslint.templating` and :mod:`oopslint.styles`); rule families never
import each other, so logic two of them need lives here.

Visible text
    :func:`text_runs` gives the text a reader sees, one :class:`TextRun` per
    block (inline elements joined), per ``alt``/``title`` attribute and for
    the subject, with offsets that map back to the source (``run.span``).
    :func:`place_of` names where a segment sits ("body text", "preheader",
    "alt text" ...).

Filler text
    :func:`find_filler` finds lorem ipsum (also Latin passages that never say
    "lorem ipsum"), themed generators ("Bacon ipsum") and the "Far far away,
    behind the word mountains" blind text in one run of text;
    :func:`filler_segments` gives the segments of every run that holds filler.

Dates
    :func:`printed_dates` reads the order, shipping and delivery dates printed
    in an email ("Date shipped: Aug 28, 2016", "Bestellt am 03.04.2021"), each
    a :class:`PrintedDate` with its span and readings; :func:`order_from_lang`
    tells day-first from month-first languages.

Phrases of seven languages
    :data:`EVENT_PHRASES` (and compiled, :data:`EVENT_PHRASE_PATTERNS`): what
    an email announces ("has shipped", "wurde versandt", "a été livrée" ...)
    in English, German, French, Spanish, Italian, Dutch and Portuguese;
    :func:`event_phrases` finds them all in one text;
    :func:`is_hedged` tells a promise ("once it has shipped") from news.

Results that depend only on the email are computed once per email through
``email.memo`` and shared by every rule that asks.
"""

from __future__ import annotations

from .dates import PrintedDate, order_from_lang, printed_dates
from .filler import (
    BLIND_TEXT,
    FILLER_SIGNATURE,
    THEMED_IPSUM,
    Filler,
    filler_segments,
    find_filler,
    is_filler_word,
    is_themed_ipsum,
)
from .phrases import EVENT_PHRASE_PATTERNS, EVENT_PHRASES, event_phrases, is_hedged
from .runs import TextRun, place_of, text_runs

__all__ = [
    "TextRun",
    "text_runs",
    "place_of",
    "Filler",
    "FILLER_SIGNATURE",
    "THEMED_IPSUM",
    "BLIND_TEXT",
    "find_filler",
    "filler_segments",
    "is_filler_word",
    "is_themed_ipsum",
    "PrintedDate",
    "printed_dates",
    "order_from_lang",
    "EVENT_PHRASES",
    "EVENT_PHRASE_PATTERNS",
    "event_phrases",
    "is_hedged",
]
