"""Helpers for the TPL rule tests: lint a fixture, find where a fault sits in the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import pytest
from oopslint_testing import assert_read

import oopslint

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "template"
CORPUS = FIXTURES.parent / "corpus"


def _fixture_path(name: str) -> Path:
    """A TPL fixture by name; clean templates are read from the corpus, not copied."""
    own = FIXTURES / name
    return own if own.is_file() else CORPUS / name


class Place(NamedTuple):
    line: int
    column: int


class TemplateLinting:
    fixtures = FIXTURES

    @staticmethod
    def is_fixture(value: Any) -> bool:
        return isinstance(value, str) and "<" not in value and "\n" not in value and _fixture_path(value).is_file()

    def path(self, name: str) -> Path:
        path = _fixture_path(name)
        assert path.is_file(), f"missing fixture {path}"
        return path

    def text(self, name: str) -> str:
        return self.path(name).read_text(encoding="utf-8")

    def lint(
        self,
        source: Any,
        *,
        mode: str = "template",
        context: Any = None,
        select: str = "TPL",
        options: dict | None = None,
        config: dict | None = None,
        path: str | None = None,
        subject: str | None = None,
    ) -> oopslint.Report:
        """Lint a fixture name, a Path, an HTML string or an EmailMessage with only TPL rules."""
        table: dict[str, Any] = {"select": [select]}
        if options:
            table["template"] = options
        if config:
            table.update(config)
        if self.is_fixture(source):
            source = _fixture_path(source)
        return assert_read(oopslint.lint(source, mode=mode, context=context, config=table, path=path, subject=subject))

    def findings(self, report: oopslint.Report, code: str) -> list[oopslint.Finding]:
        assert_read(report)
        return [f for f in report.findings if f.code == code]

    def locate(self, name_or_text: str, needle: str, *, nth: int = 0, offset: int = 0) -> Place:
        """1-based line and column of ``needle`` in a fixture (or in a text), found
        independently of oopslint, so a test checks the rule's position against the file."""
        text = self.text(name_or_text) if self.is_fixture(name_or_text) else name_or_text
        index = -1
        for _ in range(nth + 1):
            index = text.find(needle, index + 1)
            assert index >= 0, f"{needle!r} not found"
        index += offset
        line = text.count("\n", 0, index) + 1
        column = index - (text.rfind("\n", 0, index) + 1) + 1
        return Place(line, column)


@pytest.fixture
def tpl() -> TemplateLinting:
    return TemplateLinting()
