"""What the CMP and MKP tests share: real corpus emails, made bad in memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from oopslint_testing import assert_read

import oopslint

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"


class Linting:
    corpus = CORPUS

    def text(self, name: str) -> str:
        path = CORPUS / name
        assert path.is_file(), f"missing corpus email {path}"
        return path.read_text(encoding="utf-8")

    def lint(
        self,
        source: Any,
        *,
        select: str,
        clients: dict | None = None,
        config: dict | None = None,
        path: str | None = None,
    ) -> oopslint.Report:
        table: dict[str, Any] = {"select": [select]}
        if clients is not None:
            table["clients"] = clients
        if config:
            table.update(config)
        if isinstance(source, str) and "<" not in source:
            source = CORPUS / source
        return assert_read(oopslint.lint(source, config=table, offline=True, path=path))

    @staticmethod
    def findings(report: oopslint.Report, code: str) -> list[oopslint.Finding]:
        assert_read(report)
        return [f for f in report.findings if f.code == code]

    @staticmethod
    def by_feature(report: oopslint.Report, slug: str) -> list[oopslint.Finding]:
        return [f for f in report.findings if f.data.get("feature") == slug]

    @staticmethod
    def line_of(text: str, needle: str, nth: int = 0) -> int:
        index = -1
        for _ in range(nth + 1):
            index = text.find(needle, index + 1)
            assert index >= 0, f"{needle!r} not found"
        return text.count("\n", 0, index) + 1

    @staticmethod
    def insert_after(text: str, anchor: str, addition: str) -> str:
        assert anchor in text, f"{anchor!r} not in the email"
        return text.replace(anchor, anchor + addition, 1)
