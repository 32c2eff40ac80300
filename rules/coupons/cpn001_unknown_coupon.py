"""CPN001 unknown-coupon: the shop has no such code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import OPTION_DOCS, OPTIONS, code_list, judgements


@rule(
    code="CPN001",
    name="unknown-coupon",
    summary="Coupon code does not exist in the shop",
    severity="error",
    section="coupons",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
    uses_context=True,
)
async def unknown_coupon(email: Email, context: SendContext, options: Any) -> AsyncIterator[Finding]:
    """What it does
        Looks up every coupon code the email names in the configured coupon
        source and reports the codes the shop does not know.

    Why is this bad?
        A code nobody created fails at checkout for every reader: the promotion
        costs goodwill instead of earning sales, and support answers the emails.

    Example
        ```html
        <p>Use code <strong>WINTER25</strong> at checkout.</p>
        ```
        when the shop only has ``WINTER-25``.

    Use instead
        Create the code in the shop before the send, or fix the code in the
        email. Mark codes explicitly with ``data-coupon="WINTER25"`` so they are
        always found.
    """
    judged = await judgements(email, context, options)
    for checked in judged.checked:
        if checked.unknown:
            yield Finding(
                f"coupon code {code_list(checked)} does not exist in {judged.source_name}",
                span=checked.span,
                suggestion="create the code in the shop before sending, or correct it in the email",
                data={"code": checked.code, "source": judged.source_name, "lines": checked.lines},
            )
