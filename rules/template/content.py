"""TPL002 placeholder text and TPL003 test markers: copy that must never reach a customer."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from oopslint import Email, Finding, SendContext, Severity, rule

from ._common import TextRun, allowed, normalized, text_runs, user_patterns

# a check gets the run's text and the match; False means "not a placeholder here"
Check = Callable[[str, "re.Match[str]"], bool]


@dataclass(frozen=True)
class Pattern:
    kind: str
    regex: re.Pattern[str]
    explanation: str
    soft: bool = False  # a warning in template mode, an error in rendered mode
    fixed: Severity | None = None  # always this severity (lower-confidence patterns)
    once_per_run: bool = False
    check: Check | None = None
    only_in: frozenset[str] | None = None  # run kinds ("subject", "preheader") it applies to
    needles: tuple[str, ...] = ()  # lower-case strings one of which any match contains: a fast pre-check


def _pattern(kind: str, regex: str, explanation: str, *, flags: int = re.I, **extra: Any) -> Pattern:
    return Pattern(kind, re.compile(regex, flags), explanation, **extra)


# ------------------------------------------------------------------ placeholders

_NOT_TAG_BEFORE = r"(?<![\w%@*|{\[$#<])"
_NOT_TAG_AFTER = r"(?![\w%@|}\]>])"

_ROMAN_CONTEXT = re.compile(
    r"(?:bowl|chapter|vol|volume|part|book|edition|issue|season|episode|act|scene|game|games|olympiad|no)\.?\s*$", re.I
)
#: Nouns that name a value to fill in. A bracketed phrase is a placeholder when
#: one of them is its head (last) word: [Product Name], [email address], [Date];
#: "[Price Drop]" and "[Time Sensitive]" are subject tags, not placeholders.
_PLACEHOLDER_NOUNS = frozenset(
    """name names company business brand product address email e-mail date time day days month year number
    amount price link url website city state country phone code title sender recipient customer user username
    store signature logo percent discount headline heading text copy image photo picture description""".split()
)
_INSTRUCTION_WORDS = frozenset("insert enter type put paste replace fill include your".split())
_SINGLE_LETTER = re.compile(r"^(?:x|n|#)$", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def _bracket_is_placeholder(text: str, match: "re.Match[str]") -> bool:
    inner = match.group(1).strip()
    if not inner or "\ufffc" in inner or ":" in inner or any(ch.isdigit() for ch in inner):
        return False  # merge tags, "[Photo: Jane Doe]" credits, "[1]" footnotes
    if _SINGLE_LETTER.match(inner):
        # "[x] days" is a placeholder; "[x] Done" at the start of a line is a checkbox
        before = text[: match.start()].rstrip(" \t")
        return bool(before) and not before.endswith("\n")
    words = _WORD.findall(inner.split(",", 1)[0])
    if not words or len(words) > 6:
        return False
    if len(inner) - sum(len(w) for w in _WORD.findall(inner)) > len(words) + 6:
        return False  # mostly punctuation or symbols: not a phrase
    lowered = [w.lower().strip("'’") for w in words]
    if len(words) == 1 and words[0].isupper() and len(words[0]) > 1:
        return False  # [PDF], [EXTERNAL], [SPAM]: labels, not placeholders
    if lowered[0] in _INSTRUCTION_WORDS:
        return True  # [Your Company], [Insert logo]
    if lowered[0] in ("link", "url") and len(lowered) > 1 and lowered[1] == "to":
        return True  # [link to the article]
    return lowered[-1] in _PLACEHOLDER_NOUNS


def _x_run_is_placeholder(text: str, match: "re.Match[str]") -> bool:
    after = text[match.end() : match.end() + 2]
    before = text[max(0, match.start() - 2) : match.start()]
    # XXXX-XXXX-XXXX-4242 and 12-XXX are masked numbers, not placeholders
    if re.match(r"[-./ ]?\d", after) or re.search(r"\d[-./ ]?$", before):
        return False
    if re.match(r"-[A-Za-z]", after):
        return False  # XXX-Large
    run = match.group(0)
    if re.fullmatch(r"X{3}", run) and _ROMAN_CONTEXT.search(text[: match.start()]):
        return False  # Super Bowl XXX, Chapter XXX
    return True


def _todo_is_placeholder(text: str, match: "re.Match[str]") -> bool:
    return not re.match(r"\s+(?:list|lists|app|apps|item|items)\b", text[match.end() :], re.I)


PLACEHOLDERS: tuple[Pattern, ...] = (
    _pattern(
        "lorem-ipsum",
        r"\b(?:lorem\s+ipsum|ipsum\s+dolor|dolor\s+sit\s+amet|consectetur\s+adipiscing|sed\s+do\s+eiusmod)\b",
        "filler text that was never replaced",
        once_per_run=True,
        needles=("ipsum", "dolor", "consectetur", "eiusmod"),
    ),
    _pattern(
        "todo",
        r"(?<![\w%@*|{\[$#<-])(?:TODO|FIXME|TKTK)(?![\w%@|}\]>-])",
        "a note to the author left in the copy",
        flags=0,
        check=_todo_is_placeholder,
        needles=("todo", "fixme", "tktk"),
    ),
    _pattern(
        "tbd",
        r"(?<![\w%@*|{\[$#<-])TBD(?![\w%@|}\]>-])",
        "a detail marked 'to be decided'; fill it in, or allow it if it is meant to go out",
        flags=0,
        fixed=Severity.WARNING,
        needles=("tbd",),
    ),
    _pattern(
        "xxx",
        r"(?<![\w$€£¥])(?:[$€£¥]\s?X+(?:[.,]X+)?|X{1,3}%|X{2}(?:[/.-]X{2,4}){1,2}|X{3,}(?:[-./ ]X{2,})*)(?![\w%])",
        "a run of X's standing in for a real value",
        flags=0,
        check=_x_run_is_placeholder,
        needles=("xx", "x%", "$x", "€x", "£x", "¥x"),
    ),
    _pattern(
        "bare-field-name",
        _NOT_TAG_BEFORE + r"(?:FNAME|LNAME|FIRSTNAME|LASTNAME|FIRST_NAME|LAST_NAME|FULLNAME|FULL_NAME|"
        r"EMAIL_ADDRESS|COMPANY_NAME)" + _NOT_TAG_AFTER,
        "a merge field that lost its tag delimiters (like *|FNAME|*), so recipients see the field's name",
        flags=0,
        needles=("name", "email_address"),
    ),
    _pattern(
        "instruction",
        r"[\[{]\s*(?:insert|enter|type|put|paste|replace|fill\s+in|include|add(?!\s+to\b))\b[^\]}\n]{0,80}[\]}]"
        r"|\(\s*(?:insert|enter|type|put|paste|add)\b[^)\n]{0,60}\bhere\s*\)",
        "an instruction to the author, not copy for the recipient",
        needles=("[", "{", "("),
    ),
    _pattern(
        "text-here",
        r"\b(?:(?:your|some|insert|enter|add|type|put|write|place|sample|example|placeholder|dummy|body|button|link|"
        r"heading|headline|title|subtitle|intro|footer|header|preheader|preview|snippet|caption|cta)\s+)+"
        r"(?:text|copy|headline|heading|title|subtitle|caption|tagline|snippet|paragraph)\s+(?:goes\s+|comes\s+)?here\b"
        r"|\b(?:text|copy|content|headline|heading|title|subtitle|caption|description|image|logo|cta|button)\s+"
        r"(?:goes|comes)\s+here\b",
        "template placeholder copy",
        needles=("here",),
    ),
    _pattern(
        "click-to-edit",
        r"\b(?:double[- ]?click|click)\s+(?:here\s+)?to\s+(?:edit|add|change)(?:\s+(?:this\s+)?(?:text|heading|title|"
        r"content|image|button))?(?=[^\S\n]*(?:$|[.!…:\n\x00]))|\bedit\s+this\s+text\b",
        "an editor's placeholder copy",
        needles=("edit",),
    ),
    _pattern(
        "example-text",
        r"\bthis\s+is\s+(?:a\s+|an\s+|the\s+|some\s+|just\s+)?(?:preheader|pre-header|preview|example|sample|"
        r"placeholder|dummy|filler|demo)\s+(?:text|copy|content)\b"
        r"|\b(?:placeholder|dummy|filler)\s+text\b",
        "boilerplate example copy",
        soft=True,
        needles=("text", "copy", "content"),
    ),
    _pattern(
        "bracket",
        r"\[([^\[\]\n]{1,60})\]",
        "a bracketed placeholder",
        soft=True,
        check=_bracket_is_placeholder,
        needles=("[",),
    ),
)


def _severity(pattern: Pattern, mode: str) -> Severity:
    if pattern.fixed is not None:
        return pattern.fixed
    if pattern.soft and mode == "template":
        return Severity.WARNING
    return Severity.ERROR


_SEPARATOR = "\n\x00\n"  # between runs: no pattern matches across it, and it reads as a line start


@dataclass(frozen=True)
class Hit:
    run: TextRun
    pattern: Pattern
    start: int  # offsets in run.text
    end: int
    text: str


def _joined(runs: list[TextRun]) -> tuple[str, list[int]]:
    starts = []
    pieces = []
    position = 0
    for run in runs:
        starts.append(position)
        pieces.append(run.text)
        position += len(run.text) + len(_SEPARATOR)
    return _SEPARATOR.join(pieces), starts


def _scan(runs: list[TextRun], patterns: tuple[Pattern, ...], allow: frozenset[str]) -> Iterator[Hit]:
    """Every pattern over all runs at once (one regex pass per pattern, not per run);
    a later pattern never reports text an earlier one already reported."""
    text, starts = _joined(runs)
    taken: dict[int, list[tuple[int, int]]] = {}
    reported_once: set[tuple[int, int]] = set()
    lowered = text.lower()
    for number, pattern in enumerate(patterns):
        if pattern.needles and not any(needle in lowered for needle in pattern.needles):
            continue
        if pattern.only_in is not None:
            chosen = [(i, run.text) for i, run in enumerate(runs) if run.where in pattern.only_in]
        else:
            chosen = [(-1, text)]
        for fixed_index, haystack in chosen:
            for match in pattern.regex.finditer(haystack):
                if match.end() == match.start():
                    continue
                if fixed_index >= 0:
                    index, offset = fixed_index, 0
                else:
                    index = bisect_right(starts, match.start()) - 1
                    offset = starts[index]
                if pattern.once_per_run and (index, number) in reported_once:
                    continue
                shown = match.group(0)
                if normalized(shown) in allow:
                    continue
                if pattern.check is not None and not pattern.check(haystack, match):
                    continue
                local_start, local_end = match.start() - offset, match.end() - offset
                spans = taken.setdefault(index, [])
                if any(local_start < end and start < local_end for start, end in spans):
                    continue
                spans.append((local_start, local_end))
                reported_once.add((index, number))
                yield Hit(runs[index], pattern, local_start, local_end, shown)


def _where(run: TextRun) -> str:
    return "the " + run.where


@rule(
    code="TPL002",
    name="placeholder-text",
    summary="Placeholder text (lorem ipsum, TODO, [Product Name], 'Your text here') is still in the email",
    severity="error",
    section="template",
    options={"placeholder_patterns": [], "placeholder_allow": []},
    option_docs={
        "placeholder_patterns": "extra regular expressions (case-insensitive) that mark placeholder text",
        "placeholder_allow": "exact texts never reported, e.g. [\"TBD\"] for event copy",
    },
)
def placeholder_text(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports copy that stands in for real content: lorem ipsum, `TODO`/`FIXME`,
    `TBD`, runs of X's standing in for a value (`XXX-XXX-XXXX`, `$XX.XX`, `XX%`),
    instructions to the author (`[Insert logo]`, `(add a photo here)`), editor
    copy ("Your text here", "Snippet text here", "Headline goes here", "Click to
    edit"), merge-field names that lost their delimiters ("Hi FNAME,"), example
    copy ("This is preheader text") and bracketed placeholders in the style of
    Postmark's templates (`[Product Name]`, `[Company Name, LLC]`, `[x] days`).
    The subject, body text, preheader, hidden text, alt and title text are read;
    merge tags are masked first, so `{{ name }}` never counts.

    Severity: an error, except bracketed placeholders and example copy, which are
    warnings in template mode (they are scaffolding a template is expected to
    fill) and errors in rendered mode, and `TBD`, always a warning (event copy
    says "Venue: TBD" on purpose). Masked numbers are not placeholders:
    `XXXX-XXXX-XXXX-4242`, `XXX-Large` and "Super Bowl XXX" are left alone, and so
    are lower-case "todo list" copy, `[PDF]`-style labels, `[1]` footnotes and
    `[Read more]`-style links.

    Why is this bad?
    Placeholder copy that ships makes the sender look careless at best; "Hi FNAME,"
    or a price of "$XX.XX" in a promotion makes the email useless.

    Example
    ```html
    <h1>Your headline here</h1>
    <p>Thanks for using [Product Name]. Your code expires on XX/XX.</p>
    ```

    Use instead
    ```html
    <h1>Your order is on its way</h1>
    <p>Thanks for using Acme. Your code expires on {{ expires_on }}.</p>
    ```
    Add your own patterns with `placeholder_patterns`; allow exact texts (such as
    "TBD") with `placeholder_allow`.
    """
    extra = user_patterns(options, "placeholder_patterns")
    patterns = PLACEHOLDERS + tuple(
        Pattern("custom", regex, "matches a pattern in placeholder_patterns") for regex in extra
    )
    allow = allowed(options, "placeholder_allow")
    for hit in _scan(text_runs(email), patterns, allow):
        run, pattern = hit.run, hit.pattern
        shown = " ".join(hit.text.split())
        severity = _severity(pattern, context.mode)
        explanation = pattern.explanation
        if pattern.kind == "bracket":
            explanation += (
                ": recipients will see it as typed" if context.mode == "rendered"
                else "; replace it with the real value before this template is sent"
            )
        yield Finding(
            f"Placeholder text {shown!r} in {_where(run)}: {explanation}",
            span=run.span(email, hit.start, hit.end),
            severity=severity,
            data={"text": shown, "kind": pattern.kind, "where": run.where},
        )


