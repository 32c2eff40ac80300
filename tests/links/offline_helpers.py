"""Helpers for the offline LNK rule tests (LNK005-LNK011): lint a small email
or a real template with only the offline rules."""

from __future__ import annotations

from oopslint_testing import assert_read

from oopslint import Linter

OFFLINE = ["LNK005", "LNK006", "LNK007", "LNK008", "LNK009", "LNK010", "LNK011"]


def lint(html: str, *, mode: str = "rendered", links: dict | None = None, select=OFFLINE):
    config: dict = {"select": list(select)}
    if links:
        config["links"] = links
    return assert_read(Linter(config, mode=mode, offline=True).lint(html, path="email.html"))


def email_with(body: str) -> str:
    return f'<!doctype html>\n<html lang="en"><body>\n{body}\n</body></html>\n'


def found(report) -> list[tuple[str, str, str]]:
    assert_read(report)
    return [(f.code, str(f.severity), f.message) for f in report.findings]
