"""Paths and small helpers for the TRG tests."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from oopslint_testing import assert_read

import oopslint

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "triggers"
CORPUS = ROOT / "fixtures" / "corpus"
SHIPPED = FIXTURES / "postmark" / "shipped.html"
SHIPPED_2016 = FIXTURES / "postmark" / "shipped-2016.html"
NEWSLETTER = CORPUS / "leemunroe" / "email.source.html"
CONTEXTS = FIXTURES / "contexts"

sys.path.insert(0, str(FIXTURES))
from make_batch import rows as batch_rows  # noqa: E402,F401
from make_batch import write_rows  # noqa: E402,F401


def context(name: str) -> dict[str, Any]:
    return json.loads((CONTEXTS / f"{name}.json").read_text(encoding="utf-8"))


def lint(
    source: Any,
    ctx: Any = None,
    *,
    config: dict | None = None,
    select: str = "TRG,OOPS005",
    mode: str = "template",
    path: str | None = None,
) -> oopslint.Report:
    """Lint with only the TRG rules (and invalid-context reports), offline."""
    merged = {"select": select.split(","), **(config or {})}
    return assert_read(oopslint.lint(source, context=ctx, config=merged, offline=True, mode=mode, path=path))


def codes(report: oopslint.Report) -> list[str]:
    assert_read(report)
    return [f.code for f in report.findings]


def only(report: oopslint.Report, code: str) -> oopslint.Finding:
    assert_read(report)
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1, [(f.code, f.message) for f in report.findings]
    return found[0]


def locate(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first ``needle`` in ``text``."""
    offset = text.index(needle)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def email_with(body: str, *, lang: str | None = None, title: str | None = None, preheader: str | None = None) -> str:
    """The Postmark shipping notice template with its heading and first
    paragraphs replaced by ``body`` (its other text is merge tags, not dates)."""
    html = SHIPPED.read_text(encoding="utf-8")
    if preheader is not None:
        html = html.replace("Order {{order_id}} is on its way. Track your package any time.", preheader)
    start = html.index("<h1>")
    end = html.index('<table class="discount"')
    html = html[:start] + body + "\n" + html[end:]
    if lang is not None:
        tag = '<html xmlns="http://www.w3.org/1999/xhtml"'
        html = html.replace(tag + ">", f'{tag} lang="{lang}">')
    if title is not None:
        html = html.replace("<title>Your order has shipped</title>", f"<title>{title}</title>")
    return html
