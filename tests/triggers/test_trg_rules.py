"""TRG001-TRG004 on one email and one send context, as `oopslint check --context` and `oopslint.lint` see them."""

from __future__ import annotations

import json

import oopslint
from oopslint import Severity
from oopslint_testing import run_cli

from .helpers import CORPUS, SHIPPED, codes, context, email_with, lint, only

# ---------------------------------------------------------------- TRG001 stale trigger


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


def test_migration_replay_with_a_fresh_event_for_an_old_order_is_an_old_order_only():
    # the new platform created a "shipped" event today for an order from 2016
    report = lint(SHIPPED, context("migration"))
    assert codes(report) == ["TRG002"]
    assert "order A-2016-777 placed 7.7 years before sending" in report.findings[0].message


def test_event_time_falls_back_to_the_order_timestamp_of_the_type():
    ctx = {"send_at": "2024-05-02T09:00:00Z", "order": {"placed_at": "2024-04-20T09:00:00Z",
                                                        "shipped_at": "2024-04-25T09:00:00Z", "status": "shipped"}}
    finding = only(lint(SHIPPED, ctx), "TRG001")
    assert "(order.shipped_at 2024-04-25 09:00Z" in finding.message and "7 days old" in finding.message
    assert finding.data["type_source"] == "content"


def test_password_reset_from_the_corpus_goes_stale_after_an_hour():
    email = CORPUS / "postmark" / "password-reset.source.html"
    sent = {"send_at": "2024-05-02T09:00:00Z", "event": {"at": "2024-05-02T06:00:00Z"}}
    finding = only(lint(email, sent), "TRG001")
    assert finding.message.startswith("Password reset for an event 3 hours old")
    assert "a password reset is stale after 1 hour" in finding.message
    assert codes(lint(email, {**sent, "event": {"at": "2024-05-02T08:50:00Z"}})) == []


def test_max_age_is_configurable_per_event_type():
    ctx = {"send_at": "2024-05-02T09:00:00Z", "event": {"type": "shipped", "at": "2024-04-25T09:00:00Z"}}
    assert codes(lint(SHIPPED, ctx)) == ["TRG001"]
    assert codes(lint(SHIPPED, ctx, config={"triggers": {"max_age": {"shipped": "10d"}}})) == []
    assert codes(lint(SHIPPED, ctx, config={"triggers": {"max_age": {"shipped": 240}}})) == []  # hours


def test_own_event_names_map_to_event_types():
    ctx = {"send_at": "2024-05-02T09:00:00Z", "event": {"type": "parcel_handed_over", "at": "2024-04-02T09:00:00Z"}}
    html = email_with("<h1>An update on your order</h1><p>Here is what happened.</p>", preheader="An update")
    assert codes(lint(html, ctx)) == []  # unknown event, neutral content: nothing to judge
    configured = lint(html, ctx, config={"triggers": {"event_types": {"parcel_handed_over": "shipped"}}})
    assert only(configured, "TRG001").message.startswith("Shipping notice for an event 30 days old")


def test_template_globs_set_the_type_and_win_over_content(tmp_path):
    folder = tmp_path / "emails" / "reviews"
    folder.mkdir(parents=True)
    template = folder / "ask.html"
    template.write_text(email_with("<h1>Hello</h1><p>We hope all is well.</p>", preheader="Hello"), encoding="utf-8")
    (tmp_path / "oopslint.toml").write_text(
        '[triggers]\ntemplates = {"emails/reviews/*.html" = "review_request"}\n', encoding="utf-8")
    ctx = {"send_at": "2024-05-02T09:00:00Z", "order": {"delivered_at": "2024-02-01T09:00:00Z"}}
    report = oopslint.lint(template, context=ctx, config=tmp_path / "oopslint.toml", mode="template", offline=True)
    finding = only(report, "TRG001")
    assert finding.message.startswith("Review request for an event 91 days old (order.delivered_at")
    assert finding.data["type_source"] == "config"


def test_quiet_when_the_context_lacks_what_the_rules_need():
    assert codes(lint(SHIPPED, {})) == []
    assert codes(lint(SHIPPED, {"category": "transactional", "recipient": {"email": "a@example.com"}})) == []
    assert codes(lint(SHIPPED, {"send_at": "2024-05-02T09:00:00Z", "order": {"id": "A-1"}})) == []


def test_quiet_when_the_email_type_is_unknown():
    newsletter = CORPUS / "leemunroe" / "email.source.html"
    old = {"send_at": "2024-05-02T09:00:00Z", "event": {"at": "2019-01-01T00:00:00Z"},
           "order": {"placed_at": "2019-01-01T00:00:00Z"}}
    assert codes(lint(newsletter, old)) == []


