"""MKP008 misplaced-import."""

from __future__ import annotations

from test_mkp001_stray_end_tag import CLEAN


def test_import_inside_media_and_after_rules(mail):
    text = mail.text("postmark/receipt.source.html")
    text = text.replace(
        "@media only screen and (max-width: 600px) {",
        '@media only screen and (max-width: 600px) {\n  @import url("https://fonts.googleapis.com/css?family=Inter");',
        1,
    )
    text = text.replace("</style>", '@import url("https://cdn.example/late.css");\n</style>', 1)
    found = mail.findings(mail.lint(text, select="MKP008"), "MKP008")
    assert [f.line for f in found] == [mail.line_of(text, "family=Inter"), mail.line_of(text, "late.css")]
    assert found[0].message == (
        '`@import url("https://fonts.googleapis.com/css?family=Inter")` inside '
        "`@media only screen and (max-width: 600px)` is ignored: @import must come first "
        "in a style sheet"
    )
    assert "after the rule on line" in found[1].message


def test_quiet_on_clean_corpus(mail):
    # receipt.source.html starts its <style> with a Google Fonts @import: that one is fine
    for name in CLEAN:
        assert mail.findings(mail.lint(name, select="MKP008"), "MKP008") == [], name
