"""JUnit XML, the test report most CI systems display (GitLab, Jenkins, Azure, CircleCI).

One ``<testsuite>`` per linted file; each finding is a failed ``<testcase>``
named by its code and line, and a file without findings is one passing
test case, so dashboards count clean templates too.
"""

from __future__ import annotations

from typing import Any, TextIO
from xml.sax.saxutils import escape, quoteattr

from ..report import Report


def _clean(text: str) -> str:
    # XML 1.0 cannot carry most control characters, even escaped
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def write(report: Report, stream: TextIO, **_: Any) -> None:
    total = sum(max(1, len(result.findings)) for result in report.files)
    failures = len(report)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<testsuites name="oopslint" tests="{total}" failures="{failures}" errors="0">\n',
    ]
    for result in report.files:
        path = _clean(result.path)
        count = len(result.findings)
        out.append(f'  <testsuite name={quoteattr(path)} tests="{max(1, count)}" failures="{count}" errors="0">\n')
        if not result.findings:
            out.append(f'    <testcase name="oopslint" classname={quoteattr(path)}/>\n')
        for finding in result.findings:
            where = f":{finding.line}:{finding.column}" if finding.line else ""
            name = f"{finding.code} {finding.rule}{where}"
            message = _clean(finding.message)
            body = f"{path}{where}: {finding.code} [{finding.severity}] {message}"
            if finding.suggestion:
                body += f"\nhelp: {_clean(finding.suggestion)}"
            if finding.snippet:
                body += f"\n{_clean(finding.snippet.strip())[:500]}"
            out.append(
                f"    <testcase name={quoteattr(_clean(name))} classname={quoteattr(path)} "
                f"file={quoteattr(path)}{f' line={quoteattr(str(finding.line))}' if finding.line else ''}>\n"
                f"      <failure message={quoteattr(message)} type={quoteattr(str(finding.severity))}>"
                f"{escape(body)}</failure>\n"
                "    </testcase>\n"
            )
        out.append("  </testsuite>\n")
    out.append("</testsuites>\n")
    stream.write("".join(out))
