"""What the link checks send and read on the wire, against a real server on
127.0.0.x that answers with exact bytes: the politeness limits hold request by
request, connections are kept alive, and answers of every HTTP/1.1 shape
(chunked, read-until-close, 1xx, folded headers, garbage) are judged as h11
judges them."""

from __future__ import annotations

import asyncio
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from oopslint_testing import assert_read

from oopslint import http

from .linkserver import FAST_HTTP, make_linter, page

NETWORK = ("LNK001", "LNK002", "LNK003", "LNK004")

# Linux's SO_TIMESTAMPNS (Python names it only from 3.14); elsewhere this process's clock
_SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35 if sys.platform.startswith("linux") else 0)


@dataclass
class Arrival:
    path: str
    method: str
    connection: int
    at: float  # when the kernel received the request (not when this process got to it)
    answered: float = 0.0


class RawServer:
    """Answers each request with ``answer(method, path)``: the exact bytes to
    send (and whether to close the connection after them), after ``delay``.
    A thread per connection, and arrival times stamped by the kernel
    (SO_TIMESTAMPNS), so a busy test process cannot blur the request timing."""

    def __init__(self, host: str, answer: Callable[[str, str], tuple[bytes, bool]], delay: float):
        self.host = host
        self.answer = answer
        self.delay = delay
        self.arrivals: list[Arrival] = []
        self.connections = 0
        self._listener = socket.create_server((host, 0), backlog=512)
        if _SO_TIMESTAMPNS:  # set on the listener, so a request that arrives before accept() is stamped too
            self._listener.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
        self.port = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def close(self) -> None:
        self._listener.close()
        for sock in self._open:
            try:
                sock.close()
            except OSError:
                pass

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            self._open.append(sock)
            threading.Thread(target=self._serve, args=(sock, self.connections), daemon=True).start()

    def _serve(self, sock: socket.socket, connection: int) -> None:
        buffer = b""
        stamp = 0.0
        try:
            while True:
                while b"\r\n\r\n" not in buffer:
                    data, ancillary, _, _ = sock.recvmsg(65536, socket.CMSG_SPACE(16))
                    if not data:
                        return
                    if not buffer:
                        stamp = _kernel_time(ancillary)
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                method, path, _ = head.decode("latin-1").split(" ", 2)
                arrival = Arrival(path, method, connection, stamp)
                self.arrivals.append(arrival)
                if buffer:
                    stamp = time.time()
                if self.delay:
                    time.sleep(self.delay)
                data, close = self.answer(method, path)
                arrival.answered = time.time()
                sock.sendall(data)
                if close:
                    return
        except OSError:
            pass
        finally:
            sock.close()


def _kernel_time(ancillary: list[tuple[int, int, bytes]]) -> float:
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
            seconds, nanoseconds = struct.unpack("qq", data[:16])
            return seconds + nanoseconds / 1e9
    return time.time()


@pytest.fixture
def raw():
    started: list[RawServer] = []

    def start(answer: Callable[[str, str], tuple[bytes, bool]], *, host: str = "127.0.0.1", delay: float = 0.0):
        server = RawServer(host, answer, delay)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


def ok(method: str, path: str) -> tuple[bytes, bool]:
    body = b"" if method == "HEAD" else b"<html>fine</html>"
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 17\r\n\r\n" + body, False


def lint(tmp_path, urls, **http):
    linter = make_linter(tmp_path, http={"timeout": 5.0, **http}, select=NETWORK)
    return assert_read(linter.lint(page(*urls), path="email.html"))


# ------------------------------------------------------------------ politeness


def test_per_host_limits_hold_request_by_request(tmp_path, raw):
    # more URLs than the checks started at once, on two hosts, slow answers:
    # every request to a host starts at least min_interval after the one before,
    # and never more than max_per_host are unanswered at once
    one = raw(ok, host="127.0.0.2", delay=0.06)
    other = raw(ok, host="127.0.0.3", delay=0.06)
    urls = [(one if n % 2 else other).url(f"/p{n}") for n in range(60)]
    report = lint(tmp_path, urls, min_interval=0.02, max_per_host=3)
    assert report.findings == []
    for server in (one, other):
        assert len(server.arrivals) == 30
        starts = sorted(arrival.at for arrival in server.arrivals)
        gaps = [later - earlier for earlier, later in zip(starts, starts[1:])]
        assert min(gaps) >= 0.02 - 0.001, min(gaps)
        for arrival in server.arrivals:
            unanswered = [a for a in server.arrivals if a.at <= arrival.at and a.answered > arrival.at]
            assert len(unanswered) <= 3


