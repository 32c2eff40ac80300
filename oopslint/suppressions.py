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

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from .email import Email
from .report import Finding, Span

_DIRECTIVE = re.compile(
    r"^\s*oopslint-(?P<kind>disable-next-line|disable-file|disable|enable)\b(?P<rest>.*)$", re.S
)


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
            return finding.span.line == self.end[0] + 1 or (
                finding.span.line == self.end[0] and position >= self.end
            )
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
    open_regions: list[Directive] = []
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
            for region in reversed(open_regions):
                if not selectors or set(selectors) & set(region.selectors) or not region.selectors:
                    region.region_end = start
                    open_regions.remove(region)
                    if selectors:
                        break
            continue
        directive = Directive(kind, selectors, start, end, span, reason.strip())
        directives.append(directive)
        if kind == "disable":
            open_regions.append(directive)
    return directives


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
    """
    directives = parse_directives(email)
    if not directives:
        return list(findings)
    kept: list[Finding] = []
    for finding in findings:
        suppressed = False
        for directive in directives:
            if directive.covers(finding):
                selector = directive.matching_selector(finding)
                if selector is not None:
                    directive.used.add(selector)
                    suppressed = True
        if not suppressed:
            kept.append(finding)
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
