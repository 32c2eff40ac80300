"""LNK005-LNK011: the checks that read the email only (and so run with --offline)."""

from __future__ import annotations

import json
from collections import Counter

from oopslint import Linter

from .linkserver import FIXTURES
from .offline_helpers import OFFLINE, email_with, lint


def test_every_offline_rule_fires_on_a_real_template_with_injected_faults():
    report = Linter({"select": OFFLINE}, mode="template", offline=True).lint_paths(
        [str(FIXTURES / "postmark" / "welcome-bad-links.html")]
    )
    assert [(f.code, f.line, f.column, str(f.severity), f.message) for f in report.findings] == [
        (
            "LNK006",
            447,
            26,
            "warning",
            "Link points at a placeholder: example.com is a reserved example domain, a placeholder rather than a real site",
        ),
        (
            "LNK006",
            462,
            62,
            "error",
            "Link points at a non-production host: localhost is this computer "
            "(localhost); it also uses http:// instead of https:// (LNK005)",
        ),
        (
            "LNK006",
            463,
            35,
            "error",
            "Image points at a non-production host: staging.acme.com looks like a staging host (staging.)",
        ),
        (
            "LNK007",
            480,
            56,
            "error",
            "Malformed link: www.acme.com/getting-started has no https://, so it is read as a relative path",
        ),
        (
            "LNK007",
            480,
            130,
            "error",
            "Malformed link: unknown scheme htps: in htps://acme.com/pricing; did you mean https://?",
        ),
        ("LNK005", 480, 189, "warning", "Insecure link: http://acme.com/blog uses http://; use https://"),
        ("LNK011", 481, 83, "warning", 'Link #login-details points at nothing: no element has id="login-details"'),
        (
            "LNK008",
            527,
            77,
            "error",
            "Malformed mailto: address 'support@acme': has no top-level domain after the @ (acme)",
        ),
        (
            "LNK009",
            527,
            268,
            "error",
            "Malformed tel: number '1-800-ACME-HELP': contains letters (ACMEHELP); phones dial digits only, "
            "so write the number in digits",
        ),
        ("LNK010", 528, 57, "warning", "Link text shows acme.com but the link goes to acme-support.net"),
    ]
    assert report.exit_code == 1
    assert [f.suggestion for f in report.findings if f.suggestion] == [
        "https://www.acme.com/getting-started",
        "https://acme.com/pricing",
        "https://acme.com/blog",
    ]


def _summary(report) -> Counter:
    return Counter((f.code, str(f.severity), f.message) for f in report.findings)


def test_clean_corpus_templates_give_no_error(corpus):
    report = Linter({"select": OFFLINE}, mode="template", offline=True).lint_paths(
        sorted(str(p) for p in corpus.glob("*/*.html"))
    )
    assert [f for f in report.findings if str(f.severity) == "error"] == []
    assert report.exit_code == 0
    # what is really there: placeholder example.com links, plain-http links, one empty mailto:
    assert {code for code, _, _ in _summary(report)} == {"LNK005", "LNK006", "LNK008"}
    placeholder = (
        "Link points at a placeholder: example.com is a reserved example domain, a placeholder rather than a real site"
    )
    # 32 placeholder links; the 10 of them on http:// get one finding that says so, not an LNK005 too
    assert _summary(report)[("LNK006", "warning", placeholder)] == 22
    assert (
        _summary(report)[("LNK006", "warning", placeholder + "; it also uses http:// instead of https:// (LNK005)")]
        == 10
    )
    assert (
        _summary(report)[
            (
                "LNK008",
                "warning",
                'mailto: link has no address, so it opens an empty draft (the text says "support@acme.inc")',
            )
        ]
        == 2
    )
    assert {m for c, _, m in _summary(report) if c == "LNK005"} == {
        f"Insecure link: {url} uses http://; use https://"
        for url in (
            "http://htmlemail.io",
            "http://htmlemail.io/blog",
            "http://twitter.com/mail_gun",
            "http://www.mailgun.com",
            "http://www.mailgun.com/",
        )
    }


def test_clean_corpus_rendered_mail_errors_only_on_what_would_really_break(corpus):
    report = Linter({"select": OFFLINE}, mode="rendered", offline=True).lint_paths(
        sorted(str(p) for p in corpus.glob("*/*.html"))
    )
    errors = Counter((f.code, f.message.split(":")[0]) for f in report.findings if str(f.severity) == "error")
    # sent as is, example.com links and an address-less mailto: would reach readers
    assert errors == Counter({("LNK006", "Link points at a placeholder"): 32, ("LNK008", "mailto"): 2})


def test_exclude_skips_a_url_for_every_lnk_rule():
    html = email_with('<a href="http://localhost:8080/preview">Preview</a>')
    assert lint(html, select=["LNK"], links={"exclude": ["^http://localhost:8080/"]}).findings == []


def test_offline_run_from_the_command_line(cli, tmp_path):
    result = cli(
        "check",
        "--offline",
        "--select",
        "LNK",
        "--format",
        "json",
        str(FIXTURES / "postmark" / "welcome-bad-links.html"),
    )
    assert result.returncode == 1
    data = json.loads(result.stdout)
    # the Google Fonts stylesheet (@import url(...)) is not an image: no rule would check it, so it is not counted
    assert data["summary"]["offline"] == {
        "skipped_rules": ["LNK001", "LNK002", "LNK003", "LNK004"],
        "unchecked_urls": 5,
    }
    assert {f["code"] for f in data["files"][0]["findings"]} == {
        "LNK005",
        "LNK006",
        "LNK007",
        "LNK008",
        "LNK009",
        "LNK010",
        "LNK011",
    }


def test_explain_prints_the_rule_documentation(cli):
    result = cli("explain", "LNK001")
    assert result.returncode == 0
    out = result.stdout.decode()
    assert "broken-link" in out and "What it does" in out and "Use instead" in out
