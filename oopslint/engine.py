"""The engine: run the selected rules over emails and collect a Report.

Sync rules run first; rules that are async or need the network then run
concurrently inside one shared HTTP session. A rule that raises becomes an
OOPS001 finding naming it, and every other rule still reports. Suppressions
and severity overrides are applied last.

One :class:`Linter` may lint many emails: parsed emails, configuration files
and the HTTP results of a run are cached across them.

The hook every way of linting uses (``lint``, ``lint_batch``, the batch
workers, a distributed backend)::

    jobs = linter.prepare([(source, path, context, subject), ...])  # one LintJob per email
    linter.run(jobs)                    # or: await linter.arun(jobs)
    report = linter.report(jobs)

``prepare`` parses each email, builds its :class:`SendContext` and selects its
rules (``job.rules``); an input that cannot be read becomes a job that holds
its OOPS004/OOPS005 finding and runs nothing. ``run`` calls the selected rules
(sync rules first, then async and network rules concurrently in one HTTP
session); ``exclude`` leaves out rules the caller runs itself, whose findings
it hands back with ``job.add(findings, ran=rules)``. ``report`` applies
suppressions and severity overrides and builds the :class:`Report`.

:func:`call_rule` (and :func:`acall_rule` inside an event loop) is the one
function that calls a rule: it returns the rule's findings (code, name and
default severity filled in), the :class:`ContextError` that kept it from
checking, or a :class:`RuleCrash`; a bad option value raises
:class:`ConfigError`. :func:`rule_failure` says the same of an exception a
caller caught while driving a rule itself (the generator protocol of batch
rules).
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import os
import sys
import threading
import time
import types
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from ._redact import redact, redact_finding, secret_values
from .config import Config, ConfigError, find_config_file, load_config
from .config import _matches as _selector_matches
from .context import ContextError, SendContext, coerce_context, register_context_section
from .diagnostics import (
    DEADLINE_REACHED,
    ENGINE_CODES,
    INTERNAL_ERROR,
    INVALID_CONTEXT,
    UNDECODABLE_BYTES,
    UNREADABLE_INPUT,
    UNUSED_SUPPRESSION,
    EngineCode,
)
from .email import Email, InputError
from .paths import expand_paths
from .registry import Registry, default_registry
from .report import FileResult, Finding, Report, Severity, Span
from .rule import Rule
from .suppressions import apply_suppressions

__all__ = ["Linter", "LintJob", "RuleCrash", "RuleOutcome", "call_rule", "acall_rule", "rule_failure", "redact"]

register_context_section()


@dataclass
class LintJob:
    """One email on its way through the engine (see the module docstring).

    ``rules`` are the selected rules :meth:`Linter.run` will call; ``skipped``
    the network rules left out offline; ``findings`` what the rules found so
    far. A job whose input could not be read has ``email`` None and carries
    its finding in ``error``.
    """

    email: Email | None
    path: str
    context: SendContext | None = None
    config: Config | None = None
    rules: list[Rule] = field(default_factory=list)
    skipped: list[Rule] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    ran: list[Rule] = field(default_factory=list)
    error: FileResult | None = None
    # the email was parsed for this job alone (not kept in the Linter's cache)
    _parsed_for_job: bool = field(default=False, repr=False, compare=False)

    @property
    def failed(self) -> bool:
        """The input could not be read (or its context not built): nothing runs."""
        return self.error is not None

    def add(self, findings: Iterable[Finding], *, ran: Iterable[Rule] = ()) -> None:
        """Findings of rules the caller ran itself (the per-row and batch rules of a batch)."""
        self.findings.extend(findings)
        for rule in ran:
            if rule not in self.ran:
                self.ran.append(rule)


@dataclass(frozen=True, eq=False)
class RuleCrash:
    """A rule raised: which rule, and what it raised."""

    rule: Rule
    error: BaseException

    @property
    def detail(self) -> str:
        """``TypeError: message (at module.py:42)``, the innermost frame named."""
        tb = self.error.__traceback__
        where = ""
        while tb is not None:
            where = f" (at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno})"
            tb = tb.tb_next
        return f"{type(self.error).__name__}: {self.error}{where}"

    def finding(self) -> Finding:
        """The OOPS001 finding a crash on one email reports."""
        rule = self.rule
        return Finding(
            message=redact(f"rule {rule.code} ({rule.name}) crashed: {self.detail}"),
            code=INTERNAL_ERROR.code,
            rule=INTERNAL_ERROR.name,
            severity=INTERNAL_ERROR.severity,
            data={"crashed_rule": rule.code},
        )


#: What calling a rule comes to: its findings, the context error that kept it
#: from checking, or its crash.
RuleOutcome = Union[list[Finding], ContextError, RuleCrash]


def rule_failure(rule: Rule, exc: Exception, config: Config | None = None) -> ContextError | RuleCrash:
    """What a rule that raised ``exc`` reports: a bad option value is a
    configuration error (raised: exit 2), an unreadable context value a
    :class:`ContextError` (OOPS005, or a bad row in a batch), anything else
    a crash (OOPS001)."""
    if isinstance(exc, ConfigError):
        where = f"{config.path}: " if config is not None and config.path and str(config.path) not in str(exc) else ""
        raise ConfigError(f"{where}{exc}") from None
    if isinstance(exc, ContextError):
        return exc
    return RuleCrash(rule, exc)


def stamp(finding: Any, rule: Rule) -> Finding:
    """Fill in the code, name and default severity of the rule that yielded ``finding``.

    A finding a rule has just yielded is not yet seen by anyone else, so it
    is completed in place: copying a frozen dataclass for every failing row
    of a million-row batch would cost more than the check itself."""
    if not isinstance(finding, Finding):
        raise TypeError(f"check yielded {type(finding).__name__}, expected Finding")
    if finding.__class__ is Finding and finding.code and finding.severity.__class__ is Severity:
        return finding
    severity = Severity.parse(finding.severity) if finding.severity else rule.severity
    if finding.__class__ is not Finding:
        return finding.with_(code=finding.code or rule.code, rule=finding.rule or rule.name, severity=severity)
    if finding.code and finding.code != rule.code:
        return finding.with_(severity=severity)
    set_field = object.__setattr__
    set_field(finding, "code", rule.code)
    set_field(finding, "rule", finding.rule or rule.name)
    set_field(finding, "severity", severity)
    return finding


def call_rule(
    rule: Rule, email: Email, context: SendContext, options: Any, *, config: Config | None = None
) -> RuleOutcome:
    """Call one rule on one email and context: its findings, a context error or a crash.

    An async rule is run to completion (in a thread of its own when an event
    loop is already running); inside a loop, prefer :func:`acall_rule`.
    ``config`` names the configuration file when an option value is bad."""
    try:
        result = rule.check(email, context, options)
        if result is None:
            return []
        if result.__class__ not in _PLAIN_RESULTS and (inspect.isasyncgen(result) or inspect.isawaitable(result)):
            result = _run_coroutine(_gather(result))
        return [stamp(item, rule) for item in result]
    except Exception as exc:
        return rule_failure(rule, exc, config)


async def acall_rule(
    rule: Rule, email: Email, context: SendContext, options: Any, *, config: Config | None = None
) -> RuleOutcome:
    """:func:`call_rule` for code running in an event loop."""
    try:
        result = rule.check(email, context, options)
        if result is None:
            return []
        if inspect.isasyncgen(result) or inspect.isawaitable(result):
            result = await _gather(result)
        return [stamp(item, rule) for item in result]
    except Exception as exc:
        return rule_failure(rule, exc, config)


_PLAIN_RESULTS = (types.GeneratorType, list, tuple)

#: An async check function may carry a callable under this attribute name,
#: ``(email, context, options) -> bool``: True promises that this call
#: finishes without awaiting anything, so the engine may run it without an
#: event loop (a cold start then never imports asyncio). A rule that awaits
#: after all is run again, in the loop.
WITHOUT_AWAITING = "finishes_without_awaiting"


def _async_pending(jobs: Sequence[LintJob], exclude: Collection[Rule]) -> list[tuple[LintJob, Rule]]:
    """The async and network rules of these jobs still to run, job by job."""
    return [
        (job, rule)
        for job in jobs
        if not job.failed
        for rule in job.rules
        if (rule.network or rule.is_async) and rule not in exclude
    ]


def _call_without_loop(rule: Rule, email: Email, context: SendContext, options: Any) -> list[Any] | Exception | None:
    """Drive an async check to its end without an event loop: what it yielded
    or returned, or what it raised; None when it awaited something (it is
    then closed, and nothing it made is kept)."""
    try:
        result = rule.check(email, context, options)
        if result is None:
            return []
        if inspect.isasyncgen(result):
            items: list[Any] = []
            while True:
                step = result.__anext__()
                try:
                    step.send(None)  # type: ignore[attr-defined]
                except StopIteration as done:
                    items.append(done.value)
                    continue
                except StopAsyncIteration:
                    return items
                step.close()  # type: ignore[attr-defined]
                _close_quietly(result.aclose())
                return None
        if inspect.iscoroutine(result):
            try:
                result.send(None)
            except StopIteration as done:
                return list(done.value) if done.value is not None else []
            result.close()
            return None
        if inspect.isawaitable(result):
            return None
        return list(result)
    except Exception as exc:
        return exc


def _close_quietly(closing: Any) -> None:
    try:
        closing.send(None)
    except BaseException:  # StopIteration when closed; anything else is for the rerun to report
        pass
    finally:
        closing.close()


def _rule_outcome(rule: Rule, result: list[Any] | Exception, config: Config | None) -> RuleOutcome:
    """The outcome of a rule run without a loop, as :func:`acall_rule` makes it."""
    if isinstance(result, Exception):
        return rule_failure(rule, result, config)
    try:
        return [stamp(item, rule) for item in result]
    except Exception as exc:
        return rule_failure(rule, exc, config)


async def _gather(result: Any) -> list[Any]:
    if inspect.isasyncgen(result):
        return [item async for item in result]
    awaited = await result
    return list(awaited) if awaited is not None else []


#: The parse cache's default byte budget.
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
# What a kept email is counted at: its HTML, elements and text segments, and the
# styles, tokens and verdicts the rules memoise on it. Measured with tracemalloc
# on the fixtures and the hostile shapes of bench_scaling: 16-80 bytes per
# character in all; these figures give 1.7x to 8x that.
_BYTES_PER_CHARACTER = 100
_BYTES_PER_NODE = 4096


def retained_estimate(email: Email) -> int:
    """The bytes a parsed email is counted at in a :class:`Linter`'s cache (an
    upper estimate of what it and the rules' results on it take)."""
    return _BYTES_PER_CHARACTER * len(email.html) + _BYTES_PER_NODE * (len(email.elements) + len(email.segments))


