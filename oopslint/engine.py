"""The engine: run the selected rules over emails and collect a Report.

Sync rules run first; rules that are async or need the network then run
concurrently inside one shared HTTP session. A rule that raises becomes an
OOPS001 finding naming it, and every other rule still reports. Suppressions
and severity overrides are applied last.

One :class:`Linter` may lint many emails: parsed emails, configuration files
and the HTTP results of a run are cached across them.
"""

from __future__ import annotations

import asyncio
import glob as _glob
import inspect
import os
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from . import http as _http
from .config import Config, ConfigError, find_config_file, load_config
from .context import ContextError, SendContext, register_context_section
from .diagnostics import (
    ENGINE_CODES,
    INTERNAL_ERROR,
    INVALID_CONTEXT,
    UNDECODABLE_BYTES,
    UNREADABLE_INPUT,
    UNUSED_SUPPRESSION,
    EngineCode,
)
from .email import Email, InputError
from .registry import Registry, default_registry
from .report import FileResult, Finding, Report, Severity, Span
from .rule import Rule
from ._redact import redact, redact_finding, secret_values
from .suppressions import apply_suppressions

__all__ = ["Linter", "LINTABLE_EXTENSIONS", "redact"]

register_context_section()

LINTABLE_EXTENSIONS = (
    ".html", ".htm", ".xhtml", ".eml", ".hbs", ".handlebars", ".mustache", ".liquid",
    ".j2", ".jinja", ".jinja2", ".njk", ".twig", ".tpl", ".mjml.html",
)


@dataclass
class _Job:
    email: Email
    path: str
    context: SendContext
    config: Config
    sync_rules: list[Rule]
    async_rules: list[Rule]
    skipped: list[Rule] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


