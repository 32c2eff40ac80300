"""What the send context says about one row, parsed once and shared by every
TRG rule that reads it (a batch checks the same row with several rules)."""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from oopslint import ConfigError, ContextError, SendContext

from .events import (
    STAGES,
    ContentType,
    TypeSettings,
    config_type,
    content_type,
    normalize_name,
    normalize_type,
)

__all__ = [
    "RowFacts",
    "row_times",
    "resolve_read",
    "resolve_type",
    "header_date",
    "Resolved",
    "facts_for",
    "resolve",
    "event_time",
    "status_group",
    "path_of",
    "positive_number",
    "ORDER_TYPES",
]

#: The order timestamp that stands for each type's event when ``event.at`` is absent.
EVENT_FIELDS = {
    "order_confirmation": "order_placed_at",
    "shipped": "order_shipped_at",
    "delivered": "order_delivered_at",
    "review_request": "order_delivered_at",
}
#: Shipping and delivery notices: the types an order's age matters to.
ORDER_TYPES = ("shipped", "delivered")

_STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "cancelled": (
        "cancelled",
        "canceled",
        "cancel",
        "cancellation",
        "voided",
        "void",
        "rejected",
        "declined",
        "failed",
        "payment_failed",
        "expired",
        "abandoned",
    ),
    "refunded": ("refunded", "refund", "fully_refunded", "returned", "chargeback", "charged_back", "reversed"),
    "pending": (
        "pending",
        "pending_payment",
        "awaiting_payment",
        "unpaid",
        "on_hold",
        "hold",
        "held",
        "created",
        "new",
        "open",
        "placed",
        "confirmed",
        "processing",
        "paid",
        "authorized",
        "authorised",
        "unfulfilled",
        "not_shipped",
        "awaiting_fulfillment",
        "awaiting_fulfilment",
        "awaiting_shipment",
        "ready_to_ship",
        "backordered",
        "back_ordered",
        "pre_order",
        "preorder",
    ),
    "in_transit": (
        "shipped",
        "in_transit",
        "dispatched",
        "sent",
        "out_for_delivery",
        "partially_shipped",
        "partially_fulfilled",
        "partially_delivered",
        "shipping",
        "awaiting_pickup",
        "ready_for_pickup",
    ),
    "delivered": ("delivered", "picked_up", "collected"),
    # fulfilled with no word on delivery: consistent with a shipping or a delivery notice
    "done": ("completed", "complete", "fulfilled", "closed", "finished"),
}
_STATUS_TO_GROUP = {name: group for group, names in _STATUS_GROUPS.items() for name in names}


_fromisoformat = datetime.fromisoformat

_status_cache: dict[Any, str | None] = {}


def status_group(value: Any) -> str | None:
    """``cancelled``, ``refunded``, ``pending``, ``in_transit``, ``delivered``,
    ``done`` or None for a status we do not know."""
    if value is None or value == "":
        return None
    key = value if value.__class__ is str else repr(value)
    if key in _status_cache:
        return _status_cache[key]
    group = _STATUS_TO_GROUP.get(normalize_name(value))
    if len(_status_cache) > 1024:
        _status_cache.clear()
    _status_cache[key] = group
    return group


def path_of(context: Any, name: str) -> str:
    """The dotted path a logical field is read from (for messages)."""
    fields = getattr(context, "fields", None) or {}
    return fields.get(name, name)


_numbers: dict[tuple[int, str], tuple[Any, Any, float]] = {}


def positive_number(options: Mapping[str, Any], key: str) -> float:
    """``options[key]``, checked to be a number above zero (and below its
    maximum); remembered per options object, as every batch row asks again."""
    value = options[key]
    known = _numbers.get((id(options), key))
    if known is not None and known[0] is options and known[1] is value:
        return known[2]
    number = _positive_number(value, key)
    if len(_numbers) > 64:
        _numbers.clear()
    _numbers[(id(options), key)] = (options, value, number)
    return number


def _positive_number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
        raise ConfigError(f"[triggers] {key}: {value!r} must be a number greater than zero")
    limit = _MAXIMA.get(key)
    if limit is not None and value > limit:
        raise ConfigError(f"[triggers] {key}: {value!r} must be at most {limit:,}")
    return float(value)


# options that become time spans: larger values only overflow date arithmetic
_MAXIMA = {"old_order_days": 36525, "replay_spread_days": 36525}


#: What TRG001-TRG004 and TRG006 read of every row: read in one pass from a plain SendContext.
ROW_FIELDS = (
    "send_at",
    "event_type",
    "event_at",
    "order_placed_at",
    "order_shipped_at",
    "order_delivered_at",
    "order_status",
)
_UNREAD = object()


