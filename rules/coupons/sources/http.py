"""``http``: any JSON endpoint, with a field mapping.

    [tool.oopslint.coupons]
    source = "http"
    [tool.oopslint.coupons.http]
    url = "https://promo.internal.example/api/codes/{code}"   # {code} is URL-encoded
    headers = { Authorization = "Bearer ${PROMO_API_TOKEN}" }
    not_found = [404]                  # statuses that mean "no such code"
    root = "data"                      # where the coupon object sits in the answer ("" = top level)
    [tool.oopslint.coupons.http.fields]
    active = "enabled"                 # dotted paths inside the coupon object
    ends_at = "valid_until"
    kind = "type"
    value = "amount"
    usage_limit = "max_uses"
    times_used = "uses"
    [tool.oopslint.coupons.http.kinds]   # the endpoint's words for percent / amount / free_shipping
    pct = "percent"

Mapped fields: ``code, active, starts_at, ends_at, kind, value, currency,
minimum_amount, usage_limit, times_used``; unmapped ones are unknown. A
``root`` that is missing or null in a 200 answer means no such code.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from oopslint.config import ConfigError
from oopslint.coupons import KINDS, Coupon, CouponSource, SourceError

from . import _remote, _values

FIELDS = (
    "code",
    "active",
    "starts_at",
    "ends_at",
    "kind",
    "value",
    "currency",
    "minimum_amount",
    "usage_limit",
    "times_used",
)


class HttpSource(CouponSource):
    name = "http"
    options = {"url": "", "method": "GET", "headers": {}, "not_found": [404], "root": "", "fields": {}, "kinds": {}}

    def __init__(self, settings: Any, base_dir: Any = None):
        super().__init__(settings, base_dir)
        unknown = sorted(set(self.settings["fields"]) - set(FIELDS))
        if unknown:
            raise ConfigError(f"[coupons.http.fields] unknown field {unknown[0]!r}; valid fields: {', '.join(FIELDS)}")
        for word, kind in dict(self.settings["kinds"]).items():
            if kind not in KINDS:
                raise ConfigError(f"[coupons.http.kinds] {word} = {kind!r}; choose from {', '.join(KINDS)}")
        if str(self.settings["method"]).upper() not in ("GET", "POST"):
            raise ConfigError(f"[coupons.http] method must be GET or POST, got {self.settings['method']!r}")

    def describe(self) -> str:
        return "the coupon endpoint"

    async def lookup(self, code: str) -> Coupon | None:
        template = str(self.settings["url"])
        if "{code}" not in template:
            raise ConfigError("[coupons.http] url must contain {code}, where the code goes")
        url = template.replace("{code}", quote(code, safe=""))
        _remote.origin({"url": url}, "http", "url")
        method = str(self.settings["method"]).upper()
        headers = {str(k): str(v) for k, v in dict(self.settings["headers"]).items()}
        status, body = await _remote.request(
            "The coupon endpoint", method, url, headers=headers, json={"code": code} if method == "POST" else None
        )
        if status in set(self.settings["not_found"]):
            return None
        if not 200 <= status < 300:
            raise _remote.refusal(status, "The coupon endpoint")
        if body is None:
            raise SourceError("The coupon endpoint answered with something that is not JSON")
        item = _dig(body, str(self.settings["root"]))
        if item is None:
            return None
        if not isinstance(item, dict):
            raise SourceError("The coupon endpoint answered a coupon that is not a JSON object")
        try:
            return self._read(code, item)
        except SourceError as exc:
            raise SourceError(f"The coupon endpoint answered a coupon that could not be read: {exc}") from None

    def _read(self, code: str, item: dict[str, Any]) -> Coupon:
        fields = dict(self.settings["fields"])

        def field(name: str) -> Any:
            path = fields.get(name)
            return _dig(item, path) if path else None

        raw_kind = field("kind")
        kind = None
        if raw_kind not in (None, ""):
            words = {str(k).casefold(): v for k, v in dict(self.settings["kinds"]).items()}
            kind = words.get(str(raw_kind).casefold()) or (str(raw_kind) if str(raw_kind) in KINDS else None)
            if kind is None:
                raise SourceError(f"kind {raw_kind!r} is not mapped in [coupons.http.kinds]")
        currency = field("currency")
        active = field("active")
        return Coupon(
            code=str(field("code") or code),
            active=_values.flag(active, "active") if active is not None else True,
            starts_at=_values.timestamp(field("starts_at"), "starts_at"),
            ends_at=_values.timestamp(field("ends_at"), "ends_at", end_of_day=True),
            kind=kind,
            value=_values.decimal(field("value"), "value"),
            currency=str(currency).upper() if currency else None,
            minimum_amount=_values.decimal(field("minimum_amount"), "minimum_amount"),
            usage_limit=_values.count(field("usage_limit"), "usage_limit"),
            times_used=_values.count(field("times_used"), "times_used"),
            free_shipping=kind == "free_shipping",
        )


def _dig(data: Any, path: str) -> Any:
    current = data
    for part in [p for p in path.split(".") if p]:
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current
