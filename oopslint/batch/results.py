"""What a batch run produces: per-rule tallies, bad rows, the summary and the report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..context import SendContext
from ..report import Finding, Report

__all__ = ["RowRef", "BadRow", "RuleTally", "BatchSummary", "BatchReport", "BatchRow", "row_id"]


_ID_FIELDS = ("row_id", "order_id")


def row_id(context: SendContext) -> str | None:
    """A row's id for reports: ``id``, else ``order.id``."""
    value, order_id = context.values(_ID_FIELDS)
    if value is None or value == "":
        value = order_id
    if value in (None, "") or isinstance(value, (dict, list)):
        return None
    return str(value)[:80]


@dataclass(frozen=True, slots=True)
class RowRef:
    """A row by number (1-based, in file order) and id (``id``, else ``order.id``)."""

    row: int
    id: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"row": self.row, "id": self.id}
        if self.line is not None and self.line != self.row:
            out["line"] = self.line
        return out

    def __str__(self) -> str:
        where = f"row {self.row}"
        if self.line is not None and self.line != self.row:
            where += f" (line {self.line})"
        return where + (f" [{self.id}]" if self.id else "")


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that could not be read or fully checked, and why."""

    row: int
    reason: str
    id: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out = RowRef(self.row, self.id, self.line).to_dict()
        out["reason"] = self.reason
        return out


@dataclass
class RuleTally:
    """How one per-row rule fared over the batch."""

    code: str
    name: str
    failed_rows: int = 0
    findings: int = 0
    first_rows: list[RowRef] = field(default_factory=list)
    oldest_event: datetime | None = None
    crashed_rows: int = 0

    def share(self, checked: int) -> float:
        return self.failed_rows / checked if checked else 0.0

    def to_dict(self, checked: int) -> dict[str, Any]:
        return {
            "rule": self.name,
            "failed_rows": self.failed_rows,
            "share": round(self.share(checked), 4),
            "findings": self.findings,
            "first_rows": [ref.to_dict() for ref in self.first_rows],
            "oldest_event": self.oldest_event.isoformat() if self.oldest_event else None,
        }


@dataclass
class BatchSummary:
    """The running counts of a batch; complete once the last row is read.

    Batch rules receive it as their first argument."""

    path: str
    email: Any = None
    contexts: str | None = None
    sample_size: int = 5
    rows: int = 0
    checked: int = 0
    bad_rows: int = 0
    bad_samples: list[BadRow] = field(default_factory=list)
    rules: dict[str, RuleTally] = field(default_factory=dict)
    batch_rules: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "template": self.path,
            "contexts": self.contexts,
            "rows": self.rows,
            "checked": self.checked,
            "bad_rows": self.bad_rows,
            "bad_row_samples": [bad.to_dict() for bad in self.bad_samples],
            "rules": {code: tally.to_dict(self.checked) for code, tally in sorted(self.rules.items())},
            "batch_rules": {code: {"findings": n} for code, n in sorted(self.batch_rules.items())},
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second),
        }


@dataclass
class BatchReport(Report):
    """A :class:`~oopslint.Report` for one template and many contexts, with
    the batch counts in ``batch`` (and under ``"batch"`` in JSON)."""

    batch: BatchSummary | None = None

    @property
    def empty(self) -> bool:
        """No row was read: nothing was checked against a context, so the
        batch does not pass (exit code 2)."""
        return self.batch is not None and self.batch.rows == 0

    @property
    def ok(self) -> bool:
        return super().ok and not self.empty

    @property
    def exit_code(self) -> int:
        return 2 if self.empty else super().exit_code

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        if self.batch is not None:
            from .._redact import redact_value

            data["batch"] = redact_value(self.batch.to_dict())
        return data


class BatchRow:
    """One row as batch rules see it: ``number`` (1-based), ``id``, ``line``
    in the file, its ``context``, and the ``findings`` the per-row rules
    reported for it."""

    __slots__ = ("number", "_id", "line", "context", "_findings", "_compute", "_rejections")

    def __init__(
        self,
        number: int,
        id: str | None,
        line: int | None,
        context: SendContext,
        findings: list[Finding] | None = None,
        compute: Callable[[], list[Finding]] | None = None,
    ):
        self.number = number
        self._id = id
        self.line = line
        self.context = context
        self._findings = findings
        self._compute = compute
        self._rejections: list[str] | None = None

    @property
    def id(self) -> str | None:
        """The row's ``id`` (else ``order.id``), or None."""
        if self._id is None:
            self._id = row_id(self.context)
        return self._id

    @property
    def findings(self) -> list[Finding]:
        """Findings of the per-row rules for this row (worked out on first use
        when other processes checked the row)."""
        if self._findings is None:
            self._findings = self._compute() if self._compute is not None else []
        return self._findings

    def reject(self, reason: str) -> None:
        """Count this row as bad (it lacks what a batch rule needs), with a reason."""
        if self._rejections is None:
            self._rejections = []
        self._rejections.append(reason)

    def __repr__(self) -> str:
        return f"BatchRow({self.number}, id={self.id!r})"
