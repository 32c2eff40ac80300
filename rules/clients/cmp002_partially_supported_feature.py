"""CMP002 partially-supported-feature."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import RULE_SETTINGS, finding_data, message, notes_text, relevant_partial, reports_of


@rule(
    code="CMP002",
    name="partially-supported-feature",
    summary="HTML or CSS that a targeted mail client supports only in part, where the catch concerns the email",
    severity="info",
    **RULE_SETTINGS,
)
def partially_supported_feature(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports features a targeted client (`[tool.oopslint.clients] targets`) supports
    only in part according to caniemail, when caniemail's note on that partial
    support is about what the email does: `padding` on a `<div>` ("note 1:
    Partial. Only supported on table cells."), a negative `margin`, `rem` in a
    `font-size`, `display:none` on an `<img>`, `cc=` in a `mailto:` link, a
    `<style>` block inside `<body>` or over 16 KB, a media query on
    `orientation`... with the note's number and text. Padding on a `<td>`, the
    usual case, is not reported: the note does not concern it.

    Notes that cannot be decided on the email (a declaration in a `<style>` block
    may apply to any element; "not supported with non Google accounts"; bugs with
    no condition) and uses that degrade gracefully (see CMP001) are left out; set
    `report_partial = true` to report every partial verdict, as before, including
    caniemail tests of one client that disagree. Features that a targeted client
    does not support at all are CMP001's (or CMP003's) finding, not this rule's.

    Why is this bad?
    Partial support usually works but has a catch: padding only on table cells in
    Outlook, `<style>` only in the `<head>` in Gmail. When the email hits the catch,
    the client shows something other than what was written.

    Example
    ```html
    <div style="padding: 24px">...</div>
    ```

    Use instead
    ```html
    <td style="padding: 24px">...</td>
    ```
    """
    for report in reports_of(email, options, "CMP002"):
        if options.get("report_partial"):
            problems, uses = report.partial, report.usages
        else:
            problems, uses = relevant_partial(report)
        yield Finding(
            message(email, report, "partially supported", problems, uses),
            span=email.span(uses[0].start),
            suggestion=(notes_text(report, problems) + f" See {report.feature.url}").strip(),
            data=finding_data(email, report, problems, uses),
        )
