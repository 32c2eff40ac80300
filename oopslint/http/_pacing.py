"""Pacing: per-host limits and intervals, and the progress bar."""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .._progress import ProgressBar

_silenced = 0


@contextmanager
def progress_silenced() -> Iterator[None]:
    """No progress bar for sessions opened inside (``oopslint check --quiet``),
    whatever ``[http] progress`` says."""
    global _silenced
    _silenced += 1
    try:
        yield
    finally:
        _silenced -= 1


class Gate:
    """At most ``limit`` requests at once to one host, starts ``interval`` apart.

    ``async with gate`` takes one of the host's ``limit`` places and waits for
    the request's turn to get ready (a connection, its bytes). Turns come one
    at a time: the next as soon as the request before has gone out, so it gets
    ready while the interval runs, or ``interval`` after the one before was let
    through, when that one is still connecting. A request hands its bytes over
    with ``await gate.send(write)``: the gate calls ``write()`` itself, from a
    timer set ``interval`` after the previous request to the host went out, so
    a request goes out when it may and not a task switch later; and never
    earlier, however late the one before it went out. :meth:`begin` is the
    same wait for a caller that writes its own bytes (API requests)."""

    def __init__(self, limit: int, interval: float):
        self._semaphore = asyncio.Semaphore(limit)
        self._interval = interval
        self._free_at = -math.inf  # the next turn comes by then at the latest
        self._last_start = -math.inf  # when the last request actually went out
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self._unsent: set[asyncio.Task[Any]] = set()  # given a turn, not gone out yet
        self._parked: deque[tuple[Callable[[], None], asyncio.Future[None], asyncio.Task[Any] | None]] = deque()
        self._send_timer: asyncio.TimerHandle | None = None

    async def __aenter__(self) -> None:
        await self._semaphore.acquire()
        loop = asyncio.get_running_loop()
        try:
            if self._waiting or self._unsent and loop.time() < self._free_at:
                waiter = loop.create_future()
                self._waiting.append(waiter)
                self._arm(loop)
                try:
                    await waiter
                except BaseException:
                    if waiter.done() and not waiter.cancelled():
                        self._next_turn(loop)  # its turn came as it left: the next one's
                    raise
            self._free_at = max(self._free_at, loop.time() + self._interval)
            task = asyncio.current_task()
            if task is not None:
                self._unsent.add(task)
            self._arm(loop)
        except BaseException:
            self._semaphore.release()
            raise

    async def __aexit__(self, *exc: Any) -> None:
        self._semaphore.release()
        task = asyncio.current_task()
        if task in self._unsent:  # it left without going out
            self._unsent.discard(task)
            if not self._unsent:
                self._next_turn(asyncio.get_running_loop())

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is None and self._waiting:
            self._timer = loop.call_at(self._free_at, self._release, loop)

    def _release(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        if self._unsent and loop.time() < self._free_at - 0.001:  # pushed back since (a 429)
            self._arm(loop)
            return
        self._next_turn(loop)

    def _next_turn(self, loop: asyncio.AbstractEventLoop) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                # until it runs, nobody else passes; it arms the next turn as it does
                self._free_at = max(self._free_at, loop.time() + self._interval)
                return

    async def send(self, write: Callable[[], None]) -> None:
        """Call ``write()`` (which hands the request's bytes to the kernel) as
        soon as this host may be sent the next request, and count it as sent.
        An exception from ``write()`` is raised here; the request did not go out."""
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        now = loop.time()
        if not self._parked and now >= self._last_start + self._interval:
            write()
            self._went_out(now, loop, task)
            return
        future: asyncio.Future[None] = loop.create_future()
        self._parked.append((write, future, task))
        self._arm_send(loop)
        await future  # cancelled: _fire skips it

    def _arm_send(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._send_timer is None and self._parked:
            self._send_timer = loop.call_at(self._last_start + self._interval, self._fire, loop)

    def _fire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._send_timer = None
        now = loop.time()
        if now >= self._last_start + self._interval:  # not pushed back since (a 429)
            while self._parked:
                write, future, task = self._parked.popleft()
                if future.done():
                    continue  # its caller gave up
                try:
                    write()
                except Exception as exc:
                    future.set_exception(exc)
                    continue  # it did not go out: the next may
                future.set_result(None)
                self._went_out(now, loop, task)
                break
        self._arm_send(loop)

    def _went_out(self, at: float, loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any] | None) -> None:
        """A request went out at ``at``: the moment its bytes were handed over
        (not after the system call returned)."""
        self._last_start = at
        if task is not None:
            self._unsent.discard(task)
        if not self._unsent:
            self._next_turn(loop)

    async def begin(self) -> None:
        """Wait until this host may be sent the next request, and count it as
        sent (for a caller that writes the request itself, right after)."""
        loop = asyncio.get_running_loop()
        while True:
            wait = self._last_start + self._interval - loop.time()
            if wait <= 0 and not self._parked:
                break
            await asyncio.sleep(max(wait, 0.001))  # and check again: another may have gone first
        self._went_out(loop.time(), loop, asyncio.current_task())

    def pause(self, seconds: float) -> None:
        """Hold every further request to this host back (after a 429)."""
        until = asyncio.get_running_loop().time() + seconds
        self._free_at = max(self._free_at, until)
        self._last_start = max(self._last_start, until - self._interval)


class Progress:
    """The link checks' bar (a :class:`~oopslint._progress.ProgressBar`), drawn
    once more than ``THRESHOLD`` links are queued, on a terminal only."""

    THRESHOLD = 8

    def __init__(self, enabled: bool):
        self._bar = ProgressBar("checking links", total=0, enabled=enabled and not _silenced, threshold=0.0)

    @property
    def total(self) -> int:
        return self._bar.total or 0

    @property
    def done(self) -> int:
        return self._bar.done

    def add(self) -> None:
        bar = self._bar
        bar.total = (bar.total or 0) + 1
        if bar.total > self.THRESHOLD:
            bar.update(bar.done)

    def finish_one(self) -> None:
        bar = self._bar
        done = bar.done + 1
        if (bar.total or 0) > self.THRESHOLD:
            bar.update(done, force=done >= (bar.total or 0))
        else:
            bar.done = done

    def close(self) -> None:
        self._bar.close()
