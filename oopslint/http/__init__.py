"""The shared asynchronous HTTP client every network rule uses.

The engine opens one session per run (``async with session(...)``); rules
marked ``network=True`` get its client with :func:`client` and so share its
connection pools, per-host limits, retries, time budget and cache::

    from oopslint import http

    checked = await http.client().check("https://shop.example/sale")
    if checked.ok: ...

    # many URLs at once (results in the same order; no task per URL and caller)
    results = await http.client().check_all([ref.url for ref in refs])

    data = await http.client().get_json(
        "https://api.shop.example/v1/coupons/SAVE10",
        headers={"Authorization": "Bearer ${SHOP_API_TOKEN}"},
    )

What the client guarantees, whoever calls it:

- Each unique URL is checked once per run (concurrent callers await the same
  check); good results are kept in a SQLite cache with a TTL, so the next run
  makes no request for them.
- At most ``max_concurrency`` requests in flight, ``max_per_host`` per host,
  and ``min_interval`` seconds between request starts to one host, counted
  from when each request really went out (a late one never lets the next
  follow closer).
- Retries with exponential backoff on 5xx, 408, 429, timeouts and dropped
  connections, honouring ``Retry-After`` (seconds or HTTP-date), inside a
  total time ``budget`` for the run: a send pipeline is never held hostage.
- No connection to loopback, private, link-local or cloud-metadata addresses
  unless ``allow_private`` is set (globally or per host). The check happens
  after DNS resolution, on the address actually connected to, for every
  redirect hop.
- No cookie outlives one redirect chain; configured headers (and credentials
  in a URL) are only sent to their own host. ``${NAME}`` in a header value is
  read from the environment at request time and never appears in a message.

Configuration lives in ``[tool.oopslint.http]``; see :data:`HTTP_OPTIONS`.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from ..config import register_core_section
from ._options import DEFAULT_USER_AGENT, HOST_OPTION_KEYS, HTTP_OPTIONS
from ._results import HttpError, LinkCheck, Response, is_click_tracking
from ._urls import browser_ipv4, embedded_ipv4, is_public_address

if TYPE_CHECKING:
    from ._cache import default_cache_path
    from ._client import HttpClient

__all__ = [
    "HTTP_OPTIONS",
    "HOST_OPTION_KEYS",
    "DEFAULT_USER_AGENT",
    "HttpClient",
    "HttpError",
    "LinkCheck",
    "Response",
    "client",
    "current_session",
    "session",
    "default_cache_path",
    "is_click_tracking",
    "embedded_ipv4",
    "is_public_address",
    "browser_ipv4",
]

register_core_section("http", HTTP_OPTIONS)


def __getattr__(name: str) -> Any:
    # the client (httpx, sqlite3) is imported when a session first makes one:
    # offline runs and the address helpers never load it
    if name == "HttpClient":
        from ._client import HttpClient

        return HttpClient
    if name == "default_cache_path":
        from ._cache import default_cache_path

        return default_cache_path
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Pending:
    """A session whose client is made on first use, so runs that never ask
    for it pay nothing."""

    def __init__(self, make: Callable[[], HttpClient]):
        self.make = make
        self.made: HttpClient | None = None

    def get(self) -> HttpClient:
        if self.made is None:
            self.made = self.make()
            self.made._start()
        return self.made


_current: contextvars.ContextVar[HttpClient | _Pending | None] = contextvars.ContextVar(
    "oopslint_http_client", default=None
)


def client() -> HttpClient:
    """The session's shared client. Valid inside a rule that is async or
    marked ``network`` (or inside your own ``async with session()``).

    In an ``--offline`` run the client exists but every request raises
    :class:`HttpError` with ``kind == "offline"``, so a rule that can also
    work without the network (a coupon file) tells the two apart.
    """
    current = _current.get()
    if current is None:
        raise RuntimeError("oopslint.http.client() called outside a lint run; open one with oopslint.http.session()")
    if isinstance(current, _Pending):
        return current.get()
    return current


def current_session() -> object:
    """The current session, as an object to key per-run data on (weakly),
    without making its client: a rule that needs the client only now and
    then keeps runs that never ask for it free of the HTTP machinery."""
    current = _current.get()
    if current is None:
        raise RuntimeError(
            "oopslint.http.current_session() called outside a lint run; open one with oopslint.http.session()"
        )
    return current


@asynccontextmanager
async def session(
    options: Mapping[str, Any] | None = None,
    *,
    memory: dict[str, Any] | None = None,
    use_cache: bool = True,
    cache_path: str | os.PathLike[str] | None = None,
    offline: bool = False,
    lazy: bool = False,
) -> AsyncIterator[HttpClient | None]:
    """Open the shared client for one run and make :func:`client` return it.

    ``options`` is the ``[tool.oopslint.http]`` table (invalid values raise
    :class:`~oopslint.ConfigError`). ``memory`` is a dict kept by the caller
    across runs, so results are reused in one process; ``use_cache`` and
    ``cache_path`` control the persistent SQLite cache. ``offline`` makes every
    request fail with ``kind == "offline"``. With ``lazy`` the client is only
    made when :func:`client` is first called (and None is yielded).
    """

    def make() -> HttpClient:
        from ._client import HttpClient

        return HttpClient(options, memory=memory, use_cache=use_cache, cache_path=cache_path, offline=offline)

    if lazy:
        pending = _Pending(make)
        token = _current.set(pending)
        try:
            yield None
        finally:
            _current.reset(token)
            if pending.made is not None:
                await pending.made.aclose()
        return
    shared = make()
    shared._start()
    token = _current.set(shared)
    try:
        yield shared
    finally:
        _current.reset(token)
        await shared.aclose()
