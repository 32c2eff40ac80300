"""The link client skips httpx's URL parser for plain URLs (the parse costs
as much as a request's own work); each such URL must be exactly the one httpx
makes, for every URL in the fixtures and for the shapes that are not plain."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from oopslint.http._client import _PLAIN_URLS_WORK, _plain_url

ROOT = Path(__file__).resolve().parents[2]

CRAFTED = [
    "https://shop.example.com/",
    "https://shop.example.com",
    "http://127.0.0.1:8080/p?q=1",
    "http://127.0.0.1:80/p",
    "https://shop.example.com:443/p",
    "https://shop.example.com:8443/p?a=b&c=d:e/f?g",
    "https://Shop.Example.com/p",
    "HTTPS://shop.example.com/p",
    "https://shop.example.com/a/../b",
    "https://shop.example.com/a/./b",
    "https://shop.example.com/.well-known/x",
    "https://shop.example.com/a%20b",
    "https://shop.example.com/a b",
    "https://shop.example.com/a#frag",
    "https://user:pw@shop.example.com/p",
    "https://shop.example.com/p?q=%E2%9C%93",
    "https://shop.example.com/p?q=\u2713",
    "https://b\u00fccher.example/p",
    "https://xn--bcher-kva.example/p",
    "https://01.2.3.4/p",
    "https://1.2.3.4/p",
    "https://256.2.3.4/p",
    "https://1.2.3/p",
    "https://123/p",
    "https://1a2b3c4/p",
    "https://a.b.c.d4/p",
    "https://shop.example.com:0/p",
    "https://shop.example.com:99999/p",
    "https://-bad.example.com/p",
    "https://shop.example.com/{x}",
    "https://shop.example.com/p?x={y}|z",
    "https://shop.example.com/p;a=1@x,y!z*'()$+~",
]


def fixture_urls() -> list[str]:
    found: set[str] = set()
    for path in sorted((ROOT / "fixtures").rglob("*.htm*")):
        text = path.read_text(encoding="utf-8", errors="replace")
        found.update(re.findall(r"""(?:href|src)\s*=\s*["'](https?://[^"'\s]+)""", text, re.I))
    return sorted(found)


def same(url: str) -> None:
    plain = _plain_url(url)
    if plain is None:
        return
    real = httpx.URL(url)
    assert str(plain) == str(real) == url
    for attribute in ("scheme", "host", "raw_host", "port", "netloc", "raw_path", "path", "query", "username"):
        assert getattr(plain, attribute) == getattr(real, attribute), attribute


def test_plain_urls_are_made_with_this_httpx():
    assert _PLAIN_URLS_WORK


@pytest.mark.parametrize("url", CRAFTED)
def test_crafted_urls(url):
    same(url)


def test_every_url_in_the_fixtures():
    urls = fixture_urls()
    assert len(urls) > 100
    plain = 0
    for url in urls:
        same(url)
        plain += _plain_url(url) is not None
    assert plain > len(urls) // 4  # the short path is the common one


def test_a_plain_url_is_queued_under_the_key_and_host_httpx_would_give_it():
    # the check's key is read off a plain URL's text; it must be the key the
    # parsed URL gets, or one link would be checked twice (or two as one)
    import asyncio

    from oopslint import http

    settings = {
        "allow_private": True,
        "progress": False,
        "hosts": {"shop.example.com": {"headers": {"X-Test": "1"}}, "127.0.0.1:8080": {"timeout": 3}},
    }

    async def keys() -> tuple[int, list[tuple[str, object, object]]]:
        async with http.session(settings, use_cache=False) as client:
            compared, differ = 0, []
            for url in [*CRAFTED, *fixture_urls()]:
                quick = client._plain_check_key(url)
                if quick is None:
                    continue
                compared += 1
                parsed = client._parsed_check_key(url)
                if quick != parsed:
                    differ.append((url, quick, parsed))
            return compared, differ

    compared, differ = asyncio.run(keys())
    assert compared > 100
    assert differ == []
