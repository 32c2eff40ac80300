"""What the benchmarks share: where the reference email is, a median timer, and
a probe of the machine's speed at the moment."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "fixtures" / "corpus"
REFERENCE_EMAIL = CORPUS / "postmark" / "receipt.source.html"


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls, in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def speed_probe() -> str:
    """CPU time of a fixed pure-Python loop (fastest and slowest of three): on a
    shared host the CPU's speed moves from one minute to the next, so a figure
    is read beside the probe taken with it. The loop fits in the CPU's smallest
    cache, so it does not show what other processes cost a lint by sharing the
    larger ones: read the load average for that."""
    samples = []
    for _ in range(3):
        start = time.process_time()
        total = 0
        for i in range(300_000):
            total += i * i % 7
        samples.append((time.process_time() - start) * 1000)
    return f"machine speed probe: fixed loop {min(samples):.0f}-{max(samples):.0f} ms CPU"
