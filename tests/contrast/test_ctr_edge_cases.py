"""Contrast on inputs with text outside any element."""

from __future__ import annotations

import oopslint


def test_text_directly_in_the_document_is_judged_without_a_crash():
    html = (
        '!DOCTYPE html><html lang="en"><head><style>@media (prefers-color-scheme: dark){p{color:#fff}}</style>'
        '</head><body><p style="color:#eeeeee">Faint words here</p></body></html>'
    )
    report = oopslint.lint(html, offline=True, config={"select": ["CTR"]})
    assert [f.code for f in report.findings if f.code.startswith("OOPS")] == []
    assert any(f.code == "CTR001" for f in report.findings)
