"""Helpers for the TYP rule tests: lint with only the spelling rules, and find
where a word sits in a file independently of oopslint."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from oopslint_testing import assert_read

import oopslint

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "spelling"
CORPUS = ROOT / "fixtures" / "corpus"


class Place(NamedTuple):
    line: int
    column: int


def lint(
    source: Any,
    *,
    spelling: dict | None = None,
    context: Any = None,
    subject: str | None = None,
    mode: str = "template",
    select: str = "TYP",
) -> oopslint.Report:
    """Lint a path, an HTML string or an EmailMessage with only the TYP rules."""
    table: dict[str, Any] = {"select": [select]}
    if spelling is not None:
        table["spelling"] = spelling
    return assert_read(oopslint.lint(source, mode=mode, context=context, config=table, subject=subject))


def codes(report: oopslint.Report, code: str) -> list[oopslint.Finding]:
    assert_read(report)
    return [f for f in report.findings if f.code == code]


def words(report: oopslint.Report, code: str) -> list[str]:
    assert_read(report)
    return [f.data["word"] for f in report.findings if f.code == code]


def locate(text: str, needle: str, *, nth: int = 0, offset: int = 0) -> Place:
    """1-based line and column of ``needle`` (its ``nth`` occurrence) in ``text``."""
    index = -1
    for _ in range(nth + 1):
        index = text.find(needle, index + 1)
        assert index >= 0, f"{needle!r} not found"
    index += offset
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return Place(line, column)


def page(body: str, lang: str | None = "en") -> str:
    lang_attr = f' lang="{lang}"' if lang else ""
    return f"<!DOCTYPE html>\n<html{lang_attr}>\n<body>\n{body}\n</body>\n</html>\n"
