"""What the CPN rules share: finding the codes an email promises, reading the
claims written near them, looking each code up once per run, and judging it.

Every CPN rule reads the same judgement (:func:`judgements`), computed once
per email and run, and reports its own part of it.
"""

from __future__ import annotations

import bisect
import re
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from oopslint import Email, SendContext, Span, http
from oopslint.config import ConfigError
from oopslint.coupons import Coupon, CouponSource, SourceError, source_class
from oopslint.templating import MASK_CHAR
from oopslint.text import TextRun, text_runs

if TYPE_CHECKING:
    import asyncio

#: The options every CPN rule shares ([tool.oopslint.coupons]).
OPTIONS: dict[str, Any] = {
    "source": "",
    "file": {},
    "stripe": {},
    "shopify": {},
    "woocommerce": {},
    "http": {},
    "plugin": {},
    "minimum_validity": "24h",
    "link_patterns": [],
    "attribute": "data-coupon",
    "timezone": "UTC",
}

OPTION_DOCS: dict[str, str] = {
    "source": 'Where codes are looked up: "file", "stripe", "shopify", "woocommerce", "http", or a plugin\'s name. '
    "Empty: codes are found but not checked (one info finding says so).",
    "file": "Settings of the file source: path (CSV, JSON or YAML; relative to the configuration file).",
    "stripe": 'Settings of the Stripe source: api_key ("${VAR}"), base_url, stripe_version.',
    "shopify": 'Settings of the Shopify source: access_token ("${VAR}"), base_url (the shop\'s admin origin), '
    "api_version.",
    "woocommerce": 'Settings of the WooCommerce source: base_url, consumer_key and consumer_secret ("${VAR}").',
    "http": "Settings of the generic JSON source: url (with {code}), method, headers, not_found, root, fields, kinds.",
    "plugin": "Settings handed to a third-party coupon source named in source.",
    "minimum_validity": 'How long a code must stay valid after the send ("24h", "2d", "90m").',
    "link_patterns": "Extra regular expressions that find a code in a link; the first group is the code.",
    "attribute": 'The attribute that marks a code explicitly (<span data-coupon="SAVE20">).',
    "timezone": 'Timezone of dates the email states ("valid through December 31") and of bare dates in sources.',
}

BUILT_IN_TABLES = ("file", "stripe", "shopify", "woocommerce", "http")

# ---------------------------------------------------------------- finding codes

# words that introduce a code, in the languages the trigger rules read
_INTRO = (
    r"(?:use|enter|apply|redeem|with|using)\s+(?:the\s+|this\s+|our\s+)?(?:promo(?:tional)?\s+|coupon\s+|discount\s+|"
    r"voucher\s+|offer\s+)?code"
    r"|(?:promo(?:tional)?|coupon|discount|voucher|offer|gift)\s+code"
    r"|gutschein(?:code)?|rabattcode|aktionscode|code\s+promo|code\s+de\s+r[ée]duction|c[oó]digo(?:\s+(?:de\s+)?"
    r"(?:descuento|promocional|promo|cup[oó]n|desconto))?|codice(?:\s+(?:sconto|promozionale|coupon))?"
    r"|kortingscode|actiecode|cupom|cup[oó]n"
)
_CODE = r"[A-Za-z0-9](?:[A-Za-z0-9_-]{1,30}[A-Za-z0-9])"
_PHRASE = re.compile(
    rf"\b(?:{_INTRO})\b(?:\s*(?:is|ist|est|es|[:：\-–—]))?\s*[\"'“‘«]?\s*(?P<code>{_CODE}|{re.escape(MASK_CHAR)}+)",
    re.IGNORECASE,
)
_ENTER_AT_CHECKOUT = re.compile(
    rf"\b(?:enter|use|apply)\s+[\"'“‘«]?(?P<code>{_CODE})[\"'”’»]?\s+(?:at|during|in\s+the)\s+checkout\b",
    re.IGNORECASE,
)
# every match of _PHRASE holds one of these (in its intro words), every match of _ENTER_AT_CHECKOUT
# holds "checkout", under the same case-insensitive matching: a text without them is not searched
_PHRASE_HINT = re.compile(r"cod|c[oó]d|gutschein|cupom|cup[oó]n", re.IGNORECASE)
_PHRASE_WORDS = ("cod", "cód", "gutschein", "cupom", "cupon", "cupón")
_CHECKOUT_HINT = re.compile(r"checkout", re.IGNORECASE)
# the only characters that re.IGNORECASE matches to a letter of those words where str.lower() does not
# give that letter (long s, dotless i; capital I with a dot lowers to two characters)
_CASE_EXCEPTIONS = frozenset("\u017f\u0131\u0130")


