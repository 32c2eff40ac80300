"""The shared asynchronous HTTP client rules use for network checks.

The engine opens one session per run (``async with session(...)``); rules
marked ``network=True`` get it with :func:`client` and so share its
connection pool, per-host limits, retries and cache.
"""

from __future__ import annotations

import contextvars
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Mapping

import httpx

from .config import register_core_section

__all__ = ["HttpClient", "client", "session", "HTTP_OPTIONS"]

HTTP_OPTIONS: dict[str, Any] = {
    "timeout": 10.0,
    "user_agent": "Mozilla/5.0 (compatible; oopslint/0.1; +https://github.com/oopslint/oopslint)",
}
register_core_section("http", HTTP_OPTIONS)

_current: contextvars.ContextVar["HttpClient | None"] = contextvars.ContextVar("oopslint_http_client", default=None)


class HttpClient:
    """A thin wrapper over ``httpx.AsyncClient`` shared by every network rule."""

    def __init__(self, options: Mapping[str, Any]):
        self.options = dict(HTTP_OPTIONS, **options)
        self._client = httpx.AsyncClient(
            timeout=float(self.options["timeout"]),
            headers={"User-Agent": self.options["user_agent"]},
            follow_redirects=False,
        )

    @property
    def raw(self) -> httpx.AsyncClient:
        return self._client

    async def aclose(self) -> None:
        await self._client.aclose()


def client() -> HttpClient:
    """The session's shared client. Only valid inside a network rule's check."""
    current = _current.get()
    if current is None:
        raise RuntimeError("oopslint.http.client() called outside a lint run")
    return current


@asynccontextmanager
async def session(
    options: Mapping[str, Any] | None = None,
    *,
    memory: dict[str, Any] | None = None,
    use_cache: bool = True,
    cache_path: str | None = None,
) -> AsyncIterator[HttpClient]:
    """Open the shared client for one run and make :func:`client` return it."""
    shared = HttpClient(options or {})
    token = _current.set(shared)
    try:
        yield shared
    finally:
        _current.reset(token)
        await shared.aclose()
