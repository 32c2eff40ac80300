"""oopslint: lint outgoing HTML emails before they are sent.

import oopslint

report = oopslint.lint(html, context={"category": "marketing"})   # html: the email as a str
report = oopslint.lint(Path("emails/welcome.html"))                # a file: a Path, never a str
for finding in report.findings:
    print(finding.code, finding.line, finding.message)

oopslint.preflight(html)   # raises PreflightError before a bad send
"""

from __future__ import annotations

__version__ = "0.1.0"  # before the imports: modules they import may read it

from . import _startup

if _startup.started_as_command():  # the oopslint command, not a program importing oopslint
    _startup.begin()  # first: the kept regex programs serve the modules imported below too

import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .config import Config, ConfigError
from .context import ContextError, SendContext, register_context_section
from .email import Email, InputError
from .report import Finding, Report, Severity, Span
from .rule import Rule, RuleOptions, rule

if TYPE_CHECKING:
    from email.message import Message

    from .batch import BatchReport, BatchSummary, lint_batch
    from .engine import Linter
    from .guard import Claim, DuplicateSend, SendGuard

register_context_section()

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

# imported on first use, keeping `import oopslint` (and every rule module,
# which imports it) light: the engine, the send guard and the batch runner
_LAZY = {
    "Linter": "engine",
    "SendGuard": "guard",
    "Claim": "guard",
    "DuplicateSend": "guard",
    "lint_batch": "batch",
    "BatchReport": "batch",
    "BatchSummary": "batch",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'oopslint' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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


_linters: dict[tuple[Any, ...], Linter] = {}


def _linter(config: Any, offline: bool, mode: str | None, fail_on: Any) -> Linter:
    from .engine import Linter

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
        # no parse cache: once lint() returns, nothing of the email is kept
        linter = Linter(config, offline=offline, mode=mode, default_mode="rendered", fail_on=fail_on, cache_bytes=0)
        _linters[key] = linter
    return linter


def _compose(email: Any, html: str | bytes | None, text: str | None, subject: str | None) -> Any:
    """The email to lint: ``email`` as given, or a message built from ``html=`` (and ``text=``)."""
    if html is None:
        if email is None:
            raise TypeError("give the email to lint, or html= (with text= and subject=)")
        if text is not None:
            raise TypeError("text= goes with html=; an email given whole already has its text part")
        return email
    if email is not None:
        raise TypeError("give the email, or html=, not both")
    from email.message import EmailMessage  # here: the email package is large, and HTML alone needs none of it

    message = EmailMessage()
    if subject is not None:
        message["Subject"] = subject
    if text is not None:
        message.set_content(text)
        message.add_alternative(html if isinstance(html, str) else html.decode("utf-8", "replace"), subtype="html")
    else:
        message.set_content(html if isinstance(html, str) else html.decode("utf-8", "replace"), subtype="html")
    return message


def lint(
    email: str | bytes | os.PathLike[str] | Message | None = None,
    *,
    html: str | bytes | None = None,
    text: str | None = None,
    subject: str | None = None,
    context: SendContext | Mapping[str, Any] | str | os.PathLike[str] | None = None,
    config: Any = None,
    offline: bool = False,
    mode: str | None = None,
    path: str | None = None,
    fail_on: Severity | str | None = None,
    deadline: float | None = None,
) -> Report:
    """Lint one email and return its :class:`Report`.

    ``email`` is the HTML as ``str`` or ``bytes`` (a ``str`` is always the
    email's content, never a file name), a file as a ``pathlib.Path`` or other
    ``os.PathLike`` (HTML or ``.eml``), or an :class:`email.message.EmailMessage`.
    Or give the parts as an ESP payload has them: ``html=``, ``text=`` and
    ``subject=`` (``subject`` also overrides a message's Subject header).
    ``path`` names the email in findings. ``context`` and ``config`` may be
    paths of a context file and a configuration file. ``mode`` is
    ``"template"`` or ``"rendered"`` and ``fail_on`` ``"error"``,
    ``"warning"`` or ``"info"``; any other value raises :class:`ConfigError`.

    ``deadline`` (seconds) bounds the whole run, network included: it caps
    ``[tool.oopslint.http] budget``, and whatever could not be checked in time
    is reported as could-not-verify (LNK003, CPN006, OOPS006), never passed.
    A rule that computes in pure Python cannot be interrupted midway.

    The API lints in ``rendered`` mode by default: any merge tag left is an
    error. Pass ``mode="template"`` for template files.
    """
    source = _compose(email, html, text, subject)
    linter = _linter(config, offline, mode, fail_on)
    return linter.lint(source, path=path, context=context, subject=subject, deadline=deadline)


async def alint(
    email: str | bytes | os.PathLike[str] | Message | None = None,
    *,
    html: str | bytes | None = None,
    text: str | None = None,
    subject: str | None = None,
    context: SendContext | Mapping[str, Any] | str | os.PathLike[str] | None = None,
    config: Any = None,
    offline: bool = False,
    mode: str | None = None,
    path: str | None = None,
    fail_on: Severity | str | None = None,
    deadline: float | None = None,
) -> Report:
    """Like :func:`lint`, for code that already runs an event loop."""
    source = _compose(email, html, text, subject)
    linter = _linter(config, offline, mode, fail_on)
    return await linter.alint(source, path=path, context=context, subject=subject, deadline=deadline)


def preflight(
    email: str | bytes | os.PathLike[str] | Message | None = None,
    *,
    html: str | bytes | None = None,
    text: str | None = None,
    subject: str | None = None,
    context: SendContext | Mapping[str, Any] | str | os.PathLike[str] | None = None,
    config: Any = None,
    offline: bool = False,
    mode: str | None = None,
    path: str | None = None,
    fail_on: Severity | str | None = None,
    deadline: float | None = None,
    guard: SendGuard | None = None,
) -> Report:
    """Lint and raise :class:`PreflightError` if anything reaches the fail level
    (or the input cannot be read, or a rule crashed). Returns the Report otherwise.
    Arguments as for :func:`lint`.

    With ``guard``, the DUP rules also check the send against the guard's
    ledger (already sent, or in progress on another worker) without claiming
    it: send inside ``with guard.claim(key):`` to close the race."""
    if guard is not None:
        from .guard import guarded_context

        context = guarded_context(context, guard, _linter(config, offline, mode, fail_on), path, mode)
    report = lint(
        email,
        html=html,
        text=text,
        subject=subject,
        context=context,
        config=config,
        offline=offline,
        mode=mode,
        path=path,
        fail_on=fail_on,
        deadline=deadline,
    )
    if not report.ok:
        raise PreflightError(report)
    return report