class RowFacts:
    """Timestamps and values of one context, each read and parsed once.

    From a plain :class:`~oopslint.SendContext`, the values every TRG rule
    reads (``ROW_FIELDS``) are read in one call (``SendContext.values``) and
    their well-formed timestamps parsed at once. Anything else is read on
    first use: other fields, a context that records what rules read (a batch
    learning which values a rule depends on), and a timestamp that is not a
    complete ISO 8601 one, so a malformed value makes a row bad only for the
    rules that read it."""

    __slots__ = ("context", "_times", "_texts", "_raw", "_send_at", "resolved", "__weakref__")

    def __init__(self, context: Any):
        self.context = context
        self._texts: dict[str, str | None] = {}
        self._send_at: datetime | None = None
        # (email, settings, Resolved) of the last resolve() for this row, the email held weakly
        self.resolved: tuple[weakref.ref[Any], Any, Any] | None = None
        times: dict[str, datetime | None] = {}
        self._times = times
        if context.__class__ is not SendContext:
            self._raw: dict[str, Any] | None = None
            return
        send_at, event_type, event_at, placed, shipped, delivered, status = raw = context.values(ROW_FIELDS)
        self._raw = dict(zip(ROW_FIELDS, raw))
        for name, value in (
            ("send_at", send_at),
            ("event_at", event_at),
            ("order_placed_at", placed),
            ("order_shipped_at", shipped),
            ("order_delivered_at", delivered),
        ):
            if value is None or value == "":
                times[name] = None
            elif value.__class__ is str:
                try:
                    quick = _fromisoformat(value)
                except ValueError:
                    continue  # parsed on use, where its error is raised
                if quick.tzinfo is not None:
                    times[name] = quick

    def get(self, name: str) -> Any:
        """A raw value, as ``context.get(name)`` reads it."""
        raw = self._raw
        if raw is not None:
            value = raw.get(name, _UNREAD)
            if value is not _UNREAD:
                return value
        return self.context.get(name)

    def time(self, name: str) -> datetime | None:
        """A timestamp field; raises ContextError when malformed or naive."""
        times = self._times
        known = times.get(name, _UNREAD)
        if known is not _UNREAD:
            return known  # type: ignore[return-value]
        context = self.context
        raw = self.get(name)
        value: datetime | None = None
        if raw.__class__ is str and raw:
            # the common case, as SendContext.time reads it: a complete timestamp with its offset
            try:
                quick = _fromisoformat(raw)
            except ValueError:
                value = context.time(name)
            else:
                value = quick if quick.tzinfo is not None else context.time(name)
        elif raw is not None and raw != "":
            value = context.time(name)
        times[name] = value
        return value

    def sent(self, email: Any) -> datetime:
        """The send time: the context's ``send_at``, else the message's own
        ``Date`` header (an .eml file), else the context's now."""
        if self._send_at is None:
            self._send_at = self.time("send_at") or _header_date(email) or self.context.send_at
        return self._send_at

    def text(self, name: str) -> str | None:
        """A value as text, None when absent or empty."""
        texts = self._texts
        if name in texts:
            return texts[name]
        value = self.get(name)
        text = None if value is None or value == "" else str(value)
        texts[name] = text
        return text

    @property
    def strict(self) -> bool:
        return bool(getattr(self.context, "strict", False))


def _per_email(email: Any, name: str) -> dict[Any, Any]:
    """A small store of this module's results for one email (``email.memo``);
    a fresh one, never kept, for an object that is not a parsed Email."""
    memo = getattr(email, "memo", None)
    if memo is None:
        return {}
    store: dict[Any, Any] = memo(f"oopslint.rules.triggers.facts.{name}", lambda _email: {})
    return store


def _header_date(email: Any) -> datetime | None:
    store = _per_email(email, "header_date")
    if "date" not in store:
        store["date"] = _read_header_date(email)
    return store["date"]


def _read_header_date(email: Any) -> datetime | None:
    value = None
    header = email.header("Date") if hasattr(email, "header") else None
    if header:
        from email.utils import parsedate_to_datetime  # only .eml input has a Date header

        try:
            value = parsedate_to_datetime(str(header))
        except (TypeError, ValueError, IndexError):
            value = None
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
    return value


_FACTS_KEY = "oopslint.rules.triggers.facts"


def facts_for(context: Any) -> RowFacts:
    """The facts of a context; rules checking the same row share one parse
    (kept in ``context.memo``, so they go when the row's context goes)."""
    try:
        return context.memo(_FACTS_KEY, RowFacts)  # type: ignore[no-any-return]
    except AttributeError:  # a context-like object without a memo
        return RowFacts(context)


