"""CTR001 low-contrast-text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import (
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
    code="CTR001",
    name="low-contrast-text",
    summary="Text or link colour is too close to its background in a light-mode client",
    severity="error",
    section="contrast",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
)
def low_contrast_text(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Computes the colour of every piece of visible text, links first, and the
    colour behind it, the way each selected mail-client profile paints them
    (`full-css`, `style-stripped`, `default-link-colour`; see the README), and
    reports text below the WCAG 2.x contrast ratio: 4.5:1, or 3:1 for large
    text (24px and up, or 18.66px and up at weight 700+). One finding per
    element names every profile where it fails, both colours, the ratio
    (rounded down to two decimals) and the nearest colour of the same hue that
    passes. A link coloured only from `<style>` is painted in the client's
    default link colour where `<style>` is stripped; the finding says so.
    The painted colours of every profile are in the finding's `data`.

    Why is this bad?
    Low-contrast text is unreadable for many readers (low vision, a phone in
    sunlight), and a link colour that only works in the author's client is the
    classic "link colour rendered wrong in some clients" bug.

    Example
    ```html
    <style>.button { color: #FFFFFF; }</style>
    <td style="background-color: #22BC66"><a class="button" href="https://example.com/pay">Pay now</a></td>
    ```

    Use instead
    ```html
    <td style="background-color: #14773F">
      <a href="https://example.com/pay" style="color: #FFFFFF">Pay now</a></td>
    ```
    Inline link colours (premailer does it) and pick colours that reach 4.5:1.
    """
    config = settings(options)
    for verdict in verdicts(email, config):
        failing = [p for p in verdict.failing if p in LIGHT_PROFILES]
        if not failing:
            continue
        first = verdict.painted[failing[0]]
        others = [verdict.painted[p] for p in failing[1:]]
        text = text_of(email, verdict.element)
        stripped = verdict.painted.get("style-stripped")
        full = verdict.painted.get("full-css")
        data = verdict.data()
        if (
            stripped is not None
            and "style-stripped" in failing
            and stripped.color_origin == "client-link"
            and full is not None
            and full.color_origin == "style-block"
        ):
            message = (
                f"Link {text!r}: its colour {full.color.hex()} is set only in <style>; clients that strip "
                f"<style> paint it in their default link colour: {describe(stripped)}"
                + (
                    f" (also fails in {', '.join(p for p in failing if p != 'style-stripped')})"
                    if len(failing) > 1
                    else ""
                )
            )
            suggestion = f'inline the colour on the link (style="color: {full.color.hex()}"; premailer does it)' + (
                "" if full.passes else f" and use a colour that passes, such as {suggest(full, [])}"
            )
            yield Finding(message, span=email.element_span(verdict.element), suggestion=suggestion, data=data)
            continue
        message = f"Low contrast {text!r}: {describe(first)} in {', '.join(failing)}"
        if any(o.color != first.color or o.background != first.background for o in others):
            message += "; " + "; ".join(
                f"{o.profile}: {o.color.hex()} on {o.background.hex()} {o.ratio:.2f}:1" for o in others
            )
        if first.fallback:
            message += " (checked against the solid fallback colour under a background image)"
        better = suggest(first, others)
        suggestion = (
            f"use {better} (same hue, passes {first.threshold:g}:1)"
            if better
            else "change the background: no shade of this hue passes"
        )
        data["suggested_color"] = better
        yield Finding(message, span=email.element_span(verdict.element), suggestion=suggestion, data=data)
