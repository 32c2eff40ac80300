"""An event loop whose timers fire when they are due, not up to a millisecond later.

On Linux, asyncio waits for its next timer with ``epoll``, which counts in whole
milliseconds and rounds up: a timer due in 24.2 ms fires after 25. The link
checks pace their requests to one host with timers (``min_interval``, 25 ms by
default, counted from when each request really went out), so every late timer
delays every later request to that host, and a thousand links end up 2-4% slower
than the pacing allows. Here the loop waits on the epoll descriptor with
``select()``, which counts in microseconds, and then collects what epoll has.

Used for the loops oopslint starts itself (a synchronous :func:`oopslint.lint`,
the command line); an application's own loop, or a loop policy it installed
(uvloop, say), is left as it is.
"""

from __future__ import annotations

import asyncio
import select
import selectors
from collections.abc import Callable

__all__ = ["loop_factory"]


class _PreciseEpollSelector(selectors.EpollSelector):
    """``EpollSelector`` whose waits end on time: it waits with ``select()`` on
    the epoll descriptor itself (microseconds, where epoll counts whole
    milliseconds), which wakes as soon as any registered descriptor is ready,
    and then reads epoll without waiting."""

    def __init__(self) -> None:
        super().__init__()
        self._epoll_fd: int = self.fileno()
        self._precise: bool = True

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is not None and timeout > 0 and self._precise:
            try:
                select.select([self._epoll_fd], [], [], timeout)
            except (OSError, ValueError):  # a descriptor beyond select()'s range: whole milliseconds then
                self._precise = False
                return super().select(timeout)
            return super().select(0)
        return super().select(timeout)


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """What makes such a loop, or None where asyncio's own is kept: another
    platform, or an event loop policy the application installed."""
    if (
        not hasattr(selectors, "EpollSelector")
        or type(asyncio.get_event_loop_policy()) is not asyncio.DefaultEventLoopPolicy
    ):
        return None
    return _new_loop


def _new_loop() -> asyncio.AbstractEventLoop:
    return asyncio.SelectorEventLoop(_PreciseEpollSelector())