def _may_hold_phrase(text: str) -> bool:
    """False when _PHRASE cannot match ``text`` (a quick look instead of the full search)."""
    if not text.isascii() and not _CASE_EXCEPTIONS.isdisjoint(text):
        return _PHRASE_HINT.search(text) is not None
    lowered = text.lower()
    return any(word in lowered for word in _PHRASE_WORDS)


_COUPON_WORDS = re.compile(
    r"\b(?:code|coupon|promo|voucher|discount|gutschein\w*|rabatt\w*|c[oó]digo|codice|kortingscode|cupom|cup[oó]n)\b",
    re.IGNORECASE,
)
#: words that stand in capitals in promotions and are never codes
NOT_CODES = frozenset(
    """LIVE READY FREE NEW SALE NOW TODAY HERE BELOW ABOVE OFF SHOP ORDER CODE COUPON PROMO DISCOUNT SAVE BUY GET
    THANKS THANK HELLO WELCOME BONUS GIFT EXTRA ONLINE STORE CLICK APPLY REDEEM USE ENTER CHECKOUT SHIPPING DELIVERY
    EXCLUSIVE LIMITED OFFER DEAL DEALS HURRY LAST CHANCE ENDS SOON WEEKEND ONLY YOUR YOU THE AND FOR WITH THIS THAT
    ALL ANY OUR AT IS IT TO OF ON IN BY OR A AN BE AS AUTOMATICALLY APPLIED NEEDED REQUIRED BLACK FRIDAY CYBER MONDAY
    SUMMER WINTER SPRING HOLIDAY CHRISTMAS VIP MEMBERS MEMBER""".split()
)
_SHOPIFY_DISCOUNT = re.compile(r"/discount/([^/?#]+)", re.IGNORECASE)
LINK_PARAMETERS = (
    "discount",
    "coupon",
    "promo",
    "promo_code",
    "promocode",
    "prefilled_promo_code",
    "coupon_code",
    "discount_code",
    "voucher",
)
_STYLED_TAGS = frozenset({"strong", "b", "code", "span", "td", "div", "p", "em", "mark", "kbd", "tt", "font", "a"})


@dataclass(frozen=True)
class Mention:
    """One place an email names a code."""

    code: str  # as written ("" when it is a merge tag)
    span: Span | None
    how: str  # attribute | phrase | link | styled
    position: int  # offset in the email's reading text (for claims), -1 for links and attributes
    merge_tag: str | None = None  # the merge tag's expression when the code is per recipient


@dataclass
class _Reading:
    """The email's visible text (body and preheader), its runs joined by a
    newline, each run mapping back to the source (:mod:`oopslint.text.runs`)."""

    text: str
    runs: list[tuple[int, TextRun]]  # (start in text, run)
    pieces: list[tuple[int, Any]]  # (start in text, segment)

    def _run_at(self, position: int) -> tuple[int, TextRun]:
        index = bisect.bisect_right([start for start, _run in self.runs], position) - 1
        return self.runs[max(index, 0)]

    def span(self, email: Email, start: int, end: int) -> Span | None:
        offset, run = self._run_at(start)
        return run.span(email, start - offset, min(end - offset, len(run.text)))

    def segment_at(self, position: int) -> Any:
        offset, run = self._run_at(position)
        chosen = None
        for piece_start, segment in run.pieces:
            if piece_start > position - offset:
                break
            chosen = segment
        return chosen


_READ = ("body text", "preheader")


def _reading(email: Email) -> _Reading:
    parts: list[str] = []
    runs: list[tuple[int, TextRun]] = []
    pieces: list[tuple[int, Any]] = []
    length = 0
    for run in text_runs(email):
        if run.where not in _READ:
            continue
        if parts:
            parts.append("\n")
            length += 1
        runs.append((length, run))
        pieces.extend((length + offset, segment) for offset, segment in run.pieces)
        parts.append(run.text)
        length += len(run.text)
    return _Reading("".join(parts), runs, pieces)


