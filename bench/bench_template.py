"""The TPL (template hygiene) family on the reference email, beside a BeautifulSoup peer.

    python bench/bench_template.py [EMAIL]

Measures, warm, median of many runs:
- the ten TPL rules alone on an already parsed email (rendered mode, marketing
  context, so every rule runs);
- a whole lint with only the TPL rules selected (parse + rules);
- the peer: what a hand-written check usually is, BeautifulSoup with lxml
  parsing the same email and looking for images without alt, '#' links and
  '{{' left in the text.
The whole offline lint of this email has a 10 ms budget (bench_engine.py);
the TPL rules should take a small part of it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from _timing import REFERENCE_EMAIL, median_ms

DEFAULT_EMAIL = REFERENCE_EMAIL


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_EMAIL
    html = path.read_text(encoding="utf-8")

    from oopslint import Email, SendContext
    from oopslint.engine import Linter

    linter = Linter({"select": ["TPL"]}, offline=True, mode="rendered")
    rules = [r for r in linter.registry if r.code.startswith("TPL")]
    config = linter.config_for(None)
    options = {r.code: config.options_for(r) for r in rules}
    context = SendContext(mode="rendered", data={"category": "marketing"})
    emails = [Email.parse(html + f"<!-- {i} -->") for i in range(300)]
    counter = iter(range(10**9))

    def rules_only() -> None:
        email = emails[next(counter) % len(emails)]  # fresh emails: no per-email cache reused
        for rule in rules:
            list(rule.check(email, context, options[rule.code]))

    variants = [html + f"<!-- v{i} -->" for i in range(300)]

    def whole_lint() -> None:
        linter.lint(variants[next(counter) % len(variants)], context={"category": "marketing"})

    from bs4 import BeautifulSoup

    tag = re.compile(r"\{\{.*?\}\}")

    def peer() -> None:
        soup = BeautifulSoup(html, "lxml")
        [img for img in soup.find_all("img") if img.get("alt") is None]
        [a for a in soup.find_all("a") if (a.get("href") or "").strip() in ("", "#")]
        tag.findall(soup.get_text())

    for fn in (rules_only, whole_lint, peer):
        for _ in range(20):
            fn()
    rules_ms = median_ms(rules_only, 300)
    lint_ms = median_ms(whole_lint, 300)
    peer_ms = median_ms(peer, 100)
    findings = len(linter.lint(html, context={"category": "marketing"}).findings)

    print(f"email: {path.name} ({len(html.encode()) / 1024:.1f} KB), {len(rules)} TPL rules, {findings} findings")
    print(f"TPL rules only, median of 300:          {rules_ms:7.2f} ms")
    print(f"parse + TPL rules (lint), median of 300: {lint_ms:7.2f} ms   (whole-lint budget: 10 ms)")
    print(f"peer: BeautifulSoup(lxml) + 3 checks:    {peer_ms:7.2f} ms")
    print(f"  ratio peer / oopslint TPL lint:        {peer_ms / lint_ms:7.1f}x")


if __name__ == "__main__":
    main()
