"""Whole offline lint of the reference email, warm and cold, beside premailer's own transform.

    python bench/bench_engine.py [EMAIL]

Targets: warm lint under 10 ms median; cold `oopslint check` of one file under 0.5 s.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from _timing import REFERENCE_EMAIL, median_ms

DEFAULT_EMAIL = REFERENCE_EMAIL


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_EMAIL
    html = path.read_text(encoding="utf-8")

    import oopslint
    from oopslint.engine import Linter

    linter = Linter({}, offline=True, mode="template")
    # a fresh string each time defeats the parse cache: this measures parse + every offline rule
    variants = [html + f"<!-- {i} -->" for i in range(400)]
    counter = iter(range(10**9))

    def warm() -> None:
        linter.lint(variants[next(counter) % len(variants)], path=str(path))

    for _ in range(20):
        warm()
    warm_ms = median_ms(warm, 200)
    findings = len(linter.lint(html, path=str(path)).findings)

    def cold() -> None:
        subprocess.run(
            [sys.executable, "-m", "oopslint", "check", "--offline", "--no-cache", str(path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    cold()
    cold_ms = median_ms(cold, 7)

    def python_startup() -> None:
        subprocess.run([sys.executable, "-c", "pass"])

    startup_ms = median_ms(python_startup, 7)

    from premailer import Premailer

    def premailer_transform() -> None:
        Premailer(html, allow_network=False, disable_validation=True, cssutils_logging_level="CRITICAL").transform()

    premailer_transform()
    premailer_ms = median_ms(premailer_transform, 20)

    rules = sum(1 for r in oopslint.Linter({}).registry if r.scope == "email" and not r.network)
    print(f"email: {path.name} ({len(html.encode()) / 1024:.1f} KB), {rules} offline rules, {findings} findings")
    print(f"warm offline lint, median of 200:   {warm_ms:8.2f} ms   (target < 10 ms)")
    print(f"premailer transform, median of 20:  {premailer_ms:8.2f} ms")
    print(f"  ratio premailer / oopslint lint:  {premailer_ms / warm_ms:8.1f}x")
    print(
        f"cold `oopslint check`, median of 7: {cold_ms:8.1f} ms   (target < 500 ms; bare python start {startup_ms:.0f} ms)"
    )


if __name__ == "__main__":
    main()
