"""Helpers the TYP rules share: where an issue sits, in words and as a span."""

from __future__ import annotations

from typing import Any

from .checker import Issue

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
