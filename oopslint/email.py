"""The email model: parse once, keep positions, hand every rule the same view.

``Email.parse()`` accepts HTML as ``str``, ``bytes`` or a path, an ``.eml``
file, or an :class:`email.message.EmailMessage`. The HTML is scanned once by a
position-keeping tokenizer; every element, attribute value and text segment
knows its offset in the source, so findings point at the line the user edits.

What rules see:

- ``email.segments``: text a reader sees (body text, ``alt`` and ``title``
  attributes, the subject), entity-decoded, with zero-width characters removed
  and merge tags masked; hidden text and the preheader are marked.
- ``email.links`` and ``email.images``: every URL with its place.
- ``email.elements``: every element, in source order.
- ``email.subject``, ``email.preheader``, ``email.headers``, ``email.text_part``.
"""

from __future__ import annotations

import bisect
import email as _stdlib_email
import email.policy
import hashlib
import os
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Hashable, Iterator, Sequence, TypeVar

from .report import Span
from .templating import DEFAULT_DIALECTS, Token, find_tokens, mask

_T = TypeVar("_T")

__all__ = [
    "Email",
    "Element",
    "Segment",
    "Link",
    "Image",
    "Comment",
    "InputError",
    "MAX_INPUT_BYTES",
]

MAX_INPUT_BYTES = 50 * 1024 * 1024

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)


class InputError(Exception):
    """The input cannot be linted: missing, binary, empty, too large or unreadable."""


@dataclass(eq=False, slots=True)
class Element:
    """One element of the email, with the place of its start tag."""

    tag: str
    attrs: dict[str, str]
    start: int
    end: int
    parent: "Element | None" = None
    attr_spans: dict[str, tuple[int, int]] = field(default_factory=dict)
    children: list["Element"] = field(default_factory=list)
    index: int = 0
    hidden: bool = False
    lang: str | None = None
    skip_spelling: bool = False
    in_head: bool = False
    in_comment: bool = False
    block: "Element | None" = None
    link: "Element | None" = None
    close_end: int | None = None

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    @property
    def style(self) -> str:
        return self.attrs.get("style") or ""

    def ancestors(self) -> Iterator["Element"]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def __repr__(self) -> str:
        return f"<Element {self.tag} @{self.start}>"


@dataclass(eq=False, slots=True)
class Segment:
    """A run of text a reader sees (or would see, for hidden text).

    ``text`` is what rules should read: entities decoded, zero-width
    characters removed, merge tags replaced by ``MASK_CHAR``. ``raw`` is the
    same without masking. ``offset(i)`` maps an index in ``text`` back to an
    offset in the email's source; ``email.span(...)`` turns it into a Span.
    """

    text: str
    raw: str
    kind: str  # "text", "alt", "title", "subject", "preheader-attr"
    element: Element | None
    tokens: list[Token]
    _index_points: list[int]
    _source_points: list[int]
    hidden: bool = False
    preheader: bool = False
    lang: str | None = None
    skip_spelling: bool = False
    source: str = "html"  # "html" or "header"

    @property
    def link(self) -> Element | None:
        return self.element.link if self.element is not None else None

    @property
    def block(self) -> Element | None:
        return self.element.block if self.element is not None else None

    @property
    def start(self) -> int:
        return self._source_points[0] if self._source_points else 0

    def offset(self, index: int) -> int:
        """Source offset of ``text[index]`` (index may equal ``len(text)``)."""
        points = self._index_points
        k = bisect.bisect_right(points, index) - 1
        if k < 0:
            k = 0
        return self._source_points[k] + (index - points[k])


@dataclass(eq=False)
class Link:
    url: str
    element: Element
    span: Span
    kind: str  # "a", "area", "vml"
    tokens: list[Token]
    text: str = ""
    image_alts: list[str] = field(default_factory=list)

    @property
    def templated(self) -> bool:
        return bool(self.tokens)

    @property
    def visible(self) -> bool:
        return not self.element.hidden


