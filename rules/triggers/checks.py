"""TRG001-TRG005: one email, one send context."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, Iterator

from oopslint import ConfigError, Finding, Severity, rule

from .dates import printed_dates
from .events import STAGES, describe_age, settings_for
from .facts import (
    ORDER_TYPES,
    event_time,
    facts_for,
    needs_event_time,
    path_of,
    positive_number,
    resolve,
    status_group,
)

TYPE_OPTIONS: dict[str, Any] = {"templates": {}, "event_types": {}, "max_age": {}}
TYPE_OPTION_DOCS = {
    "templates": 'template path globs to event types, e.g. {"emails/shipping/*.html" = "shipped"}',
    "event_types": 'your own event.type names to event types, e.g. {"parcel_handed_over" = "shipped"}',
    "max_age": 'maximum age per event type ("72h", "3d", "90m"); defaults: order_confirmation 24h, '
    "shipped 72h, delivered 72h, password_reset 1h, abandoned_cart 72h, back_in_stock 24h, review_request 30d",
}
OLD_ORDER_OPTIONS = {"old_order_days": 30}
OLD_ORDER_DOCS = {
    "old_order_days": "a shipping or delivery notice for an order placed longer ago than this is an error",
}


def _fmt(at: datetime) -> str:
    """``2024-05-02 09:00Z``, or just the date at midnight."""
    if not (at.hour or at.minute or at.second):
        return at.date().isoformat()
    text = at.isoformat(" ", "minutes")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _order_ref(context: Any) -> str:
    order_id = facts_for(context).text("order_id")
    return f"order {order_id}" if order_id is not None else "the order"


# ---------------------------------------------------------------- TRG001


@rule(code="TRG001", name="stale-trigger", summary="The event this email announces is too old to announce",
      severity="error", section="triggers", uses_context=True, options=TYPE_OPTIONS, option_docs=TYPE_OPTION_DOCS)
def stale_trigger(email, context, options) -> Iterator[Finding]:
    """What it does
    Compares the age of the event an email announces with the maximum age of
    its event type, at send time. The event time is the context's `event.at`,
    else the order timestamp that stands for the type (`order.shipped_at` for a
    shipping notice, `order.delivered_at` for a delivery notice or review
    request, `order.placed_at` for an order confirmation). The type comes from
    `[triggers] templates`, the context's `event.type`, or the email's own
    phrases. The send time is `send_at`, else the `Date` header of an .eml
    file, else now.

    Why is this bad?
    A "your order has shipped" email three years after the shipment was not
    sent for the reason it gives: a backfill, a migration or a stuck queue
    replayed old events. Recipients are confused, support is flooded, and a
    password-reset link an hour old may already be dead.

    Example
    A shipping notice sent 2024-05-02 with
    `{"event": {"type": "shipped", "at": "2019-03-01T10:00:00Z"}}`.

    Use instead
    Send only events inside their window, or raise the window for the type:
    `[tool.oopslint.triggers] max_age = {shipped = "5d"}`.
    """
    settings = settings_for(options)
    facts = facts_for(context)
    resolved = resolve(email, context, settings)
    kind = resolved.kind
    limit = settings.max_age(kind)
    if limit is None:
        return
    found = event_time(facts, kind)
    if found is None:
        if facts.strict:
            raise needs_event_time(facts, kind)
        return
    at, field = found
    send_at = facts.sent(email)
    age = send_at - at
    if age <= limit:
        return
    label = settings.label(kind)
    yield Finding(
        f"{_cap(label)} for an event {describe_age(age)} old ({path_of(context, field)} {_fmt(at)}, "
        f"send time {_fmt(send_at)}); a {label} is stale after {describe_age(limit)}",
        suggestion=f"do not send {label}s for old events; if this window is too short, set "
        f'[tool.oopslint.triggers] max_age = {{{kind} = "..."}}',
        data={"event_type": kind, "type_source": resolved.source, "event_at": at, "send_at": send_at,
              "age_seconds": int(age.total_seconds()), "max_age_seconds": int(limit.total_seconds())},
    )


# ---------------------------------------------------------------- TRG002


@rule(code="TRG002", name="old-order", summary="A shipping or delivery notice for an old order",
      severity="error", section="triggers", uses_context=True,
      options={**TYPE_OPTIONS, **OLD_ORDER_OPTIONS}, option_docs={**TYPE_OPTION_DOCS, **OLD_ORDER_DOCS})
def old_order(email, context, options) -> Iterator[Finding]:
    """What it does
    Reports a shipping or delivery notice whose order (`order.placed_at`) was
    placed more than `old_order_days` (default 30) before the send time.

    Why is this bad?
    Orders ship within days. A shipping notice for an order placed years ago
    is what a platform migration sends when it replays its order history: the
    emails are well written and sent for the wrong reason.

    Example
    `{"order": {"id": "A-1001", "placed_at": "2019-06-02T10:00:00Z"}}` with a
    template that says "Your order has shipped", sent in 2024.

    Use instead
    Filter the send to orders placed recently, or raise `old_order_days` for
    made-to-order goods.
    """
    settings = settings_for(options)
    resolved = resolve(email, context, settings)
    if resolved.kind not in ORDER_TYPES:
        return
    days = positive_number(options, "old_order_days")
    facts = facts_for(context)
    placed = facts.time("order_placed_at")
    if placed is None:
        return
    age = facts.sent(email) - placed
    limit = timedelta(days=days)
    if age <= limit:
        return
    label = settings.label(resolved.kind)
    yield Finding(
        f"{_cap(label)} for {_order_ref(context)} placed {describe_age(age)} before sending "
        f"({path_of(context, 'order_placed_at')} {_fmt(placed)}); orders older than {days:g} days "
        f"should not get a {label}",
        suggestion="exclude old orders from this send (a backfill or migration replays history)",
        data={"event_type": resolved.kind, "event_at": placed, "order_id": facts_for(context).text("order_id"),
              "age_days": round(age.total_seconds() / 86400, 1), "old_order_days": days},
    )


# ---------------------------------------------------------------- TRG003

_SAYS = {
    "shipped": "says the order shipped",
    "delivered": "says the order was delivered",
    "order_confirmation": "confirms the order",
    "review_request": "asks for a review of the order",
}
_STATUS_WORDS = {
    "cancelled": "cancelled",
    "refunded": "refunded",
    "pending": "not shipped yet",
    "in_transit": "still in transit",
}


@rule(code="TRG003", name="status-mismatch", summary="The email says one thing, the order data another",
      severity="error", section="triggers", uses_context=True, options=TYPE_OPTIONS, option_docs=TYPE_OPTION_DOCS)
def status_mismatch(email, context, options) -> Iterator[Finding]:
    """What it does
    Compares what the email announces with the order in the context:
    - a shipping notice for an order that is cancelled, refunded or still
      pending (`order.status`), or with no `order.shipped_at` at all;
    - a delivery notice for an order that was not delivered (`order.status`
      pending or in transit, no `order.delivered_at`);
    - an order confirmation for a cancelled or refunded order;
    - a review request for a cancelled or refunded order, or one not yet
      delivered (warning);
    - a template configured as one event type (`[triggers] templates`) sent
      for another (`event.type`), or a subject or heading that announces a
      different event than `event.type` (warning).
    Unknown status names are left alone; `event_types` maps your own event names.

    Why is this bad?
    "Your order has shipped" to a customer whose order was cancelled is worse
    than no email: it reads as a billing error and costs a support contact.

    Example
    A shipping notice with `{"order": {"status": "cancelled"}}`.

    Use instead
    Trigger the email from the status change itself, and check the order's
    current status just before sending.
    """
    settings = settings_for(options)
    resolved = resolve(email, context, settings)
    yield from _type_conflicts(resolved, context, settings)
    kind = resolved.kind
    if kind not in _SAYS:
        return
    facts = facts_for(context)
    raw_status = context.get("order_status")
    group = status_group(raw_status)
    status_path = path_of(context, "order_status")
    label = settings.label(kind)
    ref = _order_ref(context)
    data = {"event_type": kind, "order_id": facts_for(context).text("order_id"), "order_status": raw_status}
    if group in ("cancelled", "refunded"):
        yield Finding(
            f"{_cap(label)} {_SAYS[kind]}, but {ref} is {_STATUS_WORDS[group]} ({status_path} = {raw_status!r})",
            suggestion=f"do not send a {label} for a {_STATUS_WORDS[group]} order",
            data=data,
        )
        return
    if kind == "shipped":
        shipped_at = facts.time("order_shipped_at")
        if group == "pending" and shipped_at is None:
            yield Finding(
                f"{_cap(label)} {_SAYS[kind]}, but {ref} has not shipped ({status_path} = {raw_status!r}, "
                f"no {path_of(context, 'order_shipped_at')})",
                suggestion="send the shipping notice from the shipment event, after the carrier has the parcel",
                data=data,
            )
        elif group is None and raw_status in (None, "") and shipped_at is None and _has_order(facts) \
                and facts.time("event_at") is None:
            yield Finding(
                f"{_cap(label)} {_SAYS[kind]}, but {ref} has no {path_of(context, 'order_shipped_at')} "
                f"and no {status_path}: nothing says it shipped",
                severity=Severity.WARNING,
                data=data,
            )
    elif kind == "delivered":
        delivered_at = facts.time("order_delivered_at")
        if delivered_at is None and group in ("pending", "in_transit"):
            yield Finding(
                f"{_cap(label)} {_SAYS[kind]}, but {ref} is {_STATUS_WORDS[group]} ({status_path} = "
                f"{raw_status!r}, no {path_of(context, 'order_delivered_at')})",
                suggestion="send the delivery notice from the carrier's delivery event",
                data=data,
            )
        elif delivered_at is None and group is None and raw_status in (None, "") and _has_order(facts) \
                and facts.time("event_at") is None:
            yield Finding(
                f"{_cap(label)} {_SAYS[kind]}, but {ref} has no {path_of(context, 'order_delivered_at')} "
                f"and no {status_path}: nothing says it was delivered",
                severity=Severity.WARNING,
                data=data,
            )
    elif kind == "review_request":
        if facts.time("order_delivered_at") is None and group in ("pending", "in_transit"):
            yield Finding(
                f"{_cap(label)} {_SAYS[kind]}, but {ref} is {_STATUS_WORDS[group]} ({status_path} = {raw_status!r})",
                severity=Severity.WARNING,
                suggestion="ask for reviews after delivery",
                data=data,
            )


def _has_order(facts: Any) -> bool:
    """The context describes the order's timeline (an id alone says too little)."""
    return facts.time("order_placed_at") is not None


