"""TRG003 status-mismatch: The email says one thing, the order data another."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Finding, Severity, rule

from ._common import (
    TYPE_OPTION_DOCS,
    TYPE_OPTIONS,
    cap,
    order_ref,
)
from .batch_rows import TriggerRows
from .events import STAGES, settings_for
from .facts import (
    facts_for,
    path_of,
    resolve,
    status_group,
)

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


@rule(
    code="TRG003",
    name="status-mismatch",
    summary="The email says one thing, the order data another",
    severity="error",
    section="triggers",
    uses_context=True,
    options=TYPE_OPTIONS,
    option_docs=TYPE_OPTION_DOCS,
)
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
    facts = facts_for(context)
    resolved = resolve(email, facts, settings)
    if resolved.config_kind or resolved.content.confident:  # else _type_conflicts has nothing to say
        yield from _type_conflicts(resolved, context, settings)
    kind = resolved.kind
    if kind not in _SAYS:
        return
    raw_status = facts.get("order_status")
    group = status_group(raw_status)
    # the common consistent rows, without building the words of a message
    if kind == "shipped" and group in ("in_transit", "delivered", "done"):
        facts.time("order_shipped_at")  # read as below: a malformed value still makes the row bad
        return
    if kind == "delivered" and group in ("delivered", "done"):
        facts.time("order_delivered_at")
        return
    status_path = path_of(context, "order_status")
    label = settings.label(kind)
    ref = order_ref(context)
    data = {"event_type": kind, "order_id": facts.text("order_id"), "order_status": raw_status}
    if group in ("cancelled", "refunded"):
        yield Finding(
            f"{cap(label)} {_SAYS[kind]}, but {ref} is {_STATUS_WORDS[group]} ({status_path} = {raw_status!r})",
            suggestion=f"do not send a {label} for a {_STATUS_WORDS[group]} order",
            data=data,
        )
        return
    if kind == "shipped":
        shipped_at = facts.time("order_shipped_at")
        if group == "pending" and shipped_at is None:
            yield Finding(
                f"{cap(label)} {_SAYS[kind]}, but {ref} has not shipped ({status_path} = {raw_status!r}, "
                f"no {path_of(context, 'order_shipped_at')})",
                suggestion="send the shipping notice from the shipment event, after the carrier has the parcel",
                data=data,
            )
        elif (
            group is None
            and raw_status in (None, "")
            and shipped_at is None
            and _has_order(facts)
            and facts.time("event_at") is None
        ):
            yield Finding(
                f"{cap(label)} {_SAYS[kind]}, but {ref} has no {path_of(context, 'order_shipped_at')} "
                f"and no {status_path}: nothing says it shipped",
                severity=Severity.WARNING,
                data=data,
            )
    elif kind == "delivered":
        delivered_at = facts.time("order_delivered_at")
        if delivered_at is None and group in ("pending", "in_transit"):
            yield Finding(
                f"{cap(label)} {_SAYS[kind]}, but {ref} is {_STATUS_WORDS[group]} ({status_path} = "
                f"{raw_status!r}, no {path_of(context, 'order_delivered_at')})",
                suggestion="send the delivery notice from the carrier's delivery event",
                data=data,
            )
        elif (
            delivered_at is None
            and group is None
            and raw_status in (None, "")
            and _has_order(facts)
            and facts.time("event_at") is None
        ):
            yield Finding(
                f"{cap(label)} {_SAYS[kind]}, but {ref} has no {path_of(context, 'order_delivered_at')} "
                f"and no {status_path}: nothing says it was delivered",
                severity=Severity.WARNING,
                data=data,
            )
    elif kind == "review_request":
        if facts.time("order_delivered_at") is None and group in ("pending", "in_transit"):
            yield Finding(
                f"{cap(label)} {_SAYS[kind]}, but {ref} is {_STATUS_WORDS[group]} ({status_path} = {raw_status!r})",
                severity=Severity.WARNING,
                suggestion="ask for reviews after delivery",
                data=data,
            )


# in a batch, TRG001-TRG004 are decided together on most rows (see batch_rows.py)
status_mismatch.check.row_checker = TriggerRows  # type: ignore[attr-defined]
