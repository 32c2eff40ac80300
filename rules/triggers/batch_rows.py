"""The row hook of the per-row TRG rules: TRG001-TRG004 checked together in a batch.

A batch checks one template against millions of rows. Run one by one, the
four rules each read the row, parse its timestamps and resolve its event
type again, and most of a row's time went into that. Each rule's check
carries ``check.row_checker = TriggerRows`` (see :mod:`oopslint.batch.rows`),
so a batch makes one :class:`TriggerRows` for the rules that are enabled,
with their options parsed once, and calls it once per row: it reads the
row's fields in one ``context.values`` call, parses them once and decides
every enabled rule.

It decides only the common rows: well-formed timestamps with their offset,
a string (or absent) event type, and for TRG003 the statuses that agree
with the email. For anything else (a malformed or naive timestamp, a row
without an event time, a status that may mismatch) it answers "not decided"
and the batch runs the rules themselves on that row, so their findings,
messages and bad-row reasons are exactly the rules' own. Findings are brief
(no message text), as the rules yield them for a brief row; the batch asks
the rules again, in full, for any row it shows.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from oopslint import ConfigError, Finding, SendContext
from oopslint.batch.rows import EventTimes

from .events import TypeSettings, settings_for
from .facts import (
    _FACTS_KEY,
    EVENT_FIELDS,
    ORDER_TYPES,
    ROW_FIELDS,
    Resolved,
    RowFacts,
    _header_date,
    _resolve_uncached,
    positive_number,
    status_group,
)

__all__ = ["TriggerRows"]

_fromisoformat = datetime.fromisoformat
_UNDECIDED = object()
_TIME_INDEXES = {"send_at": 0, "event_at": 2, "order_placed_at": 3, "order_shipped_at": 4, "order_delivered_at": 5}
#: TRG003's kinds, and the status groups under which it stays quiet without reading more
_SAYS_KINDS = ("shipped", "delivered", "order_confirmation", "review_request")
_CONSISTENT = {"shipped": ("in_transit", "delivered", "done"), "delivered": ("delivered", "done")}


def _time(value: Any) -> Any:
    """An aware datetime, None for an absent value, or _UNDECIDED (left to the rules)."""
    if value is None or value == "":
        return None
    if value.__class__ is not str:
        return _UNDECIDED
    try:
        moment = _fromisoformat(value)
    except ValueError:
        return _UNDECIDED
    return moment if moment.tzinfo is not None else _UNDECIDED


class TriggerRows:
    """TRG001-TRG004 on one row at a time (the ``row_checker`` hook).

    ``options`` maps each enabled rule's code to its options. Option values
    are checked here, once: a bad one raises, and the batch then runs the
    rules themselves (which report it as they always do)."""

    def __init__(self, email: Any, context: SendContext, options: Mapping[str, Mapping[str, Any]]):
        if not getattr(context, "brief", False) or not getattr(context, "strict", False):
            raise ValueError("TriggerRows decides the brief rows of a batch only")
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
        self._email_ref = weakref.ref(email) if _weakly(email) else None

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

    def __call__(self, context: SendContext) -> dict[str, list[Finding] | EventTimes | None] | None:
        """The row's outcome per code: a list of findings (absent: none), None
        for a rule left to run itself on this row; None for the whole row."""
        raw = context.values(ROW_FIELDS)
        type_raw = raw[1]
        if type_raw is not None and type_raw.__class__ is not str:
            return None
        send_at = _time(raw[0])
        event_at = _time(raw[2])
        placed = _time(raw[3])
        shipped = _time(raw[4])
        delivered = _time(raw[5])
        if (
            send_at is _UNDECIDED
            or event_at is _UNDECIDED
            or placed is _UNDECIDED
            or shipped is _UNDECIDED
            or delivered is _UNDECIDED
        ):
            return None
        if send_at is None:
            send_at = self.default_send_at
        context_raw = type_raw or None
        out: dict[str, list[Finding] | EventTimes | None] = {}
        settings = self.settings
        resolved: Resolved | None = None
        resolved_by: TypeSettings | None = None
        stale_settings = settings.get("TRG001")
        if stale_settings is not None:
            resolved, resolved_by = self._resolved(stale_settings, context_raw), stale_settings
            kind = resolved.kind
            limit = stale_settings.max_age(kind)
            if limit is not None:
                at = event_at
                if at is None:
                    field = EVENT_FIELDS.get(kind or "")
                    if field is not None:
                        at = (None, None, None, placed, shipped, delivered)[_TIME_INDEXES[field]]
                if at is None:
                    out["TRG001"] = None  # strict: the rule says which event time is missing
                elif send_at - at > limit:
                    out["TRG001"] = EventTimes((at,))
        old_settings = settings.get("TRG002")
        if old_settings is not None:
            if old_settings is not resolved_by or resolved is None:
                resolved, resolved_by = self._resolved(old_settings, context_raw), old_settings
            assert self.old_order is not None
            if resolved.kind in ORDER_TYPES and placed is not None and send_at - placed > self.old_order:
                out["TRG002"] = EventTimes((placed,))
        status_settings = settings.get("TRG003")
        if status_settings is not None:
            mine = self._resolved(status_settings, context_raw)
            found: list[Finding] | None = []
            if mine.config_kind or mine.content.confident:
                found = list(self._type_conflicts(mine, status_settings))
            kind = mine.kind
            if kind in _SAYS_KINDS:
                consistent = _CONSISTENT.get(kind)
                if consistent is None or status_group(raw[6]) not in consistent:
                    found = None  # the rule reads the status and the order itself
            if found is None or found:
                out["TRG003"] = found
        skew = self.skew
        if skew is not None:
            timeline: list[datetime] = []
            if placed and shipped and placed - shipped > skew:
                timeline.append(shipped)
            if delivered and shipped and shipped - delivered > skew:
                timeline.append(delivered)
            elif delivered and placed and not shipped and placed - delivered > skew:
                timeline.append(delivered)
            for at in (event_at, placed, shipped, delivered):
                if at is not None and at - send_at > skew:
                    timeline.append(at)
            if timeline:
                out["TRG004"] = EventTimes(timeline)
        self._share(context, raw, send_at, event_at, placed, shipped, delivered, resolved, resolved_by)
        return out

    def _share(
        self,
        context: SendContext,
        raw: tuple[Any, ...],
        send_at: datetime,
        event_at: datetime | None,
        placed: datetime | None,
        shipped: datetime | None,
        delivered: datetime | None,
        resolved: Resolved | None,
        resolved_by: TypeSettings | None,
    ) -> None:
        """Leave the row's parsed facts in ``context.memo`` for the batch rules
        (TRG006 reads the same row), as a first rule reading them would."""
        facts = RowFacts.__new__(RowFacts)
        facts.context = context
        facts._texts = {}
        facts._send_at = send_at
        facts._raw = dict(zip(ROW_FIELDS, raw))
        facts._times = {
            "send_at": send_at if raw[0] not in (None, "") else None,
            "event_at": event_at,
            "order_placed_at": placed,
            "order_shipped_at": shipped,
            "order_delivered_at": delivered,
        }
        facts.resolved = None
        if resolved is not None and self._email_ref is not None:
            facts.resolved = (self._email_ref, resolved_by, resolved)
        context.memo(_FACTS_KEY, lambda _context: facts)


def _weakly(value: Any) -> bool:
    try:
        weakref.ref(value)
    except TypeError:
        return False
    return True
