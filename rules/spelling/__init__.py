"""TYP: typos in everything a reader sees.

Subject, preheader, body text, link text, and ``alt`` and ``title``
attributes are read in the language their ``lang`` attribute names, with
pyspellchecker's word lists. All TYP rules share ``[tool.oopslint.spelling]``.
"""

from __future__ import annotations

from typing import Any, Iterator

from oopslint import Finding, Severity, rule

from .checker import OPTION_DOCS, OPTIONS, Issue, analyze, match_case
from .wordlists import available_languages

__all__ = ["misspelled_word", "unknown_word", "repeated_word", "flagged_word", "spelling_not_checked"]

_PLACES = {"subject": " in the subject", "alt": " in alt text", "title": " in a title attribute"}
#: Unknown words per email for which suggestions two edits away are looked for.
DEEP_SUGGESTIONS_PER_EMAIL = 30
_ADD_WORD = "if it is right, add it to [tool.oopslint.spelling] words"


def _where(issue: Issue) -> str:
    segment = issue.segment
    if segment.kind in _PLACES:
        return _PLACES[segment.kind]
    if segment.preheader:
        return " in the preheader"
    return ""


def _span(email: Any, issue: Issue):
    return email.segment_span(issue.segment, issue.start, issue.end)


def _quote_list(words: list[str]) -> str:
    quoted = [f"'{w}'" for w in words]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


@rule(code="TYP001", name="misspelled-word", summary="A word is a known misspelling",
      severity="error", section="spelling", options=OPTIONS, option_docs=OPTION_DOCS, uses_context=True)
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
    for issue in analyze(email, context, options).of("misspelling"):
        correction = issue.correction or ""
        if issue.maybe_name:
            message = (f"'{issue.word}'{_where(issue)} looks like a misspelling of '{correction}' "
                       f"(if it is a name, add it to [tool.oopslint.spelling] words)")
            severity = Severity.WARNING
        else:
            message = f"Misspelled word '{issue.word}'{_where(issue)}: did you mean '{correction}'?"
            severity = None
        yield Finding(message, span=_span(email, issue), suggestion=f"replace with '{correction}'",
                      severity=severity,
                      data={"word": issue.word, "correction": correction, "language": issue.language})


@rule(code="TYP002", name="unknown-word", summary="A word is in no dictionary",
      severity="warning", section="spelling", options=OPTIONS, option_docs=OPTION_DOCS, uses_context=True)
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
        message = f"Unknown word '{issue.word}'{_where(issue)}"
        if suggestions:
            message += f": did you mean {_quote_list(suggestions)}?"
        count = counts[key]
        if count > 1:
            message += f" ({count} times)"
        yield Finding(message, span=_span(email, issue), suggestion=_ADD_WORD,
                      data={"word": issue.word, "suggestions": suggestions, "language": issue.language,
                            "occurrences": count})


@rule(code="TYP003", name="repeated-word", summary="A word is repeated (\"the the\")",
      severity="warning", section="spelling", options=OPTIONS, option_docs=OPTION_DOCS, uses_context=True)
def repeated_word(email: Any, context: Any, options: Any) -> Iterator[Finding]:
    """What it does
    Finds a word written twice in a row, also when the two sit in different
    inline tags ("the <b>the</b>"). Doublings that are grammatical ("that
    that", "had had", German "die die", French "nous nous") are allowed, and
    `allowed-repeats` adds more.

    Why is this bad?
    Readers stumble on a doubled word, and editing in a template editor
    makes them easy to create and hard to see.

    Example
        <p>Your order is on the <b>the</b> way.</p>

    Use instead
        <p>Your order is on the <b>way</b>.</p>
    """
    for issue in analyze(email, context, options).of("repeated"):
        yield Finding(f"Repeated word '{issue.correction} {issue.word}'{_where(issue)}",
                      span=_span(email, issue), suggestion=f"remove the second '{issue.word}'",
                      data={"word": issue.word})


@rule(code="TYP004", name="flagged-word", summary="A word this project never uses",
      severity="error", section="spelling", options=OPTIONS, option_docs=OPTION_DOCS, uses_context=True)
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
    for issue in analyze(email, context, options).of("flagged"):
        if issue.correction:
            message = f"'{issue.word}'{_where(issue)} is on this project's list of words to avoid: use '{issue.correction}'"
            suggestion = f"replace with '{issue.correction}'"
        else:
            message = f"'{issue.word}'{_where(issue)} is on this project's list of words to avoid"
            suggestion = None
        yield Finding(message, span=_span(email, issue), suggestion=suggestion,
                      data={"word": issue.word, "correction": issue.correction})


@rule(code="TYP005", name="spelling-not-checked", summary="Text in a language without a dictionary",
      severity="info", section="spelling", options=OPTIONS, option_docs=OPTION_DOCS, uses_context=True)
def spelling_not_checked(email: Any, context: Any, options: Any) -> Iterator[Finding]:
    """What it does
    Says which text was not spell-checked because its `lang` attribute names
    a language pyspellchecker has no dictionary for (it ships ar, de, en,
    es, eu, fa, fr, it, lv, nl, pt and ru). One finding per language, at
    its first word.

    Why is this bad?
    A check that silently skips text looks like a pass. This tells you that
    part of the email went unread.

    Example
        <p lang="ja">ご注文ありがとうございます</p>

    Use instead
    Nothing to fix in the email; ignore TYP005 if you know. If the `lang`
    value is wrong (lang="english"), use a language code (lang="en").
    """
    for issue in analyze(email, context, options).of("unsupported-language"):
        words = "word" if issue.count == 1 else "words"
        yield Finding(
            f"Spelling not checked in {issue.count} {words} marked lang=\"{issue.language}\": "
            f"no dictionary for it (available: {', '.join(available_languages())})",
            span=_span(email, issue),
            data={"language": issue.language, "words": issue.count},
        )
