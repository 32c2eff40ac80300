"""TPL002 placeholder-text: Placeholder text (lorem ipsum, TODO, [Product Name], 'Your text here') is still in the email."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, Severity, rule
from oopslint.text import (
    BLIND_TEXT,
    FILLER_SIGNATURE,
    THEMED_IPSUM,
    TextRun,
    filler_segments,
    find_filler,
    is_themed_ipsum,
    text_runs,
)

from ._common import (
    Hit,
    Pattern,
    allowed,
    make_pattern,
    normalized,
    run_place,
    scan_runs,
    user_patterns,
)

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


def _bracket_is_placeholder(text: str, match: re.Match[str]) -> bool:
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


def _x_run_is_placeholder(text: str, match: re.Match[str]) -> bool:
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


def _todo_is_placeholder(text: str, match: re.Match[str]) -> bool:
    return not re.match(r"\s+(?:list|lists|app|apps|item|items)\b", text[match.end() :], re.I)


LOREM_IPSUM = make_pattern(
    "lorem-ipsum",
    FILLER_SIGNATURE.pattern,
    "filler text that was never replaced",
    once_per_run=True,
    needles=("ipsum", "dolor", "consectetur", "eiusmod"),
)

THEMED_IPSUM_PATTERN = make_pattern(
    "themed-ipsum",
    THEMED_IPSUM.pattern,
    "filler text from an ipsum generator that was never replaced",
    once_per_run=True,
    check=lambda text, match: is_themed_ipsum(match.group()),
    needles=("ipsum",),
)
BLIND_TEXT_PATTERN = make_pattern(
    "blind-text",
    BLIND_TEXT.pattern,
    'filler text (the "Far far away" blind text) that was never replaced',
    once_per_run=True,
    needles=("mountains", "vokalia", "blind", "bookmarksgrove", "duden", "oxmox", "europan"),
)
#: The filler patterns, in the order they are tried.
FILLER_PATTERNS = (THEMED_IPSUM_PATTERN, LOREM_IPSUM, BLIND_TEXT_PATTERN)

PLACEHOLDERS: tuple[Pattern, ...] = (
    *FILLER_PATTERNS,
    make_pattern(
        "todo",
        r"(?<![\w%@*|{\[$#<-])(?:TODO|FIXME|TKTK)(?![\w%@|}\]>-])",
        "a note to the author left in the copy",
        flags=0,
        check=_todo_is_placeholder,
        needles=("todo", "fixme", "tktk"),
    ),
    make_pattern(
        "tbd",
        r"(?<![\w%@*|{\[$#<-])TBD(?![\w%@|}\]>-])",
        "a detail marked 'to be decided'; fill it in, or allow it if it is meant to go out",
        flags=0,
        fixed=Severity.WARNING,
        needles=("tbd",),
    ),
    make_pattern(
        "xxx",
        r"(?<![\w$€£¥])(?:[$€£¥]\s?X+(?:[.,]X+)?|X{1,3}%|X{2}(?:[/.-]X{2,4}){1,2}|X{3,}(?:[-./ ]X{2,})*)(?![\w%])",
        "a run of X's standing in for a real value",
        flags=0,
        check=_x_run_is_placeholder,
        needles=("xx", "x%", "$x", "€x", "£x", "¥x"),
    ),
    make_pattern(
        "bare-field-name",
        _NOT_TAG_BEFORE + r"(?:FNAME|LNAME|FIRSTNAME|LASTNAME|FIRST_NAME|LAST_NAME|FULLNAME|FULL_NAME|"
        r"EMAIL_ADDRESS|COMPANY_NAME)" + _NOT_TAG_AFTER,
        "a merge field that lost its tag delimiters (like *|FNAME|*), so recipients see the field's name",
        flags=0,
        needles=("name", "email_address"),
    ),
    make_pattern(
        "instruction",
        r"[\[{]\s*(?:insert|enter|type|put|paste|replace|fill\s+in|include|add(?!\s+to\b))\b[^\]}\n]{0,80}[\]}]"
        r"|\(\s*(?:insert|enter|type|put|paste|add)\b[^)\n]{0,60}\bhere\s*\)",
        "an instruction to the author, not copy for the recipient",
        needles=("[", "{", "("),
    ),
    make_pattern(
        "text-here",
        r"\b(?:(?:your|some|insert|enter|add|type|put|write|place|sample|example|placeholder|dummy|body|button|link|"
        r"heading|headline|title|subtitle|intro|footer|header|preheader|preview|snippet|caption|cta)\s+)+"
        r"(?:text|copy|headline|heading|title|subtitle|caption|tagline|snippet|paragraph)\s+(?:goes\s+|comes\s+)?here\b"
        r"|\b(?:text|copy|content|headline|heading|title|subtitle|caption|description|image|logo|cta|button)\s+"
        r"(?:goes|comes)\s+here\b",
        "template placeholder copy",
        needles=("here",),
    ),
    make_pattern(
        "click-to-edit",
        r"\b(?:double[- ]?click|click)\s+(?:here\s+)?to\s+(?:edit|add|change)(?:\s+(?:this\s+)?(?:text|heading|title|"
        r"content|image|button))?(?=[^\S\n]*(?:$|[.!…:\n\x00]))|\bedit\s+this\s+text\b",
        "an editor's placeholder copy",
        needles=("edit",),
    ),
    make_pattern(
        "example-text",
        r"\bthis\s+is\s+(?:a\s+|an\s+|the\s+|some\s+|just\s+)?(?:preheader|pre-header|preview|example|sample|"
        r"placeholder|dummy|filler|demo)\s+(?:text|copy|content)\b"
        r"|\b(?:placeholder|dummy|filler)\s+text\b",
        "boilerplate example copy",
        soft=True,
        needles=("text", "copy", "content"),
    ),
    make_pattern(
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


def _latin_passages(email: Email, runs: list[TextRun], allow: frozenset[str]) -> Iterator[Hit]:
    """Lorem ipsum's Latin in a run that never says "lorem ipsum" ("Duis aute
    irure dolor ..."): once per run, shown by its first three words."""
    in_filler = filler_segments(email)  # the segments of every run with filler, found once per email
    if not in_filler:
        return
    with_filler = {id(hit.run) for hit in scan_runs(runs, FILLER_PATTERNS, frozenset())}
    for run in runs:
        if id(run) in with_filler or not run.pieces or id(run.pieces[0][1]) not in in_filler:
            continue
        for passage in find_filler(run.text):
            if passage.kind != "latin":
                continue
            words = list(re.finditer(r"\S+", run.text[passage.start : passage.end]))[:3]
            end = passage.start + words[-1].end()
            shown = run.text[passage.start : end].rstrip(",:;")
            end = passage.start + len(shown)
            if normalized(shown) not in allow:
                yield Hit(run, LOREM_IPSUM, passage.start, end, shown)
            break


