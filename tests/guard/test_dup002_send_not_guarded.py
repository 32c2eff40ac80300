"""DUP002 send-not-guarded: what the guard cannot check is refused (fail closed) or warned about (fail open)."""

from __future__ import annotations

import pytest

import oopslint
from oopslint import SendGuard

from .conftest import NEWSLETTER

ADA = {"recipient": {"email": "ada@example.com"}, "campaign": {"id": "2026-11-newsletter"}}
DOWN = "redis://127.0.0.1:9/0"  # the discard port: nothing listens


def preflight(context, guard):
    return oopslint.preflight(NEWSLETTER, context=context, guard=guard, offline=True, config={"select": ["DUP"]})


def test_quiet_when_the_ledger_answers(sqlite_url):
    assert preflight(ADA, SendGuard(sqlite_url, config={})).findings == []


def test_an_unreachable_ledger_refuses_the_send_by_default():
    with pytest.raises(oopslint.PreflightError) as caught:
        preflight(ADA, SendGuard(DOWN, config={}))
    finding = caught.value.report.findings[0]
    assert (finding.code, finding.severity) == ("DUP002", oopslint.Severity.ERROR)
    assert finding.message.startswith(f"the send guard cannot check this send: ledger {DOWN} unreachable")


def test_an_unreachable_ledger_is_a_warning_when_failing_open():
    report = preflight(ADA, SendGuard(DOWN, config={}, fail="open"))
    assert [(f.code, f.severity) for f in report.findings] == [("DUP002", oopslint.Severity.WARNING)]


def test_a_context_without_a_key_cannot_be_checked(sqlite_url):
    with pytest.raises(
        oopslint.PreflightError, match="needs recipient.email\\+campaign.id or recipient.email\\+event.id"
    ):
        preflight({"recipient": {"email": "ada@example.com"}}, SendGuard(sqlite_url, config={}))


def test_batch_against_an_unreachable_ledger_exits_2_or_warns_when_failing_open(tmp_path, cli):
    rows = tmp_path / "rows.jsonl"
    rows.write_text('{"recipient": {"email": "ada@example.com"}, "campaign": {"id": "c"}}\n')
    template = tmp_path / "news.html"
    template.write_bytes(NEWSLETTER.read_bytes())
    closed = cli("batch", str(template), "--contexts", str(rows), "--offline", "--select", "DUP", "--guard", DOWN)
    assert closed.returncode == 2
    assert f"ledger {DOWN} unreachable" in closed.stderr.decode() and "Traceback" not in closed.stderr.decode()
    (tmp_path / "oopslint.toml").write_text('[guard]\nfail = "open"\n')
    opened = cli("batch", str(template), "--contexts", str(rows), "--offline", "--select", "DUP", "--guard", DOWN)
    assert opened.returncode == 0
    assert "DUP002 [warning] the send guard could not check this batch" in opened.stdout.decode()
