"""A one-line progress bar on stderr, drawn only on a terminal.

    bar = ProgressBar("checking files", total=len(paths), enabled=not quiet)
    for path in paths:
        ...
        bar.advance()
    bar.close()

With a known ``total`` it shows a bar and ``done/total``; without one (rows
streaming from a file) the count and the rate. Nothing is written when stderr
is not a terminal (CI logs, pipes, files), when ``TERM=dumb``, or when the
caller disables it (``--quiet``); machine formats on stdout are never touched.
Redraws are at most ten a second, so calling :meth:`advance` often is cheap.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

__all__ = ["ProgressBar", "stderr_is_terminal"]


def stderr_is_terminal(stream: TextIO | None = None) -> bool:
    """Whether ``stream`` (default stderr) is a terminal a bar may be drawn on."""
    stream = stream if stream is not None else sys.stderr
    try:
        tty = bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        tty = False
    return tty and os.environ.get("TERM") != "dumb"


class ProgressBar:
    """A progress line for a long run; see the module docstring.

    ``threshold``: nothing is drawn until the run has lasted this many
    seconds, so short runs leave no trace."""

    WIDTH = 24

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        unit: str = "",
        enabled: bool = True,
        stream: TextIO | None = None,
        threshold: float = 0.5,
        interval: float = 0.1,
    ):
        self.label = label
        self.total = total
        self.unit = unit
        self.done = 0
        self._stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and stderr_is_terminal(self._stream)
        self._started = time.monotonic()
        self._threshold = threshold
        self._interval = interval
        self._last = 0.0
        self._drawn = False

    def advance(self, count: int = 1) -> None:
        """``count`` more items are done."""
        self.update(self.done + count)

    def update(self, done: int, *, force: bool = False) -> None:
        """``done`` items are done so far; ``force`` draws now, however recently it last did."""
        self.done = done
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and (now - self._started < self._threshold or now - self._last < self._interval):
            return
        self._last = now
        self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self._started, 1e-9)
        unit = f" {self.unit}" if self.unit else ""
        if self.total:
            filled = min(self.WIDTH, int(self.WIDTH * self.done / self.total))
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            text = f"oopslint: {self.label} [{bar}] {self.done:,}/{self.total:,}{unit}"
        else:
            text = f"oopslint: {self.label} {self.done:,}{unit} ({self.done / elapsed:,.0f}{unit}/s)"
        try:
            self._stream.write("\r" + text + "\x1b[K")
            self._stream.flush()
            self._drawn = True
        except (OSError, ValueError):
            self.enabled = False

    def close(self) -> None:
        """Wipe the line, so what follows starts on a clean one."""
        if self._drawn:
            try:
                self._stream.write("\r\x1b[K")
                self._stream.flush()
            except (OSError, ValueError):
                pass
        self._drawn = False
        self.enabled = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
