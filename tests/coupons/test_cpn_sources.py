"""The coupon sources against real servers on 127.0.0.1 speaking each provider's wire format."""

from __future__ import annotations

import io
import json
import os
from contextlib import redirect_stderr, redirect_stdout

import pytest

from oopslint.cli import main

from .conftest import file_config, found, lint, promo, remote_config
from .providers import (
    HANG,
    Answer,
    shopify_handler,
    stripe_coupon,
    stripe_handler,
    stripe_promotion,
    woo_handler,
)

STRIPE_KEY = "sk_test_51Hv0ThisIsASecretKeyValue"
COPY = "<p>Take 20% off with code <strong>WINTER20</strong>, valid through December 31, 2026.</p>"


@pytest.fixture
def stripe_env(monkeypatch):
    monkeypatch.setenv("OOPSLINT_TEST_STRIPE", STRIPE_KEY)


def stripe_shop():
    coupons = {
        "co_w20": stripe_coupon("co_w20", percent_off=20.0, redeem_by=1798761599),  # 2026-12-31T23:59:59Z
        "co_10": stripe_coupon("co_10", amount_off=1000, currency="usd"),
        "co_old": stripe_coupon("co_old", percent_off=20.0, valid=False),
    }
    promotions = {
        "WINTER20": stripe_promotion("WINTER20", "co_w20", max_redemptions=1000, times_redeemed=990),
        "TENOFF": stripe_promotion("TENOFF", "co_10"),
        "OLD20": stripe_promotion("OLD20", "co_old"),
    }
    return promotions, coupons


@pytest.mark.parametrize("version", ["2024-06-20", "2025-09-30.clover", ""])
def test_stripe_both_api_shapes(providers, stripe_env, version):
    provider = providers(stripe_handler(*stripe_shop(), STRIPE_KEY))
    config = remote_config(
        "stripe", {"api_key": "${OOPSLINT_TEST_STRIPE}", "base_url": provider.origin, "stripe_version": version}
    )
    copy = COPY + "<p>Or $10 off with code <strong>TENOFF</strong>. Old: use code OLD20. New: use code NOPE77.</p>"
    report = lint(promo(copy), config, context={"audience_size": 500})
    assert [f.message for f in found(report, "CPN001")] == ["coupon code NOPE77 does not exist in Stripe"]
    assert [f.message for f in found(report, "CPN002")] == ["coupon code OLD20 is not active in Stripe"]
    assert [f.message for f in found(report, "CPN005")] == [
        "coupon code WINTER20 has 10 redemptions left (990 of 1,000 used) for an audience of 500"
    ]
    assert found(report, "CPN003") == found(report, "CPN004") == found(report, "CPN006") == []
    first = provider.seen[0]
    assert first.path == "/v1/promotion_codes" and first.headers["authorization"] == f"Bearer {STRIPE_KEY}"
    if version:
        assert first.headers["stripe-version"] == version
    else:
        assert "stripe-version" not in first.headers
    if version.endswith("clover"):
        assert first.query["expand[]"] == ["data.promotion.coupon"]
    if not version:  # the account's default answered the new shape with bare ids: coupons fetched by id
        pass
    promotion_lookups = [s for s in provider.seen if s.path == "/v1/promotion_codes"]
    assert sorted(s.query["code"][0] for s in promotion_lookups) == ["NOPE77", "OLD20", "TENOFF", "WINTER20"]


def test_stripe_clover_without_expand_fetches_the_coupon(providers, stripe_env):
    promotions, coupons = stripe_shop()
    handler = stripe_handler(promotions, coupons, STRIPE_KEY)

    def always_new_shape(seen):
        seen.headers["stripe-version"] = "2025-09-30.clover"
        seen.query.pop("expand[]", None)
        return handler(seen)

    provider = providers(always_new_shape)
    config = remote_config(
        "stripe", {"api_key": "${OOPSLINT_TEST_STRIPE}", "base_url": provider.origin, "stripe_version": ""}
    )
    report = lint(promo("<h2>25% off</h2><p>Use code <strong>WINTER20</strong>.</p>"), config)
    assert [f.message for f in found(report, "CPN004")] == [
        "coupon code WINTER20: the email says '25% off', the shop gives 20% off"
    ]
    assert [s.path for s in provider.seen] == ["/v1/promotion_codes", "/v1/coupons/co_w20"]


