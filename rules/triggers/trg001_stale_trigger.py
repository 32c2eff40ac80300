"""TRG001 stale-trigger: The event this email announces is too old to announce."""

from __future__ import annotations

from collections.abc import Iterator

from oopslint import Finding, rule

from ._common import (
    TYPE_OPTION_DOCS,
    TYPE_OPTIONS,
    cap,
    fmt,
)
from .batch_rows import TriggerRows
from .events import describe_age, settings_for
from .facts import (
    event_time,
    facts_for,
    needs_event_time,
    path_of,
    resolve,
)


@rule(
    code="TRG001",
    name="stale-trigger",
    summary="The event this email announces is too old to announce",
    severity="error",
    section="triggers",
    uses_context=True,
    options=TYPE_OPTIONS,
    option_docs=TYPE_OPTION_DOCS,
)
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
    resolved = resolve(email, facts, settings)
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
    if getattr(context, "brief", False):  # a batch row that is counted, not shown
        yield Finding("", data={"event_at": at})
        return
    label = settings.label(kind)
    yield Finding(
        f"{cap(label)} for an event {describe_age(age)} old ({path_of(context, field)} {fmt(at)}, "
        f"send time {fmt(send_at)}); a {label} is stale after {describe_age(limit)}",
        suggestion=f"do not send {label}s for old events; if this window is too short, set "
        f'[tool.oopslint.triggers] max_age = {{{kind} = "..."}}',
        data={
            "event_type": kind,
            "type_source": resolved.source,
            "event_at": at,
            "send_at": send_at,
            "age_seconds": int(age.total_seconds()),
            "max_age_seconds": int(limit.total_seconds()),
        },
    )


# in a batch, TRG001-TRG004 are decided together on most rows (see batch_rows.py)
stale_trigger.check.row_checker = TriggerRows  # type: ignore[attr-defined]
