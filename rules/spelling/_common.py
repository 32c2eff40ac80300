"""Helpers the TYP rules share: where an issue sits, in words and as a span."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Finding

from .checker import MAX_LISTED, Analysis, Issue

_PLACES = {"subject": " in the subject", "alt": " in alt text", "title": " in a title attribute"}


def place_of(issue: Issue) -> str:
    segment = issue.segment
    if segment.kind in _PLACES:
        return _PLACES[segment.kind]
    if segment.preheader:
        return " in the preheader"
    return ""


def issue_span(email: Any, issue: Issue):
    return email.segment_span(issue.segment, issue.start, issue.end)


def unlisted_finding(
    email: Any, analysis: Analysis, kind: str, what: str, shown: str, severity: Any = None
) -> Iterator[Finding]:
    """One finding for the issues of ``kind`` past ``MAX_LISTED``, at the first
    of them: ``shown`` is how that one reads ("Repeated word 'the the'"),
    ``what`` names the rest ("repeated words")."""
    issue = analysis.unlisted.get(kind)
    if issue is None:
        return
    more = issue.count - 1
    message = f"{shown}{place_of(issue)}"
    if more:
        message += f" (and {more:,} more {what} after it, not listed: at most {MAX_LISTED:,} are reported per email)"
    yield Finding(
        message,
        span=issue_span(email, issue),
        suggestion="fix the ones listed and lint again",
        severity=severity,
        data={"word": issue.word, "not_listed": issue.count},
    )
