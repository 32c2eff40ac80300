"""What the TRG rules share of one row: SendContext.values and SendContext.memo."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

from oopslint import SendContext
from rules.triggers.facts import facts_for

ROOT = Path(__file__).resolve().parents[2]


def _readable_rows() -> list[dict]:
    rows = []
    for line in (ROOT / "fixtures" / "triggers" / "bad-rows.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue  # the file's deliberately unreadable rows
        if isinstance(row, dict):
            rows.append(row)
    return rows


ROWS = _readable_rows()


def test_values_reads_what_get_reads_on_every_fixture_row():
    names = (
        "send_at",
        "order_placed_at",
        "order_status",
        "recipient_email",
        "event_type",
        "order.id",
        "id",
        "nothing.here",
    )
    for data in ROWS:
        context = SendContext(data=data, fields={"order_placed_at": "order.placed_at"})
        assert context.values(names) == tuple(context.get(name) for name in names)


def test_values_follows_renamed_fields_lists_and_missing_parts():
    data = {"o": {"created": "2024-05-01T10:00:00Z", "items": [{"sku": "A-1"}]}, "order": None, "event": "shipped"}
    context = SendContext(data=data, fields={"order_placed_at": "o.created"})
    names = ("order_placed_at", "o.items.0.sku", "order_id", "event_type", "event")
    assert context.values(names) == ("2024-05-01T10:00:00Z", "A-1", None, None, "shipped")


def test_values_with_equal_field_maps_share_one_reader_and_different_ones_do_not():
    # every lint of an email makes a context of its own: the reader of its
    # fields is made once per list of paths, not once per context
    from oopslint import context as context_module

    names = ("order_placed_at", "order_status", "recipient_email")
    data = {"o": {"created": "2024-05-01T10:00:00Z"}, "order": {"status": "shipped"}, "to": "a@example.com"}
    fields = {"order_placed_at": "o.created", "recipient_email": "to"}
    first = SendContext(data=data, fields=dict(fields))
    assert first.values(names) == ("2024-05-01T10:00:00Z", "shipped", "a@example.com")
    readers = len(context_module._READERS)
    for _ in range(3):
        assert SendContext(data=data, fields=dict(fields)).values(names) == first.values(names)
    assert len(context_module._READERS) == readers
    renamed = SendContext(
        data={**data, "placed": "2020-01-01T00:00:00Z"}, fields={**fields, "order_placed_at": "placed"}
    )
    assert renamed.values(names) == ("2020-01-01T00:00:00Z", "shipped", "a@example.com")


def test_memo_computes_once_per_context_and_a_copy_starts_empty():
    context = SendContext(data={"order": {"status": "shipped"}})
    calls: list[SendContext] = []

    def status(ctx: SendContext) -> str:
        calls.append(ctx)
        return str(ctx.get("order_status")).upper()

    assert context.memo("acme.status", status) == "SHIPPED"
    assert context.memo("acme.status", status) == "SHIPPED"
    assert calls == [context]
    row = context.with_data({"order": {"status": "cancelled"}})
    assert row.memo("acme.status", status) == "CANCELLED"
    assert len(calls) == 2
    copied = pickle.loads(pickle.dumps(context))
    assert copied.memo("acme.status", status) == "SHIPPED" and len(calls) == 3


def test_trigger_rules_share_one_parse_of_a_row_and_keep_nothing_after_it():
    base = SendContext(strict=True)
    first = base.with_data(ROWS[0])
    facts = facts_for(first)
    assert facts_for(first) is facts
    assert facts.time("order_placed_at").isoformat() == "2024-05-01T10:00:00+00:00"
    second = base.with_data(ROWS[0])
    assert facts_for(second) is not facts  # another row's context: its own facts
