"""What the CTR and ACC tests share: lint a fixture with some rules, find a place in the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import oopslint

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


class Place(NamedTuple):
    line: int
    column: int


class Linting:
    fixtures = FIXTURES

    def path(self, name: str) -> Path:
        path = FIXTURES / name
        assert path.is_file(), f"missing fixture {path}"
        return path

    def lint(
        self,
        source: Any,
        select: str,
        *,
        contrast: dict | None = None,
        access: dict | None = None,
        mode: str = "template",
    ) -> oopslint.Report:
        table: dict[str, Any] = {"select": [select]}
        if contrast:
            table["contrast"] = contrast
        if access:
            table["access"] = access
        if isinstance(source, str) and "<" not in source:
            source = self.path(source)
        return oopslint.lint(source, mode=mode, config=table)

    @staticmethod
    def findings(report: oopslint.Report, code: str) -> list[oopslint.Finding]:
        return [f for f in report.findings if f.code == code]

    def locate(self, name: str, needle: str, *, nth: int = 0) -> Place:
        """1-based line and column of ``needle``, found independently of oopslint."""
        text = self.path(name).read_text(encoding="utf-8")
        index = -1
        for _ in range(nth + 1):
            index = text.find(needle, index + 1)
            assert index >= 0, f"{needle!r} not found"
        return Place(text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1)
