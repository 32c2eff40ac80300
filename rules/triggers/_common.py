"""Helpers the TRG rules share: the option tables several rules declare, and how
times and orders read in messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .facts import (
    facts_for,
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


def fmt(at: datetime) -> str:
    """``2024-05-02 09:00Z``, or just the date at midnight."""
    if not (at.hour or at.minute or at.second):
        return at.date().isoformat()
    text = at.isoformat(" ", "minutes")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def order_ref(context: Any) -> str:
    order_id = facts_for(context).text("order_id")
    return f"order {order_id}" if order_id is not None else "the order"
