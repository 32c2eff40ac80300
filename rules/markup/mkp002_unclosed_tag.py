"""MKP002 unclosed-tag."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import markup_problems


@rule(
    code="MKP002", name="unclosed-tag", summary="An element that is never closed", severity="warning", section="markup"
)
def unclosed_tag(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports elements whose end tag never comes: closed by the end tag of an
    enclosing element (`<div>` closed by `</td>`) or still open at the end of the
    email. Elements whose end tag HTML makes optional (`<td>`, `<tr>`, `<li>`,
    `<p>`, `<option>`...) are never reported: `<td>` closed by the next `<td>` is fine.

    Why is this bad?
    Where an unclosed element ends is a guess, and clients guess differently: a
    browser ends the `<div>` at the cell's end, Outlook on Windows may carry its
    styles into the next cells, and an unclosed `<a>` or `<table>` can swallow
    the rest of the email (every word becomes one link).

    Example
    ```html
    <td><div style="font-weight: bold">Order #1042</td>
    ```

    Use instead
    ```html
    <td><div style="font-weight: bold">Order #1042</div></td>
    ```
    """
    for problem in markup_problems(email):
        if problem.kind == "unclosed" and problem.branch is None:
            data: dict[str, Any] = {"tag": problem.tag}
            if problem.related is not None:
                data["related_line"] = email.position(problem.related)[0]
            yield Finding(problem.message, span=email.span(problem.start, problem.end), data=data)
