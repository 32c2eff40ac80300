"""CPN002 inactive-coupon: the code exists but will not work at send time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import OPTION_DOCS, OPTIONS, code_list, inactive_reason, judgements


@rule(
    code="CPN002",
    name="inactive-coupon",
    summary="Coupon code is inactive, not started or expired at send time",
    severity="error",
    section="coupons",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
    uses_context=True,
)
async def inactive_coupon(email: Email, context: SendContext, options: Any) -> AsyncIterator[Finding]:
    """What it does
        Reports a code that the shop has but that will not apply when the email
        is sent: switched off, starting later, already expired, or with every
        redemption used up. The send time is the context's ``send_at`` (now
        when none is given).

    Why is this bad?
        Readers who click through right after the send are told the code is
        invalid: the classic "coupon nobody activated" oops.

    Example
        ```html
        <p>Use code <strong>BF2026</strong> for 20% off.</p>
        ```
        sent on Nov 27 while the shop's code starts on Nov 28.

    Use instead
        Activate the code, move its start before the send, or schedule the send
        inside the code's validity.
    """
    judged = await judgements(email, context, options)
    for checked in judged.checked:
        reason = inactive_reason(checked, judged, options)
        if reason is not None:
            yield Finding(
                f"coupon code {code_list(checked)} {reason}",
                span=checked.span,
                suggestion=f"activate the code in {judged.source_name} or change the send time",
                data={"code": checked.code, "source": judged.source_name, "send_at": judged.send_at.isoformat()},
            )
