"""Properties that hold for any input, checked on mutations of the real emails in fixtures/.

The parser, the engine and the context reader take untrusted input. Whatever the bytes:
no exception escapes but the documented ones (InputError from the parser, ContextError
from the context reader), no rule crashes (OOPS001), every position points inside the
input, and ``lint`` and ``alint`` agree. Example counts are bounded and derandomized so
CI runs the same examples each time, in a few seconds.
"""

from __future__ import annotations

import asyncio
import json
import string
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oopslint_testing import FIXTURES

import oopslint
from oopslint import ContextError, Email, InputError, Linter
from oopslint.context import load_context_file
from oopslint.suppressions import apply_suppressions, parse_directives

SEEDS = sorted(p for p in FIXTURES.rglob("*.html") if p.stat().st_size < 40_000)
SEED_TEXTS = [p.read_text(encoding="utf-8", errors="replace") for p in SEEDS]
CONTEXT_SEEDS = [
    json.loads(p.read_text(encoding="utf-8")) for p in sorted((FIXTURES / "triggers" / "contexts").glob("*.json"))
]

# pieces that have broken linters: unclosed and stray markup, entities, merge tags of
# every dialect, suppressions, conditional comments, odd whitespace and invisible characters
FRAGMENTS = [
    "<",
    ">",
    "</",
    "<!--",
    "-->",
    "<!-- oopslint-disable -->",
    "<!-- oopslint-enable TPL -->",
    "<!-- oopslint-disable-next-line TYP001,LNK -- why -->",
    "<!-- oopslint-disable-file -->",
    "<![CDATA[",
    "]]>",
    "<!DOCTYPE html>",
    "<?xml?>",
    "<p>",
    "</p>",
    "<td>",
    "<table>",
    "<li>",
    '<a href="',
    "<a href='https://example.com/a?b=1&amp;c=2'>go</a>",
    '<img src=x alt="',
    "<style>",
    "</style>",
    "<script>",
    "<title>",
    "<textarea>",
    "<br/>",
    '<v:rect href="x">',
    '<!--[if mso]><v:roundrect href="https://example.com"><![endif]-->',
    "&",
    "&amp;",
    "&#",
    "&#x;",
    "&#9999999;",
    "&#x110000;",
    "&nbsp;",
    "&zwnj;",
    "&lt;b&gt;",
    "&eacute",
    "{{",
    "}}",
    "{{ first_name }}",
    "{% if x %}",
    "*|FNAME|*",
    "%%Name%%",
    "%%[",
    "]%%",
    "[firstname,fallback=]",
    "@FIRSTNAME@",
    "{contactfield=x}",
    "[[x]]",
    "${X}",
    "\u200b",
    "\ufeff",
    "\u00ad",
    "\r",
    "\r\n",
    "\t",
    "\x00",
    "\x0c",
    "\ud7ff",
    "\U0001f600",
    "\u202e",
    'style="display:none"',
    'lang="zz-Qaaa"',
    'class="preheader"',
    "mailto:",
    "tel:",
    "javascript:",
    "http://[::1",
    "https://",
    "recieve",
    "the the",
    "Order #12345 shipped on 2019-02-30",
]

# a fixed alphabet (ASCII, accents, CJK, emoji, bidi and invisible characters) keeps
# hypothesis from building its whole-Unicode tables, which costs seconds per process
CHARACTERS = (
    string.printable
    + "\x00\x0b\x1b\u00a0\u00e9\u00fc\u00df\u0142\u4e2d\u6587\u0627\u05d0\u202e\u200b\ufeff\u2019\u201c\u2014\u2026\U0001f600\ufffd"
)

PROPERTY_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def mutated_emails(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEED_TEXTS))
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "repeat"]))
        start = draw(st.integers(0, len(text)))
        end = min(len(text), start + draw(st.integers(0, 400)))
        payload = draw(st.one_of(st.sampled_from(FRAGMENTS), st.text(alphabet=CHARACTERS, max_size=30)))
        if kind == "insert":
            text = text[:start] + payload + text[start:]
        elif kind == "delete":
            text = text[:start] + text[end:]
        elif kind == "replace":
            text = text[:start] + payload + text[end:]
        else:
            text = text[:start] + text[start:end] * draw(st.integers(2, 20)) + text[end:]
    return text


