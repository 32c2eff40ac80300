"""MKP003 duplicate-attribute."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import markup_problems


@rule(
    code="MKP003",
    name="duplicate-attribute",
    summary="An attribute given twice in one tag",
    severity="warning",
    section="markup",
)
def duplicate_attribute(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports an attribute written twice in the same tag with different values
    (`<td class="a" class="b">`, two `style=`). The same value twice changes nothing
    and is not reported.

    Why is this bad?
    Every client keeps the first value and silently ignores the second: the second
    `style=` never applies, the second `class=` never matches the CSS written for
    it. The author meant both.

    Example
    ```html
    <td class="align-right" width="20%" class="purchase_item">{{amount}}</td>
    ```

    Use instead
    ```html
    <td class="align-right purchase_item" width="20%">{{amount}}</td>
    ```
    """
    for problem in markup_problems(email):
        if problem.kind == "duplicate":
            data: dict[str, Any] = {"tag": problem.tag}
            if problem.related is not None:
                data["related_line"] = email.position(problem.related)[0]
            yield Finding(problem.message, span=email.span(problem.start, problem.end), data=data)