# ------------------------------------------------------------------ test markers

_PROSE_BEFORE_TEST = re.compile(
    r"(?:\b(?:a|an|the|your|our|my|their|send|sends|sending|sent|another|each|every|first|one|any|free|split|"
    r"a/b|ab)|\bA/B)\s+$",
    re.I,
)


def _test_email_is_marker(text: str, match: "re.Match[str]") -> bool:
    return not _PROSE_BEFORE_TEST.search(text[: match.start()])


TEST_MARKERS: tuple[Pattern, ...] = (
    _pattern(
        "bracketed",
        r"\[\s*(?:test|testing|draft|qa|uat|staging|internal(?:\s+only)?|proof|seed|sandbox|do\s+not\s+send)\s*\]"
        r"|\((?:TEST|TESTING|DRAFT|QA|STAGING|PROOF|DO NOT SEND)\)",
        "a test marker",
        needles=("[", "("),
    ),
    _pattern(
        "prefix",
        r"^\s*(?:TEST|TESTING|DRAFT|QA|STAGING|PROOF)\s*[:|–—-]",
        "a test marker",
        flags=0,
        only_in=frozenset(("subject", "preheader")),
    ),
    _pattern("do-not-send", r"\bDO\s+NOT\s+SEND\b", "a note that this email must not be sent", flags=0,
             needles=("send",)),
    _pattern(
        "do-not-send-note",
        r"\b(?:do\s+not|don[’']?t)\s+send\b"
        r"(?=[^\S\n]*(?:$|[.!:;)\]|–—\n\x00-]|yet\b|this\s+(?:e-?mail|message|version|draft)\b))",
        "a note that this email must not be sent",
        needles=("send",),
    ),
    _pattern(
        "kind-of-test",
        r"\b(?:integration|smoke|regression|load|qa|uat|e2e|end-to-end|automated|internal|seed)\s+test\s+"
        r"(?:e-?mail|message|send|campaign|notification)\b(?:\s*(?:#|no\.?\s*)?\d+\b)?",
        "a test send",
        needles=("test",),
    ),
    _pattern(
        "numbered",
        r"\b(?:test|testing)\s+(?:e-?mail|message|send|campaign|newsletter|notification|mailing)"
        r"\s*(?:#|no\.?\s*)?\d+\b",
        "a numbered test send",
        needles=("test",),
    ),
    _pattern(
        "this-is-a-test",
        r"\bthis\s+is\s+(?:just\s+|only\s+)?(?:a|another)\s+test\b(?!\s+of\s+(?:your|our)\b)",
        "a test marker",
        needles=("test",),
    ),
    _pattern("testing-123", r"\btesting\s*,?\s*(?:1\s*,?\s*2\s*,?\s*3|one\s*,?\s*two(?:\s*,?\s*three)?)\b",
             "a test marker", needles=("testing",)),
    _pattern("test-test", r"\b(?:test\s*123|test\s+test)\b", "a test marker", needles=("test",)),
    _pattern(
        "test-email",
        r"(?<![\w/-])test\s+(?:e-?mail|message|send)\b",
        "reads like a test send",
        check=_test_email_is_marker,
        fixed=Severity.WARNING,
        needles=("test",),
    ),
)

