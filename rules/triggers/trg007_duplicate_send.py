"""TRG007 duplicate-send: The same recipient gets the same email more than once."""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Any

from oopslint import ConfigError, Finding, rule

from .facts import (
    path_of,
)

DUPLICATE_OPTIONS = {"duplicate_key": ["event_type", "event_id", "order_id", "event_at"], "show_recipients": False}

DUPLICATE_DOCS = {
    "duplicate_key": "context fields that, with recipient.email, identify one send (logical names or dotted paths)",
    "show_recipients": "print recipient addresses in full instead of masked (a***@example.com)",
}


class _SeenKeys:
    """An open-addressing set of 64-bit key hashes with the first row and a
    copy count for each: about 13 bytes per slot, so a million recipients
    take tens of megabytes rather than the hundreds a dict of strings would."""

    def __init__(self) -> None:
        self.size = 1 << 15
        self.used = 0
        self.keys = array("q", bytes(8 * self.size))
        self.rows = array("I", bytes(4 * self.size))
        self.counts = array("B", bytes(self.size))

    def add(self, key: int, row: int) -> tuple[int, int] | None:
        """Record ``key``; for a repeat, return (first row, copies so far)."""
        if key == 0:
            key = 1
        keys = self.keys
        mask = self.size - 1
        slot = key & mask
        while True:
            found = keys[slot]
            if found == 0:
                keys[slot] = key
                self.rows[slot] = row
                self.counts[slot] = 1
                self.used += 1
                if self.used * 10 > self.size * 7:
                    self._grow()
                return None
            if found == key:
                count = self.counts[slot]
                if count < 255:
                    count += 1
                    self.counts[slot] = count
                return self.rows[slot], count
            slot = (slot + 1) & mask

    def _grow(self) -> None:
        old_keys, old_rows, old_counts = self.keys, self.rows, self.counts
        self.size *= 2
        self.keys = array("q", bytes(8 * self.size))
        self.rows = array("I", bytes(4 * self.size))
        self.counts = array("B", bytes(self.size))
        mask = self.size - 1
        keys, rows, counts = self.keys, self.rows, self.counts
        for index, key in enumerate(old_keys):
            if key:
                slot = key & mask
                while keys[slot]:
                    slot = (slot + 1) & mask
                keys[slot] = key
                rows[slot] = old_rows[index]
                counts[slot] = old_counts[index]


def mask_email(address: str) -> str:
    local, at, domain = address.partition("@")
    if not at:
        return address[:1] + "***"
    return f"{local[:1]}***@{domain}"


@rule(
    code="TRG007",
    name="duplicate-send",
    summary="The same recipient gets the same email more than once",
    severity="error",
    section="triggers",
    scope="batch",
    uses_context=True,
    options=DUPLICATE_OPTIONS,
    option_docs=DUPLICATE_DOCS,
)
def duplicate_send(batch, context, options) -> Iterator[Any]:
    """What it does
    Reports a batch (`oopslint batch`) in which the same recipient
    (`recipient.email`, compared without case) would get the same event more
    than once. The event is identified by `duplicate_key`: by default
    `event.type`, `event.id`, `order.id` and `event.at`, each only when present,
    so two shipments of one order with different event ids are not duplicates,
    and a newsletter row with no event data is one send per recipient. Rows
    without a recipient are counted as bad rows. Memory grows by about 20 bytes
    per distinct recipient.

    Why is this bad?
    A newsletter once went out 2 to 10 times to each person on a 25,000-name
    list: a join in the audience query multiplied the rows. Recipients
    unsubscribe and mark the sender as spam, which hurts every later send.

    Example
    Rows 3 and 17 both `{"recipient": {"email": "ada@example.com"}, "order": {"id": "A-1"}}`.

    Use instead
    Deduplicate the audience on recipient and event before sending.
    """
    key_fields = options["duplicate_key"]
    if not isinstance(key_fields, list) or not all(isinstance(f, str) and f for f in key_fields):
        raise ConfigError(f"[triggers] duplicate_key: {key_fields!r} must be a list of field names")
    key_fields = tuple(key_fields)
    show = bool(options["show_recipients"])
    seen = _SeenKeys()
    repeated_rows = 0
    recipients = 0
    most = 1
    samples: list[dict[str, Any]] = []
    while (row := (yield)) is not None:
        row_context = row.context
        get = row_context.get
        recipient = get("recipient_email")
        if recipient is None or not str(recipient).strip():
            row.reject(f"no {path_of(row_context, 'recipient_email')}: cannot check for duplicate sends")
            continue
        parts: list[Any] = [str(recipient).strip().lower()]
        for field in key_fields:
            value = get(field)
            if value.__class__ is str:
                value = value.strip().lower()
            elif value is not None and not isinstance(value, (int, float)):
                value = repr(value)
            parts.append(value)
        repeat = seen.add(hash(tuple(parts)), row.number)
        if repeat is None:
            continue
        first_row, copies = repeat
        repeated_rows += 1
        if copies == 2:
            recipients += 1
        most = max(most, copies)
        if len(samples) < batch.sample_size:
            address = str(recipient).strip()
            samples.append(
                {
                    "row": row.number,
                    "id": row.id,
                    "first_row": first_row,
                    "recipient": address if show else mask_email(address),
                }
            )
    if not repeated_rows:
        return
    examples = "; ".join(f"row {s['row']} repeats row {s['first_row']} for {s['recipient']}" for s in samples[:3])
    yield Finding(
        f"{recipients:,} recipient{'s' if recipients != 1 else ''} would get this email more than once: "
        f"{repeated_rows:,} extra cop{'ies' if repeated_rows != 1 else 'y'}, up to {most if most < 255 else '255+'} "
        f"to one recipient ({examples})",
        suggestion="deduplicate the audience on recipient and event before sending",
        data={
            "recipients": recipients,
            "extra_copies": repeated_rows,
            "max_copies": most,
            "samples": samples,
            "key": ["recipient_email", *key_fields],
        },
    )
