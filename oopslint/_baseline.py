"""Baselines: adopt oopslint on a large template repository without fixing everything first.

``oopslint check --baseline oopslint-baseline.json`` records today's findings
the first time; later runs report only findings that are not in it. A
finding is matched by its file, code, message (line numbers in the text
removed) and the source line it points at, never by its line number, so
moving a template's lines around does not bring old findings back. Each
recorded finding absorbs one occurrence: a second copy of the same problem
is new.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

from .config import ConfigError
from .report import Finding, Report

_LINE_NUMBERS = re.compile(r"\b(lines?|line\s+numbers?)\s+[\d,\s]+(?:and\s+\d+)?", re.IGNORECASE)
_POSITION = re.compile(r"\b\d+:\d+\b")


def fingerprint(finding: Finding, path: str | None = None) -> str:
    """A finding's identity without its position: file, code, message, snippet."""
    message = _POSITION.sub("", _LINE_NUMBERS.sub(r"\1", finding.message))
    snippet = " ".join((finding.snippet or "").split())
    key = "\x1f".join([path if path is not None else finding.path or "", finding.code, message, snippet])
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _relative(path: str, base: Path) -> str:
    if path in ("-", "<stdin>", "<email>"):
        return path
    try:
        return Path(os.path.relpath(Path(path).resolve(), base.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()


def write_baseline(report: Report, destination: Path) -> int:
    base = destination.resolve().parent
    entries = []
    for finding in report.findings:
        path = _relative(finding.path or "", base)
        entries.append(
            {"path": path, "code": finding.code, "fingerprint": fingerprint(finding, path), "message": finding.message}
        )
    entries.sort(key=lambda e: (e["path"], e["code"], e["fingerprint"]))
    document = {"version": 1, "tool": "oopslint", "findings": entries}
    try:
        destination.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"baseline {destination}: cannot be written ({exc.strerror or exc})") from None
    return len(entries)


def read_baseline(source: Path) -> Counter[str]:
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"baseline {source}: cannot be read ({exc.strerror or exc})") from None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ConfigError(f"baseline {source}: not a baseline file ({exc})") from None
    if (
        not isinstance(document, dict)
        or document.get("tool") != "oopslint"
        or not isinstance(document.get("findings"), list)
    ):
        raise ConfigError(
            f'baseline {source}: not an oopslint baseline (expected {{"tool": "oopslint", "findings": [...]}})'
        )
    known: Counter[str] = Counter()
    for entry in document["findings"]:
        if isinstance(entry, dict) and isinstance(entry.get("fingerprint"), str):
            known[entry["fingerprint"]] += 1
    return known


def apply_baseline(report: Report, source: Path) -> int:
    """Drop findings recorded in the baseline; return how many were dropped."""
    known = read_baseline(source)
    base = source.resolve().parent
    dropped = 0
    for result in report.files:
        kept: list[Finding] = []
        for finding in result.findings:
            key = fingerprint(finding, _relative(finding.path or result.path, base))
            if known[key] > 0 and not finding.code.startswith("OOPS"):
                known[key] -= 1
                dropped += 1
            else:
                kept.append(finding)
        result.findings = kept
    return dropped


def describe(entries: Any) -> str:
    return f"{entries} finding{'s' if entries != 1 else ''}"