@dataclass(eq=False)
class Image:
    url: str
    element: Element
    span: Span
    kind: str  # "img", "background", "css", "vml"
    tokens: list[Token]

    @property
    def alt(self) -> str | None:
        return self.element.attrs.get("alt") if self.kind == "img" else None

    @property
    def templated(self) -> bool:
        return bool(self.tokens)


@dataclass(eq=False)
class Comment:
    text: str
    start: int
    end: int


@dataclass
class _Source:
    html: str
    path: str | None = None
    kind: str = "html"
    headers: Message | None = None
    text_part: str | None = None
    line_offset: int = 0
    header_text: str = ""
    replaced_bytes: int = 0
    first_replaced: int | None = None
    encoding: str | None = None


def _is_binary(data: bytes) -> bool:
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return bool(head) and controls / len(head) > 0.1


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _decode_html_bytes(data: bytes, declared: str | None = None) -> tuple[str, str, int, int | None]:
    """Decode by BOM, then the declared charset (MIME or <meta>), then UTF-8.

    Bytes that are invalid in the chosen encoding are replaced, counted and
    located, never guessed away: a file that says it is UTF-8 and is not will
    show mojibake to recipients too.
    """
    encoding = None
    body = data
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding, body = name, data[len(bom):]
            break
    encoding = encoding or declared
    if not encoding:
        match = _CHARSET_RE.search(body[:4096])
        if match:
            encoding = match.group(1).decode("ascii", "replace")
    if encoding:
        try:
            "".encode(encoding)
        except LookupError:
            # an unknown charset label: let bs4's UnicodeDammit find one that works
            from bs4.dammit import UnicodeDammit

            dammit = UnicodeDammit(body, is_html=True)
            encoding = dammit.original_encoding or "utf-8"
    chosen = encoding or "utf-8"
    try:
        return body.decode(chosen), chosen, 0, None
    except UnicodeDecodeError:
        text = body.decode(chosen, errors="replace")
        return text, chosen, text.count("\ufffd"), text.find("\ufffd")


def _looks_like_eml(data: bytes) -> bool:
    head = data[:4096].lstrip()
    if head[:1] == b"<":
        return False
    header_block = head.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    lines = header_block.splitlines()
    if not lines:
        return False
    names = [line.split(b":", 1)[0].strip().lower() for line in lines if b":" in line and line[:1] not in b" \t"]
    return bool(names) and (b"content-type" in names or b"mime-version" in names) and re.match(rb"^[A-Za-z0-9-]+:", lines[0]) is not None


def _from_message(msg: Message, raw: bytes | None, path: str | None) -> _Source:
    html_part = None
    text_part = None
    if isinstance(msg, EmailMessage):
        html_part = msg.get_body(preferencelist=("html",))
        text_body = msg.get_body(preferencelist=("plain",))
        if text_body is not None:
            text_part = text_body.get_content()
    else:
        for part in msg.walk():
            ctype = part.get_content_type()
            if ctype == "text/html" and html_part is None:
                html_part = part
            elif ctype == "text/plain" and text_part is None:
                payload = part.get_payload(decode=True) or b""
                text_part = payload.decode(part.get_content_charset() or "utf-8", "replace")
    html = ""
    replaced = 0
    first = None
    line_offset = 0
    if html_part is not None:
        payload = html_part.get_payload(decode=True) or b""
        html, _, replaced, first = _decode_html_bytes(payload, html_part.get_content_charset())
        cte = (html_part.get("Content-Transfer-Encoding") or "7bit").lower()
        if raw is not None and cte in ("7bit", "8bit", "binary") and payload:
            probe = payload[:200]
            where = raw.find(probe)
            if where >= 0:
                line_offset = raw.count(b"\n", 0, where)
    header_text = ""
    if raw is not None:
        split = re.search(rb"\r?\n\r?\n", raw)
        header_text = raw[: split.start() if split else len(raw)].decode("utf-8", "replace")
    return _Source(
        html=html,
        path=path,
        kind="eml",
        headers=msg,
        text_part=text_part,
        line_offset=line_offset,
        header_text=header_text,
        replaced_bytes=replaced,
        first_replaced=first,
    )