def _type_conflicts(resolved: Any, context: Any, settings: Any) -> Iterator[Finding]:
    type_path = path_of(context, "event_type")
    if resolved.config_kind and resolved.context_kind and resolved.config_kind != resolved.context_kind:
        yield Finding(
            f"This template is configured as a {settings.label(resolved.config_kind)}, but the context's "
            f"{type_path} is {resolved.context_raw!r} (a {settings.label(resolved.context_kind)})",
            suggestion="check which template this trigger sends",
            data={"event_type": resolved.config_kind, "context_event_type": resolved.context_raw},
        )
        return
    content = resolved.content
    other = resolved.config_kind or resolved.context_kind
    if not (content.confident and content.kind and other and content.kind != other):
        return
    if content.kind in STAGES and other in STAGES and STAGES[content.kind] < STAGES[other]:
        return  # a shipping notice may well open with "Thanks for your order!"
    source = "is configured as" if resolved.config_kind else f"is sent for {type_path} {resolved.context_raw!r},"
    yield Finding(
        f"The {content.where} says {content.evidence!r} (a {settings.label(content.kind)}), but this email "
        f"{source} a {settings.label(other)}",
        severity=Severity.WARNING,
        suggestion="check which template this trigger sends",
        data={"event_type": other, "content_event_type": content.kind},
    )


