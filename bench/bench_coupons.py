"""CPN look-ups: 200 distinct codes against a Stripe-speaking server on 127.0.0.1.

    python bench/bench_coupons.py [--codes 200] [--latency 0.05] [--rows 2000]

The server answers ``GET /v1/promotion_codes?code=`` after ``--latency``
seconds, as Stripe's API does, and counts requests. Printed side by side, from
the same run:

- oopslint: one lint of an email naming every code (each code looked up once,
  concurrently, through the shared client at its configured politeness);
- the same look-ups one after another (the floor a naive checker pays);
- the pacing floor of the politeness settings (requests x min_interval);
- a batch of ``--rows`` rows whose template names a per-recipient code
  (``{{ coupon_code }}``), the rows naming ``--codes`` distinct codes: the
  requests it made (one per distinct code) and its time beside the same floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import oopslint
from oopslint import http
from oopslint.coupons import source_class

KEY_VARIABLE = "OOPSLINT_BENCH_STRIPE_KEY"


class Stripe:
    def __init__(self, latency: float):
        self.requests = 0
        server = self

        class Handle(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.requests += 1
                time.sleep(latency)
                code = parse_qs(urlsplit(self.path).query).get("code", [""])[0]
                coupon = {
                    "id": "co_1",
                    "object": "coupon",
                    "percent_off": 20.0,
                    "amount_off": None,
                    "currency": None,
                    "redeem_by": None,
                    "valid": True,
                    "max_redemptions": None,
                    "times_redeemed": 0,
                }
                body = json.dumps(
                    {
                        "object": "list",
                        "has_more": False,
                        "data": [
                            {
                                "id": f"promo_{code}",
                                "object": "promotion_code",
                                "code": code,
                                "active": True,
                                "expires_at": None,
                                "max_redemptions": None,
                                "times_redeemed": 0,
                                "restrictions": {},
                                "promotion": {"type": "coupon", "coupon": coupon},
                            }
                        ],
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handle)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    os.environ[KEY_VARIABLE] = "sk_test_bench_0000000000"
    server = Stripe(args.latency)
    codes = [f"BENCH{n:04d}" for n in range(args.codes)]
    html = (
        "<html lang='en'><body>"
        + "".join(f"<p>Take 20% off with code <strong>{code}</strong>.</p>" for code in codes)
        + "</body></html>"
    )
    stripe = {"api_key": "${" + KEY_VARIABLE + "}", "base_url": server.origin, "stripe_version": "2025-09-30.clover"}
    http_options = {"allow_private": True}
    config = {"select": ["CPN"], "coupons": {"source": "stripe", "stripe": stripe}, "http": http_options}
    linter = oopslint.Linter(config, use_cache=False)

    started = time.perf_counter()
    report = linter.lint(html, context={"send_at": "2026-11-20T09:00:00Z"})
    concurrent = time.perf_counter() - started
    requests_concurrent = server.requests
    problems = [f for f in report.findings if f.code != "CPN007"]

    async def one_by_one() -> None:
        source = source_class("stripe")(stripe)
        async with http.session(http_options, use_cache=False):
            for code in codes:
                await source.lookup(code)

    server.requests = 0
    started = time.perf_counter()
    asyncio.run(one_by_one())
    sequential = time.perf_counter() - started

    settings = http.HttpClient(http_options, use_cache=False).settings.base
    pacing_floor = args.codes * settings.min_interval
    concurrency_floor = args.codes * args.latency / settings.max_per_host
    floor = max(pacing_floor, concurrency_floor)
    print(
        f"{args.codes} distinct codes, server latency {args.latency * 1000:.0f} ms, "
        f"politeness {settings.max_per_host}/host and {settings.min_interval * 1000:.0f} ms between requests"
    )
    print(
        f"  oopslint lint (concurrent): {concurrent:6.2f} s, {requests_concurrent} requests "
        f"({requests_concurrent / args.codes:.2f} per code), {len(problems)} findings"
    )
    print(f"  one look-up after another:  {sequential:6.2f} s  ({sequential / concurrent:.1f}x slower)")
    print(f"  floor of the politeness:    {floor:6.2f} s  (oopslint at {concurrent / floor:.2f}x the floor)")

    from oopslint.batch import lint_batch

    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "promo.html"
        template.write_text(
            "<html lang='en'><body><p>Your code: use code <strong>{{ coupon_code }}</strong> for 20% off.</p>"
            "</body></html>",
            encoding="utf-8",
        )
        rows = Path(folder) / "rows.jsonl"
        with rows.open("w", encoding="utf-8") as handle:
            for number in range(args.rows):
                row = {"id": number, "coupon_code": codes[number % len(codes)], "send_at": "2026-11-20T09:00:00Z"}
                handle.write(json.dumps(row) + "\n")
        server.requests = 0
        started = time.perf_counter()
        batch = lint_batch(template, rows, config={**config, "http": {**http_options, "budget": 3600}})
        batch_seconds = time.perf_counter() - started
    assert batch.batch is not None
    print(
        f"  batch, {args.rows} rows naming the {args.codes} codes: {batch_seconds:6.2f} s, {server.requests} requests "
        f"({server.requests / args.codes:.2f} per distinct code), {batch.batch.rows} rows checked "
        f"(at {batch_seconds / floor:.2f}x the floor of {args.codes} look-ups)"
    )


if __name__ == "__main__":
    main()
