"""``stripe``: promotion codes in Stripe.

    [tool.oopslint.coupons]
    source = "stripe"
    [tool.oopslint.coupons.stripe]
    api_key = "${STRIPE_SECRET_KEY}"     # a restricted key with read access to coupons is enough
    stripe_version = "2025-09-30.clover"

Looks up ``GET /v1/promotion_codes?code=CODE`` (Stripe matches codes
case-insensitively) and reads the promotion code (``active``, ``expires_at``,
``max_redemptions``, ``times_redeemed``, ``restrictions.minimum_amount``) and
its coupon (``percent_off`` or ``amount_off`` with ``currency``,
``redeem_by``, ``valid``, ``max_redemptions``, ``times_redeemed``).

Both shapes of the API are read: up to ``2025-09-30`` the coupon is a
top-level ``coupon`` object; from ``2025-09-30.clover`` it is
``promotion.coupon``, expanded with ``expand[]=data.promotion.coupon`` (and
fetched from ``/v1/coupons/ID`` if an id comes back anyway). Amounts in
minor units are converted, zero-decimal currencies (JPY, KRW, ...) kept.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

from oopslint.coupons import Coupon, CouponSource, SourceError

from . import _remote, _values

CLOVER = "2025-09-30"
ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())


class StripeSource(CouponSource):
    name = "stripe"
    options = {"api_key": "", "base_url": "https://api.stripe.com", "stripe_version": "2025-09-30.clover"}

    def describe(self) -> str:
        return "Stripe"

    def _headers(self) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {_remote.credential(self.settings, 'api_key', 'stripe')}"}
        version = str(self.settings["stripe_version"] or "")
        if version:
            headers["Stripe-Version"] = version
        return headers

    async def lookup(self, code: str) -> Coupon | None:
        base = _remote.origin(self.settings, "stripe")
        headers = self._headers()
        params: list[tuple[str, str]] = [("code", code), ("limit", "100")]
        if str(self.settings["stripe_version"] or "")[:10] >= CLOVER:
            params.append(("expand[]", "data.promotion.coupon"))
        status, body = await _remote.request(
            "Stripe", "GET", f"{base}/v1/promotion_codes", headers=headers, params=params
        )
        if status != 200:
            raise _stripe_error(status, body)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise SourceError("Stripe answered with something that is not a list of promotion codes")
        candidates = [
            item
            for item in body["data"]
            if isinstance(item, dict) and str(item.get("code", "")).casefold() == code.casefold()
        ]
        if not candidates:
            return None
        # an active code wins; among inactive ones, the newest
        promotion = max(candidates, key=lambda item: (bool(item.get("active")), item.get("created") or 0))
        coupon = await self._coupon_of(promotion, base, headers)
        return _read(promotion, coupon)

    async def _coupon_of(self, promotion: dict[str, Any], base: str, headers: dict[str, str]) -> dict[str, Any]:
        coupon: Any = promotion.get("coupon")
        nested = promotion.get("promotion")
        if coupon is None and isinstance(nested, dict):
            coupon = nested.get("coupon")
        if isinstance(coupon, str) and coupon:
            status, body = await _remote.request(
                "Stripe", "GET", f"{base}/v1/coupons/{quote(coupon, safe='')}", headers=headers
            )
            if status != 200:
                raise _stripe_error(status, body)
            coupon = body
        if not isinstance(coupon, dict):
            raise SourceError("Stripe answered a promotion code without its coupon")
        return coupon


def _stripe_error(status: int, body: Any) -> SourceError:
    kind = ""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        kind = str(body["error"].get("type") or body["error"].get("code") or "")
    error = _remote.refusal(status, "Stripe")
    return SourceError(f"{error} ({kind})") if kind else error


def _money(amount: Any, currency: str | None, what: str) -> Decimal | None:
    value = _values.decimal(amount, what)
    if value is None:
        return None
    if currency and currency.lower() in ZERO_DECIMAL:
        return value
    return value / 100


def _read(promotion: dict[str, Any], coupon: dict[str, Any]) -> Coupon:
    try:
        currency = str(coupon.get("currency") or "").upper() or None
        if coupon.get("percent_off") is not None:
            kind, value = "percent", _values.decimal(coupon.get("percent_off"), "percent_off")
        elif coupon.get("amount_off") is not None:
            kind, value = "amount", _money(coupon.get("amount_off"), currency, "amount_off")
        else:
            kind, value = None, None
        ends = [
            moment
            for moment in (
                _values.timestamp(promotion.get("expires_at"), "expires_at"),
                _values.timestamp(coupon.get("redeem_by"), "redeem_by"),
            )
            if moment is not None
        ]
        limits = []
        for owner in (promotion, coupon):
            limit = _values.count(owner.get("max_redemptions"), "max_redemptions")
            if limit is not None:
                limits.append(
                    (
                        limit - (_values.count(owner.get("times_redeemed"), "times_redeemed") or 0),
                        limit,
                        _values.count(owner.get("times_redeemed"), "times_redeemed") or 0,
                    )
                )
        restrictions: dict[str, Any] = (
            promotion["restrictions"] if isinstance(promotion.get("restrictions"), dict) else {}
        )
        minimum_currency = str(restrictions.get("minimum_amount_currency") or currency or "").upper() or None
        usage_limit, times_used = (min(limits)[1], min(limits)[2]) if limits else (None, None)
        return Coupon(
            code=str(promotion.get("code") or ""),
            active=bool(promotion.get("active")) and coupon.get("valid") is not False,
            ends_at=min(ends) if ends else None,
            kind=kind,
            value=value,
            currency=currency if kind == "amount" else None,
            minimum_amount=_money(restrictions.get("minimum_amount"), minimum_currency, "minimum_amount"),
            usage_limit=usage_limit,
            times_used=times_used,
            extra={"id": promotion.get("id"), "coupon": coupon.get("id")},
        )
    except SourceError as exc:
        raise SourceError(f"Stripe answered a promotion code that could not be read: {exc}") from None
