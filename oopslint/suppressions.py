"""Inline suppressions written as HTML comments.

- ``<!-- oopslint-disable TPL003,LNK -- reason -->`` ... ``<!-- oopslint-enable -->``
  switches codes (or prefixes, or rule names; none means all) off for a region.
- ``<!-- oopslint-disable-next-line TYP002 -->`` covers the next line (and the
  rest of the comment's own line).
- ``<!-- oopslint-disable-file CTR -->`` covers the whole file.

A suppression that matched nothing is itself reported (OOPS002, info), so
stale ones do not pile up.
"""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .email import Email
from .report import Finding, Span

_DIRECTIVE = re.compile(r"^\s*oopslint-(?P<kind>disable-next-line|disable-file|disable|enable)\b(?P<rest>.*)$", re.S)


@dataclass
class Directive:
    kind: str
    selectors: list[str]
    start: tuple[int, int]
    end: tuple[int, int]
    span: Span
    reason: str = ""
    region_end: tuple[int, int] | None = None
    used: set[str] = field(default_factory=set)

    def covers(self, finding: Finding) -> bool:
        if self.kind == "disable-file":
            return True
        if finding.span is None:
            return False
        position = (finding.span.line, finding.span.column)
        if self.kind == "disable-next-line":
            return finding.span.line == self.end[0] + 1 or (finding.span.line == self.end[0] and position >= self.end)
        if position < self.end:
            return False
        return self.region_end is None or position < self.region_end

    def matching_selector(self, finding: Finding) -> str | None:
        if not self.selectors:
            return "*"
        for selector in self.selectors:
            if selector == finding.rule or finding.code.startswith(selector.upper()):
                return selector
        return None


def parse_directives(email: Email) -> list[Directive]:
    directives: list[Directive] = []
    # open regions, indexed so that an enable finds the latest one it closes
    # without scanning every open region (many comments must stay linear)
    by_selector: dict[str, list[int]] = {}
    unnamed: list[int] = []
    opened: list[Directive] = []
    closed: set[int] = set()
    for comment in email.comments:
        match = _DIRECTIVE.match(comment.text)
        if not match:
            continue
        rest = match.group("rest")
        reason = ""
        if "--" in rest:
            rest, reason = rest.split("--", 1)
        selectors = [s for s in re.split(r"[\s,]+", rest.strip()) if s]
        span = email.span(comment.start, comment.end)
        start = (span.line, span.column)
        end = (span.end_line, span.end_column)
        kind = match.group("kind")
        if kind == "enable":
            if not selectors:
                for number, region in enumerate(opened):
                    if number not in closed:
                        region.region_end = start
                opened, closed = [], set()
                by_selector.clear()
                unnamed.clear()
                continue
            # the latest open region that shares a selector with this enable, or names none
            latest = -1
            for stack in [by_selector.get(s, []) for s in set(selectors)] + [unnamed]:
                while stack and stack[-1] in closed:
                    stack.pop()
                if stack:
                    latest = max(latest, stack[-1])
            if latest >= 0:
                opened[latest].region_end = start
                closed.add(latest)
            continue
        directive = Directive(kind, selectors, start, end, span, reason.strip())
        directives.append(directive)
        if kind == "disable":
            number = len(opened)
            opened.append(directive)
            for selector in set(selectors):
                by_selector.setdefault(selector, []).append(number)
            if not selectors:
                unnamed.append(number)
    return directives


_END_OF_FILE = (sys.maxsize, 0)


def _reach(directive: Directive) -> tuple[tuple[int, int], tuple[int, int]]:
    """The positions a directive covers, as a half-open range (see ``covers``)."""
    if directive.kind == "disable-next-line":
        # the rest of the comment's last line and all of the next one
        return directive.end, (directive.end[0] + 2, 0)
    return directive.end, directive.region_end or _END_OF_FILE


def apply_suppressions(
    email: Email,
    findings: Iterable[Finding],
    *,
    is_known: Callable[[str], bool],
    ran: Callable[[str], bool],
    make_finding: Callable[..., Finding],
) -> list[Finding]:
    """Drop suppressed findings; add OOPS002 for suppressions that matched nothing.

    ``is_known(selector)`` tells whether a selector names any rule; ``ran(selector)``
    whether a rule it names ran on this email (a skipped network rule cannot
    prove its suppression stale).

    Same result as asking every directive about every finding (``covers`` and
    ``matching_selector``), in time that grows with directives plus findings:
    findings are grouped by rule, each group's positions sorted, and each
    directive looks its range up in the groups its selectors name.
    """
    directives = parse_directives(email)
    findings = list(findings)
    if not directives:
        return findings
    groups: dict[tuple[str, str], list[int]] = {}
    for number, finding in enumerate(findings):
        groups.setdefault((finding.code, finding.rule), []).append(number)
    suppressed = [False] * len(findings)
    for members in groups.values():
        probe = findings[members[0]]
        placed = sorted(
            (findings[n].span.line, findings[n].span.column, n)  # type: ignore[union-attr]
            for n in members
            if findings[n].span is not None
        )
        positions = [(line, column) for line, column, _ in placed]
        ranges: list[tuple[tuple[int, int], tuple[int, int]]] = []
        whole_file = False
        for directive in directives:
            selector = directive.matching_selector(probe)
            if selector is None:
                continue
            if directive.kind == "disable-file":
                whole_file = True
                directive.used.add(selector)
                continue
            low, high = _reach(directive)
            if low >= high:
                continue
            ranges.append((low, high))
            index = bisect.bisect_left(positions, low)
            if index < len(positions) and positions[index] < high:
                directive.used.add(selector)
        if whole_file:
            for n in members:
                suppressed[n] = True
            continue
        # the union of the ranges, then one sweep over the sorted positions
        ranges.sort()
        merged: list[list[tuple[int, int]]] = []
        for low, high in ranges:
            if merged and low <= merged[-1][1]:
                if high > merged[-1][1]:
                    merged[-1][1] = high
            else:
                merged.append([low, high])
        cursor = 0
        for line, column, n in placed:
            position = (line, column)
            while cursor < len(merged) and merged[cursor][1] <= position:
                cursor += 1
            if cursor < len(merged) and merged[cursor][0] <= position:
                suppressed[n] = True
    kept = [finding for number, finding in enumerate(findings) if not suppressed[number]]
    for directive in directives:
        label = f"oopslint-{directive.kind}"
        if not directive.selectors:
            if "*" not in directive.used:
                kept.append(make_finding(f"{label} suppressed nothing", directive.span))
            continue
        for selector in directive.selectors:
            if not is_known(selector):
                kept.append(make_finding(f"{label} names {selector!r}, which matches no rule", directive.span))
            elif selector not in directive.used and ran(selector):
                kept.append(make_finding(f"{label} {selector} suppressed nothing", directive.span))
    return kept
