"""Each CPN rule on a realistic promotion, judged against the coupon file."""

from __future__ import annotations

from pathlib import Path

import oopslint

from .conftest import ROOT, file_config, found, lint, promo

CORPUS = ROOT / "fixtures" / "corpus"


def test_cpn001_unknown_code_is_an_error_naming_the_source():
    report = lint(promo("<p>Use code <strong>NOPE99</strong> for 20% off.</p>"), file_config())
    [finding] = found(report, "CPN001")
    assert finding.severity == oopslint.Severity.ERROR
    assert finding.message == "coupon code NOPE99 does not exist in coupons.csv"
    assert finding.line == 314


def test_cpn002_expired_at_send_time():
    report = lint(promo("<p>Use code <strong>OLDCODE</strong> today.</p>"), file_config())
    [finding] = found(report, "CPN002")
    assert "expired on Dec 31, 2025 23:59 UTC, before the send at Nov 20, 2026 09:00 UTC" in finding.message


def test_cpn002_not_started_and_inactive():
    report = lint(
        promo("<p>Use code <strong>WINTER20</strong> or code <strong>PAUSED10</strong>.</p>"),
        file_config(),
        context={"send_at": "2026-10-15T09:00:00Z"},
    )
    messages = sorted(f.message for f in found(report, "CPN002"))
    assert messages == [
        "coupon code PAUSED10 is not active in coupons.csv",
        "coupon code WINTER20 only starts on Nov 1, 2026 00:00 UTC, after the send at Oct 15, 2026 09:00 UTC",
    ]


def test_cpn002_no_redemptions_left():
    report = lint(promo("<p>Use code <strong>GONE50</strong>.</p>"), file_config())
    [finding] = found(report, "CPN002")
    assert finding.message == "coupon code GONE50 has no redemptions left (100 of 100 used)"
    assert found(report, "CPN005") == []


def test_cpn003_ends_before_the_date_the_email_states():
    copy = "<p>Use code <strong>XMAS15</strong> for 15% off, valid through December 31, 2026.</p>"
    report = lint(promo(copy), file_config())
    [finding] = found(report, "CPN003")
    assert finding.message == (
        "coupon code XMAS15 ends on Dec 24, 2026 23:59 UTC in coupons.csv, "
        "but the email says 'valid through December 31, 2026'"
    )
    assert found(report, "CPN004") == []


def test_cpn003_ends_within_the_minimum_validity():
    copy = "<p>Use code <strong>FLASH30</strong> for 30% off.</p>"
    report = lint(promo(copy), file_config(), context={"send_at": "2026-11-20T21:00:00Z"})
    [finding] = found(report, "CPN003")
    assert finding.message.startswith("coupon code FLASH30 ends 3.0 hours after the send")
    relaxed = lint(promo(copy), file_config(minimum_validity="2h"), context={"send_at": "2026-11-20T21:00:00Z"})
    assert found(relaxed, "CPN003") == []


def test_cpn003_quiet_when_the_shop_covers_the_stated_day():
    copy = "<p>Use code <strong>WINTER20</strong> for 20% off, valid through 12/31/2026.</p>"
    assert found(lint(promo(copy), file_config()), "CPN003") == []


def test_cpn004_percentage_differs():
    copy = "<h2>25% off everything</h2><p>Use code <strong>WINTER20</strong> at checkout.</p>"
    [finding] = found(lint(promo(copy), file_config()), "CPN004")
    assert finding.message == "coupon code WINTER20: the email says '25% off', the shop gives 20% off"
    assert finding.severity == oopslint.Severity.ERROR


def test_cpn004_kind_and_currency_and_free_shipping():
    report = lint(promo("<p>Save 10% with code <strong>TENOFF</strong>.</p>"), file_config())
    assert (
        found(report, "CPN004")[0].message == "coupon code TENOFF: the email says 'Save 10%', the shop gives 10 USD off"
    )
    report = lint(promo("<p>Get €10 off with code <strong>TENOFF</strong>.</p>"), file_config())
    assert "(EUR), the shop gives 10 USD off" in found(report, "CPN004")[0].message
    report = lint(promo("<p>Free shipping with code <strong>WINTER20</strong>, plus 20% off.</p>"), file_config())
    assert found(report, "CPN004")[0].message == (
        "coupon code WINTER20: the email promises 'Free shipping', "
        "but the code does not include free shipping in the shop"
    )


def test_cpn004_quiet_when_copy_and_shop_agree_and_on_up_to_claims():
    copy = (
        "<p>Take 20% off with code <strong>WINTER20</strong>.</p>"
        "<p>Up to 50% off in the outlet. Free shipping with code <strong>SHIPFREE</strong>.</p>"
        "<p>$10 off orders over $50 with code <strong>TENOFF</strong>.</p>"
    )
    report = lint(promo(copy), file_config())
    assert [f for f in report.findings if f.code.startswith("CPN")] == []


def test_cpn005_fewer_redemptions_than_the_audience():
    copy = "<p>Use code <strong>WINTER20</strong> for 20% off.</p>"
    report = lint(promo(copy), file_config(), context={"audience_size": 60000})
    [finding] = found(report, "CPN005")
    assert finding.severity == oopslint.Severity.WARNING
    assert finding.message == (
        "coupon code WINTER20 has 48,800 redemptions left (1,200 of 50,000 used) for an audience of 60,000"
    )
    assert found(lint(promo(copy), file_config(), context={"audience_size": 40000}), "CPN005") == []


def test_cpn007_no_source_configured_says_so_once():
    copy = "<p>Use code <strong>WINTER20</strong>. Or promo code: SPRING24</p>"
    report = lint(promo(copy), {"select": ["CPN"]})
    [finding] = found(report, "CPN007")
    assert finding.severity == oopslint.Severity.INFO
    assert finding.message == (
        "coupon codes SPRING24, WINTER20 not checked: no coupon source is configured ([tool.oopslint.coupons] source)"
    )


def test_cpn007_merge_tag_code_in_a_template_and_per_recipient_check():
    copy = "<p>Your personal code: use code <strong>{{ coupon_code }}</strong> at checkout.</p>"
    report = lint(promo(copy), file_config(), mode="template")
    [finding] = found(report, "CPN007")
    assert "merge tag filled per recipient" in finding.message
    per_recipient = lint(promo(copy), file_config(), mode="template", context={"coupon_code": "NOPE99"})
    assert [f.message for f in found(per_recipient, "CPN001")] == ["coupon code NOPE99 does not exist in coupons.csv"]


def test_the_file_source_runs_offline():
    report = lint(promo("<p>Use code <strong>NOPE99</strong>.</p>"), file_config(), offline=True)
    assert [f.code for f in report.findings] == ["CPN001"]


def test_every_clean_corpus_email_is_quiet():
    for path in sorted(CORPUS.glob("*/*.html")):
        report = oopslint.lint(Path(path), config=file_config(), mode="template", offline=True)
        cpn = [(f.code, f.message) for f in report.findings if f.code.startswith(("CPN", "OOPS"))]
        assert cpn == [], (path.name, cpn)