def _lines(text: str) -> list[str]:
    # lines as the parser numbers them: \r\n, \r and \n each end one
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def assert_positions_inside(report: oopslint.Report, text: str) -> None:
    lines = _lines(text)
    for finding in report.findings:
        assert finding.code != "OOPS001", finding.message
        if finding.span is None:
            continue
        span = finding.span
        assert 1 <= span.line <= len(lines), finding
        assert 1 <= span.column <= len(lines[span.line - 1]) + 1, finding
        assert span.line <= span.end_line <= len(lines), finding
        assert 1 <= span.end_column <= len(lines[span.end_line - 1]) + 1, finding
        assert (span.line, span.column) <= (span.end_line, span.end_column), finding


@PROPERTY_SETTINGS
@given(mutated_emails())
def test_parser_keeps_every_position_inside_the_input(html: str) -> None:
    try:
        email = Email.parse(html)
    except InputError as exc:
        assert str(exc)  # a one-line reason, never an empty message
        return
    size = len(email.html)
    for element in email.elements:
        assert 0 <= element.start <= element.end <= size
        for start, end in element.attr_spans.values():
            assert 0 <= start <= end <= size
    for segment in email.segments:
        assert 0 <= segment.offset(0) <= segment.offset(len(segment.text)) <= size
    for comment in email.comments:
        assert 0 <= comment.start <= comment.end <= size
    lines = len(_lines(email.html))
    for item in (*email.links, *email.images):
        assert 1 <= item.span.line <= item.span.end_line <= lines


@PROPERTY_SETTINGS
@given(mutated_emails(), st.sampled_from(["template", "rendered"]))
def test_engine_reports_inside_the_input_and_lint_and_alint_agree(html: str, mode: str) -> None:
    report = oopslint.lint(html, mode=mode, offline=True, config={})
    assert_positions_inside(report, html)
    again = asyncio.run(oopslint.alint(html, mode=mode, offline=True, config={}))

    def seen(r: oopslint.Report) -> list[tuple[Any, ...]]:
        return [(f.code, f.line, f.column, f.end_line, f.end_column, f.message) for f in r.findings]

    assert seen(again) == seen(report)


@PROPERTY_SETTINGS
@given(mutated_emails())
def test_bytes_and_text_of_an_email_lint_the_same(html: str) -> None:
    linter = Linter({}, offline=True, mode="template")
    as_text = linter.lint(html)
    as_bytes = linter.lint(html.encode("utf-8", "surrogatepass"))
    assert_positions_inside(as_bytes, html)
    if not any(f.code == "OOPS004" for f in as_text.findings):
        assert [(f.code, f.line, f.column) for f in as_bytes.findings if f.code != "OOPS003"] == [
            (f.code, f.line, f.column) for f in as_text.findings if f.code != "OOPS003"
        ]


def _suppressed_by_asking_everyone(email: Email, findings: list[oopslint.Finding]) -> tuple[list[str], list[str]]:
    """The plain definition: every directive asked about every finding. Returns the
    messages of the findings kept and of the suppressions that suppressed nothing."""
    directives = parse_directives(email)
    kept = []
    for finding in findings:
        hit = False
        for directive in directives:
            if directive.covers(finding):
                selector = directive.matching_selector(finding)
                if selector is not None:
                    directive.used.add(selector)
                    hit = True
        if not hit:
            kept.append(finding.message)
    unused = []
    for directive in directives:
        label = f"oopslint-{directive.kind}"
        if not directive.selectors:
            if "*" not in directive.used:
                unused.append(f"{label} suppressed nothing")
        else:
            unused += [f"{label} {s} suppressed nothing" for s in directive.selectors if s not in directive.used]
    return kept, unused


