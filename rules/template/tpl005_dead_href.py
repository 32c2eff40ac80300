"""TPL005 dead-href: Link goes nowhere: empty href, '#', or a javascript: URL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import (
    dead_reason,
    readable,
)


def _link_label(link: Any) -> str:
    text = readable(link.text, 40)
    if text:
        return f'"{text}"'
    alts = [alt for alt in link.image_alts if alt.strip()]
    if alts:
        return f'with image "{readable(alts[0], 40)}"'
    return "(no text)"


@rule(
    code="TPL005",
    name="dead-href",
    summary="Link goes nowhere: empty href, '#', or a javascript: URL",
    severity="error",
    section="template",
)
def dead_href(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports links (`<a href>`, `<area href>` and VML buttons) whose href is empty,
    just `#`, a `javascript:`/`vbscript:`/`data:` URL, or a scheme with nothing after
    it (`https://`). Links whose href is a merge tag are left to TPL001; a
    `mailto:`/`tel:` with no address is LNK008/LNK009's, and a `#fragment`
    with no target is LNK011's.

    Why is this bad?
    `href="#"` is a designer's placeholder: in the inbox it does nothing, or
    reloads a blank page in webmail. Mail clients remove scripts, so a
    `javascript:` link is dead too, and spam filters count it against you. A
    button that does nothing loses the click the email was sent for.

    Example
    ```html
    <a href="#" class="button">Claim your discount</a>
    ```

    Use instead
    ```html
    <a href="https://shop.example/discount?code=SPRING" class="button">Claim your discount</a>
    ```
    """
    for link in email.links:
        if link.tokens:
            continue  # a templated href is filled in later (template mode) or TPL001's (rendered mode)
        reason = dead_reason(link.url)
        label = _link_label(link) if link.kind == "a" else f"<{link.element.tag}>"
        if reason is not None:
            kind, explanation, severity = reason
            suggestion = "point it at the real destination, or remove the link"
            yield Finding(
                f"Link {label} {explanation}",
                span=link.span,
                severity=severity,
                suggestion=suggestion,
                data={"href": link.url, "kind": kind},
            )
