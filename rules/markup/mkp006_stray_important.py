"""MKP006 stray-important."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import declaration_blocks


def _is_important_at(tokens: list[Any], index: int) -> bool:
    """``!`` at ``index`` followed (after spaces) by ``important``."""
    for token in tokens[index + 1 :]:
        if token.type in ("whitespace", "comment"):
            continue
        return token.type == "ident" and token.lower_value == "important"
    return False


@rule(
    code="MKP006",
    name="stray-important",
    summary="An !important that belongs to no declaration",
    severity="warning",
    section="markup",
)
def stray_important(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports `!important` written after the semicolon that ends its declaration
    (`color: red;!important`) or in the middle of a value (`color: red !important
    blue`), in `<style>` blocks and `style=""` attributes.

    Why is this bad?
    The `!important` ends up as a declaration of its own, which is invalid: the
    declaration it was meant for loses its priority (and a client's own styles,
    or Gmail's, win), and stricter clients drop the declarations after it.

    Example
    ```html
    <a href="https://shop.example" style="color: #ffffff;!important; text-decoration: none">Shop</a>
    ```

    Use instead
    ```html
    <a href="https://shop.example" style="color: #ffffff !important; text-decoration: none">Shop</a>
    ```
    """
    for block in declaration_blocks(email):
        if not block.may_misplace_important:
            continue
        tokens = list(block.content)
        previous = None
        for index, token in enumerate(tokens):
            if token.type in ("whitespace", "comment"):
                continue
            if token.type == "literal" and token.value == "!" and _is_important_at(tokens, index):
                if previous is None or (previous.type == "literal" and previous.value == ";"):
                    yield Finding(
                        "`!important` after the semicolon belongs to no declaration: the declaration before it "
                        "is not important, and stricter clients drop what follows",
                        span=email.span(block.locate(token)),
                        suggestion="move `!important` before the `;`",
                    )
            previous = token
        for declaration in block.declarations:
            values = [t for t in declaration.tokens if t.type not in ("whitespace", "comment")]
            for index, token in enumerate(values):
                if (
                    token.type == "literal"
                    and token.value == "!"
                    and _is_important_at(values, index)
                    and index + 2 < len(values)
                ):
                    yield Finding(
                        f"`!important` in the middle of `{declaration.name}: {declaration.value}`: the whole "
                        "declaration is invalid and dropped",
                        span=email.span(block.locate(token)),
                        suggestion="put `!important` at the end of the value",
                    )
                    break
