"""ACC004 layout-table-without-role."""

from __future__ import annotations

import oopslint


def test_the_inlined_mailgun_email_has_layout_tables_without_role(acc):
    name = "corpus/mailgun/action.inlined.html"
    found = acc.findings(acc.lint(name, "ACC004"), "ACC004")
    assert (found[0].line, found[0].column) == acc.locate(name, '<table class="body-wrap"')
    assert found[0].severity == oopslint.Severity.INFO
    assert found[0].message.startswith('Layout table without role="presentation" (and ')
    assert found[0].suggestion == 'add role="presentation" to the <table>'


def test_quiet_on_postmark_and_on_data_tables(acc):
    assert not acc.findings(acc.lint("corpus/postmark/welcome.source.html", "ACC004"), "ACC004")
    data = (
        '<html lang="en"><title>t</title><body><table role="presentation"><tr><td>'
        "<table><tr><th>Item</th><th>Price</th></tr><tr><td>Tea</td><td>$3</td></tr></table>"
        "<table><tr><td>Tea</td><td>$3</td></tr><tr><td>Cake</td><td>$4</td></tr></table>"
        "</td></tr></table></body></html>"
    )
    assert not oopslint.lint(data, config={"select": ["ACC004"]}).findings


def test_deeply_nested_layout_is_one_finding():
    html = '<html lang="en"><title>t</title><body>' + "<table><tr><td>" * 300 + "deep</body></html>"
    findings = oopslint.lint(html, config={"select": ["ACC004"]}).findings
    assert len(findings) == 1 and "(and 299 layout tables inside it)" in findings[0].message
