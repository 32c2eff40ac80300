"""The shared asynchronous HTTP client every network rule uses.

The engine opens one session per run (``async with session(...)``); rules
marked ``network=True`` get its client with :func:`client` and so share its
connection pools, per-host limits, retries, time budget and cache::

    from oopslint import http

    checked = await http.client().check("https://shop.example/sale")
    if checked.ok: ...

    data = await http.client().get_json(
        "https://api.shop.example/v1/coupons/SAVE10",
        headers={"Authorization": "Bearer ${SHOP_API_TOKEN}"},
    )

What the client guarantees, whoever calls it:

- Each unique URL is checked once per run (concurrent callers await the same
  check); good results are kept in a SQLite cache with a TTL, so the next run
  makes no request for them.
- At most ``max_concurrency`` requests in flight, ``max_per_host`` per host,
  and ``min_interval`` seconds between request starts to one host.
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

import asyncio
import contextvars
import email.utils
import errno
import hashlib
import ipaddress
import json as _json
import logging
import os
import random
import re
import socket
import sqlite3
import ssl
import sys
import time
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field, replace
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any, AsyncIterator, Mapping
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpcore
import httpx

from .config import ConfigError, register_core_section

__all__ = [
    "HTTP_OPTIONS",
    "DEFAULT_USER_AGENT",
    "HttpClient",
    "HttpError",
    "LinkCheck",
    "Response",
    "client",
    "session",
    "default_cache_path",
    "is_click_tracking",
]

log = logging.getLogger("oopslint.http")

try:
    from importlib.metadata import version as _version

    _VERSION = _version("oopslint")
except Exception:  # pragma: no cover - running from a source tree
    _VERSION = "0"

#: Looks like a browser to servers that sniff for one, and says who it is.
DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 "
    f"oopslint/{_VERSION} (email link checker; +https://github.com/oopslint/oopslint)"
)

#: ``[tool.oopslint.http]`` options and their defaults.
HTTP_OPTIONS: dict[str, Any] = {
    "timeout": 10.0,
    "retries": 2,
    "backoff": 0.5,
    "max_retry_wait": 15.0,
    "budget": 60.0,
    "max_concurrency": 64,
    "max_per_host": 8,
    "min_interval": 0.025,
    "max_redirects": 10,
    "user_agent": DEFAULT_USER_AGENT,
    "allow_private": False,
    "verify_tls": True,
    "ca_bundle": "",
    "hosts": {},
    "cache_ttl": 86400.0,
    "progress": True,
    "dns_probe_hosts": ["example.com", "www.google.com", "one.one.one.one"],
}
register_core_section("http", HTTP_OPTIONS)

#: Keys a ``[tool.oopslint.http.hosts."name"]`` table may set.
HOST_OPTION_KEYS = ("timeout", "retries", "max_per_host", "min_interval", "allow_private", "verify_tls", "headers")

_SNIFF_BYTES = 8192
_REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))
_NOT_TRANSIENT_5XX = frozenset((501, 505, 511))
_MEMORY_TTL_FAILURES = 60.0
_IDEMPOTENT = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "DELETE"))
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

_current: contextvars.ContextVar["HttpClient | None"] = contextvars.ContextVar("oopslint_http_client", default=None)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class LinkCheck:
    """What checking one URL found. Judging it (broken, fine, unverifiable)
    is up to the caller; :attr:`ok` is the plain "it answered 2xx" answer.

    ``error`` is None when the server answered, else one of: ``dns`` (the
    name does not exist), ``dns-unavailable`` (DNS itself is not answering),
    ``refused``, ``reset`` (the connection dropped), ``tls``, ``timeout``,
    ``connect``, ``protocol``, ``redirect-loop``, ``too-many-redirects``,
    ``blocked`` (a private address the SSRF guard refused), ``budget`` (the
    run's time budget ran out), ``config`` (a header needs an unset
    environment variable) or ``invalid-url``.
    """

    url: str
    final_url: str
    status: int | None = None
    reason: str = ""
    error: str | None = None
    detail: str = ""
    redirects: tuple[str, ...] = ()
    attempts: int = 0
    challenge: str | None = None
    retry_after: float | None = None
    from_cache: bool = False
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """The server answered 2xx (after redirects) and it was not a bot wall."""
        if self.error is not None or self.challenge is not None or self.status is None:
            return False
        if 200 <= self.status < 300:
            return True
        # a redirect that leaves the web (an app store, mailto:) is where the link goes
        return self.status in _REDIRECT_STATUSES and not self.final_url.lower().startswith(("http://", "https://"))

    @property
    def status_text(self) -> str:
        """``404 Not Found``; empty when no response arrived."""
        if self.status is None:
            return ""
        return f"{self.status} {self.reason}".strip()

    @property
    def redirected(self) -> bool:
        return bool(self.redirects)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["redirects"] = list(self.redirects)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "LinkCheck":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["redirects"] = tuple(known.get("redirects") or ())
        return cls(**known)


@dataclass(frozen=True)
class Response:
    """A response read by :meth:`HttpClient.request` (body capped at ``max_bytes``)."""

    method: str
    url: str
    status: int
    reason: str
    headers: httpx.Headers
    content: bytes
    redirects: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        charset = httpx.Response(self.status, headers=self.headers).charset_encoding or "utf-8"
        return self.content.decode(charset, errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON; :class:`HttpError` when it is not JSON."""
        try:
            return _json.loads(self.content)
        except ValueError:
            raise HttpError(f"{self.method} {_safe_url(self.url)}: the response is not JSON", kind="json",
                            url=self.url, status=self.status) from None


