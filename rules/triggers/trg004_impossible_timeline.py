"""TRG004 impossible-timeline: The order's timestamps cannot all be true."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from oopslint import ConfigError, Finding, rule

from ._common import (
    cap,
    fmt,
    order_ref,
)
from .batch_rows import TriggerRows
from .events import describe_age
from .facts import (
    facts_for,
    path_of,
)


@rule(
    code="TRG004",
    name="impossible-timeline",
    summary="The order's timestamps cannot all be true",
    severity="error",
    section="triggers",
    uses_context=True,
    options={"clock_skew_minutes": 5},
    option_docs={"clock_skew_minutes": "tolerance for clocks of different systems"},
)
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

    # differences, not shifted dates: a date at year 1 or 9999 must not overflow
    if getattr(context, "brief", False):  # a batch row that is counted, not shown
        yield from _brief(facts.sent(email), placed, shipped, delivered, facts.time("event_at"), skew)
        return

    def name(field: str) -> str:
        return path_of(context, field)

    if placed and shipped and placed - shipped > skew:
        yield Finding(
            f"{cap(order_ref(context))} shipped before it was placed: {name('order_shipped_at')} {fmt(shipped)} is "
            f"{describe_age(placed - shipped)} before {name('order_placed_at')} {fmt(placed)}",
            data={"problem": "shipped_before_placed", "event_at": shipped, "order_id": facts.text("order_id")},
        )
    if delivered and shipped and shipped - delivered > skew:
        yield Finding(
            f"{cap(order_ref(context))} was delivered before it shipped: {name('order_delivered_at')} {fmt(delivered)} is "
            f"{describe_age(shipped - delivered)} before {name('order_shipped_at')} {fmt(shipped)}",
            data={"problem": "delivered_before_shipped", "event_at": delivered, "order_id": facts.text("order_id")},
        )
    elif delivered and placed and not shipped and placed - delivered > skew:
        yield Finding(
            f"{cap(order_ref(context))} was delivered before it was placed: {name('order_delivered_at')} {fmt(delivered)} is "
            f"{describe_age(placed - delivered)} before {name('order_placed_at')} {fmt(placed)}",
            data={"problem": "delivered_before_placed", "event_at": delivered, "order_id": facts.text("order_id")},
        )
    send_at = facts.sent(email)
    for field in ("event_at", "order_placed_at", "order_shipped_at", "order_delivered_at"):
        at = facts.time(field)
        if at is not None and at - send_at > skew:
            yield Finding(
                f"{name(field)} {fmt(at)} is {describe_age(at - send_at)} after the send time "
                f"{fmt(send_at)}: the email would announce something that has not happened yet",
                suggestion="check the time zone of the stored timestamps",
                data={"problem": "after_send", "field": name(field), "event_at": at, "send_at": send_at},
            )


def _brief(
    send_at: datetime,
    placed: datetime | None,
    shipped: datetime | None,
    delivered: datetime | None,
    event_at: datetime | None,
    skew: timedelta,
) -> Iterator[Finding]:
    """The findings of :func:`impossible_timeline` without their text: one
    per problem, in the same order, each with its ``event_at``."""
    if placed and shipped and placed - shipped > skew:
        yield Finding("", data={"event_at": shipped})
    if delivered and shipped and shipped - delivered > skew:
        yield Finding("", data={"event_at": delivered})
    elif delivered and placed and not shipped and placed - delivered > skew:
        yield Finding("", data={"event_at": delivered})
    for at in (event_at, placed, shipped, delivered):  # in the order the full check reports them
        if at is not None and at - send_at > skew:
            yield Finding("", data={"event_at": at})


# in a batch, TRG001-TRG004 are decided together on most rows (see batch_rows.py)
impossible_timeline.check.row_checker = TriggerRows  # type: ignore[attr-defined]
