"""CTR004 contrast-not-verified: images, gradients and VML behind text without a fallback colour."""

from __future__ import annotations

import oopslint


def test_text_on_a_background_image_without_fallback(ctr):
    name = "contrast/mailgun/action.hero-images.html"
    found = ctr.findings(ctr.lint(name, "CTR004"), "CTR004")
    assert [(f.line, f.column) for f in found] == [ctr.locate(name, '<h2 style="color: #FFFFFF')]
    assert found[0].severity == oopslint.Severity.INFO
    assert found[0].message.startswith("Could not verify contrast of 'Spring collection': a background image")


def test_gradient_and_vml_are_not_verified_either(ctr):
    gradient = (
        '<html lang="en"><title>t</title><body><div style="background-image:linear-gradient(#000,#fff)">'
        '<p style="color:#FFFFFF">Over a gradient</p></div></body></html>'
    )
    assert len(ctr.findings(ctr.lint(gradient, "CTR004"), "CTR004")) == 1
    vml = (
        '<html lang="en"><title>t</title><body><!--[if gte mso 9]><v:rect fill="true" stroke="false" '
        'style="width:600px"><v:fill type="frame" src="https://cdn.example.com/bg.jpg" /><v:textbox><![endif]-->'
        '<div><p style="color:#FFFFFF">Over VML</p></div><!--[if gte mso 9]></v:textbox></v:rect><![endif]-->'
        "</body></html>"
    )
    found = ctr.findings(ctr.lint(vml, "CTR004"), "CTR004")
    assert len(found) == 1 and "Over VML" in found[0].message


def test_quiet_with_a_solid_fallback_and_on_a_clean_real_email(ctr):
    html = (
        '<html lang="en"><title>t</title><body><table><tr><td background="https://cdn.example.com/a.jpg" '
        'bgcolor="#1D3557"><h1 style="color:#FFFFFF">Summer sale</h1></td></tr></table></body></html>'
    )
    assert not ctr.findings(ctr.lint(html, "CTR004"), "CTR004")
    assert not ctr.findings(ctr.lint(html, "CTR001"), "CTR001")
    assert not ctr.findings(ctr.lint("corpus/postmark/receipt.source.html", "CTR004"), "CTR004")
