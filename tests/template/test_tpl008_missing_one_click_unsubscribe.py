"""TPL008 missing-one-click-unsubscribe: Marketing .eml lacks List-Unsubscribe with List-Unsubscribe-Post: List-Unsubscribe=One-Click."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

MARKETING = {"category": "marketing"}


NO_UNSUB = "leemunroe/newsletter.no-unsubscribe.html"


def test_correct_one_click_headers_are_quiet(tpl):
    for mode in ("template", "rendered"):
        report = tpl.lint("eml/newsletter.one-click.eml", mode=mode, context=MARKETING, select="TPL008")
        assert tpl.findings(report, "TPL008") == []


def test_message_without_list_unsubscribe(tpl):
    found = tpl.findings(
        tpl.lint("eml/newsletter.no-list-unsubscribe.eml", context=MARKETING, select="TPL008"), "TPL008"
    )
    assert [(f.line, f.column, f.severity.name) for f in found] == [(1, 1, "ERROR")]
    assert found[0].message == (
        "Marketing message has no List-Unsubscribe header: Gmail and Yahoo require one-click unsubscribe "
        "(RFC 8058) from bulk senders"
    )


def test_bare_url_without_angle_brackets_or_post_header(tpl):
    name = "eml/newsletter.bare-list-unsubscribe.eml"
    found = tpl.findings(tpl.lint(name, context=MARKETING, select="TPL008"), "TPL008")
    header = tpl.locate(name, "List-Unsubscribe:")
    assert [(f.line, f.column) for f in found] == [header, header]
    assert [f.message for f in found] == [
        "List-Unsubscribe must list URIs in angle brackets (RFC 2369), got 'https://acme.example/u/8f3a2c'",
        'Marketing message has List-Unsubscribe but no "List-Unsubscribe-Post: List-Unsubscribe=One-Click": '
        "Gmail and Yahoo require one-click unsubscribe (RFC 8058) from bulk senders",
    ]


def test_http_only_uri_cannot_do_one_click(tpl):
    found = tpl.findings(tpl.lint("eml/newsletter.http-only.eml", context=MARKETING, select="TPL008"), "TPL008")
    assert [(f.severity.name, f.message) for f in found] == [
        (
            "WARNING",
            "List-Unsubscribe URI <http://acme.example/u/8f3a2c> is plain http: RFC 8058 one-click needs an https URI",
        ),
        (
            "ERROR",
            "List-Unsubscribe has no https URI, so one-click unsubscribe (RFC 8058) cannot work even with "
            "List-Unsubscribe-Post",
        ),
    ]


def test_dkim_signature_must_cover_the_unsubscribe_headers(tpl):
    name = "eml/newsletter.unsigned-one-click.eml"
    found = tpl.findings(tpl.lint(name, context=MARKETING, select="TPL008"), "TPL008")
    assert [(f.severity.name, f.line) for f in found] == [("WARNING", tpl.locate(name, "DKIM-Signature:").line)]
    assert found[0].message.startswith("The DKIM signature does not cover List-Unsubscribe and List-Unsubscribe-Post")


def _message(**headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Acme News <news@acme.example>"
    message["To"] = "ada@example.com"
    message["Subject"] = "Spring news from Acme"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(
        '<html lang="en"><body><p>Spring news.</p><a href="https://acme.example/u/1">Unsubscribe</a></body></html>',
        subtype="html",
    )
    return message


@pytest.mark.parametrize(
    ("headers", "messages"),
    [
        (
            {
                "List_Unsubscribe": "<mailto:?subject=unsubscribe>, <https://acme.example/u/1>",
                "List_Unsubscribe_Post": "List-Unsubscribe=One-Click",
            },
            ["List-Unsubscribe has a mailto: URI without an address: <mailto:?subject=unsubscribe>"],
        ),
        (
            {"List_Unsubscribe": "<https://acme.example/u/1>", "List_Unsubscribe_Post": "One-Click"},
            ["List-Unsubscribe-Post is 'One-Click'; RFC 8058 requires exactly \"List-Unsubscribe=One-Click\""],
        ),
        (
            {"List_Unsubscribe": "<mailto:unsubscribe@acme.example>"},
            [
                'Marketing message has List-Unsubscribe but no "List-Unsubscribe-Post: List-Unsubscribe=One-Click": '
                "Gmail and Yahoo require one-click unsubscribe (RFC 8058) from bulk senders",
                "List-Unsubscribe has no https URI, so one-click unsubscribe (RFC 8058) cannot work",
            ],
        ),
    ],
)
def test_header_value_shapes_of_an_email_message(tpl, headers, messages):
    found = tpl.findings(tpl.lint(_message(**headers), context=MARKETING, select="TPL008"), "TPL008")
    assert sorted(f.message for f in found) == sorted(messages)
    assert all(f.line is None for f in found)  # a message built in code has no file lines


def test_headers_are_not_checked_for_html_files_transactional_or_unknown_mail(tpl):
    assert tpl.findings(tpl.lint(NO_UNSUB, context=MARKETING, select="TPL008"), "TPL008") == []
    name = "eml/newsletter.no-list-unsubscribe.eml"
    assert tpl.findings(tpl.lint(name, select="TPL008"), "TPL008") == []
    assert tpl.findings(tpl.lint(name, context={"category": "transactional"}, select="TPL008"), "TPL008") == []
    assumed = tpl.lint(name, options={"assume_marketing": True}, select="TPL008")
    assert len(tpl.findings(assumed, "TPL008")) == 1


def test_templated_header_is_fine_in_template_mode(tpl):
    message = _message(
        List_Unsubscribe="<{{ unsubscribe_url }}>, <mailto:unsubscribe@acme.example>",
        List_Unsubscribe_Post="List-Unsubscribe=One-Click",
    )
    assert tpl.findings(tpl.lint(message, mode="template", context=MARKETING, select="TPL008"), "TPL008") == []
    rendered = tpl.lint(message, mode="rendered", context=MARKETING, select="TPL")
    assert [f.code for f in rendered.findings if f.code in ("TPL001", "TPL008")] == ["TPL001"]
