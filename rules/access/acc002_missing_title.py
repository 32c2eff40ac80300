"""ACC002 missing-title."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import is_partial


@rule(
    code="ACC002",
    name="missing-title",
    summary="The email has no <title>, or an empty one",
    severity="warning",
    section="access",
)
def missing_title(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports an email whose HTML has no `<title>` element, or one with no text.
    A title made of a merge tag (`<title>{{subject}}</title>`) counts as a
    title. Template partials (no `<html>` and no `<body>`) are not checked.

    Why is this bad?
    Screen readers announce the title when the email is opened in a browser
    tab or a webmail view, and "view in browser" pages show it in the tab.
    An empty title is announced as the file name or "untitled".

    Example
    ```html
    <head><meta charset="utf-8"><title></title></head>
    ```

    Use instead
    ```html
    <head><meta charset="utf-8"><title>Your receipt from Acme</title></head>
    ```
    Use the subject line, or a short name for the email.
    """
    if is_partial(email, context) or email.html_element is None and email.body_element is None:
        return
    titles = email.find("title")
    if titles:
        title = titles[0]
        end = title.close_end or title.end
        inner = email.html[title.end : end]
        inner = inner[: inner.lower().rfind("</title")] if "</title" in inner.lower() else inner
        if inner.strip():
            return
        yield Finding(
            "The <title> is empty: screen readers announce the email as untitled",
            span=email.element_span(title),
            suggestion="put the subject line in the <title>",
        )
        return
    anchor = next(iter(email.find("head")), None) or email.html_element or email.body_element
    yield Finding(
        "The email has no <title>: screen readers announce it as untitled",
        span=email.element_span(anchor) if anchor is not None else None,
        suggestion="add <title>…</title> with the subject line inside <head>",
    )
