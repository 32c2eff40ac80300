"""ACC003 heading-level-skipped."""

from __future__ import annotations

import oopslint


def test_the_real_postmark_receipt_jumps_from_h1_to_h3(acc):
    name = "corpus/postmark/receipt.source.html"
    found = acc.findings(acc.lint(name, "ACC003"), "ACC003")
    assert [(f.line, f.column, f.message) for f in found] == [
        (*acc.locate(name, "<h3>"), "Heading level 3 (<h3>) follows level 1: level 2 skipped")
    ]
    assert found[0].suggestion == "use <h2> here and size it with CSS"


def test_quiet_on_clean_real_emails_and_when_going_back_up(acc):
    for name in (
        "corpus/postmark/welcome.source.html",
        "corpus/mailgun/billing.source.html",
        "corpus/leemunroe/email.source.html",
    ):
        assert not acc.findings(acc.lint(name, "ACC003"), "ACC003"), name
    html = '<html lang="en"><title>t</title><body><h2>a</h2><h3>b</h3><h1>c</h1><h2>d</h2></body></html>'
    assert not oopslint.lint(html, config={"select": ["ACC003"]}).findings
    skipped = '<html lang="en"><title>t</title><body><h1>a</h1><div role="heading" aria-level="4">b</div></body></html>'
    assert "levels 2, 3 skipped" in oopslint.lint(skipped, config={"select": ["ACC003"]}).findings[0].message
