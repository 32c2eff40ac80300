"""Async per-row rules in a batch: many rows at once, one HTTP session.

A per-row rule that is async (the coupon rules look codes up in the shop)
must not open an event loop and an HTTP session for every row: that is slow,
and two rows naming the same code would look it up twice. The batch runner
hands this class the rows of a chunk; their async rules run concurrently in
one event loop, on a thread of its own, inside one HTTP session kept for the
whole batch, so a rule's per-run cache (one look-up per code) and the
client's per-host politeness span every row the process checks.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from .. import http as _http
from ..engine import Linter

T = TypeVar("T")


class AsyncRowRules:
    """An event loop thread and a lazily made HTTP client, per process.

    Made before worker processes fork; each process starts its own loop on
    first use (a forked child never shares its parent's sockets)."""

    def __init__(self, linter: Linter, http_options: Any):
        self._linter = linter
        self._http_options = http_options
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._context: contextvars.Context | None = None
        self._pending: Any = None

    def _start(self) -> asyncio.AbstractEventLoop:
        if self._loop is not None and self._pid == os.getpid():
            return self._loop
        linter = self._linter
        options = self._http_options

        def make() -> Any:
            return _http.HttpClient(
                options,
                memory=linter._http_memory,
                use_cache=linter.use_cache,
                cache_path=linter.cache_path,
                offline=linter.offline,
            )

        pending = _http._Pending(make)
        context = contextvars.copy_context()
        context.run(_http._current.set, pending)
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="oopslint-batch-async", daemon=True)
        thread.start()
        self._pid, self._loop, self._thread = os.getpid(), loop, thread
        self._context, self._pending = context, pending
        return loop

    def gather(self, calls: Sequence[Callable[[], Awaitable[T]]]) -> list[T]:
        """Run ``calls`` concurrently in the batch's session; their results in order."""
        if not calls:
            return []
        loop = self._start()
        assert self._context is not None

        async def together() -> list[T]:
            return list(await asyncio.gather(*(call() for call in calls)))

        future = self._context.run(asyncio.run_coroutine_threadsafe, together(), loop)
        return future.result()

    def close(self) -> None:
        """Close the HTTP client and stop the loop (in this process)."""
        loop, thread, pending = self._loop, self._thread, self._pending
        if loop is None or thread is None or self._pid != os.getpid():
            return
        self._loop = self._thread = None
        try:
            if pending is not None and pending.made is not None:
                asyncio.run_coroutine_threadsafe(pending.made.aclose(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            if not thread.is_alive():
                loop.close()
