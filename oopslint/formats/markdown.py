"""A Markdown summary, for a GitHub job summary (``$GITHUB_STEP_SUMMARY``) or a PR comment.

Counts first, then the findings per file; each code links to its rule's
documentation when ``docs_base`` is given (the URL of a checkout of
oopslint, such as ``https://github.com/OWNER/oopslint/blob/v0.2.0``): a
built-in rule's documentation is its module's docstring.
"""

from __future__ import annotations

import os
from typing import Any, TextIO

from ..report import Report

_LEVEL_ICON = {"error": "🔴", "warning": "🟡", "info": "🔵"}
MAX_ROWS_PER_FILE = 50


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def docs_links(report: Report, docs_base: str | None) -> dict[str, str]:
    """Code -> URL of the module that documents it, for built-in rules."""
    if not docs_base:
        return {}
    from ..registry import default_registry

    registry = default_registry()
    links: dict[str, str] = {}
    for code in {f.code for f in report.findings}:
        rule = registry.get(code)
        if rule is not None and rule.origin.startswith("oopslint.rules."):
            path = "rules/" + rule.origin[len("oopslint.rules.") :].replace(".", "/") + ".py"
            links[code] = f"{docs_base.rstrip('/')}/{path}"
    return links


def write(report: Report, stream: TextIO, *, docs_base: str | None = None, **_: Any) -> None:
    docs_base = docs_base or os.environ.get("OOPSLINT_DOCS_BASE")
    links = docs_links(report, docs_base)
    counts = report.counts
    with_findings = [result for result in report.files if result.findings]
    verdict = "❌ fails" if not report.ok else "✅ passes"
    out = [
        "## oopslint\n\n",
        f"**{verdict}** (fail level: {report.fail_on}) — {len(report.files)} file(s) checked, "
        f"{len(with_findings)} with findings.\n\n",
        "| Errors | Warnings | Info |\n|---:|---:|---:|\n",
        f"| {counts['error']} | {counts['warning']} | {counts['info']} |\n\n",
    ]
    if report.skipped_network_rules:
        out.append(
            f"Offline: network rules {', '.join(report.skipped_network_rules)} were skipped; "
            f"{report.unchecked_urls} URL(s) not checked.\n\n"
        )
    for result in with_findings:
        out.append(f"### `{_cell(result.path)}`\n\n| | Line | Code | Message |\n|---|---:|---|---|\n")
        for finding in result.findings[:MAX_ROWS_PER_FILE]:
            level = str(finding.severity)
            code = f"[{finding.code}]({links[finding.code]})" if finding.code in links else finding.code
            out.append(
                f"| {_LEVEL_ICON.get(level, '')} {level} | {finding.line or ''} | {code} {finding.rule} "
                f"| {_cell(finding.message)} |\n"
            )
        if len(result.findings) > MAX_ROWS_PER_FILE:
            out.append(f"\n… and {len(result.findings) - MAX_ROWS_PER_FILE} more in this file.\n")
        out.append("\n")
    stream.write("".join(out))
