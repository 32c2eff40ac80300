"""TYP004 flagged-word: A word this project never uses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Finding, rule

from ._common import (
    issue_span,
    place_of,
    unlisted_finding,
)
from .checker import OPTION_DOCS, OPTIONS, analyze


@rule(
    code="TYP004",
    name="flagged-word",
    summary="A word this project never uses",
    severity="error",
    section="spelling",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
    uses_context=True,
)
def flagged_word(email: Any, context: Any, options: Any) -> Iterator[Finding]:
    """What it does
    Reports words listed in `flag-words`: spellings that are always wrong in
    this brand's mail, even when a dictionary knows them, with their
    correction. A key with capitals matches that exact spelling ("Github"),
    a lower-case key matches any capitalisation ("e-mail").

    Why is this bad?
    House style and brand names are part of what recipients trust: "Github"
    or "e-mail" in one email out of many looks careless.

    Example
        # pyproject.toml
        [tool.oopslint.spelling]
        flag-words = {"e-mail" = "email", "Github" = "GitHub"}

        <p>Reply to this e-mail to reach us.</p>

    Use instead
        <p>Reply to this email to reach us.</p>
    """
    analysis = analyze(email, context, options)
    for issue in analysis.of("flagged"):
        if issue.correction:
            message = (
                f"'{issue.word}'{place_of(issue)} is on this project's list of words to avoid: use '{issue.correction}'"
            )
            suggestion = f"replace with '{issue.correction}'"
        else:
            message = f"'{issue.word}'{place_of(issue)} is on this project's list of words to avoid"
            suggestion = None
        yield Finding(
            message,
            span=issue_span(email, issue),
            suggestion=suggestion,
            data={"word": issue.word, "correction": issue.correction},
        )
    past = analysis.unlisted.get("flagged")
    if past is not None:
        shown = f"'{past.word}' is on this project's list of words to avoid"
        yield from unlisted_finding(email, analysis, "flagged", "words to avoid", shown)