def test_no_request_goes_out_after_the_time_budget_ran_out(tmp_path, raw):
    # requests wait for their turn with their bytes ready: when the budget runs
    # out, those still waiting are dropped, never sent late
    server = raw(ok)
    started = time.time()
    report = lint(tmp_path, [server.url(f"/p{n}") for n in range(8)], min_interval=0.3, budget=0.5)
    ended = time.time()
    assert 1 <= len(server.arrivals) <= 2  # at 0 s and 0.3 s
    time.sleep(0.4)  # a request sent late would arrive by now
    assert len(server.arrivals) <= 2
    assert all(started <= arrival.at <= ended for arrival in server.arrivals)
    budget = [f for f in report.findings if "time budget for network checks ran out" in f.message]
    assert {f.code for f in budget} == {"LNK003"}
    assert len(budget) == 8 - len(server.arrivals)


def test_thousands_of_links_do_not_make_a_task_each(tmp_path, raw):
    # each host gets at most max_per_host workers, however many links it has
    one, other = raw(ok, host="127.0.0.2"), raw(ok, host="127.0.0.3")
    urls = [(one if n % 2 else other).url(f"/p{n}") for n in range(600)]
    most = 0

    async def scenario() -> list[http.LinkCheck]:
        nonlocal most
        done = False

        async def watch() -> None:
            nonlocal most
            while not done:
                most = max(most, len(asyncio.all_tasks()))
                await asyncio.sleep(0)

        watcher = asyncio.ensure_future(watch())
        async with http.session({**FAST_HTTP, "max_per_host": 4}, use_cache=False) as client:
            results = await client.check_all(urls)
        done = True
        await watcher
        return results

    results = asyncio.run(scenario())
    assert all(result.ok for result in results)
    assert len(one.arrivals) + len(other.arrivals) == 600
    # per host: the requests inside its gate (max_per_host) and one waiting for
    # the next turn; then this coroutine and the watcher
    assert most <= 2 * (4 + 1) + 2


def test_links_through_one_click_tracking_host_are_followed_concurrently(tmp_path, raw):
    # every link goes through one tracking host and on to one of four shops that
    # answer slowly: following a redirect must not hold a place at the tracking
    # host, or only max_per_host links would be on their way at once
    shops = [raw(ok, host=f"127.0.0.{n}", delay=0.3) for n in (3, 4, 5, 6)]

    def tracking(method: str, path: str) -> tuple[bytes, bool]:
        n = int(path.rsplit("/", 1)[1])
        target = shops[n % 4].url(f"/product/{n}")
        return f"HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\n\r\n".encode(), False

    tracker = raw(tracking, host="127.0.0.2")
    urls = [tracker.url(f"/c/{n}") for n in range(24)]
    report = lint(tmp_path, urls, max_per_host=2, min_interval=0.0)
    assert {finding.code for finding in report.findings} == {"LNK004"}  # info: redirects to another domain
    arrivals = [arrival for shop in shops for arrival in shop.arrivals]
    assert len(arrivals) == 24
    at_once = max(sum(1 for a in arrivals if a.at <= b.at < a.answered) for b in arrivals)
    assert at_once >= 6  # two at a time at each of four shops; two in all if the tracker held them


def test_requests_to_one_host_reuse_kept_alive_connections(tmp_path, raw):
    server = raw(ok)
    report = lint(tmp_path, [server.url(f"/p{n}") for n in range(12)], max_per_host=2, min_interval=0.0)
    assert report.findings == []
    assert len(server.arrivals) == 12
    assert server.connections <= 2


def test_connection_close_is_honoured(tmp_path, raw):
    def closing(method: str, path: str) -> tuple[bytes, bool]:
        return b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", True

    server = raw(closing)
    report = lint(tmp_path, [server.url(f"/p{n}") for n in range(4)], max_per_host=1, min_interval=0.0)
    assert report.findings == []
    assert server.connections == 4


# ------------------------------------------------------------------ answers of every shape


def test_head_refused_then_chunked_get_is_fine(tmp_path, raw):
    def answer(method: str, path: str) -> tuple[bytes, bool]:
        if method == "HEAD":
            return b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n", False
        return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", False

    server = raw(answer)
    report = lint(tmp_path, [server.url("/a"), server.url("/b")], max_per_host=1)
    assert report.findings == []
    assert [a.method for a in server.arrivals] == ["HEAD", "GET", "GET"]
    assert server.connections == 1  # the chunked answer was read to its end and the connection kept


def test_chunked_404_is_broken_with_its_status(tmp_path, raw):
    def answer(method: str, path: str) -> tuple[bytes, bool]:
        return b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n" + (
            b"" if method == "HEAD" else b"9\r\nnot found\r\n0\r\n\r\n"
        ), False

    server = raw(answer)
    url = server.url("/gone")
    report = lint(tmp_path, [url])
    assert [(f.code, f.message) for f in report.findings] == [("LNK001", f"Broken link: 404 Not Found at {url}")]


