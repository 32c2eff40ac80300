"""HttpClient: pacing, retries, redirects and the shared per-URL checks."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json as _json
import os
import random
import re
import ssl
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from ._cache import LinkCache, default_cache_path
from ._guard import GuardedBackend, GuardedTransport, Resolver
from ._lean import LeanPool
from ._options import HostSettings, Settings, expand_env
from ._pacing import Gate, Progress
from ._results import (
    META_REFRESH,
    REDIRECT_STATUSES,
    SNIFF_BYTES,
    Failure,
    HttpError,
    LinkCheck,
    Reply,
    Response,
    challenge,
    classify,
    is_click_tracking,
    parse_retry_after,
    retryable_status,
    safe_url,
    with_root_path,
)
from ._urls import resolve_reference

_MEMORY_TTL_FAILURES = 60.0
_PARSED_KEPT = 4096
_STARTED_AT_ONCE = 32  # checks started before the loop runs the ones already started
_IDEMPOTENT = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "DELETE"))


@dataclass(eq=False)
class _Host:
    name: str
    settings: HostSettings
    gate: Gate
    backend: GuardedBackend
    lean: LeanPool  # link checks
    tls: Callable[[], ssl.SSLContext]
    head_refused: bool = False
    _client: httpx.AsyncClient | None = None  # API requests, made on first use
    _transport: httpx.AsyncBaseTransport | None = None

    def httpx(self) -> tuple[httpx.AsyncClient, httpx.AsyncBaseTransport]:
        if self._client is None or self._transport is None:
            self._transport = GuardedTransport(self.backend, ssl_context=self.tls(), limit=self.settings.max_per_host)
            self._client = httpx.AsyncClient(
                transport=self._transport,
                follow_redirects=False,
                trust_env=False,
                timeout=httpx.Timeout(self.settings.timeout, pool=None),
            )
        return self._client, self._transport

    async def aclose(self) -> None:
        self.lean.close()
        if self._client is not None:
            await self._client.aclose()


class HttpClient:
    """The session's shared client. Use :func:`client` inside a rule; build
    your own with :func:`session` elsewhere."""

    def __init__(
        self,
        options: Mapping[str, Any] | None = None,
        *,
        memory: dict[str, Any] | None = None,
        use_cache: bool = True,
        cache_path: str | os.PathLike[str] | None = None,
        offline: bool = False,
    ):
        self.settings = Settings.parse(options or {})
        self.offline = offline
        self._memory: dict[str, tuple[float, LinkCheck]] = (memory if memory is not None else {}).setdefault(
            "link_checks", {}
        )
        cache = Path(cache_path).expanduser() if cache_path else default_cache_path()
        if cache_path and cache.is_dir():
            cache = cache / "links.sqlite3"
        self._cache = LinkCache(cache, self.settings.cache_ttl) if use_cache and self.settings.cache_ttl > 0 else None
        self._resolver = Resolver(self.settings.dns_probe_hosts, self.settings.base.timeout)
        self._hosts: dict[tuple[str, int | None], _Host] = {}
        self._gates: dict[str, Gate] = {}
        self._checks: dict[str, asyncio.Future[LinkCheck]] = {}
        # checks waiting for a worker, per host: a thousand links make a few
        # dozen tasks, not a thousand (see _add_worker)
        self._queues: dict[str, deque[tuple[str, str, asyncio.Future[LinkCheck]]]] = {}
        self._workers: dict[str, int] = {}
        self._before_turn: dict[str, set[asyncio.Task[Any] | None]] = {}  # workers yet to get a turn, per host
        self._settings_by_origin: dict[tuple[str, int | None], HostSettings] = {}
        self._worker_tasks: set[asyncio.Task[None]] = set()
        self._global: asyncio.Semaphore | None = None
        self._deadline: float | None = None
        self._progress = Progress(self.settings.progress)
        self._tls_contexts: dict[bool, ssl.SSLContext] = {}
        self._parsed: dict[str, httpx.URL] = {}
        self._check_keys: dict[str, tuple[str, str, str]] = {}  # URL as written -> (normalized, key, host)
        self._header_lists: dict[tuple[tuple[str, str], ...], list[tuple[str, str]]] = {}
        self.stats: dict[str, int] = {"requests": 0, "checks": 0, "cache_hits": 0, "memory_hits": 0}

    # ------------------------------------------------------------ lifecycle

    async def _open(self) -> None:
        self._start()

    def _start(self) -> None:
        loop = asyncio.get_running_loop()
        self._deadline = loop.time() + self.settings.budget
        self._global = asyncio.Semaphore(self.settings.max_concurrency)

    async def aclose(self) -> None:
        """Stop unfinished checks, close connections, write the cache."""
        for future in self._checks.values():
            if not future.done():
                future.cancel()
        for task in self._worker_tasks:
            task.cancel()
        unfinished: list[asyncio.Future[Any]] = [future for future in self._checks.values() if not future.done()]
        unfinished.extend(self._worker_tasks)
        if unfinished:
            await asyncio.gather(*unfinished, return_exceptions=True)
        for host in self._hosts.values():
            try:
                await host.aclose()
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

    def _key(self, url: str, settings: HostSettings) -> str:
        if not settings.headers:
            return url
        fingerprint = hashlib.sha256(repr(settings.headers).encode()).hexdigest()[:16]
        return f"{url}#headers={fingerprint}"

    async def check(self, url: str) -> LinkCheck:
        """Check one http(s) URL: HEAD, then GET when HEAD is refused, following
        redirects. Every caller of the same URL in a session shares one check."""
        future = self._check_future(url)
        result = await asyncio.shield(future)
        return result if result.url == url else replace(result, url=url)

    async def check_all(self, urls: Sequence[str]) -> list[LinkCheck]:
        """:meth:`check` for many URLs at once, in their order: the checks run
        concurrently (each unique URL once per session, shared with every other
        caller) without a task per caller, which counts when an email has
        thousands of links."""
        futures: list[asyncio.Future[LinkCheck]] = []
        for start in range(0, len(urls), _STARTED_AT_ONCE):
            if start:
                # let the checks started so far send their first requests before
                # starting more: with thousands of URLs the last would otherwise
                # be started before the first is sent, and the whole schedule waits
                await asyncio.sleep(0)
            futures.extend(self._check_future(url) for url in urls[start : start + _STARTED_AT_ONCE])
        pending = {future for future in futures if not future.done()}
        if pending:
            await asyncio.wait(pending)  # like shield: a cancelled caller leaves the checks to others
        results = []
        for url, future in zip(urls, futures):
            result = future.result()
            results.append(result if result.url == url else replace(result, url=url))
        return results

    def _check_future(self, url: str) -> asyncio.Future[LinkCheck]:
        """The future of the session's check of ``url`` (started here if new)."""
        known = self._check_keys.get(url)
        if known is None:
            known = self._plain_check_key(url)
            if known is None:
                try:
                    known = self._parsed_check_key(url)
                except (httpx.InvalidURL, ValueError, TypeError) as exc:
                    invalid = asyncio.get_running_loop().create_future()
                    invalid.set_result(
                        LinkCheck(
                            url=url,
                            final_url=url,
                            error="invalid-url",
                            detail=f"not a URL that can be fetched ({exc})",
                        )
                    )
                    return invalid
            if len(self._check_keys) >= _PARSED_KEPT:
                self._check_keys.clear()  # a batch session sees endless personalised URLs
            self._check_keys[url] = known
        normalized, key, host = known
        future = self._checks.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._checks[key] = future
            queue = self._queues.get(host)
            if queue is None:
                queue = self._queues[host] = deque()
            queue.append((normalized, key, future))
            if not self._before_turn.get(host):
                self._add_worker(host)
        return future

    def _plain_check_key(self, url: str) -> tuple[str, str, str] | None:
        """``(normalized URL, check key, host)`` of a plain URL (see
        :data:`_PLAIN_URL`), read off the text: it is its own normal form, and
        httpx parses it only when a worker gets to it. None for any other URL."""
        match = _PLAIN_URL.fullmatch(url) if _PLAIN_URLS_WORK else None
        if match is None:
            return None
        scheme, host, port_text, path, _ = match.groups()
        port = int(port_text) if port_text else None
        if port == _DEFAULT_PORTS[scheme] or (port or 0) > 65535 or "/." in path or "xn--" in host:
            # httpx drops a default port, refuses a port too large, resolves dot
            # segments, and names a host by its Unicode form
            return None
        return url, self._key(url, self._settings_for(host, port)), host

    def _parsed_check_key(self, url: str) -> tuple[str, str, str]:
        """``(normalized URL, check key, host)`` of any URL, parsed by httpx
        (which raises for one that cannot be fetched)."""
        parsed = self._parse(url.strip())
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise httpx.InvalidURL("not an http(s) URL with a host")
        text = str(parsed)
        normalized = with_root_path(str(parsed.copy_with(fragment=None)) if "#" in text else text)
        if normalized == text and len(self._parsed) < _PARSED_KEPT:
            self._parsed.setdefault(normalized, parsed)
        settings = self._settings_for(parsed.host, parsed.port)
        return normalized, self._key(normalized, settings), parsed.host.lower()

    def _settings_for(self, host: str, port: int | None) -> HostSettings:
        """``settings.for_host``, worked out once per origin."""
        settings = self._settings_by_origin.get((host, port))
        if settings is None:
            if len(self._settings_by_origin) >= _PARSED_KEPT:
                self._settings_by_origin.clear()
            settings = self._settings_by_origin[(host, port)] = self.settings.for_host(host, port)
        return settings

    def _add_worker(self, host: str) -> None:
        """One more worker for ``host``'s queue, if it has URLs waiting. A host
        starts with one; when a worker's request gets its turn, or a URL is
        queued, and no other worker is waiting for a turn, another joins (see
        :meth:`_turn_taken`), so one is always waiting for the next turn and no
        more: the others would only wait too. Workers are not capped by
        ``max_per_host``: one following a redirect to another host no longer
        holds a place at this one (every link of a click-tracked email goes
        through one host, and on to many others)."""
        queue = self._queues.get(host)
        if queue:
            self._workers[host] = self._workers.get(host, 0) + 1
            task = asyncio.ensure_future(self._work(host, queue))
            self._before_turn.setdefault(host, set()).add(task)  # from now: a second URL queued waits for it
            self._worker_tasks.add(task)
            task.add_done_callback(self._worker_tasks.discard)

    def _turn_taken(self, host: str) -> None:
        """A request to ``host`` got its turn: if it was the host's only worker
        waiting for one, another joins."""
        waiting = self._before_turn.get(host)
        if waiting:
            waiting.discard(asyncio.current_task())
            if not waiting:
                self._add_worker(host)

    async def _work(self, host: str, queue: deque[tuple[str, str, asyncio.Future[LinkCheck]]]) -> None:
        """Check the URLs queued for ``host`` one after another, until none is left."""
        waiting = self._before_turn.setdefault(host, set())
        task = asyncio.current_task()
        try:
            while queue:
                url, key, future = queue.popleft()
                if future.done():
                    continue  # cancelled while it waited
                waiting.add(task)
                try:
                    result = await self._check_once(url, key)
                except asyncio.CancelledError:
                    future.cancel()
                    raise
                except Exception as exc:
                    if not future.done():
                        future.set_exception(exc)
                else:
                    if not future.done():
                        future.set_result(result)
                finally:
                    if task in waiting:  # it never got a turn (an answer from the cache, an invalid URL)
                        waiting.discard(task)
        finally:
            waiting.discard(task)  # the queue was empty by the time it started
            self._workers[host] -= 1

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
            result = LinkCheck(
                url=url,
                final_url=url,
                error="budget",
                detail=f"the {self.settings.budget:g} s time budget for network checks ran out",
            )
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
            except Failure as failure:
                kind, detail = failure.kind, failure.detail
                if kind == "invalid-url" and len(chain) > 1:
                    # the link itself was fine to fetch; where the server sent the reader is not
                    kind, detail = "invalid-redirect", f"redirected to an address no browser can open ({detail})"
                return LinkCheck(
                    url=url,
                    final_url=current,
                    error=kind,
                    detail=detail,
                    redirects=tuple(chain[1:]),
                    attempts=attempts + failure.attempts,
                )
            attempts += tries
            _keep_cookies(cookies, current, reply.headers)
            target = self._next_hop(current, reply)
            if target is None and 200 <= reply.status < 300 and is_click_tracking(current):
                target = await self._meta_refresh(current, reply, cookies)
            if target is None:
                return LinkCheck(
                    url=url,
                    final_url=current,
                    status=reply.status,
                    reason=reply.reason,
                    redirects=tuple(chain[1:]),
                    attempts=attempts,
                    challenge=challenge(reply),
                    retry_after=parse_retry_after(reply.headers.get("retry-after")),
                )
            if not target.lower().startswith(("http://", "https://")):
                return LinkCheck(
                    url=url,
                    final_url=target,
                    status=reply.status,
                    reason=reply.reason,
                    redirects=tuple(chain[1:]) + (target,),
                    attempts=attempts,
                )
            state = (target, _cookie_state(cookies))
            if state in seen:
                loop = " -> ".join(chain[chain.index(target) :] + [target]) if target in chain else target
                return LinkCheck(
                    url=url,
                    final_url=target,
                    status=reply.status,
                    reason=reply.reason,
                    error="redirect-loop",
                    detail=f"redirect loop: {loop}",
                    redirects=tuple(chain[1:]),
                    attempts=attempts,
                )
            if len(chain) > self.settings.max_redirects:
                return LinkCheck(
                    url=url,
                    final_url=target,
                    status=reply.status,
                    reason=reply.reason,
                    error="too-many-redirects",
                    detail=f"more than {self.settings.max_redirects} redirects",
                    redirects=tuple(chain[1:]),
                    attempts=attempts,
                )
            seen.add(state)
            chain.append(target)
            current = target

    @staticmethod
    def _next_hop(current: str, reply: Reply) -> str | None:
        if reply.status not in REDIRECT_STATUSES:
            return None
        location = reply.headers.get("location")
        if not location or not location.strip():
            return None
        try:
            return resolve_reference(current, location).split("#", 1)[0]
        except ValueError:
            return None

    async def _meta_refresh(self, current: str, reply: Reply, cookies: dict[str, dict[str, str]]) -> str | None:
        body = reply.body
        if reply.method == "HEAD":
            try:
                host = self._host_for(current)
                body = (
                    await self._fetch(host, "GET", current, self._headers_for(host, current, cookies), read=SNIFF_BYTES)
                ).body
            except Failure:
                return None
        match = META_REFRESH.search(body)
        if not match:
            return None
        target = resolve_reference(current, match.group(1).decode("latin-1")).split("#", 1)[0]
        return target if target != current else None

    async def _probe(self, url: str, cookies: dict[str, dict[str, str]]) -> tuple[Reply, int]:
        """One hop: HEAD (or GET), with retries. Raises Failure."""
        host = self._host_for(url)
        attempts = 0
        use_head = not host.head_refused
        while True:
            attempts += 1
            reply: Reply | None = None
            failure: Failure | None = None
            try:
                headers = self._headers_for(host, url, cookies)
                if use_head:
                    reply = await self._fetch(host, "HEAD", url, headers, read=SNIFF_BYTES)
                    if reply.method == "HEAD" and reply.status >= 400 and reply.status != 429:
                        if reply.status in (405, 501):
                            host.head_refused = True
                        # many servers answer HEAD wrongly; GET is what a reader's click does
                        use_head = False
                        reply = await self._fetch(host, "GET", url, headers, read=SNIFF_BYTES)
                else:
                    reply = await self._fetch(host, "GET", url, headers, read=SNIFF_BYTES)
            except Failure as exc:
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

    def _retry_delay(self, attempts: int, retries: int, reply: Reply | None, failure: Failure | None) -> float | None:
        if failure is not None:
            if not failure.retryable:
                return None
            wanted: float | None = None
        else:
            assert reply is not None
            if not retryable_status(reply.status) or challenge(reply):
                return None
            wanted = parse_retry_after(reply.headers.get("retry-after"))
            if wanted is not None and wanted > self.settings.max_retry_wait:
                return None
        if attempts > retries:
            return None
        backoff = min(self.settings.backoff * 2 ** (attempts - 1), self.settings.max_retry_wait)
        delay = max(backoff * random.uniform(0.8, 1.2), wanted or 0.0)
        if delay + 0.05 >= self.remaining_budget:
            return None
        return delay

    def _parse(self, url: str) -> httpx.URL:
        """``httpx.URL(url)``, parsed once per session (a check needs it three times)."""
        parsed = self._parsed.get(url)
        if parsed is None:
            if len(self._parsed) >= _PARSED_KEPT:
                self._parsed.clear()  # a batch session sees endless personalised URLs
            parsed = self._parsed[url] = _plain_url(url) or httpx.URL(url)
        return parsed

    def _host_for(self, url: str) -> _Host:
        try:
            parsed = self._parse(url)
        except (httpx.InvalidURL, ValueError) as exc:
            raise Failure("invalid-url", f"not a URL that can be fetched ({exc})") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise Failure("invalid-url", f"not an http(s) URL: {safe_url(url)}")
        name = parsed.host.lower()
        key = (name, parsed.port)
        host = self._hosts.get(key)
        if host is None:
            settings = self.settings.for_host(name, parsed.port)
            gate = self._gates.get(name)
            if gate is None:
                gate = self._gates[name] = Gate(settings.max_per_host, settings.min_interval)
            backend = GuardedBackend(self._resolver, settings.allow_private)

            def tls(verify: bool = settings.verify_tls) -> ssl.SSLContext:
                return self._tls_context(verify)  # loading the CA bundle is slow: only for https

            lean = LeanPool(backend, tls, settings.max_per_host)
            host = self._hosts[key] = _Host(name, settings, gate, backend, lean, tls)
        return host

    def _tls_context(self, verify: bool) -> ssl.SSLContext:
        """One context per session and setting: loading the CA bundle is slow."""
        context = self._tls_contexts.get(verify)
        if context is None:
            if not verify:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            elif self.settings.ca_bundle:
                context = ssl.create_default_context(cafile=self.settings.ca_bundle)
            else:
                import certifi

                context = ssl.create_default_context(cafile=certifi.where())
            self._tls_contexts[verify] = context
        return context

    def _headers_for(
        self, host: _Host, url: str, cookies: dict[str, dict[str, str]], extra: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        headers = {
            "User-Agent": self.settings.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
            "Accept-Language": "en-US,en;q=0.9",
        }
        for name, value in host.settings.headers:
            headers[name] = expand_env(value, f"the {name} header for {host.name}", header=name)
        for name, value in (extra or {}).items():
            headers[name] = expand_env(value, f"the {name} header", header=name)
        jar = cookies.get(host.name)
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        return headers

    async def _fetch(self, host: _Host, method: str, url: str, headers: Mapping[str, str], *, read: int) -> Reply:
        """One link-check request (HEAD or GET, no body) through the host's gate
        and the global limit, on the lean keep-alive client; at most ``read``
        bytes of the body are read."""
        assert self._global is not None, "HttpClient used outside session()"
        timeout = host.settings.timeout
        async with host.gate:
            self._turn_taken(host.name)
            async with self._global:
                if method == "HEAD" and host.head_refused:
                    method = "GET"  # learnt while this request waited its turn
                self.stats["requests"] += 1
                try:
                    async with asyncio.timeout(timeout):
                        target = self._parse(url)
                        sent = _with_accept_encoding(headers, self._header_lists)
                        if target.username or target.password:
                            sent.append(("Authorization", _basic_auth(target)))
                        answer = await host.lean.exchange(
                            target,
                            method,
                            sent,
                            read if method != "HEAD" else 0,
                            timeout,
                            host.gate.send,
                        )
                        return Reply(method, url, answer.status, answer.reason, answer.headers, answer.body)
                except Failure:
                    raise
                except Exception as exc:
                    raise classify(exc, url, timeout) from None

    async def _send(
        self,
        host: _Host,
        method: str,
        url: str,
        headers: Mapping[str, str],
        *,
        read: int,
        body: bytes | None = None,
        limit_exceeded_is_error: bool = False,
    ) -> Reply:
        """One request through the host's gate and the global limit. The body
        is streamed and at most ``read`` bytes of it are read."""
        assert self._global is not None, "HttpClient used outside session()"
        timeout = host.settings.timeout
        async with host.gate:
            self._turn_taken(host.name)
            async with self._global:
                if method == "HEAD" and host.head_refused:
                    method = "GET"  # learnt while this request waited its turn
                self.stats["requests"] += 1
                try:
                    async with asyncio.timeout(timeout):
                        http_client, transport = host.httpx()
                        request = http_client.build_request(method, url, headers=headers, content=body)
                        # straight to the transport: the client would parse a Location itself
                        # (refusing what browsers follow); _next_hop reads it as a browser does.
                        # Nor does it keep cookies: _keep_cookies does, for one redirect chain.
                        if request.url.username or request.url.password:
                            request.headers["Authorization"] = _basic_auth(request.url)
                        await host.gate.begin()
                        response = await transport.handle_async_request(request)
                        response.request = request
                        try:
                            content = await _read_some(
                                response, read if method != "HEAD" else 0, limit_exceeded_is_error
                            )
                        finally:
                            await response.aclose()
                        return Reply(
                            method, url, response.status_code, response.reason_phrase, response.headers, content
                        )
                except Failure:
                    raise
                except Exception as exc:
                    raise classify(exc, url, timeout) from None

    # ------------------------------------------------------------ API requests

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | Sequence[tuple[str, str]] | None = None,
        json: Any = None,
        content: bytes | None = None,
        max_bytes: int = 4 * 1024 * 1024,
        retries: int | None = None,
    ) -> Response:
        """Send one request through the session's limits, SSRF guard, retries
        and time budget, and read the body (at most ``max_bytes``).

        Header values may name environment variables as ``${NAME}``; they are
        read here and never shown. Redirects are followed for GET and HEAD,
        and headers given here are dropped when a redirect leaves the host.
        Any HTTP status is returned; transport failures raise :class:`HttpError`.
        """
        method = method.upper()
        if self.offline:
            raise HttpError(f"{method} {safe_url(url)}: not sent (offline)", kind="offline", url=url)
        if json is not None:
            content = _json.dumps(json).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        try:
            target = httpx.URL(url, params=params) if params else httpx.URL(url)
        except (httpx.InvalidURL, ValueError, TypeError):
            raise HttpError(f"{method} {safe_url(url)}: not a valid URL", kind="invalid-url", url=url) from None
        current = str(target)
        origin_host = (target.host or "").lower()
        chain: list[str] = []
        try:
            async with asyncio.timeout(max(self.remaining_budget, 0.001)):
                while True:
                    host = self._host_for(current)
                    sent_headers = dict(headers or {}) if host.name == origin_host else {}
                    reply = await self._request_with_retries(
                        host, method, current, sent_headers, content, max_bytes, retries
                    )
                    hop = self._next_hop(current, reply) if method in ("GET", "HEAD") else None
                    if hop is None or not hop.lower().startswith(("http://", "https://")):
                        return Response(
                            method, current, reply.status, reply.reason, reply.headers, reply.body, tuple(chain)
                        )
                    if len(chain) >= self.settings.max_redirects or hop in chain:
                        raise Failure("too-many-redirects", "too many redirects or a redirect loop")
                    chain.append(hop)
                    current = hop
        except TimeoutError:
            raise HttpError(
                f"{method} {safe_url(url)}: the time budget for network requests ran out", kind="budget", url=url
            ) from None
        except Failure as failure:
            raise HttpError(f"{method} {safe_url(current)}: {failure.detail}", kind=failure.kind, url=current) from None

    async def _request_with_retries(
        self,
        host: _Host,
        method: str,
        url: str,
        headers: Mapping[str, str],
        content: bytes | None,
        max_bytes: int,
        retries: int | None,
    ) -> Reply:
        attempts = 0
        limit = host.settings.retries if retries is None else retries
        while True:
            attempts += 1
            reply: Reply | None = None
            failure: Failure | None = None
            try:
                sent = self._headers_for(host, url, {}, headers)
                sent["Accept"] = headers.get("Accept") or "application/json, */*;q=0.5"
                reply = await self._send(
                    host, method, url, sent, read=max_bytes + 1, body=content, limit_exceeded_is_error=True
                )
            except Failure as exc:
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

    async def get_json(
        self, url: str, *, headers: Mapping[str, str] | None = None, params: Mapping[str, Any] | None = None
    ) -> Any:
        """GET a JSON document. Raises :class:`HttpError` on a non-2xx status,
        a transport failure or a body that is not JSON."""
        response = await self.request("GET", url, headers=headers, params=params)
        if not response.ok:
            raise HttpError(
                f"GET {safe_url(response.url)} answered {response.status} {response.reason}".rstrip(),
                kind="status",
                url=response.url,
                status=response.status,
            )
        return response.json()

    async def post_json(self, url: str, payload: Any, *, headers: Mapping[str, str] | None = None) -> Any:
        """POST ``payload`` as JSON and return the parsed JSON answer (None for
        an empty body). Raises :class:`HttpError` like :meth:`get_json`."""
        response = await self.request("POST", url, headers=headers, json=payload)
        if not response.ok:
            raise HttpError(
                f"POST {safe_url(response.url)} answered {response.status} {response.reason}".rstrip(),
                kind="status",
                url=response.url,
                status=response.status,
            )
        return response.json() if response.content.strip() else None


