"""The event loop oopslint starts for a synchronous lint: timers fire when due
(never before), I/O still wakes it at once, and an application's own loop
policy is left alone."""

from __future__ import annotations

import asyncio
import socket

import pytest

from oopslint import _loop
from oopslint.engine import _run_coroutine


def test_a_synchronous_run_uses_the_precise_loop_and_timers_never_fire_early() -> None:
    async def main() -> tuple[str, list[float]]:
        loop = asyncio.get_running_loop()
        early = []
        for delay in (0.0004, 0.0013, 0.0021, 0.0047):
            due = loop.time() + delay
            fired = loop.create_future()
            loop.call_at(due, lambda f=fired: f.set_result(loop.time()))
            early.append(due - await fired)
        return type(loop._selector).__name__, early  # type: ignore[attr-defined]

    selector, early = _run_coroutine(main())
    if _loop.loop_factory() is not None:
        assert selector == "_PreciseEpollSelector"
    assert all(gap <= 0 for gap in early), early


def test_data_arriving_during_a_long_wait_wakes_the_loop_at_once() -> None:
    async def main() -> float:
        loop = asyncio.get_running_loop()
        left, right = socket.socketpair()
        left.setblocking(False)
        try:
            loop.call_later(0.05, right.send, b"x")
            started = loop.time()
            # the loop waits for a timer 10 s away: only the socket can end the wait early
            far = loop.call_later(10, lambda: None)
            await loop.sock_recv(left, 1)
            far.cancel()
            return loop.time() - started
        finally:
            left.close()
            right.close()

    assert _run_coroutine(asyncio.wait_for(main(), 5)) < 1


def test_a_descriptor_select_cannot_watch_falls_back_to_whole_milliseconds() -> None:
    factory = _loop.loop_factory()
    if factory is None:
        pytest.skip("asyncio's own loop is used on this platform")
    loop = factory()
    try:
        selector = loop._selector  # type: ignore[attr-defined]
        selector._epoll_fd = 1 << 20  # beyond FD_SETSIZE: select() refuses it
        fired = loop.run_until_complete(asyncio.sleep(0.002, result="slept"))
        assert fired == "slept" and selector._precise is False
    finally:
        loop.close()


def test_an_application_loop_policy_is_kept() -> None:
    class AppPolicy(asyncio.DefaultEventLoopPolicy):
        pass

    previous = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(AppPolicy())
    try:
        assert _loop.loop_factory() is None

        async def which() -> str:
            return type(asyncio.get_running_loop()._selector).__name__  # type: ignore[attr-defined]

        assert _run_coroutine(which()) != "_PreciseEpollSelector"
    finally:
        asyncio.set_event_loop_policy(previous)
