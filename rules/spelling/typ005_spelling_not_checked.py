"""TYP005 spelling-not-checked: Text in a language without a dictionary."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Finding, rule

from ._common import (
    issue_span,
)
from .checker import OPTION_DOCS, OPTIONS, analyze
from .wordlists import available_languages


@rule(
    code="TYP005",
    name="spelling-not-checked",
    summary="Text in a language without a dictionary",
    severity="info",
    section="spelling",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
    uses_context=True,
)
def spelling_not_checked(email: Any, context: Any, options: Any) -> Iterator[Finding]:
    """What it does
    Says which text was not spell-checked because its `lang` attribute names
    a language pyspellchecker has no dictionary for (it ships ar, de, en,
    es, eu, fa, fr, it, lv, nl, pt and ru). One finding per language, at
    its first word. Text marked `lang="und"` (undetermined, MJML's default)
    names no language: it is read in the configured `languages`.

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
            f'Spelling not checked in {issue.count} {words} marked lang="{issue.language}": '
            f"no dictionary for it (available: {', '.join(available_languages())})",
            span=issue_span(email, issue),
            data={"language": issue.language, "words": issue.count},
        )
