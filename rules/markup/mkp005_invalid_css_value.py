"""MKP005 invalid-css-value."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import declaration_blocks
from ._values import invalid_declarations


@rule(
    code="MKP005",
    name="invalid-css-value",
    summary="A CSS value that is not valid for its property",
    severity="warning",
    section="markup",
)
def invalid_css_value(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reads every declaration of the `<style>` blocks and `style=""` attributes with a
    real CSS parser and reports values that are not valid CSS: units that do not
    exist (`font-size: 20pxl`), keywords of another property (`text-align: top`,
    `vertical-align: center`, `font-weight: light`), lengths without a unit
    (`width: 600`), broken colours (`color: #fffff`, `color: ff0000`). Values with merge
    tags, `var()`/`calc()` and other functions, vendor and `mso-` properties and IE
    hacks are left alone.

    Why is this bad?
    A client drops a declaration it cannot parse, silently: the heading is not
    bold, the price is not right-aligned, the column is not 600 pixels wide. Some
    clients guess instead, so the email looks right in one and wrong in the next.

    Example
    ```html
    <td style="font-size: 20pxl; text-align: top; font-weight: light">Total</td>
    ```

    Use instead
    ```html
    <td style="font-size: 20px; vertical-align: top; font-weight: 300">Total</td>
    ```
    """
    for block in declaration_blocks(email):
        for declaration, (reason, token) in invalid_declarations(block.declarations):
            start = block.locate(token) if block.inline is False or token is not None else declaration.start
            yield Finding(
                f"Invalid CSS value in `{declaration.name}: {declaration.value}`: {reason}; clients drop the declaration",
                span=email.span(start),
                data={"property": declaration.name, "value": declaration.value},
            )
