"""Keep-alive HTTP/1.1 for link checks, straight on an asyncio protocol.

A link check sends HEAD or GET without a body and reads the status, the
headers and at most a few KB of the body. httpx's general machinery (its
request and response models, httpcore's pool, anyio) costs about fifteen
times the CPU of the exchange itself, which decides the speed of a run of
thousands of URLs on a shared machine. So link checks use this small client:
the same SSRF guard (:class:`~._guard.GuardedBackend` resolves and chooses
the address), the same TLS contexts, and failures named exactly as
:func:`~._results.classify` names httpx's. API requests (bodies, large
answers) keep going through httpx.

h11 (the protocol library httpcore uses) decides what is valid HTTP. The
answers nearly every server gives (a status line, well-formed headers, a
``Content-Length`` or no body) are read by a short path that accepts exactly
what h11 accepts; anything else (chunked or read-until-close bodies, 1xx,
folded or malformed headers, a connection closed early) is handed, with every
byte received so far, to h11 itself, so it is judged as before. The request
bytes are h11's too: written by h11 once per set of headers and reused.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import h11
import httpx

from ._guard import GuardedBackend
from ._results import Failure

_KEEPALIVE_EXPIRY = 5.0
_PAUSE_ABOVE = 2**20  # bytes buffered before the socket is no longer read
_HEAD_LIMIT = 16 * 1024  # h11's limit on a response's head
_HEADS_KEPT = 256

# h11's grammar (h11/_abnf.py): a line the short path accepts is one h11 accepts
_STATUS_LINE = re.compile(rb"HTTP/([0-9]\.[0-9]) ([0-9]{3})(?: ((?:[ \t]|[^\x00\s])*))?")
_HEADER_LINE = re.compile(rb"([-!#$%&'*+.^_`|~0-9a-zA-Z]+):[ \t]*((?:[^\x00\s]+(?:[ \t]+[^\x00\s]+)*)?)[ \t]*")
_TARGET = re.compile(rb"[\x21-\x7e]+")
_LENGTH = re.compile(rb"[0-9]{1,20}")


class _Connection(asyncio.Protocol):
    """One connection: the bytes received, and a future to wait for more."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.closed = False
        self.error: BaseException | None = None
        self.idle_since = 0.0
        self._waiter: asyncio.Future[None] | None = None
        self._paused = False

    # -- asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _PAUSE_ABOVE and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.closed = True
        self._wake()
        return False  # let the transport close

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if exc is not None:
            self.error = exc
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    # -- used by the exchange

    async def more(self) -> bytes:
        """The bytes received since the last call, waiting for some; ``b""``
        at the end of the stream. Raises what broke the connection."""
        while not self.buffer:
            if self.error is not None:
                raise self.error
            if self.closed:
                return b""
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        return self.take()

    def take(self) -> bytes:
        data = bytes(self.buffer)
        self.buffer.clear()
        if self._paused and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return data

    def send(self, data: bytes) -> None:
        if self.error is not None:
            raise self.error
        if self.closed or self.transport is None or self.transport.is_closing():
            raise ConnectionResetError("Connection lost")
        self.transport.write(data)

    def usable(self) -> bool:
        return (
            not self.closed
            and not self.buffer  # nothing may arrive between answers
            and self.transport is not None
            and not self.transport.is_closing()
            and time.monotonic() - self.idle_since < _KEEPALIVE_EXPIRY
        )

    def close(self) -> None:
        try:
            if self.transport is not None:
                self.transport.close()
        except Exception:  # closing a broken connection must not fail the run
            pass


@dataclass(frozen=True)
class LeanReply:
    status: int
    reason: str
    headers: httpx.Headers
    body: bytes


@dataclass(frozen=True)
class _Head:
    """What h11 writes after the request line for one set of headers."""

    data: bytes
    keep_alive: bool  # h11 keeps the connection after the answer