_gc_lock = threading.Lock()


class _SharedCollectorChange:
    """A change to the cyclic collector's process-wide state that nested and
    concurrent callers share: the first to enter makes it (when ``applies()``
    then), the last to leave undoes it."""

    def __init__(self, applies: Callable[[], bool], make: Callable[[], None], undo: Callable[[], None]):
        self._applies = applies
        self._make = make
        self._undo = undo
        self._holders = 0
        self._made = False

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        with _gc_lock:
            self._holders += 1
            if self._holders == 1 and self._applies():
                self._make()
                self._made = True
        try:
            yield
        finally:
            with _gc_lock:
                self._holders -= 1
                if self._holders == 0 and self._made:
                    self._made = False
                    self._undo()


# Pause Python's cyclic garbage collector during a synchronous stage.
#
# Parsing and the rules build many long-lived objects (elements, segments,
# findings) that hold no garbage cycles; the collector would walk all of them
# again and again as they pile up (20 MB of markup ran 1.65x slower). The
# collector is restored when the last holder leaves, and one left disabled by
# the application stays so. Never held across an ``await``: other coroutines
# keep their collector.
_gc_paused = _SharedCollectorChange(gc.isenabled, gc.disable, gc.enable).held

# Keep every object alive on entry out of the collector's passes (``gc.freeze``)
# while a synchronous lint's network checks run on oopslint's own event loop,
# and hand them back (``gc.unfreeze``) when the last such run ends.
#
# The collector stops the loop while it walks: a pass over the oldest generation
# walks every object in the process (20-90 ms with an email or two parsed and
# the network modules imported), and each host's next request goes out that
# much late, then every one after it. The parse's own objects, made while the
# collector was paused, would be walked twice more on their way up the
# generations, just as the first requests go out. Frozen, they are not walked
# at all; objects made during the run are collected as usual. Entered while the
# collector is still paused after parsing, so nothing is walked before; left
# alone where the application freezes objects itself.
_kept_out_of_collections = _SharedCollectorChange(
    lambda: hasattr(gc, "freeze") and gc.get_freeze_count() == 0, gc.freeze, gc.unfreeze
).held