# ---------------------------------------------------------------- TRG004


@rule(code="TRG004", name="impossible-timeline", summary="The order's timestamps cannot all be true",
      severity="error", section="triggers", uses_context=True, options={"clock_skew_minutes": 5},
      option_docs={"clock_skew_minutes": "tolerance for clocks of different systems"})
def impossible_timeline(email, context, options) -> Iterator[Finding]:
    """What it does
    Checks the order of the context's timestamps: an order shipped before it
    was placed, delivered before it shipped (or before it was placed), or any
    event, order or delivery time after the send time. A few minutes of clock
    skew between systems are tolerated (`clock_skew_minutes`).

    Why is this bad?
    Data like this comes from a broken import or a time-zone mix-up, and the
    email built from it prints dates that cannot be true. An event after the
    send time means the email announces something that has not happened yet.

    Example
    `{"order": {"placed_at": "2024-05-02T10:00:00Z", "shipped_at": "2024-05-01T09:00:00Z"}}`

    Use instead
    Fix the data (often a local time stored without its offset) before sending.
    """
    skew_minutes = options["clock_skew_minutes"]
    if isinstance(skew_minutes, bool) or not isinstance(skew_minutes, (int, float)) or not 0 <= skew_minutes <= 525_960:
        raise ConfigError(f"[triggers] clock_skew_minutes: {skew_minutes!r} must be zero or more, at most a year")
    skew = timedelta(minutes=skew_minutes)
    facts = facts_for(context)
    placed = facts.time("order_placed_at")
    shipped = facts.time("order_shipped_at")
    delivered = facts.time("order_delivered_at")
    ref = _order_ref(context)
    order_id = facts.text("order_id")

    def name(field: str) -> str:
        return path_of(context, field)

    # differences, not shifted dates: a date at year 1 or 9999 must not overflow
    if placed and shipped and placed - shipped > skew:
        yield Finding(
            f"{_cap(ref)} shipped before it was placed: {name('order_shipped_at')} {_fmt(shipped)} is "
            f"{describe_age(placed - shipped)} before {name('order_placed_at')} {_fmt(placed)}",
            data={"problem": "shipped_before_placed", "event_at": shipped, "order_id": order_id},
        )
    if delivered and shipped and shipped - delivered > skew:
        yield Finding(
            f"{_cap(ref)} was delivered before it shipped: {name('order_delivered_at')} {_fmt(delivered)} is "
            f"{describe_age(shipped - delivered)} before {name('order_shipped_at')} {_fmt(shipped)}",
            data={"problem": "delivered_before_shipped", "event_at": delivered, "order_id": order_id},
        )
    elif delivered and placed and not shipped and placed - delivered > skew:
        yield Finding(
            f"{_cap(ref)} was delivered before it was placed: {name('order_delivered_at')} {_fmt(delivered)} is "
            f"{describe_age(placed - delivered)} before {name('order_placed_at')} {_fmt(placed)}",
            data={"problem": "delivered_before_placed", "event_at": delivered, "order_id": order_id},
        )
    send_at = facts.sent(email)
    for field in ("event_at", "order_placed_at", "order_shipped_at", "order_delivered_at"):
        at = facts.time(field)
        if at is not None and at - send_at > skew:
            yield Finding(
                f"{name(field)} {_fmt(at)} is {describe_age(at - send_at)} after the send time "
                f"{_fmt(send_at)}: the email would announce something that has not happened yet",
                suggestion="check the time zone of the stored timestamps",
                data={"problem": "after_send", "field": name(field), "event_at": at, "send_at": send_at},
            )


