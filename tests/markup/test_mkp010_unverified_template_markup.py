"""MKP010 unverified-template-markup."""

from __future__ import annotations

from test_mkp001_stray_end_tag import CLEAN

from oopslint.report import Severity


def test_a_div_opened_in_each_branch_is_not_called_unclosed(mail):
    text = mail.text("postmark/receipt.source.html")
    text = mail.insert_after(
        text,
        '<td class="content-cell">',
        '\n{{#if vip}}<div class="vip">{{else}}<div class="member">{{/if}}Welcome back!</div>',
    )
    report = mail.lint(text, select="MKP", config={"select": ["MKP"]})
    assert mail.findings(report, "MKP002") == []
    [finding] = mail.findings(report, "MKP010")
    assert finding.severity == Severity.INFO
    assert finding.message.startswith("Could not verify: <div> is never closed")
    assert finding.message.endswith(f"(the template branch on line {mail.line_of(text, '{{else}}')} may balance it)")


def test_the_same_markup_rendered_is_judged(mail):
    text = mail.text("postmark/receipt.source.html")
    text = mail.insert_after(
        text, '<td class="content-cell">', '\n<div class="vip"><div class="member">Welcome back!</div>'
    )
    report = mail.lint(text, select="MKP", config={"select": ["MKP"]})
    assert mail.findings(report, "MKP010") == []
    assert len(mail.findings(report, "MKP002")) == 1


def test_quiet_on_clean_corpus(mail):
    for name in CLEAN:
        assert mail.findings(mail.lint(name, select="MKP010"), "MKP010") == [], name


def test_erb_and_ejs_branches_are_template_branches_too(mail):
    text = mail.text("postmark/receipt.source.html")
    for branch in (
        '\n<% if @user.vip? %><div class="vip"><% else %><div class="member"><% end %>Welcome back!</div>',
        '\n<% if (locals.vip) { %><div class="vip"><% } else { %><div class="member"><% } %>Welcome back!</div>',
    ):
        report = mail.lint(
            mail.insert_after(text, '<td class="content-cell">', branch), select="MKP", config={"select": ["MKP"]}
        )
        assert mail.findings(report, "MKP002") == [], branch
        [finding] = mail.findings(report, "MKP010")
        assert finding.message.startswith("Could not verify: <div> is never closed"), branch


def test_template_code_right_after_a_tag_name_is_not_part_of_the_name(mail):
    text = mail.text("postmark/receipt.source.html")
    row = (
        '\n<table role="presentation"><tr><td{% if wide %} width="600"{% endif %}>Hi</td>'
        '<td<% if (wide) { %> width="600"<% } %>>there</td></tr></table>'
        '\n<h{{ level }} style="margin:0">{{ heading }}</h{{ level }}>'
    )
    report = mail.lint(
        mail.insert_after(text, '<td class="content-cell">', row), select="MKP", config={"select": ["MKP"]}
    )
    before = mail.lint(text, select="MKP", config={"select": ["MKP"]})
    assert [(f.code, f.message) for f in report.findings] == [(f.code, f.message) for f in before.findings]