class Linter:
    """Lints emails with one configuration, sharing caches across them.

    ``config`` may be a :class:`Config`, a mapping shaped like
    ``[tool.oopslint]``, a path to a config file, or None to look for one
    next to each linted file (and fall back to the defaults).

    Keep one Linter for a long-running sender: it reuses parsed templates,
    loaded configuration, spelling dictionaries and link results across
    thousands of sends. It is thread-safe: threads may call :meth:`lint` on
    one Linter at once and get the results they would get one after another
    (each call runs its own event loop and HTTP session).

    The parsed emails it keeps (with what the rules derived from them) take at
    most ``cache_bytes`` (64 MiB by default; 0 keeps none), the least recently
    used dropped first. Each is counted at :func:`retained_estimate`, which
    errs on the high side: what it really takes was measured at 16-80 bytes
    per character of HTML on real and hostile emails.
    """

    def __init__(
        self,
        config: Config | Mapping[str, Any] | str | os.PathLike[str] | None = None,
        *,
        registry: Registry | None = None,
        offline: bool = False,
        mode: str | None = None,
        default_mode: str = "rendered",
        fail_on: Severity | str | None = None,
        use_cache: bool = True,
        cache_path: str | None = None,
        select: Sequence[str] | None = None,
        ignore: Sequence[str] | None = None,
        dialects: Sequence[str] | None = None,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
    ):
        if isinstance(cache_bytes, bool) or not isinstance(cache_bytes, int) or cache_bytes < 0:
            raise ConfigError(f"cache_bytes must be a whole number of bytes, 0 or more, got {cache_bytes!r}")
        self.cache_bytes = cache_bytes
        self.registry = registry or default_registry()
        self.offline = offline
        self.mode = _check_mode(mode, "mode") if mode is not None else None
        self.default_mode = _check_mode(default_mode, "default_mode")
        self.fail_on = _check_fail_on(fail_on) if fail_on is not None else None
        if isinstance(dialects, str):
            dialects = [dialects]
        if dialects:
            from .templating import resolve_dialects

            try:
                resolve_dialects(list(dialects))
            except ValueError as exc:
                raise ConfigError(f"dialects: {exc}") from None
        self.use_cache = use_cache
        self.cache_path = cache_path
        self._overrides: dict[str, list[str] | None] = {
            "select": list(select) if select else None,
            "ignore": list(ignore or ()),
            "dialects": list(dialects) if dialects else None,
        }
        self._fixed_config: Config | None
        if isinstance(config, Config):
            self._fixed_config = config
        elif isinstance(config, Mapping):
            self._fixed_config = Config.from_mapping(config, registry=self.registry)
        elif config is not None:
            self._fixed_config = load_config(os.fspath(config), registry=self.registry)
        else:
            self._fixed_config = None
        self._configs: dict[Any, Config] = {}
        self._emails: OrderedDict[tuple, tuple[Email, int]] = OrderedDict()
        self._emails_bytes = 0
        self._emails_lock = threading.Lock()
        self._http_memory: dict[str, Any] = {}

    # ------------------------------------------------------------ config

    def config_for(self, path: str | None) -> Config:
        if self._fixed_config is not None:
            config = self._fixed_config
        else:
            start = Path(path) if path and not path.startswith("<") else Path.cwd()
            found = find_config_file(start)
            if found not in self._configs:
                self._configs[found] = (
                    load_config(found, registry=self.registry)
                    if found
                    else Config.from_mapping({}, registry=self.registry)
                )
            config = self._configs[found]
        return self._apply_overrides(config)

    def _apply_overrides(self, config: Config) -> Config:
        if not any((self._overrides["select"], self._overrides["ignore"], self._overrides["dialects"], self.fail_on)):
            return config
        key = id(config)
        cached = self._configs.get(("override", key))
        if cached is not None:
            return cached
        from dataclasses import replace

        from .templating import resolve_dialects

        added = self._overrides["ignore"] or []
        for selector in (self._overrides["select"] or []) + added:
            if not self.registry.matches_any(selector):
                raise ConfigError(f"{selector!r} matches no rule; use a code, a prefix, a rule name or ALL")
        changed = replace(
            config,
            select=self._overrides["select"] if self._overrides["select"] else config.select,
            extend_select=[] if self._overrides["select"] else config.extend_select,
            ignore=list(config.ignore) + added,
            dialects=resolve_dialects(self._overrides["dialects"]) if self._overrides["dialects"] else config.dialects,
            fail_on=self.fail_on or config.fail_on,
        )
        self._configs[("override", key)] = changed  # type: ignore[index]
        return changed

    # ------------------------------------------------------------ public

    def lint(
        self,
        source: Any,
        *,
        path: str | None = None,
        context: Any = None,
        subject: str | None = None,
        deadline: float | None = None,
    ) -> Report:
        """Lint one email and return its Report.

        ``source`` is the HTML as ``str`` or ``bytes`` (a ``str`` is always the
        content, never a file name), a file as a ``pathlib.Path`` (HTML or
        ``.eml``), or an :class:`email.message.EmailMessage`. ``path`` names
        the email in findings. ``context`` is a SendContext, a mapping, or the
        path of a JSON/YAML context file. ``deadline`` bounds the whole run in
        seconds (see :meth:`run`).
        """
        return self.lint_many([(source, path, context, subject)], deadline=deadline)

    async def alint(
        self,
        source: Any,
        *,
        path: str | None = None,
        context: Any = None,
        subject: str | None = None,
        deadline: float | None = None,
    ) -> Report:
        return await self.alint_many([(source, path, context, subject)], deadline=deadline)

    def lint_many(
        self, items: Iterable[tuple[Any, str | None, Any, str | None]], *, deadline: float | None = None
    ) -> Report:
        """Lint several emails in one run: network checks share one session."""
        until = _deadline_at(deadline)
        # one pause of the collector from parsing to the report when no event loop runs: each
        # pause that ends makes the collector walk every object made since, so three (parse,
        # rules, report) cost twice what one does
        with contextlib.ExitStack() as checking:
            with _gc_paused():
                jobs = self.prepare(items)
                if self._run_here(jobs):
                    return _released(self.report(jobs), jobs)
                checking.enter_context(_kept_out_of_collections())
            _run_coroutine(self.arun(jobs, until=until))
        return _released(self.report(jobs), jobs)

    async def alint_many(
        self, items: Iterable[tuple[Any, str | None, Any, str | None]], *, deadline: float | None = None
    ) -> Report:
        until = _deadline_at(deadline)
        jobs = self.prepare(items)
        await self.arun(jobs, until=until)
        return _released(self.report(jobs), jobs)

    def lint_paths(self, paths: Sequence[str], *, context: Any = None, stdin: bytes | None = None) -> Report:
        """Lint files, folders and globs (``-`` reads stdin), as the CLI does."""
        items: list[tuple[Any, str | None, Any, str | None]] = []
        for entry in expand_paths(paths, self.config_for):
            if entry == "-":
                data = stdin if stdin is not None else sys.stdin.buffer.read()
                items.append((data, "<stdin>", context, None))
            else:
                items.append((Path(entry), entry, context, None))
        return self.lint_many(items)

    # ------------------------------------------------------------ the hook

    def prepare(self, items: Iterable[tuple[Any, str | None, Any, str | None]]) -> list[LintJob]:
        """One :class:`LintJob` per ``(source, path, context, subject)``, in order."""
        jobs: list[LintJob] = []
        with _gc_paused():
            for source, path, context, subject in items:
                label = path or (str(source) if isinstance(source, os.PathLike) else "<email>")
                try:
                    jobs.append(self._prepare(source, label, context, subject))
                except InputError as exc:
                    jobs.append(LintJob(None, label, error=self._input_error(label, str(exc))))
                except ContextError as exc:
                    jobs.append(
                        LintJob(None, label, error=self._input_error(label, f"context: {exc}", code=INVALID_CONTEXT))
                    )
        return jobs

    def run(self, jobs: Sequence[LintJob], *, exclude: Collection[Rule] = (), until: float | None = None) -> None:
        """Call every job's rules (but those in ``exclude``) and keep their findings.

        ``until`` is a :func:`time.monotonic` moment by which the run ends: the
        network budget is capped to it, and an async or network rule still
        running then is stopped and reported as OOPS006 (could not verify). A
        synchronous rule cannot be interrupted midway; it only delays the end.
        """
        if any(rule.network or rule.is_async for job in jobs for rule in job.rules if rule not in exclude):
            if not self._run_without_loop(jobs, exclude):
                _run_coroutine(self.arun(jobs, exclude=exclude, until=until))
            return
        for job in jobs:
            self._run_sync(job, exclude)

    def _run_here(self, jobs: Sequence[LintJob]) -> bool:
        """:meth:`run` when it needs no event loop (no network rule, and every
        async rule promises to finish without awaiting); False, having run
        nothing, when it does."""
        if any(rule.network or rule.is_async for job in jobs for rule in job.rules):
            return self._run_without_loop(jobs, ())
        for job in jobs:
            self._run_sync(job)
        return True

    async def arun(
        self, jobs: Sequence[LintJob], *, exclude: Collection[Rule] = (), until: float | None = None
    ) -> None:
        """:meth:`run` inside an event loop: sync rules first, then the others
        concurrently, network rules within one HTTP session."""
        for job in jobs:
            self._run_sync(job, exclude)
        pending = _async_pending(jobs, exclude)
        if not pending:
            return
        import asyncio

        from . import http as _http

        # async rules that may use the network get the shared client too; it is
        # only made when one of them asks for it
        lazy = not any(rule.network for _, rule in pending)
        first = next(job for job in jobs if not job.failed)
        assert first.config is not None
        http_options = first.config.section("http")
        left = None if until is None else max(0.001, until - time.monotonic())
        if left is not None:
            http_options = {**http_options, "budget": min(float(http_options.get("budget") or left), left)}
        async with _http.session(
            http_options,
            memory=self._http_memory,
            use_cache=self.use_cache,
            cache_path=self.cache_path,
            offline=self.offline,
            lazy=lazy,
        ):
            tasks = [asyncio.ensure_future(self._acall(rule, job)) for job, rule in pending]
            _, late = await asyncio.wait(tasks, timeout=left)
            for task in late:
                task.cancel()
            if late:
                await asyncio.gather(*late, return_exceptions=True)
        # a bad option (ConfigError) ends the run; read every task's error so none is logged as lost
        errors = [task.exception() for task in tasks if task not in late]
        first_error = next((error for error in errors if error is not None), None)
        if first_error is not None:
            raise first_error
        for (job, rule), task in zip(pending, tasks):
            if task in late:
                job.add(
                    [
                        self._engine_finding(
                            DEADLINE_REACHED,
                            f"{rule.code} ({rule.name}) did not finish within the {left:g} s deadline; "
                            "what it checks could not be verified",
                        )
                    ],
                    ran=[rule],
                )
            else:
                job.add(task.result(), ran=[rule])

    def report(self, jobs: Sequence[LintJob]) -> Report:
        """Suppressions, severity overrides and the Report of these jobs."""
        fail_on = self.fail_on
        skipped: list[str] = []
        unchecked = 0
        results: list[FileResult] = []
        secrets: list[str] | None = None  # read from the environment once per report
        for job in jobs:
            if job.error is not None:
                results.append(job.error)
                continue
            assert job.config is not None
            if secrets is None:
                secrets = secret_values()
            with _gc_paused():
                findings = self._finish(job, secrets)
            results.append(FileResult(path=job.path, findings=findings))
            fail_on = fail_on or job.config.fail_on
            for rule in job.skipped:
                if rule.code not in skipped:
                    skipped.append(rule.code)
            if job.skipped:
                unchecked += _count_urls(job)
        if fail_on is None:
            configs = [job.config for job in jobs if job.config is not None]
            fail_on = configs[0].fail_on if configs else Severity.ERROR
        return Report(files=results, fail_on=fail_on, skipped_network_rules=skipped, unchecked_urls=unchecked)

    # ------------------------------------------------------------ running

    def _input_error(self, path: str, message: str, code: EngineCode = UNREADABLE_INPUT) -> FileResult:
        for name in (path, "<input>"):
            if message.startswith(f"{name}: "):
                message = message[len(name) + 2 :]
                break
        finding = redact_finding(
            Finding(message=message, code=code.code, rule=code.name, severity=code.severity, path=path)
        )
        return FileResult(path=path, findings=[finding], input_error=True)

    def _parse(
        self,
        source: Any,
        path: str,
        subject: str | None,
        dialects: tuple[str, ...] | None,
        fallback_subject: str | None = None,
    ) -> tuple[Email, bool]:
        """The parsed email, and whether it was parsed for this caller alone
        (not kept in, nor taken from, this Linter's cache)."""
        if isinstance(source, (str, bytes)) and self.cache_bytes:
            key: tuple | None = (hash(source), len(source), path, subject, fallback_subject, dialects)
        else:
            key = None
        if key is not None:
            with self._emails_lock:
                cached = self._emails.get(key)
                if cached is not None:
                    self._emails.move_to_end(key)
                    return cached[0], False
        email = Email.parse(
            source,
            path=path if not path.startswith("<") else None,
            subject=subject,
            dialects=dialects,
            fallback_subject=fallback_subject,
        )
        return email, key is None or not self._keep(key, email)

    def _keep(self, key: tuple, email: Email) -> bool:
        """Keep a parsed email, dropping the least recently used ones beyond
        ``cache_bytes``; False when it is too large to keep."""
        size = retained_estimate(email)
        if size > self.cache_bytes:
            return False
        with self._emails_lock:
            previous = self._emails.pop(key, None)
            if previous is not None:
                self._emails_bytes -= previous[1]
            if not self._emails:  # also after a copy of this Linter was given an empty cache
                self._emails_bytes = 0
            self._emails[key] = (email, size)
            self._emails_bytes += size
            while self._emails_bytes > self.cache_bytes and self._emails:
                _, (evicted, dropped) = self._emails.popitem(last=False)
                self._emails_bytes -= dropped
                evicted._forget_derived()  # frees most of it now rather than at a full collection
        return True

    @property
    def cached_bytes(self) -> int:
        """What the parsed emails this Linter keeps are counted at (see ``cache_bytes``)."""
        return self._emails_bytes

    def _prepare(self, source: Any, path: str, context: Any, subject: str | None) -> LintJob:
        config = self.config_for(path)
        mode = self.mode or config.mode or self.default_mode
        send_context = coerce_context(
            context,
            mode=mode,
            default_category=config.category,
            options=config.section("context"),
            config_path=config.path,
        )
        context_subject = send_context.get("subject")
        email, parsed_for_job = self._parse(
            source, path, subject, config.dialects, fallback_subject=str(context_subject) if context_subject else None
        )
        rules, skipped = self._selection(config, mode)
        if config.per_file_ignores and path:
            ignored = config.ignored_in(path)
            if ignored:
                rules = [rule for rule in rules if not any(_selector_matches(rule, s) for s in ignored)]
                skipped = [rule for rule in skipped if not any(_selector_matches(rule, s) for s in ignored)]
            else:
                rules, skipped = list(rules), list(skipped)
        else:
            rules, skipped = list(rules), list(skipped)
        return LintJob(email, path, send_context, config, rules, skipped, _parsed_for_job=parsed_for_job)

    def _selection(self, config: Config, mode: str) -> tuple[list[Rule], list[Rule]]:
        """The email rules ``config`` selects in ``mode`` before its ``per_file_ignores``
        (to run, and left out offline), worked out once per configuration and mode."""
        key = (id(self.registry), len(self.registry), mode, self.offline)
        cached = config._selections.get(key)
        if cached is not None and cached[0] is self.registry:
            return cached[1], cached[2]
        rules: list[Rule] = []
        skipped: list[Rule] = []
        for rule in self.registry:
            if rule.scope == "email" and mode in rule.modes and config.is_selected(rule):
                (skipped if rule.network and self.offline else rules).append(rule)
        if len(config._selections) > 16:
            config._selections.clear()
        config._selections[key] = (self.registry, rules, skipped)
        return rules, skipped

    def _run_sync(self, job: LintJob, exclude: Collection[Rule] = ()) -> None:
        if job.failed:
            return
        assert job.email is not None and job.context is not None and job.config is not None
        email, context, config = job.email, job.context, job.config
        found = job.findings
        ran = job.ran
        already = {id(rule) for rule in ran}
        with _gc_paused():
            for rule in job.rules:
                if rule.network or rule.is_async or rule in exclude:
                    continue
                outcome = call_rule(rule, email, context, config.options_for(rule), config=config)
                found.extend(outcome if outcome.__class__ is list else self._findings(rule, outcome))
                if id(rule) not in already:
                    already.add(id(rule))
                    ran.append(rule)

    def _run_without_loop(self, jobs: Sequence[LintJob], exclude: Collection[Rule]) -> bool:
        """:meth:`arun` without an event loop, when every async rule to run
        promises (see :data:`WITHOUT_AWAITING`) to finish without awaiting
        anything: a cold start then never imports asyncio. False, having run
        nothing, when one may await or one is a network rule."""
        pending = _async_pending(jobs, exclude)
        for job, rule in pending:
            promise = getattr(rule.check, WITHOUT_AWAITING, None)
            if rule.network or promise is None:
                return False
            assert job.email is not None and job.context is not None and job.config is not None
            try:
                if not promise(job.email, job.context, job.config.options_for(rule)):
                    return False
            except Exception:  # the rule reports it in the loop
                return False
        raw: list[list[Any] | Exception] = []
        for job, rule in pending:
            assert job.email is not None and job.context is not None and job.config is not None
            result = _call_without_loop(rule, job.email, job.context, job.config.options_for(rule))
            if result is None:  # it awaited after all: nothing was kept, the loop runs every rule
                return False
            raw.append(result)
        for job in jobs:
            self._run_sync(job, exclude)
        errors: list[BaseException] = []
        results: list[RuleOutcome] = []
        for (job, rule), result in zip(pending, raw):
            try:
                results.append(_rule_outcome(rule, result, job.config))
            except ConfigError as exc:
                errors.append(exc)
        if errors:
            raise errors[0]
        for (job, rule), outcome in zip(pending, results):
            job.add(self._findings(rule, outcome), ran=[rule])
        return True

    async def _acall(self, rule: Rule, job: LintJob) -> list[Finding]:
        assert job.email is not None and job.context is not None and job.config is not None
        outcome = await acall_rule(rule, job.email, job.context, job.config.options_for(rule), config=job.config)
        return self._findings(rule, outcome)

    def _findings(self, rule: Rule, outcome: RuleOutcome) -> list[Finding]:
        """A rule's findings on one email; a context error or a crash becomes an engine finding."""
        if isinstance(outcome, ContextError):
            label = f"{rule.code} ({rule.name})"
            return [
                Finding(
                    message=f"{label} skipped: {outcome}",
                    code=INVALID_CONTEXT.code,
                    rule=INVALID_CONTEXT.name,
                    severity=INVALID_CONTEXT.severity,
                    data={"context_error": str(outcome), "skipped_rules": [label]},
                )
            ]
        if isinstance(outcome, RuleCrash):
            return [outcome.finding()]
        return outcome

    @staticmethod
    def _engine_finding(code: EngineCode, message: str, span: Span | None = None) -> Finding:
        return Finding(message=message, span=span, code=code.code, rule=code.name, severity=code.severity)

    # ------------------------------------------------------------ results

    def _finish(self, job: LintJob, secrets: Sequence[str] | None = None) -> list[Finding]:
        email = job.email
        assert email is not None and job.config is not None
        findings: list[Finding] = _merge_context_skips(job.findings)
        if email.replaced_bytes:
            offset = email.first_replaced_offset or 0
            findings.append(
                self._engine_finding(
                    UNDECODABLE_BYTES,
                    f"{email.replaced_bytes} byte sequence(s) are not valid {email.encoding or 'UTF-8'} and were replaced",
                    email.span(offset, offset + 1) if email.kind == "html" else None,
                )
            )
        for defect in email.decoding_defects:
            findings.append(self._engine_finding(UNDECODABLE_BYTES, defect))
        ran_codes = {r.code for r in job.ran}
        ran_names = {r.name for r in job.ran}

        def ran(selector: str) -> bool:
            up = selector.upper()
            return selector in ran_names or any(c.startswith(up) for c in ran_codes)

        def known(selector: str) -> bool:
            return self.registry.matches_any(selector) or selector in ("all", "ALL")

        findings = apply_suppressions(
            email,
            findings,
            is_known=known,
            ran=ran,
            make_finding=lambda message, span: self._engine_finding(UNUSED_SUPPRESSION, message, span),
        )
        out: list[Finding] = []
        if secrets is None:
            secrets = secret_values()
        snippets: dict[int, str] = {}
        config = job.config
        for finding in findings:
            finding = self._normalize(finding, job, secrets, snippets)
            if finding.code in ENGINE_CODES and not _engine_code_selected(config, finding.code, finding.rule):
                continue
            out.append(finding)
        out.sort(key=Finding.sort_key)
        return out

    def _normalize(self, finding: Finding, job: LintJob, secrets: Sequence[str], snippets: dict[int, str]) -> Finding:
        assert job.email is not None and job.config is not None
        span = finding.span
        snippet = finding.snippet
        if span is not None and snippet is None:
            # one snippet per line, shared: many findings on one long line must
            # not each copy the line
            number = span.line
            snippet = snippets.get(number)
            if snippet is None:
                snippet = snippets[number] = job.email.line_text(number)[:2000]
            snippet = snippet or None
        code = finding.code
        rule = finding.rule
        severity = job.config.severity_for(code, rule, finding.severity or Severity.WARNING)
        # what ``finding.with_(path=..., snippet=..., severity=...)`` makes, built at once
        made = Finding(finding.message, span, snippet, finding.suggestion, finding.data, severity, code, rule, job.path)
        return redact_finding(made, secrets)