def test_shopify_graphql(providers, monkeypatch):
    monkeypatch.setenv("OOPSLINT_TEST_SHOPIFY", "shpat_0123456789abcdef0123")
    discounts = {
        "WINTER20": {
            "__typename": "DiscountCodeBasic",
            "status": "ACTIVE",
            "startsAt": "2026-11-01T00:00:00Z",
            "endsAt": "2026-12-24T23:59:59Z",
            "usageLimit": None,
            "asyncUsageCount": 3,
            "customerGets": {"value": {"__typename": "DiscountPercentage", "percentage": 0.2}},
            "minimumRequirement": None,
        },
        "SHIPFREE": {
            "__typename": "DiscountCodeFreeShipping",
            "status": "SCHEDULED",
            "startsAt": "2026-12-01T00:00:00Z",
            "endsAt": None,
            "usageLimit": None,
            "asyncUsageCount": 0,
        },
    }
    provider = providers(shopify_handler(discounts, "shpat_0123456789abcdef0123"))
    config = remote_config(
        "shopify", {"access_token": "${OOPSLINT_TEST_SHOPIFY}", "base_url": provider.origin, "api_version": "2025-10"}
    )
    copy = COPY + "<p>Free shipping with code <strong>SHIPFREE</strong>. Use code NOPE77.</p>"
    report = lint(promo(copy), config)
    assert [f.message for f in found(report, "CPN003")] == [
        "coupon code WINTER20 ends on Dec 24, 2026 23:59 UTC in Shopify, but the email says "
        "'valid through December 31, 2026'"
    ]
    assert [f.message for f in found(report, "CPN002")] == [
        "coupon code SHIPFREE only starts on Dec 1, 2026 00:00 UTC, after the send at Nov 20, 2026 09:00 UTC"
    ]
    assert [f.message for f in found(report, "CPN001")] == ["coupon code NOPE77 does not exist in Shopify"]
    assert found(report, "CPN004") == []
    assert {s.path for s in provider.seen} == {"/admin/api/2025-10/graphql.json"}
    assert json.loads(provider.seen[0].body)["variables"]["code"] in ("WINTER20", "SHIPFREE", "NOPE77")


def test_shopify_graphql_errors_are_could_not_verify(providers, monkeypatch):
    monkeypatch.setenv("OOPSLINT_TEST_SHOPIFY", "shpat_0123456789abcdef0123")
    provider = providers(
        lambda seen: Answer(200, {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]})
    )
    config = remote_config("shopify", {"access_token": "${OOPSLINT_TEST_SHOPIFY}", "base_url": provider.origin})
    report = lint(promo(COPY), config)
    [finding] = found(report, "CPN006")
    assert finding.message == "coupon code WINTER20 could not be verified: Shopify answered a GraphQL error (THROTTLED)"
    assert str(finding.severity) == "warning"


def test_woocommerce_rest(providers, monkeypatch):
    monkeypatch.setenv("OOPSLINT_TEST_WC_KEY", "ck_0123456789abcdef")
    monkeypatch.setenv("OOPSLINT_TEST_WC_SECRET", "cs_fedcba9876543210")
    coupons = [
        {
            "id": 7,
            "code": "winter20",
            "amount": "15.00",
            "discount_type": "percent",
            "status": "publish",
            "date_expires_gmt": "2027-01-31T00:00:00",
            "usage_limit": None,
            "usage_count": 2,
            "free_shipping": False,
            "minimum_amount": "0.00",
        }
    ]
    provider = providers(woo_handler(coupons, "ck_0123456789abcdef", "cs_fedcba9876543210"))
    config = remote_config(
        "woocommerce",
        {
            "base_url": provider.origin,
            "consumer_key": "${OOPSLINT_TEST_WC_KEY}",
            "consumer_secret": "${OOPSLINT_TEST_WC_SECRET}",
        },
    )
    report = lint(promo(COPY), config)
    assert [f.message for f in found(report, "CPN004")] == [
        "coupon code WINTER20: the email says 'Take 20% off', the shop gives 15% off"
    ]
    assert provider.seen[0].query["code"] == ["WINTER20"]


