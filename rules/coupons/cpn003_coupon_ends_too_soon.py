"""CPN003 coupon-ends-too-soon: the code stops working before the email says, or too soon after the send."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import OPTION_DOCS, OPTIONS, code_list, inactive_reason, judgements, when, zone


@rule(
    code="CPN003",
    name="coupon-ends-too-soon",
    summary="Coupon code ends before the date the email states",
    severity="error",
    section="coupons",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
    uses_context=True,
)
async def coupon_ends_too_soon(email: Email, context: SendContext, options: Any) -> AsyncIterator[Finding]:
    """What it does
        Compares the code's end in the shop with the validity the copy states
        near the code ("valid through December 31, 2026", "expires 12/31",
        "this weekend only", "ends Sunday") and with the send time plus
        ``minimum_validity`` (24 hours by default).

    Why is this bad?
        A reader who trusts "valid through Sunday" and orders on Saturday finds
        the code already dead. A code that ends two hours after a morning send
        misses most of the list, who read their email later in the day.

    Example
        ```html
        <p>Use code <strong>XMAS15</strong>, valid through December 31, 2026.</p>
        ```
        when the shop ends ``XMAS15`` on December 24.

    Use instead
        Extend the code in the shop to cover the promised date (to the end of
        that day), or state the date the shop really uses.
    """
    judged = await judgements(email, context, options)
    tz = zone(options)
    for checked in judged.checked:
        coupon = checked.coupon
        if coupon is None or coupon.ends_at is None or inactive_reason(checked, judged, options) is not None:
            continue
        claim = checked.claims.get("ends")
        ends_local = coupon.ends_at.astimezone(tz)
        if claim is not None and claim.ends_on is not None and ends_local.date() < claim.ends_on:
            yield Finding(
                f"coupon code {code_list(checked)} ends on {when(coupon.ends_at, options)} in "
                f"{judged.source_name}, but the email says {claim.text!r}",
                span=checked.span,
                suggestion=f"extend the code to the end of {claim.ends_on:%B} {claim.ends_on.day}, {claim.ends_on:%Y}, "
                "or change the date in the copy",
                data={"code": checked.code, "ends_at": coupon.ends_at.isoformat(), "stated": claim.ends_on.isoformat()},
            )
            continue
        if coupon.ends_at < judged.send_at + judged.minimum_validity:
            left = coupon.ends_at - judged.send_at
            hours = left.total_seconds() / 3600
            yield Finding(
                f"coupon code {code_list(checked)} ends {hours:.1f} hours after the send "
                f"({when(coupon.ends_at, options)}); readers need at least {options['minimum_validity']}",
                span=checked.span,
                suggestion="extend the code or send earlier",
                data={
                    "code": checked.code,
                    "ends_at": coupon.ends_at.isoformat(),
                    "send_at": judged.send_at.isoformat(),
                },
            )
