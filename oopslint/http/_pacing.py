"""Pacing: per-host limits and intervals, and the progress bar."""

from __future__ import annotations

import asyncio
import math
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
    the request's planned turn (turns are handed out ``interval`` apart, so
    waiting requests do not all wake together); :meth:`begin`, called right
    before the request's bytes are written, holds it back until ``interval``
    after the previous request to the host actually went out. A request that
    went out late (a busy machine) thus never lets the next one follow closer
    than ``interval``."""

    def __init__(self, limit: int, interval: float):
        self._semaphore = asyncio.Semaphore(limit)
        self._interval = interval
        self._next_start = 0.0  # the next turn to hand out
        self._last_start = -math.inf  # when the last request actually went out

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
        if self._next_start < now + self._interval:
            self._next_start = now + self._interval

    def pause(self, seconds: float) -> None:
        """Hold every further request to this host back (after a 429)."""
        until = asyncio.get_running_loop().time() + seconds
        self._next_start = max(self._next_start, until)
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
