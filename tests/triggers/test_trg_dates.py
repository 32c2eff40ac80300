"""TRG005: dates printed in the email, read the way a recipient reads them."""

from __future__ import annotations

from oopslint_testing import run_cli

from oopslint import Severity

from .helpers import SHIPPED, SHIPPED_2016, codes, email_with, lint, locate, only

SENT_2024 = {"send_at": "2024-05-02T09:00:00Z"}


def test_rendered_2016_shipping_notice_is_stale_without_any_context():
    html = SHIPPED_2016.read_text(encoding="utf-8")
    report = lint(SHIPPED_2016, mode="rendered")
    stale = [f for f in report.findings if f.code == "TRG005"]
    assert [f.data["printed"] for f in stale] == ["Aug 21, 2016", "aug 28, 2016"]
    shipped = stale[1]
    assert shipped.severity == Severity.ERROR
    # the zero-width non-joiner inside the date is not part of what the reader sees
    assert (shipped.line, shipped.column) == locate(html, "aug&zwnj; 28, 2016")
    assert shipped.message.startswith("Shipping date 'aug 28, 2016' is ")
    assert shipped.message.endswith("in a shipping notice it may be at most 3 days old")
    order = stale[0]
    assert order.message.startswith("Order date 'Aug 21, 2016' is ")
    assert order.message.endswith("in a shipping notice it may be at most 33 days old")


def test_cli_reports_the_stale_dates_with_line_and_column():
    html = SHIPPED_2016.read_text(encoding="utf-8")
    line, column = locate(html, "aug&zwnj; 28, 2016")
    result = run_cli("check", "--offline", "--rendered", "--select", "TRG005", str(SHIPPED_2016))
    assert result.returncode == 1
    out = result.stdout.decode()
    assert f"shipped-2016.html:{line}:{column}: TRG005 [error] Shipping date 'aug 28, 2016' is " in out


def test_the_same_dates_are_fine_when_sent_on_time():
    assert codes(lint(SHIPPED_2016, {"send_at": "2016-08-29T10:00:00Z"}, mode="rendered")) == []


def test_template_with_merge_tags_for_dates_is_quiet():
    assert codes(lint(SHIPPED, {})) == []


def _ordered_on(date_text: str, **kwargs) -> str:
    return email_with(f"<h1>Your order has shipped!</h1><p>Ordered on {date_text}, shipped today.</p>", **kwargs)


def test_ambiguous_numeric_date_is_reported_as_such_not_guessed():
    sent = {"send_at": "2021-04-20T09:00:00Z"}
    report = lint(_ordered_on("03/04/2021"), sent)
    finding = only(report, "TRG005")
    assert finding.severity == Severity.INFO
    assert finding.message == (
        "Could not verify the order date '03/04/2021': it reads as 4 March 2021 or "
        "3 April 2021, and only one of them is older than a shipping notice allows"
    )
    assert finding.data["ambiguous"] is True


def test_day_month_order_comes_from_lang():
    sent = {"send_at": "2021-04-20T09:00:00Z"}
    us = only(lint(_ordered_on("03/04/2021", lang="en-US"), sent), "TRG005")
    assert us.severity == Severity.ERROR and us.data["readings"] == ["2021-03-04"]
    assert codes(lint(_ordered_on("03/04/2021", lang="en-GB"), sent)) == []
    assert codes(lint(_ordered_on("03/04/2021", lang="de"), sent)) == []


def test_day_month_order_from_config_wins():
    sent = {"send_at": "2021-04-20T09:00:00Z"}
    html = _ordered_on("03/04/2021", lang="en-US")
    assert codes(lint(html, sent, config={"triggers": {"date_order": "dmy"}})) == []


def test_ambiguous_date_that_is_stale_either_way_is_an_error():
    finding = only(lint(_ordered_on("03/04/2021"), SENT_2024), "TRG005")
    assert finding.severity == Severity.ERROR
    assert "(read either way: 4 March 2021 or 3 April 2021)" in finding.message


def test_unambiguous_numeric_dates_need_no_order():
    finding = only(lint(_ordered_on("28/08/2016"), SENT_2024), "TRG005")
    assert finding.data["readings"] == ["2016-08-28"]


def test_iso_and_long_forms():
    html = email_with(
        "<h1>Your package has been delivered</h1><p>Delivered 2016-08-31T14:02:00Z to your door.</p>"
        "<p>Order placed: Monday, August 22nd 2016</p>",
        preheader="Delivered",
        title="Delivered",
    )
    report = lint(html, SENT_2024)
    printed = [f.data["printed"] for f in report.findings if f.code == "TRG005"]
    assert printed == ["2016-08-31T14:02:00Z", "Monday, August 22nd 2016"]
    assert all(f.data["event_type"] == "delivered" for f in report.findings)


def test_date_split_across_inline_elements_and_zero_width_characters():
    html = email_with("<h1>Your order has shipped!</h1><p>Shipped on <b>Aug</b>&#8203; <span>28</span>, 2016.</p>")
    finding = only(lint(html, SENT_2024), "TRG005")
    assert finding.data["printed"] == "Aug 28, 2016"


def test_date_without_a_year_is_read_near_the_send_time_as_a_warning():
    html = email_with("<h1>Your order has shipped!</h1><p>Shipped on Aug 28.</p>")
    finding = only(lint(html, {"send_at": "2024-09-20T09:00:00Z"}), "TRG005")
    assert finding.severity == Severity.WARNING
    assert "(no year; read as 28 August 2024)" in finding.message
    assert codes(lint(html, {"send_at": "2024-08-29T09:00:00Z"})) == []


def test_deadlines_and_unlabelled_dates_are_not_event_dates():
    html = email_with(
        "<h1>Your order has shipped!</h1>"
        "<p>Here's 10% off your next purchase if used by June 30, 2016.</p>"
        "<p>Member since March 2, 2011. Prices valid until Jan 1, 2016.</p>"
    )
    assert codes(lint(html, SENT_2024)) == []


def test_no_event_type_no_judgement():
    html = email_with(
        "<h1>Hello from Acme</h1><p>Ordered on 03/04/2016 and shipped on 2016-04-05.</p>",
        preheader="News",
        title="News",
    )
    assert codes(lint(html, SENT_2024)) == []


def _eml(date_header: str) -> bytes:
    html = SHIPPED_2016.read_text(encoding="utf-8")
    head = (
        f"From: Shop <shop@example.com>\r\nTo: ada@example.com\r\nSubject: Your order has shipped\r\n"
        f"Date: {date_header}\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    )
    return head.encode() + html.encode()


def test_an_eml_is_judged_at_its_own_date_header(tmp_path):
    on_time = tmp_path / "on-time.eml"
    on_time.write_bytes(_eml("Mon, 29 Aug 2016 10:00:00 +0000"))
    assert codes(lint(on_time, mode="rendered")) == []
    late = tmp_path / "late.eml"
    late.write_bytes(_eml("Thu, 02 May 2024 09:00:00 +0000"))
    report = lint(late, mode="rendered")
    assert [f.data["printed"] for f in report.findings] == ["Aug 21, 2016", "aug 28, 2016"]
    assert "send time 2024-05-02 09:00Z" in report.findings[1].message