def test_generic_json_endpoint_with_field_mapping(providers, monkeypatch):
    monkeypatch.setenv("OOPSLINT_TEST_PROMO", "promo-token-0123456789")

    def handler(seen):
        if seen.headers.get("authorization") != "Bearer promo-token-0123456789":
            return Answer(401, {"message": "unauthorised"})
        if seen.path == "/api/codes/WINTER20":
            return Answer(
                200, {"data": {"enabled": "yes", "valid_until": "2026-11-20T12:00:00Z", "type": "pct", "amount": 20}}
            )
        return Answer(404, {"message": "not found"})

    provider = providers(handler)
    config = remote_config(
        "http",
        {
            "url": provider.origin + "/api/codes/{code}",
            "headers": {"Authorization": "Bearer ${OOPSLINT_TEST_PROMO}"},
            "root": "data",
            "fields": {"active": "enabled", "ends_at": "valid_until", "kind": "type", "value": "amount"},
            "kinds": {"pct": "percent"},
        },
    )
    report = lint(promo("<p>Take 20% off with code <strong>WINTER20</strong>.</p>"), config)
    assert [f.message[:48] for f in found(report, "CPN003")] == ["coupon code WINTER20 ends 3.0 hours after the se"]


@pytest.mark.parametrize(
    "answer, said",
    [
        (Answer(500, {"error": {"type": "api_error"}}), "Stripe answered HTTP 500 (api_error)"),
        (
            Answer(200, b"<html>Bad gateway</html>", {"Content-Type": "text/html"}),
            "Stripe answered with something that is not a list of promotion codes",
        ),
        (
            Answer(401, {"error": {"type": "invalid_request_error"}}),
            "Stripe refused the credentials (HTTP 401) (invalid_request_error)",
        ),
        (
            Answer(429, {"error": {"type": "rate_limit_error"}}, {"Retry-After": "0"}),
            "Stripe kept answering 429 Too Many Requests (rate_limit_error)",
        ),
    ],
)
def test_backend_failures_are_could_not_verify_never_a_pass(providers, stripe_env, answer, said):
    provider = providers(lambda seen: answer)
    config = remote_config("stripe", {"api_key": "${OOPSLINT_TEST_STRIPE}", "base_url": provider.origin})
    report = lint(promo(COPY), config)
    assert [f.message for f in found(report, "CPN006")] == [f"coupon code WINTER20 could not be verified: {said}"]
    assert [f.code for f in report.findings] == ["CPN006"]


def test_429_with_retry_after_is_honoured_then_answered(providers, stripe_env):
    promotions, coupons = stripe_shop()
    real = stripe_handler(promotions, coupons, STRIPE_KEY)

    def limited(seen):
        if len(provider.seen) == 1:
            return Answer(429, {"error": {"type": "rate_limit_error"}}, {"Retry-After": "1"})
        return real(seen)

    provider = providers(limited)
    config = remote_config("stripe", {"api_key": "${OOPSLINT_TEST_STRIPE}", "base_url": provider.origin})
    report = lint(promo(COPY), config)
    assert [f.code for f in report.findings] == []
    assert len(provider.seen) == 2


def test_a_hanging_backend_is_could_not_verify_within_the_timeout(providers, stripe_env):
    provider = providers(lambda seen: HANG)
    config = remote_config("stripe", {"api_key": "${OOPSLINT_TEST_STRIPE}", "base_url": provider.origin})
    config["http"].update(timeout=0.5, retries=0)
    report = lint(promo(COPY), config)
    [finding] = found(report, "CPN006")
    assert finding.message.startswith("coupon code WINTER20 could not be verified: Stripe could not be reached")


