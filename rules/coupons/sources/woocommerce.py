"""``woocommerce``: coupons in a WooCommerce shop (REST API v3).

    [tool.oopslint.coupons]
    source = "woocommerce"
    [tool.oopslint.coupons.woocommerce]
    base_url = "https://shop.example"
    consumer_key = "${WC_CONSUMER_KEY}"
    consumer_secret = "${WC_CONSUMER_SECRET}"

Looks up ``GET /wp-json/wc/v3/coupons?code=CODE`` with HTTP Basic auth and
reads ``status``, ``date_expires_gmt``, ``usage_limit``, ``usage_count``,
``discount_type`` (``percent``, ``fixed_cart``, ``fixed_product``),
``amount``, ``free_shipping`` and ``minimum_amount``. WooCommerce stores
codes in lower case and matches them case-insensitively.
"""

from __future__ import annotations

from typing import Any

from oopslint.coupons import Coupon, CouponSource, SourceError

from . import _remote, _values

KINDS = {"percent": "percent", "fixed_cart": "amount", "fixed_product": "amount"}


class WooCommerceSource(CouponSource):
    name = "woocommerce"
    options = {"base_url": "", "consumer_key": "", "consumer_secret": "", "currency": ""}

    def describe(self) -> str:
        return "WooCommerce"

    async def lookup(self, code: str) -> Coupon | None:
        base = _remote.origin(self.settings, "woocommerce")
        authorization = _remote.basic_auth(
            _remote.credential(self.settings, "consumer_key", "woocommerce"),
            _remote.credential(self.settings, "consumer_secret", "woocommerce"),
            "WooCommerce",
        )
        status, body = await _remote.request(
            "WooCommerce",
            "GET",
            f"{base}/wp-json/wc/v3/coupons",
            headers={"Authorization": authorization},
            params={"code": code},
        )
        if status != 200:
            error = _remote.refusal(status, "WooCommerce")
            if isinstance(body, dict) and body.get("code"):
                error = SourceError(f"{error} ({body['code']})")
            raise error
        if not isinstance(body, list):
            raise SourceError("WooCommerce answered with something that is not a list of coupons")
        matches = [
            item for item in body if isinstance(item, dict) and str(item.get("code", "")).casefold() == code.casefold()
        ]
        if not matches:
            return None
        try:
            return _read(code, matches[0], str(self.settings["currency"] or "").upper() or None)
        except SourceError as exc:
            raise SourceError(f"WooCommerce answered a coupon that could not be read: {exc}") from None


def _read(code: str, item: dict[str, Any], currency: str | None) -> Coupon:
    kind = KINDS.get(str(item.get("discount_type") or ""))
    value = _values.decimal(item.get("amount"), "amount")
    free_shipping = bool(item.get("free_shipping"))
    if kind is not None and value == 0 and free_shipping:
        kind = "free_shipping"
    status = str(item.get("status") or "publish")
    return Coupon(
        code=code,
        active=status == "publish",
        starts_at=None,
        ends_at=_values.timestamp(item.get("date_expires_gmt"), "date_expires_gmt"),
        kind=kind,
        value=value,
        currency=currency if kind == "amount" else None,
        minimum_amount=_values.decimal(item.get("minimum_amount") or None, "minimum_amount"),
        usage_limit=_values.count(item.get("usage_limit"), "usage_limit"),
        times_used=_values.count(item.get("usage_count"), "usage_count"),
        free_shipping=free_shipping,
        extra={"id": item.get("id"), "status": status},
    )
