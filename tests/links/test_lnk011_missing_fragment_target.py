"""LNK011 missing-fragment-target: #fragment link points at no id in the email."""

from __future__ import annotations

from .linkserver import FIXTURES
from .offline_helpers import email_with, found, lint


def test_fragment_targets():
    html = email_with(
        '<a href="#details">Details</a> <a href="#Terms">Terms</a> <a href="#top">Top</a> '
        '<a href="#faq">FAQ</a> <a href="#">x</a> <a href="#{{ anchor }}">y</a>'
        '<table id="details"></table><p id="terms"></p><a name="faq"></a>'
    )
    report = lint(html, mode="template", select=["LNK011"])
    assert found(report) == [
        ("LNK011", "warning", 'Link #Terms points at nothing: no element has id="Terms" (there is id="terms")')
    ]
    assert report.findings[0].suggestion == "#terms"


def test_fragment_links_in_a_rendered_real_receipt():
    html = (FIXTURES.parent / "template" / "postmark" / "receipt.rendered.html").read_text()
    html = html.replace('<table class="purchase"', '<table id="items" class="purchase"', 1)
    html = html.replace(
        "<h1>Hi Ada,</h1>",
        '<h1>Hi Ada,</h1><p><a href="#items">Your items</a> · '
        '<a href="#top">Back to top</a> · <a href="#faq">FAQ</a></p>',
        1,
    )
    report = lint(html, select=["LNK011"])
    assert found(report) == [("LNK011", "warning", 'Link #faq points at nothing: no element has id="faq"')]
    line = next(i for i, text in enumerate(html.splitlines(), 1) if 'href="#faq"' in text)
    assert report.findings[0].line == line


def test_fragment_target_that_may_come_from_a_partial_could_not_be_verified():
    html = (
        (FIXTURES.parent / "corpus" / "postmark" / "receipt.source.html")
        .read_text()
        .replace("<h1>Hi {{name}},</h1>", '<h1>Hi {{name}},</h1><p><a href="#faq">FAQ</a></p>{{> faq_section}}', 1)
    )
    report = lint(html, mode="template", select=["LNK011"])
    assert [str(f.severity) for f in report.findings] == ["info"]
    assert "could not be verified" in report.findings[0].message
