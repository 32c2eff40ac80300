"""CMP002 partially-supported-feature: partial support, with caniemail's note number and text."""

from __future__ import annotations

from oopslint.report import Severity

RECEIPT = "postmark/receipt.source.html"


def test_padding_on_a_div_names_the_outlook_note(mail):
    text = mail.text(RECEIPT)
    text = mail.insert_after(text, "<h1>Hi {{name}},</h1>", '\n<div style="padding-inline: 24px">Thanks</div>')
    report = mail.lint(text, select="CMP", clients={"targets": ["outlook.windows", "gmail.desktop-webmail"]})
    [finding] = mail.by_feature(report, "css-padding")
    assert finding.code == "CMP002"
    assert finding.severity == Severity.INFO
    assert finding.message.startswith(
        "padding (css-padding) is partially supported in Outlook (Windows 2007, 2010, 2013, 2016, 2019)"
    )
    assert "note 1 (Outlook Windows): Partial. Only supported on table cells." in finding.suggestion
    assert finding.data["notes"]["1"] == "Partial. Only supported on table cells."
    assert finding.data["support"] == {"outlook.windows": "a"}


def test_quiet_when_every_target_supports_it_fully(mail):
    for name in ("mailgun/action.source.html", "mailgun/billing.inlined.html"):
        report = mail.lint(name, select="CMP002", clients={"targets": ["apple-mail.ios"]})
        assert mail.findings(report, "CMP002") == [], name