def reading(email: Email) -> _Reading:
    return email.memo("coupons.reading", _reading)


def _plausible(code: str, *, explicit: bool) -> bool:
    """A code-shaped word: never a bare capitalised word such as FREE or LIVE."""
    if not 3 <= len(code) <= 32 or code.upper() in NOT_CODES:
        return False
    has_digit = any(map(str.isdigit, code))
    if explicit:
        # "use code summer20", "promo code: WELCOME": a phrase names it
        return has_digit or code.isupper() or (code[0].isupper() and any(map(str.isupper, code[1:])))
    return has_digit and any(map(str.isalpha, code)) and code.upper() == code


def mentions(email: Email, context: SendContext, options: Mapping[str, Any]) -> list[Mention]:
    """Every place the email names a code, in source order."""
    key = ("coupons.mentions", options["attribute"], tuple(options["link_patterns"]))
    return email.memo(key, lambda e: _find(e, options))


def _find(email: Email, options: Mapping[str, Any]) -> list[Mention]:
    found: list[Mention] = []
    attribute = str(options["attribute"]).lower()
    marked: set[str] = set()
    for element in email.elements if attribute else ():
        value = element.attrs.get(attribute)
        if value is None:
            continue
        value = value.strip()
        token = _merge_tag(value, email)
        if token is not None:
            found.append(Mention("", email.element_span(element), "attribute", -1, merge_tag=token))
        elif value:
            found.append(Mention(value, email.element_span(element), "attribute", -1))
            marked.add(value.casefold())
    patterns = [_compile(p) for p in options["link_patterns"]]
    for link in email.links:
        for code in _codes_in_link(link.url or "", patterns):
            token = _merge_tag(code, email)
            if token is not None:
                found.append(Mention("", link.span, "link", -1, merge_tag=token))
            elif _plausible(code, explicit=True):
                found.append(Mention(code, link.span, "link", -1))
    text = reading(email)
    taken: set[int] = set()
    for pattern in (_PHRASE, _ENTER_AT_CHECKOUT):
        if not (_may_hold_phrase(text.text) if pattern is _PHRASE else _CHECKOUT_HINT.search(text.text)):
            continue
        for match in pattern.finditer(text.text):
            start, end = match.span("code")
            if start in taken:
                continue
            code = match.group("code")
            if MASK_CHAR in code or _masked_at(text.text, start):
                segment = text.segment_at(start)
                expression = _token_expression(segment, start - _piece_start(text, segment))
                found.append(Mention("", text.span(email, start, end), "phrase", start, merge_tag=expression))
                taken.add(start)
            elif _plausible(code, explicit=True):
                found.append(Mention(code, text.span(email, start, end), "phrase", start))
                taken.add(start)
    for piece_start, segment in text.pieces:
        candidate = segment.text.strip()
        element = segment.element
        if (
            not candidate
            or not _plausible(candidate, explicit=False)
            or element is None
            or element.tag not in _STYLED_TAGS
            or not _set_apart(element)
        ):
            continue
        start = piece_start + segment.text.index(candidate)
        if any(abs(start - other) < len(candidate) + 2 for other in taken):
            continue
        window = text.text[max(0, start - 160) : start + len(candidate) + 160]
        if not _COUPON_WORDS.search(window):
            continue
        found.append(Mention(candidate, text.span(email, start, start + len(candidate)), "styled", start))
        taken.add(start)
    found.sort(key=lambda m: (m.span.line, m.span.column) if m.span is not None else (0, 0))
    return found


def _piece_start(text: _Reading, segment: Any) -> int:
    for start, candidate in text.pieces:
        if candidate is segment:
            return start
    return 0


def _masked_at(text: str, start: int) -> bool:
    return start < len(text) and text[start] == MASK_CHAR


def _token_expression(segment: Any, index: int) -> str:
    if segment is None:
        return "merge tag"
    for token in segment.tokens:
        if token.start <= index + 1 and token.end >= index:
            return token.expression
    return segment.tokens[0].expression if segment.tokens else "merge tag"


