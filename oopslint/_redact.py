"""Keeping secrets out of everything oopslint shows.

A secret is the value of an environment variable that configuration names as
``${NAME}`` (whatever the name or the length of the value), or of one whose
name looks secret (``*KEY*``, ``*TOKEN*``, ...; 8 characters or more). Each is
replaced by ``***`` as written and in the escaped forms it takes on its way
into a message: ``repr``/backslash escapes, JSON and HTML escapes and
percent-encoding.
The password of a URL (``https://user:password@host/``) is masked too.

The engine redacts every finding it reports and :func:`redact_report` runs
before any writer, so no output format needs to remember it.
"""

from __future__ import annotations

import copy
import html
import json
import os
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, is_dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, quote_plus

if TYPE_CHECKING:
    from .report import Finding, Report

__all__ = [
    "ENV_REFERENCE",
    "MASK",
    "redact",
    "redact_finding",
    "redact_report",
    "redact_value",
    "remember_references",
    "secret_values",
]

MASK = "***"
ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH)", re.I)
#: Below this length a secret is only masked where it stands as a whole word,
#: so a short value does not eat the same letters inside unrelated words.
_WHOLE_WORD_BELOW = 8

# scheme, then "//" (or a browser's backslashes; none for the special schemes), user, ":", password, "@"
_URL_PASSWORD = re.compile(
    r"(?i)(\b(?:(?:https?|wss?|ftp):[/\\]*|[a-z][a-z0-9+.\-]*:[/\\]{2})[^\s/\\@:?#\"'<>]*:)([^\s/\\@?#\"'<>]+)(@)"
)

_ReportT = TypeVar("_ReportT", bound="Report")

_referenced: set[str] = set()
_lock = threading.Lock()


def remember_references(value: Any) -> None:
    """Note every ``${NAME}`` in ``value`` (a string, or mappings and lists of
    them, like a configuration table): those variables hold secrets."""
    names: set[str] = set()
    _collect(value, names, depth=0)
    if names - _referenced:
        with _lock:
            _referenced.update(names)


