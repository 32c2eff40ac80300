"""``shopify``: discount codes in a Shopify store (Admin GraphQL API).

    [tool.oopslint.coupons]
    source = "shopify"
    [tool.oopslint.coupons.shopify]
    base_url = "https://acme.myshopify.com"   # the shop's admin origin
    access_token = "${SHOPIFY_ADMIN_TOKEN}"    # needs the read_discounts scope
    api_version = "2025-10"

Asks ``codeDiscountNodeByCode`` at ``/admin/api/<version>/graphql.json`` and
reads ``status`` (ACTIVE, SCHEDULED, EXPIRED), ``startsAt``, ``endsAt``,
``usageLimit``, ``asyncUsageCount`` and the value the customer gets (a
percentage, an amount with its currency, or free shipping). GraphQL errors
(an ``errors`` array with status 200) are "could not verify", never a pass.
"""

from __future__ import annotations

from typing import Any

from oopslint.coupons import Coupon, CouponSource, SourceError

from . import _remote, _values

QUERY = """
query oopslintCoupon($code: String!) {
  codeDiscountNodeByCode(code: $code) {
    id
    codeDiscount {
      __typename
      ... on DiscountCodeBasic {
        status startsAt endsAt usageLimit asyncUsageCount
        customerGets { value {
          __typename
          ... on DiscountPercentage { percentage }
          ... on DiscountAmount { amount { amount currencyCode } }
        } }
        minimumRequirement { __typename
          ... on DiscountMinimumSubtotal { greaterThanOrEqualToSubtotal { amount currencyCode } }
        }
      }
      ... on DiscountCodeFreeShipping { status startsAt endsAt usageLimit asyncUsageCount }
      ... on DiscountCodeBxgy { status startsAt endsAt usageLimit asyncUsageCount }
      ... on DiscountCodeApp { status startsAt endsAt usageLimit asyncUsageCount }
    }
  }
}
"""


class ShopifySource(CouponSource):
    name = "shopify"
    options = {"access_token": "", "base_url": "", "api_version": "2025-10"}

    def describe(self) -> str:
        return "Shopify"

    async def lookup(self, code: str) -> Coupon | None:
        base = _remote.origin(self.settings, "shopify")
        token = _remote.credential(self.settings, "access_token", "shopify")
        version = str(self.settings["api_version"]).strip("/ ")
        status, body = await _remote.request(
            "Shopify",
            "POST",
            f"{base}/admin/api/{version}/graphql.json",
            headers={"X-Shopify-Access-Token": token, "Accept": "application/json"},
            json={"query": QUERY, "variables": {"code": code}},
        )
        if status != 200:
            raise _remote.refusal(status, "Shopify")
        if not isinstance(body, dict):
            raise SourceError("Shopify answered with something that is not JSON")
        errors = body.get("errors")
        if errors:
            first = errors[0] if isinstance(errors, list) and errors else errors
            code_name = first.get("extensions", {}).get("code") if isinstance(first, dict) else None
            raise SourceError(f"Shopify answered a GraphQL error{f' ({code_name})' if code_name else ''}")
        data = body.get("data")
        if not isinstance(data, dict) or "codeDiscountNodeByCode" not in data:
            raise SourceError("Shopify answered without codeDiscountNodeByCode")
        node = data["codeDiscountNodeByCode"]
        if node is None:
            return None
        discount = node.get("codeDiscount") if isinstance(node, dict) else None
        if not isinstance(discount, dict):
            raise SourceError("Shopify answered a discount node without its discount")
        try:
            return _read(code, discount)
        except SourceError as exc:
            raise SourceError(f"Shopify answered a discount that could not be read: {exc}") from None


def _read(code: str, discount: dict[str, Any]) -> Coupon:
    status = str(discount.get("status") or "").upper()
    kind: str | None = None
    value = None
    currency = None
    if discount.get("__typename") == "DiscountCodeFreeShipping":
        kind = "free_shipping"
    gets = discount.get("customerGets")
    if isinstance(gets, dict) and isinstance(gets.get("value"), dict):
        given = gets["value"]
        if given.get("percentage") is not None:
            kind = "percent"
            fraction = _values.decimal(given.get("percentage"), "percentage")
            value = (fraction * 100).normalize() if fraction is not None else None
        elif isinstance(given.get("amount"), dict):
            kind = "amount"
            value = _values.decimal(given["amount"].get("amount"), "amount")
            currency = str(given["amount"].get("currencyCode") or "").upper() or None
    minimum = None
    requirement = discount.get("minimumRequirement")
    if isinstance(requirement, dict) and isinstance(requirement.get("greaterThanOrEqualToSubtotal"), dict):
        minimum = _values.decimal(requirement["greaterThanOrEqualToSubtotal"].get("amount"), "minimum subtotal")
    ends_at = _values.timestamp(discount.get("endsAt"), "endsAt")
    return Coupon(
        code=code,
        # SCHEDULED and EXPIRED are read from the dates, so the finding can say when
        active=status in ("ACTIVE", "SCHEDULED") or (status == "EXPIRED" and ends_at is not None),
        starts_at=_values.timestamp(discount.get("startsAt"), "startsAt"),
        ends_at=ends_at,
        kind=kind,
        value=value,
        currency=currency,
        minimum_amount=minimum,
        usage_limit=_values.count(discount.get("usageLimit"), "usageLimit"),
        times_used=_values.count(discount.get("asyncUsageCount"), "asyncUsageCount"),
        free_shipping=kind == "free_shipping",
        extra={"status": status},
    )