def _merge_tag(value: str, email: Email) -> str | None:
    from oopslint.templating import find_tokens

    tokens = find_tokens(value, email.dialects)
    return tokens[0].expression if tokens else None


def _set_apart(element: Any) -> bool:
    """A code shown on its own: bold, monospaced, boxed or dashed."""
    style = (element.style or "").lower().replace(" ", "")
    if element.tag in ("strong", "b", "code", "kbd", "tt", "mark"):
        return True
    return any(
        mark in style
        for mark in (
            "border",
            "font-weight:bold",
            "font-weight:7",
            "font-weight:8",
            "font-weight:9",
            "monospace",
            "letter-spacing",
            "background",
        )
    )


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"coupons.link_patterns: {pattern!r} is not a regular expression ({exc})") from None
    if compiled.groups < 1:
        raise ConfigError(f"coupons.link_patterns: {pattern!r} needs a group that captures the code")
    return compiled


def _codes_in_link(href: str, patterns: list[re.Pattern[str]]) -> Iterator[str]:
    try:
        parts = urlsplit(href.strip())
    except ValueError:
        return
    if parts.scheme.lower() not in ("http", "https", ""):
        return
    match = _SHOPIFY_DISCOUNT.search(parts.path)
    if match:
        yield unquote(match.group(1))
    for name, value in parse_qsl(parts.query, keep_blank_values=False):
        if name.lower() in LINK_PARAMETERS and value.strip():
            yield value.strip()
    for pattern in patterns:
        for found in pattern.finditer(href):
            if found.group(1):
                yield unquote(found.group(1))


# ---------------------------------------------------------------- claims


@dataclass(frozen=True)
class Claim:
    """What the copy promises near a code."""

    kind: str  # percent | amount | free_shipping | ends
    text: str
    position: int
    value: Decimal | None = None
    currency: str | None = None
    ends_on: date | None = None


_UP_TO_SOURCE = r"(?:up\s+to|bis\s+zu|jusqu['’]?\s*[àa]|hasta(?:\s+un)?|fino\s+al|tot\s+wel|at[ée])\s*$"
_PERCENT_SOURCE = (
    r"(?:(?:save|take|get|extra|enjoy|spare|sparen\s+sie|[ée]conomisez|ahorra|risparmia|bespaar|economize)\s+)?"
    r"(?<![\d.,])(?P<value>\d{1,3}(?:[.,]\d{1,2})?)\s?%(?:\s*(?:off|discount|rabatt|de\s+r[ée]duction|"
    r"de\s+remise|de\s+descuento|di\s+sconto|korting|de\s+desconto))?"
)
_CURRENCY_SIGNS = {
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "usd": "USD",
    "eur": "EUR",
    "gbp": "GBP",
    "chf": "CHF",
    "cad": "CAD",
    "aud": "AUD",
}
_AMOUNT_SOURCE = (
    r"(?:(?P<sign>[$€£])\s?(?P<a>\d{1,5}(?:[.,]\d{2})?)|(?P<b>\d{1,5}(?:[.,]\d{2})?)\s?(?P<sign2>€|£|\$|EUR|USD|GBP|CHF))"
    r"\s*(?P<off>off|discount|rabatt|de\s+r[ée]duction|de\s+descuento|di\s+sconto|korting|de\s+desconto)"
)
_SAVE_AMOUNT_SOURCE = r"\b(?:save|take|get)\s+(?P<sign>[$€£])\s?(?P<a>\d{1,5}(?:[.,]\d{2})?)\b"
_FREE_SHIPPING_SOURCE = (
    r"free\s+(?:standard\s+)?(?:shipping|delivery)|kostenlose[rn]?\s+(?:versand|lieferung)|gratis[\s-]?versand"
    r"|versandkostenfrei|livraison\s+(?:gratuite|offerte)|env[ií]o\s+gratis|spedizione\s+gratuita"
    r"|gratis\s+verzending|frete\s+gr[aá]tis"
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sep sept",
            "october oct",
            "november nov",
            "december dec",
        ),
        start=1,
    )
    for name in names.split()
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        (
            "monday mon",
            "tuesday tue tues",
            "wednesday wed",
            "thursday thu thur thurs",
            "friday fri",
            "saturday sat",
            "sunday sun",
        )
    )
    for name in names.split()
}
_VALIDITY_SOURCE = (
    r"(?:valid|good|redeemable|available)\s+(?:through|thru|until|till|to|by)|expires?(?:\s+on)?|"
    r"(?:offer\s+|sale\s+|promotion\s+)?ends?(?:\s+on)?|until|through|thru|before|"
    r"g[üu]ltig\s+bis|valable\s+jusqu['’]?\s*au|v[áa]lido\s+hasta(?:\s+el)?|valido\s+fino\s+al|geldig\s+tot|"
    r"v[áa]lido\s+at[ée]"
)
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY_NAMES = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_DATE_SOURCE = (
    rf"(?:(?P<wd0>{_DAY_NAMES}),?\s+)?(?P<mon>{_MONTH_NAMES})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{{4}}))?"
    rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon2>{_MONTH_NAMES})\.?(?:,?\s+(?P<year2>\d{{4}}))?"
    r"|(?P<iso>\d{4}-\d{2}-\d{2})"
    r"|(?P<n1>\d{1,2})/(?P<n2>\d{1,2})(?:/(?P<n3>\d{2}|\d{4}))?"
    rf"|(?:midnight\s+(?:on\s+)?)?(?P<wd>{_DAY_NAMES})\b"
)
_RELATIVE_SOURCE = (
    r"\b(?P<what>today\s+only|tonight\s+only|this\s+weekend\s+only|weekend\s+only|ends\s+tonight|ends\s+today|"
    r"ends\s+(?:this\s+)?(?:sunday|weekend))\b"
)


