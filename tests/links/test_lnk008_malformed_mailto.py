"""LNK008 malformed-mailto: mailto: link has a missing or malformed address."""

from __future__ import annotations

import pytest

from oopslint import Linter

from .offline_helpers import email_with, found, lint


@pytest.mark.parametrize(
    "url,message,suggestion",
    [
        (
            "mailto:support@acme",
            "Malformed mailto: address 'support@acme': has no top-level domain after the @ (acme)",
            None,
        ),
        ("mailto:support.acme.com", "'support.acme.com': has no @", None),
        ("mailto:a@@acme.com", "has more than one @", None),
        ("mailto:a@b.com;c@d.com", "separates addresses with ';' where mailto: uses ','", "mailto:a@b.com,c@d.com"),
        ("mailto:Acme Support <support@acme.com>", "has a display name", "mailto:support@acme.com"),
        ("mailto:sup port@acme.com", "contains a space", "mailto:support@acme.com"),
        ("mailto:.support@acme.com", "has characters an address cannot have before the @", None),
        ("mailto:support@acme..com", "has an invalid domain (acme..com)", None),
        ("mailto:@acme.com", "has nothing before the @", None),
        ("mailto://support@acme.com", "has '//' after mailto:", "mailto:support@acme.com"),
        ("mailto:ok@acme.com?cc=bad-address", "'bad-address': has no @", None),
    ],
)
def test_malformed_mailto(url, message, suggestion):
    (finding,) = lint(email_with(f'<a href="{url}">Email us</a>'), select=["LNK008"]).findings
    assert message in finding.message
    assert finding.suggestion == suggestion


@pytest.mark.parametrize(
    "url",
    [
        "mailto:support@acme.com",
        "mailto:a@acme.com,b@acme.co.uk",
        "mailto:support@acme.com?subject=Hi%20there&body=x",
        "mailto:?to=support@acme.com&subject=Hi",
        "mailto:%22john%20doe%22@acme.com",
        "mailto:jörg@bücher.de",
        "mailto:first.last+tag@sub.acme.io",
        "mailto:{{ support_email }}",
    ],
)
def test_good_mailto_links_are_not_reported(url):
    assert lint(email_with(f'<a href="{url}">Email us</a>'), mode="template", select=["LNK008"]).findings == []


def test_mailto_without_address():
    html = email_with('<a href="mailto:">support@acme.com</a>')
    assert found(lint(html, select=["LNK008"])) == [
        (
            "LNK008",
            "error",
            'mailto: link has no address, so it opens an empty draft (the text says "support@acme.com")',
        )
    ]
    assert found(lint(html, mode="template", select=["LNK008"]))[0][1] == "warning"


def test_mailto_without_address_in_the_real_mailgun_billing_template(corpus):
    report = Linter({"select": ["LNK008"]}, mode="template", offline=True).lint_paths(
        [str(corpus / "mailgun" / "billing.source.html")]
    )
    assert [(f.code, str(f.severity), f.message, f.suggestion) for f in report.findings] == [
        (
            "LNK008",
            "warning",
            'mailto: link has no address, so it opens an empty draft (the text says "support@acme.inc")',
            "mailto:support@acme.inc",
        ),
    ]
