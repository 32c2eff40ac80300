"""Helpers for the CPN tests: promotions built on a real corpus email, a coupon
file, and real provider servers on 127.0.0.1 (see providers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import oopslint

from .providers import Provider

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "coupons"
NEWSLETTER = ROOT / "fixtures" / "corpus" / "leemunroe" / "email.source.html"
INTRO = (
    "<p>Sometimes you just want to send a simple HTML email with a simple design and clear call to action. "
    "This is it.</p>"
)
CTA = 'href="http://htmlemail.io" target'
SEND_AT = "2026-11-20T09:00:00Z"


def promo(copy: str, *, link: str | None = None) -> str:
    """Lee Munroe's newsletter (MIT) with promotional copy in place of its intro."""
    html = NEWSLETTER.read_text(encoding="utf-8")
    assert INTRO in html and CTA in html, "the corpus newsletter changed; update the promo builder"
    html = html.replace(INTRO, copy)
    if link is not None:
        html = html.replace(CTA, f'href="{link}" target')
    return html


def file_config(**extra: Any) -> dict[str, Any]:
    return {"select": ["CPN"], "coupons": {"source": "file", "file": {"path": str(FIXTURES / "coupons.csv")}, **extra}}


def remote_config(source: str, settings: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "select": ["CPN"],
        "coupons": {"source": source, source: settings, **extra},
        "http": {"allow_private": True, "timeout": 2.0, "retries": 1, "budget": 20.0},
    }


def lint(
    html: str,
    config: dict[str, Any],
    *,
    context: dict[str, Any] | None = None,
    offline: bool = False,
    mode: str = "rendered",
) -> oopslint.Report:
    report = oopslint.lint(
        html, config=config, context={"send_at": SEND_AT, **(context or {})}, offline=offline, mode=mode
    )
    crashed = [f for f in report.findings if f.code.startswith("OOPS")]
    assert not crashed, [f.message for f in crashed]
    return report


def found(report: oopslint.Report, code: str) -> list[oopslint.Finding]:
    return [f for f in report.findings if f.code == code]


@pytest.fixture
def providers() -> Iterator[Any]:
    started: list[Provider] = []

    def start(handler: Any) -> Provider:
        provider = Provider(handler)
        started.append(provider)
        return provider

    yield start
    for provider in started:
        provider.close()
