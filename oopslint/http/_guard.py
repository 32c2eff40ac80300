"""The SSRF guard: resolve names ourselves, connect only to the addresses checked."""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
import ssl
from collections.abc import Callable
from typing import Any, TypeVar

import httpcore
import httpx

from ._results import Failure, exception_chain
from ._urls import is_public_address

_P = TypeVar("_P", bound=asyncio.BaseProtocol)


def _written_address(host: str) -> str | None:
    """The IP address ``host`` is, when it is one written out (it needs no
    lookup, nor a thread for getaddrinfo); None for a name."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


class Resolver:
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
            address = _written_address(host)
            if address is not None:  # nothing to look up: no task, no turn of the loop
                future = self._answers[key] = asyncio.get_running_loop().create_future()
                future.set_result([address])
                return [address]
            future = asyncio.ensure_future(self._lookup(host, port))
            self._answers[key] = future
        elif future.done() and not future.cancelled() and future.exception() is None:
            return list(future.result())  # a name looked up before, for the next connection to it
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
            raise Failure("dns-unavailable", f"the DNS lookup of {host} timed out") from None
        except (socket.gaierror, UnicodeError) as exc:
            not_found = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}
            if isinstance(exc, socket.gaierror) and exc.errno not in not_found:
                raise Failure("dns-unavailable", f"the DNS lookup of {host} failed ({exc.strerror or exc})") from None
            if await self.dns_works():
                raise Failure("dns", f"DNS lookup failed: {host} does not exist") from None
            raise Failure(
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


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the name itself, refuses non-public addresses (unless allowed)
    and connects to the address it checked, so DNS cannot change in between."""

    def __init__(self, resolver: Resolver, allow_private: bool):
        self._resolver = resolver
        self._allow_private = allow_private
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        last: Exception | None = None
        for address in await self.allowed_addresses(host, port):
            try:
                stream = await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
                return GuardedStream(stream, host, port)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        # classify here: the connection pool re-raises without the original cause
        if isinstance(last, httpcore.ConnectTimeout):
            raise Failure("timeout", f"no connection to {host}:{port} within {timeout or 0:g} s", retryable=True)
        raise _connect_failure(last, host, port)

    async def allowed_addresses(self, host: str, port: int) -> list[str]:
        """The addresses of ``host`` this session may connect to; a Failure
        (``blocked``, ``dns``, ``dns-unavailable``) when there is none."""
        addresses = await self._resolver.resolve(host, port)
        allowed = addresses if self._allow_private else [a for a in addresses if is_public_address(a)]
        if not allowed:
            shown = addresses[0] if addresses else host
            what = f"{host} is" if shown == host else f"{host} resolves to {shown},"
            raise Failure(
                "blocked",
                f"{what} a private or local address; not connecting "
                "(set allow_private, or allow_private for this host under [http.hosts], to check it)",
            )
        return allowed

    async def open_connection(
        self,
        host: str,
        port: int,
        protocol: Callable[[], _P],
        *,
        tls: ssl.SSLContext | None,
        timeout: float,
    ) -> _P:
        """A connection (TLS when ``tls`` is given) to an allowed address of
        ``host``, driven by ``protocol()``; fails with the same Failures as
        :meth:`connect_tcp`."""
        last: Exception | None = None
        loop = asyncio.get_running_loop()
        for address in await self.allowed_addresses(host, port):
            try:
                async with asyncio.timeout(timeout):
                    _, made = await loop.create_connection(
                        protocol,
                        address,
                        port,
                        ssl=tls,
                        server_hostname=host if tls is not None else None,
                        ssl_handshake_timeout=timeout if tls is not None else None,
                    )
                    return made
            except TimeoutError:
                raise Failure(
                    "timeout", f"no connection to {host}:{port} within {timeout:g} s", retryable=True
                ) from None
            except ssl.SSLError as exc:
                raise _tls_failure(exc, f"{host}:{port}") from None
            except OSError as exc:
                last = exc
        assert last is not None
        raise _connect_failure(last, host, port)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise Failure("blocked", "unix sockets are never connected to")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _tls_failure(error: ssl.SSLError, where: str) -> Failure:
    if isinstance(error, ssl.SSLCertVerificationError) and error.verify_message:
        reason = f"certificate verify failed: {error.verify_message}"
    else:
        reason = getattr(error, "reason", None) or str(error)
    return Failure("tls", f"TLS error talking to {where}: {reason}")


def _connect_failure(last: Exception, host: str, port: int) -> Failure:
    if any(
        isinstance(node, ConnectionRefusedError) or getattr(node, "errno", None) == errno.ECONNREFUSED
        for node in exception_chain(last)
    ):
        return Failure("refused", f"connection refused by {host}:{port}")
    reason = next((str(n) for n in reversed(exception_chain(last)) if isinstance(n, OSError) and str(n)), str(last))
    return Failure("connect", f"could not connect to {host}:{port} ({reason})")


class GuardedStream(httpcore.AsyncNetworkStream):
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

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        try:
            upgraded = await self._stream.start_tls(ssl_context, server_hostname, timeout)
        except httpcore.ConnectTimeout:
            raise Failure("timeout", f"the TLS handshake with {self._where} timed out", retryable=True) from None
        except (httpcore.ConnectError, OSError) as exc:
            tls = next((n for n in exception_chain(exc) if isinstance(n, ssl.SSLError)), None)
            if tls is None:
                raise
            raise _tls_failure(tls, self._where) from None
        return GuardedStream(upgraded, self._host, self._port)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport, with a connection pool that connects through the guard."""

    def __init__(self, backend: GuardedBackend, *, ssl_context: ssl.SSLContext, limit: int):
        limits = httpx.Limits(max_connections=limit, max_keepalive_connections=limit, keepalive_expiry=5.0)
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        if not hasattr(self, "_pool"):  # pragma: no cover - an httpx without the pool attribute
            raise RuntimeError("this httpx version is not supported by oopslint.http")
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limit,
            max_keepalive_connections=limit,
            keepalive_expiry=5.0,
            network_backend=backend,
        )
