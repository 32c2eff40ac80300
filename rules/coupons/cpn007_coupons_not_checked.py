"""CPN007 coupons-not-checked: codes were found but not looked up, and why."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import OPTION_DOCS, OPTIONS, judgements

WHY = {
    "no-source": "no coupon source is configured ([tool.oopslint.coupons] source)",
    "offline": "the coupon source needs the network and this run is offline",
    "merge-tag": "the code is a merge tag filled per recipient; give its value in the send context or batch rows",
}


@rule(
    code="CPN007",
    name="coupons-not-checked",
    summary="Coupon codes found but not checked",
    severity="info",
    section="coupons",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
    uses_context=True,
)
async def coupons_not_checked(email: Email, context: SendContext, options: Any) -> AsyncIterator[Finding]:
    """What it does
        Says once per email, and per reason, which coupon codes were found but
        not looked up: no source is configured, the run is offline and the
        source needs the network, or the code is a per-recipient merge tag
        whose value the context does not give.

    Why is this bad?
        It is not a problem in the email; it keeps an unchecked code from
        looking like a checked one.

    Example
        ```html
        <p>Use code <strong>{{ coupon_code }}</strong></p>
        ```
        linted as a template, without rows that give ``coupon_code``.

    Use instead
        Configure a source (``source = "file"`` works offline), or lint the
        batch with its rows so each recipient's code is looked up.
    """
    judged = await judgements(email, context, options)
    by_reason: dict[str, list[Any]] = {}
    for mention, why in judged.unchecked:
        by_reason.setdefault(why, []).append(mention)
    for why, mentions in by_reason.items():
        names = sorted({m.code or "{{ " + (m.merge_tag or "") + " }}" for m in mentions})
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        yield Finding(
            f"coupon code{'s' if len(names) > 1 else ''} {shown} not checked: {WHY[why]}",
            span=mentions[0].span,
            data={"codes": names, "reason": why},
        )
