"""MKP004 misnested-tags."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import markup_problems


@rule(
    code="MKP004",
    name="misnested-tags",
    summary="Nesting that mail clients repair differently",
    severity="warning",
    section="markup",
)
def misnested_tags(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports nesting that HTML does not allow and that clients repair each in their
    own way: overlapping inline tags (`<b><i></b></i>`), a link inside a link, a
    block (`<div>`, `<table>`, `<p>`) inside a `<p>` followed by the `</p>` it
    orphans, and text or elements placed directly in a `<table>` or `<tr>` outside
    any cell (merge tags such as `{{#each}}` between rows are fine).

    Why is this bad?
    Browsers follow the HTML parsing algorithm: they move content found outside
    cells above the table, end the first link where the second starts, split the
    paragraph around the block. Outlook on Windows (Word) and some webmails keep
    the markup as written. The layout you tested in one client is not the one the
    next client shows.

    Example
    ```html
    <table><tr>Your order<td>Total</td></tr></table>
    <p>Thanks! <table><tr><td>...</td></tr></table></p>
    ```

    Use instead
    ```html
    <table><tr><td>Your order</td><td>Total</td></tr></table>
    <p>Thanks!</p> <table><tr><td>...</td></tr></table>
    ```
    """
    for problem in markup_problems(email):
        if problem.kind == "misnested":
            data: dict[str, Any] = {"tag": problem.tag}
            if problem.related is not None:
                data["related_line"] = email.position(problem.related)[0]
            yield Finding(problem.message, span=email.span(problem.start, problem.end), data=data)
