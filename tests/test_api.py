"""The Python API a send pipeline uses: lint, alint, preflight."""

from __future__ import annotations

import asyncio
import os
from email.message import EmailMessage

import pytest

import oopslint
from oopslint import Finding, Linter, PreflightError, Severity, rule
from oopslint.registry import Registry


def test_lint_returns_a_report_for_every_kind_of_input(corpus, tmp_path):
    path = corpus / "leemunroe" / "email.inlined.html"
    html = path.read_text()
    message = EmailMessage()
    message["Subject"] = "Hello"
    message.set_content(html, subtype="html")
    for source in (html, html.encode(), path, message):
        report = oopslint.lint(source, offline=True)
        assert isinstance(report, oopslint.Report)
        assert report.exit_code in (0, 1)


def test_preflight_raises_with_the_report_when_input_is_unreadable():
    with pytest.raises(PreflightError) as raised:
        oopslint.preflight(b"")
    assert raised.value.report.findings[0].code == "OOPS004"
    assert "OOPS004" in str(raised.value)


@rule(code="API001", name="subject-says-test", severity="error", section="api")
def subject_says_test(email, context, options):
    """Flags a subject containing 'test'."""
    if email.subject and "test" in email.subject.lower():
        yield Finding(f"subject says test: {email.subject!r}")


@rule(code="API002", name="leaky-crash", severity="warning", section="api")
def leaky_crash(email, context, options):
    """Crashes with a secret in its message."""
    raise RuntimeError(f"backend refused key {os.environ['OOPSLINT_TEST_API_KEY']}")


def test_preflight_blocks_and_passes():
    linter = Linter({"select": ["API001"]}, registry=Registry([subject_says_test]))
    report = linter.lint("<p>Hi</p>", subject="Integration Test Email #1")
    assert not report.ok
    assert report.findings[0].message == "subject says test: 'Integration Test Email #1'"
    assert linter.lint("<p>Hi</p>", subject="Your receipt").ok


def test_subject_can_come_from_the_context():
    linter = Linter({"select": ["API001"]}, registry=Registry([subject_says_test]))
    report = linter.lint("<p>Hi</p>", context={"subject": "test send"})
    assert [f.code for f in report.findings] == ["API001"]


def test_secrets_never_reach_a_finding(monkeypatch):
    secret = "sk_live_51H8abcdefghijklmnop"
    monkeypatch.setenv("OOPSLINT_TEST_API_KEY", secret)
    report = Linter({}, registry=Registry([leaky_crash])).lint("<p>Hi</p>")
    (finding,) = report.findings
    assert finding.code == "OOPS001"
    assert secret not in finding.message and "***" in finding.message
    assert secret not in report.to_json()


def test_alint_inside_a_running_loop(corpus):
    async def main():
        return await oopslint.alint(corpus / "leemunroe" / "email.inlined.html", offline=True)

    assert isinstance(asyncio.run(main()), oopslint.Report)


def test_public_api_is_typed_and_small():
    assert (os.path.dirname(oopslint.__file__) + "/py.typed") and os.path.exists(
        os.path.join(os.path.dirname(oopslint.__file__), "py.typed")
    )
    for name in (
        "lint",
        "alint",
        "preflight",
        "Report",
        "Finding",
        "Severity",
        "Rule",
        "rule",
        "Email",
        "SendContext",
        "PreflightError",
    ):
        assert hasattr(oopslint, name)
    assert Severity.ERROR > Severity.WARNING > Severity.INFO


def test_public_classes_have_type_hints_that_resolve_at_run_time():
    """typing.get_type_hints works on every public class, as documentation
    tools and validators call it (Config names the Registry it selects from)."""
    import typing

    classes = [getattr(oopslint, name) for name in oopslint.__all__ if isinstance(getattr(oopslint, name), type)]
    assert oopslint.Config in classes and oopslint.SendContext in classes
    for cls in classes:
        typing.get_type_hints(cls)
    hints = typing.get_type_hints(oopslint.Config.from_mapping)
    assert hints["registry"] == Registry | None
