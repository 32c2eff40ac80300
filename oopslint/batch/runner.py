"""Running the rules over the rows of a batch.

Per-row rules (``uses_context``) run for every row. Their result depends only
on the email, their options and the context values they read, so the runner
remembers results by those values: a rule that reads only ``category`` runs
once per category, not once per row. Batch rules (``scope="batch"``) see
every row through the generator protocol and judge the batch at the end.
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import pickle
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from itertools import chain, islice
from itertools import count as counting
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from ..context import ContextError, SendContext, dig, parse_timestamp
from ..diagnostics import INTERNAL_ERROR, INVALID_CONTEXT
from ..engine import WITHOUT_AWAITING, LintJob, RuleCrash, acall_rule, call_rule, redact, rule_failure, stamp
from ..report import Finding
from ..rule import Rule
from ._states import Folded, crash_detail, finish_states, mergeable_state, report_outcomes
from .readers import LineBlock, block_size, parse_json_row
from .results import BadRow, BatchRow, BatchSummary, RowRef, row_id
from .rows import EventTimes, RowBlock, row_checker_factory

if TYPE_CHECKING:
    from ._async_rules import AsyncRowRules
    from .results import RuleTally

__all__ = ["Runner"]

_MISSING = object()
_NO_FINDINGS: list[Finding] = []
_UNSET = object()
_CALL = object()
_MEMO_SIZE = 4096
_MEMO_PROBE = 256
#: fewer rows than this are checked one by one, not as a block
_BLOCK_MIN = 64
_TEXT_OR_NONE = {str, type(None)}
_EventTimes = EventTimes
#: rows, for the chunks one process reads (the workers' first chunk size, see parallel.CHUNK_ROWS)
CHUNK_ROWS = 2000
_ROW_NUMBER = itemgetter(0)
#: rows whose async rules (coupon look-ups) run together, in one process
ASYNC_CHUNK_ROWS = 500


@contextlib.contextmanager
def quiet_collector(young: int = 50_000) -> Iterator[None]:
    """Keep Python's cyclic garbage collector out of the row loop.

    Everything alive when the rows start (the parsed template, the rules,
    their settings) is frozen, so collections no longer walk it, and the
    youngest generation is collected after ``young`` allocations instead of
    700: a row makes a few dozen short-lived objects without cycles, so the
    default threshold ran a collection every few rows. The collector stays on,
    so cycles a rule makes are still freed; the old settings come back after.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], young), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


@contextlib.contextmanager
def paused_collector() -> Iterator[None]:
    """No cyclic garbage collection inside: for a block of rows, whose objects all
    stay alive until it is done (see :meth:`Runner.check_rows`)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def merge(base: Mapping[str, Any], row: Mapping[str, Any]) -> dict[str, Any]:
    """``row`` over ``base``, nested tables merged."""
    merged = dict(base)
    for key, value in row.items():
        below = merged.get(key)
        if isinstance(value, Mapping) and isinstance(below, Mapping):
            merged[key] = merge(below, value)
        else:
            merged[key] = value
    return merged


def as_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            return parse_timestamp(value, default_tz=UTC)
        except ContextError:
            return None
    return None


@dataclass
class Group:
    """Findings of one rule at one place and level, across rows."""

    example: Finding
    code: str
    first: RowRef
    rows: int = 0
    samples: list[RowRef] = field(default_factory=list)
    oldest: datetime | None = None


class RowRule:
    """A per-row rule, its options, and what the runner learnt about it."""

    __slots__ = (
        "rule",
        "check",
        "options",
        "is_async",
        "idle",
        "is_generator",
        "memo",
        "fields",
        "lookups",
        "hits",
        "checker",
    )

    def __init__(self, rule: Rule, options: Any):
        self.rule = rule
        self.check = rule.check
        self.options = options
        self.is_async = rule.is_async
        #: an async rule that finishes without awaiting on every row of this batch (see Runner)
        self.idle = False
        self.is_generator = not self.is_async and inspect.isgeneratorfunction(rule.check)
        self.memo: dict[tuple, Any] | None = {}
        self.fields: tuple[str, ...] = ()
        self.lookups = 0
        self.hits = 0
        #: the family's row checker that decides this rule on most rows (see :mod:`.rows`)
        self.checker: Any = None


class TrackedContext(SendContext):
    """A row's context that records which values a rule reads."""

    _raw: Mapping[str, Any]
    _reads: set[str]
    _opaque: bool

    def __init__(self, base: SendContext, data: Mapping[str, Any]):  # no dataclass __init__: settings are base's
        vars(self).update(vars(base))
        vars(self).pop("data", None)
        vars(self).pop("_memo", None)
        self._raw = data
        self._reads = set()
        self._opaque = False

    @property  # type: ignore[override]
    def data(self) -> Mapping[str, Any]:  # type: ignore[override]  # reading the raw data defeats tracking
        self._opaque = True
        return self._raw

    def get(self, name: str, default: Any = None) -> Any:
        self._reads.add(name)
        value = dig(self._raw, self.fields.get(name, name))
        return default if value is None else value


def _freeze(value: Any) -> Any:
    if value is None or value.__class__ is str:
        return value
    return (value.__class__.__name__, repr(value))


