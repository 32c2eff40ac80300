"""TYP002 unknown-word: A word is in no dictionary."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Finding, rule

from ._common import (
    issue_span,
    place_of,
)
from .checker import OPTION_DOCS, OPTIONS, Issue, analyze, match_case

#: Unknown words per email for which suggestions two edits away are looked for.
DEEP_SUGGESTIONS_PER_EMAIL = 30

_ADD_WORD = "if it is right, add it to [tool.oopslint.spelling] words"


def _quote_list(words: list[str]) -> str:
    quoted = [f"'{w}'" for w in words]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


@rule(
    code="TYP002",
    name="unknown-word",
    summary="A word is in no dictionary",
    severity="warning",
    section="spelling",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
    uses_context=True,
)
def unknown_word(email: Any, context: Any, options: Any) -> Iterator[Finding]:
    """What it does
    Reports words found in no dictionary of the text's language, nor in the
    project's words, with up to three suggestions. Each word is reported once
    per email, at its first place, with the number of times it occurs.

    Never reported: merge tags, URLs, email addresses, domains and file
    names, hex colours, numbers and units (12px, 2nd), words with digits or
    capitals inside (iPhone, SKU123), acronyms (up to `max-acronym-length`
    capitals), codes in capitals in ordinary text (SAVEBIG), bracketed
    placeholders ([Product Name]), text in code, pre, kbd, samp and var,
    elements with translate="no", class="notranslate", spellcheck="false" or
    data-oopslint-skip, and the words of the sender's name and domain.

    Why is this bad?
    An unknown word is either a typo without one clear correction, or a name
    the dictionary lacks. Adding real names to the project's words keeps the
    next real typo visible.

    Example
        <p>Thanks for shopping with Acmeshop. Your parcle is on its way.</p>

    Use instead
        <p>Thanks for shopping with Acmeshop. Your parcel is on its way.</p>

        # and, since Acmeshop is the shop's name, in pyproject.toml:
        [tool.oopslint.spelling]
        words = ["Acmeshop"]
    """
    analysis = analyze(email, context, options)
    first: dict[tuple[str, str | None], Issue] = {}
    counts: dict[tuple[str, str | None], int] = {}
    for issue in analysis.of("unknown"):
        key = (issue.lookup, issue.language)
        first.setdefault(key, issue)
        counts[key] = counts.get(key, 0) + 1
    limit = int(options.get("max_suggestions", 3))
    deep_left = DEEP_SUGGESTIONS_PER_EMAIL
    for key, issue in first.items():
        suggestions: list[str] = []
        if issue.dictionary is not None and limit:
            # the slower distance-2 search is capped per email, so a page of
            # text in an unexpected language stays fast
            suggestions = list(issue.dictionary.suggestions(issue.lookup, limit, deep=deep_left > 0))
            if not issue.dictionary.classify(issue.lookup).candidates:
                deep_left -= 1
        suggestions = [match_case(s, issue.word) for s in suggestions]
        message = f"Unknown word '{issue.word}'{place_of(issue)}"
        if suggestions:
            message += f": did you mean {_quote_list(suggestions)}?"
        count = counts[key]
        if count > 1:
            message += f" ({count} times)"
        yield Finding(
            message,
            span=issue_span(email, issue),
            suggestion=_ADD_WORD,
            data={"word": issue.word, "suggestions": suggestions, "language": issue.language, "occurrences": count},
        )
