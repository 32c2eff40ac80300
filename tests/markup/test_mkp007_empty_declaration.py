"""MKP007 empty-declaration."""

from __future__ import annotations

from test_mkp001_stray_end_tag import CLEAN


def test_background_with_no_value(mail):
    text = mail.text("postmark/receipt.source.html")
    text = mail.insert_after(text, "<h1>Hi {{name}},</h1>", '\n<p style="background-color: ; padding: 24px">x</p>')
    [finding] = mail.findings(mail.lint(text, select="MKP007"), "MKP007")
    assert finding.message == "`background-color` has no value: clients drop the declaration"
    assert finding.line == mail.line_of(text, "background-color: ;")


def test_quiet_on_clean_corpus_and_merge_tag_values(mail):
    text = mail.text("mailgun/action.source.html").replace("</body>", '<p style="color: {{brand}}">x</p></body>', 1)
    assert mail.findings(mail.lint(text, select="MKP007"), "MKP007") == []
    for name in CLEAN:
        assert mail.findings(mail.lint(name, select="MKP007"), "MKP007") == [], name
