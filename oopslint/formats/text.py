"""Human output, in the style of ruff: ``path:line:col: CODE [level] message``,
the source line with a caret under the problem, a help line, and a summary.
Colour only when asked (the CLI asks when stdout is a terminal)."""

from __future__ import annotations

import os
from typing import Any, TextIO

from ..report import Finding, Report, Severity

_WINDOW = 110
_COLORS = {Severity.ERROR: "\x1b[1;31m", Severity.WARNING: "\x1b[1;33m", Severity.INFO: "\x1b[1;36m"}
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_RESET = "\x1b[0m"


def use_color(choice: str, stream: TextIO) -> bool:
    """Colour for ``--color auto|always|never``: auto means a terminal, unless
    NO_COLOR is set (or FORCE_COLOR asks for it anyway)."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color else text


def _excerpt(finding: Finding) -> tuple[str, int, int] | None:
    """The snippet windowed around the finding, with caret start and width."""
    if not finding.snippet or not finding.line:
        return None
    line = finding.snippet.replace("\t", " ")
    start = max((finding.column or 1) - 1, 0)
    if start > len(line):
        # the snippet stops before the finding (a very long line is cut): a caret
        # padded out to the column would make the output grow with line length
        return None
    if finding.end_line == finding.line and finding.end_column and finding.end_column > (finding.column or 1):
        width = finding.end_column - (finding.column or 1)
    else:
        width = 1
    width = max(1, min(width, _WINDOW))
    left = 0
    if len(line) > _WINDOW:
        left = max(0, min(start - 20, len(line) - _WINDOW))
        line = ("…" if left else "") + line[left : left + _WINDOW] + ("…" if left + _WINDOW < len(line) else "")
        start = start - left + (1 if left else 0)
    stripped = line.rstrip()
    indent = len(stripped) - len(stripped.lstrip())
    if indent > 8 and start >= indent:
        stripped = stripped[indent - 4 :]
        start -= indent - 4
    width = max(1, min(width, max(1, len(stripped) - start)))
    return stripped, start, width


def format_finding(finding: Finding, *, color: bool = False, show_source: bool = True) -> str:
    severity = finding.severity or Severity.WARNING
    where = finding.path or "<email>"
    if finding.line:
        where += f":{finding.line}:{finding.column or 1}"
    head = (
        f"{_paint(where, _BOLD, color)}: {_paint(finding.code, _COLORS[severity], color)} "
        f"[{severity}] {finding.message}"
    )
    lines = [head]
    excerpt = _excerpt(finding) if show_source else None
    if excerpt is not None:
        text, start, width = excerpt
        gutter = " " * len(str(finding.line))
        lines.append(_paint(f"{gutter} |", _DIM, color))
        lines.append(_paint(f"{finding.line} | ", _DIM, color) + text)
        lines.append(_paint(f"{gutter} | ", _DIM, color) + " " * start + _paint("^" * width, _COLORS[severity], color))
    if finding.suggestion:
        gutter = " " * len(str(finding.line or ""))
        lines.append(f"{gutter} = help: {finding.suggestion}")
    return "\n".join(lines)


def summary_line(report: Report) -> str:
    counts = report.counts
    total = sum(counts.values())
    files = len(report.files)
    noun = "file" if files == 1 else "files"
    if total == 0:
        text = f"All checks passed ({files} {noun})."
    else:
        parts = ", ".join(f"{n} {level}{'s' if n != 1 and level != 'info' else ''}" for level, n in counts.items() if n)
        text = f"Found {total} problem{'s' if total != 1 else ''} in {files} {noun} ({parts})."
    if report.skipped_network_rules:
        text += (
            f"\nOffline: skipped network rules {', '.join(report.skipped_network_rules)}; "
            f"{report.unchecked_urls} URL{'s' if report.unchecked_urls != 1 else ''} not checked."
        )
    return text


def write(
    report: Report, stream: TextIO, *, color: bool = False, show_source: bool = True, quiet: bool = False, **_: Any
) -> None:
    """Findings as ruff prints them, then (for a batch) the batch table, then a
    summary line (left out when ``quiet``)."""
    for finding in report.findings:
        stream.write(format_finding(finding, color=color, show_source=show_source))
        stream.write("\n\n" if show_source and finding.snippet else "\n")
    batch = getattr(report, "batch", None)
    if batch is not None:
        stream.write(format_batch_summary(batch) + "\n")
    if getattr(report, "empty", False):  # a batch whose contexts had no rows
        stream.write("Nothing checked: the contexts had 0 rows.\n")
    elif not quiet:
        stream.write(summary_line(report) + "\n")


def write_statistics(report: Report, stream: TextIO) -> None:
    """Counts per code, most frequent first, like ``ruff check --statistics``."""
    counts: dict[tuple[str, str, str], int] = {}
    for finding in report.findings:
        key = (finding.code, finding.rule, str(finding.severity))
        counts[key] = counts.get(key, 0) + 1
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
    width = max((len(str(n)) for _, n in rows), default=1)
    for (code, rule, level), n in rows:
        stream.write(f"{n:>{width}}\t{code:<7}\t[{level}] {rule}\n")
    stream.write(summary_line(report) + "\n")


def format_batch_summary(summary: Any) -> str:
    """The table ``oopslint batch`` prints: rows, per-rule counts, bad rows."""
    from ..batch.results import RowRef

    contexts = f" from {summary.contexts}" if summary.contexts else ""
    lines = [
        f"Batch: {summary.rows:,} rows{contexts} ({summary.checked:,} checked, {summary.bad_rows:,} bad) "
        f"in {summary.seconds:.2f} s, {summary.rows_per_second:,.0f} rows/s"
    ]
    if summary.rules:
        width = max(len(t.name) for t in summary.rules.values())
        for code, tally in sorted(summary.rules.items()):
            noun = "row " if tally.failed_rows == 1 else "rows"
            share = tally.share(summary.checked)
            line = f"  {code} {tally.name:<{width}}  {tally.failed_rows:>10,} {noun} ({share:6.1%})"
            if tally.first_rows:
                line += "  first: " + ", ".join(
                    str(ref.row) + (f" [{ref.id}]" if ref.id else "") for ref in tally.first_rows
                )
            if tally.oldest_event:
                line += f"  oldest event: {tally.oldest_event.date().isoformat()}"
            lines.append(line)
    for code, count in sorted(summary.batch_rules.items()):
        lines.append(f"  {code} (whole batch): {'reported' if count else 'ok'}")
    if summary.bad_samples:
        lines.append(
            "  bad rows: "
            + "; ".join(
                f"{RowRef(b.row, b.id, b.line)}: {b.reason}" for b in summary.bad_samples[: summary.sample_size]
            )
        )
    return "\n".join(lines)
