"""oopslint: lint outgoing HTML emails before they are sent.

    import oopslint

    report = oopslint.lint(html, context={"category": "marketing"})   # html: the email as a str
    report = oopslint.lint(Path("emails/welcome.html"))                # a file: a Path, never a str
    for finding in report.findings:
        print(finding.code, finding.line, finding.message)

    oopslint.preflight(html)   # raises PreflightError before a bad send
"""

from __future__ import annotations

import json
import os
from email.message import Message
from typing import Any, Mapping

from .config import Config, ConfigError
from .context import ContextError, SendContext
from .email import Email, InputError
from .engine import Linter
from .guard import Claim, DuplicateSend, SendGuard
from .report import Finding, Report, Severity, Span
from .rule import Rule, RuleOptions, rule

__version__ = "0.1.0"

__all__ = [
    "lint",
    "alint",
    "preflight",
    "Report",
    "Finding",
    "Severity",
    "Span",
    "Rule",
    "RuleOptions",
    "rule",
    "Email",
    "SendContext",
    "PreflightError",
    "Linter",
    "Config",
    "ConfigError",
    "ContextError",
    "InputError",
    "SendGuard",
    "Claim",
    "DuplicateSend",
    "lint_batch",
    "BatchReport",
    "BatchSummary",
    "__version__",
]

_BATCH_EXPORTS = ("lint_batch", "BatchReport", "BatchSummary")


def __getattr__(name: str) -> Any:
    # the batch runner is imported on first use, keeping `import oopslint` light
    if name in _BATCH_EXPORTS:
        from . import batch

        return getattr(batch, name)
    raise AttributeError(f"module 'oopslint' has no attribute {name!r}")


class PreflightError(Exception):
    """Raised by :func:`preflight` when an email must not be sent. ``report``
    holds every finding; the message lists the ones at or above the fail level."""

    def __init__(self, report: Report):
        self.report = report
        failing = report.failing or [f for f in report.findings if f.code.startswith("OOPS")]
        lines = [f"{len(failing)} problem(s) block this send:"]
        for finding in failing[:10]:
            where = f"line {finding.line}: " if finding.line else ""
            lines.append(f"  {finding.code} {where}{finding.message}")
        if len(failing) > 10:
            lines.append(f"  ... and {len(failing) - 10} more")
        super().__init__("\n".join(lines))


_linters: dict[tuple, Linter] = {}


def _linter(config: Any, offline: bool, mode: str | None, fail_on: Any) -> Linter:
    if isinstance(config, Mapping):
        config_key: Any = json.dumps(config, sort_keys=True, default=str)
    elif isinstance(config, (str, os.PathLike)):
        config_key = os.fspath(config)
    else:
        config_key = id(config) if config is not None else None
    key = (config_key, offline, mode, None if fail_on is None else repr(fail_on))
    linter = _linters.get(key)
    if linter is None:
        if len(_linters) > 32:
            _linters.clear()
        linter = Linter(config, offline=offline, mode=mode, default_mode="rendered", fail_on=fail_on)
        _linters[key] = linter
    return linter


def lint(
    email: "str | bytes | os.PathLike[str] | Message",
    *,
    context: "SendContext | Mapping[str, Any] | str | None" = None,
    config: Any = None,
    offline: bool = False,
    mode: str | None = None,
    subject: str | None = None,
    path: str | None = None,
    fail_on: "Severity | str | None" = None,
) -> Report:
    """Lint one email and return its :class:`Report`.

    ``email`` is the HTML as ``str`` or ``bytes`` (a ``str`` is always the
    email's content, never a file name), a file as a ``pathlib.Path`` or other
    ``os.PathLike`` (HTML or ``.eml``), or an :class:`email.message.EmailMessage`.
    ``path`` names the email in findings. ``context`` and ``config`` may be
    paths (``str`` or ``Path``) of a context file and a configuration file.
    ``mode`` is ``"template"`` or ``"rendered"`` and ``fail_on`` ``"error"``,
    ``"warning"`` or ``"info"``; any other value raises :class:`ConfigError`.

    The API lints in ``rendered`` mode by default: any merge tag left is an
    error. Pass ``mode="template"`` for template files.
    """
    linter = _linter(config, offline, mode, fail_on)
    return linter.lint(email, path=path, context=context, subject=subject)


async def alint(
    email: "str | bytes | os.PathLike[str] | Message",
    *,
    context: "SendContext | Mapping[str, Any] | str | None" = None,
    config: Any = None,
    offline: bool = False,
    mode: str | None = None,
    subject: str | None = None,
    path: str | None = None,
    fail_on: "Severity | str | None" = None,
) -> Report:
    """Like :func:`lint`, for code that already runs an event loop."""
    linter = _linter(config, offline, mode, fail_on)
    return await linter.alint(email, path=path, context=context, subject=subject)


def preflight(
    email: "str | bytes | os.PathLike[str] | Message",
    *,
    context: "SendContext | Mapping[str, Any] | str | None" = None,
    config: Any = None,
    offline: bool = False,
    mode: str | None = None,
    subject: str | None = None,
    path: str | None = None,
    fail_on: "Severity | str | None" = None,
    guard: SendGuard | None = None,
) -> Report:
    """Lint and raise :class:`PreflightError` if anything reaches the fail level
    (or the input cannot be read, or a rule crashed). Returns the Report otherwise.

    With ``guard``, the DUP rules also check the send against the guard's
    ledger (already sent, or in progress on another worker) without claiming
    it: send inside ``with guard.claim(key):`` to close the race."""
    if guard is not None:
        from .guard import guarded_context

        context = guarded_context(context, guard, _linter(config, offline, mode, fail_on), path, mode)
    report = lint(email, context=context, config=config, offline=offline, mode=mode,
                  subject=subject, path=path, fail_on=fail_on)
    if not report.ok:
        raise PreflightError(report)
    return report
