"""TRG001 stale-trigger: The event this email announces is too old to announce."""

from __future__ import annotations

from oopslint_testing import run_cli

import oopslint

from .helpers import CORPUS, SHIPPED, codes, email_with, lint, only


def test_event_time_falls_back_to_the_order_timestamp_of_the_type():
    ctx = {
        "send_at": "2024-05-02T09:00:00Z",
        "order": {"placed_at": "2024-04-20T09:00:00Z", "shipped_at": "2024-04-25T09:00:00Z", "status": "shipped"},
    }
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
        '[triggers]\ntemplates = {"emails/reviews/*.html" = "review_request"}\n', encoding="utf-8"
    )
    ctx = {"send_at": "2024-05-02T09:00:00Z", "order": {"delivered_at": "2024-02-01T09:00:00Z"}}
    report = oopslint.lint(template, context=ctx, config=tmp_path / "oopslint.toml", mode="template", offline=True)
    finding = only(report, "TRG001")
    assert finding.message.startswith("Review request for an event 91 days old (order.delivered_at")
    assert finding.data["type_source"] == "config"


def test_hedged_phrases_do_not_make_an_order_confirmation_a_shipping_notice():
    html = email_with(
        "<h1>Thanks for your order!</h1><p>We'll email you as soon as it has shipped. "
        "Once it is on its way you can track your package.</p>",
        preheader="Your order is confirmed",
        title="Order confirmed",
    )
    ctx = {"send_at": "2024-05-02T09:00:00Z", "order": {"placed_at": "2024-03-20T09:00:00Z"}}
    report = lint(html, ctx)
    assert codes(report) == ["TRG001"]  # an old order confirmation, not an old-order shipping notice
    assert report.findings[0].message.startswith("Order confirmation for an event 43 days old")


def test_renamed_context_fields():
    ctx = {"sent": "2024-05-02T09:00:00Z", "shipment": {"kind": "shipped", "when": "2019-03-01T10:00:00Z"}}
    config = {"context": {"fields": {"send_at": "sent", "event_type": "shipment.kind", "event_at": "shipment.when"}}}
    finding = only(lint(SHIPPED, ctx, config=config), "TRG001")
    assert "(shipment.when 2019-03-01 10:00Z, send time 2024-05-02 09:00Z)" in finding.message


def test_check_with_context_file_reports_and_exits_1():
    result = run_cli(
        "check",
        "--offline",
        "--select",
        "TRG",
        str(SHIPPED),
        "--context",
        str(SHIPPED.parents[1] / "contexts" / "years-old.json"),
    )
    out = result.stdout.decode()
    assert result.returncode == 1, result.stderr.decode()
    assert f"{SHIPPED}: TRG001 [error] Shipping notice for an event 5.2 years old" in out
    assert "= help: do not send shipping notices for old events" in out