def _load(source: Any, path: str | None) -> _Source:
    if isinstance(source, Message):
        return _from_message(source, None, path)
    if isinstance(source, os.PathLike) or (isinstance(source, str) and path is None and _is_path_like(source)):
        file_path = Path(source)
        try:
            size = file_path.stat().st_size
        except FileNotFoundError:
            raise InputError(f"{file_path}: no such file") from None
        except OSError as exc:
            raise InputError(f"{file_path}: cannot read ({exc.strerror or exc})") from None
        if file_path.is_dir():
            raise InputError(f"{file_path}: is a directory")
        if size > MAX_INPUT_BYTES:
            raise InputError(
                f"{file_path}: {size / 1048576:.1f} MB is over the {MAX_INPUT_BYTES // 1048576} MB input limit"
            )
        try:
            data = file_path.read_bytes()
        except OSError as exc:
            raise InputError(f"{file_path}: cannot read ({exc.strerror or exc})") from None
        return _from_bytes(data, str(file_path), file_path.suffix.lower() == ".eml")
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _from_bytes(bytes(source), path, bool(path and path.lower().endswith(".eml")))
    if isinstance(source, str):
        if len(source) > MAX_INPUT_BYTES:
            raise InputError(f"{path or '<string>'}: input is over the {MAX_INPUT_BYTES // 1048576} MB limit")
        if path and path.lower().endswith(".eml") or _looks_like_eml(source[:4096].encode("utf-8", "replace")):
            return _from_bytes(source.encode("utf-8", "surrogateescape"), path, True)
        return _Source(html=source.lstrip("\ufeff"), path=path)
    raise InputError(f"cannot lint an object of type {type(source).__name__}")


def _is_path_like(value: str) -> bool:
    if "<" in value or "\n" in value or len(value) > 4096:
        return False
    return value.lower().endswith((".html", ".htm", ".eml", ".hbs", ".liquid", ".j2", ".jinja", ".mustache", ".txt", ".tpl", ".twig", ".njk", ".xhtml")) or os.path.exists(value)


