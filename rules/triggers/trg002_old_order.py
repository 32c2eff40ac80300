"""TRG002 old-order: A shipping or delivery notice for an old order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from oopslint import Finding, rule

from ._common import (
    OLD_ORDER_DOCS,
    OLD_ORDER_OPTIONS,
    TYPE_OPTION_DOCS,
    TYPE_OPTIONS,
    cap,
    fmt,
    order_ref,
)
from .batch_rows import TriggerRows
from .events import describe_age, settings_for
from .facts import (
    ORDER_TYPES,
    facts_for,
    path_of,
    positive_number,
    resolve,
)


@rule(
    code="TRG002",
    name="old-order",
    summary="A shipping or delivery notice for an old order",
    severity="error",
    section="triggers",
    uses_context=True,
    options={**TYPE_OPTIONS, **OLD_ORDER_OPTIONS},
    option_docs={**TYPE_OPTION_DOCS, **OLD_ORDER_DOCS},
)
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
    facts = facts_for(context)
    resolved = resolve(email, facts, settings)
    if resolved.kind not in ORDER_TYPES:
        return
    days = positive_number(options, "old_order_days")
    placed = facts.time("order_placed_at")
    if placed is None:
        return
    age = facts.sent(email) - placed
    limit = timedelta(days=days)
    if age <= limit:
        return
    if getattr(context, "brief", False):  # a batch row that is counted, not shown
        yield Finding("", data={"event_at": placed})
        return
    label = settings.label(resolved.kind)
    yield Finding(
        f"{cap(label)} for {order_ref(context)} placed {describe_age(age)} before sending "
        f"({path_of(context, 'order_placed_at')} {fmt(placed)}); orders older than {days:g} days "
        f"should not get a {label}",
        suggestion="exclude old orders from this send (a backfill or migration replays history)",
        data={
            "event_type": resolved.kind,
            "event_at": placed,
            "order_id": facts.text("order_id"),
            "age_days": round(age.total_seconds() / 86400, 1),
            "old_order_days": days,
        },
    )


# in a batch, TRG001-TRG004 are decided together on most rows (see batch_rows.py)
old_order.check.row_checker = TriggerRows  # type: ignore[attr-defined]