#: the timestamps of ROW_FIELDS, in the order row_times gives them
_TIME_FIELDS = ("send_at", "event_at", "order_placed_at", "order_shipped_at", "order_delivered_at")
#: the key of :func:`row_times` in ``context.memo``
_ROW_TIMES_KEY = "oopslint.rules.triggers.row_times"


def row_times(context: Any) -> tuple[Any, ...] | None:
    """The common row, read once for every TRG check of a batch row: its event
    type as read and its order status, then its send, event, placed, shipped
    and delivered times (None where absent), each from a complete ISO 8601
    timestamp or epoch seconds. None for any other row (an event type that is
    not text, a malformed or empty timestamp, one without an offset when no
    timezone is configured): whoever asks then reads the row the rules' own
    way. A timestamp without an offset is read in the configured timezone.
    Kept in ``context.memo`` for the row."""
    return context.memo(_ROW_TIMES_KEY, _row_times)  # type: ignore[no-any-return]


def _row_times(context: Any) -> tuple[Any, ...] | None:
    values = context.values(ROW_FIELDS)
    times = _times_of(values)
    return times if times is not _BY_CONTEXT else _times_by_context(context, values)


#: what _times_of gives for a row its context must read (see _times_by_context)
_BY_CONTEXT: Any = object()


def _times_of(values: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """:func:`row_times` from the row's ``ROW_FIELDS`` values, for the common
    row: timestamps that are text with their offset. None for a row that is not
    the common one; ``_BY_CONTEXT`` for a timestamp that is not text or has no
    offset, which the row's context reads (:func:`_times_by_context`)."""
    send_raw, type_raw, event_raw, placed_raw, shipped_raw, delivered_raw, status = values
    if type_raw is not None and type_raw.__class__ is not str:
        return None
    parse = _fromisoformat
    try:
        send_at = parse(send_raw) if send_raw is not None else None
        event_at = parse(event_raw) if event_raw is not None else None
        placed = parse(placed_raw) if placed_raw is not None else None
        shipped = parse(shipped_raw) if shipped_raw is not None else None
        delivered = parse(delivered_raw) if delivered_raw is not None else None
    except ValueError:
        return None
    except TypeError:
        return _BY_CONTEXT  # type: ignore[no-any-return]
    if (
        (send_at is not None and send_at.tzinfo is None)
        or (event_at is not None and event_at.tzinfo is None)
        or (placed is not None and placed.tzinfo is None)
        or (shipped is not None and shipped.tzinfo is None)
        or (delivered is not None and delivered.tzinfo is None)
    ):
        return _BY_CONTEXT  # type: ignore[no-any-return]
    return type_raw, status, send_at, event_at, placed, shipped, delivered


def _times_by_context(context: Any, values: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """:func:`row_times` of a row with a timestamp that is not text (epoch
    seconds, read as the rules read it) or without its offset (read in the
    configured timezone, as ``SendContext.time`` reads it)."""
    send_raw, type_raw, event_raw, placed_raw, shipped_raw, delivered_raw, status = values
    try:
        times = [
            _fromisoformat(raw) if raw is not None else None
            for raw in (send_raw, event_raw, placed_raw, shipped_raw, delivered_raw)
        ]
    except ValueError:
        return None
    except TypeError:
        try:
            times = [context.time(name) for name in _TIME_FIELDS]
        except ContextError:
            return None
    if any(moment is not None and moment.tzinfo is None for moment in times):
        try:
            zone = context.zone
        except ContextError:
            return None
        if zone is None:
            return None  # the rules say the timezone is missing
        times = [
            None if moment is None else moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
            for moment in times
        ]
    return (type_raw, status, *times)


def block_times(block: Any) -> list[tuple[Any, ...] | None]:
    """:func:`row_times` of every row of a batch's :class:`~oopslint.batch.rows.RowBlock`,
    read once for all TRG checks of the block. A row that is not plainly the
    common one (a timestamp that is not text, or without an offset) is read
    through its context, as :func:`row_times` reads it."""
    return block.memo(_ROW_TIMES_KEY, _block_times)  # type: ignore[no-any-return]


def _block_times(block: Any) -> list[tuple[Any, ...] | None]:
    out: list[tuple[Any, ...] | None] = []
    append = out.append
    times_of = _times_of
    for index, values in enumerate(block.values(ROW_FIELDS)):
        times = times_of(values)
        append(times if times is not _BY_CONTEXT else row_times(block.context(index)))
    return out


class Resolved:
    """The event type an email is judged as, and where each source stands."""

    __slots__ = ("kind", "source", "config_kind", "context_kind", "context_raw", "content")

    def __init__(
        self,
        kind: str | None,
        source: str | None,
        config_kind: str | None,
        context_kind: str | None,
        context_raw: str | None,
        content: ContentType,
    ):
        self.kind = kind
        self.source = source
        self.config_kind = config_kind
        self.context_kind = context_kind
        self.context_raw = context_raw
        self.content = content

    def __repr__(self) -> str:
        return f"Resolved({self.kind!r}, source={self.source!r})"


_alias_cache: dict[tuple[int, str], str | None] = {}


def _config_kind(email: Any, settings: TypeSettings) -> str | None:
    if not settings.templates:
        return None
    store = _per_email(email, "config_kind")
    cached = store.get("kind")
    if cached is not None and cached[0] is settings:
        return cached[1]
    kind = config_type(getattr(email, "path", None), settings)
    store["kind"] = (settings, kind)
    return kind


def _context_kind(raw: str | None, settings: TypeSettings) -> str | None:
    if raw is None:
        return None
    key = (id(settings), raw)
    try:
        return _alias_cache[key]
    except KeyError:
        if len(_alias_cache) > 4096:
            _alias_cache.clear()
        kind = normalize_type(raw, settings)
        _alias_cache[key] = kind
        return kind


def resolve(email: Any, context: Any, settings: TypeSettings) -> Resolved:
    """Configuration first, then the context's ``event.type``, then the content.
    ``context`` may be the row's :class:`RowFacts` already at hand."""
    facts = context if context.__class__ is RowFacts else facts_for(context)
    cached = facts.resolved
    if cached is not None and cached[0]() is email and cached[1] is settings:
        return cached[2]
    resolved = _resolve(email, facts, settings)
    try:
        facts.resolved = (weakref.ref(email), settings, resolved)
    except TypeError:  # an object that cannot be referenced weakly is not remembered
        facts.resolved = None
    return resolved


def _resolve(email: Any, facts: RowFacts, settings: TypeSettings) -> Resolved:
    return resolve_read(email, facts.get("event_type"), settings)


def resolve_read(email: Any, raw: Any, settings: TypeSettings) -> Resolved:
    """:func:`resolve` from the context's ``event_type`` as read (any value,
    None when absent), kept with the email per distinct value."""
    context_raw = str(raw) if raw not in (None, "") else None
    per_email = _per_email(email, "resolved")
    key = (id(settings), context_raw)
    hit = per_email.get(key)
    if hit is not None and hit[0] is settings:
        return hit[1]
    resolved = _resolve_uncached(email, context_raw, settings)
    if len(per_email) > 256:
        per_email.clear()
    per_email[key] = (settings, resolved)
    return resolved


def resolve_type(email: Any, raw: str | None, settings: TypeSettings) -> Resolved:
    """:func:`resolve` for an event type as read from a row (a string or None),
    without the row: what a batch caches per distinct ``event.type``."""
    return _resolve_uncached(email, raw or None, settings)


def header_date(email: Any) -> datetime | None:
    """The parsed ``Date`` header of an .eml template (kept with the email), or None."""
    return _header_date(email)


def _resolve_uncached(email: Any, context_raw: str | None, settings: TypeSettings) -> Resolved:
    config_kind = _config_kind(email, settings)
    context_kind = _context_kind(context_raw, settings)
    content = content_type(email)
    if config_kind:
        kind, source = config_kind, "config"
    elif context_kind:
        kind, source = context_kind, "context"
    elif content.kind:
        kind, source = content.kind, "content"
    else:
        kind, source = None, None
    return Resolved(kind, source, config_kind, context_kind, context_raw, content)


def event_time(facts: RowFacts, kind: str | None) -> tuple[datetime, str] | None:
    """When the announced event happened: ``event.at``, else the order
    timestamp that stands for this type. Returns the time and its field name."""
    at = facts.time("event_at")
    if at is not None:
        return at, "event_at"
    field = EVENT_FIELDS.get(kind or "")
    if field:
        at = facts.time(field)
        if at is not None:
            return at, field
    return None


def needs_event_time(facts: RowFacts, kind: str | None) -> ContextError:
    context = facts.context
    wanted = [path_of(context, "event_at")]
    if kind in EVENT_FIELDS:
        wanted.append(path_of(context, EVENT_FIELDS[kind]))
    return ContextError(f"no event time: need {' or '.join(wanted)}")


def is_order_type(kind: str | None) -> bool:
    return kind in STAGES
