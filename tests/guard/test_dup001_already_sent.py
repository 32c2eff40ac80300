"""DUP001 already-sent: preflight and batch report sends the ledger has seen."""

from __future__ import annotations

import json

import pytest

import oopslint
from oopslint import SendGuard

from .conftest import NEWSLETTER

ADA = {"recipient": {"email": "ada@example.com"}, "campaign": {"id": "2026-11-newsletter"}, "category": "marketing"}


def preflight(context, guard, config=None):
    return oopslint.preflight(
        NEWSLETTER, context=context, guard=guard, offline=True, config={"select": ["DUP"], **(config or {})}
    )


def test_quiet_on_a_send_the_ledger_has_not_seen(ledger_url):
    guard = SendGuard(ledger_url, config={})
    report = preflight(ADA, guard)
    assert report.findings == []
    # preflight checks without claiming
    assert guard.lookup(guard.key_for(ADA)) is None


def test_quiet_without_a_guard():
    report = oopslint.lint(NEWSLETTER, context=ADA, offline=True, config={"select": ["DUP"]})
    assert report.findings == []


def test_a_send_already_recorded_blocks_the_second_run(ledger_url):
    guard = SendGuard(ledger_url, config={})
    with guard.claim(guard.key_for(ADA), category="marketing"):
        pass  # the first run sent it
    with pytest.raises(oopslint.PreflightError) as caught:
        preflight(ADA, guard)
    finding = caught.value.report.findings[0]
    assert [f.code for f in caught.value.report.findings] == ["DUP001"]
    assert finding.severity == oopslint.Severity.ERROR
    assert finding.message.startswith(
        "recipient_email=a***@example.com|campaign_id=2026-11-newsletter: already sent on "
    )
    assert finding.message.endswith(" UTC (marketing)")
    assert "ada@" not in str(caught.value)


def test_a_send_in_progress_on_another_worker(ledger_url):
    guard = SendGuard(ledger_url, config={})
    guard.try_claim(guard.key_for(ADA))
    with pytest.raises(oopslint.PreflightError, match="DUP001 .*in progress on another worker since"):
        preflight(ADA, guard)


def test_the_context_field_names_follow_the_configuration(ledger_url):
    guard = SendGuard(ledger_url, config={})
    with guard.claim(guard.key_for(ADA)):
        pass
    renamed = {"customer": {"mail": "ada@example.com"}, "campaign": {"id": "2026-11-newsletter"}}
    with pytest.raises(oopslint.PreflightError, match="DUP001"):
        preflight(renamed, guard, {"context": {"fields": {"recipient_email": "customer.mail"}}})


def _rows(path, count: int, campaign: str = "2026-11-newsletter") -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for number in range(1, count + 1):
            handle.write(
                json.dumps(
                    {
                        "id": f"r{number}",
                        "category": "marketing",
                        "recipient": {"email": f"reader{number}@example.com"},
                        "campaign": {"id": campaign},
                    }
                )
                + "\n"
            )


def test_batch_reports_how_many_rows_were_already_sent(ledger_url, tmp_path, cli):
    rows = tmp_path / "rows.jsonl"
    _rows(rows, 40)
    guard = SendGuard(ledger_url, config={})
    for number in (3, 5, 8, 13, 21, 34):
        with guard.claim(f"recipient_email=reader{number}@example.com|campaign_id=2026-11-newsletter"):
            pass
    guard.try_claim("recipient_email=reader2@example.com|campaign_id=2026-11-newsletter")
    before = guard.stats()
    result = cli(
        "batch", str(NEWSLETTER), "--contexts", str(rows), "--offline", "--select", "DUP", "--guard", ledger_url
    )
    out = result.stdout.decode()
    assert result.returncode == 1, result.stderr.decode()
    today = guard.lookup("recipient_email=reader3@example.com|campaign_id=2026-11-newsletter").since.date()
    assert f"DUP001 [error] 6 of 40 recipients already got this email on {today}" in out
    assert "DUP001 [error] 1 of 40 rows are in progress on another worker; first rows: 2, 3, 5, 8, 13" in out
    assert "reader" not in out
    assert guard.stats() == before  # nothing claimed without --claim


def test_batch_claim_records_the_rows_so_a_second_run_reports_them_all(ledger_url, tmp_path, cli):
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "id,category,recipient.email,campaign.id\n"
        + "".join(f"r{n},marketing,reader{n}@example.com,nov\n" for n in range(1, 26))
    )
    first = cli(
        "batch",
        str(NEWSLETTER),
        "--contexts",
        str(rows),
        "--offline",
        "--select",
        "DUP",
        "--guard",
        ledger_url,
        "--claim",
        "--format",
        "json",
    )
    assert first.returncode == 0, first.stderr.decode()
    report = json.loads(first.stdout)
    assert report["guard"]["claimed"] == 25 and report["guard"]["already_sent"] == 0
    second = cli(
        "batch",
        str(NEWSLETTER),
        "--contexts",
        "-",
        "--offline",
        "--select",
        "DUP",
        "--guard",
        ledger_url,
        "--claim",
        "--format",
        "json",
        stdin=rows.read_bytes(),
    )
    assert second.returncode == 1
    again = json.loads(second.stdout)
    assert again["guard"]["already_sent"] == 25 and again["guard"]["claimed"] == 0
    assert [f["code"] for f in again["files"][0]["findings"]] == ["DUP001"]
    assert SendGuard(ledger_url, config={}).stats()["sent"] == {"marketing": 25}


def test_guard_status_and_forget_on_the_command_line(sqlite_url, tmp_path, cli):
    guard = SendGuard(sqlite_url, config={})
    with guard.claim(guard.key_for(ADA), category="marketing"):
        pass
    context = tmp_path / "ada.json"
    context.write_text(json.dumps(ADA))
    status = cli("guard", "status", "--url", sqlite_url, "--context", str(context))
    assert status.returncode == 0
    line = status.stdout.decode().strip()
    assert line.startswith("recipient_email=a***@example.com|campaign_id=2026-11-newsletter: already sent on ")
    assert line.endswith("[marketing]")
    forget = cli(
        "guard", "forget", "--url", sqlite_url, "recipient_email=ada@example.com|campaign_id=2026-11-newsletter"
    )
    assert forget.stdout.decode().strip() == "Forgot 1 of 1 key"
    stats = cli("guard", "stats", "--url", sqlite_url)
    assert "sent                  0" in stats.stdout.decode()
