"""Real HTTP servers on 127.0.0.1 that speak the coupon providers' wire formats.

Each server answers from a small in-memory shop, checks credentials the way
the provider does, and records every request, so tests assert what was asked.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    body: Any = None  # JSON-able, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


HANG = "hang"

Handler = Callable[[Seen], "Answer | str"]


class Provider:
    """One HTTP server on 127.0.0.1; ``handler(request)`` answers each request."""

    def __init__(self, handler: Handler):
        self.handler = handler
        self.seen: list[Seen] = []
        self._stop = threading.Event()
        provider = self

        class Handle(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                seen = Seen(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                provider.seen.append(seen)
                answer = provider.handler(seen)
                if answer == HANG:
                    provider._stop.wait(30)
                    return
                assert isinstance(answer, Answer)
                if answer.delay:
                    time.sleep(answer.delay)
                payload = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                headers = {"Content-Type": "application/json", **answer.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handle)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------------ Stripe


def stripe_error(status: int, kind: str, message: str) -> Answer:
    return Answer(status, {"error": {"type": kind, "message": message}})


def stripe_handler(promotions: dict[str, dict[str, Any]], coupons: dict[str, dict[str, Any]], key: str) -> Handler:
    """``GET /v1/promotion_codes?code=`` and ``GET /v1/coupons/ID`` as Stripe answers them.

    The shape follows the ``Stripe-Version`` header: before 2025-09-30 the
    coupon is the top-level ``coupon`` object; from ``2025-09-30.clover`` it
    is ``promotion.coupon``, an id unless ``expand[]=data.promotion.coupon``."""

    def handle(seen: Seen) -> Answer:
        if seen.headers.get("authorization") != f"Bearer {key}":
            return stripe_error(401, "invalid_request_error", "Invalid API Key provided: sk_test_***")
        version = seen.headers.get("stripe-version", "2024-06-20")
        if seen.path.startswith("/v1/coupons/"):
            coupon = coupons.get(seen.path.rsplit("/", 1)[1])
            return Answer(200, coupon) if coupon else stripe_error(404, "invalid_request_error", "No such coupon")
        if seen.path != "/v1/promotion_codes":
            return stripe_error(404, "invalid_request_error", "Unrecognized request URL")
        code = (seen.query.get("code") or [""])[0]
        expand = seen.query.get("expand[]", [])
        data = []
        for promotion in promotions.values():
            if promotion["code"].casefold() != code.casefold():
                continue
            item = {k: v for k, v in promotion.items() if k != "coupon_id"}
            coupon = coupons[promotion["coupon_id"]]
            if version[:10] >= "2025-09-30":
                if "data.coupon" in expand:
                    return stripe_error(400, "invalid_request_error", "This property cannot be expanded (coupon).")
                nested = coupon if "data.promotion.coupon" in expand else coupon["id"]
                item["promotion"] = {"type": "coupon", "coupon": nested}
            else:
                item["coupon"] = coupon
            data.append(item)
        return Answer(200, {"object": "list", "data": data, "has_more": False, "url": "/v1/promotion_codes"})

    return handle


def stripe_promotion(code: str, coupon_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"promo_{code.lower()}",
        "object": "promotion_code",
        "active": True,
        "code": code,
        "coupon_id": coupon_id,
        "created": 1760000000,
        "expires_at": None,
        "max_redemptions": None,
        "times_redeemed": 0,
        "restrictions": {"first_time_transaction": False, "minimum_amount": None, "minimum_amount_currency": None},
        **fields,
    }


def stripe_coupon(coupon_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": coupon_id,
        "object": "coupon",
        "amount_off": None,
        "currency": None,
        "duration": "once",
        "max_redemptions": None,
        "percent_off": None,
        "redeem_by": None,
        "times_redeemed": 0,
        "valid": True,
        **fields,
    }


# ------------------------------------------------------------------ Shopify


def shopify_handler(discounts: dict[str, dict[str, Any] | None], token: str) -> Handler:
    """``POST /admin/api/<version>/graphql.json`` answering ``codeDiscountNodeByCode``."""

    def handle(seen: Seen) -> Answer:
        if seen.method != "POST" or not seen.path.endswith("/graphql.json"):
            return Answer(404, {"errors": "Not Found"})
        if seen.headers.get("x-shopify-access-token") != token:
            return Answer(
                401, {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
            )
        request = json.loads(seen.body)
        if "codeDiscountNodeByCode" not in request.get("query", ""):
            return Answer(
                200, {"errors": [{"message": "Field doesn't exist", "extensions": {"code": "undefinedField"}}]}
            )
        code = request["variables"]["code"]
        found = next((d for c, d in discounts.items() if c.casefold() == code.casefold()), None)
        node = None if found is None else {"id": "gid://shopify/DiscountCodeNode/1", "codeDiscount": found}
        return Answer(
            200, {"data": {"codeDiscountNodeByCode": node}, "extensions": {"cost": {"requestedQueryCost": 3}}}
        )

    return handle


# ------------------------------------------------------------------ WooCommerce


def woo_handler(coupons: list[dict[str, Any]], key: str, secret: str) -> Handler:
    """``GET /wp-json/wc/v3/coupons?code=`` with HTTP Basic auth."""
    expected = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()

    def handle(seen: Seen) -> Answer:
        if seen.headers.get("authorization") != expected:
            return Answer(
                401,
                {
                    "code": "woocommerce_rest_cannot_view",
                    "message": "Sorry, you cannot list resources.",
                    "data": {"status": 401},
                },
            )
        if seen.path != "/wp-json/wc/v3/coupons":
            return Answer(404, {"code": "rest_no_route", "message": "No route was found", "data": {"status": 404}})
        code = (seen.query.get("code") or [""])[0].lower()
        return Answer(
            200, [c for c in coupons if c["code"] == code], headers={"X-WP-Total": "1", "X-WP-TotalPages": "1"}
        )

    return handle