# ---------------------------------------------------------------- TRG005

_DATE_KIND_STAGE = {"order": 0, "ship": 1, "delivery": 2}
_DATE_KIND_TYPE = {"order": "order_confirmation", "ship": "shipped", "delivery": "delivered"}
_DATE_KIND_WORD = {"order": "order date", "ship": "shipping date", "delivery": "delivery date"}


def content_date_limit(kind: str, date_kind: str, settings: Any, old_order: timedelta) -> timedelta:
    """How old a printed date may be in an email of type ``kind``.

    The date of the email's own event: the type's maximum age. An earlier
    stage (the order date in a shipping notice): that plus ``old_order_days``.
    A later stage (an estimated delivery in a shipping notice): the maximum
    age of that stage's type."""
    type_age = settings.max_age(kind)
    stage = STAGES.get(kind)
    date_stage = _DATE_KIND_STAGE[date_kind]
    if stage is None or date_stage < stage:
        return type_age + old_order
    if date_stage == stage:
        return type_age
    return settings.max_age(_DATE_KIND_TYPE[date_kind]) or type_age


@rule(code="TRG005", name="stale-content-date", summary="A date printed in the email is too old for what it announces",
      severity="error", section="triggers", uses_context=True,
      options={**TYPE_OPTIONS, **OLD_ORDER_OPTIONS, "date_order": "auto"},
      option_docs={**TYPE_OPTION_DOCS, **OLD_ORDER_DOCS,
                   "date_order": 'day/month order of numeric dates: "auto" (from lang), "dmy" or "mdy"'})
