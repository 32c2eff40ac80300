"""The peer of `oopslint batch` on a shipping notice: the same checks in plain Python.

    python bench/trigger_peer.py ROWS.jsonl

What a hand-written batch checker for one shipping-notice template does, with
oopslint's defaults (and nothing else: no template parsing, no other event
types, no configuration): read JSON Lines, parse the timestamps, and count

- TRG001 stale trigger: the shipment (``event.at``, else ``order.shipped_at``)
  older than 72 hours at ``send_at``;
- TRG002 old order: ``order.placed_at`` more than 30 days before ``send_at``;
- TRG003 status mismatch: an ``order.status`` that says the order did not ship;
- TRG004 impossible timeline: shipped before placed, delivered before shipped,
  or an event after the send;
- TRG006 replayed batch: more than 20% of the rows stale, or their order dates
  spread over more than 365 days (the oldest and newest 1% left out);
- TRG007 duplicate send: a recipient, event and order seen before in the batch
  (one finding, with the number of extra copies);
- bad rows: unreadable JSON, a timestamp without offset or not a date, no
  event time, no recipient.

``bench/bench_triggers.py`` runs it beside oopslint and checks that the counts agree.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from typing import Any

MAX_AGE = timedelta(hours=72)
OLD_ORDER = timedelta(days=30)
REPLAY_SHARE = 0.2
REPLAY_SPREAD_DAYS = 365
REPLAY_MIN_ROWS = 10
NOT_SHIPPED = {"pending", "processing", "unfulfilled", "on_hold", "on-hold", "cancelled", "canceled", "refunded"}


class BadRow(Exception):
    pass


def _time(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRow("not a timestamp")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadRow("not an ISO 8601 timestamp") from None
    if moment.tzinfo is None:
        raise BadRow("no timezone")
    return moment


def check(path: str) -> dict[str, int]:
    counts = {
        "rows": 0,
        "bad_rows": 0,
        "TRG001": 0,
        "TRG002": 0,
        "TRG003": 0,
        "TRG004": 0,
        "TRG006": 0,
        "TRG007": 0,
        "extra_copies": 0,
    }
    seen: set[tuple[str, str]] = set()
    judged = stale = 0
    days: dict[int, int] = {}
    loads = json.loads
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            counts["rows"] += 1
            try:
                row = loads(line)
                if type(row) is not dict:
                    raise BadRow("not an object")
                order = row.get("order") or {}
                event = row.get("event") or {}
                send_at = _time(row.get("send_at"))
                placed = _time(order.get("placed_at"))
                shipped = _time(order.get("shipped_at"))
                delivered = _time(order.get("delivered_at"))
                event_at = _time(event.get("at")) or shipped
                if event_at is None:
                    raise BadRow("no event time")
                email = (row.get("recipient") or {}).get("email")
                if not email:
                    raise BadRow("no recipient")
            except (BadRow, ValueError):
                counts["bad_rows"] += 1
                continue
            assert send_at is not None
            is_stale = False
            if send_at - event_at > MAX_AGE:
                counts["TRG001"] += 1
                is_stale = True
            if placed is not None and send_at - placed > OLD_ORDER:
                counts["TRG002"] += 1
                is_stale = True
            if str(order.get("status") or "").lower() in NOT_SHIPPED:
                counts["TRG003"] += 1
            if (
                (placed is not None and shipped is not None and shipped < placed)
                or (shipped is not None and delivered is not None and delivered < shipped)
                or event_at > send_at
            ):
                counts["TRG004"] += 1
            key = (
                email.strip().lower(),
                _key(event.get("type")),
                _key(event.get("id")),
                _key(order.get("id")),
                _key(event.get("at")),
            )
            if key in seen:
                counts["extra_copies"] += 1
            else:
                seen.add(key)
            judged += 1
            stale += is_stale
            day = (placed or event_at).date().toordinal()
            days[day] = days.get(day, 0) + 1
    counts["TRG007"] = 1 if counts["extra_copies"] else 0
    if judged >= REPLAY_MIN_ROWS:
        ordered = sorted(days.items())
        trim = judged // 100 if judged >= 100 else 0
        first = _nth(ordered, trim)
        last = _nth(ordered, judged - 1 - trim)
        if stale / judged > REPLAY_SHARE or last - first > REPLAY_SPREAD_DAYS:
            counts["TRG006"] = 1
    return counts


def _key(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _nth(ordered: list[tuple[int, int]], index: int) -> int:
    seen = 0
    for day, count in ordered:
        seen += count
        if seen > index:
            return day
    return ordered[-1][0]


if __name__ == "__main__":
    print(json.dumps(check(sys.argv[1])))