class LeanPool:
    """Idle keep-alive connections to one origin. How many are in use at once
    is the caller's gate's business; at most ``limit`` idle ones are kept."""

    def __init__(self, backend: GuardedBackend, tls: Callable[[], ssl.SSLContext], limit: int):
        self._backend = backend
        self._tls = tls
        self._limit = limit
        self._idle: list[_Connection] = []
        self._heads: dict[tuple[bytes, tuple[tuple[str, str], ...]], _Head] = {}

    async def exchange(
        self,
        url: httpx.URL,
        method: str,
        headers: list[tuple[str, str]],
        read: int,
        timeout: float,
        send: Callable[[Callable[[], None]], Awaitable[None]],
    ) -> LeanReply:
        """Send ``method url`` and read the answer and at most ``read`` bytes of
        its body (decoded as httpx would). Once the connection is ready, the
        function that hands the request's bytes to the kernel is given to
        ``send`` (the host's pacing), which calls it when the request may go out.
        Raises :class:`Failure` or the OSError that :func:`classify` names."""
        request = self._request(url, method, headers)  # a request h11 refuses is not sent at all
        connection = self._take()
        if connection is None:
            connection = await self._connect(url, timeout)
        keep = False
        try:
            reply, keep = await self._round_trip(connection, url, method, headers, request, read, send)
            return reply
        finally:
            if keep and len(self._idle) < self._limit:
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
        return await self._backend.open_connection(host, port, _Connection, tls=tls, timeout=timeout)

    def _request(self, url: httpx.URL, method: str, headers: list[tuple[str, str]]) -> tuple[bytes, _Head]:
        """The request's bytes, as h11 writes them; Failure("protocol") for
        what h11 refuses to send."""
        host_header = url.netloc.split(b"@")[-1]
        target = url.raw_path
        key = (host_header, tuple(headers))
        head = self._heads.get(key)
        if head is None or _TARGET.fullmatch(target) is None:
            protocol = h11.Connection(h11.CLIENT)
            sent = [(b"Host", host_header)]
            sent.extend((name.encode("ascii"), value.encode("ascii")) for name, value in headers)
            where = url.netloc.decode("ascii")
            try:
                data = protocol.send(h11.Request(method=method, target=target, headers=sent)) or b""
                data += protocol.send(h11.EndOfMessage()) or b""
            except h11.LocalProtocolError as exc:
                raise Failure("protocol", f"{where} broke the HTTP protocol ({exc})") from None
            first_line = b"%s %s HTTP/1.1\r\n" % (method.encode("ascii"), target)
            if not data.startswith(first_line):  # pragma: no cover - an h11 writing requests differently
                raise RuntimeError("unexpected request bytes from h11")
            keep_alive = protocol.our_state is h11.DONE
            head = _Head(data[len(first_line) :], keep_alive)
            if len(self._heads) >= _HEADS_KEPT:
                self._heads.clear()
            self._heads[key] = head
            return data, head
        return b"%s %s HTTP/1.1\r\n%s" % (method.encode("ascii"), target, head.data), head

    async def _round_trip(
        self,
        connection: _Connection,
        url: httpx.URL,
        method: str,
        headers: list[tuple[str, str]],
        request: tuple[bytes, _Head],
        read: int,
        send: Callable[[Callable[[], None]], Awaitable[None]],
    ) -> tuple[LeanReply, bool]:
        data, head = request
        await send(lambda: connection.send(data))
        received = await connection.more()
        while True:
            if not received:
                break  # closed before an answer: h11 names it
            end = received.find(b"\r\n\r\n")
            if end >= 0:
                if end + 4 > _HEAD_LIMIT:
                    break
                quick = _read_head(received[:end], method)
                if quick is None:
                    break
                status, reason, raw, length, keep_alive = quick
                return await self._read_body(
                    connection,
                    url,
                    received[end + 4 :],
                    (status, reason, raw),
                    length,
                    keep_alive and head.keep_alive,
                    read,
                )
            if len(received) > _HEAD_LIMIT or received[0] < 0x21:
                break  # h11 refuses it without waiting for the rest
            more = await connection.more()
            if not more:
                break
            received += more
        return await self._round_trip_h11(connection, url, method, headers, received, read)

    async def _read_body(
        self,
        connection: _Connection,
        url: httpx.URL,
        body: bytes,
        answer: tuple[int, bytes, list[tuple[bytes, bytes]]],
        length: int,
        keep_alive: bool,
        read: int,
    ) -> tuple[LeanReply, bool]:
        """The body of an answer with a known length, ``body`` being what came with its head."""
        status, reason, raw = answer
        kept = _Body(_decoder((name.lower(), value) for name, value in raw) if length else None, read)
        got = 0
        while True:
            if len(body) > length - got:
                keep_alive = False  # bytes beyond the answer: the connection is not trusted again
                body = body[: length - got]
            got += len(body)
            if body and not kept.full:
                kept.add(body)
            if got >= length:
                complete = True
                break
            if kept.full:
                complete = False  # enough to judge; the rest of the body is not read
                break
            body = await connection.more()
            if not body:  # h11: "peer closed connection without sending complete message body"
                where = url.netloc.decode("ascii")
                raise Failure("reset", f"connection closed by {where} before a full response", retryable=True)
        reply = LeanReply(
            status,
            reason.decode("ascii", errors="ignore"),  # as httpx reads it
            httpx.Headers(raw),
            kept.finish(),
        )
        return reply, complete and keep_alive

    async def _round_trip_h11(
        self,
        connection: _Connection,
        url: httpx.URL,
        method: str,
        headers: list[tuple[str, str]],
        received: bytes,
        read: int,
    ) -> tuple[LeanReply, bool]:
        """The rest of an exchange whose answer the short path does not read:
        h11 is given the request sent and every byte received so far."""
        where = url.netloc.decode("ascii")
        protocol = h11.Connection(h11.CLIENT)
        sent = [(b"Host", url.netloc.split(b"@")[-1])]
        sent.extend((name.encode("ascii"), value.encode("ascii")) for name, value in headers)
        protocol.send(h11.Request(method=method, target=url.raw_path, headers=sent))
        protocol.send(h11.EndOfMessage())
        protocol.receive_data(received)
        if not received:
            protocol.receive_data(b"")
        response: h11.Response | None = None
        kept = _Body(None, read)
        complete = False
        try:
            while True:
                event = protocol.next_event()
                if event is h11.NEED_DATA:
                    protocol.receive_data(await connection.more())
                    continue
                if isinstance(event, h11.InformationalResponse):
                    continue
                if isinstance(event, h11.Response):
                    response = event
                    kept = _Body(_decoder(event.headers), read)
                    continue
                if isinstance(event, h11.Data):
                    if not kept.full:
                        kept.add(bytes(event.data))
                    if kept.full and method != "HEAD":
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
        reply = LeanReply(
            response.status_code,
            response.reason.decode("ascii", errors="ignore"),  # as httpx reads it
            httpx.Headers([(bytes(name), bytes(value)) for name, value in response.headers.raw_items()]),
            kept.finish(),
        )
        reusable = (
            complete
            and protocol.our_state is h11.DONE
            and protocol.their_state is h11.DONE
            and not protocol.trailing_data[0]
        )
        return reply, reusable

    def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()