class Linter:
    """Lints emails with one configuration, sharing caches across them.

    ``config`` may be a :class:`Config`, a mapping shaped like
    ``[tool.oopslint]``, a path to a config file, or None to look for one
    next to each linted file (and fall back to the defaults).
    """

    def __init__(
        self,
        config: "Config | Mapping[str, Any] | str | os.PathLike[str] | None" = None,
        *,
        registry: Registry | None = None,
        offline: bool = False,
        mode: str | None = None,
        default_mode: str = "rendered",
        fail_on: "Severity | str | None" = None,
        use_cache: bool = True,
        cache_path: str | None = None,
        select: Sequence[str] | None = None,
        ignore: Sequence[str] | None = None,
        dialects: Sequence[str] | None = None,
    ):
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
        self._overrides = {"select": list(select) if select else None, "ignore": list(ignore or ()),
                           "dialects": list(dialects) if dialects else None}
        self._fixed_config: Config | None
        if isinstance(config, Config):
            self._fixed_config = config
        elif isinstance(config, Mapping):
            self._fixed_config = Config.from_mapping(config, registry=self.registry)
        elif config is not None:
            self._fixed_config = load_config(config, registry=self.registry)
        else:
            self._fixed_config = None
        self._configs: dict[Path | None, Config] = {}
        self._emails: OrderedDict[tuple, Email] = OrderedDict()
        self._http_memory: dict[str, Any] = {}

    # ------------------------------------------------------------ config

    def config_for(self, path: str | None) -> Config:
        if self._fixed_config is not None:
            config = self._fixed_config
        else:
            start = Path(path) if path and not path.startswith("<") else Path.cwd()
            found = find_config_file(start)
            if found not in self._configs:
                self._configs[found] = load_config(found, registry=self.registry) if found else Config.from_mapping({}, registry=self.registry)
            config = self._configs[found]
        return self._apply_overrides(config)

    def _apply_overrides(self, config: Config) -> Config:
        if not any((self._overrides["select"], self._overrides["ignore"], self._overrides["dialects"], self.fail_on)):
            return config
        key = id(config)
        cached = self._configs.get(("override", key))  # type: ignore[arg-type]
        if cached is not None:
            return cached
        from dataclasses import replace
        from .templating import resolve_dialects

        for selector in (self._overrides["select"] or []) + self._overrides["ignore"]:
            if not self.registry.matches_any(selector):
                raise ConfigError(f"{selector!r} matches no rule; use a code, a prefix, a rule name or ALL")
        changed = replace(
            config,
            select=self._overrides["select"] if self._overrides["select"] else config.select,
            extend_select=[] if self._overrides["select"] else config.extend_select,
            ignore=list(config.ignore) + self._overrides["ignore"],
            dialects=resolve_dialects(self._overrides["dialects"]) if self._overrides["dialects"] else config.dialects,
            fail_on=self.fail_on or config.fail_on,
        )
        self._configs[("override", key)] = changed  # type: ignore[index]
        return changed

    # ------------------------------------------------------------ public

    def lint(self, source: Any, *, path: str | None = None, context: Any = None, subject: str | None = None) -> Report:
        """Lint one email and return its Report.

        ``source`` is the HTML as ``str`` or ``bytes`` (a ``str`` is always the
        content, never a file name), a file as a ``pathlib.Path`` (HTML or
        ``.eml``), or an :class:`email.message.EmailMessage`. ``path`` names
        the email in findings. ``context`` is a SendContext, a mapping, or the
        path of a JSON/YAML context file.
        """
        return self.lint_many([(source, path, context, subject)])

    async def alint(self, source: Any, *, path: str | None = None, context: Any = None, subject: str | None = None) -> Report:
        return await self.alint_many([(source, path, context, subject)])

    def lint_many(self, items: Iterable[tuple[Any, str | None, Any, str | None]]) -> Report:
        """Lint several emails in one run: network checks share one session."""
        jobs, results = self._prepare_all(items)
        if any(job.async_rules for job in jobs):
            _run_coroutine(self._run_async(jobs))
        else:
            for job in jobs:
                self._run_sync(job)
        return self._report(jobs, results)

    async def alint_many(self, items: Iterable[tuple[Any, str | None, Any, str | None]]) -> Report:
        jobs, results = self._prepare_all(items)
        await self._run_async(jobs)
        return self._report(jobs, results)

    def lint_paths(self, paths: Sequence[str], *, context: Any = None, stdin: bytes | None = None) -> Report:
        """Lint files, folders and globs (``-`` reads stdin), as the CLI does."""
        items: list[tuple[Any, str | None, Any, str | None]] = []
        for entry in expand_paths(paths, self):
            if entry == "-":
                data = stdin if stdin is not None else sys.stdin.buffer.read()
                items.append((data, "<stdin>", context, None))
            else:
                items.append((Path(entry), entry, context, None))
        return self.lint_many(items)

    # ------------------------------------------------------------ running

    def _prepare_all(self, items: Iterable[tuple[Any, str | None, Any, str | None]]) -> tuple[list[_Job], list[FileResult]]:
        jobs: list[_Job] = []
        results: list[FileResult] = []
        for source, path, context, subject in items:
            label = path or (str(source) if isinstance(source, os.PathLike) else "<email>")
            try:
                job = self._prepare(source, label, context, subject)
            except InputError as exc:
                results.append(self._input_error(label, str(exc)))
                continue
            except ContextError as exc:
                results.append(self._input_error(label, f"context: {exc}", code=INVALID_CONTEXT))
                continue
            jobs.append(job)
            results.append(FileResult(path=label))
        return jobs, results

    def _input_error(self, path: str, message: str, code: EngineCode = UNREADABLE_INPUT) -> FileResult:
        for name in (path, "<input>"):
            if message.startswith(f"{name}: "):
                message = message[len(name) + 2 :]
                break
        finding = redact_finding(Finding(message=message, code=code.code, rule=code.name, severity=code.severity, path=path))
        return FileResult(path=path, findings=[finding], input_error=True)

    def _parse(self, source: Any, path: str, subject: str | None, dialects: tuple[str, ...] | None,
               fallback_subject: str | None = None) -> Email:
        if isinstance(source, (str, bytes)):
            key: tuple | None = (hash(source), len(source), path, subject, fallback_subject, dialects)
        else:
            key = None
        if key is not None and key in self._emails:
            self._emails.move_to_end(key)
            return self._emails[key]
        email = Email.parse(source, path=path if not path.startswith("<") else None, subject=subject,
                            dialects=dialects, fallback_subject=fallback_subject)
        if key is not None:
            self._emails[key] = email
            if len(self._emails) > 64:
                self._emails.popitem(last=False)
        return email

    def _prepare(self, source: Any, path: str, context: Any, subject: str | None) -> _Job:
        config = self.config_for(path)
        mode = self.mode or config.mode or self.default_mode
        send_context = _coerce_context(context, mode, config, config.section("context"))
        context_subject = send_context.get("subject")
        email = self._parse(source, path, subject, config.dialects,
                            fallback_subject=str(context_subject) if context_subject else None)
        selected = [
            rule for rule in self.registry
            if rule.scope == "email" and mode in rule.modes and config.is_selected(rule, path)
        ]
        sync_rules: list[Rule] = []
        async_rules: list[Rule] = []
        skipped: list[Rule] = []
        for rule in selected:
            if rule.network and self.offline:
                skipped.append(rule)
            elif rule.network or rule.is_async:
                async_rules.append(rule)
            else:
                sync_rules.append(rule)
        return _Job(email, path, send_context, config, sync_rules, async_rules, skipped)

    def _run_sync(self, job: _Job) -> None:
        for rule in job.sync_rules:
            job.findings.extend(self._call_sync(rule, job))

    def _call_sync(self, rule: Rule, job: _Job) -> list[Finding]:
        try:
            result = rule.check(job.email, job.context, job.config.options_for(rule))
            found = list(result) if result is not None else []
            _check_findings(rule, found)
            return found
        except Exception as exc:
            return self._failure(rule, job, exc)

    def _failure(self, rule: Rule, job: _Job, exc: Exception) -> list[Finding]:
        """What a rule that raised reports: a bad option is a configuration error
        (exit 2), an unreadable context value OOPS005, anything else a crash."""
        if isinstance(exc, ConfigError):
            raise _option_error(job.config, exc) from None
        if isinstance(exc, ContextError):
            label = f"{rule.code} ({rule.name})"
            return [Finding(message=f"{label} skipped: {exc}", code=INVALID_CONTEXT.code, rule=INVALID_CONTEXT.name,
                            severity=INVALID_CONTEXT.severity,
                            data={"context_error": str(exc), "skipped_rules": [label]})]
        return [self._crash(rule, exc)]

    async def _call_async(self, rule: Rule, job: _Job) -> list[Finding]:
        try:
            options = job.config.options_for(rule)
            result = rule.check(job.email, job.context, options)
            if inspect.isasyncgen(result):
                found = [item async for item in result]
            elif inspect.isawaitable(result):
                awaited = await result
                found = list(awaited) if awaited is not None else []
            else:
                found = list(result) if result is not None else []
            _check_findings(rule, found)
            return found
        except Exception as exc:
            return self._failure(rule, job, exc)

    async def _run_async(self, jobs: list[_Job]) -> None:
        for job in jobs:
            self._run_sync(job)
        pending = [(job, rule) for job in jobs for rule in job.async_rules]
        if not pending:
            return
        # async rules that may use the network get the shared client too; it is
        # only made when one of them asks for it
        lazy = not any(rule.network for _, rule in pending)
        http_options = jobs[0].config.section("http")
        async with _http.session(http_options, memory=self._http_memory, use_cache=self.use_cache,
                                 cache_path=self.cache_path, offline=self.offline, lazy=lazy):
            results = await asyncio.gather(*(self._call_async(rule, job) for job, rule in pending))
        for (job, _), found in zip(pending, results):
            job.findings.extend(found)

    def _crash(self, rule: Rule, exc: BaseException) -> Finding:
        tb = exc.__traceback__
        where = ""
        while tb is not None:
            frame = tb.tb_frame
            where = f" (at {Path(frame.f_code.co_filename).name}:{tb.tb_lineno})"
            tb = tb.tb_next
        message = f"rule {rule.code} ({rule.name}) crashed: {type(exc).__name__}: {exc}{where}"
        return Finding(message=redact(message), code=INTERNAL_ERROR.code, rule=INTERNAL_ERROR.name,
                       severity=INTERNAL_ERROR.severity, data={"crashed_rule": rule.code})

    @staticmethod
    def _engine_finding(code: EngineCode, message: str, span: Span | None = None) -> Finding:
        return Finding(message=message, span=span, code=code.code, rule=code.name, severity=code.severity)

    # ------------------------------------------------------------ results

    def _finish(self, job: _Job) -> list[Finding]:
        email = job.email
        findings: list[Finding] = []
        rules_by_id: dict[int, Rule] = {}
        for rule in job.sync_rules + job.async_rules:
            rules_by_id[id(rule)] = rule
        findings.extend(_merge_context_skips(job.findings))
        if email.replaced_bytes:
            offset = email.first_replaced_offset or 0
            findings.append(self._engine_finding(
                UNDECODABLE_BYTES,
                f"{email.replaced_bytes} byte sequence(s) are not valid {email.encoding or 'UTF-8'} and were replaced",
                email.span(offset, offset + 1) if email.kind == "html" else None,
            ))
        for defect in email.decoding_defects:
            findings.append(self._engine_finding(UNDECODABLE_BYTES, defect))
        ran_codes = {r.code for r in job.sync_rules + job.async_rules}
        ran_names = {r.name for r in job.sync_rules + job.async_rules}

        def ran(selector: str) -> bool:
            up = selector.upper()
            return selector in ran_names or any(c.startswith(up) for c in ran_codes)

        def known(selector: str) -> bool:
            return self.registry.matches_any(selector) or selector in ("all", "ALL")

        findings = apply_suppressions(
            email, findings, is_known=known, ran=ran,
            make_finding=lambda message, span: self._engine_finding(UNUSED_SUPPRESSION, message, span),
        )
        out: list[Finding] = []
        secrets = secret_values()
        for finding in findings:
            finding = self._normalize(finding, job, secrets)
            if finding.code in ENGINE_CODES and not _engine_code_selected(job.config, finding.code, finding.rule):
                continue
            out.append(finding)
        out.sort(key=Finding.sort_key)
        return out

    def _normalize(self, finding: Finding, job: _Job, secrets: Sequence[str]) -> Finding:
        changes: dict[str, Any] = {"path": job.path}
        if finding.span is not None and finding.snippet is None:
            line = job.email.line_text(finding.span.line)
            if line:
                changes["snippet"] = line[:2000]
        severity = finding.severity or Severity.WARNING
        changes["severity"] = job.config.severity_for(finding.code, finding.rule, severity)
        return redact_finding(finding.with_(**changes), secrets)

    def _report(self, jobs: list[_Job], results: list[FileResult]) -> Report:
        job_iter = iter(jobs)
        fail_on = self.fail_on
        skipped: list[str] = []
        unchecked = 0
        for result in results:
            if result.input_error:
                continue
            job = next(job_iter)
            result.findings = self._finish(job)
            result.source_lines = None
            fail_on = fail_on or job.config.fail_on
            for rule in job.skipped:
                if rule.code not in skipped:
                    skipped.append(rule.code)
            if job.skipped:
                unchecked += _count_urls(job)
        if fail_on is None:
            configs = [job.config for job in jobs]
            fail_on = configs[0].fail_on if configs else Severity.ERROR
        return Report(files=results, fail_on=fail_on, skipped_network_rules=skipped, unchecked_urls=unchecked)


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
        out[index] = previous.with_(message=f"{', '.join(rules)} skipped: {reason}",
                                    data={**previous.data, "skipped_rules": rules})
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


