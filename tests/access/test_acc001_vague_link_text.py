"""ACC001 vague-link-text: "Click here" and its cousins in seven languages."""

from __future__ import annotations

import oopslint


def test_click_here_button_and_german_read_more_link(acc):
    name = "access/postmark/welcome.vague-links.html"
    found = acc.findings(acc.lint(name, "ACC001"), "ACC001")
    assert [(f.line, f.column, f.message) for f in found] == [
        (
            *acc.locate(name, '<a href="{{action_url}}" class="f-fallback button"'),
            "Link text 'Click here' does not say where the link goes",
        ),
        (
            *acc.locate(name, '<a href="{{help_url}}" lang="de">Mehr erfahren'),
            "Link text 'Mehr erfahren' does not say where the link goes",
        ),
    ]
    assert found[0].severity == oopslint.Severity.WARNING


def test_quiet_on_the_clean_real_emails(
    acc,
):
    for name in (
        "corpus/postmark/welcome.source.html",
        "corpus/mailgun/action.source.html",
        "corpus/leemunroe/email.source.html",
    ):
        assert not acc.findings(acc.lint(name, "ACC001"), "ACC001"), name


def test_languages_aria_label_and_the_surrounding_sentence():
    def found(body: str) -> int:
        html = f'<html lang="en"><title>t</title><body>{body}</body></html>'
        report = oopslint.lint(html, mode="template", config={"select": ["ACC001"]})
        return len(report.findings)

    for phrase in (
        "Click here",
        "Read more »",
        "learn more →",
        "cliquez ici",
        "Leer más",
        "clicca qui",
        "Lees meer",
        "Saiba mais",
        "hier klicken",
    ):
        assert found(f'<p><a href="https://example.com/a">{phrase}</a></p>') == 1, phrase
    assert found('<p><a href="https://example.com/a" aria-label="Read the spring catalogue">Read more</a></p>') == 0
    assert found('<p>To reset your password, <a href="https://example.com/a">click here</a>.</p>') == 0
    assert found('<p><a href="https://example.com/a">Browse the spring catalogue</a></p>') == 0


def test_extra_phrases_from_config():
    html = '<html lang="en"><title>t</title><body><p><a href="https://example.com/a">Go now</a></p></body></html>'
    assert not oopslint.lint(html, config={"select": ["ACC001"]}).findings
    report = oopslint.lint(html, config={"select": ["ACC001"], "access": {"phrases": ["go now"]}})
    assert [f.code for f in report.findings] == ["ACC001"]
