"""Keep-alive HTTP/1.1 for link checks, straight on asyncio streams.

A link check sends HEAD or GET without a body and reads the status, the
headers and at most a few KB of the body. httpx's general machinery (its
request and response models, httpcore's pool, anyio) costs about fifteen
times the CPU of the exchange itself, which decides the speed of a run of
thousands of URLs on a shared machine. So link checks use this small client:
the same SSRF guard (:class:`~._guard.GuardedBackend` resolves and chooses
the address), the same TLS contexts, h11 for the protocol (as httpcore uses),
and failures named exactly as :func:`~._results.classify` names httpx's.
API requests (bodies, large answers) keep going through httpx.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import h11
import httpx

from ._guard import GuardedBackend
from ._results import Failure

_KEEPALIVE_EXPIRY = 5.0
_READ_CHUNK = 65536


@dataclass(eq=False)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    protocol: h11.Connection = field(default_factory=lambda: h11.Connection(h11.CLIENT))
    idle_since: float = 0.0

    def usable(self) -> bool:
        return (
            not self.writer.is_closing()
            and not self.reader.at_eof()
            and time.monotonic() - self.idle_since < _KEEPALIVE_EXPIRY
        )

    def close(self) -> None:
        try:
            self.writer.close()
        except Exception:  # closing a broken connection must not fail the run
            pass


@dataclass(frozen=True)
class LeanReply:
    status: int
    reason: str
    headers: httpx.Headers
    body: bytes


class LeanPool:
    """Idle keep-alive connections to one origin. How many are in use at once
    is the caller's gate's business; at most ``limit`` idle ones are kept."""

    def __init__(self, backend: GuardedBackend, tls: Callable[[], ssl.SSLContext], limit: int):
        self._backend = backend
        self._tls = tls
        self._limit = limit
        self._idle: list[_Connection] = []

    async def exchange(
        self, url: httpx.URL, method: str, headers: list[tuple[str, str]], read: int, timeout: float
    ) -> LeanReply:
        """Send ``method url`` and read the answer and at most ``read`` bytes of
        its body (decoded as httpx would). Raises :class:`Failure` or the
        OSError that :func:`classify` names."""
        connection = self._take()
        if connection is None:
            connection = await self._connect(url, timeout)
        keep = False
        try:
            reply, keep = await self._round_trip(connection, url, method, headers, read)
            return reply
        finally:
            if keep and len(self._idle) < self._limit:
                connection.protocol.start_next_cycle()
                connection.idle_since = time.monotonic()
                self._idle.append(connection)
            else:
                connection.close()

    def _take(self) -> _Connection | None:
        while self._idle:
            connection = self._idle.pop()
            if connection.usable():
                return connection
            connection.close()
        return None

    async def _connect(self, url: httpx.URL, timeout: float) -> _Connection:
        port = url.port or (443 if url.scheme == "https" else 80)
        host = url.raw_host.decode("ascii")  # IDNA, as httpcore connects
        tls = self._tls() if url.scheme == "https" else None
        reader, writer = await self._backend.open_stream(host, port, tls=tls, timeout=timeout)
        return _Connection(reader, writer)

    async def _round_trip(
        self, connection: _Connection, url: httpx.URL, method: str, headers: list[tuple[str, str]], read: int
    ) -> tuple[LeanReply, bool]:
        where = url.netloc.decode("ascii")
        protocol = connection.protocol
        host_header = url.netloc.split(b"@")[-1]
        sent = [(b"Host", host_header)]
        sent.extend((name.encode("ascii"), value.encode("ascii")) for name, value in headers)
        try:
            request = protocol.send(h11.Request(method=method, target=url.raw_path, headers=sent)) or b""
            request += protocol.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError as exc:
            raise Failure("protocol", f"{where} broke the HTTP protocol ({exc})") from None
        connection.writer.write(request)
        await connection.writer.drain()
        response: h11.Response | None = None
        chunks: list[bytes] = []
        size = 0
        decoder = None
        complete = False
        try:
            while True:
                event = protocol.next_event()
                if event is h11.NEED_DATA:
                    data = await connection.reader.read(_READ_CHUNK)
                    protocol.receive_data(data)
                    continue
                if isinstance(event, h11.InformationalResponse):
                    continue
                if isinstance(event, h11.Response):
                    response = event
                    decoder = _decoder(event.headers)
                    continue
                if isinstance(event, h11.Data):
                    if size < read:
                        piece = bytes(event.data)
                        if decoder is not None:
                            try:
                                piece = decoder.decompress(piece)
                            except zlib.error:
                                decoder, read = None, size  # a body we cannot decompress is still an answer
                                piece = b""
                        chunks.append(piece)
                        size += len(piece)
                    if size >= read and method != "HEAD":
                        break  # enough to judge; the rest of the body is not read
                    continue
                if isinstance(event, h11.EndOfMessage):
                    complete = True
                    break
                if isinstance(event, h11.ConnectionClosed):
                    break
        except h11.RemoteProtocolError:
            raise Failure("reset", f"connection closed by {where} before a full response", retryable=True) from None
        if response is None:
            raise Failure("reset", f"connection closed by {where} before a full response", retryable=True)
        if decoder is not None and size < read:
            try:
                tail = decoder.flush()
            except zlib.error:
                tail = b""
            chunks.append(tail)
        reply = LeanReply(
            response.status_code,
            response.reason.decode("ascii", errors="ignore"),  # as httpx reads it
            httpx.Headers([(bytes(name), bytes(value)) for name, value in response.headers.raw_items()]),
            b"".join(chunks)[: max(read, 0)],
        )
        reusable = complete and protocol.our_state is h11.DONE and protocol.their_state is h11.DONE
        return reply, reusable

    def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()


def _decoder(headers: Any) -> Any:
    """A decoder for the body's Content-Encoding (gzip and deflate, the two
    encodings link checks ask for)."""
    encodings = [value.strip().lower() for name, value in headers if name == b"content-encoding"]
    if not encodings or encodings[-1] in (b"", b"identity"):
        return None
    if encodings[-1] in (b"gzip", b"x-gzip"):
        return zlib.decompressobj(zlib.MAX_WBITS | 16)
    if encodings[-1] == b"deflate":
        return _Deflate()
    return None  # anything else is passed on as it came, as httpx does


class _Deflate:
    """``deflate`` is zlib-wrapped by the standard and raw by many servers."""

    def __init__(self) -> None:
        self._inner: Any = None
        self._first = True

    def decompress(self, data: bytes) -> bytes:
        if self._inner is None:
            self._inner = zlib.decompressobj()
            if self._first:
                self._first = False
                try:
                    return bytes(self._inner.decompress(data))
                except zlib.error:
                    self._inner = zlib.decompressobj(-zlib.MAX_WBITS)
        return bytes(self._inner.decompress(data))

    def flush(self) -> bytes:
        return bytes(self._inner.flush()) if self._inner is not None else b""