def _option_error(config: Config, exc: ConfigError) -> ConfigError:
    """A rule rejected an option value: that is a configuration error (exit 2),
    not a crash of the rule."""
    where = f"{config.path}: " if config.path and str(config.path) not in str(exc) else ""
    return ConfigError(f"{where}{exc}")


def _engine_code_selected(config: Config, code: str, name: str) -> bool:
    if config.ignore and any(code.startswith(s.upper()) or s == name for s in config.ignore):
        return False
    return True


def _check_findings(rule: Rule, found: list[Any]) -> None:
    for item in found:
        if not isinstance(item, Finding):
            raise TypeError(f"check yielded {type(item).__name__}, expected Finding")
    for index, item in enumerate(found):
        if not item.code:
            found[index] = item.with_(code=rule.code, rule=rule.name, severity=item.severity or rule.severity)
        elif item.severity is None:
            found[index] = item.with_(severity=rule.severity)


def _count_urls(job: _Job) -> int:
    urls = set()
    for item in [*job.email.links, *job.email.images]:
        if item.url.lower().startswith(("http://", "https://", "//")) and not (item.tokens and job.context.mode == "template"):
            urls.add(item.url)
    return len(urls)


def _coerce_context(context: Any, mode: str, config: Config, options: Mapping[str, Any]) -> SendContext:
    timezone_name = options.get("timezone") or None
    if timezone_name:
        from .context import _resolve_timezone

        try:
            _resolve_timezone(timezone_name)
        except ContextError as exc:
            where = f"{config.path}: " if config.path else ""
            raise ConfigError(f"{where}[context] timezone: {exc}") from None
    settings = {
        "mode": mode,
        "default_category": config.category,
        "timezone": options.get("timezone") or None,
        "fields": dict(options.get("fields") or {}),
    }
    if isinstance(context, SendContext):
        from dataclasses import replace

        return replace(context, mode=mode, default_category=context.default_category or config.category)
    if context is None:
        return SendContext(**settings)
    if isinstance(context, (str, os.PathLike)):
        from .context import load_context_file

        return SendContext(data=load_context_file(context), **settings)
    if isinstance(context, Mapping):
        return SendContext(data=dict(context), **settings)
    raise ContextError(f"context must be a SendContext, a mapping or a path, not {type(context).__name__}")


