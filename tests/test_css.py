"""oopslint.css: every <style> block and style attribute parsed once, with source lines."""

from __future__ import annotations

from pathlib import Path

from oopslint import Email
from oopslint.css import inline_style, stylesheets

RECEIPT = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "postmark" / "receipt.source.html"


def _line(text: str, needle: str) -> int:
    return text.count("\n", 0, text.index(needle)) + 1


def test_style_blocks_with_lines_media_context_and_the_mso_block():
    text = RECEIPT.read_text(encoding="utf-8")
    email = Email.parse(text)
    sheets = stylesheets(email)
    assert stylesheets(email) is sheets  # memoised on the email
    main, mso = sheets
    assert main.conditional is None and main.element is not None
    assert mso.only_outlook and mso.element is None and mso.conditional == "mso"
    body = main.rules[0]
    assert body.selector == "body"
    assert email.position(body.start)[0] == _line(text, "body {")
    width = body.declarations[0]
    assert (width.name, width.value, width.important) == ("width", "100%", True)
    assert email.position(width.start)[0] == _line(text, "width: 100% !important;")
    in_media = [rule for rule in main.rules if rule.context]
    assert in_media[0].context == ("@media only screen and (max-width: 500px)",)
    assert [(at.keyword, email.position(at.start)[0]) for at in main.at_rules][0] == ("import", _line(text, "@import"))
    assert main.problems == ()


def test_inline_style_offsets_and_merge_tags():
    html = '<table><tr><td style="color: {{ brand }}; font-size: 20pxl">Hi</td></tr></table>'
    email = Email.parse(html)
    cell = email.find("td")[0]
    style = inline_style(email, cell)
    color, size = style.declarations
    assert color.templated and not size.templated
    assert html[size.start : size.start + 9] == "font-size"
    assert [t.unit for t in size.tokens if t.type == "dimension"] == ["pxl"]


def test_unbalanced_braces_are_problems_with_their_place():
    html = "<style>\n.a { color: red;\n.b { color: blue; }\n</style><p>x</p>"
    email = Email.parse(html)
    [sheet] = stylesheets(email)
    kinds = [(p.kind, email.position(p.start)[0]) for p in sheet.problems]
    assert ("unclosed-block", 2) in kinds
