"""Pacing: per-host limits and intervals, and the progress bar."""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Iterator
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
    the request's turn: waiting requests are let through one at a time, each
    ``interval`` after the one before passed, by a single timer (so a busy
    machine wakes each request once, not once per guess). :meth:`begin`,
    called right before the request's bytes are written, holds it back until
    ``interval`` after the previous request to the host actually went out, so
    a request that went out late never lets the next follow closer."""

    def __init__(self, limit: int, interval: float):
        self._semaphore = asyncio.Semaphore(limit)
        self._interval = interval
        self._free_at = -math.inf  # the next request may pass from then on
        self._last_start = -math.inf  # when the last request actually went out
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._timer: asyncio.TimerHandle | None = None

    async def __aenter__(self) -> None:
        await self._semaphore.acquire()
        loop = asyncio.get_running_loop()
        try:
            if self._waiting or loop.time() < self._free_at:
                waiter = loop.create_future()
                self._waiting.append(waiter)
                self._arm(loop)
                try:
                    await waiter
                except BaseException:
                    if waiter.done() and not waiter.cancelled():
                        self._arm(loop)  # its turn came as it left: the next one's timer
                    raise
            self._free_at = max(self._free_at, loop.time() + self._interval)
            self._arm(loop)
        except BaseException:
            self._semaphore.release()
            raise

    async def __aexit__(self, *exc: Any) -> None:
        self._semaphore.release()

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is None and self._waiting:
            self._timer = loop.call_at(self._free_at, self._release, loop)

    def _release(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        now = loop.time()
        if now < self._free_at - 0.001:  # pushed back since (a late start, a 429)
            self._arm(loop)
            return
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                # until it runs, nobody else passes; it arms the next turn as it does
                self._free_at = max(self._free_at, now + self._interval)
                return

    async def begin(self) -> None:
        """Wait until this host may be sent the next request, and count it as sent."""
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            wait = self._last_start + self._interval - now
            if wait <= 0:
                break
            await asyncio.sleep(wait)  # and check again: another request may have gone first
        self._last_start = now
        if self._free_at < now + self._interval:
            self._free_at = now + self._interval

    def written(self) -> None:
        """Count the interval from when the request's bytes were written, not
        only from when its turn came: a process paused between the two (a busy
        machine) would otherwise let the next request follow it too closely."""
        now = asyncio.get_running_loop().time()
        if now > self._last_start:
            self._last_start = now
            if self._free_at < now + self._interval:
                self._free_at = now + self._interval

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
