"""TPL010 missing-preheader: No preheader: the inbox preview shows whatever text comes first."""

from __future__ import annotations

import pytest


def test_real_template_without_preheader(tpl):
    name = "postmark/comment-notification.source.html"
    found = tpl.findings(tpl.lint(name, select="TPL010"), "TPL010")
    assert len(found) == 1
    assert (found[0].line, found[0].column) == tpl.locate(name, "<body>")
    assert found[0].severity.name == "INFO"
    assert found[0].message.startswith(
        'No preheader: inboxes will preview the first text of the email instead: here, "[Product Name] …'
    )


def test_spacer_only_preheader_counts_as_none(tpl):
    # Mailgun's source has an empty preheader div followed by &nbsp;&zwnj; filler
    found = tpl.findings(tpl.lint("mailgun/alert.source.html", select="TPL010"), "TPL010")
    assert [f.data["first_text"] for f in found] == ["Warning: You're approaching your limit. Please upgrade. You…"]


@pytest.mark.parametrize(
    "name",
    [
        "postmark/receipt.source.html",
        "postmark/receipt.rendered.html",
        "leemunroe/email.source.html",
        "eml/newsletter.one-click.eml",
    ],
)
def test_quiet_when_there_is_a_preheader(tpl, name):
    assert tpl.findings(tpl.lint(name, select="TPL010"), "TPL010") == []


def test_templated_preheader_counts(tpl):
    html = tpl.text("postmark/comment-notification.source.html").replace(
        "<body>", '<body>\n    <span class="preheader">{{ preheader }}</span>', 1
    )
    assert tpl.findings(tpl.lint(html, select="TPL010"), "TPL010") == []
