"""SARIF 2.1.0 output, as GitHub code scanning accepts it.

Every known rule is described in ``tool.driver.rules`` with its summary, its
documentation as help text, its default level and its family (the rule's
``section``) as a tag; results point at relative
file URIs with 1-based regions.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TextIO

from ..report import Finding, Report, Severity

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(path: str | None) -> str:
    if not path or path.startswith("<"):
        return (path or "email").strip("<>")
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            return candidate.resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return candidate.as_uri()
    return candidate.as_posix()


def _rule_descriptors() -> list[dict[str, Any]]:
    from ..diagnostics import ENGINE_CODES
    from ..registry import default_registry

    descriptors: list[dict[str, Any]] = []
    for rule in default_registry():
        if rule.scope != "email" and rule.scope != "batch":
            continue
        descriptors.append(
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.summary},
                "help": {"text": rule.explain(), "markdown": "```\n" + rule.explain() + "```"},
                "defaultConfiguration": {"level": _LEVEL[rule.severity]},
                "properties": {"tags": [rule.section or rule.prefix.lower()], "network": rule.network},
            }
        )
    for code in ENGINE_CODES.values():
        descriptors.append(
            {
                "id": code.code,
                "name": code.name,
                "shortDescription": {"text": code.summary},
                "fullDescription": {"text": code.summary},
                "help": {"text": code.explain()},
                "defaultConfiguration": {"level": _LEVEL[code.severity]},
                "properties": {"tags": ["engine"]},
            }
        )
    return descriptors


def _result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": finding.line or 1}
    if finding.line:
        region["startColumn"] = finding.column or 1
        if finding.end_line:
            region["endLine"] = finding.end_line
            if finding.end_column and (finding.end_line > finding.line or finding.end_column > (finding.column or 1)):
                region["endColumn"] = finding.end_column
    if finding.snippet:
        region["snippet"] = {"text": finding.snippet}
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": _LEVEL.get(finding.severity or Severity.WARNING, "warning"),
        "message": {"text": finding.message + (f" ({finding.suggestion})" if finding.suggestion else "")},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(finding.path), "uriBaseId": "%SRCROOT%"},
                    "region": region,
                }
            }
        ],
    }
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    if finding.data:
        result["properties"] = {"data": json.loads(json.dumps(finding.to_dict()["data"]))}
    return result


def build_sarif(report: Report) -> dict[str, Any]:
    from .. import __version__

    rules = _rule_descriptors()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "oopslint",
                        "informationUri": "https://github.com/oopslint/oopslint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(os.getcwd()).as_uri() + "/"}},
                "results": [_result(f, index) for f in report.findings],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def write(report: Report, stream: TextIO, **_: Any) -> None:
    json.dump(build_sarif(report), stream, indent=2, ensure_ascii=False)
    stream.write("\n")
