"""Text as a reader sees it: the inline pieces of one block read as one run.

``text_runs(email)`` gives the subject, then every block of body text (hidden
text and the preheader too, each in runs of their own) and every ``alt`` and
``title`` attribute, as :class:`TextRun` objects whose offsets map back to the
source, so a finding can point at the exact characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..report import Span

if TYPE_CHECKING:
    from ..email import Email

__all__ = ["TextRun", "text_runs", "place_of"]

_BREAKING_MARKUP = re.compile(r"<(?:br|p|div|td|th|tr|li|h[1-6]|table|hr)\b", re.I)


@dataclass
class TextRun:
    """Text a reader sees as one piece: the subject, one alt or title
    attribute, or the inline text of one block (``Hi <b>there</b>,`` reads
    as ``Hi there,``). Offsets in ``text`` map back to the source."""

    text: str
    where: str  # "subject", "preheader", "body text", "hidden text", "alt text", "title attribute"
    pieces: list[tuple[int, Any]] = field(default_factory=list)  # (offset in text, Segment)

    @property
    def segments(self) -> list[Any]:
        """The segments this run is made of, in order."""
        return [segment for _, segment in self.pieces]

    def span(self, email: Email, start: int, end: int) -> Span | None:
        """The source span of ``text[start:end]``."""
        first = self._locate(start)
        last = self._locate(max(start, end - 1))
        if first is None or last is None:
            return None
        begin = email.segment_span(first[0], first[1], first[1] + 1)
        finish = email.segment_span(last[0], last[1], last[1] + 1)
        if begin is None or finish is None:
            return None
        return Span(begin.line, begin.column, finish.end_line, finish.end_column)

    def _locate(self, index: int) -> tuple[Any, int] | None:
        chosen = None
        for offset, segment in self.pieces:
            if offset <= index:
                chosen = (segment, offset)
            else:
                break
        if chosen is None:
            return None
        segment, offset = chosen
        local = min(index - offset, max(len(segment.text) - 1, 0))
        return segment, local


def place_of(segment: Any) -> str:
    """Where a segment sits, in words: "subject", "alt text", "title attribute",
    "preheader", "hidden text" or "body text"."""
    if segment.kind == "subject":
        return "subject"
    if segment.kind == "alt":
        return "alt text"
    if segment.kind == "title":
        return "title attribute"
    if segment.preheader:
        return "preheader"
    if segment.hidden:
        return "hidden text"
    return "body text"


def text_runs(email: Email) -> list[TextRun]:
    """The subject, then every block of body text (hidden text too) and every
    alt/title attribute. Built once per email (``email.memo``) and shared."""
    return email.memo("oopslint.text.runs", lambda e: list(_build_runs(e)))


def _build_runs(email: Email) -> Iterator[TextRun]:
    subject = email.subject_segment
    if subject is not None:
        yield TextRun(subject.text, "subject", [(0, subject)])
    current: TextRun | None = None
    current_key: tuple[Any, ...] | None = None
    previous_end = 0
    html = email.html
    search_breaking = _BREAKING_MARKUP.search
    for segment in email.segments:
        if segment.kind != "text":
            if current is not None:
                yield current
                current, current_key = None, None
            yield TextRun(segment.text, place_of(segment), [(0, segment)])
            continue
        element = segment.element
        key = (id(element.block if element is not None else None), segment.hidden, segment.preheader)
        if current is not None and key == current_key:
            if search_breaking(html, previous_end, segment.start):
                current.text += "\n"
            current.pieces.append((len(current.text), segment))
            current.text += segment.text
        else:
            if current is not None:
                yield current
            current = TextRun(segment.text, place_of(segment), [(0, segment)])
            current_key = key
        previous_end = segment.offset(len(segment.text))
    if current is not None:
        yield current