def _from_bytes(data: bytes, path: str | None, is_eml: bool) -> _Source:
    name = path or "<input>"
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{name}: input is over the {MAX_INPUT_BYTES // 1048576} MB limit")
    if not data.strip():
        raise InputError(f"{name}: file is empty")
    if _is_binary(data):
        raise InputError(f"{name}: looks like a binary file, not HTML or an email")
    if is_eml or _looks_like_eml(data):
        msg = _stdlib_email.message_from_bytes(data, policy=email.policy.default)
        src = _from_message(msg, data, path)
        if not src.html.strip() and msg.get_content_type() != "text/html":
            raise InputError(f"{name}: the message has no text/html part")
        return src
    html, encoding, replaced, first = _decode_html_bytes(data)
    return _Source(html=html, path=path, replaced_bytes=replaced, first_replaced=first, encoding=encoding)


class Email:
    """A parsed email. Build one with :meth:`Email.parse`; it is read-only."""

    def __init__(self, src: _Source, *, subject: str | None = None, dialects: tuple[str, ...] = DEFAULT_DIALECTS,
                 fallback_subject: str | None = None):
        self.path = src.path
        self.kind = src.kind
        self.html = src.html
        self.headers = src.headers
        self.text_part = src.text_part
        self.line_offset = src.line_offset
        self.encoding = src.encoding
        self.replaced_bytes = src.replaced_bytes
        self.first_replaced_offset = src.first_replaced
        self.dialects = dialects
        self._header_text = src.header_text
        self._line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", self.html)]
        self._memo: dict[Hashable, Any] = {}
        from ._scan import Scanner

        scanned = Scanner(self.html, dialects, self.span).run()
        self.elements: list[Element] = scanned.elements
        self.segments: list[Segment] = scanned.segments
        self.links: list[Link] = scanned.links
        self.images: list[Image] = scanned.images
        self.comments: list[Comment] = scanned.comments
        self.stylesheets: list[tuple[str, int]] = scanned.stylesheets
        self.ids: set[str] = scanned.ids
        self.root: Element = scanned.root
        self._subject = subject if subject is not None else (self._header("Subject") or fallback_subject)

    # ----------------------------------------------------------------- parsing

    @classmethod
    def parse(
        cls,
        source: "str | bytes | os.PathLike[str] | Message",
        *,
        path: str | None = None,
        subject: str | None = None,
        dialects: Sequence[str] | None = None,
        fallback_subject: str | None = None,
    ) -> "Email":
        """Parse HTML (str, bytes or a path), an ``.eml`` file or an EmailMessage.

        ``subject`` overrides the message's Subject header; ``fallback_subject``
        is used only when there is none (an HTML file linted with a send
        context that names the subject).

        Raises :class:`InputError` with a one-line reason when the input cannot
        be linted. Undecodable bytes are replaced, counted in
        ``replaced_bytes``, and reported by the engine.
        """
        from .templating import resolve_dialects

        src = _load(source, path)
        if path is not None:
            src.path = path
        return cls(src, subject=subject, dialects=resolve_dialects(dialects), fallback_subject=fallback_subject)

    def memo(self, key: Hashable, compute: "Callable[[Email], _T]") -> _T:
        """Derived data that several rules share, computed once per email.

        ``key`` names what is derived (use your module's name plus anything the
        result depends on, such as an option value); ``compute(email)`` runs the
        first time the key is asked for and its result is kept as long as the
        email is. Rules use this instead of caches of their own.
        """
        try:
            return self._memo[key]  # type: ignore[no-any-return]
        except KeyError:
            value = self._memo[key] = compute(self)
            return value

    @cached_property
    def content_hash(self) -> str:
        return hashlib.sha1(self.html.encode("utf-8", "surrogatepass")).hexdigest()

    # -------------------------------------------------------------- positions

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a source offset, in the file the user edits."""
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1 + self.line_offset, offset - self._line_starts[index] + 1

    def span(self, start: int, end: int | None = None) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(end if end is not None else start)
        return Span(line, column, end_line, end_column)

    def segment_span(self, segment: Segment, start: int, end: int) -> Span | None:
        """Span of ``segment.text[start:end]`` in the file (None for a subject
        that came from the API rather than a header)."""
        first = segment.offset(start)
        last = segment.offset(end - 1) + 1 if end > start else first
        if segment.source == "header":
            if self.subject_span is None:
                return None
            return Span(*self._header_position(first), *self._header_position(last))
        return self.span(first, last)

    def _header_position(self, offset: int) -> tuple[int, int]:
        text = self._header_text
        return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1

    def element_span(self, element: Element) -> Span:
        return self.span(element.start, element.end)

    def line_text(self, line: int) -> str:
        """The text of a 1-based line as numbered in findings."""
        index = line - 1 - self.line_offset
        if index < 0 or index >= len(self._line_starts):
            return ""
        start = self._line_starts[index]
        end = self._line_starts[index + 1] if index + 1 < len(self._line_starts) else len(self.html)
        return self.html[start:end].rstrip("\r\n")

    # -------------------------------------------------------------- accessors

    def _header(self, name: str) -> str | None:
        if self.headers is None:
            return None
        value = self.headers.get(name)
        return str(value) if value is not None else None

    def header(self, name: str) -> str | None:
        """A message header (``.eml`` and EmailMessage input), or None."""
        return self._header(name)

    @property
    def subject(self) -> str | None:
        return self._subject

    def header_span(self, name: str) -> Span | None:
        """Where a header's value starts in an ``.eml`` file (its first line), or None."""
        match = re.search(r"^" + re.escape(name) + r":[ \t]*(.*)$", self._header_text, re.M | re.I)
        if not match:
            return None
        line = self._header_text.count("\n", 0, match.start()) + 1
        column = match.start(1) - match.start() + 1
        return Span(line, column, line, column + len(match.group(1).rstrip("\r")))

    @cached_property
    def subject_span(self) -> Span | None:
        if self._subject is None:
            return None
        span = self.header_span("Subject")
        if span is None:
            return None
        return Span(span.line, span.column, span.line, span.column + len(self._subject))

    @cached_property
    def subject_segment(self) -> Segment | None:
        """The subject as a segment, so text rules read it like body text.

        Its ``source`` is ``"header"``: its offsets are offsets in
        :attr:`header_text`, not in :attr:`html` (use :meth:`segment_span`)."""
        if not self._subject:
            return None
        tokens = find_tokens(self._subject, self.dialects)
        index_points, source_points = self._subject_points()
        return Segment(mask(self._subject, tokens), self._subject, "subject", None, tokens,
                       index_points, source_points, lang=self.lang, source="header")

    def _subject_points(self) -> tuple[list[int], list[int]]:
        """Where the subject's characters are in the header text: from the
        value's start, and after every line fold when the header is folded."""
        match = re.search(r"^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)", self._header_text, re.M | re.I)
        if match is None:
            return [0], [0]
        base = match.start(1)
        raw = match.group(1).rstrip("\r")
        index_points, source_points = [0], [base]
        unfolded: list[str] = []
        last = 0
        for fold in re.finditer(r"\r?\n(?=[ \t])", raw):
            unfolded.append(raw[last : fold.start()])
            last = fold.end()
            index_points.append(sum(map(len, unfolded)))
            source_points.append(base + last)
        unfolded.append(raw[last:])
        if len(index_points) > 1 and "".join(unfolded) != self._subject:
            return [0], [base]  # an encoded or replaced subject: count from the value's start
        return index_points, source_points

    @property
    def header_text(self) -> str:
        """The message's header block as written (``.eml`` input), else empty."""
        return self._header_text

    def reading_segments(self, *, include_hidden: bool = False) -> Iterator[Segment]:
        """Subject first, then every body, alt and title segment in source order.
        Hidden text is skipped unless asked for; the preheader is always read."""
        if self.subject_segment is not None:
            yield self.subject_segment
        for segment in self.segments:
            if segment.hidden and not segment.preheader and not include_hidden:
                continue
            yield segment

    @cached_property
    def preheader(self) -> str | None:
        text = " ".join(" ".join(s.text for s in self.segments if s.preheader and s.kind == "text").split())
        return text or None

    @cached_property
    def visible_text(self) -> str:
        """All visible body text, whitespace collapsed, merge tags masked."""
        return " ".join(" ".join(s.text for s in self.segments if s.kind == "text" and not s.hidden).split())

    @cached_property
    def html_element(self) -> Element | None:
        return next((e for e in self.elements if e.tag == "html"), None)

    @cached_property
    def body_element(self) -> Element | None:
        return next((e for e in self.elements if e.tag == "body"), None)

    @property
    def lang(self) -> str | None:
        element = self.html_element
        return (element.attrs.get("lang") or element.attrs.get("xml:lang")) if element else None

    @cached_property
    def size_bytes(self) -> int:
        return len(self.html.encode("utf-8", "surrogatepass"))

    def find(self, tag: str) -> list[Element]:
        """Elements with this tag name, in source order."""
        tag = tag.lower()
        return [e for e in self.elements if e.tag == tag]

    def __repr__(self) -> str:
        return f"<Email {self.path or '<string>'} {len(self.elements)} elements>"