@rule(
    code="TPL002",
    name="placeholder-text",
    summary="Placeholder text (lorem ipsum, TODO, [Product Name], 'Your text here') is still in the email",
    severity="error",
    section="template",
    options={"placeholder_patterns": [], "placeholder_allow": []},
    option_docs={
        "placeholder_patterns": "extra regular expressions (case-insensitive) that mark placeholder text",
        "placeholder_allow": 'exact texts never reported, e.g. ["TBD"] for event copy',
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
    merge tags are masked first, so `{{ name }}` never counts. Stand-in copy is
    one finding per sentence ("Snippet text here lorem ipsum is dummy text"
    names the rest in its message); each value left to fill in
    (`[Sender Name]`, `$XX.XX`) is a finding of its own.

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
    runs = text_runs(email)
    for hit, others in _by_sentence(runs, [*scan_runs(runs, patterns, allow), *_latin_passages(email, runs, allow)]):
        run, pattern = hit.run, hit.pattern
        shown = " ".join(hit.text.split())
        severity = max(_severity(item.pattern, context.mode) for item in (hit, *others))
        explanation = pattern.explanation
        if others:
            explanation += " (in the same sentence: " + ", ".join(repr(" ".join(o.text.split())) for o in others) + ")"
        if pattern.kind == "bracket":
            explanation += (
                ": recipients will see it as typed"
                if context.mode == "rendered"
                else "; replace it with the real value before this template is sent"
            )
        yield Finding(
            f"Placeholder text {shown!r} in {run_place(run)}: {explanation}",
            span=run.span(email, hit.start, hit.end),
            severity=severity,
            data={
                "text": shown,
                "kind": pattern.kind,
                "where": run.where,
                **({"also": [" ".join(o.text.split()) for o in others]} if others else {}),
            },
        )


_SENTENCE_END = re.compile(r"[.!?…\n\x00]")


#: hits that say the copy itself is a stand-in (one sentence of it is one problem), unlike a
#: value left to fill in ([Sender Name], $XX.XX), which each need their own fix
_STAND_IN_COPY = frozenset(("lorem-ipsum", "themed-ipsum", "blind-text", "text-here", "click-to-edit", "example-text"))


def _by_sentence(runs: list[TextRun], hits: list[Hit]) -> Iterator[tuple[Hit, list[Hit]]]:
    """Hits in reading order, stand-in copy of one sentence together ("Snippet
    text here lorem ipsum is dummy text" is one placeholder, not three): the
    first, and the rest."""
    order = {id(run): index for index, run in enumerate(runs)}
    group: list[Hit] = []
    for hit in sorted(hits, key=lambda item: (order.get(id(item.run), len(runs)), item.start)):
        if group:
            last = group[-1]
            if (
                hit.run is last.run
                and hit.pattern.kind in _STAND_IN_COPY
                and last.pattern.kind in _STAND_IN_COPY
                and (hit.start < last.end or not _SENTENCE_END.search(hit.run.text, last.end, hit.start))
            ):
                group.append(hit)
                continue
            yield group[0], group[1:]
        group = [hit]
    if group:
        yield group[0], group[1:]