@cache
def _claim_patterns() -> tuple[re.Pattern[str], ...]:
    """The patterns of what an email promises, compiled on first use: only
    emails with a code to look up need them."""
    return tuple(
        re.compile(source, re.IGNORECASE)
        for source in (
            _UP_TO_SOURCE,
            _PERCENT_SOURCE,
            _AMOUNT_SOURCE,
            _SAVE_AMOUNT_SOURCE,
            _FREE_SHIPPING_SOURCE,
            _VALIDITY_SOURCE,
            _DATE_SOURCE,
            _RELATIVE_SOURCE,
        )
    )


def claims(email: Email, send_day: date) -> list[Claim]:
    return email.memo(("coupons.claims", send_day), lambda e: _claims(reading(e).text, send_day))


def _claims(text: str, send_day: date) -> list[Claim]:
    up_to_re, percent_re, amount_re, save_amount_re, free_shipping_re, validity_re, date_re, relative_re = (
        _claim_patterns()
    )
    found: list[Claim] = []
    for match in percent_re.finditer(text):
        if up_to_re.search(text[max(0, match.start() - 12) : match.start()]):
            continue
        said = match.group(0)
        # a percentage is a discount claim only with a word that makes it one
        if not re.search(
            r"off|discount|rabatt|r[ée]duction|remise|descuento|sconto|korting|desconto|save|take|"
            r"get|extra|enjoy|spare|sparen|conomisez|ahorra|risparmia|bespaar|economize",
            said,
            re.I,
        ):
            continue
        found.append(Claim("percent", said.strip(), match.start("value"), value=_number(match.group("value"))))
    for pattern in (amount_re, save_amount_re):
        for match in pattern.finditer(text):
            if up_to_re.search(text[max(0, match.start() - 12) : match.start()]):
                continue
            groups = match.groupdict()
            sign = groups.get("sign") or groups.get("sign2") or ""
            amount = groups.get("a") or groups.get("b") or "0"
            found.append(
                Claim(
                    "amount",
                    match.group(0).strip(),
                    match.start(),
                    value=_number(amount),
                    currency=_CURRENCY_SIGNS.get(sign.lower(), sign.upper() or None),
                )
            )
    for match in free_shipping_re.finditer(text):
        tail = text[match.end() : match.end() + 40].lower()
        if re.match(r"\s*(?:on\s+(?:all\s+)?orders?\s+(?:over|above)|over|above|ab\s|d[eè]s\s|a\s+partir)", tail):
            # "free shipping on orders over $50" is a shop policy, not this code's promise
            continue
        found.append(Claim("free_shipping", match.group(0), match.start()))
    for match in validity_re.finditer(text):
        after = text[match.end() : match.end() + 40]
        stated = date_re.match(after.lstrip(" :,"))
        if not stated:
            continue
        day = _resolve(stated, send_day)
        if day is not None:
            found.append(Claim("ends", (match.group(0) + " " + stated.group(0)).strip(), match.start(), ends_on=day))
    for match in relative_re.finditer(text):
        what = match.group("what").lower()
        if "today" in what or "tonight" in what:
            day = send_day
        else:
            day = send_day + timedelta(days=(6 - send_day.weekday()) % 7)
        found.append(Claim("ends", match.group(0), match.start(), ends_on=day))
    found.sort(key=lambda c: c.position)
    return found


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def _resolve(match: re.Match[str], today: date) -> date | None:
    """The day a stated date names; None when it cannot be read for sure."""
    groups = match.groupdict()
    try:
        if groups["iso"]:
            return date.fromisoformat(groups["iso"])
        month_name = groups["mon"] or groups["mon2"]
        if month_name:
            month = _MONTHS[month_name.lower()]
            day = int(groups["day"] or groups["day2"])
            year_text = groups["year"] or groups["year2"]
            if year_text:
                return date(int(year_text), month, day)
            candidate = date(today.year, month, day)
            return candidate if candidate >= today else date(today.year + 1, month, day)
        if groups["n1"]:
            first, second = int(groups["n1"]), int(groups["n2"])
            if first <= 12 and second <= 12 and first != second:
                return None  # 05/06: month or day first cannot be told
            month, day = (first, second) if first <= 12 else (second, first)
            year_text = groups["n3"]
            if year_text:
                year = int(year_text) + (2000 if len(year_text) == 2 else 0)
                return date(year, month, day)
            candidate = date(today.year, month, day)
            return candidate if candidate >= today else date(today.year + 1, month, day)
        weekday_name = groups["wd"]
        if weekday_name:
            target = _WEEKDAYS[weekday_name.lower()]
            return today + timedelta(days=(target - today.weekday()) % 7)
    except ValueError:
        return None
    return None