async def _read_some(response: httpx.Response, limit: int, limit_is_error: bool) -> bytes:
    if limit <= 0:
        if response.request.method == "HEAD":
            await response.aread()  # consume the end of the message so the connection is reused
        return b""
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size >= limit:
                if limit_is_error:
                    raise Failure("too-large", f"the response is larger than {limit - 1} bytes")
                break
    except httpx.DecodingError:
        pass  # a body we cannot decompress is still an answer
    return b"".join(chunks)[:limit]


def _basic_auth(url: httpx.URL) -> str:
    """The Authorization header for credentials written in the URL (as the
    httpx client would add them; only ever sent to the URL's own host)."""
    pair = f"{url.username}:{url.password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


#: A URL httpx would keep exactly as written: http(s), a lowercase host name
#: (its last label starting with a letter, so never taken for an IPv4 address)
#: or a dotted IPv4 address, an optional port, a path of characters httpx never
#: escapes (no %, no dot segments) and such a query; no credentials, no fragment.
_PLAIN_URL = re.compile(
    r"(https?)://"
    r"((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"|(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]))"
    r"(?::([1-9][0-9]{0,4}))?"
    r"(/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*)"
    r"(?:\?([A-Za-z0-9\-._~!$&'()*+,;=:@/?]*))?"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _plain_url(url: str) -> httpx.URL | None:
    """``httpx.URL(url)`` without parsing it again, for the plain URLs that
    make up nearly every email (parsing costs as much as the request's own
    work); None for anything else, or when this httpx is not the one this
    was checked against (:func:`_plain_urls_work`)."""
    match = _PLAIN_URL.fullmatch(url)
    if match is None or not _PLAIN_URLS_WORK:
        return None
    scheme, host, port_text, path, query = match.groups()
    port = int(port_text) if port_text else None
    if port == _DEFAULT_PORTS[scheme] or "/." in path:
        return None  # httpx drops a default port and resolves dot segments
    made = httpx.URL.__new__(httpx.URL)
    made._uri_reference = _ParseResult(scheme, "", host, port, path, query, None)
    return made


