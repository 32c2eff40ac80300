"""Pacing: per-host limits and intervals, and the progress bar."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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
    """At most ``limit`` requests at once to one host, starts ``interval`` apart."""

    def __init__(self, limit: int, interval: float):
        self._semaphore = asyncio.Semaphore(limit)
        self._interval = interval
        self._next_start = 0.0

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

    def pause(self, seconds: float) -> None:
        """Hold every further request to this host back (after a 429)."""
        self._next_start = max(self._next_start, asyncio.get_running_loop().time() + seconds)


class Progress:
    """A one-line progress bar on stderr, drawn only on a terminal."""

    THRESHOLD = 8

    def __init__(self, enabled: bool):
        stream = sys.stderr
        try:
            tty = stream.isatty()
        except Exception:
            tty = False
        self._stream = stream
        self._enabled = enabled and not _silenced and tty and os.environ.get("TERM") != "dumb"
        self.total = 0
        self.done = 0
        self._drawn = False
        self._last = 0.0

    def add(self) -> None:
        self.total += 1
        self._draw()

    def finish_one(self) -> None:
        self.done += 1
        self._draw()

    def _draw(self) -> None:
        if not self._enabled or self.total <= self.THRESHOLD:
            return
        now = time.monotonic()
        if self.done < self.total and now - self._last < 0.1:
            return
        self._last = now
        width = 24
        filled = int(width * self.done / self.total)
        bar = "#" * filled + "-" * (width - filled)
        try:
            self._stream.write(f"\roopslint: checking links [{bar}] {self.done}/{self.total}")
            self._stream.flush()
            self._drawn = True
        except Exception:
            self._enabled = False

    def close(self) -> None:
        if self._drawn:
            try:
                self._stream.write("\r\x1b[K")
                self._stream.flush()
            except Exception:
                pass