_TEST_SUBJECT = re.compile(
    r"^\s*(?:test|testing|tester|test\s*\d+|asdf+|qwerty|foo|foobar|hello\s+world|sample)\s*[.!]?\s*$", re.I
)


@rule(
    code="TPL003",
    name="test-marker",
    summary="A test marker ('[TEST]', 'Test email #1', 'DO NOT SEND') is in the email",
    severity="error",
    section="template",
    options={"test_marker_patterns": [], "test_marker_allow": []},
    option_docs={
        "test_marker_patterns": "extra regular expressions (case-insensitive) that mark a test or draft",
        "test_marker_allow": "exact texts never reported",
    },
)
def leftover_test_marker(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports words that mark an email as a test or draft, in the subject, body,
    preheader, hidden, alt and title text: `[TEST]`, `[DRAFT]`, `(QA)`, a subject
    that starts `TEST:` or is just "test", "DO NOT SEND", "Test email #3",
    "Integration Test Email #1", "This is a test", "testing 1 2 3".

    It reads words, not letters: "testing", "latest", "contest", "attest" and
    "testimonial" never match, and neither does prose about tests ("send a test
    email to your team", "an A/B test message", "please do not send cash"). A
    bare "Test email" that is not a heading-like marker is reported as a warning,
    because it can be ordinary copy.

    Why is this bad?
    Test sends escape: a retailer once mailed "Integration Test Email #1" to its
    whole list. A marker that reaches customers is embarrassing, and it means
    the wrong version (or the wrong audience) went out.

    Example
    ```text
    Subject: [TEST] Spring sale starts now
    ```

    Use instead
    ```text
    Subject: Spring sale starts now
    ```
    Keep test markers out of templates, or add them only in the sending tool's
    test-send path. Extra markers: `test_marker_patterns`; exact texts to allow:
    `test_marker_allow`.
    """
    extra = user_patterns(options, "test_marker_patterns")
    patterns = TEST_MARKERS + tuple(
        Pattern("custom", regex, "matches a pattern in test_marker_patterns") for regex in extra
    )
    allow = allowed(options, "test_marker_allow")
    subject = email.subject_segment
    if subject is not None and _TEST_SUBJECT.match(subject.text) and normalized(subject.text) not in allow:
        shown = " ".join(subject.text.split())
        yield Finding(
            f"The subject {shown!r} is a test subject: this looks like a test send",
            span=email.segment_span(subject, 0, len(subject.text)),
            data={"text": shown, "kind": "test-subject", "where": "subject"},
        )
    for hit in _scan(text_runs(email), patterns, allow):
        run, pattern = hit.run, hit.pattern
        shown = " ".join(hit.text.split())
        severity = pattern.fixed or Severity.ERROR
        if pattern.kind == "test-email" and run.where == "subject":
            severity = Severity.ERROR
        yield Finding(
            f"Test marker {shown!r} in {_where(run)}: {pattern.explanation}; it must never reach customers",
            span=run.span(email, hit.start, hit.end),
            severity=severity,
            data={"text": shown, "kind": pattern.kind, "where": run.where},
        )
