"""CMP002 partially-supported-feature: partial support, with caniemail's note number and text."""

from __future__ import annotations

from oopslint.report import Severity

RECEIPT = "postmark/receipt.source.html"


def test_padding_on_a_div_names_the_outlook_note(mail):
    text = mail.text(RECEIPT)
    text = mail.insert_after(text, "<h1>Hi {{name}},</h1>", '\n<div style="padding: 24px">Thanks</div>')
    report = mail.lint(text, select="CMP", clients={"targets": ["outlook.windows", "gmail.desktop-webmail"]})
    [finding] = mail.by_feature(report, "css-padding")
    assert finding.code == "CMP002"
    assert finding.severity == Severity.INFO
    # only the <div>: the receipt's padding on table cells is what Outlook supports
    assert finding.line == mail.line_of(text, '<div style="padding: 24px">')
    assert finding.data["lines"] == [finding.line]
    assert finding.message.startswith(
        "padding (css-padding) is partially supported in Outlook (Windows 2007, 2010, 2013, 2016, 2019)"
    )
    assert "note 1 (Outlook Windows): Partial. Only supported on table cells." in finding.suggestion
    assert finding.data["notes"] == {"1": "Partial. Only supported on table cells."}  # not note 2, about rows
    assert finding.data["support"] == {"outlook.windows": "a"}


def test_padding_on_table_cells_is_quiet_by_default_and_reported_on_request(mail):
    report = mail.lint(RECEIPT, select="CMP002", clients={"targets": ["outlook.windows"]})
    assert mail.by_feature(report, "css-padding") == []
    report = mail.lint(RECEIPT, select="CMP002", clients={"targets": ["outlook.windows"], "report_partial": True})
    [finding] = mail.by_feature(report, "css-padding")
    assert finding.data["support"] == {"outlook.windows": "a"}


def test_negative_margin_and_rem_font_size_name_their_notes(mail):
    text = mail.text("postmark/welcome.inlined.html")
    anchor = text[text.index("<body") : text.index(">", text.index("<body")) + 1]
    bad = '\n<p style="margin: -12px 0 0 0; font-size: 1.2rem">Welcome aboard</p>'
    text = mail.insert_after(text, anchor, bad)
    line = mail.line_of(text, "margin: -12px")
    report = mail.lint(text, select="CMP", clients={"targets": ["outlook.windows", "yahoo.desktop-webmail"]})
    [margin] = mail.by_feature(report, "css-margin")
    assert margin.code == "CMP002" and margin.data["lines"] == [line]
    assert "Negative values are not supported" in margin.suggestion
    [font_size] = mail.by_feature(report, "css-font-size")
    assert font_size.code == "CMP002" and font_size.data["lines"] == [line]
    assert "`rem` values are not supported" in font_size.suggestion
    # the unit itself, with no px fallback before it, is a feature Outlook does not support
    [rem] = mail.by_feature(report, "css-unit-rem")
    assert rem.code == "CMP001" and rem.line == line


def test_quiet_when_every_target_supports_it_fully(mail):
    for name in ("mailgun/action.source.html", "mailgun/billing.inlined.html"):
        report = mail.lint(name, select="CMP002", clients={"targets": ["apple-mail.ios"]})
        assert mail.findings(report, "CMP002") == [], name
