"""TYP002 unknown-word: A word is in no dictionary."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Finding, rule

from ._common import (
    issue_span,
    place_of,
    unlisted_finding,
)
from .checker import OPTION_DOCS, OPTIONS, analyze, match_case

#: Unknown words per email for which suggestions two edits away are looked for.
DEEP_SUGGESTIONS_PER_EMAIL = 30
#: Unknown words per email for which suggestions are looked for at all (a
#: fraction of a millisecond each): a page of text in an unexpected language
#: or of random tokens stays fast, and says so.
SUGGESTED_WORDS_PER_EMAIL = 1_000

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
    Suggestions are looked up for the first 1,000 unknown words of an email
    (the finding says so past them); past 10,000 distinct unknown words, one
    finding at the next one counts the rest.

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
    limit = int(options.get("max_suggestions", 3))
    deep_left = DEEP_SUGGESTIONS_PER_EMAIL
    suggested_left = SUGGESTED_WORDS_PER_EMAIL
    for issue in analysis.of("unknown"):
        suggestions: list[str] = []
        notes: list[str] = []
        if issue.dictionary is not None and limit:
            if suggested_left > 0:
                suggested_left -= 1
                # the slower distance-2 search is capped per email too
                suggestions = list(issue.dictionary.suggestions(issue.lookup, limit, deep=deep_left > 0))
                if not issue.dictionary.neighbours(issue.lookup):
                    deep_left -= 1
            else:
                notes.append(f"no suggestions past the first {SUGGESTED_WORDS_PER_EMAIL:,} unknown words of an email")
        suggestions = [match_case(s, issue.word) for s in suggestions]
        message = f"Unknown word '{issue.word}'{place_of(issue)}"
        if suggestions:
            message += f": did you mean {_quote_list(suggestions)}?"
        count = issue.count
        if count > 1:
            notes.insert(0, f"{count} times")
        if notes:
            message += f" ({'; '.join(notes)})"
        yield Finding(
            message,
            span=issue_span(email, issue),
            suggestion=_ADD_WORD,
            data={"word": issue.word, "suggestions": suggestions, "language": issue.language, "occurrences": count},
        )
    past = analysis.unlisted.get("unknown")
    if past is not None:
        yield from unlisted_finding(
            email, analysis, "unknown", "occurrences of unknown words", f"Unknown word '{past.word}'"
        )
