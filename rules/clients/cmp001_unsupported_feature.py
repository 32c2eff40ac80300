"""CMP001 unsupported-feature."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import (
    RULE_SETTINGS,
    describe_clients,
    effects_text,
    finding_data,
    message,
    notes_text,
    reports_of,
    shown_partial,
)


@rule(
    code="CMP001",
    name="unsupported-feature",
    summary="HTML or CSS the email relies on that a targeted mail client does not support",
    severity="warning",
    **RULE_SETTINGS,
)
def unsupported_feature(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Checks every HTML element, attribute, CSS property, value, unit, selector and
    at-rule of the email against the caniemail data (vendored, no network) for the
    clients in `[tool.oopslint.clients] targets` (caniemail `family.platform` names,
    globs allowed; default Apple Mail, Gmail, Outlook and Yahoo! Mail everywhere),
    and reports a feature a targeted client does not support only where the email
    relies on it: a `display:flex` or `grid` layout, `position`, CSS variables,
    `calc()` with no fallback value, SVG or WebP images, `<video>`, forms, a
    `<style>` block whose colours, hidden parts or widths are not also inlined (in
    clients that drop `<style>`: "relies on it for color: #3869D4 on <a>").

    What degrades gracefully is not reported (set `report_graceful = true` to see it
    as CMP003): anything inside `@media` or `@supports`, `:hover` and other
    pseudo-class rules, web fonts, decoration (`border-radius`, shadows,
    `box-sizing`, `word-break`, `min-width`, `height`...), a background image over a
    background colour (`bgcolor` or `background-color`), a declaration that repeats
    an earlier one as a fallback (`font-size:16px; font-size:1rem`), `display:none`
    backed by `visibility`, `max-height`, `mso-hide`..., `srcset`, `target`, and a
    `<style>` block or selector whose effects are also inlined.

    One finding per feature, naming every line that relies on it and the clients,
    collapsed by family ("Outlook (Windows 2007, 2010, 2013; Windows Mail)").
    `data.feature` is the caniemail slug and `data.clients` the client keys. CSS
    inside `<!--[if mso]>` and VML are judged only against Outlook on Windows,
    markup inside `<!--[if !mso]><!-->` against everyone else; client hacks
    (`.ExternalClass`, `#outlook a`, `u + .body`, `[x-apple-data-detectors]`...),
    `mso-*` and vendor-prefixed properties are not reported. Teams that must
    support a client can make this an error: `[tool.oopslint.severity] CMP001 = "error"`.

    Why is this bad?
    The client drops what it does not support: a flex layout collapses into one
    column in Outlook on Windows, an SVG logo never shows in Gmail, a `<style>`-only
    preheader shows in clients that drop `<style>`. Readers of that client see a
    broken email.

    Example
    ```html
    <div style="display: flex">...</div>
    ```

    Use instead
    ```html
    <table role="presentation"><tr><td>...</td><td>...</td></tr></table>
    ```
    """
    for report in reports_of(email, options, "CMP001"):
        unsupported = report.relied_unsupported
        partial = shown_partial(report, options)
        problems = unsupported + partial
        text = message(email, report, "not supported", unsupported, report.relied)
        if partial:
            text += f" (partial in {describe_clients(partial)})"
        suggestion = " ".join(part for part in (effects_text(report), notes_text(report, problems)) if part)
        yield Finding(
            text,
            span=email.span(report.relied[0].start),
            suggestion=(suggestion + f" See {report.feature.url}").strip(),
            data=finding_data(email, report, problems, report.relied),
        )
