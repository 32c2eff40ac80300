"""MKP009 style-block-dropped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule
from oopslint.css import stylesheets

# syntax errors that leave the block's structure in doubt (not one bad declaration)
_STRUCTURAL = frozenset(
    (
        "unclosed-block",
        "stray-brace",
        "unclosed-comment",
        "bad-string",
        "eof-in-string",
        "bad-url",
        "eof-in-url",
        "invalid",
        "}",
        ")",
        "]",
    )
)
GMAIL_STYLE_LIMIT = 16 * 1024


@rule(
    code="MKP009",
    name="style-block-dropped",
    summary="A <style> block that Gmail drops whole",
    severity="error",
    section="markup",
)
def style_block_dropped(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports `<style>` blocks that Gmail removes entirely, and says which block and
    why: a syntax error in the block's structure (a `{` never closed, a `}` that
    closes nothing, a comment or string never closed, a rule with no `{ }`), or a
    block larger than Gmail's 16 KB limit for one `<style>` element (caniemail,
    html-style note 6). One bad declaration inside a rule is MKP005-MKP007's,
    not this rule's.

    Why is this bad?
    Gmail does not recover from CSS errors the way browsers do: it drops the whole
    `<style>` element. Every class, the dark-mode and mobile styles, everything in
    the block is gone for the largest webmail, while your browser preview looks fine.

    Example
    ```html
    <style>
      .button { background: #3869d4; color: #ffffff;
      @media (max-width: 600px) { .column { width: 100% !important; } }
    </style>
    ```

    Use instead
    ```html
    <style>
      .button { background: #3869d4; color: #ffffff; }
      @media (max-width: 600px) { .column { width: 100% !important; } }
    </style>
    ```
    """
    for sheet in stylesheets(email):
        reasons = []
        first = None
        for problem in sheet.problems:
            if problem.in_declarations or problem.kind not in _STRUCTURAL:
                continue
            line = email.position(problem.start)[0]
            reasons.append(f"{problem.message} (line {line})")
            first = problem.start if first is None else first
        size = len(sheet.css.encode("utf-8"))
        if size > GMAIL_STYLE_LIMIT:
            reasons.append(f"it is {size / 1024:.1f} KB, over Gmail's 16 KB limit for one <style>")
        if not reasons:
            continue
        block_start = sheet.element.start if sheet.element is not None else sheet.offset
        block_line = email.position(block_start)[0]
        yield Finding(
            f"Gmail drops the whole <style> block of line {block_line}: " + "; ".join(dict.fromkeys(reasons)),
            span=email.span(first if first is not None else block_start),
            data={"block_line": block_line, "reasons": list(dict.fromkeys(reasons))},
        )
