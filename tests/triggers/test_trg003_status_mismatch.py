"""TRG003 status-mismatch: The email says one thing, the order data another."""

from __future__ import annotations

import json

from oopslint_testing import run_cli

from oopslint import Severity

from .helpers import SHIPPED, context, email_with, lint, only


def test_shipping_notice_for_a_cancelled_order():
    finding = only(lint(SHIPPED, context("cancelled")), "TRG003")
    assert finding.severity == Severity.ERROR
    assert finding.message == (
        "Shipping notice says the order shipped, but order A-1002 is cancelled (order.status = 'Cancelled')"
    )


def test_shipping_notice_for_a_refunded_order():
    finding = only(lint(SHIPPED, context("refunded")), "TRG003")
    assert "order A-1003 is refunded (order.status = 'refunded')" in finding.message


def test_shipping_notice_for_an_order_still_awaiting_fulfilment():
    finding = only(lint(SHIPPED, context("pending")), "TRG003")
    assert (
        "order A-1004 has not shipped (order.status = 'awaiting_fulfillment', no order.shipped_at)" in finding.message
    )


def test_shipping_notice_with_nothing_saying_it_shipped_is_a_warning():
    finding = only(lint(SHIPPED, context("no-shipped-at")), "TRG003")
    assert finding.severity == Severity.WARNING
    assert "has no order.shipped_at and no order.status: nothing says it shipped" in finding.message


def test_delivery_notice_for_a_parcel_still_in_transit():
    html = email_with(
        "<h1>Your package has been delivered</h1><p>It arrived today.</p>", preheader="Delivered!", title="Delivered"
    )
    report = lint(html, context("not-delivered"))
    finding = only(report, "TRG003")
    assert finding.message == (
        "Delivery notice says the order was delivered, but order A-1006 is still in transit "
        "(order.status = 'in_transit', no order.delivered_at)"
    )


def test_review_request_for_a_cancelled_order_and_before_delivery():
    html = email_with("<h1>How did you like it?</h1><p>Please leave a review.</p>", preheader="Rate your purchase")
    sent = {"send_at": "2024-05-02T09:00:00Z", "event": {"type": "review_request", "at": "2024-05-02T08:00:00Z"}}
    cancelled = only(lint(html, {**sent, "order": {"id": "A-9", "status": "voided"}}), "TRG003")
    assert cancelled.severity == Severity.ERROR and "order A-9 is cancelled" in cancelled.message
    early = only(lint(html, {**sent, "order": {"id": "A-9", "status": "shipped"}}), "TRG003")
    assert early.severity == Severity.WARNING and "order A-9 is still in transit" in early.message


def test_shipping_template_sent_for_a_password_reset_event():
    finding = only(lint(SHIPPED, context("wrong-template")), "TRG003")
    assert finding.severity == Severity.WARNING
    assert finding.message == (
        "The preheader says 'is on its way' (a shipping notice), but this email is sent for "
        "event.type 'password_reset', a password reset"
    )


def test_configured_template_type_against_the_context_event_is_an_error(tmp_path):
    template = tmp_path / "shipped.html"
    template.write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")
    config = {"triggers": {"templates": {"shipped.html": "shipped"}}}
    finding = only(lint(template, context("wrong-template"), config=config), "TRG003")
    assert finding.severity == Severity.ERROR
    assert finding.message == (
        "This template is configured as a shipping notice, but the context's event.type is "
        "'password_reset' (a password reset)"
    )


def test_check_json_output_keeps_the_contract():
    result = run_cli(
        "check",
        "--offline",
        "--select",
        "TRG",
        "--format",
        "json",
        str(SHIPPED),
        "--context",
        str(SHIPPED.parents[1] / "contexts" / "cancelled.json"),
    )
    data = json.loads(result.stdout)
    (finding,) = data["files"][0]["findings"]
    assert finding["code"] == "TRG003" and finding["rule"] == "status-mismatch"
    assert data["summary"]["error"] == 1 and "batch" not in data
