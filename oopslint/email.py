"""The email model: parse once, keep positions, hand every rule the same view.

``Email.parse()`` accepts HTML as ``str`` (always the content itself) or
``bytes``, a file as a :class:`pathlib.Path` (HTML or ``.eml``), or an
:class:`email.message.EmailMessage`. The HTML is scanned once by a
position-keeping tokenizer; every element, attribute value and text segment
knows its offset in the source, so findings point at the line the user edits.

This module is the read-only model rules see: :class:`Email` and the
:class:`Element`, :class:`Segment`, :class:`Link`, :class:`Image` and
:class:`Comment` it holds. Every attribute and method documented on them is
the contract a rule (built-in or third-party) may rely on; names starting with
``_`` are not. The scanner that builds the model lives in ``oopslint._scan``.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate
from typing import TYPE_CHECKING, Any, TypeVar

from ._source import MAX_INPUT_BYTES, InputError, _load, _Source
from .report import Span
from .templating import DEFAULT_DIALECTS, Token, find_tokens, mask

if TYPE_CHECKING:
    from email.message import Message

_T = TypeVar("_T")
_MISSING: Any = object()

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


def _attribute_spans() -> Callable[[str, int, int, str], dict[str, tuple[int, int]]]:
    """The scanner's reader of attribute places (imported on first use: the scanner imports this module)."""
    global _attribute_spans_of
    if _attribute_spans_of is None:
        from ._scan import attribute_spans

        _attribute_spans_of = attribute_spans
    return _attribute_spans_of


_attribute_spans_of: Callable[[str, int, int, str], dict[str, tuple[int, int]]] | None = None


