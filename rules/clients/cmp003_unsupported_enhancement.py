"""CMP003 unsupported-enhancement."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import (
    RULE_SETTINGS,
    describe_clients,
    finding_data,
    message,
    notes_text,
    reports_of,
    shown_partial,
)


@rule(
    code="CMP003",
    name="unsupported-enhancement",
    summary="A feature that a targeted mail client ignores but that degrades gracefully (opt-in)",
    severity="info",
    **RULE_SETTINGS,
)
def unsupported_enhancement(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Only with `[tool.oopslint.clients] report_graceful = true`: reports features a
    targeted client does not support but that the email does not depend on, the
    ones CMP001 leaves out: `@media` queries and everything inside them, `:hover`
    and other pseudo-class rules, `@font-face` and `@import` of web fonts,
    `@keyframes`, transitions, `color-scheme`, decoration (`border-radius`,
    shadows...), a background image over a background colour, values with an
    earlier fallback, and `<style>` blocks whose effects are also inlined. Same
    data, targets and one-finding-per-feature reporting as CMP001. By default it
    reports nothing: an email that works without these is not broken.

    Why is this bad?
    Usually it is not: the mobile layout from `@media` never reaches Outlook on
    Windows, which shows the desktop layout; buttons are square there. The list is
    for a review of what each client loses, once.

    Example
    ```html
    <style>@media (max-width: 600px) { .column { display: block !important } }</style>
    <table class="column" width="50%">...</table>
    ```

    Use instead
    ```html
    <!-- a desktop layout that still reads well at 600px, with @media refining it -->
    <table class="column" width="100%" style="max-width: 300px">...</table>
    ```
    """
    for report in reports_of(email, options, "CMP003"):
        partial = shown_partial(report, options)
        problems = report.unsupported + partial
        text = message(email, report, "ignored", report.unsupported, report.usages)
        if partial:
            text += f" (partial in {describe_clients(partial)})"
        yield Finding(
            text,
            span=email.span(report.usages[0].start),
            suggestion=(notes_text(report, problems) + f" See {report.feature.url}").strip(),
            data=finding_data(email, report, problems, report.usages),
        )
