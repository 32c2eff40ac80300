"""Phrases that say what a transactional email announces, in the seven
languages oopslint reads them in (English, German, French, Spanish, Italian,
Dutch, Portuguese).

``EVENT_PHRASES`` maps an event type (``shipped``, ``delivered``,
``order_confirmation``, ``password_reset``, ``abandoned_cart``,
``back_in_stock``, ``review_request``) to regular expressions;
``EVENT_PHRASE_PATTERNS`` holds one compiled, case-insensitive pattern per type
(compiled on first use);
``event_phrases(text)`` gives every match of every type in one text (one
combined scan first, so text that holds no phrase costs one search).
``is_hedged(text, start)`` tells a promise ("we'll email you once it has
shipped") from news ("it has shipped").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping

__all__ = ["EVENT_PHRASES", "EVENT_PHRASE_PATTERNS", "event_phrases", "is_hedged"]

EVENT_PHRASES: dict[str, tuple[str, ...]] = {
    "shipped": (
        r"\b(?:has|have)\s+(?:now\s+|just\s+)?(?:been\s+)?(?:shipped|dispatched|sent\s+out|left\s+our\s+warehouse)\b",
        r"\b(?:is|are)\s+(?:now\s+)?on\s+(?:its|their|the)\s+way\b",
        r"\bon\s+(?:its|their)\s+way\b",
        r"\bout\s+for\s+delivery\b",
        r"\b(?:shipping|shipment|dispatch)\s+confirmation\b",
        r"\b(?:order|package|parcel|items?|shipment)\s+(?:was\s+|were\s+)?(?:shipped|dispatched)\b",
        r"\bwe(?:'ve|’ve|\s+have)\s+(?:just\s+)?(?:shipped|dispatched)\b",
        r"\btrack\s+your\s+(?:order|package|parcel|shipment|delivery)\b",
        # de, fr, es, it, nl, pt
        r"\bwurde\s+(?:heute\s+|soeben\s+)?(?:versandt|verschickt|versendet)\b",
        r"\b(?:ist|sind)\s+(?:jetzt\s+)?unterwegs\b",
        r"\bversandbestätigung\b",
        r"\ba\s+été\s+expédiée?s?\b",
        r"\b(?:est|sont)\s+en\s+route\b",
        r"\bconfirmation\s+d[’']expédition\b",
        r"\b(?:ha|han)\s+sido\s+enviad[oa]s?\b",
        r"\b(?:está|están)\s+en\s+camino\b",
        r"\bè\s+stat[oa]\s+spedit[oa]\b",
        r"\b(?:is|zijn)\s+(?:verzonden|onderweg)\b",
        r"\bfoi\s+enviad[oa]\b",
    ),
    "delivered": (
        r"\b(?:has|have)\s+been\s+delivered\b",
        r"\b(?:was|were)\s+(?:successfully\s+)?delivered\b",
        r"\bdelivery\s+confirmation\b",
        r"\b(?:order|package|parcel|items?|shipment)\s+(?:has\s+|have\s+)?arrived\b",
        r"\bdelivered\s*!",
        r"\bwurde\s+(?:erfolgreich\s+)?(?:zugestellt|geliefert)\b",
        r"\ba\s+été\s+livrée?s?\b",
        r"\b(?:ha|han)\s+sido\s+entregad[oa]s?\b",
        r"\bè\s+stat[oa]\s+consegnat[oa]\b",
        r"\b(?:is|zijn)\s+(?:bezorgd|afgeleverd)\b",
        r"\bfoi\s+entregue\b",
    ),
    "order_confirmation": (
        r"\border\s+(?:confirmed|confirmation)\b",
        r"\bconfirm(?:ed|ing)?\s+your\s+order\b",
        r"\bthanks?\s+(?:you\s+)?for\s+your\s+(?:order|purchase)\b",
        r"\bwe(?:'ve|’ve|\s+have)\s+(?:just\s+)?received\s+your\s+order\b",
        r"\byour\s+order\s+(?:has\s+been|is|was)\s+(?:placed|confirmed|received)\b",
        r"\border\s+received\b",
        r"\bbestellbestätigung\b",
        r"\b(?:vielen\s+)?dank\s+für\s+(?:ihre|deine)\s+bestellung\b",
        r"\bconfirmation\s+de\s+(?:votre\s+)?commande\b",
        r"\bmerci\s+pour\s+votre\s+commande\b",
        r"\bconfirmación\s+de(?:l)?\s+pedido\b",
        r"\bgracias\s+por\s+(?:tu|su)\s+(?:pedido|compra)\b",
        r"\bconferma\s+d(?:ell)?[’']ordine\b",
        r"\bgrazie\s+per\s+il\s+tuo\s+ordine\b",
        r"\borderbevestiging\b",
        r"\bbedankt\s+voor\s+(?:je|uw)\s+bestelling\b",
    ),
    "password_reset": (
        r"\breset\s+(?:your\s+|the\s+)?password\b",
        r"\bpassword\s+reset\b",
        r"\bforgot\s+(?:your\s+)?password\b",
        r"\bpasswort\s+zurückzusetzen\b|\bpasswort\s+zurücksetzen\b",
        r"\bréinitialiser\s+(?:votre\s+)?mot\s+de\s+passe\b",
        r"\brestablecer\s+(?:tu\s+|su\s+)?contraseña\b",
        r"\breimpostare\s+(?:la\s+)?password\b",
        r"\bwachtwoord\s+(?:opnieuw\s+instellen|resetten)\b",
    ),
    "abandoned_cart": (
        r"\bleft\s+(?:something\s+|some\s+items\s+|items?\s+|these\s+)?(?:behind\s+)?in\s+your\s+(?:cart|basket|bag)\b",
        r"\bstill\s+in\s+your\s+(?:cart|basket|bag)\b",
        r"\byour\s+(?:cart|basket|bag)\s+(?:is\s+waiting|misses\s+you)\b",
        r"\bcomplete\s+your\s+(?:purchase|order|checkout)\b",
        r"\bforg[eo]t\s+something\b",
    ),
    "back_in_stock": (
        r"\bback\s+in\s+stock\b",
        r"\b(?:is|are)\s+(?:now\s+)?available\s+again\b",
        r"\brestocked\b",
    ),
    "review_request": (
        r"\breview\s+your\s+(?:recent\s+)?(?:purchase|order|items?|product)\b",
        r"\b(?:leave|write)\s+(?:us\s+)?a\s+review\b",
        r"\brate\s+your\s+(?:recent\s+)?(?:purchase|order|items?|product)\b",
        r"\bhow\s+(?:did|do)\s+you\s+like\b",
        r"\bhow\s+was\s+your\s+(?:order|purchase)\b",
    ),
}


class _CompiledPhrases(Mapping[str, "re.Pattern[str]"]):
    """:data:`EVENT_PHRASES` compiled, one type's pattern on first use: most
    texts hold no phrase at all, and compiling every type costs a cold start
    more than the lint of a small email."""

    def __init__(self, phrases: Mapping[str, tuple[str, ...]]) -> None:
        self._phrases = phrases
        self._compiled: dict[str, re.Pattern[str]] = {}

    def __getitem__(self, kind: str) -> re.Pattern[str]:
        pattern = self._compiled.get(kind)
        if pattern is None:
            pattern = re.compile("|".join(f"(?:{p})" for p in self._phrases[kind]), re.I)
            self._compiled[kind] = pattern
        return pattern

    def __iter__(self) -> Iterator[str]:
        return iter(self._phrases)

    def __len__(self) -> int:
        return len(self._phrases)

    def __repr__(self) -> str:
        return f"EVENT_PHRASE_PATTERNS({', '.join(self._phrases)})"


EVENT_PHRASE_PATTERNS: Mapping[str, re.Pattern[str]] = _CompiledPhrases(EVENT_PHRASES)


@functools.cache
def _any_phrase() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for phrases in EVENT_PHRASES.values() for p in phrases), re.I)


@functools.cache
def _any_phrase_lower() -> re.Pattern[str]:
    # ASCII text lowered matches the lowered phrases exactly as the case-insensitive
    # pattern would, and a case-sensitive pattern is searched about twice as fast
    return re.compile("|".join(f"(?:{p.lower()})" for phrases in EVENT_PHRASES.values() for p in phrases))


# the phrases of short texts: renders of one template repeat most of their
# texts, and a text without any phrase still costs a search of every pattern
_PHRASES_OF: dict[str, tuple[tuple[str, re.Match[str]], ...]] = {}
_PHRASES_OF_ENTRIES = 1024
_PHRASES_OF_LONGEST = 512


def event_phrases(text: str) -> list[tuple[str, re.Match[str]]]:
    """Every ``(event type, match)`` of :data:`EVENT_PHRASE_PATTERNS` in ``text``:
    types in the order of :data:`EVENT_PHRASES`, each type's matches left to right."""
    if len(text) > _PHRASES_OF_LONGEST:
        return _event_phrases(text)
    found = _PHRASES_OF.get(text)
    if found is None:
        found = tuple(_event_phrases(text))
        if len(_PHRASES_OF) >= _PHRASES_OF_ENTRIES:
            _PHRASES_OF.clear()
        _PHRASES_OF[text] = found
    return list(found)


def _event_phrases(text: str) -> list[tuple[str, re.Match[str]]]:
    if text.isascii():
        if _any_phrase_lower().search(text.lower()) is None:
            return []
    elif _any_phrase().search(text) is None:
        return []
    return [(kind, match) for kind, pattern in EVENT_PHRASE_PATTERNS.items() for match in pattern.finditer(text)]


# "we'll email you once it has shipped": the phrase is a promise, not news
_HEDGE = re.compile(
    r"(?:\bwhen|\bonce|\bafter|\bas\s+soon\s+as|\bif|\bwhether|\buntil|\bbefore|\bwill"
    r"|'ll|’ll|\bnot|n't|n’t|\bnever)\b",
    re.I,
)
_CLAUSE = re.compile(r"[.!?;:|•·]\s|\n")


def is_hedged(text: str, start: int) -> bool:
    """True when the words before ``text[start]`` in the same clause make the
    phrase there a promise, a condition or a negation rather than news."""
    window = text[max(0, start - 48) : start]
    cuts = list(_CLAUSE.finditer(window))
    cut = cuts[-1] if cuts else None
    if cut is not None:
        window = window[cut.end() :]
    return _HEDGE.search(window) is not None
