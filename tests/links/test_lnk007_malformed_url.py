"""LNK007 malformed-url: Link or image address is malformed or relative."""

from __future__ import annotations

import pytest

from .offline_helpers import email_with, found, lint


@pytest.mark.parametrize(
    "url,message,suggestion",
    [
        (
            "/account",
            "Relative link /account: an email has no address to resolve it against; use an absolute https:// URL",
            None,
        ),
        ("account.html", "Relative link account.html: an email has no address", None),
        (
            "www.acme.com",
            "Malformed link: www.acme.com has no https://, so it is read as a relative path",
            "https://www.acme.com",
        ),
        ("acme.com/sale", "Malformed link: acme.com/sale has no https://", "https://acme.com/sale"),
        (
            "//acme.com/sale",
            "Protocol-relative link //acme.com/sale: an email has no page to take http or https from",
            "https://acme.com/sale",
        ),
        ("http//acme.com", "Malformed link: http//acme.com is missing the ':' after http", "http://acme.com"),
        ("https:/acme.com", "Malformed link: https:/acme.com needs // after https:", "https://acme.com"),
        (
            "https:///acme.com",
            "Malformed link: https:///acme.com has too many slashes after https:",
            "https://acme.com",
        ),
        (
            "htps://acme.com",
            "Malformed link: unknown scheme htps: in htps://acme.com; did you mean https://?",
            "https://acme.com",
        ),
        ("htttp://acme.com", "did you mean http://?", "http://acme.com"),
        ("https://acme..com/x", "Malformed link: the host 'acme..com' has an empty part (two dots in a row)", None),
        ("https://ac me.com/x", "has characters a domain name cannot have", None),
        ("https://acme.com:99999/", "Malformed link: https://acme.com:99999/ cannot be parsed", None),
        ("https://acme.com:65536/x", "Malformed link: https://acme.com:65536/x cannot be parsed", None),
        ("https://-acme.com/x", "Malformed link: the host '-acme.com' has characters a domain name cannot have", None),
        ("HTTPS://Acme.123/x", "Malformed link: the host 'acme.123' does not end in a top-level domain", None),
        ("https:///", "Malformed link: https:/// has too many slashes", "https://"),
        (
            "https://acme.com/a b",
            "Malformed link: 'https://acme.com/a b' contains whitespace",
            "https://acme.com/a%20b",
        ),
        ("https:\\\\acme.com", "needs // after https:", None),
        ("javascript:void(0)", "javascript: link: email clients remove scripts, so this link does nothing", None),
        (
            "file:///C:/Users/me/offer.pdf",
            "Malformed link: file:///C:/Users/me/offer.pdf is a file on the sender's computer",
            None,
        ),
        ("C:\\Users\\me\\offer.pdf", "is a path on the sender's computer", None),
        ("", "Empty link: the href has no address", None),
    ],
)
def test_malformed_urls(url, message, suggestion):
    (finding,) = lint(email_with(f'<a href="{url}">Open</a>'), select=["LNK007"]).findings
    assert message in finding.message
    if suggestion:
        assert finding.suggestion == suggestion


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.com/",
        "https://xn--bcher-kva.example/",
        "https://bücher.de/",
        "https://acme.com:8443/x?y=1#z",
        "HTTPS://Shop.Acme.COM:65535/a/b.html?utm_source=email&c=%20x#top",
        "http://127.0.0.1:8080/product/1",
        "mailto:a@b.co",
        "tel:+1555",
        "sms:+1555",
        "#top",
        "https://[2001:db8::1]/",
        "webcal://acme.com/cal.ics",
        "whatsapp://send?text=hi",
        "itms-apps://itunes.apple.com/app/id1",
        "ftp://files.acme.com/x",
        "https://sub_domain.acme.com/",
        "myapp://open/offer",
    ],
)
def test_well_formed_urls_are_not_reported(url):
    assert lint(email_with(f'<a href="{url}">Open</a>'), select=["LNK007"]).findings == []


def test_relative_urls_are_fine_with_a_base_and_images_are_checked_too():
    assert lint(email_with('<base href="https://acme.com/"><a href="/account">x</a>'), select=["LNK007"]).findings == []
    (finding,) = lint(email_with('<img src="images/logo.png" alt="Acme">'), select=["LNK007"]).findings
    assert finding.message.startswith("Relative image source images/logo.png")
    assert (
        lint(
            email_with('<img src="cid:logo" alt=""><img src="data:image/png;base64,AAAA" alt="">'), select=["LNK007"]
        ).findings
        == []
    )


def test_empty_href_is_a_warning_in_a_template_and_merge_tags_are_not_judged():
    html = email_with('<a href="">Open</a> <a href="{{ url }}">x</a> <a href="{{ base }}/path">y</a>')
    assert found(lint(html, mode="template", select=["LNK007"])) == [
        ("LNK007", "warning", "Empty link: the href has no address")
    ]
