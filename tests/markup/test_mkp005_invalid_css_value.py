"""MKP005 invalid-css-value."""

from __future__ import annotations

import pytest
from test_mkp001_stray_end_tag import CLEAN


def test_the_classic_mistakes_inline_and_in_a_style_block(mail):
    text = mail.text("postmark/receipt.source.html")
    text = mail.insert_after(
        text, "<h1>Hi {{name}},</h1>", '\n<p style="font-size: 20pxl; text-align: top; font-weight: light">Total</p>'
    )
    text = text.replace("</style>", ".total { vertical-align: center; width: 600; color: #fffff; }\n</style>", 1)
    found = mail.findings(mail.lint(text, select="MKP005"), "MKP005")
    messages = [f.message for f in found]
    assert messages == [
        "Invalid CSS value in `vertical-align: center`: 'center' is not a value of vertical-align "
        "(center is text-align's; vertical-align says middle); clients drop the declaration",
        "Invalid CSS value in `width: 600`: '600' needs a unit (px, em, %...); clients drop the declaration",
        "Invalid CSS value in `color: #fffff`: '#fffff' is not a hex colour (3, 4, 6 or 8 hex digits); "
        "clients drop the declaration",
        "Invalid CSS value in `font-size: 20pxl`: 'pxl' is not a CSS unit; clients drop the declaration",
        "Invalid CSS value in `text-align: top`: 'top' is not a value of text-align (use vertical-align for top, "
        "middle and bottom); clients drop the declaration",
        "Invalid CSS value in `font-weight: light`: 'light' is not a value of font-weight; use normal, bold, "
        "lighter, bolder or a number from 100 to 900 (light is 300); clients drop the declaration",
    ]
    line = text.splitlines()[found[3].line - 1]
    assert found[3].column == line.index("20pxl") + 1


@pytest.mark.parametrize(
    "value",
    [
        "font-size: {{ size }}",
        "width: calc(100% - 20px)",
        "color: var(--brand)",
        "mso-line-height-rule: exactly",
        "*zoom: 1",
        "width: 100px\\9",
        "font-weight: 700",
        "text-align: -webkit-center",
        "color: transparent",
    ],
)
def test_values_it_cannot_or_need_not_judge(mail, value):
    text = mail.text("mailgun/action.source.html").replace("</body>", f'<p style="{value}">x</p></body>', 1)
    assert mail.findings(mail.lint(text, select="MKP005"), "MKP005") == []


def test_quiet_on_clean_corpus(mail):
    for name in CLEAN:
        assert mail.findings(mail.lint(name, select="MKP005"), "MKP005") == [], name