def test_offline_network_source_is_skipped_and_said_so(providers, stripe_env):
    provider = providers(stripe_handler(*stripe_shop(), STRIPE_KEY))
    config = remote_config("stripe", {"api_key": "${OOPSLINT_TEST_STRIPE}", "base_url": provider.origin})
    report = lint(promo(COPY), config, offline=True)
    assert [f.message for f in found(report, "CPN007")] == [
        "coupon code WINTER20 not checked: the coupon source needs the network and this run is offline"
    ]
    assert provider.seen == []


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_the_api_key_never_appears_in_any_output(providers, stripe_env, tmp_path):
    echo = lambda seen: Answer(
        401,
        {
            "error": {
                "type": "invalid_request_error",  # noqa: E731
                "message": f"Invalid API Key provided: {STRIPE_KEY}",
            }
        },
        {"X-Echo": STRIPE_KEY},
    )
    provider = providers(echo)
    (tmp_path / "oopslint.toml").write_text(
        f'select = ["CPN"]\n[coupons]\nsource = "stripe"\n[coupons.stripe]\napi_key = "${{OOPSLINT_TEST_STRIPE}}"\n'
        f'base_url = "{provider.origin}"\n[http]\nallow_private = true\nretries = 0\n'
    )
    email = tmp_path / "promo.html"
    email.write_text(promo(COPY))
    for fmt in ("text", "json", "github", "sarif", "html"):
        code, out, err = run_cli("check", "--format", fmt, "--no-cache", str(email))
        assert code == 0, (fmt, out, err)  # CPN006 is a warning
        assert "CPN006" in out
        assert STRIPE_KEY not in out + err
        assert STRIPE_KEY[8:30] not in out + err
    assert STRIPE_KEY not in os.environ.get("PYTEST_CURRENT_TEST", "")


@pytest.mark.parametrize(
    "content, said",
    [
        ("code,active\nX,true\n", "missing column(s) starts_at, ends_at, kind, value, usage_limit, times_used"),
        (
            "code,active,starts_at,ends_at,kind,value,usage_limit,times_used\nX,true,,,bogus,5,,\n",
            "row 2, column kind: unknown kind 'bogus'; choose from percent, amount, free_shipping",
        ),
        (
            "code,active,starts_at,ends_at,kind,value,usage_limit,times_used\nX,true,,31.12.2026,percent,5,,\n",
            "row 2, column ends_at: ends_at is not a date: '31.12.2026'",
        ),
        (
            "code,active,starts_at,ends_at,kind,value,usage_limit,times_used\nX,maybe,,,percent,5,,\n",
            "row 2, column active: active is not true or false: 'maybe'",
        ),
        (
            "code,active,starts_at,ends_at,kind,value,usage_limit,times_used\nX,true,,,percent,5\n",
            "row 2: expected 8 columns",
        ),
    ],
)
def test_a_malformed_coupons_file_is_a_configuration_error_naming_row_and_column(tmp_path, content, said):
    (tmp_path / "coupons.csv").write_text(content)
    (tmp_path / "oopslint.toml").write_text(
        'select = ["CPN"]\n[coupons]\nsource = "file"\n[coupons.file]\npath = "coupons.csv"\n'
    )
    email = tmp_path / "promo.html"
    email.write_text(promo(COPY))
    code, out, err = run_cli("check", "--offline", str(email))
    assert code == 2
    assert f"coupons file {tmp_path / 'coupons.csv'}" in err + out
    assert said in err + out
    assert "Traceback" not in err + out


def test_an_unknown_source_names_the_valid_ones(tmp_path):
    config = file_config()
    config["coupons"]["source"] = "magento"
    import oopslint

    with pytest.raises(oopslint.ConfigError, match="'magento' is not a known coupon source; choose from 'file'"):
        oopslint.lint(promo(COPY), config=config)
