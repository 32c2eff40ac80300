"""CMP002 partially-supported-feature."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import OPTION_DOCS, OPTIONS, finding_data, judged, message, notes_text


@rule(
    code="CMP002",
    name="partially-supported-feature",
    summary="HTML or CSS that a targeted mail client supports only in part",
    severity="info",
    section="clients",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
)
def partially_supported_feature(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports features of the email that a targeted client (`[tool.oopslint.clients]
    targets`) supports only in part according to caniemail, with caniemail's note
    numbers and their text ("note 1: Partial. Only supported on table cells.").
    Features that some targeted client does not support at all are reported by
    CMP001 or CMP003 instead (one finding per feature). When caniemail's most
    recent tests of a client disagree, the feature is reported here with that
    remark rather than guessed either way.

    Why is this bad?
    Partial support usually works but has a catch that the note names: padding
    only on table cells in Outlook, `<style>` only in the `<head>` in Gmail. Knowing
    the catch is how you avoid it.

    Example
    ```html
    <div style="padding: 24px">...</div>
    ```

    Use instead
    ```html
    <td style="padding: 24px">...</td>
    ```
    """
    for report in judged(email, options["targets"]):
        if report.unsupported or not report.partial:
            continue
        yield Finding(
            message(email, report, "partially supported", report.partial),
            span=email.span(report.usages[0].start),
            suggestion=(notes_text(report, report.partial) + f" See {report.feature.url}").strip(),
            data=finding_data(email, report, report.partial),
        )
