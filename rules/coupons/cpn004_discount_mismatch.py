"""CPN004 discount-mismatch: the copy promises another discount than the shop gives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import OPTION_DOCS, OPTIONS, Checked, code_list, judgements, money, percent


@rule(
    code="CPN004",
    name="discount-mismatch",
    summary="Discount in the copy differs from the shop's",
    severity="error",
    section="coupons",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
    uses_context=True,
)
async def discount_mismatch(email: Email, context: SendContext, options: Any) -> AsyncIterator[Finding]:
    """What it does
        Reads the discount written nearest to each code ("20% off", "save
        15%", "$10 off", "10 € Rabatt", "free shipping") and compares it with
        the code's discount in the shop: the value, the kind (a percentage or
        an amount), the currency, and free shipping. "Up to 50% off" is not a
        precise promise and is not compared; neither is a claim when two
        different ones stand equally close to the code.

    Why is this bad?
        "Says 25% off, the shop gives 20%" is a broken promise at checkout, and
        in some markets an advertising-law problem.

    Example
        ```html
        <h1>25% off everything</h1>
        <p>Use code <strong>SPRING</strong> at checkout.</p>
        ```
        when ``SPRING`` gives 20% in the shop.

    Use instead
        Make the copy and the shop agree: change the code's value, or the
        number in the email.
    """
    judged = await judgements(email, context, options)
    for checked in judged.checked:
        problem = _mismatch(checked)
        if problem is not None:
            message, suggestion = problem
            yield Finding(
                f"coupon code {code_list(checked)}: {message}",
                span=checked.span,
                suggestion=suggestion,
                data={"code": checked.code, "source": judged.source_name},
            )


def _mismatch(checked: Checked) -> tuple[str, str] | None:
    coupon = checked.coupon
    if coupon is None or coupon.kind is None:
        return None
    shop = _describe(coupon.kind, coupon.value, coupon.currency)
    said_percent = checked.claims.get("percent")
    said_amount = checked.claims.get("amount")
    # the nearer of a percentage and an amount is what the copy promises for this code
    said = (
        min(
            (c for c in (said_percent, said_amount) if c is not None),
            key=lambda c: min(abs(c.position - m.position) for m in checked.mentions if m.position >= 0),
            default=None,
        )
        if any(m.position >= 0 for m in checked.mentions)
        else None
    )
    if said is not None:
        if coupon.kind == "free_shipping":
            return (
                f"the email says {said.text!r}, the shop gives free shipping only",
                "change the copy, or give the code the discount it promises",
            )
        if said.kind != coupon.kind:
            return (
                f"the email says {said.text!r}, the shop gives {shop}",
                "make the kind of discount in the copy and in the shop the same",
            )
        if said.value is not None and coupon.value is not None and said.value != coupon.value:
            return (
                f"the email says {said.text!r}, the shop gives {shop}",
                f"change the copy to {shop} or the code's value in the shop",
            )
        if (
            said.kind == "amount"
            and said.currency
            and coupon.currency
            and said.currency.upper() != coupon.currency.upper()
        ):
            return (
                f"the email says {said.text!r} ({said.currency}), the shop gives {shop}",
                "state the amount in the shop's currency",
            )
    shipping = checked.claims.get("free_shipping")
    if shipping is not None and not (coupon.free_shipping or coupon.kind == "free_shipping"):
        return (
            f"the email promises {shipping.text!r}, but the code does not include free shipping in the shop",
            "add free shipping to the code, or remove the promise",
        )
    return None


def _describe(kind: str, value: Any, currency: str | None) -> str:
    if kind == "percent" and value is not None:
        return f"{percent(value)} off"
    if kind == "amount" and value is not None:
        return f"{money(value, currency)} off"
    if kind == "free_shipping":
        return "free shipping"
    return kind
