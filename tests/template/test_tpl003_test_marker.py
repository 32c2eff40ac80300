"""TPL003 test-marker: test and draft markers in the subject and body, and the words it must leave alone."""

from __future__ import annotations

import pytest

NEWSLETTER = "leemunroe/email.source.html"


def _with_copy(tpl, copy: str) -> str:
    html = tpl.text(NEWSLETTER)
    return html.replace("<p>Hi there</p>", f"<p>Hi there</p>\n                  {copy}", 1)


def test_integration_test_email_heading(tpl):
    name = "leemunroe/newsletter.test-marker.html"
    report = tpl.lint(name, mode="template", select="TPL003")
    found = tpl.findings(report, "TPL003")
    assert len(found) == 1
    assert (found[0].line, found[0].column) == tpl.locate(name, "Integration Test Email #1")
    assert found[0].message == (
        "Test marker 'Integration Test Email #1' in the body text: a test send; it must never reach customers"
    )
    assert found[0].severity.name == "ERROR"
    assert report.exit_code == 1


def test_test_marker_in_the_subject_of_an_eml(tpl):
    name = "eml/newsletter.test-subject.eml"
    found = tpl.findings(tpl.lint(name, mode="rendered", select="TPL003"), "TPL003")
    assert len(found) == 1
    assert (found[0].line, found[0].column) == tpl.locate(name, "[TEST]")
    assert found[0].message == "Test marker '[TEST]' in the subject: a test marker; it must never reach customers"


def test_quiet_on_clean_real_emails(tpl):
    for name in (
        NEWSLETTER,
        "eml/newsletter.one-click.eml",
        "postmark/receipt.rendered.html",
        "mailgun/alert.source.html",
    ):
        assert tpl.findings(tpl.lint(name, mode="rendered", select="TPL003"), "TPL003") == [], name


@pytest.mark.parametrize(
    ("copy", "expected", "severity"),
    [
        ("<h2>[DRAFT] Spring catalogue</h2>", "[DRAFT]", "ERROR"),
        ("<p>DO NOT SEND - waiting for legal</p>", "DO NOT SEND", "ERROR"),
        ("<p>Do not send yet.</p>", "Do not send", "ERROR"),
        ("<p>This is a <em>test</em> email from the staging server.</p>", "This is a test", "ERROR"),
        ("<p>Testing, 1, 2, 3</p>", "Testing, 1, 2, 3", "ERROR"),
        ("<p>test email 3 for the new footer</p>", "test email 3", "ERROR"),
        ("<h2>Test email</h2>", "Test email", "WARNING"),
    ],
)
def test_markers_in_the_body(tpl, copy, expected, severity):
    html = _with_copy(tpl, copy)
    found = tpl.findings(tpl.lint(html, mode="rendered", select="TPL003"), "TPL003")
    assert [(f.data["text"], f.severity.name) for f in found] == [(expected, severity)]
    assert (found[0].line, found[0].column) == tpl.locate(html, copy, offset=copy.index(expected.split()[0]))


@pytest.mark.parametrize(
    "copy",
    [
        "<p>Our latest contest is open: attest to your skills and win.</p>",
        "<p>Testing made easy: read the testimonials from our customers.</p>",
        "<p>Before launch, send a test email to your team.</p>",
        "<p>Results from an A/B test email we ran last spring.</p>",
        "<p>Please do not send cash or card numbers by email.</p>",
        "<p>The protest and the test drive are both on Saturday.</p>",
        "<p>This is a test of your patience, we know: the sale ends Friday.</p>",
        "<p>Our QA team reviewed every checkout step.</p>",
    ],
)
def test_ordinary_copy_is_not_a_marker(tpl, copy):
    html = _with_copy(tpl, copy)
    assert tpl.findings(tpl.lint(html, mode="rendered", select="TPL003"), "TPL003") == []


@pytest.mark.parametrize("subject", ["test", "Test 2", "TEST: spring sale", "asdf", "[QA] Spring sale"])
def test_test_subjects(tpl, subject):
    found = tpl.findings(tpl.lint(NEWSLETTER, mode="rendered", select="TPL003", subject=subject), "TPL003")
    assert len(found) == 1
    assert found[0].data["where"] == "subject"
    assert found[0].severity.name == "ERROR"


@pytest.mark.parametrize("subject", ["The latest from Acme", "Contest winners inside", "Your test results are ready"])
def test_ordinary_subjects(tpl, subject):
    assert tpl.findings(tpl.lint(NEWSLETTER, mode="rendered", select="TPL003", subject=subject), "TPL003") == []


def test_extra_markers_and_allowed_texts_from_configuration(tpl):
    html = _with_copy(tpl, "<p>PREVIEW BUILD 42</p><p>Do not send.</p>")
    options = {"test_marker_patterns": [r"\bpreview build \d+\b"], "test_marker_allow": ["Do not send"]}
    found = tpl.findings(tpl.lint(html, mode="rendered", select="TPL003", options=options), "TPL003")
    assert [(f.data["text"], f.data["kind"]) for f in found] == [("PREVIEW BUILD 42", "custom")]
