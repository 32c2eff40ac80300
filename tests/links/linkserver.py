"""Real HTTP servers (and helpers) on 127.0.0.x for the link tests.

Each server is a plain asyncio socket server running in a background thread,
so it can misbehave the way real servers do: hang, reset the connection,
stream an endless body, loop redirects, rate-limit. Every request it receives
is recorded, so tests can assert what was (and was not) asked.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oopslint_testing import assert_read

from oopslint import Linter

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "links"
CORPUS = ROOT / "fixtures" / "corpus"

REASONS = {
    200: "OK",
    202: "Accepted",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    410: "Gone",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    999: "Request denied",
}


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0
    reason: str | None = None  # the status line's text; by default the usual one


HANG = "hang"  # accept the request, never answer
RESET = "reset"  # close the connection with a TCP reset
HUGE = "huge"  # 200 with a body of 10 GB, streamed until the client goes away


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]


Handler = Callable[[Request, int], Any]


class Server:
    """One HTTP/1.1 server on ``host``; add behaviour with :meth:`route`."""

    def __init__(self, loop: asyncio.AbstractEventLoop, host: str, tls: ssl.SSLContext | None = None):
        self.loop = loop
        self.host = host
        self.tls = tls
        self.port = 0
        self.routes: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self.bytes_sent = 0
        self._server: asyncio.base_events.Server | None = None
        self._counts: dict[str, int] = {}
        self._tasks: set[asyncio.Task] = set()

    @property
    def origin(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.origin + path

    def route(self, path: str, *replies: Any, handler: Handler | None = None) -> str:
        """Serve ``replies`` in order for ``path`` (the last one repeats), or call
        ``handler(request, n)``. Returns the full URL."""
        if handler is None:
            sequence = list(replies)

            def handler(request: Request, n: int, sequence: list[Any] = sequence) -> Any:
                return sequence[min(n, len(sequence) - 1)]

        self.routes[path] = handler
        return self.url(path)

    def hits(self, path: str | None = None, method: str | None = None) -> int:
        return sum(
            1 for r in self.requests if (path is None or r.path == path) and (method is None or r.method == method)
        )

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, 0, backlog=512, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                if length:
                    await reader.readexactly(length)
                path = target.split("?", 1)[0] if target.startswith("/") else target
                request = Request(method, target if "?" in target else path, headers)
                self.requests.append(request)
                handler = self.routes.get(path) or self.routes.get(target)
                if handler is None:
                    reply: Any = Reply(404, body=b"not here")
                else:
                    n = self._counts.get(path, 0)
                    self._counts[path] = n + 1
                    reply = handler(request, n)
                if reply == HANG:
                    await asyncio.sleep(3600)
                    return
                if reply == RESET:
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    writer.transport.abort()
                    return
                if reply == HUGE:
                    writer.write(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                        b"Content-Length: 10000000000\r\n\r\n"
                    )
                    chunk = b"x" * 65536
                    while True:
                        writer.write(chunk)
                        self.bytes_sent += len(chunk)
                        await writer.drain()
                if reply.delay:
                    await asyncio.sleep(reply.delay)
                body = b"" if method == "HEAD" else reply.body
                status_line = f"HTTP/1.1 {reply.status} {reply.reason or REASONS.get(reply.status, 'Status')}\r\n"
                out_headers = {"Content-Length": str(len(reply.body)), "Content-Type": "text/html", **reply.headers}
                data = status_line + "".join(f"{k}: {v}\r\n" for k, v in out_headers.items()) + "\r\n"
                writer.write(data.encode("latin-1") + body)
                self.bytes_sent += len(body)
                await writer.drain()
        except (ConnectionError, ssl.SSLError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            try:
                writer.close()
            except Exception:
                pass


class ServerPool:
    """Starts servers in one background event loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="link-test-servers", daemon=True)
        self.thread.start()
        self.servers: list[Server] = []

    def start(self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> Server:
        server = Server(self.loop, host, tls)
        asyncio.run_coroutine_threadsafe(server.start(), self.loop).result(5)
        self.servers.append(server)
        return server

    def close(self) -> None:
        for server in self.servers:
            asyncio.run_coroutine_threadsafe(server.stop(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def free_port() -> int:
    """A port nothing listens on (for "connection refused")."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: Short timeouts and budgets so the whole suite stays fast; loopback allowed.
FAST_HTTP = {
    "timeout": 0.5,
    "retries": 2,
    "backoff": 0.02,
    "max_retry_wait": 3.0,
    "budget": 10.0,
    "min_interval": 0.0,
    "allow_private": True,
    "progress": False,
    "dns_probe_hosts": ["localhost"],
}


def make_linter(
    tmp_path: Path,
    *,
    http: dict | None = None,
    links: dict | None = None,
    select=("LNK",),
    use_cache: bool = False,
    **kwargs: Any,
) -> Linter:
    config = {"select": list(select), "http": {**FAST_HTTP, **(http or {})}}
    if links:
        config["links"] = links
    return Linter(config, use_cache=use_cache, cache_path=str(tmp_path / "links.sqlite3"), **kwargs)


def page(*hrefs: str, images: tuple[str, ...] = ()) -> str:
    """A small rendered email with one link per href."""
    links = "\n".join(f'<p><a href="{href}">Open link {i}</a></p>' for i, href in enumerate(hrefs))
    imgs = "\n".join(f'<img src="{src}" alt="picture {i}" width="100">' for i, src in enumerate(images))
    return f'<!doctype html>\n<html lang="en"><body>\n{links}\n{imgs}\n</body></html>\n'


def codes(report) -> list[str]:
    assert_read(report)
    return [f.code for f in report.findings]
