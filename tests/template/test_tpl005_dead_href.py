"""TPL005 dead-href: Link goes nowhere: empty href, '#', or a javascript: URL."""

from __future__ import annotations

DEAD = "postmark/user-invitation.dead-links.html"


def test_dead_links_in_a_real_template(tpl):
    found = tpl.findings(tpl.lint(DEAD, select="TPL005"), "TPL005")
    assert [(f.line, f.column) for f in found] == [
        tpl.locate(DEAD, '#" class="f-fallback button"'),
        tpl.locate(DEAD, "javascript:openChat()"),
        tpl.locate(DEAD, '">help documentation'),
    ]
    assert [f.message for f in found] == [
        'Link "Set up account" points at "#": a placeholder that goes nowhere',
        'Link "live chat" uses a javascript: URL: mail clients strip scripts, so the link does nothing and spam '
        "filters notice it",
        'Link "help documentation" has an empty href: it goes nowhere',
    ]
    assert {f.severity.name for f in found} == {"ERROR"}


def test_templated_hrefs_of_the_clean_template_are_fine(tpl, tmp_path):
    clean = tpl.text(DEAD)
    clean = (
        clean.replace('href="#" class', 'href="{{action_url}}" class')
        .replace('href="javascript:openChat()"', 'href="{{live_chat_url}}"')
        .replace('href=""', 'href="{{help_url}}"')
    )
    assert tpl.findings(tpl.lint(clean, select="TPL005"), "TPL005") == []


def test_mailto_without_address_and_fragments_are_left_to_the_link_rules(tpl, corpus):
    # LNK008 and LNK011 own these; TPL005 must not report the same link twice
    assert tpl.findings(tpl.lint(corpus / "mailgun" / "billing.source.html", select="TPL005"), "TPL005") == []
    html = tpl.text("postmark/receipt.rendered.html").replace(
        "<h1>Hi Ada,</h1>", '<h1>Hi Ada,</h1><p><a href="#faq">FAQ</a></p>', 1
    )
    assert tpl.findings(tpl.lint(html, mode="rendered", select="TPL005"), "TPL005") == []
