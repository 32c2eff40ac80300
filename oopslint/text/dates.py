"""Dates printed in an email next to order, shipping or delivery words.

"Date shipped: aug 28, 2016", "Ordered on 03/04/2021", "Delivered 2016-08-31".
Text is read as the reader sees it: entities decoded, zero-width characters
(``&zwnj;`` is often put inside dates to stop auto-linking) removed, and text
split across inline elements (``Aug <b>28</b>, 2016``) joined per block.

Understood: English month names (``Aug 28, 2016``, ``28 August 2016``,
``Monday, August 28th 2016``, ``Aug 2016``), ISO (``2016-08-28``,
``2016/08/28``) and numeric dates (``28/08/2016``, ``08.28.16``). A numeric
date whose day and month could be swapped is read in the order configured in
``date_order``, else the order the email's ``lang`` implies (``en-US``
month first; ``en-GB``, ``de``, ``fr`` ... day first); when neither says, both
readings are kept and the date is reported as ambiguous, never guessed.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = ["PrintedDate", "printed_dates", "order_from_lang"]

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MON = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])\.?"
)
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\.?,?\s+)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)(?!\d)"
_ORD = r"(?:st|nd|rd|th)?"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "iso",
        re.compile(
            r"(?<![\d/.\-])(?P<year>(?:19|20)\d\d)(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})(?![\d])"
            r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?(?![\w:]))?",
            re.I,
        ),
    ),
    (
        "numeric",
        re.compile(
            r"(?<![\d/.\-])(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})(?![\d]|[/.\-]\d)"
        ),
    ),
    (
        "month_first",
        re.compile(
            r"\b" + _WEEKDAY + _MON + r"\s*(?P<day>\d{1,2})" + _ORD + r"(?!\d|:\d)(?:(?:\s*,\s*|\s+)" + _YEAR + r")?",
            re.I,
        ),
    ),
    (
        "day_first",
        re.compile(
            r"\b" + _WEEKDAY + r"(?P<day>\d{1,2})" + _ORD + r"(?:\s+of)?\s+" + _MON + r"(?:,?\s+" + _YEAR + r")?", re.I
        ),
    ),
    ("month_year", re.compile(r"\b" + _MON + r",?\s+" + _YEAR, re.I)),
)

#: Label words, by the kind of date they announce.
#: English first; then German, French, Spanish, Italian, Dutch and Portuguese,
#: whose shops print dates the same way ("Bestellung vom 12.11.2019").
_LABELS = (
    (
        "order",
        re.compile(
            r"\b(?:order(?:ed|s)?|purchase[ds]?|placed|bought"
            r"|bestell(?:ung|t|datum)|kauf(?:datum)?|gekauft"
            r"|command(?:e|é|ée)|achat|achet(?:é|ée)"
            r"|pedido|compra(?:do|da)?"
            r"|ordin(?:e|ato|ata)|acquist(?:o|ato|ata)"
            r"|bestelling|besteld|aankoop"
            r"|encomenda)\b",
            re.I,
        ),
    ),
    (
        "ship",
        re.compile(
            r"\b(?:ship(?:ped|ping|ment|s)?|dispatch(?:ed|es)?|fulfil(?:l?ed|ment|lment)"
            r"|versand(?:t|datum)?|verschickt|versendet"
            r"|exp(?:é|e)di(?:é|ée|e|tion)|envoy(?:é|ée)"
            r"|envi(?:ado|ada|o|ío)"
            r"|sped(?:ito|ita|izione)"
            r"|verzonden|verzending)\b",
            re.I,
        ),
    ),
    (
        "delivery",
        re.compile(
            r"\b(?:deliver(?:ed|y|ies|s)?|arriv(?:ed|al|es|ing|e)"
            r"|liefer(?:ung|datum)|geliefert|zugestellt|zustellung"
            r"|livr(?:é|ée|aison)"
            r"|entrega(?:do|da)?|entregue"
            r"|consegn(?:a|ato|ata)"
            r"|geleverd|bezorgd|levering)\b",
            re.I,
        ),
    ),
)
_CLAUSE_RE = re.compile(r"[!?;|•·]\s|\.\s+(?=[A-Z])|\n")
_EXTRA_INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u034f\u180e")
_EXTRA_INVISIBLE_RE = re.compile("[" + "".join(sorted(_EXTRA_INVISIBLE)) + "]")
# every date pattern needs a decimal digit: a run without one holds no date
_DIGIT_RE = re.compile(r"\d")
_SPACE_RE = re.compile(r"\s")  # str.isspace() and \s agree on every character
_LOOKBACK = 48
_MAX_GAP = 30
_DEADLINE_RE = re.compile(
    r"\b(?:by|until|till|before|through|thru|expires?|expiring|valid|ends?|if|when|next"
    r"|estimated|expected|scheduled"
    r"|bis|vor|voraussichtlich|gültig|avant|jusqu|prévue?|valable|antes|hasta|prevista|válido"
    r"|entro|fino|valido|voor|tot|verwacht|geldig|até)\b",
    re.I,
)

_ORDER_BY_LANG_MDY_REGIONS = frozenset(("us", "ph", "fm", "mh", "pw", "as", "gu", "mp", "pr", "um", "vi"))
_YEAR_FIRST_LANGS = frozenset(("ja", "zh", "ko", "hu", "lt", "mn", "fa"))


def order_from_lang(lang: str | None) -> str | None:
    """``"mdy"``, ``"dmy"`` or None (can't tell) for a BCP 47 language tag."""
    if not lang:
        return None
    parts = lang.replace("_", "-").lower().split("-")
    primary = parts[0]
    regions = [p for p in parts[1:] if len(p) == 2 or p.isdigit()]
    region = regions[0] if regions else ""
    if primary == "en":
        if region in _ORDER_BY_LANG_MDY_REGIONS:
            return "mdy"
        if region in ("", "ca"):
            return None
        return "dmy"
    if primary in _YEAR_FIRST_LANGS or not primary.isalpha():
        return None
    return "dmy"


@dataclass(frozen=True)
class PrintedDate:
    """One labelled date found in an email.

    ``readings`` are the possible calendar dates (two for an ambiguous numeric
    date). A date printed without a year has ``month_day`` instead and is read
    as the occurrence nearest the send time. ``precision`` is ``"month"`` for
    ``Aug 2016`` (read as the month's last day, the most lenient reading).
    """

    text: str
    kind: str
    label: str
    span: Any
    readings: tuple[date, ...] = ()
    month_day: tuple[int, int] | None = None
    precision: str = "day"

    @property
    def ambiguous(self) -> bool:
        return len(self.readings) > 1

    def resolve(self, today: date) -> tuple[date, ...]:
        """The readings, with a missing year filled in relative to ``today``."""
        if self.month_day is None:
            return self.readings
        month, day = self.month_day
        options = []
        for year in (today.year - 1, today.year, today.year + 1):
            if day <= calendar.monthrange(year, month)[1]:
                options.append(date(year, month, day))
        return (min(options, key=lambda d: abs((d - today).days)),)


@dataclass
class _Run:
    """Text of consecutive segments in one block, with a map back to segments."""

    text: str
    pieces: list[tuple[int, Any, list[int] | None]]  # (run offset, segment, index map or None)


def printed_dates(email: Any, date_order: str = "auto") -> list[PrintedDate]:
    """Every labelled date in the email, in reading order (computed once per
    email and ``date_order``, through ``email.memo``)."""
    found: list[PrintedDate] = email.memo(("oopslint.text.dates", date_order), lambda e: _scan(e, date_order))
    return found


def _runs(email: Any) -> list[_Run]:
    runs: list[_Run] = []
    current: _Run | None = None
    current_block: Any = None
    previous: Any = None
    for segment in email.reading_segments():
        if segment.kind not in ("text", "subject"):
            continue
        block = segment.block if segment.kind == "text" else None
        text = segment.text
        index_map = None
        if _EXTRA_INVISIBLE_RE.search(text):
            kept = [i for i, c in enumerate(text) if c not in _EXTRA_INVISIBLE]
            index_map = kept
            text = "".join(text[i] for i in kept)
        if current is None or block is None or block is not current_block or segment.kind == "subject":
            current = _Run("", [])
            runs.append(current)
            current_block = block
        elif _spaced(email, previous, segment):
            current.text += " "  # whitespace-only text between two inline elements
        current.pieces.append((len(current.text), segment, index_map))
        current.text += text
        previous = segment
    return runs


_TAG_RE = re.compile(r"<[^>]*>")


def _spaced(email: Any, before: Any, after: Any) -> bool:
    if before is None or before.text[-1:].isspace() or after.text[:1].isspace():
        return False
    try:
        gap = email.html[before.offset(len(before.text)) : after.start]
    except (AttributeError, IndexError, TypeError):
        return False
    return _SPACE_RE.search(_TAG_RE.sub("", gap)) is not None or "&nbsp;" in gap or "&#160;" in gap


def _locate(run: _Run, index: int) -> tuple[Any, int]:
    """The segment and its own text index for ``run.text[index]``."""
    chosen = run.pieces[0]
    for piece in run.pieces:
        if piece[0] <= index:
            chosen = piece
        else:
            break
    offset, segment, index_map = chosen
    local = index - offset
    if index_map is not None:
        local = index_map[local] if local < len(index_map) else (index_map[-1] + 1 if index_map else 0)
    return segment, local


def _span(email: Any, run: _Run, start: int, end: int) -> Any:
    first, first_index = _locate(run, start)
    last, last_index = _locate(run, max(start, end - 1))
    if first is last:
        return email.segment_span(first, first_index, last_index + 1)
    if first.source == "header" or last.source == "header":
        return email.segment_span(first, first_index, len(first.text))
    return email.span(first.offset(first_index), last.offset(last_index) + 1)


def _scan(email: Any, date_order: str) -> list[PrintedDate]:
    found: list[PrintedDate] = []
    runs = _runs(email)
    email_order = date_order if date_order in ("dmy", "mdy") else order_from_lang(getattr(email, "lang", None))
    previous_tail = ""
    for run in runs:
        text = run.text
        if _DIGIT_RE.search(text):
            for start, end, readings, month_day, precision in _dates_in(text, date_order, email_order, run):
                label = _label(text[max(0, start - _LOOKBACK) : start], previous_tail)
                if label is None:
                    continue
                kind, word = label
                found.append(
                    PrintedDate(
                        text=" ".join(text[start:end].split()),
                        kind=kind,
                        label=word,
                        span=_span(email, run, start, end),
                        readings=readings,
                        month_day=month_day,
                        precision=precision,
                    )
                )
        stripped = text.strip()
        if stripped:
            previous_tail = stripped[-_LOOKBACK:]
    return found


def _label(before: str, previous_tail: str) -> tuple[str, str] | None:
    """The label word nearest before a date, within its clause; the previous
    block's tail counts when the date opens its block ("Date shipped:" | "Aug 28").
    A deadline ("next purchase if used by June 30", "arrives by") is not a label."""
    window = _clause_tail(before)
    if not any(c.isalpha() for c in window):
        window = _clause_tail(previous_tail) + " " + window
    best: tuple[int, str, str] | None = None
    for kind, pattern in _LABELS:
        for match in pattern.finditer(window):
            if best is None or match.end() > best[0]:
                best = (match.end(), kind, match.group().lower())
    if best is None:
        return None
    gap = window[best[0] :]
    if len(gap) > _MAX_GAP or _DEADLINE_RE.search(gap):
        return None
    return best[1], best[2]


def _clause_tail(text: str) -> str:
    cuts = list(_CLAUSE_RE.finditer(text))
    cut = cuts[-1] if cuts else None
    return text[cut.end() :] if cut is not None else text


_Candidate = tuple[int, int, tuple[date, ...], tuple[int, int] | None, str]
_Parsed = tuple[tuple[date, ...], tuple[int, int] | None, str]


def _dates_in(text: str, date_order: str, email_order: str | None, run: _Run) -> Iterator[_Candidate]:
    """(start, end, readings, month_day, precision) for each date, leftmost-longest."""
    candidates: list[_Candidate] = []
    for name, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            parsed = _parse(name, m, date_order, email_order, run)
            if parsed is not None:
                candidates.append((m.start(), m.end(), *parsed))
    candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    taken_until = -1
    for candidate in candidates:
        if candidate[0] >= taken_until:
            taken_until = candidate[1]
            yield candidate


def _valid(year: int, month: int, day: int) -> date | None:
    if not 1 <= month <= 12 or day < 1:
        return None
    if day > calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def _parse(name: str, m: re.Match[str], date_order: str, email_order: str | None, run: _Run) -> _Parsed | None:
    if name == "iso":
        value = _valid(int(m.group("year")), int(m.group("month")), int(m.group("day")))
        return ((value,), None, "day") if value else None
    if name == "numeric":
        a, b = int(m.group("a")), int(m.group("b"))
        raw_year = m.group("year")
        year = int(raw_year)
        if len(raw_year) == 2:
            year += 2000 if year < 70 else 1900
        if not 1990 <= year <= 2099:
            return None
        if m.group("sep") == "." and len(raw_year) == 2 and a <= 12 and b <= 12:
            # 1.2.16 is as likely a version number as a date
            return None
        order = date_order if date_order in ("dmy", "mdy") else (_segment_order(run, m.start()) or email_order)
        day_first = _valid(year, b, a)
        month_first = _valid(year, a, b)
        if a == b or not day_first or not month_first:
            value = day_first or month_first
            return ((value,), None, "day") if value else None
        if order == "dmy":
            return (day_first,), None, "day"
        if order == "mdy":
            return (month_first,), None, "day"
        return (month_first, day_first), None, "day"
    month = _MONTHS[m.group("mon")[:3].lower()]
    if name == "month_year":
        year = int(m.group("year"))
        return (date(year, month, calendar.monthrange(year, month)[1]),), None, "month"
    day = int(m.group("day"))
    year_text = m.group("year")
    if year_text is None:
        # "may 5" and "march 3" are too often verbs to read without a year
        if m.group("mon").lower() in ("may", "march") and m.group("mon")[0].islower():
            return None
        if not 1 <= day <= 31 or _valid(2000, month, day) is None:
            return None
        return (), (month, day), "day"
    value = _valid(int(year_text), month, day)
    return ((value,), None, "day") if value else None


def _segment_order(run: _Run, index: int) -> str | None:
    segment, _ = _locate(run, index)
    return order_from_lang(getattr(segment, "lang", None))
