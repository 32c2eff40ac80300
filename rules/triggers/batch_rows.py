"""The row hook of the per-row TRG rules: TRG001-TRG004 checked together in a batch.

A batch checks one template against millions of rows. Run one by one, the
four rules each read the row, parse its timestamps and resolve its event
type again, and most of a row's time went into that. Each rule's check
carries ``check.row_checker = TriggerRows`` (see :mod:`oopslint.batch.rows`),
so a batch makes one :class:`TriggerRows` for the rules that are enabled,
with their options parsed once, and calls it once per row: it reads the
row's fields in one ``context.values`` call and parses them once
(:func:`.facts.row_times`, kept in the row's memo, where TRG006 finds them
too), then decides every enabled rule.

It decides only the common rows: well-formed timestamps with their offset
(or without one, read in the configured timezone), a string (or absent)
event type, and for TRG003 the statuses that agree with the email. For
anything else (a malformed timestamp, one without an offset and no
configured timezone, a row without an event time, a status that may
mismatch) it answers "not decided" and the batch runs the rules themselves
on that row, so their findings, messages and bad-row reasons are exactly
the rules' own. Findings are brief (no message text), as the rules yield
them for a brief row; the batch asks the rules again, in full, for any row
it shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from oopslint import ConfigError, Finding, SendContext

from .events import TypeSettings, settings_for
from .facts import (
    EVENT_FIELDS,
    ORDER_TYPES,
    ROW_FIELDS,
    Resolved,
    _header_date,
    _resolve_uncached,
    block_times,
    positive_number,
    row_times,
    status_group,
)

if TYPE_CHECKING:
    from oopslint.batch.rows import EventTimes

__all__ = ["TriggerRows"]

#: where each order time stands in (placed, shipped, delivered)
_TIME_INDEXES = {"order_placed_at": 0, "order_shipped_at": 1, "order_delivered_at": 2}
#: TRG003's kinds, and the status groups under which it stays quiet without reading more
_SAYS_KINDS = ("shipped", "delivered", "order_confirmation", "review_request")
_CONSISTENT = {"shipped": ("in_transit", "delivered", "done"), "delivered": ("delivered", "done")}


class TriggerRows:
    """TRG001-TRG004 on one row at a time (the ``row_checker`` hook).

    ``options`` maps each enabled rule's code to its options. Option values
    are checked here, once: a bad one raises, and the batch then runs the
    rules themselves (which report it as they always do)."""

    def __init__(self, email: Any, context: SendContext, options: Mapping[str, Mapping[str, Any]]):
        if not getattr(context, "brief", False) or not getattr(context, "strict", False):
            raise ValueError("TriggerRows decides the brief rows of a batch only")
        from oopslint.batch.rows import EventTimes  # a batch is running: loaded already

        self._times = EventTimes
        self.email = email
        self.context = context
        self.fields = ROW_FIELDS
        self.settings: dict[str, TypeSettings] = {}
        for code in ("TRG001", "TRG002", "TRG003"):
            if code in options:
                self.settings[code] = settings_for(options[code])
        self.old_order: timedelta | None = None
        if "TRG002" in options:
            self.old_order = timedelta(days=positive_number(options["TRG002"], "old_order_days"))
        self.skew: timedelta | None = None
        if "TRG004" in options:
            minutes = options["TRG004"]["clock_skew_minutes"]
            if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not 0 <= minutes <= 525_960:
                raise ConfigError(f"[triggers] clock_skew_minutes: {minutes!r} must be zero or more, at most a year")
            self.skew = timedelta(minutes=minutes)
        self.default_send_at: datetime = _header_date(email) or context.now or datetime.now(UTC)
        # (id of settings, event type as read) -> (settings, Resolved); TRG003's type conflicts per Resolved
        self._kinds: dict[tuple[int, str | None], tuple[TypeSettings, Resolved]] = {}
        self._conflicts: dict[int, tuple[Resolved, list[Finding]]] = {}
        self._types: dict[str | None, tuple[Any, ...]] = {}
        #: status text -> its status_group, for check_block
        self._groups: dict[Any, str | None] = {}

    def _resolved(self, settings: TypeSettings, raw: str | None) -> Resolved:
        key = (id(settings), raw)
        known = self._kinds.get(key)
        if known is None or known[0] is not settings:
            if len(self._kinds) > 256:
                self._kinds.clear()
            known = self._kinds[key] = (settings, _resolve_uncached(self.email, raw, settings))
        return known[1]

    def _type_conflicts(self, resolved: Resolved, settings: TypeSettings) -> list[Finding]:
        known = self._conflicts.get(id(resolved))
        if known is None or known[0] is not resolved:
            from .trg003_status_mismatch import _type_conflicts

            found = list(_type_conflicts(resolved, self.context, settings))
            known = self._conflicts[id(resolved)] = (resolved, found)
        return known[1]

    def _by_type(self, type_raw: str | None) -> tuple[Any, ...]:
        """What decides a row, given its event type as read: TRG001's limit and
        the order time that stands for the event, whether TRG002 applies, and
        TRG003's answer (its type conflicts; None when the status decides,
        with the statuses under which it stays quiet)."""
        known = self._types.get(type_raw)
        if known is not None:
            return known
        settings = self.settings
        limit = fallback = None
        stale_settings = settings.get("TRG001")
        if stale_settings is not None:
            resolved = self._resolved(stale_settings, type_raw or None)
            limit = stale_settings.max_age(resolved.kind)
            fallback = _TIME_INDEXES.get(EVENT_FIELDS.get(resolved.kind or "", ""))
        old_order = None
        old_settings = settings.get("TRG002")
        if old_settings is not None and self._resolved(old_settings, type_raw or None).kind in ORDER_TYPES:
            old_order = self.old_order
        conflicts: list[Finding] | None = None
        consistent: tuple[str, ...] | None = None
        status_settings = settings.get("TRG003")
        if status_settings is not None:
            mine = self._resolved(status_settings, type_raw or None)
            conflicts = []
            if mine.config_kind or mine.content.confident:
                conflicts = self._type_conflicts(mine, status_settings)
            if mine.kind in _SAYS_KINDS:
                consistent = _CONSISTENT.get(mine.kind, ())
        known = (limit, fallback, old_order, status_settings is not None, conflicts, consistent)
        if len(self._types) > 256:
            self._types.clear()
        self._types[type_raw] = known
        return known

    def __call__(self, context: SendContext) -> dict[str, list[Finding] | EventTimes | None] | None:
        """The row's outcome per code: a list of findings (absent: none), None
        for a rule left to run itself on this row; None for the whole row."""
        times = row_times(context)
        if times is None:
            return None  # not the common row: the rules say what is wrong
        return self._decide(times)

    def check_block(self, block: Any) -> list[dict[str, list[Finding] | EventTimes | None] | None]:
        """Each row's outcome, as :meth:`__call__` gives it, for a block of rows.

        The common row is decided inline: an event type seen before, a send
        time, an order placed and shipped (not delivered) in order and before
        the send, and a status TRG003 accepts without reading more. Any other
        row goes through :meth:`_decide`."""
        decide = self._decide
        types = self._types
        skew = self.skew
        times_of = self._times
        groups = self._groups
        out: list[dict[str, list[Finding] | EventTimes | None] | None] = []
        append = out.append
        for times in block_times(block):
            if times is None:
                append(None)
                continue
            type_raw, status, send_at, event_at, placed, shipped, delivered = times
            known = types.get(type_raw)
            if known is None or send_at is None or placed is None or shipped is None or delivered is not None:
                append(decide(times))
                continue
            limit, fallback, old_order, checks_status, conflicts, consistent = known
            if checks_status:
                if conflicts or consistent is None:
                    append(decide(times))  # TRG003 says something, or reads the status itself
                    continue
                try:
                    group = groups[status]
                except (KeyError, TypeError):  # not seen yet, or not text
                    group = _status_group(groups, status)
                if group not in consistent:
                    append(decide(times))
                    continue
            if skew is not None:
                latest = send_at + skew
                if placed - shipped > skew or placed > latest or shipped > latest:
                    append(decide(times))  # TRG004: shipped before placed, or after the send
                    continue
                if event_at is not None and event_at > latest:
                    append(decide(times))
                    continue
            row: dict[str, list[Finding] | EventTimes | None] | None = None
            if limit is not None:
                at = event_at
                if at is None and fallback is not None:
                    at = (placed, shipped, delivered)[fallback]
                if at is None:
                    append(decide(times))
                    continue
                if send_at - at > limit:
                    row = {"TRG001": times_of((at,))}
            if old_order is not None and send_at - placed > old_order:
                if row is None:
                    row = {}
                row["TRG002"] = times_of((placed,))
            append(_NOTHING if row is None else row)
        return out

    def _decide(self, times: tuple[Any, ...]) -> dict[str, list[Finding] | EventTimes | None]:
        type_raw, status, send_at, event_at, placed, shipped, delivered = times
        if send_at is None:
            send_at = self.default_send_at
        limit, fallback, old_order, checks_status, conflicts, consistent = self._types.get(type_raw) or self._by_type(
            type_raw
        )
        out: dict[str, list[Finding] | EventTimes | None] | None = None
        if limit is not None:
            at = event_at
            if at is None and fallback is not None:
                at = (placed, shipped, delivered)[fallback]
            if at is None:
                out = {"TRG001": None}  # strict: the rule says which event time is missing
            elif send_at - at > limit:
                out = {"TRG001": self._times((at,))}
        if old_order is not None and placed is not None and send_at - placed > old_order:
            if out is None:
                out = {}
            out["TRG002"] = self._times((placed,))
        if checks_status:
            found = conflicts
            if consistent is not None and status_group(status) not in consistent:
                found = None  # the rule reads the status and the order itself
            if found is None or found:
                if out is None:
                    out = {}
                out["TRG003"] = list(found) if found is not None else None
        skew = self.skew
        if skew is not None:
            timeline: list[datetime] | None = None
            if placed and shipped and placed - shipped > skew:
                timeline = [shipped]
            if delivered and shipped and shipped - delivered > skew:
                timeline = [*(timeline or ()), delivered]
            elif delivered and placed and not shipped and placed - delivered > skew:
                timeline = [*(timeline or ()), delivered]
            for at in (event_at, placed, shipped, delivered):
                if at is not None and at - send_at > skew:
                    timeline = [*(timeline or ()), at]
            if timeline:
                if out is None:
                    out = {}
                out["TRG004"] = self._times(timeline)
        return out if out is not None else _NOTHING


_NOTHING: dict[str, Any] = {}
_UNGROUPED: Any = object()


def _status_group(groups: dict[Any, str | None], status: Any) -> Any:
    """``status_group(status)``, kept in ``groups`` (at most 256) when the status is text or absent."""
    if status.__class__ is not str and status is not None:
        return _UNGROUPED
    if len(groups) >= 256:
        groups.clear()
    group = groups[status] = status_group(status)
    return group