def nearest(found: list[Claim], kind: str, position: int, window: int = 320) -> Claim | None:
    """The claim of ``kind`` closest to ``position``; None when there is none
    within ``window`` characters, or when two that disagree are equally close."""
    near = sorted(
        (abs(claim.position - position), claim)
        for claim in found
        if claim.kind == kind and abs(claim.position - position) <= window
    )
    if not near:
        return None
    best = near[0]
    for distance, other in near[1:]:
        if distance - best[0] > 40:
            break
        if (other.value, other.currency, other.ends_on) != (best[1].value, best[1].currency, best[1].ends_on):
            return None
    return best[1]


# ---------------------------------------------------------------- the judgement


@dataclass
class Checked:
    """One distinct code and what became of it."""

    code: str
    mentions: list[Mention]
    coupon: Coupon | None = None
    unknown: bool = False
    error: str | None = None
    claims: dict[str, Claim] = field(default_factory=dict)

    @property
    def span(self) -> Span | None:
        return self.mentions[0].span

    @property
    def lines(self) -> list[int]:
        return sorted({m.span.line for m in self.mentions if m.span is not None})


@dataclass
class Judgement:
    """Everything the CPN rules report on for one email."""

    checked: list[Checked] = field(default_factory=list)
    unchecked: list[tuple[Mention, str]] = field(default_factory=list)  # (mention, why)
    source_name: str = ""
    send_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    audience: int | None = None
    minimum_validity: timedelta = timedelta(hours=24)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)


def duration(value: Any) -> timedelta:
    match = _DURATION.match(str(value))
    if not match:
        raise ConfigError(f'coupons.minimum_validity = {value!r}: write a duration such as "24h", "2d" or "90m"')
    number = float(match.group(1))
    unit = match.group(2).lower()
    try:
        return (
            timedelta(minutes=number)
            if unit in ("m", "min")
            else timedelta(hours=number * {"h": 1, "d": 24, "w": 168}[unit])
        )
    except OverflowError:
        raise ConfigError(f"coupons.minimum_validity = {value!r} is too long") from None


