"""TRG006 replayed-batch: The batch looks like replayed history, not live events."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import compress, repeat
from operator import add, gt, methodcaller, or_, sub
from typing import Any

from oopslint import ConfigError, ContextError, Finding, SendContext, rule

from ._common import (
    OLD_ORDER_DOCS,
    OLD_ORDER_OPTIONS,
    TYPE_OPTION_DOCS,
    TYPE_OPTIONS,
)
from .events import settings_for
from .facts import (
    EVENT_FIELDS,
    ORDER_TYPES,
    block_times,
    event_time,
    facts_for,
    header_date,
    positive_number,
    resolve,
    resolve_type,
    row_times,
)

_UNKNOWN: Any = object()
#: where each order time stands in (placed, shipped, delivered)
_TO_ORDINAL = methodcaller("toordinal")
_ORDER_TIMES = {"order_placed_at": 0, "order_shipped_at": 1, "order_delivered_at": 2}

REPLAY_OPTIONS = {"replay_share": 0.2, "replay_spread_days": 365, "replay_min_rows": 10}

REPLAY_DOCS = {
    "replay_share": "a batch with a larger share of stale rows (0.2 = 20%) is a replay",
    "replay_spread_days": "a batch whose event dates spread over more days than this is a replay",
    "replay_min_rows": "smaller batches are not judged as a whole",
}


def _plural(label: str) -> str:
    return label + "s"


def _trimmed_range(days: Counter[int], total: int) -> tuple[int, int]:
    """First and last day, leaving out the oldest and newest 1% from 100 rows up."""
    trim = total // 100 if total >= 100 else 0
    ordered = sorted(days.items())
    seen = 0
    first = ordered[0][0]
    for day, count in ordered:
        seen += count
        if seen > trim:
            first = day
            break
    seen = 0
    last = ordered[-1][0]
    for day, count in reversed(ordered):
        seen += count
        if seen > trim:
            last = day
            break
    return first, last


def _per_year(days: Counter[int]) -> Counter[int]:
    years: Counter[int] = Counter()
    for day, count in days.items():
        years[date.fromordinal(day).year] += count
    return years


def _add_counts(counts: Counter[Any], more: Counter[Any]) -> None:
    """``counts.update(more)``, looked up and added in C (Counter.update loops in
    Python): folding one chunk's days per worker chunk is the reading process's work.
    New keys come in ``more``'s order after the old ones, as with update()."""
    keys = list(more)
    dict.update(counts, zip(keys, map(add, map(counts.get, keys, repeat(0)), more.values())))


def _years(days: int) -> str:
    return f"{days / 365.25:.1f} years" if days >= 365 else f"{days} days"


@rule(
    code="TRG006",
    name="replayed-batch",
    summary="The batch looks like replayed history, not live events",
    severity="error",
    section="triggers",
    scope="batch",
    uses_context=True,
    options={**TYPE_OPTIONS, **OLD_ORDER_OPTIONS, **REPLAY_OPTIONS},
    option_docs={**TYPE_OPTION_DOCS, **OLD_ORDER_DOCS, **REPLAY_DOCS},
)
def replayed_batch(batch, context, options) -> Iterator[Any]:
    """What it does
    Looks at a whole batch (`oopslint batch`) and reports one error when more
    than `replay_share` (default 20%) of its rows are stale (the event older
    than its type allows, or a shipping or delivery notice for an order older
    than `old_order_days`), or when the rows' dates (order date, else event
    date) spread over more than `replay_spread_days` (default 365; the oldest
    and newest 1% are left out in batches of 100 rows or more). The message
    gives the counts and a per-year breakdown.

    Why is this bad?
    Live transactional email is about events from the last hours or days. A
    batch full of old events is a backfill, a migration or a replayed queue:
    one retailer's new platform told customers, across years of old orders,
    that their orders had shipped.

    Example
    `11,842 of 25,000 shipping notices are for orders from 2019-2023`.

    Use instead
    Stop the send; filter the batch to events inside their window.
    """
    state = ReplayState(batch, context, options)
    while (row := (yield)) is not None:
        state.add(row)
    yield from state.findings()