SUPPRESSION_LINES = [
    "<!-- oopslint-disable -->",
    "<!-- oopslint-disable TST -->",
    "<!-- oopslint-disable TST001 -->",
    "<!-- oopslint-disable TST002,TST001 -->",
    "<!-- oopslint-disable rule-b -->",
    "<!-- oopslint-enable -->",
    "<!-- oopslint-enable TST001 -->",
    "<!-- oopslint-enable TST -->",
    "<!-- oopslint-disable-next-line -->",
    "<!-- oopslint-disable-next-line TST002 -->",
    "<!-- oopslint-disable-file TST001 -->",
    "<p>text</p>",
    "<p>text</p> <!-- oopslint-disable-next-line TST001 --> <p>x</p>",
]


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(
    st.lists(st.sampled_from(SUPPRESSION_LINES), max_size=25),
    st.lists(
        st.tuples(
            st.integers(1, 30), st.integers(1, 60), st.sampled_from([("TST001", "rule-a"), ("TST002", "rule-b")])
        ),
        max_size=25,
    ),
)
def test_suppressions_match_the_plain_definition(
    lines: list[str], placed: list[tuple[int, int, tuple[str, str]]]
) -> None:
    email = Email.parse("<html><body>\n" + "\n".join(lines) + "\n</body></html>")
    findings = [
        oopslint.Finding(f"f{n}", span=oopslint.Span(line, column, line, column + 1), code=code, rule=name)
        for n, (line, column, (code, name)) in enumerate(placed)
    ]
    findings.append(oopslint.Finding("file-level", code="TST001", rule="rule-a"))
    expected_kept, expected_unused = _suppressed_by_asking_everyone(email, findings)
    result = apply_suppressions(
        email,
        findings,
        is_known=lambda s: True,
        ran=lambda s: True,
        make_finding=lambda message, span: oopslint.Finding(message, span=span, code="OOPS002"),
    )
    assert [f.message for f in result if f.code != "OOPS002"] == expected_kept
    assert sorted(f.message for f in result if f.code == "OOPS002") == sorted(expected_unused)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(alphabet=CHARACTERS, max_size=20)
    | st.sampled_from(
        [
            "2024-05-02T09:00:00Z",
            "2024-02-30T10:00:00Z",
            "2024-05-02T09:00:00",
            "yesterday",
            "shipped",
            "delivered",
            "marketing",
            "transactional",
            "",
            "1e309",
            "-1",
            "NaN",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(alphabet=CHARACTERS, max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


# what a timestamp field may hold: ISO text with and without offsets, epoch seconds, and
# numbers no calendar holds
TIMESTAMP_VALUES = st.one_of(
    st.sampled_from(
        [
            "2024-05-02T09:00:00Z",
            "2024-05-02T09:00:00+02:00",
            "2024-05-02T09:00:00",
            "2024-02-30",
            "9999-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
            float("inf"),
            float("-inf"),
            float("nan"),
            1e308,
            10**30,
            -(10**30),
            1_714_640_400,
            0,
            -1,
        ]
    ),
    st.floats(),
    st.integers(),
    JSON_VALUES,
)
TIME_PATHS = {"send_at", "event.at", "order.placed_at", "order.shipped_at"}


@st.composite
def mutated_contexts(draw: st.DrawFn) -> dict[str, Any]:
    context = json.loads(json.dumps(draw(st.sampled_from(CONTEXT_SEEDS))))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(
            st.sampled_from(
                [
                    "send_at",
                    "category",
                    "audience_size",
                    "subject",
                    "event.type",
                    "event.at",
                    "order.placed_at",
                    "order.shipped_at",
                    "order.status",
                    "order.id",
                    "recipient.email",
                    "event",
                    "order",
                ]
            )
        )
        node = context
        *parents, leaf = path.split(".")
        for part in parents:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[leaf] = draw(TIMESTAMP_VALUES if path in TIME_PATHS else JSON_VALUES)
    return context


RECEIPT = (FIXTURES / "triggers" / "postmark").glob("*.html")
TRIGGER_EMAIL = next(iter(sorted(RECEIPT)), None)


@PROPERTY_SETTINGS
@given(mutated_contexts(), st.sampled_from(["template", "rendered"]))
def test_context_values_are_read_or_reported_never_crash(context: dict[str, Any], mode: str) -> None:
    assert TRIGGER_EMAIL is not None
    html = TRIGGER_EMAIL.read_text(encoding="utf-8")
    report = oopslint.lint(html, context=context, mode=mode, offline=True, config={})
    assert_positions_inside(report, html)


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(st.binary(max_size=200) | st.text(alphabet=CHARACTERS, max_size=200), st.sampled_from([".json", ".yaml"]))
def test_context_files_are_read_or_refused_with_a_reason(content: bytes | str, suffix: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"context{suffix}"
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        try:
            data = load_context_file(path)
        except ContextError as exc:
            assert str(exc).startswith(f"context file {path}")
        else:
            assert isinstance(data, dict)