def make_source(options: Mapping[str, Any], base_dir: Any) -> CouponSource | None:
    name = str(options["source"] or "").strip()
    if not name:
        return None
    cls = source_class(name)
    settings = options[name] if name in BUILT_IN_TABLES else options["plugin"]
    if not isinstance(settings, Mapping):
        raise ConfigError(f"[coupons.{name}] must be a table")
    return cls(settings, base_dir)


# one look-up per code per run, whichever rule or email asks first
_runs: weakref.WeakKeyDictionary[Any, dict[tuple[Any, str], asyncio.Future[Coupon | None]]] = (
    weakref.WeakKeyDictionary()
)


def _options_key(options: Mapping[str, Any]) -> str:
    return repr(sorted((k, repr(v)) for k, v in options.items()))


def _plan(email: Email, context: SendContext, options: Any) -> tuple[Judgement, list[Checked], CouponSource | None]:
    """The part of a judgement that needs neither the source nor an event
    loop: the codes to look up (none when the source is not configured, then
    each is recorded as not checked).

    The send time and the audience are read only when there is a code to look
    up: a batch then sees that the rules' outcome on a template without codes
    depends on no row value, and runs them once, not once per send time."""
    judgement = Judgement(minimum_validity=duration(options["minimum_validity"]))
    source = make_source(options, getattr(options, "base_dir", None))
    judgement.source_name = source.describe() if source is not None else ""
    by_code: dict[str, Checked] = {}
    for mention in mentions(email, context, options):
        code = mention.code
        if mention.merge_tag is not None:
            value = context.get(mention.merge_tag) if context is not None else None
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
                code = str(value).strip()
            else:
                judgement.unchecked.append((mention, "merge-tag"))
                continue
        folded = code.casefold()
        if folded not in by_code:
            by_code[folded] = Checked(code, [])
        by_code[folded].mentions.append(mention)
    if by_code and source is None:
        for checked in by_code.values():
            judgement.unchecked.append((checked.mentions[0], "no-source"))
        by_code = {}
    if by_code:
        judgement.send_at = context.send_at
        audience = context.get("audience_size")
        if isinstance(audience, int) and not isinstance(audience, bool) and audience > 0:
            judgement.audience = audience
    return judgement, list(by_code.values()), source


def nothing_to_look_up(email: Email, context: SendContext, options: Any) -> bool:
    """True when the CPN rules on this email and context finish without
    awaiting anything (no code to look up), so they need no event loop.

    Reads a context value only for a code written as a merge tag, so a batch
    sees that the answer is the same for every row of a template without one."""
    if make_source(options, getattr(options, "base_dir", None)) is None:
        return True  # _plan records every code as not checked
    for mention in mentions(email, context, options):
        if mention.merge_tag is None:
            return False
        value = context.get(mention.merge_tag) if context is not None else None
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return False
    return True


async def judgements(email: Email, context: SendContext, options: Any) -> Judgement:
    """The shared judgement of one email: computed once per email and run."""
    judgement, codes, source = _plan(email, context, options)
    if not codes:
        return judgement
    import asyncio

    run = http.current_session()  # the client itself only once a code is looked up
    per_run: dict[Any, Any] = _runs.setdefault(run, {})
    # by identity, checked through a weak reference: a batch makes a context
    # per row, and a later row's context may get a freed one's id
    key = ("coupons.judgement", id(email), id(context), _options_key(options))
    known = per_run.get(key)
    if known is not None and known[0]() is context and known[1]() is email:
        task: asyncio.Future[Judgement] = known[2]
    else:
        task = asyncio.ensure_future(_judge(email, context, options, run, judgement, codes, source))
        per_run[key] = (weakref.ref(context), weakref.ref(email), task)
        weakref.finalize(context, per_run.pop, key, None)
    return await asyncio.shield(task)


