"""GitLab Code Quality report (``artifacts: reports: codequality``).

A JSON array of issues with ``description``, ``check_name``, ``fingerprint``,
``severity`` and ``location.path``/``location.lines.begin``. The fingerprint
leaves out the line number, so a finding keeps its identity when lines move
and GitLab's merge-request widget shows only what a change introduced.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from .._baseline import fingerprint
from ..report import Report, Severity

SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def write(report: Report, stream: TextIO, **_: Any) -> None:
    issues = []
    seen: dict[str, int] = {}
    for finding in report.findings:
        identity = fingerprint(finding)
        occurrence = seen.get(identity, 0)
        seen[identity] = occurrence + 1
        issues.append(
            {
                "type": "issue",
                "check_name": f"{finding.code} {finding.rule}",
                "description": f"{finding.code} {finding.message}",
                "categories": ["Bug Risk"] if finding.severity == Severity.ERROR else ["Style"],
                "fingerprint": f"{fingerprint(finding)}-{occurrence}",
                "severity": SEVERITY.get(finding.severity or Severity.WARNING, "minor"),
                "location": {"path": finding.path or "", "lines": {"begin": finding.line or 1}},
            }
        )
    stream.write(json.dumps(issues, indent=2, ensure_ascii=False))
    stream.write("\n")
