"""TPL004 image-missing-alt: Image has no alt attribute."""

from __future__ import annotations

import pytest

IMAGES = "mailgun/alert.images.html"


def test_logo_without_alt_is_reported_but_spacer_and_pixel_are_not(tpl):
    found = tpl.findings(tpl.lint(IMAGES, select="TPL004"), "TPL004")
    assert len(found) == 1
    assert (found[0].line, found[0].column) == tpl.locate(IMAGES, '<img src="https://cdn.mailgun.example/email/logo')
    assert found[0].message == (
        "Image logo-mailgun@2x.png has no alt attribute: screen readers read out its file name, and readers "
        "who block images see nothing in its place"
    )
    assert found[0].severity.name == "WARNING"
    assert found[0].suggestion == 'add alt="…" describing the image, or alt="" if it is decorative'


def test_linked_image_without_alt_names_the_link_problem(tpl):
    html = tpl.text("postmark/receipt.rendered.html").replace(
        "\n                Acme\n              </a>", '<img src="https://acme.example/logo.png" width="94"></a>', 1
    )
    found = tpl.findings(tpl.lint(html, mode="rendered", select="TPL004"), "TPL004")
    assert [f.message for f in found] == [
        "Linked image logo.png has no alt attribute: the link has no name for screen readers, and readers who "
        "block images see an empty link"
    ]
    assert found[0].data["linked"] is True
    assert found[0].severity.name == "ERROR"  # a link with no name: one finding, at error level


@pytest.mark.parametrize(
    "img",
    [
        '<img src="https://acme.example/divider.png" alt="">',
        '<img src="https://acme.example/o.gif" width="1" height="1">',
        '<img src="https://acme.example/o.gif" style="width:1px;height:1px;border:0">',
        '<img src="https://acme.example/o.gif" width="0" height="0">',
        '<img src="https://acme.example/divider.png" role="presentation">',
        '<img src="https://acme.example/hero.png" aria-label="Spring sale: 30% off">',
        '<img src="https://acme.example/mobile.png" style="display:none">',
    ],
)
def test_images_that_need_no_alt(tpl, img):
    html = tpl.text("postmark/receipt.rendered.html").replace("<h1>Hi Ada,</h1>", f"{img}<h1>Hi Ada,</h1>", 1)
    assert tpl.findings(tpl.lint(html, mode="rendered", select="TPL004"), "TPL004") == []