def _collect(value: Any, names: set[str], depth: int) -> None:
    if depth > 64:
        return
    if isinstance(value, str):
        if "${" in value:
            names.update(ENV_REFERENCE.findall(value))
    elif isinstance(value, Mapping):
        for item in value.values():
            _collect(item, names, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect(item, names, depth + 1)


def secret_values() -> list[str]:
    """The secrets to mask now: values of referenced variables and of
    secret-looking ones, read from the environment as it is."""
    with _lock:
        referenced = list(_referenced)
    values = {os.environ.get(name) for name in referenced}
    # names first: decoding every value of a large environment costs more than the lint's report
    for name in os.environ:
        if _SECRET_NAME.search(name):
            value = os.environ.get(name)
            if value is not None and len(value) >= 8:
                values.add(value)
    return sorted(value for value in values if value and value.strip())


def _escaped_forms(value: str) -> set[str]:
    forms = {value}
    stripped = value.strip()
    if stripped:
        forms.add(stripped)
    for _ in range(2):  # escapes of escapes: a repr inside a JSON string, and so on
        for form in list(forms):
            forms.add(repr(form)[1:-1])
            forms.add(json.dumps(form)[1:-1])
            forms.add(json.dumps(form, ensure_ascii=False)[1:-1])
            encoded = form.encode("utf-8", "backslashreplace")
            forms.add(repr(encoded)[2:-1])
            forms.add(quote(form, safe=""))
            forms.add(quote(form))
            forms.add(quote_plus(form))
            forms.add(html.escape(form))
    return {form for form in forms if form}


def _form_pattern(form: str) -> str:
    """``form`` as a regex; percent-escapes match in either case (``%2F``, ``%2f``)."""
    pieces = re.split(r"(%[0-9A-F]{2})", form)
    return "".join(f"(?i:{re.escape(piece)})" if index % 2 else re.escape(piece) for index, piece in enumerate(pieces))


@lru_cache(maxsize=32)
def _forms(secrets: tuple[str, ...]) -> tuple[tuple[str, tuple[tuple[str, str, bool], ...]], ...]:
    """For each secret: its core (the longest run of letters and digits, which
    every escaped form keeps as it is) and (needle, form, whole word) for each
    of its forms. The needle is the form's longest stretch without a
    percent-escape. Plain substring tests on them rule a text out before
    any regex runs."""
    out = []
    for value in secrets:
        whole_word = len(value.strip()) < _WHOLE_WORD_BELOW
        core = max(re.findall(r"[A-Za-z0-9]+", value) or [""], key=len)
        forms = tuple(
            (max(re.split(r"%[0-9A-F]{2}", form), key=len), form, whole_word) for form in _escaped_forms(value)
        )
        out.append((core, forms))
    return tuple(out)


@lru_cache(maxsize=256)
def _pattern(forms: tuple[tuple[str, bool], ...]) -> re.Pattern[str]:
    parts = [
        rf"(?<![A-Za-z0-9]){_form_pattern(form)}(?![A-Za-z0-9])" if whole_word else _form_pattern(form)
        for form, whole_word in forms
    ]
    return re.compile("|".join(parts))


def redact(text: str, secrets: Sequence[str] | None = None) -> str:
    """``text`` with every secret (in any escaped form) and every URL password masked."""
    if not text or not isinstance(text, str):
        return text
    present: list[tuple[str, bool]] = []
    for core, forms in _forms(tuple(secret_values() if secrets is None else secrets)):
        if core in text:
            present.extend((form, whole_word) for needle, form, whole_word in forms if needle in text)
    if present:
        # longest first, so a form is masked whole rather than a shorter form inside it
        text = _pattern(tuple(sorted(set(present), key=lambda item: -len(item[0])))).sub(MASK, text)
    if "@" in text:
        text = _URL_PASSWORD.sub(lambda m: m.group(1) + MASK + m.group(3) if m.group(2) != MASK else m.group(0), text)
    return text


def redact_value(value: Any, secrets: Sequence[str] | None = None, _depth: int = 0) -> Any:
    """``value`` with every string inside it redacted (mappings, lists, tuples,
    sets and dataclasses are rebuilt; anything else is kept unless its text
    shows a secret, then it becomes its redacted text)."""
    if secrets is None:
        secrets = secret_values()
    if isinstance(value, str):
        return redact(value, secrets)
    if value is None or isinstance(value, (bool, int, float)) or _depth > 100:
        return value
    if isinstance(value, Mapping):
        return {redact_value(k, secrets, _depth + 1): redact_value(v, secrets, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [redact_value(item, secrets, _depth + 1) for item in value]
        return items if isinstance(value, list) else tuple(items) if isinstance(value, tuple) else type(value)(items)
    if is_dataclass(value) and not isinstance(value, type):
        try:
            return replace(
                value,
                **{f.name: redact_value(getattr(value, f.name), secrets, _depth + 1) for f in fields(value) if f.init},
            )
        except (TypeError, ValueError):
            pass
    text = str(value)
    shown = redact(text, secrets)
    return value if shown == text else shown


def _may_hold_secret(text: str, secrets: Sequence[str]) -> bool:
    """False when no secret (in any escaped form) and no URL password can be in
    ``text``: every form of a secret keeps its longest alphanumeric run."""
    return "@" in text or (bool(secrets) and any(core in text for core, _ in _forms(tuple(secrets))))


def redact_finding(finding: Finding, secrets: Sequence[str] | None = None) -> Finding:
    """The finding with its message, suggestion, snippet, path and data redacted."""
    if secrets is None:
        secrets = secret_values()
    changes: dict[str, Any] = {}
    for name in ("message", "suggestion", "snippet", "path"):
        text = getattr(finding, name)
        # without secrets, only a URL password (which needs an "@") is masked
        if text and (secrets or "@" in text):
            shown = redact(text, secrets)
            if shown != text:
                changes[name] = shown
    if finding.data and _may_hold_secret(repr(finding.data), secrets):
        data = redact_value(finding.data, secrets)
        if data != finding.data:
            changes["data"] = data
    return finding.with_(**changes) if changes else finding


def redact_findings(findings: Iterable[Finding], secrets: Sequence[str] | None = None) -> list[Finding]:
    if secrets is None:
        secrets = secret_values()
    return [redact_finding(finding, secrets) for finding in findings]


def redact_report(report: _ReportT) -> _ReportT:
    """A copy of ``report`` with every finding and every other value it holds
    redacted (the report given is left as it is)."""
    secrets = secret_values()
    out = copy.copy(report)
    out.files = [
        replace(result, findings=redact_findings(result.findings, secrets), path=redact(result.path, secrets))
        for result in report.files
    ]
    for item in fields(report):
        if item.name != "files":
            setattr(out, item.name, redact_value(getattr(report, item.name), secrets))
    return out
