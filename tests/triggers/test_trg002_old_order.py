"""TRG002 old-order: A shipping or delivery notice for an old order."""

from __future__ import annotations

from oopslint_testing import run_cli

from .helpers import SHIPPED, codes, context, lint


def test_migration_replay_with_a_fresh_event_for_an_old_order_is_an_old_order_only():
    # the new platform created a "shipped" event today for an order from 2016
    report = lint(SHIPPED, context("migration"))
    assert codes(report) == ["TRG002"]
    assert "order A-2016-777 placed 7.7 years before sending" in report.findings[0].message


def test_explain_documents_the_rule():
    result = run_cli("explain", "TRG002")
    out = result.stdout.decode()
    assert result.returncode == 0
    assert out.startswith("TRG002 old-order")
    assert "old_order_days = 30" in out and "Why is this bad?" in out
