"""Finding the codes an email promises, and never taking a capitalised word for one."""

from __future__ import annotations

import pytest

from .conftest import file_config, found, lint, promo
from .providers import Answer


def codes_checked(report):
    """Codes that were looked up, by the rule that reports unknown ones (none exist in this file)."""
    return sorted(f.data["code"] for f in found(report, "CPN001"))


@pytest.mark.parametrize(
    "copy, code",
    [
        ("<p>Use code <strong>SPRING24</strong> at checkout.</p>", "SPRING24"),
        ('<p>Promo code: <span style="border:1px dashed #999">Q4-DEAL-77</span></p>', "Q4-DEAL-77"),
        ('<p>Your coupon code is "HELLO15".</p>', "HELLO15"),
        ("<p>Enter FALL2026 at checkout for your discount.</p>", "FALL2026"),
        ("<p>Save with code <b>summer10</b> today.</p>", "summer10"),
        ("<p>Discount code&nbsp;<strong>NEWBIE5</strong></p>", "NEWBIE5"),
        ("<p>Mit dem Gutscheincode <strong>WINTER15</strong> sparen Sie.</p>", "WINTER15"),
        ("<p>Utilisez le code promo <strong>HIVER15</strong>.</p>", "HIVER15"),
        ('<p><span data-coupon="VIPONLY">Your members-only offer</span></p>', "VIPONLY"),
        # intro words in capitals, with accents, and with letters that match only case-insensitively
        # (a long s, a dotless i): the quick look before the phrase search must not miss them
        ("<p>USE CODE <b>LOUD20</b> NOW</p>", "LOUD20"),
        ("<p>Usa el CÓDIGO <strong>VERANO24</strong> al pagar.</p>", "VERANO24"),
        ("<p>Usa o cupom <strong>BRASIL10</strong>.</p>", "BRASIL10"),
        ("<p>Mit dem Gut\u017fcheincode <strong>ALTDE12</strong> sparen.</p>", "ALTDE12"),
        ("<p>Usa il cod\u0131ce <strong>ROMA33</strong> al checkout.</p>", "ROMA33"),
    ],
)
def test_codes_are_found_in_phrases_markup_and_languages(copy, code):
    report = lint(promo(copy), file_config())
    assert codes_checked(report) == [code]
    assert found(report, "CPN001")[0].line == 314


@pytest.mark.parametrize(
    "link, code",
    [
        ("https://shop.example.com/discount/BLACKFRIDAY26", "BLACKFRIDAY26"),
        ("https://shop.example.com/cart?discount=TAKE10", "TAKE10"),
        ("https://shop.example.com/?promo_code=AB12CD", "AB12CD"),
        ("https://checkout.example.com/pay?prefilled_promo_code=STRIPE5", "STRIPE5"),
        ("https://shop.example.com/?coupon=SAVE-7", "SAVE-7"),
    ],
)
def test_links_that_apply_a_code_are_read(link, code):
    report = lint(promo("<p>Hi there</p>", link=link), file_config())
    assert codes_checked(report) == [code]
    assert found(report, "CPN001")[0].line == 322


def test_configured_link_pattern():
    config = file_config(link_patterns=[r"/redeem/([A-Z0-9]+)"])
    report = lint(promo("<p>Hi</p>", link="https://shop.example.com/redeem/GIFT42"), config)
    assert codes_checked(report) == ["GIFT42"]


def test_capitalised_words_are_never_codes():
    copy = (
        "<p>Our winter collection is LIVE and READY. FREE shipping on NEW arrivals, SALE ends soon!</p>"
        "<p><strong>FREE</strong> <b>NEW</b> <span style='border:1px solid red'>SALE</span> "
        "Check out our promo page. Order NOW.</p>"
    )
    report = lint(promo(copy), file_config())
    assert [f for f in report.findings if f.code.startswith("CPN")] == []


def test_the_same_code_in_a_link_and_the_text_is_one_code_looked_up_once(providers):
    from .conftest import remote_config

    provider = providers(lambda seen: Answer(404, {"error": "no such code"}))
    config = remote_config("http", {"url": provider.origin + "/codes/{code}"})
    html = promo(
        "<p>Use code <strong>WINTER20</strong> at checkout.</p>", link="https://shop.example.com/discount/WINTER20"
    )
    report = lint(html, config)
    unknown = found(report, "CPN001")
    assert len(unknown) == 1
    assert unknown[0].data["lines"] == [314, 322]
    assert len(provider.seen) == 1


def test_a_clean_real_email_has_no_coupon_findings():
    report = lint(promo("<p>Hi there, thanks for reading our newsletter.</p>"), file_config())
    assert [f for f in report.findings if f.code.startswith("CPN")] == []