def test_hedged_phrases_do_not_make_an_order_confirmation_a_shipping_notice():
    html = email_with(
        "<h1>Thanks for your order!</h1><p>We'll email you as soon as it has shipped. "
        "Once it is on its way you can track your package.</p>",
        preheader="Your order is confirmed", title="Order confirmed")
    ctx = {"send_at": "2024-05-02T09:00:00Z", "order": {"placed_at": "2024-03-20T09:00:00Z"}}
    report = lint(html, ctx)
    assert codes(report) == ["TRG001"]  # an old order confirmation, not an old-order shipping notice
    assert report.findings[0].message.startswith("Order confirmation for an event 43 days old")


# ---------------------------------------------------------------- TRG003 status mismatch


def test_shipping_notice_for_a_cancelled_order():
    finding = only(lint(SHIPPED, context("cancelled")), "TRG003")
    assert finding.severity == Severity.ERROR
    assert finding.message == ("Shipping notice says the order shipped, but order A-1002 is cancelled "
                               "(order.status = 'Cancelled')")


def test_shipping_notice_for_a_refunded_order():
    finding = only(lint(SHIPPED, context("refunded")), "TRG003")
    assert "order A-1003 is refunded (order.status = 'refunded')" in finding.message


def test_shipping_notice_for_an_order_still_awaiting_fulfilment():
    finding = only(lint(SHIPPED, context("pending")), "TRG003")
    assert ("order A-1004 has not shipped (order.status = 'awaiting_fulfillment', no order.shipped_at)"
            in finding.message)


def test_shipping_notice_with_nothing_saying_it_shipped_is_a_warning():
    finding = only(lint(SHIPPED, context("no-shipped-at")), "TRG003")
    assert finding.severity == Severity.WARNING
    assert "has no order.shipped_at and no order.status: nothing says it shipped" in finding.message


def test_delivery_notice_for_a_parcel_still_in_transit():
    html = email_with("<h1>Your package has been delivered</h1><p>It arrived today.</p>",
                      preheader="Delivered!", title="Delivered")
    report = lint(html, context("not-delivered"))
    finding = only(report, "TRG003")
    assert finding.message == ("Delivery notice says the order was delivered, but order A-1006 is still in transit "
                               "(order.status = 'in_transit', no order.delivered_at)")


def test_review_request_for_a_cancelled_order_and_before_delivery():
    html = email_with("<h1>How did you like it?</h1><p>Please leave a review.</p>", preheader="Rate your purchase")
    sent = {"send_at": "2024-05-02T09:00:00Z", "event": {"type": "review_request", "at": "2024-05-02T08:00:00Z"}}
    cancelled = only(lint(html, {**sent, "order": {"id": "A-9", "status": "voided"}}), "TRG003")
    assert cancelled.severity == Severity.ERROR and "order A-9 is cancelled" in cancelled.message
    early = only(lint(html, {**sent, "order": {"id": "A-9", "status": "shipped"}}), "TRG003")
    assert early.severity == Severity.WARNING and "order A-9 is still in transit" in early.message


def test_unknown_status_names_are_left_alone():
    ctx = {**context("fresh"), "order": {**context("fresh")["order"], "status": "with-the-fairies"}}
    assert codes(lint(SHIPPED, ctx)) == []


def test_shipping_template_sent_for_a_password_reset_event():
    finding = only(lint(SHIPPED, context("wrong-template")), "TRG003")
    assert finding.severity == Severity.WARNING
    assert finding.message == ("The preheader says 'is on its way' (a shipping notice), but this email is sent for "
                               "event.type 'password_reset', a password reset")


def test_configured_template_type_against_the_context_event_is_an_error(tmp_path):
    template = tmp_path / "shipped.html"
    template.write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")
    config = {"triggers": {"templates": {"shipped.html": "shipped"}}}
    finding = only(lint(template, context("wrong-template"), config=config), "TRG003")
    assert finding.severity == Severity.ERROR
    assert finding.message == ("This template is configured as a shipping notice, but the context's event.type is "
                               "'password_reset' (a password reset)")


# ---------------------------------------------------------------- TRG004 impossible timeline


def test_shipped_before_placed():
    finding = only(lint(SHIPPED, context("shipped-before-placed")), "TRG004")
    assert finding.message == ("Order A-1007 shipped before it was placed: order.shipped_at 2024-05-01 08:00Z is "
                               "24 hours before order.placed_at 2024-05-02 08:00Z")


def test_delivered_before_shipped():
    report = lint(SHIPPED, context("delivered-before-shipped"), select="TRG004")
    assert "Order A-1008 was delivered before it shipped" in only(report, "TRG004").message


