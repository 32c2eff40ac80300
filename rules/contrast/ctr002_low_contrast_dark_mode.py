"""CTR002 low-contrast-dark-mode."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import (
    DARK_PROFILES,
    LIGHT_PROFILES,
    OPTION_DOCS,
    OPTIONS,
    describe,
    settings,
    suggest,
    text_of,
    verdicts,
)


@rule(
    code="CTR002",
    name="low-contrast-dark-mode",
    summary="Text is readable in light mode but too faint once a client darkens the email",
    severity="warning",
    section="contrast",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
)
def low_contrast_dark_mode(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Checks the same text as CTR001 in the dark profiles: `dark-media` (the
    email's own `@media (prefers-color-scheme: dark)` rules, only when it has
    some), `dark-partial` (light backgrounds darkened, dark text lightened,
    dark areas kept) and `dark-full` (every colour's lightness inverted). Text
    that passes in every light profile but fails in a dark one is reported
    here, as a warning: clients differ and the profiles model what they are
    reported to do. Text that also fails in light mode is CTR001's finding.

    Why is this bad?
    Around a third of readers open email in dark mode. A dark-mode stylesheet
    that recolours the background but not the footer text, or a brand colour
    that turns muddy when inverted, makes text disappear for them.

    Example
    ```html
    <style>@media (prefers-color-scheme: dark) { .email-body { background-color: #333333 !important; } }</style>
    <td class="email-body"><p style="color: #51545E">Questions? Reply to this email.</p></td>
    ```

    Use instead
    ```html
    <style>@media (prefers-color-scheme: dark) {
      .email-body { background-color: #333333 !important; } .email-body p { color: #FFFFFF !important; } }</style>
    ```
    """
    config = settings(options)
    for verdict in verdicts(email, config):
        failing = verdict.failing
        if not failing or any(p in LIGHT_PROFILES for p in failing):
            continue
        dark = [p for p in failing if p in DARK_PROFILES]
        first = verdict.painted[dark[0]]
        text = text_of(email, verdict.element)
        message = f"Low contrast in dark mode {text!r}: {describe(first)} in {', '.join(dark)}"
        better = suggest(first, [verdict.painted[p] for p in dark[1:]])
        data = verdict.data()
        data["suggested_color"] = better
        suggestion = (
            "give this text its own colour in a prefers-color-scheme: dark rule"
            if dark[0] == "dark-media"
            else "pick text and background colours whose contrast survives inversion"
            + (f" (the text as {better} would pass here)" if better else "")
        )
        yield Finding(message, span=email.element_span(verdict.element), suggestion=suggestion, data=data)