class Element:
    """One element of the email, with the place of its start tag.

    Read by rules:

    - ``tag``: the lower-case tag name (``"td"``, ``"v:roundrect"``).
    - ``attrs``: attribute values by lower-case name, entities decoded; an
      attribute without a value is ``""``. ``get(name, default)`` reads one.
    - ``start``, ``end``: source offsets of the start tag (``<td ...>``);
      ``close_end`` the offset after its end tag (None when never closed).
      ``email.element_span(element)`` turns them into a Span.
    - ``attr_spans``: source offsets ``(start, end)`` of each attribute's value.
    - ``parent``, ``children``, ``ancestors()``: the tree (the root is a
      ``#document`` element); ``index``: position in ``email.elements``.
    - ``hidden``: hidden from readers by itself or an ancestor (``hidden``,
      ``display:none``, ``visibility:hidden``, ``opacity:0``, a collapsed
      ``max-height:0; overflow:hidden``, or a class a ``<style>`` hides).
    - ``lang``: the nearest ``lang``/``xml:lang``, inherited.
    - ``skip_spelling``: in ``code``/``pre``/..., ``translate="no"``,
      ``spellcheck="false"``, class ``notranslate`` or ``data-oopslint-skip``.
    - ``in_head``: in ``<head>`` or another element readers never see
      (``script``, ``style``, ``title``, ``template``, ``noscript``...).
    - ``in_comment``: a VML element inside an Outlook conditional comment.
    - ``block``: the nearest block-level element (itself if it is one);
      ``link``: the enclosing ``<a>`` (itself for an ``<a>``), or None.
    - ``classes`` and ``style``: the ``class`` list and the ``style`` text.
    """

    # a plain slotted class, not a dataclass: the scanner builds one per start
    # tag, and the attribute places are only worked out for the few elements
    # whose attributes a finding points at (see ``attr_spans``)
    __slots__ = (
        "tag",
        "attrs",
        "start",
        "end",
        "parent",
        "children",
        "index",
        "hidden",
        "lang",
        "skip_spelling",
        "in_head",
        "in_comment",
        "block",
        "link",
        "close_end",
        "_attr_spans",
        "_source",
    )

    def __init__(
        self,
        tag: str,
        attrs: dict[str, str],
        start: int,
        end: int,
        parent: Element | None = None,
        attr_spans: dict[str, tuple[int, int]] | None = None,
        children: list[Element] | None = None,
        index: int = 0,
        hidden: bool = False,
        lang: str | None = None,
        skip_spelling: bool = False,
        in_head: bool = False,
        in_comment: bool = False,
        block: Element | None = None,
        link: Element | None = None,
        close_end: int | None = None,
        _source: str | None = None,
    ):
        self.tag = tag
        self.attrs = attrs
        self.start = start
        self.end = end
        self.parent = parent
        self.children = [] if children is None else children
        self.index = index
        self.hidden = hidden
        self.lang = lang
        self.skip_spelling = skip_spelling
        self.in_head = in_head
        self.in_comment = in_comment
        self.block = block
        self.link = link
        self.close_end = close_end
        # without spans given, they are read again from the start tag in ``_source`` when asked for
        self._attr_spans = attr_spans if attr_spans is not None or _source is not None else {}
        self._source = _source

    @property
    def attr_spans(self) -> dict[str, tuple[int, int]]:
        """Source offsets ``(start, end)`` of each attribute's value."""
        spans = self._attr_spans
        if spans is None:
            spans = self._attr_spans = _attribute_spans()(self._source or "", self.start, self.end, self.tag)
        return spans

    def get(self, name: str, default: str | None = None) -> str | None:
        """An attribute's value (lower-case name), or ``default``."""
        return self.attrs.get(name, default)

    @property
    def classes(self) -> list[str]:
        """The class names in ``class``."""
        return (self.attrs.get("class") or "").split()

    @property
    def style(self) -> str:
        """The inline ``style`` text (empty without one)."""
        return self.attrs.get("style") or ""

    def ancestors(self) -> Iterator[Element]:
        """Parent, grandparent, ... up to the ``#document`` root."""
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
    characters removed, merge tags replaced by ``MASK_CHAR`` (one per
    character, so indexes line up with ``raw``). ``raw`` is the same without
    masking; ``tokens`` the merge tags in it (positions in ``text``).
    ``offset(i)`` maps an index in ``text`` back to an offset in the source
    and ``email.segment_span(segment, start, end)`` gives the Span of
    ``text[start:end]``.

    - ``kind``: ``"text"`` (body text), ``"alt"``, ``"title"`` (attribute
      values a reader sees) or ``"subject"``.
    - ``element``: the element the text is in (for ``alt``/``title``, the
      element carrying the attribute; None for the subject); ``link`` and
      ``block``: that element's enclosing ``<a>`` and block element.
    - ``hidden``: hidden from readers; ``preheader``: part of the preheader
      (hidden text before the visible body, or an element whose class names
      it); ``lang``, ``skip_spelling``: as on the element.
    - ``source``: ``"html"``, or ``"header"`` for the subject of a message,
      whose offsets are in ``email.header_text``, not in ``email.html``.
    - ``start``: the source offset of the segment's first character.
    """

    text: str
    raw: str
    kind: str  # "text", "alt", "title", "subject", "preheader-attr"
    element: Element | None
    tokens: list[Token]
    _index_points: Sequence[int]
    _source_points: Sequence[int]
    hidden: bool = False
    preheader: bool = False
    lang: str | None = None
    skip_spelling: bool = False
    source: str = "html"  # "html" or "header"

    @property
    def link(self) -> Element | None:
        """The ``<a>`` the text is in, or None."""
        return self.element.link if self.element is not None else None

    @property
    def block(self) -> Element | None:
        """The block-level element the text is in, or None."""
        return self.element.block if self.element is not None else None

    @property
    def start(self) -> int:
        """Source offset of ``text[0]``."""
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
    """A link: ``<a href>``, ``<area href>`` or a VML ``href``.

    - ``url``: the href, whitespace stripped, entities decoded.
    - ``element``: the element carrying it; ``span``: the place of the href value.
    - ``kind``: ``"a"``, ``"area"`` or ``"vml"``.
    - ``tokens``: merge tags in the URL (also percent-encoded ones);
      ``templated``: there is at least one.
    - ``text``: the link's visible text, whitespace collapsed, merge tags
      masked (``<a>`` only); ``image_alts``: the ``alt`` of images inside it.
    - ``visible``: the link is not hidden.
    """

    url: str
    element: Element
    span: Span
    kind: str  # "a", "area", "vml"
    tokens: list[Token]
    text: str = ""
    image_alts: list[str] = field(default_factory=list)

    @property
    def templated(self) -> bool:
        """The URL holds a merge tag."""
        return bool(self.tokens)

    @property
    def visible(self) -> bool:
        """The link is not hidden from readers."""
        return not self.element.hidden


@dataclass(eq=False)
class Image:
    """An image the email loads.

    - ``url``: the source, whitespace stripped.
    - ``element``: the element that loads it; ``span``: the place of the URL.
    - ``kind``: ``"img"`` (``<img src>``), ``"background"`` (a ``background``
      attribute), ``"css"`` (``url()`` in a ``style`` attribute or a
      ``<style>`` block; not ``@import`` stylesheets or ``@font-face``
      fonts) or ``"vml"`` (``v:fill``, ``v:image``, ``v:imagedata``).
    - ``tokens``, ``templated``: merge tags in the URL, as on :class:`Link`.
    - ``alt``: the ``alt`` attribute of an ``<img>`` (None when absent or for
      other kinds).
    """

    url: str
    element: Element
    span: Span
    kind: str  # "img", "background", "css", "vml"
    tokens: list[Token]

    @property
    def alt(self) -> str | None:
        """The ``alt`` of an ``<img>``; None when absent or not an ``<img>``."""
        return self.element.attrs.get("alt") if self.kind == "img" else None

    @property
    def templated(self) -> bool:
        """The URL holds a merge tag."""
        return bool(self.tokens)


@dataclass(eq=False)
class Comment:
    """An HTML comment: its ``text`` (between ``<!--`` and ``-->``) and the
    source offsets ``start``, ``end`` of the whole comment."""

    text: str
    start: int
    end: int


def _line_starts(html: str) -> tuple[int, ...]:
    """The offset where each line starts (lines end at CRLF, CR or LF).

    A tuple of ints: the garbage collector stops tracking it after its first
    look, rather than walking every offset again for as long as the email is kept."""
    if "\r" in html:
        return (0, *[m.end() for m in re.finditer(r"\r\n|\r|\n", html)])
    # no CR: each line starts one past the end of the one before (all in C)
    return tuple(accumulate(map((1).__add__, map(len, html.split("\n")[:-1])), initial=0))


class Email:
    """A parsed email. Build one with :meth:`Email.parse`; it is read-only.

    What a rule may read (methods and properties are documented where defined):

    - ``html``: the HTML source the offsets refer to (the text/html part of a
      message); ``path``: the file linted, or None.
    - ``kind``: ``"html"``, or ``"eml"`` for a message (``.eml`` or EmailMessage).
    - ``elements``: every element in source order; ``root``: the
      ``#document`` element above them; ``find(tag)``, ``html_element``,
      ``body_element``, ``lang`` (of ``<html>``).
    - ``segments``: the text a reader sees (:class:`Segment`) in source order;
      ``reading_segments()`` adds the subject; ``visible_text``,
      ``preheader``, ``subject``, ``subject_segment``, ``subject_span``.
    - ``links``, ``images``: every URL with its place (:class:`Link`,
      :class:`Image`); ``ids``: every ``id`` (and ``<a name>``) in the email.
    - ``comments``: every HTML comment; ``stylesheets``: the text of each
      ``<style>`` block with its source offset.
    - ``headers``: the message's headers (an :class:`email.message.Message`,
      None for HTML input); ``header(name)``, ``header_span(name)``,
      ``header_text``; ``text_part``: the text/plain part, or None.
    - ``dialects``: the merge-tag dialects in effect (for
      :func:`oopslint.templating.find_tokens`).
    - ``line_offset``: lines before ``html`` in the file (a message's headers),
      already added to every Span.
    - ``encoding``, ``replaced_bytes``, ``first_replaced_offset``: how the
      bytes were decoded, and how many invalid sequences were replaced.
      ``decoding_defects``: parts whose transfer encoding was broken.
    - ``size_bytes``, ``content_hash``: the HTML's UTF-8 size and SHA-1.
    - ``position(offset)``, ``span(start, end)``, ``element_span(element)``,
      ``segment_span(segment, start, end)``, ``line_text(line)``: places.
    - ``memo(key, compute)``: derived data that several rules share.
    """

    def __init__(
        self,
        src: _Source,
        *,
        subject: str | None = None,
        dialects: tuple[str, ...] = DEFAULT_DIALECTS,
        fallback_subject: str | None = None,
    ):
        self.path = src.path
        self.kind = src.kind
        self.html = src.html
        self.headers = src.headers
        self.text_part = src.text_part
        self.line_offset = src.line_offset
        self.encoding = src.encoding
        self.replaced_bytes = src.replaced_bytes
        self.first_replaced_offset = src.first_replaced
        self.decoding_defects = list(src.decoding_defects)
        self.dialects = dialects
        self._header_text = src.header_text
        self._line_starts = _line_starts(self.html)
        self._memo: dict[Hashable, Any] = {}
        self._header_values: dict[str, str | None] = {}
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
        source: str | bytes | os.PathLike[str] | Message,
        *,
        path: str | None = None,
        subject: str | None = None,
        dialects: Sequence[str] | None = None,
        fallback_subject: str | None = None,
    ) -> Email:
        """Parse HTML (``str`` or ``bytes``), a file (``pathlib.Path``: HTML or
        ``.eml``) or an EmailMessage. A ``str`` is always the email's content,
        never a file name.

        ``subject`` overrides the message's Subject header; ``fallback_subject``
        is used only when there is none (an HTML file linted with a send
        context that names the subject).

        Raises :class:`InputError` with a one-line reason when the input cannot
        be linted, and :class:`~oopslint.ConfigError` for an unknown dialect.
        Undecodable bytes are replaced, counted in ``replaced_bytes``, and
        reported by the engine, as are ``decoding_defects`` (a part whose
        base64 or quoted-printable is broken).
        """
        from .config import ConfigError
        from .templating import resolve_dialects

        try:
            chosen = resolve_dialects(dialects)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        src = _load(source, path)
        if path is not None:
            src.path = path
        return cls(src, subject=subject, dialects=chosen, fallback_subject=fallback_subject)

    def memo(self, key: Hashable, compute: Callable[[Email], _T]) -> _T:
        """Derived data that several rules share, computed once per email.

        ``key`` names what is derived (use your module's name plus anything the
        result depends on, such as an option value); ``compute(email)`` runs the
        first time the key is asked for and its result is kept as long as the
        email is. Rules use this instead of caches of their own.
        """
        value = self._memo.get(key, _MISSING)
        if value is _MISSING:  # a first ask costs no KeyError: most keys are asked once or twice
            value = self._memo[key] = compute(self)
        return value  # type: ignore[no-any-return]

    def _forget_derived(self) -> None:
        """Drop what :meth:`memo` keeps (it is computed again if asked for).

        What rules derive often points back at the email, so an email nobody
        uses any more would wait for a full pass of the cyclic garbage
        collector; without its memo only the tree itself is cyclic."""
        self._memo.clear()

    @cached_property
    def content_hash(self) -> str:
        """SHA-1 of the HTML: the key batch caches use."""
        import hashlib  # here: a command's start does without it (it loads OpenSSL's bindings)

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
        """Span of an element's start tag."""
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
        # the stdlib parses a header on every get; rules ask for the same few many times
        key = name.lower()
        try:
            return self._header_values[key]
        except KeyError:
            value = self.headers.get(name)
            found = self._header_values[key] = str(value) if value is not None else None
            return found

    def header(self, name: str) -> str | None:
        """A message header (``.eml`` and EmailMessage input), or None."""
        return self._header(name)

    @property
    def subject(self) -> str | None:
        """The subject: the ``subject`` argument, else the Subject header,
        else the send context's ``subject``; None without any."""
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
        """Where the subject is in an ``.eml`` file (the Subject header's value), or None."""
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
        return Segment(
            mask(self._subject, tokens),
            self._subject,
            "subject",
            None,
            tokens,
            index_points,
            source_points,
            lang=self.lang,
            source="header",
        )

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
        """The preheader text, whitespace collapsed, or None."""
        text = " ".join(" ".join(s.text for s in self.segments if s.preheader and s.kind == "text").split())
        return text or None

    @cached_property
    def visible_text(self) -> str:
        """All visible body text, whitespace collapsed, merge tags masked."""
        return " ".join(" ".join(s.text for s in self.segments if s.kind == "text" and not s.hidden).split())

    @cached_property
    def html_element(self) -> Element | None:
        """The ``<html>`` element, or None."""
        return next((e for e in self.elements if e.tag == "html"), None)

    @cached_property
    def body_element(self) -> Element | None:
        """The ``<body>`` element, or None."""
        return next((e for e in self.elements if e.tag == "body"), None)

    @property
    def lang(self) -> str | None:
        """The ``lang`` (or ``xml:lang``) of ``<html>``, or None."""
        element = self.html_element
        return (element.attrs.get("lang") or element.attrs.get("xml:lang")) if element else None

    @cached_property
    def size_bytes(self) -> int:
        """Size of the HTML in UTF-8 bytes."""
        return len(self.html.encode("utf-8", "surrogatepass"))

    def find(self, tag: str) -> list[Element]:
        """Elements with this tag name, in source order."""
        tag = tag.lower()
        return [e for e in self.elements if e.tag == tag]

    def __repr__(self) -> str:
        return f"<Email {self.path or '<string>'} {len(self.elements)} elements>"
