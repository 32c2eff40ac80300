"""MKP007 empty-declaration."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import declaration_blocks


@rule(
    code="MKP007",
    name="empty-declaration",
    summary="A CSS property with no value",
    severity="warning",
    section="markup",
)
def empty_declaration(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports declarations that name a property and give it no value (`color: ;`,
    `background-color:!important`), in `<style>` blocks and `style=""` attributes.
    A merge tag as the value is a value: `color: {{ brand_color }}` is not reported.

    Why is this bad?
    It is usually a value that a template or a build step failed to fill in
    (a brand colour, a width): the client drops the declaration and the element
    falls back to its default look, in the sent email and nowhere in your preview.

    Example
    ```html
    <td style="background-color: ; padding: 24px">...</td>
    ```

    Use instead
    ```html
    <td style="background-color: #f4f4f7; padding: 24px">...</td>
    ```
    """
    for block in declaration_blocks(email):
        for declaration in block.declarations:
            if declaration.value or declaration.templated:
                continue
            yield Finding(
                f"`{declaration.name}` has no value: clients drop the declaration",
                span=email.span(declaration.start),
                data={"property": declaration.name},
            )
