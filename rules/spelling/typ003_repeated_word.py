"""TYP003 repeated-word: A word is repeated ("the the")."""

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
    code="TYP003",
    name="repeated-word",
    summary='A word is repeated ("the the")',
    severity="warning",
    section="spelling",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
    uses_context=True,
)
def repeated_word(email: Any, context: Any, options: Any) -> Iterator[Finding]:
    """What it does
    Finds a word written twice in a row, also when the two sit in different
    inline tags ("the <b>the</b>"). Doublings that are grammatical ("that
    that", "had had", German "die die", French "nous nous") are allowed, and
    `allowed-repeats` adds more.
    Past 10,000 repeats in one email, one finding at the next counts the rest.

    Why is this bad?
    Readers stumble on a doubled word, and editing in a template editor
    makes them easy to create and hard to see.

    Example
        <p>Your order is on the <b>the</b> way.</p>

    Use instead
        <p>Your order is on the <b>way</b>.</p>
    """
    analysis = analyze(email, context, options)
    for issue in analysis.of("repeated"):
        yield Finding(
            f"Repeated word '{issue.correction} {issue.word}'{place_of(issue)}",
            span=issue_span(email, issue),
            suggestion=f"remove the second '{issue.word}'",
            data={"word": issue.word},
        )
    past = analysis.unlisted.get("repeated")
    if past is not None:
        shown = f"Repeated word '{past.correction} {past.word}'"
        yield from unlisted_finding(email, analysis, "repeated", "repeated words", shown)
