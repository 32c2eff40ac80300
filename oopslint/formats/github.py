"""GitHub Actions workflow commands: ``::error file=..,line=..,col=..,title=CODE::message``.

GitHub turns these into annotations on the pull request's changed lines.
"""

from __future__ import annotations

from typing import Any, TextIO

from ..report import Report, Severity

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def write(report: Report, stream: TextIO, **_: Any) -> None:
    for finding in report.findings:
        level = _LEVEL.get(finding.severity or Severity.WARNING, "warning")
        props = [f"file={_escape_property(finding.path or '')}"]
        if finding.line:
            props.append(f"line={finding.line}")
            props.append(f"col={finding.column}")
            if finding.end_line:
                props.append(f"endLine={finding.end_line}")
                if finding.end_line == finding.line and finding.end_column:
                    props.append(f"endColumn={finding.end_column}")
        props.append(f"title={_escape_property(finding.code + ' ' + finding.rule)}")
        message = finding.message
        if finding.suggestion:
            message += f"\n{finding.suggestion}"
        stream.write(f"::{level} {','.join(props)}::{_escape_data(message)}\n")
