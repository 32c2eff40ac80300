"""CMP001 unsupported-feature."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, Severity, rule

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
    code="CMP001",
    name="unsupported-feature",
    summary="HTML or CSS that a targeted mail client does not support",
    severity="warning",
    section="clients",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
)
def unsupported_feature(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Checks every HTML element, attribute, CSS property, value, unit, selector and
    at-rule of the email against the caniemail data (vendored, no network) for the
    clients in `[tool.oopslint.clients] targets` (caniemail `family.platform` names,
    globs allowed; default Apple Mail, Gmail, Outlook and Yahoo! Mail everywhere).
    One finding per feature, naming every line that uses it and the clients that do
    not support it, collapsed by family ("Outlook (Windows 2007, 2010, 2013; Windows
    Mail)"). `data.feature` is the caniemail slug and `data.clients` the client keys.

    CSS inside `<!--[if mso]>` and VML are judged only against Outlook on Windows,
    markup inside `<!--[if !mso]><!-->` against everyone else; client hacks
    (`.ExternalClass`, `#outlook a`, `u + .body`, `[x-apple-data-detectors]`...),
    `mso-*` and vendor-prefixed properties are not reported. Features that degrade
    gracefully (`@media`, `:hover`, web fonts...) are CMP003's, not this rule's;
    partial support is CMP002's.

    Teams that must support a client can make this an error:
    `[tool.oopslint.severity] CMP001 = "error"`.

    Why is this bad?
    The client drops what it does not support: a flex layout collapses into one
    column in Outlook on Windows, rounded buttons turn square, a background image
    never shows. Readers of that client see a broken email.

    Example
    ```html
    <div style="display: flex; border-radius: 6px">...</div>
    ```

    Use instead
    ```html
    <table role="presentation"><tr><td style="border-radius: 6px">...</td></tr></table>
    <!--[if mso]><v:roundrect arcsize="10%">...</v:roundrect><![endif]-->
    ```
    """
    for report in judged(email, options["targets"]):
        if report.enhancement or not report.unsupported:
            continue
        problems = report.problems
        text = message(email, report, "not supported", report.unsupported)
        if report.partial:
            text += f" (partial in {describe_clients(report.partial)})"
        yield Finding(
            text,
            span=email.span(report.usages[0].start),
            suggestion=(notes_text(report, problems) + f" See {report.feature.url}").strip(),
            data=finding_data(email, report, problems),
            severity=Severity.WARNING,
        )
