"""Inputs a hostile or unlucky user sends: they finish, findings stay right, output stays small.

Each test builds on a real corpus email, checks what a user sees (which finding, where,
how much output), and only where the old behaviour was a hang does it bound the wall
time, generously, to catch the hang (never to measure speed: bench/bench_scaling.py does).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from oopslint_testing import CORPUS

import oopslint
from oopslint import Finding, Span
from oopslint.formats import get_writer
from oopslint.formats.text import format_finding
from oopslint.rules.spelling.tokens import tokenize

RECEIPT = CORPUS / "postmark" / "receipt.source.html"
TYPO_PARAGRAPH = "<p>You will recieve a copy by email.</p>"
HANG_GUARD_SECONDS = 60.0


def finishes(call: Callable[[], Any], seconds: float = HANG_GUARD_SECONDS) -> Any:
    """The result of ``call()``, failing the test if it has not returned within ``seconds``."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds:.0f} s: a hang"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def receipt_with(fragment: str) -> str:
    """The real receipt email with a typo paragraph and ``fragment`` before its first paragraph."""
    html = RECEIPT.read_text(encoding="utf-8")
    anchor = "<p>Thanks for using [Product Name]."
    assert anchor in html
    return html.replace(anchor, f"{TYPO_PARAGRAPH}\n<p>{fragment}</p>\n{anchor}", 1)


def line_of(html: str, needle: str) -> int:
    return html[: html.index(needle)].count("\n") + 1


def lint(html: str, **config: Any) -> oopslint.Report:
    return oopslint.lint(html, mode="template", offline=True, config=config)


def assert_typo_found(report: oopslint.Report, html: str) -> None:
    typos = [f for f in report.findings if f.code == "TYP001" and f.data.get("word") == "recieve"]
    assert [(f.line, f.data["correction"]) for f in typos] == [(line_of(html, "recieve"), "receive")]
    assert not [f for f in report.findings if f.code == "OOPS001"], "a rule crashed"


def test_long_text_without_whitespace_finishes_and_the_email_is_still_checked() -> None:
    # 300 KB without a space (a pasted token, an inlined blob): the chunk regex used to
    # backtrack from every position (40 KB took 13 s, 300 KB would take many minutes)
    blob = "Zm9vYmFyYmF6cXV4" * 19_000
    html = receipt_with(blob)
    report = finishes(lambda: lint(html))
    assert_typo_found(report, html)


def test_tokens_without_whitespace_still_tell_addresses_from_words() -> None:
    run = "a" * 50_000
    tokens = finishes(lambda: tokenize(f"{run} see acme.example/help or mail help@acme.example now"))
    checkable = {t.text: t.checkable for t in tokens}
    assert checkable[run] is True and checkable["see"] is True and checkable["now"] is True
    assert checkable["acme"] is False and checkable["help"] is False  # a path and an address, not words


def test_back_to_back_entities_finish_and_placeholders_are_still_skipped() -> None:
    # "&lt;b&gt;" decodes to "<b>": 40,000 of them are 40,000 bracketed placeholders, each
    # of which used to be compared with every word (over two minutes at this size)
    html = receipt_with("&lt;b&gt;" * 40_000 + " &lt;frist name&gt; &amp; &eacute;t&eacute;")
    report = finishes(lambda: lint(html))
    assert_typo_found(report, html)
    words = {f.data.get("word") for f in report.findings if f.code.startswith("TYP")}
    assert "frist" not in words  # inside a <placeholder>, never a typo
    text = next(s.text for s in oopslint.Email.parse(html).segments if "frist" in s.text)
    assert text.endswith("<frist name> & été")


def test_text_output_grows_with_findings_not_with_line_length() -> None:
    # one 30 KB line of "word word ...": a repeated-word finding every other word; the
    # caret used to be padded out to the column, past the 2,000-character snippet
    count = 6_000
    html = '<html lang="en"><body><p>' + "word " * count + "</p></body></html>"
    report = lint(html, select=["TYP003"])
    repeated = [f for f in report.findings if f.code == "TYP003"]
    assert len(repeated) == count - 1
    assert [f.column for f in repeated[:2]] == [
        len('<html lang="en"><body><p>word ') + 1,
        len('<html lang="en"><body><p>word word ') + 1,
    ]
    out = io.StringIO()
    get_writer("text")(report, out)
    text = out.getvalue()
    assert len(text) < 400 * len(report.findings)
    assert max(len(line) for line in text.splitlines()) < 300
    last = repeated[-1]
    assert f"<email>:1:{last.column}: TYP003 [warning] Repeated word 'word word'" in text


def test_a_caret_past_the_end_of_a_cut_snippet_is_not_drawn() -> None:
    snippet = "x" * 2000
    finding = Finding(
        "far out",
        span=Span(1, 90_001, 1, 90_005),
        snippet=snippet,
        code="TST001",
        severity=oopslint.Severity.WARNING,
        path="long.html",
    )
    text = format_finding(finding)
    assert text.startswith("long.html:1:90001: TST001 [warning] far out")
    assert len(text) < 200
    near = format_finding(
        Finding("near", span=Span(1, 1990, 1, 1992), snippet=snippet, code="TST001", severity=oopslint.Severity.WARNING)
    )
    caret_line = near.splitlines()[-1]
    assert caret_line.endswith("^^") and len(caret_line) < 200


