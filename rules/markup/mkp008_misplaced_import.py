"""MKP008 misplaced-import."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule
from oopslint.css import stylesheets

_MAY_PRECEDE_IMPORT = frozenset(("import", "charset", "layer"))


@rule(
    code="MKP008",
    name="misplaced-import",
    summary="An @import that every client ignores",
    severity="warning",
    section="markup",
)
def misplaced_import(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports `@import` inside `@media` (or another block), and `@import` after other
    rules of the same `<style>` block.

    Why is this bad?
    CSS allows `@import` only at the top of a style sheet, before every other rule.
    Anywhere else it is ignored by every browser-based client, so the web font or
    the style sheet it loads never arrives, in no client at all.

    Example
    ```html
    <style>
      @media screen { @import url("https://fonts.googleapis.com/css?family=Inter"); }
    </style>
    ```

    Use instead
    ```html
    <style>
      @import url("https://fonts.googleapis.com/css?family=Inter");
      @media screen { .title { font-family: Inter, Arial, sans-serif; } }
    </style>
    ```
    """
    for sheet in stylesheets(email):
        first_rule = min(
            [rule.start for rule in sheet.rules if not rule.context]
            + [at.start for at in sheet.at_rules if not at.context and at.keyword not in _MAY_PRECEDE_IMPORT],
            default=None,
        )
        for at_rule in sheet.at_rules:
            if at_rule.keyword != "import":
                continue
            if at_rule.context:
                reason = f"inside `{at_rule.context[-1]}`"
            elif first_rule is not None and at_rule.start > first_rule:
                reason = f"after the rule on line {email.position(first_rule)[0]}"
            else:
                continue
            yield Finding(
                f"`@import {at_rule.prelude}` {reason} is ignored: @import must come first in a style sheet",
                span=email.span(at_rule.start),
                suggestion="move the @import to the top of the <style> block",
            )
