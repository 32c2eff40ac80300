"""CTR004 contrast-not-verified."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import OPTION_DOCS, OPTIONS, settings, text_of, verdicts


@rule(
    code="CTR004",
    name="contrast-not-verified",
    summary="Text sits on a background image, gradient or VML shape with no solid fallback colour",
    severity="info",
    section="contrast",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
)
def contrast_not_verified(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports text whose contrast cannot be computed: a background image
    (CSS `background-image`, the `background=` attribute), a gradient or an
    Outlook VML shape paints behind it and no solid background colour is set
    under it, or the text has exactly the colour of its background. Never a
    guess either way: text that CTR001 or CTR002 already reports is not
    repeated here. With a solid fallback colour set, CTR001 checks that colour
    instead and says so.

    Why is this bad?
    Images are blocked by default in many clients; without a fallback colour
    the reader sees the text on whatever is behind, often white on white.

    Example
    ```html
    <td background="https://cdn.example/hero.jpg" style="background-image: url(https://cdn.example/hero.jpg)">
      <h1 style="color: #FFFFFF">Summer sale</h1></td>
    ```

    Use instead
    ```html
    <td background="https://cdn.example/hero.jpg" bgcolor="#1D3557"
        style="background: #1D3557 url(https://cdn.example/hero.jpg)">
      <h1 style="color: #FFFFFF">Summer sale</h1></td>
    ```
    """
    config = settings(options)
    for verdict in verdicts(email, config):
        if verdict.failing:
            continue
        unverifiable = verdict.unverifiable
        invisible = verdict.invisible
        if not unverifiable and not invisible:
            continue
        text = text_of(email, verdict.element)
        if unverifiable:
            message = (
                f"Could not verify contrast of {text!r}: a background image, gradient or VML shape is behind "
                f"it with no solid fallback colour ({', '.join(unverifiable)})"
            )
            suggestion = "set a solid background colour (bgcolor and background-color) close to the image's tone"
        else:
            painted = verdict.painted[invisible[0]]
            message = (
                f"Could not verify contrast of {text!r}: the text has the very colour of its background "
                f"({painted.color.hex()} on {painted.background.hex()}) in {', '.join(invisible)}"
            )
            suggestion = "remove hidden text, or give it a colour that can be read"
        yield Finding(message, span=email.element_span(verdict.element), suggestion=suggestion, data=verdict.data())
