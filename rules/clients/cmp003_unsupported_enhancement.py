"""CMP003 unsupported-enhancement."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import (
    OPTION_DOCS,
    OPTIONS,
    describe_clients,
    finding_data,
    judged,
    message,
    notes_text,
)


@rule(
    code="CMP003",
    name="unsupported-enhancement",
    summary="A progressive enhancement that a targeted mail client ignores",
    severity="warning",
    section="clients",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
)
def unsupported_enhancement(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports features that a targeted client does not support but that degrade
    gracefully where they are ignored: `@media` queries and everything inside them,
    `:hover` and other pseudo-class rules, `@font-face` and `@import` of web fonts,
    `@keyframes`, transitions, `color-scheme`. It is kept apart from CMP001 so a
    team that makes CMP001 an error still gets these as warnings. Same data, targets
    and one-finding-per-feature reporting as CMP001.

    Why is this bad?
    Usually it is not, if the email reads well without the enhancement: the mobile
    layout from `@media` never reaches Outlook on Windows, which then shows the
    desktop layout. The warning is a reminder to look at that fallback once.

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
    for report in judged(email, options["targets"]):
        if not report.enhancement or not report.unsupported:
            continue
        text = message(email, report, "ignored", report.unsupported)
        if report.partial:
            text += f" (partial in {describe_clients(report.partial)})"
        yield Finding(
            text,
            span=email.span(report.usages[0].start),
            suggestion=(notes_text(report, report.problems) + f" See {report.feature.url}").strip(),
            data=finding_data(email, report, report.problems),
        )
