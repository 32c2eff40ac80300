"""Event types: what a transactional email announces, and how old that news may be.

An email's event type comes from, in order of authority:

1. configuration: ``[tool.oopslint.triggers] templates = {"emails/shipping/*.html" = "shipped"}``
2. the send context: ``event.type`` (common spellings such as ``order_shipped`` or
   ``fulfillment_created`` are understood; ``event_types`` maps your own names)
3. the content: phrases in the subject, preheader, headings and body
   ("has shipped", "out for delivery", "reset your password", ...; also the
   common German, French, Spanish, Italian, Dutch and Portuguese phrasings)
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path, PurePath
from typing import Any

from oopslint import ConfigError
from oopslint.text import event_phrases, is_hedged

__all__ = [
    "DEFAULT_MAX_AGES",
    "LABELS",
    "STAGES",
    "TypeSettings",
    "ContentType",
    "settings_for",
    "content_type",
    "config_type",
    "normalize_type",
    "parse_duration",
    "describe_age",
]

#: The default maximum age of each event type at send time.
DEFAULT_MAX_AGES: dict[str, timedelta] = {
    "order_confirmation": timedelta(hours=24),
    "shipped": timedelta(hours=72),
    "delivered": timedelta(hours=72),
    "password_reset": timedelta(hours=1),
    "abandoned_cart": timedelta(hours=72),
    "back_in_stock": timedelta(hours=24),
    "review_request": timedelta(days=30),
}

#: How a finding names each type.
LABELS: dict[str, str] = {
    "order_confirmation": "order confirmation",
    "shipped": "shipping notice",
    "delivered": "delivery notice",
    "password_reset": "password reset",
    "abandoned_cart": "abandoned-cart reminder",
    "back_in_stock": "back-in-stock alert",
    "review_request": "review request",
}

#: Where an order-related type sits in an order's life; types without a stage
#: (password reset, cart, stock alerts) are not about an order.
STAGES: dict[str, int] = {"order_confirmation": 0, "shipped": 1, "delivered": 2, "review_request": 3}

#: Spellings of ``event.type`` seen in the wild, after normalisation
#: (lower case, runs of other characters turned into ``_``).
_ALIASES: dict[str, tuple[str, ...]] = {
    "order_confirmation": (
        "order_confirmation",
        "order_confirmed",
        "order_placed",
        "order_created",
        "order_received",
        "order_receipt",
        "new_order",
        "confirmation",
        "purchase",
        "purchase_confirmation",
        "checkout_completed",
    ),
    "shipped": (
        "shipped",
        "shipping",
        "shipment",
        "order_shipped",
        "shipping_confirmation",
        "shipment_confirmation",
        "shipment_created",
        "shipping_notification",
        "shipping_update",
        "dispatched",
        "dispatch",
        "order_dispatched",
        "fulfillment",
        "fulfilment",
        "fulfillment_created",
        "fulfilment_created",
        "order_fulfilled",
        "fulfilled",
        "in_transit",
        "out_for_delivery",
    ),
    "delivered": (
        "delivered",
        "delivery",
        "order_delivered",
        "delivery_confirmation",
        "package_delivered",
        "shipment_delivered",
    ),
    "password_reset": (
        "password_reset",
        "reset_password",
        "forgot_password",
        "password_recovery",
        "password_reset_request",
    ),
    "abandoned_cart": (
        "abandoned_cart",
        "cart_abandoned",
        "cart_abandonment",
        "cart_reminder",
        "abandoned_checkout",
        "checkout_abandoned",
        "abandoned_basket",
        "basket_abandoned",
    ),
    "back_in_stock": ("back_in_stock", "restock", "restocked", "stock_alert", "back_in_stock_alert", "in_stock"),
    "review_request": ("review_request", "request_review", "review", "product_review", "review_reminder"),
}
_ALIAS_TO_TYPE = {alias: kind for kind, aliases in _ALIASES.items() for alias in aliases}

_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|m|s)", re.I)
_DURATION_FULL_RE = re.compile(r"\s*(?:\d+(?:\.\d+)?\s*[wdhms]\s*)+", re.I)
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
# longer ages would only overflow date arithmetic: no trigger waits a century
_MAX_DURATION_SECONDS = 36525 * 86400
_MAX_DURATION_TEXT = "100 years, the longest age a trigger may have"


def normalize_name(value: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(value).strip().lower()).strip("_")


def parse_duration(value: Any, where: str) -> timedelta:
    """``"72h"``, ``"3d"``, ``"1d12h"``, ``"90m"``, ``"2w"``; a bare number means hours."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not value > 0:
            raise ConfigError(f"{where}: {value!r} must be more than zero")
        if value > _MAX_DURATION_SECONDS / 3600:
            raise ConfigError(f"{where}: {value!r} hours is longer than {_MAX_DURATION_TEXT}")
        return timedelta(hours=value)
    if isinstance(value, str) and _DURATION_FULL_RE.fullmatch(value):
        seconds = sum(float(n) * _UNITS[u.lower()] for n, u in _DURATION_RE.findall(value))
        if seconds > _MAX_DURATION_SECONDS:
            raise ConfigError(f"{where}: {value!r} is longer than {_MAX_DURATION_TEXT}")
        if seconds > 0:
            return timedelta(seconds=seconds)
    raise ConfigError(f'{where}: {value!r} is not a duration; write it like "72h", "3d", "90m" or "2w"')


