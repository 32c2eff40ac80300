"""TRG004 impossible-timeline: The order's timestamps cannot all be true."""

from __future__ import annotations

from .helpers import SHIPPED, codes, context, lint, only


def test_shipped_before_placed():
    finding = only(lint(SHIPPED, context("shipped-before-placed")), "TRG004")
    assert finding.message == (
        "Order A-1007 shipped before it was placed: order.shipped_at 2024-05-01 08:00Z is "
        "24 hours before order.placed_at 2024-05-02 08:00Z"
    )


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
