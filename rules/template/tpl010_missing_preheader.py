"""TPL010 missing-preheader: No preheader: the inbox preview shows whatever text comes first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import (
    body_anchor,
    is_partial,
    readable,
)


@rule(
    code="TPL010",
    name="missing-preheader",
    summary="No preheader: the inbox preview shows whatever text comes first",
    severity="info",
    section="template",
)
def missing_preheader(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports an email with no preheader: no hidden text before the visible body,
    and no element whose class names it (`preheader`, `preview`). A preheader
    whose text is only spacer characters (`&nbsp;&zwnj;`) counts as none. Template
    partials (template mode, no `<html>` and no `<body>`) are not checked.

    Why is this bad?
    Inboxes show a line of preview text after the subject. Without a preheader
    they take the first text in the email: "View in browser", an image's alt
    text, or "[Product Name]". It is an info, because a first paragraph written
    to be the preview works too.

    Example
    ```html
    <body>
      <table>...<p>View this email in your browser</p>...
    ```

    Use instead
    ```html
    <body>
      <span class="preheader" style="display:none;max-height:0;overflow:hidden;">
        Your order ships today: track it here.</span>
      <table>...
    ```
    """
    if is_partial(email, context) or email.preheader:
        return
    first = readable(email.visible_text, 60)
    shown = f': here, "{first}"' if first else ""
    yield Finding(
        f"No preheader: inboxes will preview the first text of the email instead{shown}",
        span=body_anchor(email),
        suggestion='add <span class="preheader" style="display:none;max-height:0;overflow:hidden;">…</span> '
        "as the first thing in <body>",
        data={"first_text": first},
    )
