"""CTR003 link-not-distinguishable: links in running text need an underline or 3:1 against the text."""

from __future__ import annotations


def test_grey_links_without_underline_in_a_sentence(ctr):
    name = "contrast/postmark/password-reset-help.quiet-links.html"
    found = ctr.findings(ctr.lint(name, "CTR003"), "CTR003")
    assert [(f.line, f.column) for f in found] == [ctr.locate(name, '<a href="{{support_url}}">contact support')]
    assert found[0].message == (
        "Link 'contact support' is not underlined and its colour #6B6E76 is 1.48:1 against the text around it "
        "(#51545E), below 3:1, in full-css, default-link-colour: readers who do not see colour cannot find it"
    )
    # clients that strip <style> keep the browser's underline: not failing there
    assert "style-stripped" not in found[0].data["failing"]


def test_quiet_on_the_real_emails_links(ctr):
    for name in (
        "corpus/postmark/password-reset-help.source.html",
        "corpus/postmark/welcome.source.html",
        "corpus/leemunroe/email.source.html",
    ):
        assert not ctr.findings(ctr.lint(name, "CTR003"), "CTR003"), name


def test_underline_border_or_standalone_button_is_fine(ctr):
    base = (
        '<html lang="en"><title>t</title><body><p style="color:#51545E">Questions? Visit our '
        '<a href="https://example.com/help" style="color:#6B6E76;{}">help center</a> any time you like.</p>'
        "</body></html>"
    )
    assert len(ctr.findings(ctr.lint(base.format("text-decoration:none"), "CTR003"), "CTR003")) == 1
    for style in (
        "text-decoration:underline",
        "",
        "text-decoration:none;border-bottom:1px solid #6B6E76",
        "text-decoration:none;color:#4DB8FF",
    ):
        assert not ctr.findings(ctr.lint(base.format(style), "CTR003"), "CTR003"), style
    button = (
        '<html lang="en"><title>t</title><body><p style="color:#51545E">'
        '<a href="https://example.com/go" style="color:#6B6E76;text-decoration:none">Open</a></p></body></html>'
    )
    assert not ctr.findings(ctr.lint(button, "CTR003"), "CTR003")


def test_a_link_set_bold_italic_larger_or_in_another_typeface_is_distinguishable(ctr):
    # axe-core's link-in-text-block counts a weight, style, size or first typeface of the link's own
    page = (
        '<html lang="en"><title>t</title><body>'
        '<p style="color:#464646;font-family:Arial, sans-serif;font-size:14px">{}</p></body></html>'
    )
    distinct = (
        '<b><a href="https://example.com/help" style="color:#464646;text-decoration:none">Get in touch</a></b>'
        " if you have any questions or feedback at all.",
        'Questions? <em><a href="https://example.com/help" style="color:#464646;text-decoration:none">'
        "Get in touch</a></em> if you have any questions or feedback at all.",
        'Questions? <a href="https://example.com/help" style="color:#464646;text-decoration:none;font-size:17px">'
        "Get in touch</a> if you have any questions or feedback at all.",
        'Questions? <a href="https://example.com/help" style="color:#464646;text-decoration:none;'
        "font:14px/1.5 'Georgia', serif\">Get in touch</a> if you have any questions or feedback at all.",
        'Questions? <font face="Courier New"><a href="https://example.com/help" style="color:#464646;'
        'text-decoration:none">Get in touch</a></font> if you have any questions or feedback at all.',
    )
    for body in distinct:
        assert not ctr.findings(ctr.lint(page.format(body), "CTR003"), "CTR003"), body
    bold_text = page.replace("font-size:14px", "font-size:14px;font-weight:bold")
    same = (
        # bold in bold text, the same typeface written another way or set again by the shorthand
        bold_text.format(
            'Questions? <b><a href="https://example.com/help" style="color:#464646;text-decoration:none">'
            "Get in touch</a></b> if you have any questions or feedback at all."
        ),
        page.format(
            'Questions? <a href="https://example.com/help" style="color:#464646;text-decoration:none;'
            'font-family:ARIAL, Helvetica">Get in touch</a> if you have any questions or feedback at all.'
        ),
        page.format(
            'Questions? <a href="https://example.com/help" style="color:#464646;text-decoration:none;'
            'font:normal 14px Arial">Get in touch</a> if you have any questions or feedback at all.'
        ),
    )
    for html in same:
        (finding,) = ctr.findings(ctr.lint(html, "CTR003"), "CTR003")
        assert finding.message.startswith("Link 'Get in touch' is not underlined and its colour #464646 is 1.00:1")


def test_a_link_whose_text_sits_in_a_span_is_named_by_that_text(ctr):
    footer = (
        '<html lang="en"><title>t</title><body><div style="color:#666666;font-family:Arial, sans-serif;'
        'font-size:12px">East Pixel Bld. 99, Creative City 9000, Republic of Design<br>Phone: '
        '<a href="tel:+1655606605" style="color:#666666;text-decoration:none">'
        '<span style="color:#666666;text-decoration:none">+1 (655) 606-605</span></a></div></body></html>'
    )
    (finding,) = ctr.findings(ctr.lint(footer, "CTR003"), "CTR003")
    assert finding.message.startswith(
        "Link '+1 (655) 606-605' is not underlined and its colour #666666 is 1.00:1 against the text around it"
    )


def test_a_link_marked_by_a_piece_of_its_text_is_distinguishable(ctr):
    # the <a> itself inherits the text colour and is not underlined; what the reader sees is its pieces
    page = (
        '<html lang="en"><title>t</title><body><div style="color:#000000;font-family:Arial;font-size:15px">'
        "<ul><li>{}</li></ul></div></body></html>"
    )
    marked = (
        'Passed after months of advocacy including our <a href="https://acme.example/p" style="color:inherit;'
        'text-decoration:none"><span style="color:#008abd"><u>petition</u></span><span style="color:#222222">'
        " for N 22nd St</span></a>, thanks to all of you who signed it.",
        'The <a href="https://acme.example/s" style="color:inherit;text-decoration:none"><span><b>snow fall </b>'
        "</span></a>made biking almost impossible last month for everyone.",
    )
    for body in marked:
        assert not ctr.findings(ctr.lint(page.format(body), "CTR003"), "CTR003"), body
    plain = (
        'Did you see this op-ed about the bike lane battle in the <a href="https://acme.example/i" '
        'style="color:inherit;text-decoration:none"><span style="color:#000000">Inquirer</span></a>? Read it today.'
    )
    (finding,) = ctr.findings(ctr.lint(page.format(plain), "CTR003"), "CTR003")
    assert finding.message.startswith("Link 'Inquirer' is not underlined and its colour #000000 is 1.00:1")
