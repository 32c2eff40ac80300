"""Helpers shared by the TPL rules: pattern scans over text runs, header places,
user patterns, readable message text."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from oopslint import ConfigError, Email, SendContext, Severity, Span
from oopslint.templating import MASK_CHAR
from oopslint.text import TextRun

try:  # hashlib's own BLAKE2b, without loading OpenSSL's bindings (hashlib's import) on every start
    from _blake2 import blake2b
except ImportError:  # an interpreter built without it
    from hashlib import blake2b

_MASK_RUN = re.compile(MASK_CHAR + "+")
_ELLIPSES = re.compile(r"…(?:[\s()\[\],.:;-]*…)+")


def readable(text: str, limit: int = 60) -> str:
    """Text for a message: masked merge tags shown as an ellipsis, whitespace collapsed."""
    text = " ".join(_MASK_RUN.sub("…", text).split())
    text = _ELLIPSES.sub("…", text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def is_partial(email: Email, context: SendContext) -> bool:
    """A template partial (a header or footer include): no <html> and no <body>.
    Rules about the whole message stay quiet on partials in template mode."""
    return context.mode == "template" and email.html_element is None and email.body_element is None


def is_marketing(context: SendContext, options: Any) -> bool | None:
    """True for marketing mail, False for transactional, None when unknown."""
    category = context.category
    if category == "marketing":
        return True
    if category:
        return False
    return True if options.get("assume_marketing") else None


def header_span(email: Email, name: str) -> Span | None:
    """The line of header ``name`` in an .eml file (column 1 to the end of its
    first line), or None for HTML input and messages built in memory."""
    message = email.headers
    if message is None or (email.path is None and email.line_offset == 0 and email.subject_span is None):
        return None
    line = 2 if message.get_unixfrom() else 1
    wanted = name.lower()
    for header, value in message.raw_items():
        if header.lower() == wanted:
            first_line = str(value).split("\n", 1)[0].rstrip("\r")
            return Span(line, 1, line, len(header) + 3 + len(first_line))
        line += 1 + str(value).count("\n")
    return None


def headers_anchor(email: Email) -> Span | None:
    """The first line of an .eml file, for findings about a header that is missing."""
    if email.headers is None or (email.path is None and email.line_offset == 0 and email.subject_span is None):
        return None
    return Span(1, 1, 1, 1)


def body_anchor(email: Email) -> Span:
    """Where a finding about the whole message points: the <body> start tag,
    else <html>, else the first line."""
    element = email.body_element or email.html_element
    if element is not None:
        return email.element_span(element)
    return email.span(0, 0)


_EMPTY_WEB_URL = re.compile(r"^(?:https?:/*|//)$", re.I)
_SCRIPT_SCHEME = re.compile(r"^(?:javascript|vbscript|data):", re.I)
_CONTROL = re.compile(r"[\s\x00-\x1f]+")


def dead_reason(url: str) -> tuple[str, str, Severity] | None:
    """(kind, explanation, severity) when an href goes nowhere, else None."""
    compact = _CONTROL.sub("", url)
    if not compact:
        return "empty", "has an empty href: it goes nowhere", Severity.ERROR
    if compact.strip("#!") == "":
        return "hash", f'points at "{compact}": a placeholder that goes nowhere', Severity.ERROR
    match = _SCRIPT_SCHEME.match(compact)
    if match:
        scheme = match.group(0).lower()
        if scheme == "data:":
            return "data", "uses a data: URL: mail clients block it, so the link does nothing", Severity.ERROR
        return (
            "script",
            f"uses a {scheme} URL: mail clients strip scripts, so the link does nothing and spam filters notice it",
            Severity.ERROR,
        )
    if _EMPTY_WEB_URL.match(compact):
        return "scheme-only", f'is just "{compact}" with no address after it: it goes nowhere', Severity.ERROR
    return None


@lru_cache(maxsize=64)
def _compile(patterns: tuple[str, ...]) -> tuple[tuple[re.Pattern[str], ...], tuple[str, ...]]:
    compiled = []
    problems = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern, re.I))
        except re.error as exc:
            problems.append(f"{pattern!r} is not a valid regular expression ({exc})")
    return tuple(compiled), tuple(problems)


def user_patterns(options: Any, key: str) -> tuple[re.Pattern[str], ...]:
    """Compile the regular expressions of option ``key``. A bad one is a
    configuration error naming the option (exit 2), never a crash."""
    raw = options.get(key) or []
    compiled, problems = _compile(tuple(str(item) for item in raw))
    if problems:
        raise ConfigError(f"[tool.oopslint.template] {key}: {problems[0]}")
    return compiled


def allowed(options: Any, key: str) -> frozenset[str]:
    return frozenset(" ".join(str(item).split()).casefold() for item in (options.get(key) or []))


def normalized(text: str) -> str:
    return " ".join(text.split()).casefold()


def kilobytes(size: int) -> str:
    return f"{size / 1024:.1f} KB"


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
    # lower-case strings one of which any match contains (a fast pre-check, and the
    # runs a pattern reads); a match never crosses the separator between runs
    needles: tuple[str, ...] = ()


def make_pattern(kind: str, regex: str, explanation: str, *, flags: int = re.I, **extra: Any) -> Pattern:
    return Pattern(kind, re.compile(regex, flags), explanation, **extra)


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


def _runs_holding(lowered: str, starts: list[int], needles: tuple[str, ...]) -> list[int]:
    """Indexes of the runs whose (lower-cased) text holds one of ``needles``, in order."""
    found: set[int] = set()
    for needle in needles:
        at = lowered.find(needle)
        while at >= 0:
            index = bisect_right(starts, at) - 1
            found.add(index)
            # on to the next run: one hit is enough to read a run
            at = lowered.find(needle, starts[index + 1]) if index + 1 < len(starts) else -1
    return sorted(found)


# what scan_runs found in a text, by the text, where its runs start and what they
# are, and the patterns and allowed texts: renders of one template repeat their
# text, so the patterns read each text once
_FOUND_IN: dict[tuple[Any, ...], tuple[tuple[Pattern, ...], tuple[tuple[int, Pattern, int, int, str], ...]]] = {}
_FOUND_IN_ENTRIES = 64
_FOUND_IN_LONGEST = 16 * 1024


def scan_runs(runs: list[TextRun], patterns: tuple[Pattern, ...], allow: frozenset[str]) -> Iterator[Hit]:
    """Every pattern over all runs at once (one regex pass per pattern, not per run);
    a later pattern never reports text an earlier one already reported.

    A pattern with ``needles`` reads only the runs that hold one of them (each
    up to the next run's start, so it sees the same text around its matches as
    in one pass): its matches hold a needle and never cross the separator."""
    text, starts = _joined(runs)
    if len(text) > _FOUND_IN_LONGEST:
        found = tuple(_scan_joined(runs, text, starts, patterns, allow))
    else:
        # the patterns by identity (hashing their fields costs more than the scan of a
        # small email); the entry holds them, so no other pattern can take their ids
        key = (_digest(text, starts, runs), tuple(map(id, patterns)), allow)
        cached = _FOUND_IN.get(key)
        if cached is None:
            cached = (patterns, tuple(_scan_joined(runs, text, starts, patterns, allow)))
            if len(_FOUND_IN) >= _FOUND_IN_ENTRIES:
                _FOUND_IN.clear()
            _FOUND_IN[key] = cached
        found = cached[1]
    for index, pattern, start, end, shown in found:
        yield Hit(runs[index], pattern, start, end, shown)


def _digest(text: str, starts: list[int], runs: list[TextRun]) -> bytes:
    """A digest of the joined text, where its runs start and what they are (the
    cache keeps this, not the text: an email's copy is not held after it is gone)."""
    digest = blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20)
    digest.update(repr((starts, [run.where for run in runs])).encode())
    return digest.digest()


