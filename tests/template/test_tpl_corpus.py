"""The TPL family on the 30 clean real emails of the corpus, the CLI, and the rules' documentation."""

from __future__ import annotations

import json
import re

import pytest

import oopslint
from oopslint.registry import default_registry

BRACKET_PLACEHOLDER = re.compile(r"\[(?!if |endif)[^\]\n<]{1,60}\]")
EXAMPLE_COPY = {"This is preheader text", "This is example text"}


def _expected_lang_finding(relative: str) -> bool:
    # the Postmark files and the inlined Mailgun files truly have no lang
    return relative.startswith("postmark/") or relative in {
        "mailgun/action.inlined.html",
        "mailgun/alert.inlined.html",
        "mailgun/billing.inlined.html",
    }


def test_clean_corpus_in_template_mode_reports_only_what_is_there(tpl, corpus):
    files = sorted(corpus.glob("*/*.html"))
    assert len(files) == 30
    for path in files:
        relative = path.relative_to(corpus).as_posix()
        text = path.read_text(encoding="utf-8")
        report = tpl.lint(path, mode="template")
        findings = report.findings
        assert not [f for f in findings if f.severity.name == "ERROR"], relative
        by_code: dict[str, list] = {}
        for finding in findings:
            by_code.setdefault(finding.code, []).append(finding)
        assert set(by_code) <= {"TPL002", "TPL009", "TPL010"}, (relative, set(by_code))

        lang = by_code.get("TPL009", [])
        assert len(lang) == (1 if _expected_lang_finding(relative) else 0), relative
        if lang:
            assert (lang[0].line, lang[0].column) == tpl.locate(text, "<html")

        placeholders = by_code.get("TPL002", [])
        body = text[text.index("<body") :]
        brackets = [f for f in placeholders if f.data["kind"] == "bracket"]
        assert len(brackets) == len(BRACKET_PLACEHOLDER.findall(body)), relative
        examples = [f.data["text"] for f in placeholders if f.data["kind"] == "example-text"]
        assert set(examples) <= EXAMPLE_COPY and len(examples) == (
            1 if relative.startswith(("leemunroe/", "postmark/example.")) else 0
        ), relative
        assert len(brackets) + len(examples) == len(placeholders), relative

        preheader = by_code.get("TPL010", [])
        assert len(preheader) == (1 if relative.startswith(("mailgun/", "postmark/comment-notification.")) else 0), (
            relative
        )

        # Mailgun billing's bare "mailto:" is a real defect, reported once, by LNK008 (tests/links)


def test_corpus_in_rendered_mode_reports_every_unrendered_tag(tpl, corpus):
    for path in sorted(corpus.glob("*/*.html")):
        text = path.read_text(encoding="utf-8")
        found = tpl.findings(tpl.lint(path, mode="rendered", select="TPL001"), "TPL001")
        assert len(found) == len(re.findall(r"\{\{.*?\}\}", text, re.S)), path.name


def test_cli_reports_dead_links_with_positions_and_exit_code(cli, tpl):
    name = "fixtures/template/postmark/user-invitation.dead-links.html"
    result = cli("check", name, "--select", "TPL005", "--format", "json", "--offline")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout.decode())
    findings = report["files"][0]["findings"]
    assert [(f["code"], f["line"], f["column"]) for f in findings] == [
        ("TPL005", *tpl.locate("postmark/user-invitation.dead-links.html", '#" class="f-fallback button"')),
        ("TPL005", *tpl.locate("postmark/user-invitation.dead-links.html", "javascript:openChat()")),
        ("TPL005", *tpl.locate("postmark/user-invitation.dead-links.html", '">help documentation')),
    ]


def test_cli_rendered_flag_turns_on_tpl001(cli):
    name = "fixtures/template/postmark/receipt.leftover-tags.html"
    template = cli("check", name, "--select", "TPL001", "--offline")
    assert template.returncode == 0, template.stdout.decode()
    rendered = cli("check", name, "--select", "TPL001", "--rendered", "--offline")
    assert rendered.returncode == 1
    output = rendered.stdout.decode()
    assert "TPL001" in output and "{{credit_card_last_four}}" in output


def _tpl_rules():
    return [r for r in default_registry() if r.code.startswith("TPL")]


def test_ten_rules_with_stable_codes_and_names():
    assert [(r.code, r.name) for r in _tpl_rules()] == [
        ("TPL001", "unrendered-merge-tag"),
        ("TPL002", "placeholder-text"),
        ("TPL003", "test-marker"),
        ("TPL004", "image-missing-alt"),
        ("TPL005", "dead-href"),
        ("TPL006", "gmail-clipping"),
        ("TPL007", "missing-unsubscribe-link"),
        ("TPL008", "missing-one-click-unsubscribe"),
        ("TPL009", "missing-lang"),
        ("TPL010", "missing-preheader"),
    ]


@pytest.mark.parametrize("rule", _tpl_rules(), ids=lambda r: r.code)
def test_every_rule_is_documented(rule):
    text = rule.explain()
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead"):
        assert f"\n{heading}\n" in f"\n{rule.doc}\n", (rule.code, heading)
    for option in rule.options:
        assert rule.option_docs.get(option), (rule.code, option)
        assert option in text
    assert rule.section == "template"


def test_options_are_validated_by_configuration():
    with pytest.raises(oopslint.ConfigError, match="gmail_clip_kb must be a whole number"):
        oopslint.lint("<p>x</p>", config={"template": {"gmail_clip_kb": "big"}})
    with pytest.raises(oopslint.ConfigError, match="unknown option 'placeholders' in \\[template\\]"):
        oopslint.lint("<p>x</p>", config={"template": {"placeholders": []}})