class ReplayState:
    """What TRG006 keeps of the rows it has seen: counts per kind, day and
    year. Two states for consecutive runs of rows merge exactly by adding
    their counts, so a cluster can judge each partition where it is read and
    merge the partitions' states (the mergeable-state hook, ``check.mergeable``)."""

    def __init__(self, batch: Any, context: Any, options: Any):
        share_limit = positive_number(options, "replay_share")
        if share_limit >= 1:
            raise ConfigError(f"[triggers] replay_share: {share_limit!r} must be a fraction below 1, such as 0.2")
        self.share_limit = share_limit
        self.spread_limit = positive_number(options, "replay_spread_days")
        self.min_rows = int(options["replay_min_rows"])
        self.old_order = timedelta(days=positive_number(options, "old_order_days"))
        self.settings = settings_for(options)
        self.email = batch.email
        self.judged = self.stale = self.uses_orders = 0
        self.kinds: Counter[str] = Counter()
        self.days: Counter[int] = Counter()  # by date ordinal
        self.stale_days: Counter[int] = Counter()
        # event type as read -> the kind it resolves to; the email's Date header, read on first use
        self._kinds: dict[str | None, tuple[Any, ...]] = {}
        self._header_date: Any = _UNKNOWN

    def __getstate__(self) -> dict[str, Any]:
        state = dict(vars(self))
        state["email"] = None  # the parsed template stays where it was parsed
        state["_kinds"] = {}
        state["_header_date"] = None if self._header_date is _UNKNOWN else self._header_date
        return state

    @property
    def years(self) -> Counter[int]:
        """Judged rows per year of their date."""
        return _per_year(self.days)

    @property
    def stale_years(self) -> Counter[int]:
        """Stale rows per year of their date."""
        return _per_year(self.stale_days)

    def add(self, row: Any) -> None:
        row_context = row.context
        if row_context.__class__ is SendContext and self.email is not None:
            # the common row, read once for every TRG check (complete timestamps with their offset)
            times = row_times(row_context)
            if times is not None:
                self._add_times(times, row_context)
                return
        self._add(row)

    def _add_times(self, times: tuple[Any, ...], row_context: Any) -> None:
        """:meth:`add` for a row read as :func:`row_times` reads it."""
        type_raw, _status, send_at, at, placed, shipped, delivered = times
        kind, limit, fallback, reads_placed = self._kinds.get(type_raw) or self._kind(type_raw)
        if at is None and fallback is not None:
            at = (placed, shipped, delivered)[fallback]
        if not reads_placed:
            placed = None
        if send_at is None:
            if self._header_date is _UNKNOWN:
                self._header_date = header_date(self.email)
            send_at = self._header_date or row_context.send_at
        self._count(kind, send_at, placed, at, limit)

    def add_block(self, block: Any) -> None:
        """:meth:`add` for each row of a block of rows (see :mod:`oopslint.batch.rows`)."""
        if block.prototype.__class__ is not SendContext or self.email is None:
            for index in range(len(block)):
                self.add(block.row(index))
            return
        every = block_times(block)
        if self._add_columns(every):
            return
        for index, times in enumerate(every):
            if times is None:
                self._add(block.row(index))
            else:
                self._add_times(times, block.context(index))

    def _add_columns(self, every: list[tuple[Any, ...] | None]) -> bool:
        """:meth:`add_block` a field at a time, in C, for the common block: every
        row read (:func:`block_times`), one event type, a send time on every
        row, and each time it reads present on every row or on none. False,
        adding nothing, for any other block."""
        if not every or None in every:
            return False
        type_raw, _status, send, event, placed, shipped, delivered = zip(*every)
        if len(set(type_raw)) != 1 or None in send:
            return False
        kind, limit, fallback, reads_placed = self._kinds.get(type_raw[0]) or self._kind(type_raw[0])
        count = len(every)
        at = event
        if event.count(None) == count and fallback is not None:
            at = (placed, shipped, delivered)[fallback]
        if not reads_placed:
            placed = (None,) * count
        at_absent, placed_absent = at.count(None), placed.count(None)
        if at_absent not in (0, count) or placed_absent not in (0, count):
            return False
        if placed_absent == 0:
            reference = placed
        elif at_absent == 0:
            reference = at
        else:
            return True  # no row has a date to judge
        days = list(map(_TO_ORDINAL, reference))
        stale: Any = None  # per row, as _count judges it: an event past its age, or an old order
        if limit is not None and not at_absent:
            stale = map(gt, map(sub, send, at), repeat(limit))
        if not placed_absent and kind in ORDER_TYPES:
            old = map(gt, map(sub, send, placed), repeat(self.old_order))
            stale = old if stale is None else map(or_, stale, old)
        stale_rows = list(stale) if stale is not None else []
        self.judged += count
        if not placed_absent:
            self.uses_orders += count
        self.kinds[kind or ""] += count
        self.days.update(days)
        stale_count = stale_rows.count(True)
        if stale_count:
            self.stale += stale_count
            self.stale_days.update(compress(days, stale_rows))
        return True

    def _kind(self, type_raw: str | None) -> tuple[Any, ...]:
        """The kind an event type as read resolves to, its maximum age, where its
        stand-in order time is in (placed, shipped, delivered), and whether the order date counts."""
        kind = resolve_type(self.email, type_raw, self.settings).kind
        field = EVENT_FIELDS.get(kind or "")
        known = (
            kind,
            self.settings.max_age(kind),
            _ORDER_TIMES[field] if field else None,
            kind in ORDER_TYPES or kind is None,
        )
        if len(self._kinds) > 256:
            self._kinds.clear()
        self._kinds[type_raw] = known
        return known

    def _add(self, row: Any) -> None:
        settings = self.settings
        try:
            row_context = row.context
            facts = facts_for(row_context)
            resolved = resolve(self.email, facts, settings)
            kind = resolved.kind
            send_at = facts.sent(self.email)
            placed = facts.time("order_placed_at") if kind in ORDER_TYPES or kind is None else None
            found = event_time(facts, kind)
        except ContextError:
            return  # counted as a bad row by the rule that needs the value
        self._count(kind, send_at, placed, found[0] if found else None, settings.max_age(kind))

    def _count(self, kind: str | None, send_at: Any, placed: Any, event_at: Any, limit: Any) -> None:
        reference = placed or event_at
        if reference is None:
            return
        self.judged += 1
        if placed is not None:
            self.uses_orders += 1
        self.kinds[kind or ""] += 1
        day = reference.toordinal()
        self.days[day] += 1
        if (limit is not None and event_at is not None and send_at - event_at > limit) or (
            placed is not None and kind in ORDER_TYPES and send_at - placed > self.old_order
        ):
            self.stale += 1
            self.stale_days[day] += 1

    def merge(self, later: ReplayState) -> ReplayState:
        """This state followed by ``later``'s rows, as a new state (neither is changed)."""
        merged = copy.copy(self)
        for name in ("kinds", "days", "stale_days"):
            setattr(merged, name, Counter(getattr(self, name)))
        merged.absorb(later)
        return merged

    def absorb(self, later: ReplayState) -> None:
        """:meth:`merge`, changing this state instead of copying it."""
        for name in ("judged", "stale", "uses_orders"):
            setattr(self, name, getattr(self, name) + getattr(later, name))
        for name in ("kinds", "days", "stale_days"):
            _add_counts(getattr(self, name), getattr(later, name))

    def findings(self) -> Iterator[Finding]:
        judged, stale, days, years = self.judged, self.stale, self.days, self.years
        share_limit, spread_limit, settings = self.share_limit, self.spread_limit, self.settings
        if judged < max(self.min_rows, 1):
            return
        share = stale / judged
        first, last = _trimmed_range(days, judged)
        spread = last - first
        if share <= share_limit and spread <= spread_limit:
            return
        # most_common breaks ties by first insertion: order the kinds as the rows met them
        kind = self.kinds.most_common(1)[0][0] or None
        noun = _plural(settings.label(kind)) if kind else "rows"
        what = "orders" if self.uses_orders * 2 >= judged else "events"
        breakdown = ", ".join(f"{year}: {count:,}" for year, count in sorted(years.items()))
        if share > share_limit:
            span_years = sorted(self.stale_years)
            period = str(span_years[0]) if span_years[0] == span_years[-1] else f"{span_years[0]}-{span_years[-1]}"
            head = (
                f"{stale:,} of {judged:,} {noun} ({share:.1%}) are for stale {what} from {period}, "
                f"over the {share_limit:.0%} a live batch may have"
            )
        else:
            head = (
                f"The {what} of these {judged:,} {noun} spread over {_years(spread)} "
                f"({date.fromordinal(first)} to {date.fromordinal(last)}), more than {spread_limit:g} days"
            )
        yield Finding(
            f"{head}: this looks like a replayed backfill or migration. By year: {breakdown}",
            suggestion="stop this send and keep only events inside their window",
            data={
                "rows_judged": judged,
                "stale_rows": stale,
                "stale_share": round(share, 4),
                "spread_days": spread,
                "oldest": date.fromordinal(min(days)),
                "newest": date.fromordinal(max(days)),
                "per_year": {str(year): count for year, count in sorted(years.items())},
                "stale_per_year": {str(year): count for year, count in sorted(self.stale_years.items())},
                "event_type": kind,
            },
        )


replayed_batch.check.mergeable = ReplayState  # type: ignore[attr-defined]
