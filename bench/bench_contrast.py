"""The contrast computation's cost: whole offline lint of the reference email
with and without the CTR/ACC rules, beside premailer's own transform.

    python bench/bench_contrast.py [EMAIL]

Target: the whole offline lint, contrast included, under 10 ms warm (median).
Also: a batch of renders of one template compiles its stylesheet once, and a
Linter linting them computes the cascade once.
"""

from __future__ import annotations

import sys
from pathlib import Path

from _timing import REFERENCE_EMAIL, median_ms


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else REFERENCE_EMAIL
    html = path.read_text(encoding="utf-8")

    from premailer import Premailer

    from oopslint import Email, _stylesheet
    from oopslint import styles as styles_module
    from oopslint.engine import Linter

    # first, before any other lint keeps this template's styles alive
    cascades = 0
    real_shared = styles_module._Shared.__init__

    def counting_shared(self, sheet):  # type: ignore[no-untyped-def]
        nonlocal cascades
        cascades += 1
        real_shared(self, sheet)

    styles_module._Shared.__init__ = counting_shared  # type: ignore[method-assign]
    renders = Linter({}, offline=True, mode="template")
    for i in range(200):  # 200 renders of one template, each under its own path
        renders.lint(html.replace("{{name}}", f"Reader {i}") + f"<!-- {i} -->", path=f"render-{i}.html")
    styles_module._Shared.__init__ = real_shared  # type: ignore[method-assign]

    everything = Linter({}, offline=True, mode="template")
    without = Linter({"ignore": ["CTR", "ACC"]}, offline=True, mode="template")
    only_contrast = Linter({"select": ["CTR"]}, offline=True, mode="template")
    # a fresh string each time defeats the parse cache: parse + every offline rule, each time
    variants = [html + f"<!-- {i} -->" for i in range(600)]
    counter = iter(range(10**9))

    def run(linter: Linter) -> None:
        linter.lint(variants[next(counter) % len(variants)], path=str(path))

    def premailer_transform() -> None:
        Premailer(html, allow_network=False, disable_validation=True, cssutils_logging_level="CRITICAL").transform()

    def cascade_only() -> None:
        email = Email.parse(variants[next(counter) % len(variants)])
        style_map = styles_module.styles(email)
        for element in style_map.text_elements():
            for profile in styles_module.PROFILES:
                style_map.paint(element, profile)

    for linter in (everything, without, only_contrast):
        for _ in range(20):
            run(linter)
    premailer_transform()
    rounds = []
    for _ in range(3):  # interleaved, so machine load hits every figure alike
        rounds.append(
            (
                median_ms(lambda: run(everything), 100),
                median_ms(lambda: run(without), 100),
                median_ms(lambda: run(only_contrast), 100),
                median_ms(cascade_only, 100),
                median_ms(premailer_transform, 20),
            )
        )
    best = [min(r[i] for r in rounds) for i in range(5)]
    full_ms, without_ms, ctr_ms, cascade_ms, premailer_ms = best

    _stylesheet._sheet_cache.clear()
    compiles = 0
    real_compile = _stylesheet._compile_parsed

    def counting_compile(blocks):  # type: ignore[no-untyped-def]
        nonlocal compiles
        compiles += 1
        return real_compile(blocks)

    _stylesheet._compile_parsed = counting_compile  # type: ignore[assignment]
    for i in range(200):  # 200 renders of one template: one stylesheet compile
        rendered = Email.parse(html.replace("{{name}}", f"Reader {i}") + f"<!-- {i} -->")
        styles_module.styles(rendered).declared(rendered.elements[0])
    _stylesheet._compile_parsed = real_compile  # type: ignore[assignment]

    print(f"email: {path.name} ({len(html.encode()) / 1024:.1f} KB); best of 3 medians")
    print(f"whole offline lint with CTR and ACC:     {full_ms:7.2f} ms   (target < 10 ms)")
    print(f"whole offline lint without CTR and ACC:  {without_ms:7.2f} ms")
    print(f"  contrast and access add:               {full_ms - without_ms:7.2f} ms")
    print(f"parse + CTR rules only:                  {ctr_ms:7.2f} ms")
    print(f"parse + cascade + 6 profiles per text:   {cascade_ms:7.2f} ms")
    print(f"premailer transform (same run):          {premailer_ms:7.2f} ms")
    print(f"  ratio premailer / whole lint:          {premailer_ms / full_ms:7.1f}x")
    print(f"stylesheet compiles for 200 renders of one template: {compiles}")
    print(f"cascades computed for 200 renders linted by one Linter: {cascades}")


if __name__ == "__main__":
    main()