class Runner:
    """Checks rows one by one and keeps the tallies (see :mod:`.parallel` for
    spreading the per-row rules over processes)."""

    def __init__(
        self,
        job: LintJob,
        row_rules: list[Rule],
        batch_rules: list[Rule],
        summary: BatchSummary,
        send_at: datetime | None,
    ):
        assert job.email is not None and job.context is not None and job.config is not None
        self.job = job
        self.summary = summary
        self.email = job.email
        self.config = config = job.config
        self.row_rules = [RowRule(rule, config.options_for(rule)) for rule in row_rules]
        self.groups: dict[tuple, Group] = {}
        #: rule code -> (row checker, tally, group) for the brief groups whose samples are taken
        self._common: dict[str, tuple[Any, RuleTally, Group]] = {}
        self.crashes: dict[str, list[Any]] = {}  # code -> [rule name, message, first row, count]
        self.findings: list[Finding] = []
        base = job.context
        self.base_data = dict(base.data) if base.data else None
        prototype = SendContext(
            mode=base.mode,
            fields=dict(base.fields),
            timezone=base.timezone,
            default_category=base.default_category,
            now=send_at or datetime.now(UTC),
            strict=True,
        )
        #: rows are checked ``brief`` (see SendContext): the findings of a row that is
        #: shown, as a group's example or to a batch rule, are worked out again in full
        self.full_prototype = prototype
        self.prototype = replace(prototype, brief=True)
        for rule in row_rules:
            summary.rules.setdefault(rule.code, _tally(rule))
        for entry in self.row_rules:
            if entry.is_async and self._never_awaits(entry):
                entry.is_async, entry.idle = False, True
        self._start_row_checkers()
        # the row the row checkers last decided, and their answers on it
        self._decided_context: SendContext | None = None
        self._decisions: dict[int, Any] = {}
        self.batch_rules: list[Rule] = list(batch_rules)
        #: runs the async per-row rules of many rows at once (set by prepare_runner)
        self.async_rules: AsyncRowRules | None = None
        self._prefetched: dict[tuple[int, str], list[Finding] | str | None] = {}
        #: what an async rule's outcome is when none was prefetched for its row
        self._not_prefetched: Any = _MISSING
        # rows looked up by the values all remembered rules read (see _make_plan)
        self._generation = 0
        self._plan_generation = -1
        self._plan_fields: tuple[str, ...] | None = None
        self._plans: dict[tuple, tuple] = {}
        self.progress: Callable[[int], None] | None = None  # called with the rows read so far
        self.consumers: list[tuple[Rule, Any]] = []
        self.finishers: list[tuple[Rule, Any]] = []
        #: batch rules whose mergeable states the worker processes feed (see :mod:`.parallel`)
        self.fold_codes: tuple[str, ...] = ()
        #: their states folded over the chunks merged so far
        self.folded: Any = None
        #: the reading process keeps each chunk's rows until its states are folded (see _states)
        self.rows_again = False
        #: the size of the file a parallel run reads, and the rows it is estimated to hold
        self.source_bytes: int | None = None
        self.expected_rows: int | None = None
        for rule in batch_rules:
            self._start_batch_rule(rule)

    def _start_row_checkers(self) -> None:
        """One row checker per family that offers one (see :mod:`.rows`), for
        its enabled plain rules; a factory that raises leaves them to run themselves."""
        families: dict[int, tuple[Any, list[RowRule]]] = {}
        for entry in self.row_rules:
            factory = row_checker_factory(entry.rule)
            if factory is None or entry.is_async or entry.idle:
                continue
            families.setdefault(id(factory), (factory, []))[1].append(entry)
        for factory, entries in families.values():
            try:
                checker = factory(self.email, self.prototype, {entry.rule.code: entry.options for entry in entries})
            except Exception:
                continue
            for entry in entries:
                entry.checker = checker
                entry.memo = None  # decided per row: nothing to remember by value

    def _decided(self, entry: RowRule, context: SendContext) -> Any:
        """``entry``'s outcome on this row from its family's row checker, or _MISSING."""
        if self._decided_context is not context:
            self._decided_context = context
            self._decisions = {}
        checker = entry.checker
        decision = self._decisions.get(id(checker), _MISSING)
        if decision is _MISSING:
            try:
                decision = checker(context)
            except Exception:
                decision = None
            self._decisions[id(checker)] = decision
        if decision is None:
            return _MISSING
        found = decision.get(entry.rule.code, _NO_FINDINGS)
        if found is None:
            return _MISSING
        if found.__class__ is EventTimes:
            return found
        if found:
            rule = entry.rule
            return [stamp(item, rule) for item in found]
        return []

    def _never_awaits(self, entry: RowRule) -> bool:
        """An async rule whose ``finishes_without_awaiting`` hook says it awaits
        nothing, without reading any context value to say so (a template that
        names no coupon code): true of every row, so the rule is run on each
        row like a plain one, with no event loop and no look-ups to gather."""
        promise = getattr(entry.check, WITHOUT_AWAITING, None)
        if promise is None:
            return False
        tracked = self._tracked(self.base_data or {})
        try:
            idle = bool(promise(self.email, tracked, entry.options))
        except Exception:
            return False
        return idle and not tracked._reads and not tracked._opaque

    # ------------------------------------------------------------ batch rules

    def _start_batch_rule(self, rule: Rule) -> None:
        options = self.config.options_for(rule)
        self.summary.batch_rules[rule.code] = 0
        try:
            result = rule.check(self.summary, self.job.context, options)
            if hasattr(result, "send") and hasattr(result, "__next__"):
                first = next(result)
                if first is not None:
                    raise TypeError("a batch rule must wait for rows (row = yield) before yielding findings")
                self.consumers.append((rule, result))
            else:
                self.finishers.append((rule, options))
        except StopIteration:
            pass
        except Exception as exc:
            self._batch_rule_failed(rule, exc, None)

    def feed(self, row: BatchRow) -> None:
        for entry in list(self.consumers):
            rule, generator = entry
            try:
                value = generator.send(row)
                while value is not None:
                    self._batch_finding(rule, value)
                    value = next(generator)
            except StopIteration:
                self.consumers.remove(entry)
            except Exception as exc:
                self.consumers.remove(entry)
                self._batch_rule_failed(rule, exc, row.number)

    def finish_batch_rules(self) -> None:
        for rule, generator in self.consumers:
            try:
                value = generator.send(None)
                while True:
                    if value is not None:
                        self._batch_finding(rule, value)
                    value = next(generator)
            except StopIteration:
                pass
            except Exception as exc:
                self._batch_rule_failed(rule, exc, None)
        self.consumers = []
        for rule, options in self.finishers:
            try:
                result = rule.check(self.summary, self.job.context, options)
                for value in result or ():
                    self._batch_finding(rule, value)
            except Exception as exc:
                self._batch_rule_failed(rule, exc, None)

    def _batch_rule_failed(self, rule: Rule, exc: Exception, row: int | None) -> None:
        """A batch rule judges the whole batch: a context error in it is a crash too."""
        rule_failure(rule, exc, self.config)  # raises ConfigError for a bad option value
        self.crash(RuleCrash(rule, exc), row)

    def _batch_finding(self, rule: Rule, value: Any) -> None:
        value = stamp(value, rule)
        self.summary.batch_rules[rule.code] = self.summary.batch_rules.get(rule.code, 0) + 1
        self.findings.append(value)

    # ------------------------------------------------------------ rows

    def context(self, data: Mapping[str, Any]) -> SendContext:
        return self.prototype.with_data(data)

    def row_data(self, data: Any) -> Mapping[str, Any]:
        if isinstance(data, SendContext):
            data = data.data
        if self.base_data:
            data = merge(self.base_data, data)
        return data

    def bad(self, number: int, line: int | None, row: str | None, reason: str) -> None:
        summary = self.summary
        summary.bad_rows += 1
        if len(summary.bad_samples) < max(summary.sample_size, 10):
            summary.bad_samples.append(BadRow(number, redact(reason), row, line))

    def run(self, rows: Iterable[Any]) -> None:
        """Check every row in this process."""
        with quiet_collector():
            self._run(rows)

    def _run(self, rows: Iterable[Any]) -> None:
        if self.async_rules is None and all(mergeable_state(rule) is not None for rule, _ in self.consumers):
            self._run_in_blocks(rows)
            return
        if self.async_rules is not None:
            rows = self._prefetching(rows)
        summary = self.summary
        consumers = self.consumers
        progress = self.progress
        for number, line, data, error in rows:
            summary.rows += 1
            if progress is not None and not summary.rows & 1023:
                progress(summary.rows)
            if error is not None:
                self.bad(number, line, None, error)
                continue
            summary.checked += 1
            data = self.row_data(data)
            context, found, problem = self.check_row(number, line, data)
            if consumers:
                row = self.batch_row(number, line, context, found)
                self.feed(row)
                if row._rejections and problem is None:
                    problem = row._rejections[0]
            if problem is not None:
                self.bad(number, line, row_id(context), problem)
            # what rules derived (often pointing back at the context): freed now, not by the collector
            vars(context)["_memo"] = None

    def _run_in_blocks(self, rows: Iterable[Any]) -> None:
        """:meth:`_run` for batch rules that all offer the mergeable-state hook
        (see :mod:`._states`): rows are read a chunk at a time and checked as a
        worker checks them (:meth:`check_rows`, in blocks once the rules have
        settled), feeding one state per batch rule for the whole batch."""
        batch = list(self.consumers)
        states, crashed = self.start_states([rule.code for rule, _ in batch], firsts=False)
        summary = self.summary
        progress = self.progress
        read = iter(rows)
        for index in counting():
            chunk: list[tuple[int, int | None, Mapping[str, Any]]] = []
            problems: list[tuple[int, int | None, str | None, str]] = []
            size = block_size(index, CHUNK_ROWS)
            taken = 0
            with paused_collector():  # the chunk's rows stay alive until it is done: see check_rows
                for number, line, data, error in islice(read, size):
                    taken += 1
                    summary.rows += 1
                    if progress is not None and not summary.rows & 1023:
                        progress(summary.rows)
                    if error is not None:
                        problems.append((number, line, None, error))
                        continue
                    summary.checked += 1
                    chunk.append((number, line, self.row_data(data)))
                self.check_rows(chunk, states, crashed, problems)
            problems.sort(key=_ROW_NUMBER)
            for number, line, the_id, reason in problems:
                self.bad(number, line, the_id, reason)
            if taken < size:
                break
        report_outcomes(self, batch, finish_states(Folded(states, crashed)))

    def check_row(
        self, number: int, line: int | None, data: Mapping[str, Any], context: SendContext | None = None
    ) -> tuple[SendContext, list[Finding] | None, str | None]:
        """Run the per-row rules on one row and count what they found.
        Returns the row's context (``context``, when given, is the one made
        for ``data``), its findings (None: counted brief, see
        :meth:`batch_row`) and the first reason it is bad."""
        if context is None:
            context = self.context(data)
        if self._plan_generation != self._generation:
            self._make_plan()
        plan_fields = self._plan_fields
        if plan_fields is not None:
            plan_key = context.values(plan_fields)
            for value in plan_key:
                if value is not None and value.__class__ is not str:
                    plan_key = tuple([_freeze(value) for value in plan_key])
                    break
            planned = self._plans.get(plan_key)
            if planned is not None:
                plan, checker = planned
                if checker is not None and context.brief:
                    # every rule left to run is decided by one row checker: ask it once
                    try:
                        decision = checker(context)
                    except Exception:
                        decision = None
                    if decision is not None:
                        if not decision:
                            return context, [], None
                        if None not in decision.values():
                            if self._count_common(checker, decision):
                                return context, None, None
                            return context, *self._count_decision(number, line, context, plan, decision)
                    self._decided_context = context
                    self._decisions = {id(checker): decision}
                outcomes = [
                    (entry, self._call(entry, context, number) if outcome is _CALL else outcome)
                    for entry, outcome in plan
                ]
                return context, *self._count(number, line, context, outcomes)
            generation = self._generation
            outcomes = self._outcomes(number, context, data)
            # a crash is counted on every row it happens on: such a row is never planned
            if self._generation == generation and all(
                outcome is not None for entry, outcome in outcomes if entry.memo is not None
            ):
                plans = self._plans
                if len(plans) >= _MEMO_SIZE:
                    plans.clear()
                plan = tuple(
                    [
                        (entry, outcome if entry.memo is not None else _CALL)
                        for entry, outcome in outcomes
                        if outcome or entry.memo is None
                    ]
                )
                checkers = {id(entry.checker) for entry, outcome in plan}
                only = plan[0][0].checker if plan and len(checkers) == 1 else None
                if only is not None and any(outcome is not _CALL for entry, outcome in plan):
                    only = None
                plans[plan_key] = (plan, only)
        else:
            outcomes = self._outcomes(number, context, data)
        return context, *self._count(number, line, context, outcomes)

    def _make_plan(self) -> None:
        """Once every remembered rule has settled which values it reads, rows
        are looked up once by all those values together instead of once per
        rule (:meth:`check_row`); any change to a rule's memo starts over."""
        self._plan_generation = self._generation
        self._plans = {}
        self._plan_fields = None
        fields: set[str] = set()
        for entry in self.row_rules:
            if entry.memo is None:
                continue
            if entry.lookups < _MEMO_PROBE:
                return
            fields.update(entry.fields)
        self._plan_fields = tuple(sorted(fields))

    def _outcomes(
        self, number: int, context: SendContext, data: Mapping[str, Any]
    ) -> list[tuple[RowRule, list[Finding] | str | None]]:
        """Every per-row rule's outcome on this row, remembered ones looked up."""
        outcomes: list[tuple[RowRule, list[Finding] | str | None]] = []
        keys: dict[tuple[str, ...], tuple] = {}
        for entry in self.row_rules:
            memo = entry.memo
            if memo is not None:
                fields = entry.fields
                key = keys.get(fields)
                if key is None:
                    get = context.get
                    key = keys[fields] = tuple([_freeze(get(name)) for name in fields])
                outcome = memo.get(key, _MISSING)
                if outcome is _MISSING:
                    outcome = self._memo_miss(entry, context, data, number)
                elif entry.lookups < _MEMO_PROBE:
                    entry.lookups += 1
                    entry.hits += 1
                    if entry.lookups == _MEMO_PROBE:
                        self._generation += 1
            else:
                outcome = self._call(entry, context, number)
            outcomes.append((entry, outcome))
        return outcomes

    def _count(
        self,
        number: int,
        line: int | None,
        context: SendContext,
        outcomes: list[tuple[RowRule, list[Finding] | str | None]],
    ) -> tuple[list[Finding] | None, str | None]:
        tallies = self.summary.rules
        groups = self.groups
        sample_size = self.summary.sample_size
        the_id: Any = _UNSET
        row_findings: list[Finding] = []
        problem: str | None = None
        brief = False
        for entry, outcome in outcomes:
            if outcome is None:
                continue
            if outcome.__class__ is str:
                if problem is None:
                    problem = outcome  # type: ignore[assignment]
                continue
            found: list[Finding] = outcome  # type: ignore[assignment]
            if not found:
                continue
            if found.__class__ is EventTimes:
                the_id = self._count_times(number, line, context, entry, found, the_id)  # type: ignore[arg-type]
                brief = True
                continue
            code = entry.rule.code
            ref: RowRef | None = None
            tally = tallies[code]
            tally.failed_rows += 1
            tally.findings += len(found)
            if len(tally.first_rows) < sample_size:
                if the_id is _UNSET:
                    the_id = row_id(context)
                ref = RowRef(number, the_id, line)
                tally.first_rows.append(ref)
            for index, finding in enumerate(found):
                key = (code, finding.span, finding.severity._value_)  # type: ignore[union-attr]
                group = groups.get(key)
                if group is None or len(group.samples) < sample_size:
                    if ref is None:
                        if the_id is _UNSET:
                            the_id = row_id(context)
                        ref = RowRef(number, the_id, line)
                    if group is None:
                        group = groups[key] = Group(self._shown(entry, context, found, index), code, ref)
                    group.samples.append(ref)
                group.rows += 1
                event_at = finding.data.get("event_at") if finding.data else None
                if event_at is not None:
                    _note_oldest(tally, group, event_at)
            row_findings.extend(found)
        if context.brief:
            if brief:
                return None, problem
            for finding in row_findings:
                if not finding.message:
                    return None, problem  # a rule left out the text: worked out again if a batch rule asks
        return row_findings, problem

    def _count_decision(
        self,
        number: int,
        line: int | None,
        context: SendContext,
        plan: tuple[tuple[RowRule, Any], ...],
        decision: Mapping[str, Any],
    ) -> tuple[list[Finding] | None, str | None]:
        """:meth:`_count` for a row one row checker decided for every rule left to run."""
        outcomes: list[tuple[RowRule, Any]] = []
        only_times = True
        for entry, _call in plan:
            found = decision.get(entry.rule.code)
            if found:
                if found.__class__ is not EventTimes:
                    rule = entry.rule
                    found = [stamp(item, rule) for item in found]
                    only_times = False
                outcomes.append((entry, found))
        if not only_times:
            return self._count(number, line, context, outcomes)
        the_id: Any = _UNSET
        for entry, times in outcomes:
            the_id = self._count_times(number, line, context, entry, times, the_id)
        return None, None

    def _count_common(self, checker: Any, decision: Mapping[str, Any]) -> bool:
        """Count a row ``checker`` decided when each of its rules gave only
        event times, into a group whose samples are taken (the common failing
        row of a large batch); False, counting nothing, for any other row."""
        common = self._common
        for code, times in decision.items():
            known = common.get(code)
            if known is None or known[0] is not checker or times.__class__ is not EventTimes:
                return False
        for code, times in decision.items():
            _checker, tally, group = common[code]
            tally.failed_rows += 1
            tally.findings += len(times)
            group.rows += len(times)
            for event_at in times:
                if event_at is not None:
                    _note_oldest(tally, group, event_at)
        return True

    def _count_times(
        self,
        number: int,
        line: int | None,
        context: SendContext,
        entry: RowRule,
        times: EventTimes,
        the_id: Any = _UNSET,
    ) -> Any:
        """:meth:`_count` for brief findings given by their event times (see
        :mod:`.rows`); takes and returns the row's id once read."""
        rule = entry.rule
        code = rule.code
        sample_size = self.summary.sample_size
        tally = self.summary.rules[code]
        tally.failed_rows += 1
        tally.findings += len(times)
        ref: RowRef | None = None
        if len(tally.first_rows) < sample_size:
            if the_id is _UNSET:
                the_id = row_id(context)
            ref = RowRef(number, the_id, line)
            tally.first_rows.append(ref)
        key = (code, None, rule.severity._value_)
        groups = self.groups
        if len(times) == 1:
            group = groups.get(key)
            if group is not None and len(group.samples) >= sample_size:
                # the common row: one more of a group whose samples are taken
                group.rows += 1
                if times[0] is not None:
                    _note_oldest(tally, group, times[0])
                return the_id
        for index, event_at in enumerate(times):
            group = groups.get(key)
            if group is None or len(group.samples) < sample_size:
                if ref is None:
                    if the_id is _UNSET:
                        the_id = row_id(context)
                    ref = RowRef(number, the_id, line)
                if group is None:
                    group = groups[key] = Group(self._shown_time(entry, context, times, index), code, ref)
                group.samples.append(ref)
            group.rows += 1
            if event_at is not None:
                _note_oldest(tally, group, event_at)
        group = groups.get(key)
        if entry.checker is not None and group is not None and len(tally.first_rows) >= sample_size:
            if len(group.samples) >= sample_size:
                self._common[code] = (entry.checker, tally, group)
        return the_id

    def _shown_time(self, entry: RowRule, context: SendContext, times: EventTimes, index: int) -> Finding:
        """Finding ``index`` of a row's brief findings, as the rule reports it in full."""
        full = self._call_full(entry, self.full_prototype.with_data(context.data))
        if full.__class__ is list and len(full) == len(times):
            return full[index]  # type: ignore[no-any-return]
        return stamp(Finding("", data={"event_at": times[index]}), entry.rule)

    def findings_for(self, context: SendContext, number: int) -> list[Finding]:
        """The per-row rules' findings for one row, without counting them."""
        full = self.full_prototype.with_data(context.data)
        out: list[Finding] = []
        for entry in self.row_rules:
            outcome = self._call_full(entry, full)
            if isinstance(outcome, list):
                out.extend(outcome)
        return out

    def _call_full(self, entry: RowRule, context: SendContext) -> Any:
        if entry.idle:
            return _without_loop(entry.rule, self.email, context, entry.options, self.config)
        return call_rule(entry.rule, self.email, context, entry.options, config=self.config)

    def batch_row(self, number: int, line: int | None, context: SendContext, found: list[Finding] | None) -> BatchRow:
        """The row as batch rules see it; ``found`` None: its findings were
        counted ``brief``, and are worked out in full if a batch rule asks."""
        if found is None:
            return BatchRow(number, None, line, context, None, partial(self.findings_for, context, number))
        return BatchRow(number, None, line, context, found)

    def _shown(self, entry: RowRule, context: SendContext, found: list[Finding], index: int) -> Finding:
        """Finding ``index`` of an outcome, as the rule reports it in full (it
        becomes a group's example, shown in the report): a finding without
        text (see SendContext.brief) is worked out again."""
        if found[index].message or not context.brief:
            return found[index]
        full = self._call_full(entry, self.full_prototype.with_data(context.data))
        if full.__class__ is list and len(full) == len(found):
            return full[index]  # type: ignore[no-any-return]
        return found[index]

    def check_chunk(
        self,
        index: int,
        items: list[tuple[int, int | None, Any]] | LineBlock,
        outcomes: dict[tuple[int, str], Any] | None = None,
    ) -> bytes:
        """Run the per-row rules on one chunk of rows (a worker's task): the
        chunk's tallies, example findings, crashes and bad rows, pickled for
        the reading process to merge in chunk order. ``outcomes`` are the
        async rules' results the reading process already has (see
        :meth:`async_outcomes`). ``items`` may be a block of JSON Lines lines."""
        with paused_collector():  # the chunk's rows stay alive until it is done: see check_rows
            return self._check_chunk(index, items, outcomes)

    def _check_chunk(
        self,
        index: int,
        items: list[tuple[int, int | None, Any]] | LineBlock,
        outcomes: dict[tuple[int, str], Any] | None,
    ) -> bytes:
        summary = self.summary
        self.start_counts()
        problems: list[tuple[int, int | None, str | None, str]] = []
        unreadable = 0
        rows: list[tuple[int, int | None, Any]] = []
        if isinstance(items, LineBlock):
            parsed, unparsed = items.parsed()
            base = self.base_data
            rows.extend(parsed if not base else [(number, line, merge(base, data)) for number, line, data in parsed])
            unreadable = len(unparsed)
            problems.extend(unparsed)
        else:
            for number, line, payload in items:
                if payload.__class__ is str:
                    payload, error = parse_json_row(payload)
                    if error is not None:  # a row the reading process left unparsed
                        unreadable += 1
                        problems.append((number, line, None, error))
                        continue
                rows.append((number, line, self.row_data(payload)))
        if outcomes is not None:
            self._prefetched.update(outcomes)
            self._not_prefetched = _NO_FINDINGS  # the reading process sends only outcomes with something in them
        elif self.async_rules is not None:
            self.prefetch([(number, data) for number, _line, data in rows])
        states, crashed = self.start_states(self.fold_codes)
        self.check_rows(rows, states, crashed, problems)
        self._prefetched.clear()  # this chunk's; a row whose memo knew its values left its outcome unused
        self._not_prefetched = _MISSING
        message: tuple = (index, "ok", summary.rules, self.groups, self.crashes, problems, unreadable)
        if self.fold_codes:
            message += (states, crashed)
        try:
            return pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        except Exception:
            # a rule put something unpicklable in a finding's data: keep the counts
            plain = {key: replace(group, example=group.example.with_(data={})) for key, group in self.groups.items()}
            message = (index, "ok", summary.rules, plain, self.crashes, problems, unreadable, *message[7:])
            return pickle.dumps(message, pickle.HIGHEST_PROTOCOL)

    def check_rows(
        self,
        rows: list[tuple[int, int | None, Mapping[str, Any]]],
        states: dict[str, Any],
        crashed: dict[str, tuple[int, str]],
        problems: list[tuple[int, int | None, str | None, str]],
    ) -> None:
        """Run the per-row rules on ``rows`` (their data merged with the base
        context already), in order, and feed them to the batch-rule ``states``
        (see :meth:`feed_states`); each bad row is added to ``problems``.

        Once the rules have settled which values they read, and one row
        checker with ``check_block`` decides the rules left to run, the rows
        go to it and to the states as one :class:`RowBlock` (see :mod:`.rows`).

        The cyclic garbage collector is paused meanwhile: the rows' data and
        what rules derive from it stay alive until the block is done (tens of
        thousands of containers, without cycles), and every collection would
        walk them all again, a third of a row's time. What the rows leave is
        freed by reference counting when the block is dropped; a cycle a rule
        makes is collected after. Until the rules have settled, rows go one by
        one, a few at a time, and the rest of ``rows`` as a block once they have."""
        start = 0
        while len(rows) - start >= _BLOCK_MIN and self.async_rules is None:
            checker = self._block_checker()
            if checker is None and self._block_checker(settled=False) is not None:
                # the row checker takes blocks once the plans are settled: a few rows more first
                self._rows_one_by_one(rows[start : start + _BLOCK_MIN], states, crashed, problems)
                start += _BLOCK_MIN
                continue
            if checker is not None or any(hasattr(state, "add_block") for state in states.values()):
                with paused_collector():
                    self._check_block(checker, rows[start:] if start else rows, states, crashed, problems)
                return
            break
        self._rows_one_by_one(rows[start:] if start else rows, states, crashed, problems)

    def _rows_one_by_one(
        self,
        rows: list[tuple[int, int | None, Mapping[str, Any]]],
        states: dict[str, Any],
        crashed: dict[str, tuple[int, str]],
        problems: list[tuple[int, int | None, str | None, str]],
    ) -> None:
        """:meth:`check_rows` a row at a time."""
        for number, line, data in rows:
            context, found, problem = self.check_row(number, line, data)
            if states:
                rejection = self.feed_states(states, crashed, number, line, context, found)
                if problem is None:
                    problem = rejection
            if problem is not None:
                problems.append((number, line, row_id(context), problem))
            vars(context)["_memo"] = None  # see _run

    def _block_checker(self, *, settled: bool = True) -> Any:
        """The row checker that takes rows a block at a time, once the plans are
        settled (see :meth:`_make_plan`), or None while rows go one by one.
        ``settled=False``: the one that will, settled or not."""
        if not self.prototype.brief:
            return None
        if settled:
            if self._plan_generation != self._generation:
                self._make_plan()
            if self._plan_fields is None:
                return None
        checkers = {id(entry.checker): entry.checker for entry in self.row_rules if entry.checker is not None}
        if len(checkers) != 1:
            return None
        (checker,) = checkers.values()
        return checker if hasattr(checker, "check_block") else None

    def _check_block(
        self,
        checker: Any,
        rows: list[tuple[int, int | None, Mapping[str, Any]]],
        states: dict[str, Any],
        crashed: dict[str, tuple[int, str]],
        problems: list[tuple[int, int | None, str | None, str]],
    ) -> None:
        """:meth:`check_rows` with ``checker.check_block`` deciding the rows whose
        plan it decides alone (``checker`` None: none); any other row goes
        through :meth:`check_row`. The states are fed the block afterwards."""
        numbers = [row[0] for row in rows]
        lines = [row[1] for row in rows]
        data = [row[2] for row in rows]
        count = len(rows)
        #: each row's findings as batch rules see them (None: counted brief)
        found_of: list[list[Finding] | None] = [_NO_FINDINGS] * count

        def batch_row(index: int) -> BatchRow:
            return self.batch_row(numbers[index], lines[index], block.context(index), found_of[index])

        block = RowBlock(self.prototype, numbers, lines, data, batch_row)
        decisions = None
        if checker is not None:
            keys = block.values(self._plan_fields)  # type: ignore[arg-type]
            try:
                decisions = checker.check_block(block)
                if len(decisions) != count:
                    decisions = None
            except Exception:
                decisions = None
        generation = self._generation
        plans = self._plans
        common = self._common
        #: the codes whose findings go into a common group (see _count_common) of this checker
        common_codes = {code for code, known in common.items() if known[0] is checker}
        #: rule code -> [rows, findings, event times] counted into its common group, below
        pending: dict[str, list[Any]] = {}
        row_problems: dict[int, str] = {}
        plain_keys = decisions is not None and set(map(type, chain.from_iterable(keys))) <= _TEXT_OR_NONE
        for index in range(count):
            decision = decisions[index] if decisions is not None else None
            planned = None
            if decision is not None and self._generation == generation:
                key = keys[index]
                if not plain_keys:
                    for value in key:
                        if value is not None and value.__class__ is not str:
                            key = tuple([_freeze(value) for value in key])
                            break
                planned = plans.get(key)
            if planned is not None and planned[1] is checker and decision is not None:
                if not decision:
                    continue
                for code, times in decision.items():
                    if times.__class__ is not _EventTimes or code not in common_codes:
                        break
                else:
                    # the common failing row: counted once for the block, below
                    for code, times in decision.items():
                        counts = pending.get(code)
                        if counts is None:
                            counts = pending[code] = [0, 0, []]
                        counts[0] += 1
                        counts[1] += len(times)
                        counts[2].extend(times)
                    found_of[index] = None
                    continue
                if None not in decision.values():
                    found, problem = self._count_decision(
                        numbers[index], lines[index], block.context(index), planned[0], decision
                    )
                    if problem is not None:
                        row_problems[index] = problem
                    found_of[index] = found
                    common_codes = {code for code, known in common.items() if known[0] is checker}
                    continue
            _context, found, problem = self.check_row(numbers[index], lines[index], data[index], block.context(index))
            if problem is not None:
                row_problems[index] = problem
            found_of[index] = found
            common_codes = {code for code, known in common.items() if known[0] is checker}
        for code, (failed, findings, times) in pending.items():
            _checker, tally, group = common[code]
            tally.failed_rows += failed
            tally.findings += findings
            group.rows += findings
            _note_oldest_of(tally, group, times)
        for code, state in list(states.items()):
            add_block = getattr(state, "add_block", None)
            at = 0
            try:
                if add_block is not None:
                    add_block(block)
                else:
                    for at in range(count):
                        state.add(block.row(at))
            except Exception as exc:
                del states[code]
                if add_block is not None:
                    at = self._crash_row(code, block, found_of)
                crashed[code] = (numbers[at], crash_detail(self._batch_rule(code), exc))
            block.take_row_rejections()
        rejections = block.rejections
        for index in sorted(row_problems.keys() | rejections.keys()):
            problem = row_problems.get(index) or rejections[index]
            problems.append((numbers[index], lines[index], block.id(index), problem))

    def _crash_row(self, code: str, block: RowBlock, found_of: list[list[Finding] | None]) -> int:
        """The index of the row a batch rule's ``add_block`` failed on: its rows
        fed one by one to a fresh state, up to the first that fails (the first
        row when none does)."""
        rule = self._batch_rule(code)
        try:
            state = mergeable_state(rule)(self.summary, self.job.context, self.config.options_for(rule))
        except Exception:
            return 0
        for index, number in enumerate(block.numbers):
            row = self.batch_row(number, block.lines[index], block.context(index), found_of[index])
            try:
                state.add(row)
            except Exception:
                return index
        return 0

    def start_counts(self) -> None:
        """Fresh tallies, groups and crashes: a chunk's or a partition's own."""
        summary = self.summary
        summary.rules = {code: _tally_like(t) for code, t in summary.rules.items()}
        self.groups = {}
        self.crashes = {}
        self._common = {}

    def feed_states(
        self,
        states: dict[str, Any],
        crashed: dict[str, tuple[int, str]],
        number: int,
        line: int | None,
        context: SendContext,
        found: list[Finding] | None,
    ) -> str | None:
        """Give one checked row to a chunk's batch-rule states (see :meth:`start_states`).
        A state that fails is dropped and its rule recorded in ``crashed``; returns the
        row's first rejection by a batch rule, if any."""
        row = self.batch_row(number, line, context, found)
        for code, state in list(states.items()):
            try:
                state.add(row)
            except Exception as exc:
                del states[code]
                crashed[code] = (number, crash_detail(self._batch_rule(code), exc))
        return row._rejections[0] if row._rejections else None

    def _batch_rule(self, code: str) -> Rule:
        return next(rule for rule in self.batch_rules if rule.code == code)

    def start_states(
        self, codes: Iterable[str], *, firsts: bool = True
    ) -> tuple[dict[str, Any], dict[str, tuple[int, str]]]:
        """Fresh mergeable states (see :mod:`._states`) of these batch rules for
        one chunk of rows, and the rules whose state could not be made.
        ``firsts=False``: states that are never merged into another (one process)."""
        states: dict[str, Any] = {}
        crashed: dict[str, tuple[int, str]] = {}
        for code in codes:
            rule = self._batch_rule(code)
            try:
                state = mergeable_state(rule)(self.summary, self.job.context, self.config.options_for(rule))
                if firsts and hasattr(state, "keep_firsts") and not (self.rows_again and hasattr(state, "rows_again")):
                    state.keep_firsts()
                states[code] = state
            except Exception as exc:
                crashed[code] = (0, crash_detail(rule, exc))
        return states, crashed

    # ------------------------------------------------------------ async rules

    def _prefetching(self, rows: Iterable[Any], size: int = ASYNC_CHUNK_ROWS) -> Iterator[Any]:
        """``rows`` unchanged, each chunk's async rules run together before its rows are checked."""
        chunk: list[Any] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= size:
                self.prefetch([(r[0], self.row_data(r[2])) for r in chunk if r[3] is None])
                yield from chunk
                chunk = []
        self.prefetch([(r[0], self.row_data(r[2])) for r in chunk if r[3] is None])
        yield from chunk

    def prefetch(self, rows: list[tuple[int, Mapping[str, Any]]]) -> None:
        """Run the async per-row rules of these rows concurrently, in one
        event loop and HTTP session; :meth:`check_row` then takes their
        outcomes. Rows whose outcome the memo already knows are not run."""
        runner = self.async_rules
        entries = [entry for entry in self.row_rules if entry.is_async]
        if runner is None or not entries or not rows:
            return
        for entry in entries:
            if entry.memo is not None and entry.lookups == 0:
                # the first row shows which values the rule reads: the memo key of every other row
                number, data = rows[0]
                self._run_pending([(number, entry, self.context(data), self._tracked(data))])
        pending: list[tuple[int, RowRule, SendContext, SendContext]] = []
        seen: dict[tuple[str, tuple], int] = {}
        prefetched = self._prefetched
        by_fields: dict[tuple[str, ...], list[dict[tuple, Any]]] = {}
        for entry in entries:
            if entry.memo is None:
                by_fields = {}  # a rule run on every row: every row is pending
                break
            by_fields.setdefault(entry.fields, []).append(entry.memo)
        for number, data in rows:
            context = self.context(data)
            keys: dict[tuple[str, ...], tuple] = {}  # rules that read the same fields share the key
            if by_fields:
                get = context.get
                known = True
                for fields, memos in by_fields.items():
                    row_key = keys[fields] = tuple([_freeze(get(name)) for name in fields])
                    if known and not all(row_key in memo for memo in memos):
                        known = False
                if known:
                    continue  # every async rule knows this row's values already
            for entry in entries:
                memo = entry.memo
                if memo is None:
                    pending.append((number, entry, context, context))
                    continue
                fields = entry.fields
                key = keys.get(fields)
                if key is None:
                    get = context.get
                    key = keys[fields] = tuple([_freeze(get(name)) for name in fields])
                code = entry.rule.code
                if key in memo or (number, code) in prefetched or (code, key) in seen:
                    continue  # known, or the same values as a row already pending: the memo will know
                seen[(code, key)] = number
                pending.append((number, entry, context, self._tracked(data)))
        self._run_pending(pending)

    def async_outcomes(self, items: list[tuple[int, int | None, Any]]) -> dict[tuple[int, str], Any]:
        """Every row's outcome of every async per-row rule, run here (concurrently)
        or remembered, for a worker process to take instead of running them."""
        rows = []
        for number, _line, payload in items:
            if payload.__class__ is str:
                payload = parse_json_row(payload)[0]
                if payload is None:
                    continue  # unreadable: the worker reports it
            rows.append((number, self.row_data(payload)))
        self.prefetch(rows)
        entries = [entry for entry in self.row_rules if entry.is_async]
        prefetched = self._prefetched
        ran = {number for number, _code in prefetched}
        out: dict[tuple[int, str], Any] = {}
        # rows the memos know: their outcomes by the values the rules read, worked out once
        bundles: dict[tuple, list[tuple[str, Any]]] = {}
        for number, data in rows:
            if number not in ran and all(entry.memo is not None for entry in entries):
                row_context = self.context(data)
                get = row_context.get
                combined = tuple(
                    tuple([_freeze(get(name)) for name in fields]) for fields in {e.fields: None for e in entries}
                )
                bundle = bundles.get(combined)
                if bundle is None:
                    found = [(entry.rule.code, self._remembered(entry, row_context)) for entry in entries]
                    if any(known is _MISSING for _code, known in found):
                        bundle = None  # a memo forgot it: run this row below
                    else:
                        bundle = bundles[combined] = [(code, known) for code, known in found if known != _NO_FINDINGS]
                if bundle is not None:
                    for code, known in bundle:
                        out[(number, code)] = known
                    continue
            context: SendContext | None = None
            keys: dict[tuple[str, ...], tuple] = {}  # rules that read the same fields share the key
            for entry in entries:
                code = entry.rule.code
                known = prefetched.pop((number, code), _MISSING)
                if known is _MISSING and entry.memo is not None:
                    context = context or self.context(data)
                    key = keys.get(entry.fields)
                    if key is None:
                        get = context.get
                        key = keys[entry.fields] = tuple([_freeze(get(name)) for name in entry.fields])
                    known = entry.memo.get(key, _MISSING)
                if known is _MISSING:
                    context = context or self.context(data)
                    known = self._call(entry, context, number)
                if known != _NO_FINDINGS:  # the worker takes a missing outcome for "no findings"
                    out[(number, code)] = known
        return out

    def _remembered(self, entry: RowRule, context: SendContext) -> Any:
        """What ``entry``'s memo knows for this context, or _MISSING."""
        memo = entry.memo
        if memo is None:
            return _MISSING
        return memo.get(tuple([_freeze(context.get(name)) for name in entry.fields]), _MISSING)

    def _run_pending(self, pending: list[tuple[int, RowRule, SendContext, SendContext]]) -> None:
        runner = self.async_rules
        assert runner is not None
        email, config = self.email, self.config
        raw = runner.gather(
            [
                partial(acall_rule, entry.rule, email, called, entry.options, config=config)
                for _number, entry, _context, called in pending
            ]
        )
        for (number, entry, context, called), outcome in zip(pending, raw):
            result = self._outcome(entry, outcome, number)
            if entry.memo is not None and isinstance(called, TrackedContext):
                self._learn(entry, called, context, result)
            self._prefetched[(number, entry.rule.code)] = result

    # ------------------------------------------------------------ calling rules

    def _call(self, entry: RowRule, context: SendContext, number: int) -> list[Finding] | str | None:
        """Run one rule on one row: its findings, a ContextError message, or None (crash)."""
        if entry.checker is not None and context.brief:
            decided = self._decided(entry, context)
            if decided is not _MISSING:
                return decided  # type: ignore[no-any-return]
        if entry.idle:
            return self._outcome(
                entry, _without_loop(entry.rule, self.email, context, entry.options, self.config), number
            )
        if entry.is_generator:
            # what call_rule does for a plain generator, without its checks for awaitables
            rule = entry.rule
            try:
                found = list(entry.check(self.email, context, entry.options))
                if found:
                    return [stamp(item, rule) for item in found]
                return found
            except Exception as exc:
                return self._outcome(entry, rule_failure(rule, exc, self.config), number)
        if entry.is_async:
            known = self._prefetched.pop((number, entry.rule.code), self._not_prefetched)
            if known is not _MISSING:
                return known  # type: ignore[return-value]
            if self.async_rules is not None:
                [outcome] = self.async_rules.gather(
                    [partial(acall_rule, entry.rule, self.email, context, entry.options, config=self.config)]
                )
                return self._outcome(entry, outcome, number)
        outcome = call_rule(entry.rule, self.email, context, entry.options, config=self.config)
        return self._outcome(entry, outcome, number)

    def _outcome(self, entry: RowRule, outcome: Any, number: int) -> list[Finding] | str | None:
        if outcome.__class__ is list:
            return outcome  # type: ignore[return-value]
        if isinstance(outcome, ContextError):
            return str(outcome)
        assert isinstance(outcome, RuleCrash)
        self.crash(outcome, number)
        return None

    def _memo_miss(
        self, entry: RowRule, context: SendContext, data: Mapping[str, Any], number: int
    ) -> list[Finding] | str | None:
        """Run a rule whose result is remembered by the context values it reads:
        rows that agree on every value it has read so far get the same result
        without running it. A rule that reads ``context.data`` directly, or
        whose results rarely repeat, is simply run on every row from then on."""
        if entry.is_async:
            known = self._prefetched.pop((number, entry.rule.code), self._not_prefetched)
            if known is not _MISSING:
                return known  # type: ignore[return-value]
        tracked = self._tracked(data)
        outcome = self._call(entry, tracked, number)
        self._learn(entry, tracked, context, outcome)
        return outcome

    def _learn(
        self, entry: RowRule, tracked: TrackedContext, context: SendContext, outcome: list[Finding] | str | None
    ) -> None:
        """Remember ``outcome`` by the values the rule read (see :meth:`_memo_miss`)."""
        memo = entry.memo
        if memo is None:
            return
        if entry.lookups < _MEMO_PROBE:
            entry.lookups += 1
            if entry.lookups == _MEMO_PROBE:
                self._generation += 1  # see _make_plan
        if tracked._opaque:
            entry.memo = None
            self._generation += 1
            return
        if outcome is not None:
            unseen = tracked._reads.difference(entry.fields)
            if unseen:
                entry.fields = entry.fields + tuple(sorted(unseen))
                memo.clear()
                self._generation += 1
            key = tuple([_freeze(context.get(name)) for name in entry.fields])
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            memo[key] = outcome
        if entry.lookups >= _MEMO_PROBE and entry.hits * 2 < entry.lookups:
            entry.memo = None
            self._generation += 1

    def _tracked(self, data: Mapping[str, Any]) -> TrackedContext:
        return TrackedContext(self.prototype, data)

    def crash(self, crash: RuleCrash, row: int | None) -> None:
        rule = crash.rule
        record = self.crashes.get(rule.code)
        if record is None:
            self.crashes[rule.code] = [rule.name, crash.detail, row or 0, 1]
        else:
            record[3] += 1
        tally = self.summary.rules.get(rule.code)
        if tally is not None:
            tally.crashed_rows += 1

    # ------------------------------------------------------------ results

    def results(self) -> list[Finding]:
        summary = self.summary
        out = list(self.findings)
        checked = summary.checked
        for group in self.groups.values():
            example = group.example
            share = group.rows / checked if checked else 0.0
            where = str(group.first)
            if group.rows > 1:
                message = f"{group.rows:,} of {checked:,} rows ({share:.1%}); {where}: {example.message}"
            else:
                message = f"{where}: {example.message}"
            data = dict(example.data or {})
            data["batch"] = {
                "rows": group.rows,
                "checked": checked,
                "share": round(share, 4),
                "first_rows": [ref.to_dict() for ref in group.samples],
                "oldest_event": group.oldest.isoformat() if group.oldest else None,
            }
            out.append(example.with_(message=message, data=data))
        if summary.bad_rows:
            samples = "; ".join(f"{RowRef(b.row, b.id, b.line)}: {b.reason}" for b in summary.bad_samples[:3])
            rest = summary.bad_rows - min(3, len(summary.bad_samples))
            out.append(
                Finding(
                    f"{summary.bad_rows:,} of {summary.rows:,} rows could not be fully checked: {samples}"
                    + (f"; and {rest:,} more" if rest > 0 else ""),
                    code=INVALID_CONTEXT.code,
                    rule=INVALID_CONTEXT.name,
                    severity=INVALID_CONTEXT.severity,
                    data={"bad_rows": summary.bad_rows, "samples": [b.to_dict() for b in summary.bad_samples]},
                )
            )
        for code, (name, message, row, count) in self.crashes.items():
            where = f" on {count:,} row{'s' if count != 1 else ''} (first: row {row})" if row else ""
            out.append(
                Finding(
                    redact(f"rule {code} ({name}) crashed{where}: {message}"),
                    code=INTERNAL_ERROR.code,
                    rule=INTERNAL_ERROR.name,
                    severity=INTERNAL_ERROR.severity,
                    data={"crashed_rule": code, "rows": count},
                )
            )
        return out


