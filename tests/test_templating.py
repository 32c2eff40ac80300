"""Merge-tag scanning: each dialect is searched on its own, and the tokens are
exactly those of one scan with every dialect's patterns as alternatives."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from oopslint.templating import DEFAULT_DIALECTS, DIALECTS, find_tokens

PIECES = [
    "{{", "}}", "{{{", "}}}", "{%", "%}", "{#", "#}", "*|", "|*", "%%", "%%[", "]%%", "%%=", "=%%",
    "[", "]", "[[", "]]", "@", "@AB@", "%A%", "[ab]", ",fallback=", "{contactfield=a}", "A", "x", "=", " ", "\n",
]  # fmt: skip


def one_scan(text: str, dialects: tuple[str, ...]) -> list[tuple[int, int, str, str]]:
    parts = [f"(?P<{name.replace('-', '_')}>{'|'.join(DIALECTS[name].patterns)})" for name in dialects]
    pattern = re.compile("(?:" + "|".join(parts) + ")", re.DOTALL)
    return [(m.start(), m.end(), m.group(), str(m.lastgroup).replace("_", "-")) for m in pattern.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
    st.sampled_from([DEFAULT_DIALECTS, tuple(DIALECTS), tuple(reversed(DIALECTS)), ("brackets", "iterable")]),
)
def test_tokens_are_those_of_one_scan_with_every_dialect(text: str, dialects: tuple[str, ...]) -> None:
    found = [(t.start, t.end, t.text, t.dialect) for t in find_tokens(text, dialects)]
    assert found == one_scan(text, dialects)


def test_overlapping_tags_of_two_dialects_keep_the_leftmost_then_resume_after_it() -> None:
    text = "Hi [[first {{ name }}]] and *|LNAME|* {{ x }}"
    tokens = find_tokens(text, DEFAULT_DIALECTS)
    assert [(t.text, t.dialect) for t in tokens] == [
        ("[[first {{ name }}]]", "iterable"),
        ("*|LNAME|*", "mailchimp"),
        ("{{ x }}", "jinja"),
    ]


def test_tokens_in_every_fixture_email_are_those_of_one_scan() -> None:
    # a dialect is searched only in texts holding one of its start characters:
    # real emails, tags or none, must give what one scan with every pattern gives
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "fixtures"
    emails = sorted(p for p in root.rglob("*") if p.suffix in (".html", ".eml") and p.is_file())
    assert emails
    for path in emails:
        text = path.read_text(encoding="utf-8", errors="replace")
        for dialects in (DEFAULT_DIALECTS, tuple(DIALECTS)):
            found = [(t.start, t.end, t.text, t.dialect) for t in find_tokens(text, dialects)]
            assert found == one_scan(text, dialects), path


def test_a_text_scanned_again_gives_its_tokens_anew() -> None:
    # renders of one template repeat their texts; a caller changing the list it got changes nothing
    text = "Hi {{ name }}, your code is *|CODE|*"
    first = find_tokens(text)
    first.append(first[0])
    first[0] = first[1]
    again = find_tokens("".join(["Hi {{ name }}, ", "your code is *|CODE|*"]))
    assert [(t.start, t.text, t.dialect) for t in again] == [(3, "{{ name }}", "jinja"), (28, "*|CODE|*", "mailchimp")]