def _scan_joined(
    runs: list[TextRun], text: str, starts: list[int], patterns: tuple[Pattern, ...], allow: frozenset[str]
) -> Iterator[tuple[int, Pattern, int, int, str]]:
    """:func:`scan_runs` of the runs joined in ``text``: (run index, pattern, start, end, text) of each hit."""
    taken: dict[int, list[tuple[int, int]]] = {}
    reported_once: set[tuple[int, int]] = set()
    lowered = text.lower()
    # lower-casing keeps offsets for all but a few letters (İ); otherwise read everything
    aligned = len(lowered) == len(text)
    whole = [(-1, text, 0, len(text))]
    for number, pattern in enumerate(patterns):
        if pattern.needles and not any(needle in lowered for needle in pattern.needles):
            continue
        if pattern.only_in is not None:
            chosen = [(i, run.text, 0, len(run.text)) for i, run in enumerate(runs) if run.where in pattern.only_in]
        elif pattern.needles and aligned:
            chosen = [
                (-1, text, starts[i], starts[i + 1] if i + 1 < len(starts) else len(text))
                for i in _runs_holding(lowered, starts, pattern.needles)
            ]
        else:
            chosen = whole
        for fixed_index, haystack, window_start, window_end in chosen:
            for match in pattern.regex.finditer(haystack, window_start, window_end):
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
                yield index, pattern, local_start, local_end, shown


def run_place(run: TextRun) -> str:
    return "the " + run.where