def _run_coroutine(coro: Any) -> Any:
    """Run a coroutine from sync code, also when an event loop is already running."""
    try:
        asyncio.get_running_loop()
        in_loop = True
    except RuntimeError:
        in_loop = False
    if not in_loop:
        # outside the except block, so errors do not carry "no running event loop" as context
        return asyncio.run(coro)
    outcome: dict[str, Any] = {}

    def runner() -> None:
        try:
            outcome["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=runner, name="oopslint-lint")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def expand_paths(paths: Sequence[str], linter: Linter | None = None) -> list[str]:
    """Files, folders (walked for lintable extensions) and globs, in order, deduplicated.
    A path that does not exist is kept so it is reported as unreadable."""
    out: list[str] = []
    seen: set[str] = set()

    def add(entry: str, explicit: bool) -> None:
        if entry in seen:
            return
        if not explicit and linter is not None:
            try:
                if linter.config_for(entry).is_excluded(entry):
                    return
            except ConfigError:
                pass
        seen.add(entry)
        out.append(entry)

    for raw in paths:
        if raw == "-":
            add("-", True)
            continue
        if any(ch in raw for ch in "*?[") and not os.path.exists(raw):
            matches = sorted(_glob.glob(raw, recursive=True))
            for match in matches:
                if os.path.isdir(match):
                    continue
                add(match, False)
            if not matches:
                add(raw, True)
            continue
        if os.path.isdir(raw):
            for folder, dirs, files in os.walk(raw):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ("node_modules", "__pycache__"))
                for name in sorted(files):
                    if name.lower().endswith(LINTABLE_EXTENSIONS):
                        add(os.path.join(folder, name), False)
            continue
        add(raw, True)
    return out
