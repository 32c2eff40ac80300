"""MKP009 style-block-dropped."""

from __future__ import annotations

from test_mkp001_stray_end_tag import CLEAN

from oopslint.report import Severity


def test_unclosed_brace_says_which_block_and_why(mail):
    text = mail.text("postmark/receipt.source.html")
    text = text.replace(".button {", ".button--unfinished { color: #ffffff;\n    .button {", 1)
    [finding] = mail.findings(mail.lint(text, select="MKP009"), "MKP009")
    block_line = mail.line_of(text, '<style type="text/css" rel="stylesheet" media="all">')
    assert finding.severity == Severity.ERROR
    assert finding.message.startswith(
        f"Gmail drops the whole <style> block of line {block_line}: a {{ is never closed (line "
    )
    assert finding.line == mail.line_of(text, ".button--unfinished")
    assert finding.data["block_line"] == block_line


def test_stray_brace_and_oversized_block(mail):
    text = mail.text("mailgun/action.source.html")
    big = ".x{color:red}}\n" + "".join(f".c{n} {{ color: #333333; padding: 0 }}\n" for n in range(600))
    text = text.replace("</head>", f"<style>{big}</style>\n</head>", 1)
    [finding] = mail.findings(mail.lint(text, select="MKP009"), "MKP009")
    assert "a } closes no block" in finding.message
    assert "over Gmail's 16 KB limit for one <style>" in finding.message


def test_an_at_media_line_without_its_brace_is_named_in_plain_words(mail):
    text = mail.text("mailgun/action.source.html")
    broken = "@media (prefers-color-scheme: dark)\n.ReadMsgBody {width:100%;}\n.ExternalClass {width:100%;}\n"
    text = text.replace("</head>", f"<style>{broken}</style>\n</head>", 1)
    [finding] = mail.findings(mail.lint(text, select="MKP009"), "MKP009")
    assert finding.message.endswith(
        "@media (prefers-color-scheme: dark) .ReadMsgBody holds text that is no rule "
        f"(declarations need a selector and {{ }} of their own) (line {mail.line_of(text, '.ReadMsgBody {')})"
    )


def test_quiet_on_clean_corpus(mail):
    for name in CLEAN:
        assert mail.findings(mail.lint(name, select="MKP009"), "MKP009") == [], name
