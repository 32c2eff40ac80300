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