def stale_content_date(email, context, options) -> Iterator[Finding]:
    """What it does
    Reads dates printed next to order, shipping, delivery or purchase words
    ("Date shipped: aug 28, 2016", "Ordered on 03/04/2021") and reports those
    older than the email's event type allows at send time (`send_at`, else
    the `Date` header of an .eml file, else now). No context is needed: the content alone shows
    a replayed email. Zero-width characters inside dates are ignored; English
    month names, ISO and numeric dates are read. The day/month order of
    numeric dates comes from `date_order`, else from the email's `lang`
    (`en-US`: month first; `en-GB`, `de`, `fr`: day first). When it cannot be
    told and the two readings disagree, the date is reported as ambiguous
    (info), not guessed. A date printed without a year is read as the nearest
    one to the send time (warning).

    The date of the email's own event may be as old as the type's maximum age
    (72 hours for a shipping date in a shipping notice); an earlier stage (the
    order date in a shipping notice) that plus `old_order_days`; a later stage
    (a past "estimated delivery" in a shipping notice) that stage's maximum age.

    Why is this bad?
    A shipping notice that says "Date shipped: Aug 28, 2016" in 2024 tells
    every recipient the email was not meant for now.

    Example
    `<p>Your order has shipped!</p><p>Date shipped: aug&zwnj; 28, 2016</p>`

    Use instead
    Print the date from the event being sent, and only send recent events.
    """
    date_order = options["date_order"]
    if date_order not in ("auto", "dmy", "mdy"):
        raise ConfigError(f'[triggers] date_order: {date_order!r}; choose "auto", "dmy" or "mdy"')
    dates = printed_dates(email, date_order)
    if not dates:
        return
    settings = settings_for(options)
    resolved = resolve(email, context, settings)
    kind = resolved.kind
    if settings.max_age(kind) is None:
        return
    old_order = timedelta(days=positive_number(options, "old_order_days"))
    facts = facts_for(context)
    send_at = facts.sent(email)
    today = send_at.date()
    label = settings.label(kind)
    for printed in dates:
        limit = content_date_limit(kind, printed.kind, settings, old_order)
        readings = printed.resolve(today)
        ages = [send_at - datetime.combine(day, time.max, tzinfo=send_at.tzinfo) for day in readings]
        stale = [age > limit for age in ages]
        what = _DATE_KIND_WORD[printed.kind]
        data = {"event_type": kind, "date_kind": printed.kind, "printed": printed.text,
                "readings": [d.isoformat() for d in readings], "send_at": send_at,
                "event_at": datetime.combine(min(readings), time.min, tzinfo=send_at.tzinfo),
                "max_age_seconds": int(limit.total_seconds())}
        if all(stale):
            age = min(ages)
            if printed.ambiguous:
                note = f" (read either way: {' or '.join(_long(d) for d in readings)})"
            elif printed.month_day is not None:
                note = f" (no year; read as {_long(readings[0])})"
            else:
                note = ""
            yield Finding(
                f"{_cap(what)} {printed.text!r}{note} is {describe_age(age)} before the send time "
                f"{_fmt(send_at)}; in a {label} it may be at most {describe_age(limit)} old",
                span=printed.span,
                severity=Severity.WARNING if printed.month_day is not None else None,
                suggestion=f"print the date of the event being sent, and send {label}s only for recent events",
                data=data,
            )
        elif any(stale):
            yield Finding(
                f"Could not verify the {what} {printed.text!r}: it reads as {_long(readings[0])} or "
                f"{_long(readings[1])}, and only one of them is older than a {label} allows",
                span=printed.span,
                severity=Severity.INFO,
                suggestion='set lang on <html> (en-US, en-GB, ...) or [tool.oopslint.triggers] date_order = "dmy"',
                data={**data, "ambiguous": True},
            )


def _long(day: Any) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"
