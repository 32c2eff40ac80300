"""MKP002 unclosed-tag."""

from __future__ import annotations

from test_mkp001_stray_end_tag import CLEAN


def test_div_left_open_in_a_cell(mail):
    text = mail.text("postmark/receipt.source.html")
    text = mail.insert_after(text, '<td class="content-cell">', '\n<div style="font-weight: bold">Order #1042')
    [finding] = mail.findings(mail.lint(text, select="MKP002"), "MKP002")
    assert finding.line == mail.line_of(text, '<div style="font-weight: bold">')
    assert finding.message.startswith("<div> is never closed: the </td> on line ")
    assert "a </div> is missing before it" in finding.message
    assert finding.data["related_line"] > finding.line


def test_link_left_open_swallows_the_rest(mail):
    text = mail.text("mailgun/billing.source.html")
    text = text.replace("</body>", '<a href="https://mailgun.example/help">Help\n</body>', 1)
    [finding] = mail.findings(mail.lint(text, select="MKP002"), "MKP002")
    assert finding.message.startswith("<a> is never closed: the </body> on line ")


def test_optional_end_tags_are_fine(mail):
    text = mail.text("mailgun/action.source.html")
    text = text.replace("</body>", "<table><tr><td>one<td>two<tr><td>three</table><ul><li>a<li>b</ul>\n</body>", 1)
    assert mail.findings(mail.lint(text, select="MKP002"), "MKP002") == []


def test_quiet_on_clean_corpus(mail):
    for name in CLEAN:
        assert mail.findings(mail.lint(name, select="MKP002"), "MKP002") == [], name
