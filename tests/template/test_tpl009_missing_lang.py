"""TPL009 missing-lang: The email does not say what language it is in (no lang on <html>)."""

from __future__ import annotations

import pytest


def test_real_inlined_mailgun_email_without_lang(tpl):
    name = "mailgun/action.inlined.html"
    found = tpl.findings(tpl.lint(name, select="TPL009"), "TPL009")
    assert len(found) == 1
    assert (found[0].line, found[0].column) == tpl.locate(name, "<html")
    assert found[0].message == (
        "<html> has no lang attribute: screen readers cannot tell which language to read the email in"
    )
    assert found[0].severity.name == "WARNING"


@pytest.mark.parametrize(
    "name", ["mailgun/action.source.html", "mailgun/action.wrapper-lang.html", "leemunroe/email.source.html"]
)
def test_lang_on_html_or_on_a_wrapper_around_all_text(tpl, name):
    assert tpl.findings(tpl.lint(name, select="TPL009"), "TPL009") == []


def test_lang_on_a_wrapper_that_leaves_text_outside(tpl):
    body = '<body class="body" style="background-color:#f4f4f4;">'
    html = tpl.text("mailgun/action.wrapper-lang.html").replace(
        body, body + '<p style="font-size:12px">View this email in your browser</p>', 1
    )
    found = tpl.findings(tpl.lint(html, select="TPL009"), "TPL009")
    assert [f.message for f in found] == [
        "<html> has no lang attribute (a lang on an inner element covers only part of the text): screen readers "
        "cannot tell which language to read the email in"
    ]


@pytest.mark.parametrize(
    ("attribute", "message", "suggestion"),
    [
        (
            'lang="en_US"',
            'lang="en_US" on <html> is not a language tag like "en" or "pt-BR" (did you mean "en-US"?)',
            'lang="en-US"',
        ),
        (
            'lang="english"',
            'lang="english" on <html> is not a language tag like "en" or "pt-BR"',
            'lang="en" (a BCP 47 language tag)',
        ),
        (
            'lang=""',
            "<html> has an empty lang: screen readers fall back to the reader's default language",
            'lang="en" (or the email\'s language)',
        ),
    ],
)
def test_invalid_language_tags(tpl, attribute, message, suggestion):
    html = tpl.text("mailgun/action.source.html").replace('<html lang="en"', f"<html {attribute}", 1)
    found = tpl.findings(tpl.lint(html, select="TPL009"), "TPL009")
    assert [(f.message, f.suggestion) for f in found] == [(message, suggestion)]


def test_valid_language_tags_and_templated_lang(tpl):
    for value in ("pt-BR", "zh-Hant-TW", "sr-Latn", "es-419", "{{ locale }}"):
        html = tpl.text("mailgun/action.source.html").replace('<html lang="en"', f'<html lang="{value}"', 1)
        assert tpl.findings(tpl.lint(html, select="TPL009"), "TPL009") == [], value


def test_template_partials_are_not_checked_but_rendered_fragments_are(tpl):
    partial = '<table role="presentation"><tr><td class="footer">Acme, LLC · 1234 Street Rd.</td></tr></table>'
    assert tpl.findings(tpl.lint(partial, mode="template", select="TPL009"), "TPL009") == []
    found = tpl.findings(tpl.lint(partial, mode="rendered", select="TPL009"), "TPL009")
    assert [f.message for f in found] == [
        "The email has no <html> element with a lang attribute: screen readers cannot tell which language to read "
        "the email in"
    ]


@pytest.mark.parametrize("value", ["und", "UND", "und-Latn"])
def test_lang_und_names_no_language(tpl, value):
    """MJML writes lang="und" unless told the language: that says nothing either."""
    html = tpl.text("mailgun/action.source.html").replace('<html lang="en"', f'<html lang="{value}"', 1)
    found = tpl.findings(tpl.lint(html, select="TPL009"), "TPL009")
    assert [(f.line, f.column, f.message, f.suggestion, f.severity.name) for f in found] == [
        (
            *tpl.locate(html, f'lang="{value}"', offset=6),
            f'lang="{value}" on <html> says the language is undetermined: screen readers fall back to the '
            "reader's default language",
            'lang="en" (or the email\'s language)',
            "WARNING",
        ),
    ]
