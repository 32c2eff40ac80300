"""The TRG rules stay quiet on the clean corpus, and speak up when a corpus email is mis-targeted."""

from __future__ import annotations

import json

import pytest

from .helpers import CONTEXTS, CORPUS, codes, lint

EMAILS = sorted(CORPUS.glob("*/*.html"))
FRESH = json.loads((CONTEXTS / "fresh.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", EMAILS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_clean_corpus_email_is_quiet(path):
    assert codes(lint(path)) == []
    assert codes(lint(path, {"send_at": "2031-01-01T00:00:00Z", "category": "transactional"})) == []
    assert codes(lint(path, {"send_at": "2024-05-02T09:00:00Z", "event": {"at": "2024-05-02T08:59:00Z"}})) == []


def test_corpus_has_the_emails_this_test_expects():
    assert len(EMAILS) >= 30


@pytest.mark.parametrize("variant", ["source", "inlined"])
def test_corpus_password_reset_sent_for_a_shipment_is_flagged(variant):
    report = lint(CORPUS / "postmark" / f"password-reset.{variant}.html", FRESH)
    (finding,) = report.findings
    assert finding.code == "TRG003"
    assert finding.message == (
        "The preheader says 'reset your password' (a password reset), but this email is sent "
        "for event.type 'shipped', a shipping notice"
    )