class HttpError(Exception):
    """A request failed. The message names the method, the URL without its
    query string and credentials, and what went wrong; never a header value.

    ``kind`` is ``status`` for an HTTP error status (see ``status``), or one of
    the :class:`LinkCheck` error kinds, or ``too-large`` / ``json``.
    """

    def __init__(self, message: str, *, kind: str, url: str = "", status: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.url = _safe_url(url) if url else ""
        self.status = status


class _Failure(Exception):
    """A request got no usable response (internal)."""

    def __init__(self, kind: str, detail: str, *, retryable: bool = False):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.retryable = retryable
        self.attempts = 1


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class _HostSettings:
    timeout: float
    retries: int
    max_per_host: int
    min_interval: float
    allow_private: bool
    verify_tls: bool
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Settings:
    base: _HostSettings
    backoff: float
    max_retry_wait: float
    budget: float
    max_concurrency: int
    max_redirects: int
    user_agent: str
    ca_bundle: str
    cache_ttl: float
    progress: bool
    dns_probe_hosts: tuple[str, ...]
    hosts: tuple[tuple[str, Mapping[str, Any]], ...] = ()

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> "_Settings":
        merged = dict(HTTP_OPTIONS)
        for key, value in options.items():
            merged[key.replace("-", "_")] = value
        unknown = sorted(set(merged) - set(HTTP_OPTIONS))
        if unknown:
            raise ConfigError(f"unknown option {unknown[0]!r} in [http]; valid options: {', '.join(sorted(HTTP_OPTIONS))}")
        where = "[http] "
        base = _HostSettings(
            timeout=_number(merged, "timeout", where, positive=True),
            retries=_whole(merged, "retries", where),
            max_per_host=_whole(merged, "max_per_host", where, minimum=1),
            min_interval=_number(merged, "min_interval", where),
            allow_private=_flag(merged, "allow_private", where),
            verify_tls=_flag(merged, "verify_tls", where),
        )
        hosts = merged.get("hosts") or {}
        if not isinstance(hosts, Mapping):
            raise ConfigError("[http] hosts must be a table of host name = { options }")
        parsed_hosts = []
        for pattern, table in hosts.items():
            where_host = f'[http] hosts."{pattern}".'
            if not isinstance(table, Mapping):
                raise ConfigError(f"{where_host[:-1]} must be a table, like {{ timeout = 20 }}")
            clean: dict[str, Any] = {}
            for key, value in table.items():
                norm = key.replace("-", "_")
                if norm not in HOST_OPTION_KEYS:
                    raise ConfigError(f"unknown option {key!r} in {where_host[:-1]}; valid options: {', '.join(HOST_OPTION_KEYS)}")
                clean[norm] = value
            probe = {**asdict(base), **clean}
            _number(probe, "timeout", where_host, positive=True)
            _whole(probe, "retries", where_host)
            _whole(probe, "max_per_host", where_host, minimum=1)
            _number(probe, "min_interval", where_host)
            _flag(probe, "allow_private", where_host)
            _flag(probe, "verify_tls", where_host)
            headers = clean.get("headers", {})
            if not isinstance(headers, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
                raise ConfigError(f"{where_host}headers must be a table of header name = \"value\"")
            for name in headers:
                if not re.fullmatch(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", name):
                    raise ConfigError(f"{where_host}headers: {name!r} is not a valid header name")
            clean["headers"] = tuple(headers.items())
            parsed_hosts.append((pattern.strip().lower(), clean))
        probes = merged.get("dns_probe_hosts") or []
        if not isinstance(probes, list) or not all(isinstance(p, str) for p in probes):
            raise ConfigError("[http] dns_probe_hosts must be a list of host names")
        user_agent = merged.get("user_agent")
        if not isinstance(user_agent, str) or not user_agent.strip() or "\n" in user_agent:
            raise ConfigError("[http] user_agent must be a one-line string")
        ca_bundle = merged.get("ca_bundle") or ""
        if not isinstance(ca_bundle, str):
            raise ConfigError("[http] ca_bundle must be the path of a PEM file")
        if ca_bundle and not Path(ca_bundle).expanduser().is_file():
            raise ConfigError(f"[http] ca_bundle: {ca_bundle!r} is not a file")
        return cls(
            base=base,
            backoff=_number(merged, "backoff", where),
            max_retry_wait=_number(merged, "max_retry_wait", where),
            budget=_number(merged, "budget", where, positive=True),
            max_concurrency=_whole(merged, "max_concurrency", where, minimum=1),
            max_redirects=_whole(merged, "max_redirects", where),
            user_agent=user_agent.strip(),
            ca_bundle=str(Path(ca_bundle).expanduser()) if ca_bundle else "",
            cache_ttl=_number(merged, "cache_ttl", where),
            progress=_flag(merged, "progress", where),
            dns_probe_hosts=tuple(probes),
            hosts=tuple(parsed_hosts),
        )

    def for_host(self, host: str, port: int | None) -> _HostSettings:
        """The settings for ``host``: the most specific ``hosts`` entry wins
        (``host:port``, then ``host``, then the longest ``*.suffix``)."""
        host = host.lower().rstrip(".")
        best: tuple[int, Mapping[str, Any]] | None = None
        for pattern, table in self.hosts:
            rank = _host_pattern_rank(pattern, host, port)
            if rank and (best is None or rank > best[0]):
                best = (rank, table)
        if best is None:
            return self.base
        table = dict(best[1])
        for key in ("timeout", "min_interval"):
            if key in table:
                table[key] = float(table[key])
        return replace(self.base, **table)


def _host_pattern_rank(pattern: str, host: str, port: int | None) -> int:
    name, _, pattern_port = pattern.partition(":") if not pattern.startswith("[") else (pattern, "", "")
    if pattern_port:
        if port is None or str(port) != pattern_port:
            return 0
        bonus = 1
    else:
        bonus = 0
    name = name.rstrip(".")
    if name == host:
        return 10_000 + bonus
    if name.startswith("*.") and (host.endswith(name[1:]) or host == name[2:]):
        return len(name) + bonus
    return 0


def _number(values: Mapping[str, Any], key: str, where: str, *, positive: bool = False) -> float:
    value = values.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (positive and value == 0):
        need = "a number above 0" if positive else "a number of 0 or more"
        raise ConfigError(f"{where}{key} must be {need}, got {value!r}")
    return float(value)


def _whole(values: Mapping[str, Any], key: str, where: str, *, minimum: int = 0) -> int:
    value = values.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{where}{key} must be a whole number of {minimum} or more, got {value!r}")
    return value


def _flag(values: Mapping[str, Any], key: str, where: str) -> bool:
    value = values.get(key)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}{key} must be true or false, got {value!r}")
    return value


def _expand_env(value: str, what: str) -> str:
    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        found = os.environ.get(name)
        if found is None:
            raise _Failure("config", f"{what} needs the environment variable {name}, which is not set")
        return found

    return _ENV_REF.sub(lookup, value)


# --------------------------------------------------------------------------- addresses


def _is_public(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _Resolver:
    """Resolves names once per session, tells "no such name" from "no DNS"."""

    def __init__(self, probe_hosts: tuple[str, ...], timeout: float):
        self._probe_hosts = probe_hosts
        self._timeout = timeout
        self._answers: dict[tuple[str, int], asyncio.Future[list[str]]] = {}
        self._dns_works: asyncio.Future[bool] | None = None

    async def resolve(self, host: str, port: int) -> list[str]:
        key = (host, port)
        future = self._answers.get(key)
        if future is None:
            future = asyncio.ensure_future(self._lookup(host, port))
            self._answers[key] = future
        return await asyncio.shield(future)

    async def _getaddrinfo(self, host: str, port: int) -> list[str]:
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(self._timeout):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses: list[str] = []
        for _family, _type, _proto, _name, sockaddr in infos:
            if sockaddr[0] not in addresses:
                addresses.append(str(sockaddr[0]))
        return addresses

    async def _lookup(self, host: str, port: int) -> list[str]:
        try:
            return await self._getaddrinfo(host, port)
        except TimeoutError:
            raise _Failure("dns-unavailable", f"the DNS lookup of {host} timed out") from None
        except (socket.gaierror, UnicodeError) as exc:
            not_found = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}
            if isinstance(exc, socket.gaierror) and exc.errno not in not_found:
                raise _Failure("dns-unavailable", f"the DNS lookup of {host} failed ({exc.strerror or exc})") from None
            if await self.dns_works():
                raise _Failure("dns", f"DNS lookup failed: {host} does not exist") from None
            raise _Failure(
                "dns-unavailable",
                f"could not look up {host}: DNS finds no host at all on this machine (offline?)",
            ) from None

    async def dns_works(self) -> bool:
        if self._dns_works is None:
            self._dns_works = asyncio.ensure_future(self._probe())
        return await asyncio.shield(self._dns_works)

    async def _probe(self) -> bool:
        if not self._probe_hosts:
            return True

        async def one(name: str) -> bool:
            try:
                return bool(await self._getaddrinfo(name, 443))
            except Exception:
                return False

        results = await asyncio.gather(*(one(name) for name in self._probe_hosts))
        return any(results)


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the name itself, refuses non-public addresses (unless allowed)
    and connects to the address it checked, so DNS cannot change in between."""

    def __init__(self, resolver: _Resolver, allow_private: bool):
        self._resolver = resolver
        self._allow_private = allow_private
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None, socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        addresses = await self._resolver.resolve(host, port)
        allowed = addresses if self._allow_private else [a for a in addresses if _is_public(a)]
        if not allowed:
            shown = addresses[0] if addresses else host
            what = f"{host} is" if shown == host else f"{host} resolves to {shown},"
            raise _Failure(
                "blocked",
                f"{what} a private or local address; not connecting "
                "(set allow_private, or allow_private for this host under [http.hosts], to check it)",
            )
        last: Exception | None = None
        for address in allowed:
            try:
                stream = await self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                       socket_options=socket_options)
                return _GuardedStream(stream, host, port)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        # classify here: the connection pool re-raises without the original cause
        if isinstance(last, httpcore.ConnectTimeout):
            raise _Failure("timeout", f"no connection to {host}:{port} within {timeout or 0:g} s", retryable=True)
        if any(isinstance(node, ConnectionRefusedError) or getattr(node, "errno", None) == errno.ECONNREFUSED
               for node in _exception_chain(last)):
            raise _Failure("refused", f"connection refused by {host}:{port}")
        reason = next((str(n) for n in reversed(_exception_chain(last)) if isinstance(n, OSError) and str(n)), str(last))
        raise _Failure("connect", f"could not connect to {host}:{port} ({reason})")

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        raise _Failure("blocked", "unix sockets are never connected to")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _GuardedStream(httpcore.AsyncNetworkStream):
    """Passes everything through; names TLS failures while their cause is known."""

    def __init__(self, stream: httpcore.AsyncNetworkStream, host: str, port: int):
        self._stream = stream
        self._host = host
        self._port = port
        self._where = f"{host}:{port}"

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        try:
            upgraded = await self._stream.start_tls(ssl_context, server_hostname, timeout)
        except httpcore.ConnectTimeout:
            raise _Failure("timeout", f"the TLS handshake with {self._where} timed out", retryable=True) from None
        except (httpcore.ConnectError, OSError) as exc:
            tls = next((n for n in _exception_chain(exc) if isinstance(n, ssl.SSLError)), None)
            if tls is None:
                raise
            reason = getattr(tls, "verify_message", None) or getattr(tls, "reason", None) or str(tls)
            raise _Failure("tls", f"TLS error talking to {self._where}: {reason}") from None
        return _GuardedStream(upgraded, self._host, self._port)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, backend: _GuardedBackend, *, verify: Any, limit: int):
        super().__init__(verify=verify, trust_env=False, limits=httpx.Limits(max_connections=limit,
                                                                              max_keepalive_connections=limit))
        if not hasattr(self, "_pool"):  # pragma: no cover - an httpx without the pool attribute
            raise RuntimeError("this httpx version is not supported by oopslint.http")
        ssl_context = self._pool._ssl_context  # type: ignore[attr-defined]
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limit,
            max_keepalive_connections=limit,
            keepalive_expiry=5.0,
            network_backend=backend,
        )


class _NoCookies(CookieJar):
    """Keeps nothing: a check must not carry state from one URL to the next."""

    def set_cookie(self, cookie: Any) -> None:
        return None

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None


# --------------------------------------------------------------------------- pacing


class _Gate:
    """At most ``limit`` requests at once to one host, starts ``interval`` apart."""

    def __init__(self, limit: int, interval: float):
        self._semaphore = asyncio.Semaphore(limit)
        self._interval = interval
        self._next_start = 0.0

    async def __aenter__(self) -> None:
        await self._semaphore.acquire()
        try:
            now = asyncio.get_running_loop().time()
            start = max(now, self._next_start)
            self._next_start = start + self._interval
            if start > now:
                await asyncio.sleep(start - now)
        except BaseException:
            self._semaphore.release()
            raise

    async def __aexit__(self, *exc: Any) -> None:
        self._semaphore.release()

    def pause(self, seconds: float) -> None:
        """Hold every further request to this host back (after a 429)."""
        self._next_start = max(self._next_start, asyncio.get_running_loop().time() + seconds)


@dataclass(eq=False)
class _Host:
    name: str
    settings: _HostSettings
    client: httpx.AsyncClient
    gate: _Gate
    head_refused: bool = False


@dataclass
class _Reply:
    method: str
    url: str
    status: int
    reason: str
    headers: httpx.Headers
    body: bytes


class _Progress:
    """A one-line progress bar on stderr, drawn only on a terminal."""

    THRESHOLD = 8

    def __init__(self, enabled: bool):
        stream = sys.stderr
        try:
            tty = stream.isatty()
        except Exception:
            tty = False
        self._stream = stream
        self._enabled = enabled and tty and os.environ.get("TERM") != "dumb"
        self.total = 0
        self.done = 0
        self._drawn = False
        self._last = 0.0

    def add(self) -> None:
        self.total += 1
        self._draw()

    def finish_one(self) -> None:
        self.done += 1
        self._draw()

    def _draw(self) -> None:
        if not self._enabled or self.total <= self.THRESHOLD:
            return
        now = time.monotonic()
        if self.done < self.total and now - self._last < 0.1:
            return
        self._last = now
        width = 24
        filled = int(width * self.done / self.total)
        bar = "#" * filled + "-" * (width - filled)
        try:
            self._stream.write(f"\roopslint: checking links [{bar}] {self.done}/{self.total}")
            self._stream.flush()
            self._drawn = True
        except Exception:
            self._enabled = False

    def close(self) -> None:
        if self._drawn:
            try:
                self._stream.write("\r\x1b[K")
                self._stream.flush()
            except Exception:
                pass


# --------------------------------------------------------------------------- cache


def default_cache_path() -> Path:
    """Where the link-check cache lives unless ``cache_path`` says otherwise:
    ``$OOPSLINT_CACHE_DIR``, else the user cache folder of the platform."""
    override = os.environ.get("OOPSLINT_CACHE_DIR")
    if override:
        folder = Path(override).expanduser()
    elif sys.platform == "win32":
        folder = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "oopslint" / "Cache"
    elif sys.platform == "darwin":
        folder = Path.home() / "Library" / "Caches" / "oopslint"
    else:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "oopslint"
    return folder / "links.sqlite3"


class _LinkCache:
    """Good results only, keyed by URL and the headers sent to its host."""

    PRUNE_AFTER = 30 * 86400.0

    def __init__(self, path: Path, ttl: float):
        self.path = path
        self.ttl = ttl
        self._db: sqlite3.Connection | None = None
        self._pending: dict[str, tuple[str, str, float]] = {}
        self._broken = False

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        if self._broken:
            return None
        if self._db is not None:
            return self._db
        try:
            if not create and not self.path.exists():
                return None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=2.0)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS link_checks ("
                " key TEXT PRIMARY KEY, url TEXT NOT NULL, result TEXT NOT NULL, checked_at REAL NOT NULL)"
            )
            self._db = db
            return db
        except (sqlite3.Error, OSError) as exc:
            self._fail(exc)
            return None

    def _fail(self, exc: BaseException) -> None:
        if not self._broken:
            log.warning("link-check cache at %s disabled: %s", self.path, exc)
        self._broken = True

    def get(self, key: str) -> LinkCheck | None:
        db = self._connect(create=False)
        if db is None:
            return None
        try:
            row = db.execute("SELECT result, checked_at FROM link_checks WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            self._fail(exc)
            return None
        if row is None or time.time() - row[1] > self.ttl:
            return None
        try:
            return replace(LinkCheck.from_dict(_json.loads(row[0])), from_cache=True)
        except (ValueError, TypeError):
            return None

    def put(self, key: str, result: LinkCheck) -> None:
        self._pending[key] = (result.url, _json.dumps(result.to_dict()), time.time())

    def flush(self) -> None:
        try:
            if self._pending:
                db = self._connect(create=True)
                if db is not None:
                    with db:
                        db.executemany(
                            "INSERT OR REPLACE INTO link_checks (key, url, result, checked_at) VALUES (?, ?, ?, ?)",
                            [(key, *row) for key, row in self._pending.items()],
                        )
                        db.execute("DELETE FROM link_checks WHERE checked_at < ?",
                                   (time.time() - max(self.ttl, self.PRUNE_AFTER),))
            self._pending.clear()
        except (sqlite3.Error, OSError) as exc:
            self._fail(exc)
        finally:
            if self._db is not None:
                try:
                    self._db.close()
                except sqlite3.Error:
                    pass
                self._db = None


# --------------------------------------------------------------------------- helpers


def _safe_url(url: str) -> str:
    """The URL without credentials, query string or fragment, for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}" if parts.scheme else url.split("?", 1)[0]


def _with_root_path(url: str) -> str:
    """``http://a.com`` and ``http://a.com/`` are one URL: give it its ``/``."""
    start = url.index("://") + 3
    cut = re.search(r"[/?]", url[start:])
    if cut is None:
        return url + "/"
    if url[start + cut.start()] == "?":
        return url[: start + cut.start()] + "/" + url[start + cut.start():]
    return url


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _retryable_status(status: int) -> bool:
    return status in (408, 429) or (500 <= status < 600 and status not in _NOT_TRANSIENT_5XX)


def _exception_chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it was raised from or while handling."""
    chain: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending and len(chain) < 20:
        node = pending.pop(0)
        if any(node is seen for seen in chain):
            continue
        chain.append(node)
        pending.extend(n for n in (node.__cause__, node.__context__) if n is not None)
        pending.extend(getattr(node, "exceptions", ()))
    return chain


def _classify(exc: BaseException, url: str, timeout: float) -> _Failure:
    if isinstance(exc, _Failure):
        return exc
    where = urlsplit(url).netloc or url
    for node in _exception_chain(exc):
        if isinstance(node, _Failure):
            return node
    if isinstance(exc, (TimeoutError, httpx.TimeoutException)):
        return _Failure("timeout", f"no response within {timeout:g} s", retryable=True)
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return _Failure("invalid-url", f"not a URL that can be fetched ({exc})")
    text = " ".join(str(node) for node in _exception_chain(exc))
    for node in _exception_chain(exc):
        if isinstance(node, ssl.SSLError) or "SSL" in str(node) and isinstance(exc, httpx.ConnectError):
            reason = getattr(node, "verify_message", None) or getattr(node, "reason", None) or str(node)
            return _Failure("tls", f"TLS error talking to {where}: {reason}")
        if isinstance(node, ConnectionRefusedError) or getattr(node, "errno", None) == errno.ECONNREFUSED:
            return _Failure("refused", f"connection refused by {where}")
        if isinstance(node, ConnectionResetError) or getattr(node, "errno", None) == errno.ECONNRESET:
            return _Failure("reset", f"connection reset by {where}", retryable=True)
    if isinstance(exc, httpx.ConnectError):
        if "refused" in text.lower() or f"[Errno {errno.ECONNREFUSED}]" in text:
            return _Failure("refused", f"connection refused by {where}")
        return _Failure("connect", f"could not connect to {where} ({exc or type(exc).__name__})")
    if isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError, httpx.CloseError)):
        detail = "reset" if "reset" in text.lower() else "closed"
        return _Failure("reset", f"connection {detail} by {where} before a full response", retryable=True)
    if isinstance(exc, httpx.ProtocolError):
        return _Failure("protocol", f"{where} broke the HTTP protocol ({exc})")
    if isinstance(exc, (httpx.HTTPError, OSError)):
        return _Failure("connect", f"request to {where} failed ({exc or type(exc).__name__})")
    raise exc


_META_REFRESH = re.compile(
    rb"""<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["']\s*\d*\s*;?\s*url\s*=\s*['"]?([^"'>\s]+)""",
    re.I,
)

#: Click-tracking and link-protection hosts whose links are wrappers around
#: another URL (suffix match on the host).
_TRACKING_HOST_SUFFIXES = (
    "list-manage.com", "ct.sendgrid.net", "sendgrid.net", "mandrillapp.com", "mjt.lu", "klclick.com",
    "klclick1.com", "klclick2.com", "klclick3.com", "hubspotlinks.com", "hs-sites.com", "rs6.net",
    "createsend.com", "createsend1.com", "cmail19.com", "cmail20.com", "sparkpostmail.com", "awstrack.me",
    "pstmrk.it", "mailchi.mp", "exct.net", "sendibt2.com", "sendibt3.com", "sendibm1.com", "mlsend.com",
    "customeriomail.com", "ct.mailerlite.com", "safelinks.protection.outlook.com", "urldefense.com",
    "urldefense.proofpoint.com", "l.facebook.com", "lnkd.in", "t.co", "bit.ly", "ow.ly",
)
_TRACKING_PATH = re.compile(r"/(?:ls/click|track/click|wf/click|c/|ss/c/|e3t/|l/|r/|redirect|click)", re.I)


def is_click_tracking(url: str) -> bool:
    """True when ``url`` looks like a click-tracking or link-protection wrapper:
    a known tracking host, or a link whose query carries another absolute URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if any(host == s or host.endswith("." + s) for s in _TRACKING_HOST_SUFFIXES):
        return True
    if host.startswith(("click.", "clicks.", "track.", "tracking.", "links.", "link.", "email.", "e.", "url")) and _TRACKING_PATH.search(parts.path):
        return True
    return any(value.lower().startswith(("http://", "https://")) for _, value in parse_qsl(parts.query))


# --------------------------------------------------------------------------- client


class HttpClient:
    """The session's shared client. Use :func:`client` inside a rule; build
    your own with :func:`session` elsewhere."""

    def __init__(self, options: Mapping[str, Any] | None = None, *, memory: dict[str, Any] | None = None,
                 use_cache: bool = True, cache_path: "str | os.PathLike[str] | None" = None):
        self.settings = _Settings.parse(options or {})
        self._memory: dict[str, tuple[float, LinkCheck]] = (memory if memory is not None else {}).setdefault(
            "link_checks", {})
        cache = Path(cache_path).expanduser() if cache_path else default_cache_path()
        if cache_path and cache.is_dir():
            cache = cache / "links.sqlite3"
        self._cache = _LinkCache(cache, self.settings.cache_ttl) if use_cache and self.settings.cache_ttl > 0 else None
        self._resolver = _Resolver(self.settings.dns_probe_hosts, self.settings.base.timeout)
        self._hosts: dict[tuple[str, int | None], _Host] = {}
        self._gates: dict[str, _Gate] = {}
        self._checks: dict[str, asyncio.Future[LinkCheck]] = {}
        self._global: asyncio.Semaphore | None = None
        self._deadline: float | None = None
        self._progress = _Progress(self.settings.progress)
        self._verify: Any = None
        self.stats: dict[str, int] = {"requests": 0, "checks": 0, "cache_hits": 0, "memory_hits": 0}

    # ------------------------------------------------------------ lifecycle

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        self._deadline = loop.time() + self.settings.budget
        self._global = asyncio.Semaphore(self.settings.max_concurrency)
        if self.settings.ca_bundle:
            self._verify = ssl.create_default_context(cafile=self.settings.ca_bundle)

    async def aclose(self) -> None:
        """Stop unfinished checks, close connections, write the cache."""
        for future in self._checks.values():
            if not future.done():
                future.cancel()
        if self._checks:
            await asyncio.gather(*self._checks.values(), return_exceptions=True)
        for host in self._hosts.values():
            try:
                await host.client.aclose()
            except Exception:  # closing a broken connection must not fail the run
                pass
        self._progress.close()
        if self._cache is not None:
            self._cache.flush()

    @property
    def remaining_budget(self) -> float:
        """Seconds left of the run's time budget."""
        if self._deadline is None:
            return self.settings.budget
        return max(0.0, self._deadline - asyncio.get_running_loop().time())

    # ------------------------------------------------------------ checking

    def _key(self, url: str, settings: _HostSettings) -> str:
        if not settings.headers:
            return url
        fingerprint = hashlib.sha256(repr(settings.headers).encode()).hexdigest()[:16]
        return f"{url}#headers={fingerprint}"

    async def check(self, url: str) -> LinkCheck:
        """Check one http(s) URL: HEAD, then GET when HEAD is refused, following
        redirects. Every caller of the same URL in a session shares one check."""
        try:
            parsed = httpx.URL(url.strip())
            if parsed.scheme not in ("http", "https") or not parsed.host:
                raise httpx.InvalidURL("not an http(s) URL with a host")
            normalized = _with_root_path(str(parsed.copy_with(fragment=None)))
        except (httpx.InvalidURL, ValueError, TypeError) as exc:
            return LinkCheck(url=url, final_url=url, error="invalid-url", detail=f"not a URL that can be fetched ({exc})")
        settings = self.settings.for_host(parsed.host, parsed.port)
        key = self._key(normalized, settings)
        future = self._checks.get(key)
        if future is None:
            future = asyncio.ensure_future(self._check_once(normalized, key))
            self._checks[key] = future
        result = await asyncio.shield(future)
        return result if result.url == url else replace(result, url=url)

    async def _check_once(self, url: str, key: str) -> LinkCheck:
        now = time.time()
        remembered = self._memory.get(key)
        if remembered is not None and remembered[0] > now:
            self.stats["memory_hits"] += 1
            return remembered[1]
        if self._cache is not None:
            cached = self._cache.get(key)
            if cached is not None:
                self.stats["cache_hits"] += 1
                self._memory[key] = (now + self.settings.cache_ttl, cached)
                return cached
        self.stats["checks"] += 1
        self._progress.add()
        started = time.monotonic()
        try:
            assert self._deadline is not None, "HttpClient used outside session()"
            async with asyncio.timeout_at(self._deadline):
                result = await self._follow(url)
        except TimeoutError:
            result = LinkCheck(url=url, final_url=url, error="budget",
                               detail=f"the {self.settings.budget:g} s time budget for network checks ran out")
        finally:
            self._progress.finish_one()
        result = replace(result, elapsed=round(time.monotonic() - started, 3))
        if result.ok:
            self._memory[key] = (time.time() + self.settings.cache_ttl, result)
            if self._cache is not None:
                self._cache.put(key, result)
        elif result.error != "budget":
            self._memory[key] = (time.time() + _MEMORY_TTL_FAILURES, result)
        return result

    async def _follow(self, url: str) -> LinkCheck:
        chain = [url]
        seen: set[tuple[str, str]] = {(url, _cookie_state({}))}
        cookies: dict[str, dict[str, str]] = {}
        attempts = 0
        current = url
        while True:
            try:
                reply, tries = await self._probe(current, cookies)
            except _Failure as failure:
                return LinkCheck(url=url, final_url=current, error=failure.kind, detail=failure.detail,
                                 redirects=tuple(chain[1:]), attempts=attempts + failure.attempts)
            attempts += tries
            _keep_cookies(cookies, current, reply.headers)
            target = self._next_hop(current, reply)
            if target is None and 200 <= reply.status < 300 and is_click_tracking(current):
                target = await self._meta_refresh(current, reply, cookies)
            if target is None:
                return LinkCheck(
                    url=url, final_url=current, status=reply.status, reason=reply.reason,
                    redirects=tuple(chain[1:]), attempts=attempts, challenge=_challenge(reply),
                    retry_after=_parse_retry_after(reply.headers.get("retry-after")),
                )
            if not target.lower().startswith(("http://", "https://")):
                return LinkCheck(url=url, final_url=target, status=reply.status, reason=reply.reason,
                                 redirects=tuple(chain[1:]) + (target,), attempts=attempts)
            state = (target, _cookie_state(cookies))
            if state in seen:
                loop = " -> ".join(chain[chain.index(target):] + [target]) if target in chain else target
                return LinkCheck(url=url, final_url=target, status=reply.status, reason=reply.reason,
                                 error="redirect-loop", detail=f"redirect loop: {loop}",
                                 redirects=tuple(chain[1:]), attempts=attempts)
            if len(chain) > self.settings.max_redirects:
                return LinkCheck(url=url, final_url=target, status=reply.status, reason=reply.reason,
                                 error="too-many-redirects",
                                 detail=f"more than {self.settings.max_redirects} redirects",
                                 redirects=tuple(chain[1:]), attempts=attempts)
            seen.add(state)
            chain.append(target)
            current = target

    @staticmethod
    def _next_hop(current: str, reply: _Reply) -> str | None:
        if reply.status not in _REDIRECT_STATUSES:
            return None
        location = reply.headers.get("location")
        if not location or not location.strip():
            return None
        try:
            target = urljoin(current, location.strip())
        except ValueError:
            return None
        if "#" not in target and "#" in current:
            target += current[current.index("#"):]
        return target.split("#", 1)[0]

    async def _meta_refresh(self, current: str, reply: _Reply, cookies: dict[str, dict[str, str]]) -> str | None:
        body = reply.body
        if reply.method == "HEAD":
            try:
                host = self._host_for(current)
                body = (await self._send(host, "GET", current, self._headers_for(host, current, cookies),
                                         read=_SNIFF_BYTES)).body
            except _Failure:
                return None
        match = _META_REFRESH.search(body)
        if not match:
            return None
        target = urljoin(current, match.group(1).decode("latin-1").strip())
        return target if target != current else None

    async def _probe(self, url: str, cookies: dict[str, dict[str, str]]) -> tuple[_Reply, int]:
        """One hop: HEAD (or GET), with retries. Raises _Failure."""
        host = self._host_for(url)
        attempts = 0
        use_head = not host.head_refused
        while True:
            attempts += 1
            reply: _Reply | None = None
            failure: _Failure | None = None
            try:
                headers = self._headers_for(host, url, cookies)
                if use_head:
                    reply = await self._send(host, "HEAD", url, headers, read=_SNIFF_BYTES)
                    if reply.method == "HEAD" and reply.status >= 400 and reply.status != 429:
                        if reply.status in (405, 501):
                            host.head_refused = True
                        # many servers answer HEAD wrongly; GET is what a reader's click does
                        use_head = False
                        reply = await self._send(host, "GET", url, headers, read=_SNIFF_BYTES)
                else:
                    reply = await self._send(host, "GET", url, headers, read=_SNIFF_BYTES)
            except _Failure as exc:
                failure = exc
            delay = self._retry_delay(attempts, host.settings.retries, reply, failure)
            if delay is None:
                if failure is not None:
                    failure.attempts = attempts
                    raise failure
                assert reply is not None
                return reply, attempts
            if reply is not None and reply.status == 429:
                host.gate.pause(delay)
            await asyncio.sleep(delay)

    def _retry_delay(self, attempts: int, retries: int, reply: _Reply | None, failure: _Failure | None) -> float | None:
        if failure is not None:
            if not failure.retryable:
                return None
            wanted: float | None = None
        else:
            assert reply is not None
            if not _retryable_status(reply.status) or _challenge(reply):
                return None
            wanted = _parse_retry_after(reply.headers.get("retry-after"))
            if wanted is not None and wanted > self.settings.max_retry_wait:
                return None
        if attempts > retries:
            return None
        backoff = min(self.settings.backoff * 2 ** (attempts - 1), self.settings.max_retry_wait)
        delay = max(backoff * random.uniform(0.8, 1.2), wanted or 0.0)
        if delay + 0.05 >= self.remaining_budget:
            return None
        return delay

    def _host_for(self, url: str) -> _Host:
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, ValueError) as exc:
            raise _Failure("invalid-url", f"not a URL that can be fetched ({exc})") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise _Failure("invalid-url", f"not an http(s) URL: {_safe_url(url)}")
        name = parsed.host.lower()
        key = (name, parsed.port)
        host = self._hosts.get(key)
        if host is None:
            settings = self.settings.for_host(name, parsed.port)
            gate = self._gates.get(name)
            if gate is None:
                gate = self._gates[name] = _Gate(settings.max_per_host, settings.min_interval)
            backend = _GuardedBackend(self._resolver, settings.allow_private)
            verify: Any = self._verify if (self._verify is not None and settings.verify_tls) else settings.verify_tls
            transport = _GuardedTransport(backend, verify=verify, limit=settings.max_per_host)
            http_client = httpx.AsyncClient(transport=transport, follow_redirects=False, trust_env=False,
                                            cookies=httpx.Cookies(_NoCookies()),
                                            timeout=httpx.Timeout(settings.timeout, pool=None))
            host = self._hosts[key] = _Host(name, settings, http_client, gate)
        return host

    def _headers_for(self, host: _Host, url: str, cookies: dict[str, dict[str, str]],
                     extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {
            "User-Agent": self.settings.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
            "Accept-Language": "en-US,en;q=0.9",
        }
        for name, value in host.settings.headers:
            headers[name] = _expand_env(value, f"the {name} header for {host.name}")
        for name, value in (extra or {}).items():
            headers[name] = _expand_env(value, f"the {name} header")
        jar = cookies.get(host.name)
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        return headers

    async def _send(self, host: _Host, method: str, url: str, headers: Mapping[str, str], *, read: int,
                    body: bytes | None = None, limit_exceeded_is_error: bool = False) -> _Reply:
        """One request through the host's gate and the global limit. The body
        is streamed and at most ``read`` bytes of it are read."""
        assert self._global is not None, "HttpClient used outside session()"
        timeout = host.settings.timeout
        async with host.gate:
            async with self._global:
                if method == "HEAD" and host.head_refused:
                    method = "GET"  # learnt while this request waited its turn
                self.stats["requests"] += 1
                try:
                    async with asyncio.timeout(timeout):
                        request = host.client.build_request(method, url, headers=headers, content=body)
                        response = await host.client.send(request, stream=True)
                        try:
                            content = await _read_some(response, read if method != "HEAD" else 0,
                                                       limit_exceeded_is_error)
                        finally:
                            await response.aclose()
                        return _Reply(method, url, response.status_code, response.reason_phrase,
                                      response.headers, content)
                except _Failure:
                    raise
                except Exception as exc:
                    raise _classify(exc, url, timeout) from None

    # ------------------------------------------------------------ API requests

    async def request(self, method: str, url: str, *, headers: Mapping[str, str] | None = None,
                      params: Mapping[str, Any] | None = None, json: Any = None, content: bytes | None = None,
                      max_bytes: int = 4 * 1024 * 1024, retries: int | None = None) -> Response:
        """Send one request through the session's limits, SSRF guard, retries
        and time budget, and read the body (at most ``max_bytes``).

        Header values may name environment variables as ``${NAME}``; they are
        read here and never shown. Redirects are followed for GET and HEAD,
        and headers given here are dropped when a redirect leaves the host.
        Any HTTP status is returned; transport failures raise :class:`HttpError`.
        """
        method = method.upper()
        if json is not None:
            content = _json.dumps(json).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        try:
            target = httpx.URL(url, params=params) if params else httpx.URL(url)
        except (httpx.InvalidURL, ValueError, TypeError):
            raise HttpError(f"{method} {_safe_url(url)}: not a valid URL", kind="invalid-url", url=url) from None
        current = str(target)
        origin_host = (target.host or "").lower()
        chain: list[str] = []
        try:
            async with asyncio.timeout(max(self.remaining_budget, 0.001)):
                while True:
                    host = self._host_for(current)
                    sent_headers = dict(headers or {}) if host.name == origin_host else {}
                    reply = await self._request_with_retries(host, method, current, sent_headers, content,
                                                             max_bytes, retries)
                    hop = self._next_hop(current, reply) if method in ("GET", "HEAD") else None
                    if hop is None or not hop.lower().startswith(("http://", "https://")):
                        return Response(method, current, reply.status, reply.reason, reply.headers, reply.body,
                                        tuple(chain))
                    if len(chain) >= self.settings.max_redirects or hop in chain:
                        raise _Failure("too-many-redirects", "too many redirects or a redirect loop")
                    chain.append(hop)
                    current = hop
        except TimeoutError:
            raise HttpError(f"{method} {_safe_url(url)}: the time budget for network requests ran out",
                            kind="budget", url=url) from None
        except _Failure as failure:
            raise HttpError(f"{method} {_safe_url(current)}: {failure.detail}", kind=failure.kind, url=current) from None

    async def _request_with_retries(self, host: _Host, method: str, url: str, headers: Mapping[str, str],
                                    content: bytes | None, max_bytes: int, retries: int | None) -> _Reply:
        attempts = 0
        limit = host.settings.retries if retries is None else retries
        while True:
            attempts += 1
            reply: _Reply | None = None
            failure: _Failure | None = None
            try:
                sent = self._headers_for(host, url, {}, headers)
                sent["Accept"] = headers.get("Accept") or "application/json, */*;q=0.5"
                reply = await self._send(host, method, url, sent, read=max_bytes + 1, body=content,
                                         limit_exceeded_is_error=True)
            except _Failure as exc:
                failure = exc
            # a retried POST could act twice: retry it only when the server said it did nothing
            may_retry = method in _IDEMPOTENT or (reply is not None and reply.status in (429, 503))
            delay = self._retry_delay(attempts, limit, reply, failure) if may_retry else None
            if delay is None:
                if failure is not None:
                    raise failure
                assert reply is not None
                return reply
            if reply is not None and reply.status == 429:
                host.gate.pause(delay)
            await asyncio.sleep(delay)

    async def get_json(self, url: str, *, headers: Mapping[str, str] | None = None,
                       params: Mapping[str, Any] | None = None) -> Any:
        """GET a JSON document. Raises :class:`HttpError` on a non-2xx status,
        a transport failure or a body that is not JSON."""
        response = await self.request("GET", url, headers=headers, params=params)
        if not response.ok:
            raise HttpError(f"GET {_safe_url(response.url)} answered {response.status} {response.reason}".rstrip(),
                            kind="status", url=response.url, status=response.status)
        return response.json()

    async def post_json(self, url: str, payload: Any, *, headers: Mapping[str, str] | None = None) -> Any:
        """POST ``payload`` as JSON and return the parsed JSON answer (None for
        an empty body). Raises :class:`HttpError` like :meth:`get_json`."""
        response = await self.request("POST", url, headers=headers, json=payload)
        if not response.ok:
            raise HttpError(f"POST {_safe_url(response.url)} answered {response.status} {response.reason}".rstrip(),
                            kind="status", url=response.url, status=response.status)
        return response.json() if response.content.strip() else None


async def _read_some(response: httpx.Response, limit: int, limit_is_error: bool) -> bytes:
    if limit <= 0:
        return b""
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size >= limit:
                if limit_is_error:
                    raise _Failure("too-large", f"the response is larger than {limit - 1} bytes")
                break
    except httpx.DecodingError:
        pass  # a body we cannot decompress is still an answer
    return b"".join(chunks)[:limit]


def _cookie_state(jar: Mapping[str, Mapping[str, str]]) -> str:
    return repr(sorted((host, sorted(values.items())) for host, values in jar.items()))


def _keep_cookies(jar: dict[str, dict[str, str]], url: str, headers: httpx.Headers) -> None:
    """Cookies live for one redirect chain and go back only to the host that set them."""
    values = headers.get_list("set-cookie")
    if not values:
        return
    host = (urlsplit(url).hostname or "").lower()
    for value in values:
        pair = value.split(";", 1)[0]
        name, sep, content = pair.partition("=")
        if sep and name.strip():
            jar.setdefault(host, {})[name.strip()] = content.strip()


def _challenge(reply: _Reply) -> str | None:
    """The name of the bot wall that answered instead of the page, if any."""
    headers = reply.headers
    status = reply.status
    body = reply.body[:_SNIFF_BYTES].lower()
    server = headers.get("server", "").lower()
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return "Cloudflare"
    if "x-amzn-waf-action" in headers:
        return "AWS WAF"
    if status not in (202, 403, 429, 503) and status < 400:
        return None
    if "cloudflare" in server and (b"just a moment" in body or b"cf-chl" in body or b"challenge-platform" in body
                                   or b"attention required" in body):
        return "Cloudflare"
    if "x-datadome" in headers or "datadome" in server:
        return "DataDome"
    if b"_incapsula_resource" in body or "x-iinfo" in headers:
        return "Imperva"
    if b"px-captcha" in body or b"perimeterx" in body:
        return "HUMAN"
    if "x-sucuri-id" in headers and status == 403:
        return "Sucuri"
    if "akamaighost" in server and status == 403:
        return "Akamai"
    if b"api-services-support@amazon.com" in body or b"type the characters you see" in body:
        return "Amazon"
    if b"captcha" in body and status in (403, 429, 503):
        return "a CAPTCHA"
    return None


# --------------------------------------------------------------------------- session


def client() -> HttpClient:
    """The session's shared client. Only valid inside a network rule's check
    (or inside your own ``async with session()``)."""
    current = _current.get()
    if current is None:
        raise RuntimeError("oopslint.http.client() called outside a lint run; open one with oopslint.http.session()")
    return current


@asynccontextmanager
async def session(
    options: Mapping[str, Any] | None = None,
    *,
    memory: dict[str, Any] | None = None,
    use_cache: bool = True,
    cache_path: "str | os.PathLike[str] | None" = None,
) -> AsyncIterator[HttpClient]:
    """Open the shared client for one run and make :func:`client` return it.

    ``options`` is the ``[tool.oopslint.http]`` table (invalid values raise
    :class:`~oopslint.ConfigError`). ``memory`` is a dict kept by the caller
    across runs, so results are reused in one process; ``use_cache`` and
    ``cache_path`` control the persistent SQLite cache.
    """
    shared = HttpClient(options, memory=memory, use_cache=use_cache, cache_path=cache_path)
    await shared._open()
    token = _current.set(shared)
    try:
        yield shared
    finally:
        _current.reset(token)
        await shared.aclose()
