"""Findings, severities and the report a lint run produces."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from ._frozen import quick_init


class Severity(enum.IntEnum):
    """How bad a finding is. Ordered: ``INFO < WARNING < ERROR``."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | Severity) -> Severity:
        if isinstance(value, Severity):
            return value
        try:
            return cls[str(value).strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {value!r}; choose one of: error, warning, info") from None


@quick_init
@dataclass(frozen=True, slots=True)
class Span:
    """A place in the source: 1-based lines and columns, end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


@quick_init
@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in one email.

    Rules create findings with a message and a place (``span``); the engine
    fills in ``code``, ``rule`` and the default ``severity`` of the rule that
    yielded it, so a rule never repeats its own metadata.
    """

    message: str
    span: Span | None = None
    snippet: str | None = None
    suggestion: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    severity: Severity | None = None
    code: str = ""
    rule: str = ""
    path: str | None = None

    @property
    def line(self) -> int | None:
        return self.span.line if self.span else None

    @property
    def column(self) -> int | None:
        return self.span.column if self.span else None

    @property
    def end_line(self) -> int | None:
        return self.span.end_line if self.span else None

    @property
    def end_column(self) -> int | None:
        return self.span.end_column if self.span else None

    def with_(self, **changes: Any) -> Finding:
        # dataclasses.replace inspects the fields on every call; the engine
        # calls this for every finding, and emails can have very many
        values = {name: getattr(self, name) for name in _FINDING_FIELDS}
        values.update(changes)
        return Finding(**values)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "rule": self.rule,
            "severity": str(self.severity) if self.severity else None,
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "snippet": self.snippet,
            "suggestion": self.suggestion,
            "data": _jsonable(self.data),
        }

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path or "", self.line or 0, self.column or 0, self.code, self.message)


_FINDING_FIELDS = tuple(f.name for f in fields(Finding))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, enum.Enum):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


@dataclass
class FileResult:
    """The findings for one input (a file, stdin or an in-memory email)."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    input_error: bool = False


@dataclass
class Report:
    """The result of linting one or more emails.

    ``ok`` is true when nothing reaches ``fail_on``. ``exit_code`` follows the
    CLI contract: 0 clean, 1 findings at or above the fail level, 2 when an
    input could not be read or a rule crashed.
    """

    files: list[FileResult] = field(default_factory=list)
    fail_on: Severity = Severity.ERROR
    skipped_network_rules: list[str] = field(default_factory=list)
    unchecked_urls: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def findings(self) -> list[Finding]:
        return [f for result in self.files for f in result.findings]

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return sum(len(result.findings) for result in self.files)

    @property
    def counts(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for finding in self.findings:
            counts[str(finding.severity)] += 1
        return counts

    @property
    def crashed(self) -> bool:
        return any(f.code == "OOPS001" for f in self.findings)

    @property
    def input_errors(self) -> bool:
        return any(result.input_error for result in self.files)

    @property
    def ok(self) -> bool:
        return not self.failing and not self.crashed and not self.input_errors

    @property
    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.severity and f.severity >= self.fail_on]

    @property
    def exit_code(self) -> int:
        if self.crashed or self.input_errors:
            return 2
        return 1 if self.failing else 0

    def by_code(self, code: str) -> list[Finding]:
        """Findings whose code or rule name is ``code``, or whose code starts with it."""
        return [f for f in self.findings if f.code.startswith(code) or f.rule == code]

    def summary(self) -> dict[str, Any]:
        summary: dict[str, Any] = {"files": len(self.files), **self.counts}
        if self.skipped_network_rules:
            summary["offline"] = {
                "skipped_rules": list(self.skipped_network_rules),
                "unchecked_urls": self.unchecked_urls,
            }
        return summary

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "version": 1,
            "files": [{"path": r.path, "findings": [f.to_dict() for f in r.findings]} for r in self.files],
            "summary": self.summary(),
        }
        data.update(_jsonable(self.extra))
        from ._redact import redact_value

        redacted: dict[str, Any] = redact_value(data)
        return redacted

    def to_json(self, indent: int | None = 2) -> str:
        data = self.to_dict()
        if type(self).to_dict is not Report.to_dict:  # a subclass may add what Report.to_dict did not redact
            from ._redact import redact_value

            data = redact_value(data)
        return json.dumps(data, indent=indent, ensure_ascii=False)

    def to_sarif(self) -> dict[str, Any]:
        from ._redact import redact_report
        from .formats.sarif import build_sarif

        return build_sarif(redact_report(self))