def test_event_after_the_send_time():
    report = lint(SHIPPED, context("event-after-send"), select="TRG004")
    messages = [f.message for f in report.findings]
    assert messages == [
        "event.at 2024-05-02 11:00Z is 2 hours after the send time 2024-05-02 09:00Z: the email would announce "
        "something that has not happened yet",
        "order.shipped_at 2024-05-02 11:00Z is 2 hours after the send time 2024-05-02 09:00Z: the email would "
        "announce something that has not happened yet",
    ]


def test_clock_skew_within_tolerance_is_fine():
    ctx = {**context("shipped-before-placed")}
    ctx["order"] = {**ctx["order"], "shipped_at": "2024-05-02T07:57:00Z"}
    assert "TRG004" not in codes(lint(SHIPPED, ctx))
    assert "TRG004" in codes(lint(SHIPPED, ctx, config={"triggers": {"clock_skew_minutes": 1}}))


# ---------------------------------------------------------------- bad context values


def test_naive_timestamp_is_a_clear_error_not_a_crash():
    report = lint(SHIPPED, context("naive-timestamp"))
    assert set(codes(report)) == {"OOPS005"}
    assert "event.at '2024-05-02 08:12:00' has no timezone; add an offset (Z, +02:00) or set " \
           "[tool.oopslint.context] timezone" in report.findings[0].message
    assert report.exit_code == 1


def test_naive_timestamps_are_read_in_the_configured_timezone():
    report = lint(SHIPPED, context("naive-timestamp"), config={"context": {"timezone": "Europe/Berlin"}})
    assert codes(report) == []


def test_impossible_date_is_reported_as_such():
    report = lint(SHIPPED, context("bad-date"))
    assert set(codes(report)) == {"OOPS005"}
    assert "order.placed_at '2024-02-30T10:00:00Z' is not a real date or time (day is out of range for month)" \
        in report.findings[0].message


def test_renamed_context_fields():
    ctx = {"sent": "2024-05-02T09:00:00Z", "shipment": {"kind": "shipped", "when": "2019-03-01T10:00:00Z"}}
    config = {"context": {"fields": {"send_at": "sent", "event_type": "shipment.kind", "event_at": "shipment.when"}}}
    finding = only(lint(SHIPPED, ctx, config=config), "TRG001")
    assert "(shipment.when 2019-03-01 10:00Z, send time 2024-05-02 09:00Z)" in finding.message


# ---------------------------------------------------------------- command line


def test_check_with_context_file_reports_and_exits_1():
    result = run_cli("check", "--offline", "--select", "TRG", str(SHIPPED),
                     "--context", str(SHIPPED.parents[1] / "contexts" / "years-old.json"))
    out = result.stdout.decode()
    assert result.returncode == 1, result.stderr.decode()
    assert f"{SHIPPED}: TRG001 [error] Shipping notice for an event 5.2 years old" in out
    assert "= help: do not send shipping notices for old events" in out


def test_check_json_output_keeps_the_contract():
    result = run_cli("check", "--offline", "--select", "TRG", "--format", "json", str(SHIPPED),
                     "--context", str(SHIPPED.parents[1] / "contexts" / "cancelled.json"))
    data = json.loads(result.stdout)
    (finding,) = data["files"][0]["findings"]
    assert finding["code"] == "TRG003" and finding["rule"] == "status-mismatch"
    assert data["summary"]["error"] == 1 and "batch" not in data


def test_bad_option_value_is_a_configuration_error(tmp_path):
    (tmp_path / "oopslint.toml").write_text('[triggers]\nmax_age = {shipped = "three days"}\n', encoding="utf-8")
    (tmp_path / "a.html").write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "ctx.json").write_text(json.dumps(context("fresh")), encoding="utf-8")
    result = run_cli("check", "--offline", "--select", "TRG", "a.html", "--context", "ctx.json", cwd=tmp_path)
    assert result.returncode == 2
    err = result.stderr.decode()
    assert "max_age.shipped: 'three days' is not a duration" in err and "Traceback" not in err


def test_explain_documents_the_rule():
    result = run_cli("explain", "TRG002")
    out = result.stdout.decode()
    assert result.returncode == 0
    assert out.startswith("TRG002 old-order")
    assert "old_order_days = 30" in out and "Why is this bad?" in out


def test_a_shipping_notice_may_thank_for_the_order():
    html = email_with("<h1>Thanks for your order!</h1><p>Good news: it has shipped.</p>", preheader="Thank you!")
    assert codes(lint(html, context("fresh"))) == []
