"""Async per-row rules (the coupon family) in a batch: run like in a lint of one email."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from oopslint_testing import run_cli

from .helpers import ROOT, SHIPPED, write_rows

COUPONS = ROOT / "fixtures" / "coupons"
ROWS = [
    {
        "id": "early",
        "send_at": "2026-12-01T09:00:00Z",
        "category": "marketing",
        "recipient": {"email": "a@example.com"},
    },
    {"id": "late", "send_at": "2026-12-30T09:00:00Z", "category": "marketing", "recipient": {"email": "b@example.com"}},
]


def _codes(report: dict) -> set[str]:
    return {f["code"] for file in report["files"] for f in file["findings"]}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_coupon_rules_in_a_batch_find_what_a_single_check_finds(tmp_path: Path, jobs: str) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    result = run_cli(
        "batch",
        "winter-sale.html",
        "--offline",
        "--format",
        "json",
        "--contexts",
        str(rows),
        "--jobs",
        jobs,
        cwd=COUPONS,
    )
    batch = json.loads(result.stdout)
    expected: set[str] = set()
    for index, row in enumerate(ROWS):
        context = tmp_path / f"context-{index}.json"
        context.write_text(json.dumps(row), encoding="utf-8")
        single = run_cli(
            "check", "winter-sale.html", "--offline", "--format", "json", "--context", str(context), cwd=COUPONS
        )
        expected |= {code for code in _codes(json.loads(single.stdout)) if code.startswith("CPN")}
    assert "OOPS001" not in _codes(batch), "a coupon rule crashed in the batch"
    assert expected and {code for code in _codes(batch) if code.startswith("CPN")} == expected
    assert batch["batch"]["rules"]["CPN001"]["failed_rows"] == 2


def test_batch_with_every_rule_has_no_crashed_rule(tmp_path: Path) -> None:
    rows = write_rows(tmp_path / "rows.jsonl", 50)
    result = run_cli("batch", str(SHIPPED), "--offline", "--format", "json", "--contexts", str(rows), "--jobs", "1")
    report = json.loads(result.stdout)
    crashes = [f["message"] for file in report["files"] for f in file["findings"] if f["code"] == "OOPS001"]
    assert crashes == []
    assert report["batch"]["rules"]["TRG002"]["failed_rows"] == 25


def test_coupon_rules_on_a_template_without_codes_read_no_row_value(tmp_path: Path) -> None:
    """A shipping notice names no coupon code: the CPN rules' outcome depends
    on no row value, so a batch whose rows each have their own send time runs
    them once, not once per row."""
    from oopslint import Linter
    from oopslint.batch import prepare_runner
    from oopslint.batch.readers import iter_context_rows
    from oopslint.batch.runner import Runner

    rows = tmp_path / "rows.jsonl"
    with rows.open("w", encoding="utf-8") as handle:
        for number in range(600):
            row = {
                "id": f"r{number}",
                "send_at": f"2024-05-02T{number // 60 % 24:02d}:{number % 60:02d}:00Z",
                "recipient": {"email": f"p{number}@example.com"},
                "event": {"type": "shipped", "at": "2024-05-01T10:00:00Z"},
            }
            handle.write(json.dumps(row) + "\n")
    runner = prepare_runner(Linter({}, offline=True), SHIPPED, "shipped.html", None, None, 5)
    assert isinstance(runner, Runner)
    runner.run(iter_context_rows(rows))
    coupon_rules = [entry for entry in runner.row_rules if entry.rule.code.startswith("CPN")]
    assert coupon_rules
    for entry in coupon_rules:
        assert entry.fields == (), entry.rule.code
        assert entry.memo is not None and len(entry.memo) == 1, entry.rule.code
