"""TPL007 missing-unsubscribe-link: Marketing email has no unsubscribe link."""

from __future__ import annotations

import pytest

MARKETING = {"category": "marketing"}


NO_UNSUB = "leemunroe/newsletter.no-unsubscribe.html"


UNSUB_LINE = """<br> Don't like these emails? <a href="http://htmlemail.io/blog">Unsubscribe</a>."""


def _footer(tpl, replacement: str) -> str:
    """The real newsletter with its footer's unsubscribe line replaced."""
    html = tpl.text("leemunroe/email.source.html")
    assert UNSUB_LINE in html
    return html.replace(UNSUB_LINE, replacement, 1)


def test_marketing_newsletter_without_unsubscribe_link(tpl):
    report = tpl.lint(NO_UNSUB, context=MARKETING, select="TPL007")
    found = tpl.findings(report, "TPL007")
    assert len(found) == 1
    assert (found[0].line, found[0].column) == tpl.locate(NO_UNSUB, "<body>")
    assert found[0].message == (
        "Marketing email has no unsubscribe link: the law (CAN-SPAM, GDPR/PECR) and Gmail's and Yahoo's "
        'bulk-sender rules require a visible way to opt out; without one, readers press "Report spam"'
    )
    assert found[0].severity.name == "ERROR"
    assert report.exit_code == 1


def test_quiet_on_the_real_newsletter_with_its_unsubscribe_link(tpl, corpus):
    for path in (corpus / "leemunroe" / "email.source.html", corpus / "leemunroe" / "email.inlined.html"):
        assert tpl.findings(tpl.lint(path, context=MARKETING, select="TPL007"), "TPL007") == [], path.name


def test_category_decides(tpl):
    # unknown category: quiet (transactional mail needs no unsubscribe link)
    assert tpl.findings(tpl.lint(NO_UNSUB, select="TPL007"), "TPL007") == []
    assert tpl.findings(tpl.lint(NO_UNSUB, context={"category": "transactional"}, select="TPL007"), "TPL007") == []
    # marketing from configuration, and unknown categories assumed marketing on request
    assert len(tpl.findings(tpl.lint(NO_UNSUB, config={"category": "marketing"}, select="TPL007"), "TPL007")) == 1
    assumed = tpl.lint(NO_UNSUB, options={"assume_marketing": True}, select="TPL007")
    assert len(tpl.findings(assumed, "TPL007")) == 1
    # an explicit transactional category wins over assume_marketing
    explicit = tpl.lint(
        NO_UNSUB, context={"category": "transactional"}, options={"assume_marketing": True}, select="TPL007"
    )
    assert tpl.findings(explicit, "TPL007") == []


def test_transactional_corpus_is_not_asked_for_an_unsubscribe_link(tpl, corpus):
    for path in sorted(corpus.glob("postmark/*.html")):
        report = tpl.lint(path, context={"category": "transactional"}, select="TPL007")
        assert tpl.findings(report, "TPL007") == [], path.name


def test_unsubscribe_link_that_goes_nowhere(tpl):
    html = _footer(tpl, """<br> Don't like these emails? <a href="#">Unsubscribe</a>.""")
    found = tpl.findings(tpl.lint(html, context=MARKETING, select="TPL007"), "TPL007")
    assert [f.message for f in found] == [
        'Marketing email has no working unsubscribe link: the "Unsubscribe" link points nowhere (href="#")'
    ]
    assert (found[0].line, found[0].column) == tpl.locate(html, '#">Unsubscribe')


def test_hidden_unsubscribe_link_does_not_count(tpl):
    html = _footer(tpl, """<a href="https://acme.example/u/1" style="display:none">Unsubscribe</a>""")
    found = tpl.findings(tpl.lint(html, context=MARKETING, select="TPL007"), "TPL007")
    assert [f.data["reason"] for f in found] == ["is hidden"]


@pytest.mark.parametrize(
    "footer",
    [
        '<a href="*|UNSUB|*">Unsubscribe</a>',
        '<a href="{{ unsubscribe_url }}">Stop these emails</a>',
        '<a href="%%unsub_center_url%%">Manage subscriptions</a>',
        '<a href="<%asm_group_unsubscribe_raw_url%>">Click here</a>',
        '<a href="{% unsubscribe_link %}">Click here</a>',
        "{{{ pm:unsubscribe }}}",
        '<a href="%UNSUBSCRIBELINK%">Leave</a>',
        "[unsubscribe]",
        "<unsubscribe>Leave this list</unsubscribe>",
        '<a href="https://acme.example/email-preferences?u=1">Update your email preferences</a>',
        '<a href="https://acme.example/p/1">Opt out</a>',
        '<a href="https://acme.example/p/1">Newsletter abbestellen</a>',
        '<a href="https://acme.example/p/1">Se désabonner</a>',
        '<a href="https://acme.example/p/1">Darse de baja</a>',
        '<a href="https://acme.example/p/1">配信停止</a>',
    ],
)
def test_ways_to_unsubscribe_that_count(tpl, footer):
    html = _footer(tpl, footer)
    assert tpl.findings(tpl.lint(html, context=MARKETING, select="TPL007"), "TPL007") == []


def test_extra_unsubscribe_patterns(tpl):
    html = _footer(tpl, '<a href="https://acme.example/leave">Ciao for now</a>')
    assert len(tpl.findings(tpl.lint(html, context=MARKETING, select="TPL007"), "TPL007")) == 1
    configured = tpl.lint(html, context=MARKETING, select="TPL007", options={"unsubscribe_patterns": [r"/leave\b"]})
    assert tpl.findings(configured, "TPL007") == []


def test_template_partial_is_not_checked(tpl):
    partial = '<table><tr><td class="content-block">Acme Inc, 7-11 Commercial Ct, Belfast</td></tr></table>'
    assert tpl.findings(tpl.lint(partial, context=MARKETING, select="TPL007"), "TPL007") == []