_age_words: dict[timedelta, str] = {}


def describe_age(age: timedelta) -> str:
    """A human age: ``3 hours``, ``5 days``, ``4.2 years``."""
    words = _age_words.get(age)
    if words is None:
        words = _describe_age(age)
        if len(_age_words) > 4096:
            _age_words.clear()
        _age_words[age] = words
    return words


def _describe_age(age: timedelta) -> str:
    seconds = age.total_seconds()
    if seconds < 3600:
        minutes = max(1, round(seconds / 60))
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    if seconds < 3 * 86400:
        hours = round(seconds / 3600)
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = seconds / 86400
    if days < 730:
        whole = round(days)
        return f"{whole:,} days"
    return f"{days / 365.25:.1f} years"


@dataclass(frozen=True)
class TypeSettings:
    """The triggers options of one rule, parsed once."""

    max_ages: Mapping[str, timedelta]
    aliases: Mapping[str, str]
    templates: tuple[tuple[str, str], ...]
    base_dir: Path | None

    def max_age(self, kind: str | None) -> timedelta | None:
        return self.max_ages.get(kind) if kind else None

    def label(self, kind: str | None) -> str:
        if not kind:
            return "email"
        return LABELS.get(kind, kind.replace("_", " ") + " email")


_settings_cache: dict[int, tuple[Any, TypeSettings]] = {}
_settings_by_value: dict[str, TypeSettings] = {}


def settings_for(options: Mapping[str, Any]) -> TypeSettings:
    """Parse ``max_age``, ``event_types`` and ``templates``. Cached per options
    object, and shared by every rule whose options say the same, so the rules
    checking one row agree on one parse of it."""
    cached = _settings_cache.get(id(options))
    if cached is not None and cached[0] is options:
        return cached[1]
    base_dir = getattr(options, "base_dir", None)
    value_key = repr(
        [sorted((options.get(name) or {}).items()) for name in ("max_age", "event_types", "templates")]
        + [str(base_dir)]
    )
    settings = _settings_by_value.get(value_key)
    if settings is None:
        settings = _parse_settings(options, base_dir)
        if len(_settings_by_value) > 64:
            _settings_by_value.clear()
        _settings_by_value[value_key] = settings
    if len(_settings_cache) > 64:
        _settings_cache.clear()
    _settings_cache[id(options)] = (options, settings)
    return settings


