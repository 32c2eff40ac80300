"""MKP006 stray-important."""

from __future__ import annotations

from test_mkp001_stray_end_tag import CLEAN


def test_important_after_the_semicolon(mail):
    text = mail.text("postmark/receipt.source.html")
    text = text.replace(".button {", ".button {\n      color: #ffffff;!important;", 1)
    [finding] = mail.findings(mail.lint(text, select="MKP006"), "MKP006")
    assert finding.line == mail.line_of(text, ";!important")
    line = text.splitlines()[finding.line - 1]
    assert finding.column == line.index("!important") + 1
    assert finding.message.startswith("`!important` after the semicolon belongs to no declaration")
    assert finding.suggestion == "move `!important` before the `;`"


def test_important_in_an_inline_style(mail):
    text = mail.text("mailgun/action.source.html").replace(
        "</body>",
        '<a href="https://mailgun.example" style="color: #fff; !important; text-decoration: none">Go</a></body>',
        1,
    )
    [finding] = mail.findings(mail.lint(text, select="MKP006"), "MKP006")
    assert finding.line == mail.line_of(text, "; !important")


def test_quiet_on_clean_corpus(mail):
    for name in CLEAN + ["mailgun/action.inlined.html"]:
        assert mail.findings(mail.lint(name, select="MKP006"), "MKP006") == [], name
