"""CPN005 coupon-redemptions-low: fewer redemptions left than people who get the email."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import OPTION_DOCS, OPTIONS, code_list, inactive_reason, judgements


@rule(
    code="CPN005",
    name="coupon-redemptions-low",
    summary="Coupon has fewer redemptions left than the audience",
    severity="warning",
    section="coupons",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
    uses_context=True,
)
async def coupon_redemptions_low(email: Email, context: SendContext, options: Any) -> AsyncIterator[Finding]:
    """What it does
        Compares the redemptions a code has left in the shop (usage limit minus
        times used) with the context's ``audience_size``.

    Why is this bad?
        A code limited to 500 uses sent to 25,000 people runs out in the first
        hour; everyone after that meets an "invalid code" at checkout. Only a
        warning: a deliberately scarce offer ("first 500 orders") is fine.

    Example
        A context ``{"audience_size": 25000}`` and a code with
        ``usage_limit = 500``.

    Use instead
        Raise the usage limit, give each recipient a unique code, or say in the
        copy that the offer is limited.
    """
    judged = await judgements(email, context, options)
    if judged.audience is None:
        return
    for checked in judged.checked:
        coupon = checked.coupon
        if coupon is None or coupon.remaining is None or inactive_reason(checked, judged, options) is not None:
            continue
        if coupon.remaining < judged.audience:
            yield Finding(
                f"coupon code {code_list(checked)} has {coupon.remaining:,} redemptions left "
                f"({coupon.times_used or 0:,} of {coupon.usage_limit:,} used) for an audience of {judged.audience:,}",
                span=checked.span,
                suggestion="raise the usage limit, or say in the copy that the offer is limited",
                data={"code": checked.code, "remaining": coupon.remaining, "audience_size": judged.audience},
            )