def _released(report: Report, jobs: Sequence[LintJob]) -> Report:
    """``report``, once the emails parsed for these jobs alone have let go of
    what rules derived from them: nothing else can reach those emails any more,
    and without their memos they are freed at once instead of at a full pass
    of the cyclic garbage collector."""
    for job in jobs:
        if job._parsed_for_job and job.email is not None:
            job.email._forget_derived()
    return report


def _merge_context_skips(findings: list[Finding]) -> list[Finding]:
    """One unreadable context value is one OOPS005 finding, naming every rule
    it stopped, not one per rule."""
    out: list[Finding] = []
    first_for: dict[str, int] = {}
    for finding in findings:
        reason = finding.data.get("context_error") if finding.code == INVALID_CONTEXT.code and finding.data else None
        if not isinstance(reason, str):
            out.append(finding)
            continue
        index = first_for.get(reason)
        if index is None:
            first_for[reason] = len(out)
            out.append(finding)
            continue
        previous = out[index]
        rules = [*previous.data["skipped_rules"], *finding.data["skipped_rules"]]
        out[index] = previous.with_(
            message=f"{', '.join(rules)} skipped: {reason}", data={**previous.data, "skipped_rules": rules}
        )
    return out


def _check_mode(value: Any, what: str) -> str:
    from .rule import MODES

    if value not in MODES:
        raise ConfigError(f"{what} {value!r} is not a mode; choose {' or '.join(MODES)}")
    return str(value)


