"""TPL003 test-marker: A test marker ('[TEST]', 'Test email #1', 'DO NOT SEND') is in the email."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, Severity, rule
from oopslint.text import text_runs

from ._common import (
    Pattern,
    allowed,
    make_pattern,
    normalized,
    run_place,
    scan_runs,
    user_patterns,
)

_PROSE_BEFORE_TEST = re.compile(
    r"(?:\b(?:a|an|the|your|our|my|their|send|sends|sending|sent|another|each|every|first|one|any|free|split|"
    r"a/b|ab)|\bA/B)\s+$",
    re.I,
)


def _test_email_is_marker(text: str, match: re.Match[str]) -> bool:
    return not _PROSE_BEFORE_TEST.search(text[: match.start()])


TEST_MARKERS: tuple[Pattern, ...] = (
    make_pattern(
        "bracketed",
        r"\[\s*(?:test|testing|draft|qa|uat|staging|internal(?:\s+only)?|proof|seed|sandbox|do\s+not\s+send)\s*\]"
        r"|\((?:TEST|TESTING|DRAFT|QA|STAGING|PROOF|DO NOT SEND)\)",
        "a test marker",
        needles=("[", "("),
    ),
    make_pattern(
        "prefix",
        r"^\s*(?:TEST|TESTING|DRAFT|QA|STAGING|PROOF)\s*[:|–—-]",
        "a test marker",
        flags=0,
        only_in=frozenset(("subject", "preheader")),
    ),
    make_pattern(
        "do-not-send", r"\bDO\s+NOT\s+SEND\b", "a note that this email must not be sent", flags=0, needles=("send",)
    ),
    make_pattern(
        "do-not-send-note",
        r"\b(?:do\s+not|don[’']?t)\s+send\b"
        r"(?=[^\S\n]*(?:$|[.!:;)\]|–—\n\x00-]|yet\b|this\s+(?:e-?mail|message|version|draft)\b))",
        "a note that this email must not be sent",
        needles=("send",),
    ),
    make_pattern(
        "kind-of-test",
        r"\b(?:integration|smoke|regression|load|qa|uat|e2e|end-to-end|automated|internal|seed)\s+test\s+"
        r"(?:e-?mail|message|send|campaign|notification)\b(?:\s*(?:#|no\.?\s*)?\d+\b)?",
        "a test send",
        needles=("test",),
    ),
    make_pattern(
        "numbered",
        r"\b(?:test|testing)\s+(?:e-?mail|message|send|campaign|newsletter|notification|mailing)"
        r"\s*(?:#|no\.?\s*)?\d+\b",
        "a numbered test send",
        needles=("test",),
    ),
    make_pattern(
        "this-is-a-test",
        r"\bthis\s+is\s+(?:just\s+|only\s+)?(?:a|another)\s+test\b(?!\s+of\s+(?:your|our)\b)",
        "a test marker",
        needles=("test",),
    ),
    make_pattern(
        "testing-123",
        r"\btesting\s*,?\s*(?:1\s*,?\s*2\s*,?\s*3|one\s*,?\s*two(?:\s*,?\s*three)?)\b",
        "a test marker",
        needles=("testing",),
    ),
    make_pattern("test-test", r"\b(?:test\s*123|test\s+test)\b", "a test marker", needles=("test",)),
    make_pattern(
        "test-email",
        r"(?<![\w/-])test\s+(?:e-?mail|message|send)\b",
        "reads like a test send",
        check=_test_email_is_marker,
        fixed=Severity.WARNING,
        needles=("test",),
    ),
)

_TEST_SUBJECT = re.compile(
    r"^\s*(?:test|testing|tester|test\s*\d+|asdf+|qwerty|foo|foobar|hello\s+world|sample)\s*[.!]?\s*$", re.I
)


@rule(
    code="TPL003",
    name="test-marker",
    summary="A test marker ('[TEST]', 'Test email #1', 'DO NOT SEND') is in the email",
    severity="error",
    section="template",
    options={"test_marker_patterns": [], "test_marker_allow": []},
    option_docs={
        "test_marker_patterns": "extra regular expressions (case-insensitive) that mark a test or draft",
        "test_marker_allow": "exact texts never reported",
    },
)
def leftover_test_marker(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports words that mark an email as a test or draft, in the subject, body,
    preheader, hidden, alt and title text: `[TEST]`, `[DRAFT]`, `(QA)`, a subject
    that starts `TEST:` or is just "test", "DO NOT SEND", "Test email #3",
    "Integration Test Email #1", "This is a test", "testing 1 2 3".

    It reads words, not letters: "testing", "latest", "contest", "attest" and
    "testimonial" never match, and neither does prose about tests ("send a test
    email to your team", "an A/B test message", "please do not send cash"). A
    bare "Test email" that is not a heading-like marker is reported as a warning,
    because it can be ordinary copy.

    Why is this bad?
    Test sends escape: a retailer once mailed "Integration Test Email #1" to its
    whole list. A marker that reaches customers is embarrassing, and it means
    the wrong version (or the wrong audience) went out.

    Example
    ```text
    Subject: [TEST] Spring sale starts now
    ```

    Use instead
    ```text
    Subject: Spring sale starts now
    ```
    Keep test markers out of templates, or add them only in the sending tool's
    test-send path. Extra markers: `test_marker_patterns`; exact texts to allow:
    `test_marker_allow`.
    """
    extra = user_patterns(options, "test_marker_patterns")
    patterns = TEST_MARKERS + tuple(
        Pattern("custom", regex, "matches a pattern in test_marker_patterns") for regex in extra
    )
    allow = allowed(options, "test_marker_allow")
    subject = email.subject_segment
    if subject is not None and _TEST_SUBJECT.match(subject.text) and normalized(subject.text) not in allow:
        shown = " ".join(subject.text.split())
        yield Finding(
            f"The subject {shown!r} is a test subject: this looks like a test send",
            span=email.segment_span(subject, 0, len(subject.text)),
            data={"text": shown, "kind": "test-subject", "where": "subject"},
        )
    for hit in scan_runs(text_runs(email), patterns, allow):
        run, pattern = hit.run, hit.pattern
        shown = " ".join(hit.text.split())
        severity = pattern.fixed or Severity.ERROR
        if pattern.kind == "test-email" and run.where == "subject":
            severity = Severity.ERROR
        yield Finding(
            f"Test marker {shown!r} in {run_place(run)}: {pattern.explanation}; it must never reach customers",
            span=run.span(email, hit.start, hit.end),
            severity=severity,
            data={"text": shown, "kind": pattern.kind, "where": run.where},
        )
