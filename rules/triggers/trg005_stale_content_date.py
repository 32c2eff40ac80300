"""TRG005 stale-content-date: A date printed in the email is too old for what it announces."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

from oopslint import ConfigError, Finding, Severity, rule
from oopslint.text import printed_dates

from ._common import (
    OLD_ORDER_DOCS,
    OLD_ORDER_OPTIONS,
    TYPE_OPTION_DOCS,
    TYPE_OPTIONS,
    cap,
    fmt,
)
from .events import STAGES, describe_age, settings_for
from .facts import (
    header_date,
    positive_number,
    resolve_read,
)

_DATE_KIND_STAGE = {"order": 0, "ship": 1, "delivery": 2}

_DATE_KIND_TYPE = {"order": "order_confirmation", "ship": "shipped", "delivery": "delivered"}

_DATE_KIND_WORD = {"order": "order date", "ship": "shipping date", "delivery": "delivery date"}


def content_date_limit(kind: str | None, date_kind: str, settings: Any, old_order: timedelta) -> timedelta:
    """How old a printed date may be in an email of type ``kind``.

    The date of the email's own event: the type's maximum age. An earlier
    stage (the order date in a shipping notice): that plus ``old_order_days``.
    A later stage (an estimated delivery in a shipping notice): the maximum
    age of that stage's type."""
    type_age = settings.max_age(kind)
    stage = STAGES.get(kind) if kind is not None else None
    date_stage = _DATE_KIND_STAGE[date_kind]
    if stage is None or date_stage < stage:
        return type_age + old_order
    if date_stage == stage:
        return type_age
    return settings.max_age(_DATE_KIND_TYPE[date_kind]) or type_age


def _long(day: Any) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


@rule(
    code="TRG005",
    name="stale-content-date",
    summary="A date printed in the email is too old for what it announces",
    severity="error",
    section="triggers",
    uses_context=True,
    options={**TYPE_OPTIONS, **OLD_ORDER_OPTIONS, "date_order": "auto"},
    option_docs={
        **TYPE_OPTION_DOCS,
        **OLD_ORDER_DOCS,
        "date_order": 'day/month order of numeric dates: "auto" (from lang), "dmy" or "mdy"',
    },
)
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
    # each value read only once it is needed: in a batch, the outcome is remembered by the values read
    kind = resolve_read(email, context.get("event_type"), settings).kind
    if settings.max_age(kind) is None:
        return
    old_order = timedelta(days=positive_number(options, "old_order_days"))
    send_at = context.time("send_at") or header_date(email) or context.send_at
    today = send_at.date()
    label = settings.label(kind)
    for printed in dates:
        limit = content_date_limit(kind, printed.kind, settings, old_order)
        readings = printed.resolve(today)
        ages = [send_at - datetime.combine(day, time.max, tzinfo=send_at.tzinfo) for day in readings]
        stale = [age > limit for age in ages]
        if not any(stale):
            continue
        what = _DATE_KIND_WORD[printed.kind]
        data = {
            "event_type": kind,
            "date_kind": printed.kind,
            "printed": printed.text,
            "readings": [d.isoformat() for d in readings],
            "send_at": send_at,
            "event_at": datetime.combine(min(readings), time.min, tzinfo=send_at.tzinfo),
            "max_age_seconds": int(limit.total_seconds()),
        }
        if all(stale):
            age = min(ages)
            if printed.ambiguous:
                note = f" (read either way: {' or '.join(_long(d) for d in readings)})"
            elif printed.month_day is not None:
                note = f" (no year; read as {_long(readings[0])})"
            else:
                note = ""
            yield Finding(
                f"{cap(what)} {printed.text!r}{note} is {describe_age(age)} before the send time "
                f"{fmt(send_at)}; in a {label} it may be at most {describe_age(limit)} old",
                span=printed.span,
                severity=Severity.WARNING if printed.month_day is not None else None,
                suggestion=f"print the date of the event being sent, and send {label}s only for recent events",
                data=data,
            )
        else:
            yield Finding(
                f"Could not verify the {what} {printed.text!r}: it reads as {_long(readings[0])} or "
                f"{_long(readings[1])}, and only one of them is older than a {label} allows",
                span=printed.span,
                severity=Severity.INFO,
                suggestion='set lang on <html> (en-US, en-GB, ...) or [tool.oopslint.triggers] date_order = "dmy"',
                data={**data, "ambiguous": True},
            )
