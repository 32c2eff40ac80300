"""LNK007 malformed-url: Link or image address is malformed or relative."""

from __future__ import annotations

import pytest
from oopslint_testing import assert_read

from oopslint import Linter

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
        (
            "https://acme.com/a b",
            "Malformed link: 'https://acme.com/a b' contains whitespace",
            "https://acme.com/a%20b",
        ),
        ("https:\\\\acme.com", "needs // after https:", None),
        (
            "http://https://acme.com/sale?src=mail",
            "Malformed link: http://https://acme.com/sale?src=mail has its scheme twice",
            "https://acme.com/sale?src=mail",
        ),
        (
            "file:///C:/Users/me/offer.pdf",
            "Malformed link: file:///C:/Users/me/offer.pdf is a file on the sender's computer",
            None,
        ),
        ("C:\\Users\\me\\offer.pdf", "is a path on the sender's computer", None),
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


@pytest.mark.parametrize(
    "src,message",
    [
        ("https:///", "Malformed image source: https:/// has too many slashes after https:"),
        ("http://", "Malformed image source: http:// has no host"),
        (
            "javascript:void(0)",
            "javascript: image source: email clients remove scripts, so this image source does nothing",
        ),
        ("", "Empty image source: the src has no address"),
    ],
)
def test_image_sources_that_go_nowhere_are_malformed(src, message):
    # an image has no dead-href rule: these are LNK007's alone (LNK005 does not add "insecure" to http://)
    html = email_with(f'<img src="{src}" alt="Acme">')
    (finding,) = lint(html, select=["LNK", "TPL005"]).findings
    assert (finding.code, finding.message) == ("LNK007", message)


@pytest.mark.parametrize(
    "href",
    ["", " ", "#", "javascript:void(0)", "JavaScript:openChat()", "data:text/html,hi", "http://", "https:///", "//"],
)
def test_a_link_that_goes_nowhere_is_one_finding_of_dead_href(href):
    html = email_with(f'<p>Questions? <a href="{href}">Contact us</a> any time.</p>')
    report = assert_read(Linter({}, mode="rendered", offline=True).lint(html, path="email.html"))
    on_the_link = [f.code for f in report.findings if f.line == 3 and f.code.startswith(("LNK", "TPL"))]
    assert on_the_link == ["TPL005"]


def test_empty_image_source_is_a_warning_in_a_template_and_merge_tags_are_not_judged():
    html = email_with('<img src="" alt="Acme"> <a href="{{ url }}">x</a> <img src="{{ base }}/logo.png" alt="Acme">')
    assert found(lint(html, mode="template", select=["LNK007"])) == [
        ("LNK007", "warning", "Empty image source: the src has no address")
    ]


def test_a_doubled_scheme_is_one_finding_not_a_local_host_named_https():
    html = email_with('<p>Details: <a href="http://https://acme.com/event/meetup">acme.com</a>.</p>')
    assert [(f.code, f.message) for f in lint(html).findings] == [
        ("LNK007", "Malformed link: http://https://acme.com/event/meetup has its scheme twice")
    ]
