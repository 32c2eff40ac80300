"""LNK009 malformed-tel: tel: or sms: link has a malformed phone number."""

from __future__ import annotations

import pytest

from .offline_helpers import email_with, lint


@pytest.mark.parametrize(
    "url,message",
    [
        ("tel:1-800-FLOWERS", "contains letters (FLOWERS); phones dial digits only"),
        ("tel:", "has no number"),
        ("tel:+1-555+123", "has a '+' that is not at the start"),
        ("tel:12", "is too short to be a phone number"),
        ("tel:+1234567890123456", "has more than 15 digits"),
        ("tel:+1 (555) 123_4567", "contains characters a phone cannot dial (_)"),
        ("tel://+15551234567", "has '//' after tel:"),
        ("sms:+1555ABC", "contains letters (ABC)"),
    ],
)
def test_malformed_tel(url, message):
    (finding,) = lint(email_with(f'<a href="{url}">Call</a>'), select=["LNK009"]).findings
    assert message in finding.message


@pytest.mark.parametrize(
    "url",
    [
        "tel:+1-555-123-4567",
        "tel:+44 20 7946 0958",
        "tel:(555)%20123-4567",
        "tel:555.123.4567",
        "tel:911",
        "tel:+15551234567;ext=42",
        "tel:+15551234567,,42",
        "tel:+1 555 123 4567 x42",
        "sms:+15551234567?body=Hi",
        "sms:?body=Tell%20a%20friend",
        "tel:*123#",
    ],
)
def test_good_phone_links_are_not_reported(url):
    assert lint(email_with(f'<a href="{url}">Call</a>'), select=["LNK009"]).findings == []