async def _judge(
    email: Email,
    context: SendContext,
    options: Any,
    run: Any,
    judgement: Judgement,
    codes: list[Checked],
    source: CouponSource | None,
) -> Judgement:
    import asyncio

    assert source is not None
    per_run = _runs.setdefault(run, {})
    source_key = (type(source).__name__, _options_key(source.settings))

    async def look_up(code: str) -> Coupon | None:
        key = (source_key, code.casefold())
        future = per_run.get(key)
        if future is None:
            future = asyncio.ensure_future(source.lookup(code))
            per_run[key] = future
        return await asyncio.shield(future)

    answers = await asyncio.gather(*(look_up(c.code) for c in codes), return_exceptions=True)
    send_day = context.send_at.astimezone(zone(options)).date()
    for checked, answer in zip(codes, answers):
        if isinstance(answer, http.HttpError) and answer.kind == "offline":
            judgement.unchecked.append((checked.mentions[0], "offline"))
            continue
        if isinstance(answer, ConfigError):
            raise answer
        if isinstance(answer, SourceError):
            checked.error = str(answer)
        elif isinstance(answer, BaseException):
            if isinstance(answer, (asyncio.CancelledError, KeyboardInterrupt)):
                raise answer
            checked.error = f"{judgement.source_name} failed: {type(answer).__name__}"
        elif answer is None:
            checked.unknown = True
        else:
            checked.coupon = answer
        judgement.checked.append(checked)
    _attribute_claims(judgement.checked, claims(email, send_day), reading(email).text)
    return judgement


_SENTENCE_END = re.compile(r"[.!?]\s|\n")


def _attribute_claims(checked_codes: list[Checked], stated: list[Claim], text: str) -> None:
    """Each claim belongs to the code written nearest to it, a code in the
    same sentence or block first; each code then takes its nearest claim of
    every kind."""
    placed = [(m.position, c) for c in checked_codes for m in c.mentions if m.position >= 0]
    if not placed:
        return
    blocks = [m.start() for m in re.finditer("\n", text)]
    sentences = [m.start() for m in _SENTENCE_END.finditer(text)]

    def where(position: int) -> tuple[int, int]:
        return bisect.bisect_left(blocks, position), bisect.bisect_left(sentences, position)

    def closeness(item: tuple[int, Checked], claim: Claim) -> tuple[bool, bool, int]:
        block, sentence = where(claim.position)
        other_block, other_sentence = where(item[0])
        return other_block != block, other_sentence != sentence, abs(item[0] - claim.position)

    owned: dict[int, list[Claim]] = {}
    for claim in stated:
        _, owner = min(placed, key=lambda item, claim=claim: closeness(item, claim))  # type: ignore[misc]
        owned.setdefault(id(owner), []).append(claim)
    for checked in checked_codes:
        positions = [m.position for m in checked.mentions if m.position >= 0]
        mine = owned.get(id(checked), [])
        if not positions or not mine:
            continue
        for kind in ("percent", "amount", "free_shipping", "ends"):
            chosen = nearest(mine, kind, positions[0])
            if chosen is not None:
                checked.claims[kind] = chosen


def zone(options: Mapping[str, Any]) -> Any:
    name = str(options["timezone"] or "UTC")
    if name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:
        raise ConfigError(
            f"coupons.timezone = {name!r} is not a timezone (use an IANA name such as Europe/Berlin)"
        ) from None


def when(moment: datetime, options: Mapping[str, Any]) -> str:
    """A timestamp as findings show it: ``Dec 20, 2026 23:59 UTC``."""
    local = moment.astimezone(zone(options))
    return f"{local:%b} {local.day}, {local:%Y %H:%M} {local.tzname() or ''}".rstrip()


def money(value: Decimal, currency: str | None) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".") if value != value.to_integral() else f"{value:.0f}"
    return f"{text} {currency}" if currency else text


def percent(value: Decimal) -> str:
    return f"{value.normalize():f}%"


def inactive_reason(checked: Checked, judged: Judgement, options: Mapping[str, Any]) -> str | None:
    coupon = checked.coupon
    if coupon is None:
        return None
    if not coupon.active:
        return f"is not active in {judged.source_name}"
    if coupon.starts_at is not None and coupon.starts_at > judged.send_at:
        return f"only starts on {when(coupon.starts_at, options)}, after the send at {when(judged.send_at, options)}"
    if coupon.ends_at is not None and coupon.ends_at <= judged.send_at:
        return f"expired on {when(coupon.ends_at, options)}, before the send at {when(judged.send_at, options)}"
    if coupon.remaining == 0:
        return f"has no redemptions left ({coupon.times_used} of {coupon.usage_limit} used)"
    return None


def code_list(checked: Checked) -> str:
    lines = checked.lines
    if len(lines) > 1:
        return f"{checked.code} (lines {', '.join(map(str, lines))})"
    return checked.code