def _check_fail_on(value: Any) -> Severity:
    if not isinstance(value, (str, Severity)):
        raise ConfigError(f"fail_on {value!r} is not a level; choose error, warning or info")
    try:
        return Severity.parse(value)
    except ValueError:
        raise ConfigError(f"fail_on {value!r} is not a level; choose error, warning or info") from None


def _engine_code_selected(config: Config, code: str, name: str) -> bool:
    if config.ignore and any(code.startswith(s.upper()) or s == name for s in config.ignore):
        return False
    return True


def _count_urls(job: LintJob) -> int:
    assert job.email is not None and job.context is not None
    urls: set[str] = set()
    items: list[Any] = [*job.email.links, *job.email.images]
    for item in items:
        if item.url.lower().startswith(("http://", "https://", "//")) and not (
            item.tokens and job.context.mode == "template"
        ):
            urls.add(item.url)
    return len(urls)


def _deadline_at(seconds: float | None) -> float | None:
    """The :func:`time.monotonic` moment ``seconds`` from now; ConfigError for a bad value."""
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds < 86400 * 365:
        raise ConfigError(f"deadline must be a positive number of seconds, got {seconds!r}")
    return time.monotonic() + float(seconds)


def _run_coroutine(coro: Any) -> Any:
    """Run a coroutine from sync code, also when an event loop is already running."""
    import asyncio

    try:
        asyncio.get_running_loop()
        in_loop = True
    except RuntimeError:
        in_loop = False
    if not in_loop:
        # outside the except block, so errors do not carry "no running event loop" as context
        return _run_in_new_loop(coro)
    outcome: dict[str, Any] = {}

    def runner() -> None:
        try:
            outcome["value"] = _run_in_new_loop(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=runner, name="oopslint-lint")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _run_in_new_loop(coro: Any) -> Any:
    """``asyncio.run(coro)``, on a loop whose timers fire on time (see :mod:`oopslint._loop`)."""
    import asyncio

    from ._loop import loop_factory

    with asyncio.Runner(loop_factory=loop_factory()) as runner:  # None: asyncio's own loop, as asyncio.run
        return runner.run(coro)
