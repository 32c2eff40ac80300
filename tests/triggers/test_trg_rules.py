"""TRG001-TRG004 on one email and one send context, as `oopslint check --context` and `oopslint.lint` see them."""

from __future__ import annotations

import json

from oopslint_testing import run_cli

from oopslint import Severity

from .helpers import CORPUS, SHIPPED, codes, context, email_with, lint, only


def test_fresh_shipping_notice_passes_every_trigger_rule():
    assert codes(lint(SHIPPED, context("fresh"))) == []


def test_years_old_shipment_is_a_stale_trigger_and_an_old_order():
    report = lint(SHIPPED, context("years-old"))
    assert sorted(codes(report)) == ["TRG001", "TRG002"]
    stale = only(report, "TRG001")
    assert stale.severity == Severity.ERROR
    assert stale.message == (
        "Shipping notice for an event 5.2 years old (event.at 2019-03-01 10:00Z, send time 2024-05-02 09:00Z); "
        "a shipping notice is stale after 3 days"
    )
    assert stale.data["event_type"] == "shipped" and stale.data["type_source"] == "context"
    old = only(report, "TRG002")
    assert "order A-0042 placed 5.2 years before sending (order.placed_at 2019-02-27 10:00Z)" in old.message
    assert "orders older than 30 days" in old.message


def test_quiet_when_the_context_lacks_what_the_rules_need():
    assert codes(lint(SHIPPED, {})) == []
    assert codes(lint(SHIPPED, {"category": "transactional", "recipient": {"email": "a@example.com"}})) == []
    assert codes(lint(SHIPPED, {"send_at": "2024-05-02T09:00:00Z", "order": {"id": "A-1"}})) == []


def test_quiet_when_the_email_type_is_unknown():
    newsletter = CORPUS / "leemunroe" / "email.source.html"
    old = {
        "send_at": "2024-05-02T09:00:00Z",
        "event": {"at": "2019-01-01T00:00:00Z"},
        "order": {"placed_at": "2019-01-01T00:00:00Z"},
    }
    assert codes(lint(newsletter, old)) == []


def test_unknown_status_names_are_left_alone():
    ctx = {**context("fresh"), "order": {**context("fresh")["order"], "status": "with-the-fairies"}}
    assert codes(lint(SHIPPED, ctx)) == []


def test_naive_timestamp_is_a_clear_error_not_a_crash():
    report = lint(SHIPPED, context("naive-timestamp"))
    assert set(codes(report)) == {"OOPS005"}
    assert (
        "event.at '2024-05-02 08:12:00' has no timezone; add an offset (Z, +02:00) or set "
        "[tool.oopslint.context] timezone" in report.findings[0].message
    )
    assert report.exit_code == 1


def test_naive_timestamps_are_read_in_the_configured_timezone():
    report = lint(SHIPPED, context("naive-timestamp"), config={"context": {"timezone": "Europe/Berlin"}})
    assert codes(report) == []


def test_impossible_date_is_reported_as_such():
    report = lint(SHIPPED, context("bad-date"))
    assert set(codes(report)) == {"OOPS005"}
    assert (
        "order.placed_at '2024-02-30T10:00:00Z' is not a real date or time (day is out of range for month)"
        in report.findings[0].message
    )


def test_bad_option_value_is_a_configuration_error(tmp_path):
    (tmp_path / "oopslint.toml").write_text('[triggers]\nmax_age = {shipped = "three days"}\n', encoding="utf-8")
    (tmp_path / "a.html").write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "ctx.json").write_text(json.dumps(context("fresh")), encoding="utf-8")
    result = run_cli("check", "--offline", "--select", "TRG", "a.html", "--context", "ctx.json", cwd=tmp_path)
    assert result.returncode == 2
    err = result.stderr.decode()
    assert "max_age.shipped: 'three days' is not a duration" in err and "Traceback" not in err


def test_a_shipping_notice_may_thank_for_the_order():
    html = email_with("<h1>Thanks for your order!</h1><p>Good news: it has shipped.</p>", preheader="Thank you!")
    assert codes(lint(html, context("fresh"))) == []
