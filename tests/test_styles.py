"""Computed styles, with and without the <style> block."""

from __future__ import annotations

from oopslint import Email
from oopslint.styles import parse_declarations, styles


def test_style_block_cascade_and_inline_view(corpus):
    email = Email.parse(corpus / "postmark" / "receipt.source.html")
    style_map = styles(email)
    masthead = next(e for e in email.elements if e.tag == "a" and "email-masthead_name" in e.classes)
    assert style_map.computed(masthead, "color") == "#A8AAAF"
    assert style_map.computed(masthead, "color", with_style_blocks=False) is None
    button = next(e for e in email.elements if e.tag == "a" and "button--green" in e.classes)
    assert style_map.computed(button, "background-color") == "#22BC66"


def test_inline_style_wins_and_color_inherits():
    html = ('<html><head><style>.box{color:#111111} p{color:#222222}</style></head><body>'
            '<div class="box" style="color:#333333"><span><b>x</b></span></div><p style="color:#444">y</p></body></html>')
    email = Email.parse(html)
    style_map = styles(email)
    bold = email.find("b")[0]
    assert style_map.computed(bold, "color") == "#333"
    assert style_map.computed(bold, "background-color") is None


def test_important_in_the_style_block_beats_normal_inline_styles():
    html = ('<html><head><style>p{color:#222222 !important} .keep{color:#999999 !important}'
            '@media (prefers-color-scheme: dark){p{color:#eeeeee !important}}</style></head><body>'
            '<p style="color:#444">y</p><p class="keep" style="color:#555 !important">z</p></body></html>')
    email = Email.parse(html)
    style_map = styles(email)
    first, second = email.find("p")
    assert style_map.computed(first, "color") == "#222"  # cssutils shortens colours
    assert style_map.computed(first, "color", with_style_blocks=False) == "#444"
    assert style_map.computed(second, "color") == "#555"


def test_parse_declarations_keeps_the_last_value():
    assert parse_declarations("color: red; COLOR:blue;font-size:12px !important") == {
        "color": "blue", "font-size": "12px !important"}