def test_many_suppression_comments_each_suppress_their_own_line() -> None:
    # thousands of disable-next-line comments, each over an image without alt text
    count = 3_000
    block = '<!-- oopslint-disable-next-line TPL004 -- legacy -->\n<img src="https://cdn.example.com/logo.png">\n'
    stray = '<img src="https://cdn.example.com/stray.png">\n'
    html = receipt_with("").replace(
        "<body>",
        "<body>\n" + block * count + stray + "<!-- oopslint-disable-next-line TPL004 -->\n<p>no image</p>\n",
        1,
    )
    report = finishes(lambda: lint(html))
    missing_alt = [f for f in report.findings if f.code == "TPL004"]
    assert [f.line for f in missing_alt] == [line_of(html, "stray.png")]
    unused = [f for f in report.findings if f.code == "OOPS002"]
    assert [(f.line, f.message) for f in unused] == [
        (
            line_of(html, "<!-- oopslint-disable-next-line TPL004 -->"),
            "oopslint-disable-next-line TPL004 suppressed nothing",
        )
    ]


def test_many_open_regions_are_closed_by_the_right_enable() -> None:
    count = 2_000
    regions = "<!-- oopslint-disable TPL004 -->\n" * count
    html = (
        '<html lang="en"><body>\n<!-- oopslint-disable TYP -->\n'
        + regions
        + "<!-- oopslint-enable TYP -->\n<p>A recieve here is reported.</p>\n"
        + '<img src="https://cdn.example.com/a.gif">\n<!-- oopslint-enable -->\n'
        + '<img src="https://cdn.example.com/b.gif">\n</body></html>\n'
    )
    report = finishes(lambda: lint(html, select=["TYP001", "TPL004"]))
    found = sorted((f.code, f.line) for f in report.findings if f.code != "OOPS002")
    assert found == [("TPL004", line_of(html, "b.gif")), ("TYP001", line_of(html, "recieve"))]
    unused = [f for f in report.findings if f.code == "OOPS002"]
    # every TPL004 region covers a.gif, so none is stale; the TYP one was closed before the typo
    assert [(f.line, f.message) for f in unused] == [(2, "oopslint-disable TYP suppressed nothing")]


def test_many_distinct_unknown_words_are_each_reported_once_in_place() -> None:
    consonants, vowels = "bcdfghjklmnpqrstvwxz", "aeiou"
    made_up = [
        f"q{consonants[i % 20]}{vowels[i // 20 % 5]}{consonants[i // 100 % 20]}{vowels[i // 2000 % 5]}x"
        for i in range(3_000)
    ]
    body = "\n".join("<p>" + " ".join(made_up[i : i + 10]) + ".</p>" for i in range(0, len(made_up), 10))
    html = receipt_with("").replace("<body>", "<body>\n" + body, 1)
    report = finishes(lambda: lint(html, select=["TYP"]))
    unknown = {f.data["word"]: f for f in report.findings if f.code == "TYP002"}
    assert set(made_up) <= set(unknown)
    sample = made_up[1234]
    assert (unknown[sample].line, unknown[sample].column) == (
        line_of(html, sample),
        html.splitlines()[line_of(html, sample) - 1].index(sample) + 1,
    )
    assert_typo_found(report, html)


def test_scaling_bench_shapes_lint_cleanly_at_small_size() -> None:
    import importlib.util

    bench = Path(__file__).resolve().parents[1] / "bench" / "bench_scaling.py"
    spec = importlib.util.spec_from_file_location("bench_scaling", bench)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    import sys

    sys.path.insert(0, str(bench.parent))
    try:
        spec.loader.exec_module(module)
        for shape in module.SHAPES:
            result = module.measure_one(shape, 5_000)
            assert result["findings"] >= 1 and result["output_bytes"] > 0, shape
    finally:
        sys.path.remove(str(bench.parent))


def test_linting_leaves_the_garbage_collector_as_the_application_set_it() -> None:
    import gc

    html = receipt_with("")
    assert gc.isenabled()
    lint(html)
    assert gc.isenabled()
    gc.disable()
    try:
        lint(html + "<!-- again -->")
        assert not gc.isenabled()
    finally:
        gc.enable()
    import asyncio

    asyncio.run(oopslint.alint(html + "<!-- async -->", mode="template", offline=True, config={}))
    assert gc.isenabled()


@pytest.mark.parametrize(
    "prefix,repeated,suffix",
    [
        ("<a ", "<% ", ">x</a>"),
        ("<a ", "{% ", ">x</a>"),
        ("<a ", "{{ ", ">x</a>"),
        ("<a ", "{# ", ">x</a>"),
        ("<a ", "<#if ", ">x</a>"),
        ("", "<% ", ""),
        ("", "<#-- ", ""),
        ("", "@if( ", ""),
        ("", "@{ ", ""),
        ("", "${ ", ""),
    ],
)
def test_unclosed_template_tags_by_the_thousand_finish_and_the_email_is_still_checked(
    prefix: str, repeated: str, suffix: str
) -> None:
    # each opener without its closer made a scan try every later one up to the end
    # ("<a <% <% ..." of 150 KB ran for minutes); the email around them is still read
    html = receipt_with(prefix + repeated * 40_000 + suffix)
    report = finishes(lambda: lint(html), seconds=30)
    assert_typo_found(report, html)


def test_ten_thousand_links_in_one_paragraph_are_judged_in_linear_time() -> None:
    # CTR003 looked through every text segment of the email for each link's own text
    links = "".join(
        f'see all the details for <a href="https://acme.example/{i}" style="color:#444444;text-decoration:none">item {i}</a> here '
        for i in range(10_000)
    )
    html = f'<html lang="en"><body><p style="color:#333333">{links}</p></body></html>'
    report = finishes(lambda: oopslint.lint(html, config={"select": ["CTR003"]}), seconds=30)
    assert len(report.findings) == 10_000
    assert report.findings[0].message.startswith("Link 'item 0' is not underlined and its colour #444444 is 1.")
