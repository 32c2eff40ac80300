"""Memory a lint leaves behind: the module-level API keeps nothing of the email,
and a long-lived Linter keeps its parsed emails within its byte budget. Measured
with tracemalloc in a fresh interpreter, so nothing else in the test run counts."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from oopslint_testing import CORPUS, ROOT

import oopslint
from oopslint.engine import retained_estimate

_EMAILS = """
import gc, json, re, sys, tracemalloc
from pathlib import Path

CORPUS = Path(sys.argv[1])
welcome = (CORPUS / "postmark" / "welcome.source.html").read_text(encoding="utf-8")
head, body, tail = re.search(r"(?is)(.*<body[^>]*>)(.*)(</body>.*)", welcome).groups()


def big_email(copy: int) -> str:
    # the welcome email's rows repeated to 200 KB, and an archived copy of its
    # text in a comment: 1.2 MB, a different email each time
    rows = "".join(body.replace("</table>", f"</table><!-- row {copy}.{n} -->", 1) for n in range(200_000 // len(body) + 1))
    archive = "<!-- archived: " + "Thanks for signing up, we are thrilled to have you. " * 22_000 + f"{copy} -->"
    return head + rows + archive + tail


def held() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]
"""

_MODULE_API = (
    _EMAILS
    + """
import oopslint

oopslint.lint(welcome, offline=True, mode="template")  # dictionaries and tables load once
tracemalloc.start()
baseline = held()
kept = []
for copy in range(2):
    html = big_email(copy)
    size = len(html)
    report = oopslint.lint(html, offline=True, mode="template")
    findings = len(report.findings)
    del report, html
    kept.append(held() - baseline)
print(json.dumps({"size": size, "findings": findings, "kept": kept}))
"""
)

_LINTER_BOUND = (
    _EMAILS
    + """
from oopslint import Linter

bound = int(sys.argv[2])
emails = [path.read_text(encoding="utf-8") for path in sorted(CORPUS.glob("*/*.source.html"))[:5]]
emails.append(big_email(0)[:400_000] + tail)
linter = Linter({}, offline=True, mode="template", cache_bytes=bound)
linter.lint(welcome + "<!-- warm -->")
linter2 = Linter({}, offline=True, mode="template", cache_bytes=0)
linter2.lint(welcome + "<!-- warm too -->")
tracemalloc.start()
baseline = held()
after = []
for html in emails:
    linter.lint(html)
    after.append((held() - baseline, linter.cached_bytes))
again = held()
linter.lint(emails[-1])
hit = held() - again
nothing_kept = held()
linter2.lint(emails[0])
linter2.lint(emails[-1])
print(json.dumps({"after": after, "hit": hit, "uncached": held() - nothing_kept}))
"""
)


def _run(code: str, *args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", code, str(CORPUS), *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_module_level_lint_of_a_large_email_leaves_memory_where_it_was() -> None:
    measured = _run(_MODULE_API)
    assert measured["size"] > 1_000_000 and measured["findings"] > 0
    # within 1 MB of the baseline after each lint, and no growth from one to the next
    assert all(kept < 1_000_000 for kept in measured["kept"]), measured


def test_a_linters_parse_cache_stays_within_its_byte_budget() -> None:
    bound = 3_000_000
    measured = _run(_LINTER_BOUND, str(bound))
    held = [memory for memory, _ in measured["after"]]
    counted = [count for _, count in measured["after"]]
    # it keeps what fits (real emails are kept: the memory is not simply freed) ...
    assert max(held) > 200_000
    # ... and never more than its budget, counted or measured
    assert all(count <= bound for count in counted), measured
    assert all(memory <= bound for memory in held), measured
    # linting a kept email again parses nothing anew
    assert measured["hit"] < 100_000, measured
    # with no budget it keeps nothing
    assert measured["uncached"] < 100_000, measured


@pytest.mark.parametrize("value", [-1, 1.5, "64MB", True])
def test_a_cache_budget_that_is_not_a_byte_count_is_a_configuration_error(value: object) -> None:
    with pytest.raises(oopslint.ConfigError, match="cache_bytes"):
        oopslint.Linter({}, cache_bytes=value)  # type: ignore[arg-type]


def test_an_email_the_cache_drops_lets_go_of_what_rules_derived_from_it() -> None:
    # Derived data often points back at its email; once the cache drops the email
    # it is freed by reference counting, not left for a full collection to find.
    import gc
    import weakref

    class Derived:
        def __init__(self, email: object) -> None:
            self.email = email

    welcome = (CORPUS / "postmark" / "welcome.source.html").read_text(encoding="utf-8")
    linter = oopslint.Linter({}, offline=True, cache_bytes=retained_estimate(oopslint.Email.parse(welcome)))
    (job,) = linter.prepare([(welcome, None, None, None)])
    assert job.email is not None
    derived = weakref.ref(job.email.memo("tests.derived", Derived))
    kept = linter.lint(welcome)  # the same email again: from the cache, its memo intact
    assert derived() is not None and not kept.files[0].input_error
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        linter.lint(welcome.replace("Welcome", "Hello"))  # another email: the first one is dropped
        assert derived() is None
        assert job.email.memo("tests.derived", Derived).email is job.email  # asked again, computed again
    finally:
        if was_enabled:
            gc.enable()


def test_an_email_parsed_for_one_lint_alone_lets_go_of_what_rules_derived_from_it() -> None:
    import gc

    from oopslint.styles import StyleMap

    def style_maps() -> int:
        return sum(1 for thing in gc.get_objects() if type(thing) is StyleMap)

    welcome = (CORPUS / "postmark" / "welcome.source.html").read_text(encoding="utf-8")
    linter = oopslint.Linter({"select": ["CTR"]}, offline=True, cache_bytes=0)
    linter.lint(welcome)  # the rules' own first-use caches
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        before = style_maps()
        report = linter.lint(welcome.replace("Welcome", "Hello"))
        assert not report.files[0].input_error
        assert style_maps() == before  # the email's styles were freed with its memo, not left to the collector
    finally:
        if was_enabled:
            gc.enable()
