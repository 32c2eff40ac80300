"""TYP001 misspelled-word: A word is a known misspelling."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Finding, Severity, rule

from ._common import (
    issue_span,
    place_of,
    unlisted_finding,
)
from .checker import OPTION_DOCS, OPTIONS, analyze


@rule(
    code="TYP001",
    name="misspelled-word",
    summary="A word is a known misspelling",
    severity="error",
    section="spelling",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
    uses_context=True,
)
def misspelled_word(email: Any, context: Any, options: Any) -> Iterator[Finding]:
    """What it does
    Finds words that are not in the dictionary and have one clear correction:
    a frequent word one slip away (a swapped, doubled, missing or mistyped
    letter, a missing apostrophe, or two words run together), far more
    likely than any other. The message names the correction.

    A capitalised word in the middle of a sentence may be a name, so there
    the finding is a warning.

    Why is this bad?
    A typo in a subject line or a receipt is seen by every recipient, and
    makes a real message look like phishing.

    Example
        <p>You will recieve a receipt by email.</p>

    Use instead
        <p>You will receive a receipt by email.</p>
    """
    analysis = analyze(email, context, options)
    for issue in analysis.of("misspelling"):
        correction = issue.correction or ""
        if issue.maybe_name:
            message = (
                f"'{issue.word}'{place_of(issue)} looks like a misspelling of '{correction}' "
                f"(if it is a name, add it to [tool.oopslint.spelling] words)"
            )
            severity = Severity.WARNING
        else:
            message = f"Misspelled word '{issue.word}'{place_of(issue)}: did you mean '{correction}'?"
            severity = None
        yield Finding(
            message,
            span=issue_span(email, issue),
            suggestion=f"replace with '{correction}'",
            severity=severity,
            data={"word": issue.word, "correction": correction, "language": issue.language},
        )
    past = analysis.unlisted.get("misspelling")
    if past is not None:
        shown = f"Misspelled word '{past.word}'"
        yield from unlisted_finding(email, analysis, "misspelling", "misspelled words", shown)
