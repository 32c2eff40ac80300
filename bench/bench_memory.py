"""Memory kept after a lint returns, beside what the same email takes while it is held.

    python bench/bench_memory.py [--size BYTES] [--runs N]

Builds a 1.5 MB email from the corpus's postmark welcome email (its rows repeated,
a different email each run) and measures with tracemalloc, after a warm-up lint that
loads the dictionaries and tables every lint shares:

- kept by `oopslint.lint()`: memory above the baseline once it has returned (target: under 1 MB);
- held while linting: the same email's parse and rule results while a Linter keeps it, the
  peer that shows what "kept" would be if the email stayed referenced;
- a `Linter(cache_bytes=B)` after many distinct emails: memory held beside its budget.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import time
import tracemalloc

from _timing import CORPUS

import oopslint


def _held() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_500_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cache-bytes", type=int, default=16 * 1024 * 1024)
    args = parser.parse_args()

    welcome = (CORPUS / "postmark" / "welcome.source.html").read_text(encoding="utf-8")
    match = re.search(r"(?is)(.*<body[^>]*>)(.*)(</body>.*)", welcome)
    assert match is not None
    head, body, tail = match.groups()

    def email(copy: int, size: int) -> str:
        rows = (body.replace("</table>", f"</table><!-- {copy}.{n} -->", 1) for n in range(size // len(body) + 1))
        return head + "".join(rows) + tail

    oopslint.lint(welcome, offline=True, mode="template")
    tracemalloc.start()
    baseline = _held()
    kept = []
    start = time.process_time()
    for copy in range(args.runs):
        html = email(copy, args.size)
        report = oopslint.lint(html, offline=True, mode="template")
        del report, html
        kept.append((_held() - baseline) / 1e6)
    lint_cpu = (time.process_time() - start) / args.runs

    linter = oopslint.Linter({}, offline=True, mode="template", cache_bytes=1 << 40)
    html = email(99, args.size)
    before = _held()
    linter.lint(html)
    held_one = (_held() - before) / 1e6
    del linter

    bounded = oopslint.Linter({}, offline=True, mode="template", cache_bytes=args.cache_bytes)
    before = _held()
    peak_held = 0.0
    for copy in range(12):
        bounded.lint(email(100 + copy, 50_000))
        peak_held = max(peak_held, (_held() - before) / 1e6)
    tracemalloc.stop()

    print(f"email: {len(html) / 1e6:.1f} MB built from postmark/welcome; load average {os.getloadavg()[0]:.1f}")
    print(f"kept after oopslint.lint() returns, {args.runs} emails: {', '.join(f'{k:.2f} MB' for k in kept)}")
    print(f"  target: under 1 MB each; lint CPU under tracemalloc {lint_cpu:.1f} s per email")
    print(
        f"held by a Linter keeping that email (the peer): {held_one:.1f} MB ({held_one * 1e6 / len(html):.0f} bytes per byte)"
    )
    print(
        f"Linter(cache_bytes={args.cache_bytes / 2**20:.0f} MiB) after 12 distinct 50 KB emails: "
        f"at most {peak_held:.1f} MB held, {bounded.cached_bytes / 2**20:.1f} MiB counted"
    )


if __name__ == "__main__":
    main()