def _read_head(head: bytes, method: str) -> tuple[int, bytes, list[tuple[bytes, bytes]], int, bool] | None:
    """Status, reason, headers, body length and keep-alive of an answer's head,
    when h11 would read it the same way with a known body length; None when
    h11 must judge it (1xx, chunked or read-until-close bodies, folded or
    malformed lines, unusual Content-Length)."""
    lines = head.split(b"\r\n")
    status_line = _STATUS_LINE.fullmatch(lines[0])
    if status_line is None:
        return None
    status = int(status_line.group(2))
    if status < 200:
        return None
    raw: list[tuple[bytes, bytes]] = []
    length: int | None = None
    keep_alive = status_line.group(1) >= b"1.1"
    for line in lines[1:]:
        field = _HEADER_LINE.fullmatch(line)
        if field is None:
            return None
        name, value = field.group(1), field.group(2)
        lower = name.lower()
        if lower == b"content-length":
            if length is not None or _LENGTH.fullmatch(value) is None:
                return None
            length = int(value)
        elif lower == b"transfer-encoding":
            return None
        elif lower == b"connection" and b"close" in (part.strip() for part in value.lower().split(b",")):
            keep_alive = False
        raw.append((name, value))
    if method == "HEAD" or status in (204, 304):
        length = 0
    elif length is None:
        return None
    return status, status_line.group(3) or b"", raw, length, keep_alive


class _Body:
    """What is kept of an answer's body: at most ``read`` bytes, decoded as httpx would."""

    __slots__ = ("decoder", "read", "size", "chunks")

    def __init__(self, decoder: Any, read: int):
        self.decoder = decoder
        self.read = read
        self.size = 0
        self.chunks: list[bytes] = []

    @property
    def full(self) -> bool:
        return self.size >= self.read

    def add(self, piece: bytes) -> None:
        if self.decoder is not None:
            try:
                piece = self.decoder.decompress(piece)
            except zlib.error:
                self.decoder, self.read = None, self.size  # a body we cannot decompress is still an answer
                piece = b""
        self.chunks.append(piece)
        self.size += len(piece)

    def finish(self) -> bytes:
        if self.decoder is not None and self.size < self.read:
            try:
                self.chunks.append(self.decoder.flush())
            except zlib.error:
                pass
        return b"".join(self.chunks)[: max(self.read, 0)]


def _decoder(headers: Any) -> Any:
    """A decoder for the body's Content-Encoding (gzip and deflate, the two
    encodings link checks ask for). ``headers``: (lowercase name, value) pairs."""
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
