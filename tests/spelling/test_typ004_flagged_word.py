"""TYP004 flagged-word: A word this project never uses."""

from __future__ import annotations

import oopslint

from .helpers import codes, lint, locate, page


def test_flag_words_with_corrections_exact_case_and_any_case() -> None:
    html = page("<p>Reply to this e-mail or E-Mail us; follow us on Github (not github).</p>")
    report = lint(html, spelling={"flag_words": {"e-mail": "email", "Github": "GitHub"}})
    found = [(f.data["word"], f.data["correction"], f.line, f.column) for f in codes(report, "TYP004")]
    assert found == [
        ("e-mail", "email", *locate(html, "e-mail")),
        ("E-Mail", "email", *locate(html, "E-Mail")),
        ("Github", "GitHub", *locate(html, "Github")),
    ]
    assert found and all(f.severity == oopslint.Severity.ERROR for f in codes(report, "TYP004"))
    assert codes(report, "TYP004")[0].message == "'e-mail' is on this project's list of words to avoid: use 'email'"


def test_flag_words_override_the_dictionary_and_need_no_correction() -> None:
    html = page("<p>Click here to download.</p>")
    report = lint(html, spelling={"flag_words": {"click": ""}})
    (finding,) = codes(report, "TYP004")
    assert finding.data["word"] == "Click" and finding.suggestion is None
