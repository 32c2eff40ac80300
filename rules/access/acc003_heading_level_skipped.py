"""ACC003 heading-level-skipped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule


@rule(
    code="ACC003",
    name="heading-level-skipped",
    summary="A heading skips a level (an <h1> followed by an <h4>)",
    severity="warning",
    section="access",
)
def heading_level_skipped(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Walks the visible headings (`<h1>`-`<h6>`, and `role="heading"` with
    `aria-level`) in order and reports one that goes more than one level
    deeper than the heading before it. The first heading may have any level,
    and going back up any number of levels is fine (as axe-core's
    `heading-order` rule decides).

    Why is this bad?
    Screen-reader users move through an email by its headings; a jump from
    level 1 to level 4 suggests sections that are not there, and headings
    picked for their size rather than their place mislead them.

    Example
    ```html
    <h1>Your order has shipped</h1>
    <h4>Order summary</h4>
    ```

    Use instead
    ```html
    <h1>Your order has shipped</h1>
    <h2 style="font-size: 14px">Order summary</h2>
    ```
    Style a heading's size with CSS; choose its level by its place.
    """
    previous: int | None = None
    for element in email.elements:
        tag = element.tag
        if tag[:1] != "h" and "role" not in element.attrs:
            continue  # neither <h1>...<h6> nor role="heading"
        if element.hidden or element.in_comment or element.in_head:
            continue
        level = _level(element)
        if level is None:
            continue
        if previous is not None and level > previous + 1:
            yield Finding(
                f"Heading level {level} (<{element.tag}>) follows level {previous}: level{'s' if level - previous > 2 else ''} "
                f"{', '.join(str(n) for n in range(previous + 1, level))} skipped",
                span=email.element_span(element),
                suggestion=f"use <h{previous + 1}> here and size it with CSS",
                data={"level": level, "previous": previous},
            )
        previous = level


def _level(element: Any) -> int | None:
    tag = element.tag
    if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
        return int(tag[1])
    if element.attrs.get("role", "").strip().lower() == "heading":
        try:
            return max(1, min(6, int(element.attrs.get("aria-level", "2"))))
        except ValueError:
            return 2
    return None
