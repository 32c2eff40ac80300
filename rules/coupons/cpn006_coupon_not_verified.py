"""CPN006 coupon-not-verified: the coupon source could not answer for a code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import OPTION_DOCS, OPTIONS, code_list, judgements


@rule(
    code="CPN006",
    name="coupon-not-verified",
    summary="Coupon code could not be verified",
    severity="warning",
    section="coupons",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
    uses_context=True,
)
async def coupon_not_verified(email: Email, context: SendContext, options: Any) -> AsyncIterator[Finding]:
    """What it does
        Reports each code the configured source could not answer for: the
        backend was unreachable, timed out, refused the credentials, kept
        answering 429, or answered something that is not a coupon.

    Why is this bad?
        A code that was not checked is not known to work. Saying so, instead of
        passing silently, lets the team decide whether to send.

    Example
        The Stripe source with an expired API key answers 401 for every code.

    Use instead
        Fix the credentials or the source's address and run again; under
        ``--offline`` network sources are not asked (CPN007 says so).
    """
    judged = await judgements(email, context, options)
    for checked in judged.checked:
        if checked.error is not None:
            yield Finding(
                f"coupon code {code_list(checked)} could not be verified: {checked.error}",
                span=checked.span,
                data={"code": checked.code, "source": judged.source_name},
            )