def _without_loop(rule: Rule, email: Any, context: SendContext, options: Any, config: Any) -> Any:
    """:func:`call_rule` for an async rule that promised not to await (see
    ``Runner._never_awaits``), driven to its end without an event loop; one
    that awaits after all is run again by :func:`call_rule`."""
    try:
        result = rule.check(email, context, options)
        items: list[Any] = []
        if result is None:
            pass
        elif inspect.isasyncgen(result):
            while True:
                step = result.__anext__()
                try:
                    step.send(None)
                except StopIteration as done:
                    items.append(done.value)
                    continue
                except StopAsyncIteration:
                    break
                step.close()
                return call_rule(rule, email, context, options, config=config)
        elif inspect.iscoroutine(result):
            try:
                result.send(None)
            except StopIteration as done:
                items = list(done.value) if done.value is not None else []
            else:
                result.close()
                return call_rule(rule, email, context, options, config=config)
        else:
            items = list(result)
        return [stamp(item, rule) for item in items]
    except Exception as exc:
        return rule_failure(rule, exc, config)


def _tally(rule: Rule) -> Any:
    from .results import RuleTally

    return RuleTally(rule.code, rule.name)


def _tally_like(tally: Any) -> Any:
    from .results import RuleTally

    return RuleTally(tally.code, tally.name)


def _note_oldest_of(tally: RuleTally, group: Group, times: list[Any]) -> None:
    """:func:`_note_oldest` for each of ``times``; the oldest found in C when they are aware datetimes."""
    moments = [moment for moment in times if moment is not None]
    if not moments:
        return
    try:
        oldest = min(moments)
    except TypeError:  # naive and aware, or not all datetimes
        oldest = None
    if oldest.__class__ is datetime and oldest.tzinfo is not None:
        _note_oldest(tally, group, oldest)  # every one compared with it: all aware datetimes
        return
    for moment in moments:
        _note_oldest(tally, group, moment)


def _note_oldest(tally: RuleTally, group: Group, event_at: Any) -> None:
    """Keep the oldest event time of a rule's failing rows and of a group of them."""
    moment = event_at if event_at.__class__ is datetime and event_at.tzinfo else as_time(event_at)
    if moment is not None:
        if tally.oldest_event is None or moment < tally.oldest_event:
            tally.oldest_event = moment
        if group.oldest is None or moment < group.oldest:
            group.oldest = moment