def _parse_settings(options: Mapping[str, Any], base_dir: Any) -> TypeSettings:
    max_ages = dict(DEFAULT_MAX_AGES)
    for name, value in (options.get("max_age") or {}).items():
        max_ages[normalize_type_key(name)] = parse_duration(value, f"[triggers] max_age.{name}")
    aliases: dict[str, str] = {}
    for name, target in (options.get("event_types") or {}).items():
        if not isinstance(target, str) or not target.strip():
            raise ConfigError(f'[triggers] event_types.{name}: {target!r} must name an event type, such as "shipped"')
        aliases[normalize_name(name)] = normalize_type_key(target)
    templates: list[tuple[str, str]] = []
    for glob, target in (options.get("templates") or {}).items():
        if not isinstance(target, str) or not target.strip():
            raise ConfigError(f'[triggers] templates.{glob}: {target!r} must name an event type, such as "shipped"')
        templates.append((str(glob), normalize_type_key(target)))
    known = set(max_ages)
    for target in [*aliases.values(), *(t for _, t in templates)]:
        if target not in known:
            valid = ", ".join(sorted(known))
            raise ConfigError(
                f"[triggers] unknown event type {target!r}; use one of {valid}, "
                "or give it a maximum age in [triggers] max_age"
            )
    return TypeSettings(max_ages, aliases, tuple(templates), base_dir)


def normalize_type_key(name: Any) -> str:
    key = normalize_name(name)
    return _ALIAS_TO_TYPE.get(key, key)


def normalize_type(value: Any, settings: TypeSettings) -> str | None:
    """The event type a context's ``event.type`` means, or None when unknown."""
    if value is None or value == "":
        return None
    key = normalize_name(value)
    kind = settings.aliases.get(key) or _ALIAS_TO_TYPE.get(key) or key
    return kind if kind in settings.max_ages else None


# ---------------------------------------------------------------- config globs


def config_type(path: str | None, settings: TypeSettings) -> str | None:
    """The type configured for a template path through ``templates`` globs."""
    if not path or not settings.templates or path.startswith("<"):
        return None
    candidates = [PurePath(path).as_posix()]
    # globs are relative to the configuration file's folder, else to the current one
    anchor = settings.base_dir if settings.base_dir is not None else Path.cwd()
    try:
        candidates.insert(0, Path(path).resolve().relative_to(Path(anchor).resolve()).as_posix())
    except (ValueError, OSError):
        pass
    for glob, kind in settings.templates:
        for candidate in candidates:
            if _glob_match(candidate, glob):
                return kind
    return None


def _glob_match(relative: str, glob: str) -> bool:
    if fnmatch.fnmatchcase(relative, glob):
        return True
    if glob.startswith("**/") and fnmatch.fnmatchcase(relative, glob[3:]):
        return True
    return "/" not in glob and fnmatch.fnmatchcase(PurePath(relative).name, glob)


# ---------------------------------------------------------------- content phrases

_HEADING_TAGS = frozenset(("h1", "h2", "h3"))
WEIGHTS = {"subject": 3, "preheader": 2, "heading": 2, "body": 1}


@dataclass(frozen=True)
class ContentType:
    """What the content says it is. ``confident`` when the subject, preheader
    or a heading says so; ``evidence`` is the phrase that decided it."""

    kind: str | None
    confident: bool = False
    evidence: str = ""
    where: str = ""


def _place(segment: Any) -> str:
    if segment.kind == "subject":
        return "subject"
    if segment.preheader:
        return "preheader"
    element = segment.element
    while element is not None:
        if element.tag in _HEADING_TAGS:
            return "heading"
        element = element.parent
    return "body"


def content_type(email: Any) -> ContentType:
    """Classify an email by its phrases (computed once per parsed email)."""
    return email.memo("oopslint.rules.triggers.content_type", _content_type)


def _content_type(email: Any) -> ContentType:
    scores: dict[str, int] = {}
    best_place: dict[str, int] = {}
    evidence: dict[str, tuple[str, str]] = {}
    for segment in email.reading_segments():
        if segment.kind not in ("text", "subject"):
            continue
        text = segment.text
        place = None
        for kind, match in event_phrases(text):
            if is_hedged(text, match.start()):
                continue
            place = place or _place(segment)
            weight = WEIGHTS[place]
            scores[kind] = scores.get(kind, 0) + weight
            if weight > best_place.get(kind, 0):
                best_place[kind] = weight
                evidence[kind] = (" ".join(match.group().split()), place)
    if not scores:
        result = ContentType(None)
    else:
        kind = max(scores, key=lambda k: (best_place[k], scores[k], STAGES.get(k, -1)))
        phrase, place = evidence[kind]
        result = ContentType(kind, confident=best_place[kind] >= 2, evidence=phrase, where=place)
    return result