def test_http_10_answer_read_until_close(tmp_path, raw):
    def answer(method: str, path: str) -> tuple[bytes, bool]:
        if path == "/gone":
            return b"HTTP/1.0 410 Gone\r\nContent-Type: text/html\r\n\r\n<html>gone</html>", True
        return b"HTTP/1.0 200 OK\r\n\r\n", True

    server = raw(answer)
    gone, fine = server.url("/gone"), server.url("/fine")
    report = lint(tmp_path, [fine, gone])
    assert [(f.code, f.message) for f in report.findings] == [("LNK001", f"Broken link: 410 Gone at {gone}")]


def test_informational_answer_and_folded_header_before_a_redirect(tmp_path, raw):
    def answer(method: str, path: str) -> tuple[bytes, bool]:
        if path == "/old":
            return (
                b"HTTP/1.1 100 Continue\r\n\r\n"
                b"HTTP/1.1 301 Moved Permanently\r\nX-Note: one\r\n  two\r\n"
                b"Location: /new\r\nContent-Length: 0\r\n\r\n"
            ), False
        return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", False

    server = raw(answer)
    old = server.url("/old")
    report = lint(tmp_path, [old])
    assert [f.code for f in report.findings] == ["LNK001"]
    assert report.findings[0].message == (f"Broken link: 404 Not Found at {server.url('/new')} (1 redirect from {old})")


@pytest.mark.parametrize(
    "data",
    [
        b"<html>not http at all</html>\r\n\r\n",  # no status line
        b"\x16\x03\x01\x02\x00",  # a TLS server on an http:// port
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",  # conflicting lengths
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",  # a coding h11 does not read
        b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",  # a line without a colon
    ],
)
def test_answers_h11_refuses_are_broken_connections(tmp_path, raw, data):
    server = raw(lambda method, path: (data, True))
    url = server.url("/shop")
    report = lint(tmp_path, [url], retries=1, backoff=0.01)
    assert [f.code for f in report.findings] == ["LNK001"]
    message = report.findings[0].message
    assert message.startswith(f"Broken link: connection closed by {server.host}:{server.port} before a full response")
    assert message.endswith(f"after 2 attempts at {url}")
    assert report.findings[0].data["error"] == "reset"


def test_a_body_cut_short_is_a_broken_connection(tmp_path, raw):
    def answer(method: str, path: str) -> tuple[bytes, bool]:
        if method == "HEAD":
            return b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n", False
        return b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", True

    server = raw(answer)
    url = server.url("/shop")
    report = lint(tmp_path, [url], retries=0)
    assert [(f.code, f.message) for f in report.findings] == [
        ("LNK001", f"Broken link: connection closed by {server.host}:{server.port} before a full response at {url}")
    ]


def test_a_large_body_is_not_read_past_what_is_needed(tmp_path, raw):
    big = b"x" * 5_000_000

    def answer(method: str, path: str) -> tuple[bytes, bool]:
        if method == "HEAD":
            return b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", False
        return b"HTTP/1.1 403 Forbidden\r\nContent-Length: %d\r\n\r\n%s" % (len(big), big), False

    server = raw(answer)
    url = server.url("/wall")
    report = lint(tmp_path, [url])
    assert [f.code for f in report.findings] == ["LNK003"]
    assert "403 Forbidden" in report.findings[0].message


# ------------------------------------------------------------------ many URLs at once


def test_check_all_answers_in_order_once_per_url_and_names_each_as_written(raw):
    server = raw(ok)
    plain = server.url("/p")
    urls = [plain, plain + "#top", "not a url", server.url("/q"), plain]

    async def run() -> list:
        async with http.session({**FAST_HTTP, "timeout": 5.0}, use_cache=False) as client:
            return await client.check_all(urls)

    results = asyncio.run(run())
    assert [result.url for result in results] == urls
    assert [result.ok for result in results] == [True, True, False, True, True]
    assert results[2].error == "invalid-url"
    assert sorted(arrival.path for arrival in server.arrivals) == ["/p", "/q"]


def test_a_cancelled_caller_leaves_shared_checks_running(raw):
    server = raw(ok, delay=0.2)
    url = server.url("/slow")

    async def run():
        async with http.session({**FAST_HTTP, "timeout": 5.0}, use_cache=False) as client:
            first = asyncio.ensure_future(client.check_all([url]))
            second = asyncio.ensure_future(client.check(url))
            await asyncio.sleep(0.05)
            first.cancel()
            return await second

    assert asyncio.run(run()).ok
    assert len(server.arrivals) == 1
