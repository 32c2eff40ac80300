"""MKP001 stray-end-tag."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import markup_problems


@rule(
    code="MKP001", name="stray-end-tag", summary="An end tag that closes nothing", severity="warning", section="markup"
)
def stray_end_tag(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports end tags that close nothing open in their scope: a `</div>` inside a
    table cell whose `<div>` was opened outside the table, a `</span>` with no
    `<span>`, a `</p>` with no paragraph, `</br>`. End tags that HTML makes optional
    (`</td>` after the next `<td>` closed the cell, `</li>`, `</tr>`) are never
    reported; nor is markup inside Outlook conditional comments or `<svg>`.

    Why is this bad?
    Browsers drop the stray tag (or, for `</p>`, add an empty paragraph and its
    margins); Outlook on Windows, which renders with Word, may close the nearest
    enclosing element instead and push the rest of the email out of its column.
    The same email then looks different in every client.

    Example
    ```html
    <div class="card">
      <table><tr><td>Total: $42.00</div></td></tr></table>
    ```

    Use instead
    ```html
    <div class="card">
      <table><tr><td>Total: $42.00</td></tr></table>
    </div>
    ```
    """
    for problem in markup_problems(email):
        if problem.kind == "stray" and problem.branch is None:
            data: dict[str, Any] = {"tag": problem.tag}
            if problem.related is not None:
                data["related_line"] = email.position(problem.related)[0]
            yield Finding(problem.message, span=email.span(problem.start, problem.end), data=data)
