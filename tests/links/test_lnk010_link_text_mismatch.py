"""LNK010 link-text-mismatch: Link text shows a different address than the link."""

from __future__ import annotations

import pytest

from .offline_helpers import email_with, lint


@pytest.mark.parametrize(
    "href,text,message",
    [
        ("https://acme-login.net/", "www.acme.com", "Link text shows www.acme.com but the link goes to acme-login.net"),
        (
            "https://evil.example.net/",
            "https://paypal.com/signin",
            "Link text shows paypal.com but the link goes to evil.example.net",
        ),
        ("https://acme.com/", "acme.shop", "Link text shows acme.shop but the link goes to acme.com"),
        (
            "mailto:sales@acme.com",
            "support@acme.com",
            "Link text shows support@acme.com but the mailto: link writes to sales@acme.com",
        ),
    ],
)
def test_link_text_mismatch(href, text, message):
    findings = lint(email_with(f'<a href="{href}">{text}</a>'), select=["LNK010"]).findings
    if message is None:
        assert findings == []
    else:
        assert [f.message for f in findings] == [message]


@pytest.mark.parametrize(
    "href,text",
    [
        ("https://www.acme.com/sale", "acme.com"),
        ("https://shop.acme.co.uk/", "www.acme.co.uk"),
        ("https://acme.com/", "Visit acme.com today"),
        ("https://github.com/acme/tool/blob/main/setup.py", "setup.py"),
        ("https://acme.com/", "Node.js"),
        ("https://acme.us12.list-manage.com/track/click?u=1&id=2", "www.acme.com"),
        ("https://click.acme-mail.com/ls/click?upn=abc", "shop.acme.com"),
        ("mailto:Support@Acme.com", "support@acme.com"),
        ("{{ url }}", "www.acme.com"),
        ("https://acme.com/", "{{ shop_domain }}"),
    ],
)
def test_matching_or_unjudgeable_link_text_is_not_reported(href, text):
    assert lint(email_with(f'<a href="{href}">{text}</a>'), mode="template", select=["LNK010"]).findings == []