def _plain_urls_work() -> bool:
    """Whether URLs made by :func:`_plain_url` are what this httpx makes."""
    global _ParseResult
    try:
        from httpx._urlparse import ParseResult

        _ParseResult = ParseResult
        for sample in ("https://shop.example.com/a/b-c_d~e?x=1&y=a:b/c?d", "http://127.0.0.1:8080/p;q=1@x"):
            match = _PLAIN_URL.fullmatch(sample)
            assert match is not None
            scheme, host, port_text, path, query = match.groups()
            made = httpx.URL.__new__(httpx.URL)
            made._uri_reference = ParseResult(
                scheme, "", host, int(port_text) if port_text else None, path, query, None
            )
            real = httpx.URL(sample)
            if made != real or str(made) != sample or made._uri_reference != real._uri_reference:
                return False
        return True
    except Exception:  # an httpx laid out differently: always parse
        return False


_ParseResult: Any = None
_PLAIN_URLS_WORK = _plain_urls_work()


def _with_accept_encoding(
    headers: Mapping[str, str], known: dict[tuple[tuple[str, str], ...], list[tuple[str, str]]]
) -> list[tuple[str, str]]:
    """The headers as a list, with ``Accept-Encoding`` added unless given
    (worked out once per set of headers in ``known``)."""
    items = tuple(headers.items())
    found = known.get(items)
    if found is None:
        found = list(items)
        if not any(name.lower() == "accept-encoding" for name, _ in items):
            found.append(("Accept-Encoding", "gzip, deflate"))
        if len(known) < 64:  # the few sets a run sends: cookies are rare
            known[items] = found
    return list(found)


def _cookie_state(jar: Mapping[str, Mapping[str, str]]) -> str:
    if not jar:
        return "[]"
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
