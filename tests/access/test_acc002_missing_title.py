"""ACC002 missing-title."""

from __future__ import annotations

import oopslint


def test_no_title_at_all(acc):
    name = "access/mailgun/action.no-title.html"
    found = acc.findings(acc.lint(name, "ACC002"), "ACC002")
    assert [(f.line, f.column) for f in found] == [acc.locate(name, "<head>")]
    assert found[0].message == "The email has no <title>: screen readers announce it as untitled"


def test_empty_title_of_the_real_postmark_emails(acc):
    name = "corpus/postmark/receipt.source.html"
    found = acc.findings(acc.lint(name, "ACC002"), "ACC002")
    assert [(f.line, f.column, f.message) for f in found] == [
        (*acc.locate(name, "<title></title>"), "The <title> is empty: screen readers announce the email as untitled")
    ]


def test_quiet_with_a_title_a_merge_tag_title_or_a_partial(acc):
    assert not acc.findings(acc.lint("corpus/leemunroe/email.source.html", "ACC002"), "ACC002")
    assert not acc.findings(acc.lint("corpus/mailgun/action.inlined.html", "ACC002"), "ACC002")
    tagged = '<html lang="en"><head><title>{{ subject }}</title></head><body><p>Hi</p></body></html>'
    assert not oopslint.lint(tagged, mode="template", config={"select": ["ACC002"]}).findings
    assert not oopslint.lint("<p>A footer partial</p>", mode="template", config={"select": ["ACC002"]}).findings
