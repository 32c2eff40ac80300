"""The scanner: one pass over the HTML that builds the model an Email holds.

A position-keeping tokenizer (regular expressions, not a DOM parser: a broken
template must still be linted, and every finding must point at the line the
user edits) turns the source into the element tree, the text segments a reader
sees (entities decoded, zero-width characters dropped, merge tags masked,
offsets mapped back to the source), the links and images, the comments and the
stylesheets. It decides what is hidden (inline styles, classes a ``<style>``
block hides), which element is the preheader, and what text each link has.

Rules never use this module; they read the result through :class:`~oopslint.Email`.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Callable

from .email import Comment, Element, Image, Link, Segment
from .report import Span
from .templating import find_tokens, find_tokens_in_url, mask

VOID_TAGS = frozenset(
    "area base br col embed hr img input link meta param source track wbr basefont bgsound frame keygen".split()
)
RAW_TEXT_TAGS = frozenset(("script", "style", "textarea", "title", "xmp"))
NON_VISIBLE_TAGS = frozenset(("head", "script", "style", "title", "template", "noscript", "meta", "link"))
SKIP_SPELLING_TAGS = frozenset(("code", "pre", "kbd", "samp", "var", "tt"))
BLOCK_TAGS = frozenset(
    (
        "#document html body address article aside blockquote center dd details dialog div dl dt "
        "fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre "
        "section summary table tbody thead tfoot tr td th caption ul button br"
    ).split()
)
CLOSES_P = frozenset(
    "address article aside blockquote center div dl fieldset footer form h1 h2 h3 h4 h5 h6 header hr main nav ol p pre section table ul".split()
)
_IMPLIES_END = CLOSES_P | frozenset(("li", "dt", "dd", "td", "th", "tr", "tbody", "thead", "tfoot", "option"))
INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u034f\u180e"

# one "<" first, so the engine finds candidates with a fast literal search; the
# attribute run is possessive (each of its parts starts with a different
# character, so there is one way to read it and nothing to backtrack into).
# Groups: 1 comment, 2 endtag, 3 tag, 4 attrs (m.lastindex tells which matched).
_TOKEN_RE = re.compile(
    r"""<(?:
       !--(?P<comment>.*?)(?:-->|\Z)
      |!\[CDATA\[.*?(?:\]\]>|\Z)
      |![^>]*>
      |\?[^>]*>
      |/(?P<endtag>[A-Za-z][^\s/>]*)[^>]*>
      |(?P<tag>[A-Za-z][^\s/>]*)(?P<attrs>(?:[^>"']++|"[^"]*+"|'[^']*+')*+)>
    )""",
    re.S | re.X,
)
_ATTR_RE = re.compile(r"""(?P<name>[^\s"'>/=]+)(?:\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<uq>[^\s>]+)))?""")
_DECODE_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});?|[" + INVISIBLE_CHARS + "]")
# @import rules and @font-face blocks: their url() is a stylesheet or a font
_CSS_NOT_IMAGES_RE = re.compile(r"@import\b[^;{}]*;?|@font-face\s*\{[^}]*\}?", re.I)
_CSS_URL_RE = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.I)
_HIDDEN_STYLE_RE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?![.\d]*[1-9])(?:\.0+)?\s*(?:;|!|$)",
    re.I,
)
_COLLAPSED_RE = re.compile(r"max-height\s*:\s*0(?:px)?\s*(?:;|!|$)", re.I)
_OVERFLOW_HIDDEN_RE = re.compile(r"overflow\s*:\s*hidden", re.I)
_PREHEADER_CLASS_RE = re.compile(r"pre-?header|preview", re.I)
_CSS_COMMENT_RE = re.compile(r"/\*.*?\*/", re.S)
_CSS_RULE_RE = re.compile(r"([^{}@]+)\{([^{}]*)\}")
_BRACE_RE = re.compile(r"[{}]")
_INVISIBLE_RE = re.compile("[" + INVISIBLE_CHARS + "]")
_SELF_CLOSING_SVG = frozenset(("svg", "path", "rect", "circle"))
_RAW_TEXT_END: dict[str, re.Pattern[str]] = {}


def _raw_text_end(name: str) -> re.Pattern[str]:
    """The end tag of a raw-text element (``</style>``), compiled once per name."""
    pattern = _RAW_TEXT_END.get(name)
    if pattern is None:
        pattern = _RAW_TEXT_END[name] = re.compile(r"</" + re.escape(name) + r"\s*>", re.I)
    return pattern


_CLASS_SELECTOR_RE = re.compile(r"\s*[a-zA-Z0-9]*\.([\w-]+)\s*")


def _decode_with_map(raw: str, base: int) -> tuple[str, list[int], list[int]]:
    """Decode entities and drop invisible characters, keeping an index map."""
    if "&" not in raw and _INVISIBLE_RE.search(raw) is None:
        return raw, [0], [base]
    pieces: list[str] = []
    index_points = [0]
    source_points = [base]
    length = 0
    last = 0
    for m in _DECODE_RE.finditer(raw):
        if m.start() > last:
            pieces.append(raw[last : m.start()])
            length += m.start() - last
        matched = m.group()
        decoded = "" if matched in INVISIBLE_CHARS else _html.unescape(matched)
        decoded = "".join(c for c in decoded if c not in INVISIBLE_CHARS)
        if decoded:
            pieces.append(decoded)
            index_points.append(length)
            source_points.append(base + m.start())
            length += len(decoded)
        index_points.append(length)
        source_points.append(base + m.end())
        last = m.end()
    pieces.append(raw[last:])
    return "".join(pieces), index_points, source_points


def _hidden_classes(css: str) -> set[str]:
    """Classes a ``<style>`` block hides outside media queries (``.preheader {display:none}``)."""
    css = _CSS_COMMENT_RE.sub("", css)
    out: list[str] = []
    depth = 0
    i = 0
    # drop @media/@supports blocks: they hide things only on some clients
    while i < len(css):
        at = css.find("@", i)
        if at < 0:
            out.append(css[i:])
            break
        out.append(css[i:at])
        brace = css.find("{", at)
        semicolon = css.find(";", at)
        if brace < 0 or (0 <= semicolon < brace):
            i = (semicolon + 1) if semicolon >= 0 else len(css)
            continue
        depth = 0
        j = len(css)
        for brace_match in _BRACE_RE.finditer(css, brace):
            if brace_match.group() == "{":
                depth += 1
            else:
                depth -= 1
                if depth == 0:
                    j = brace_match.start()
                    break
        i = j + 1
    hidden: set[str] = set()
    for selectors, body in _CSS_RULE_RE.findall("".join(out)):
        if not _HIDDEN_STYLE_RE.search(body) and not (_COLLAPSED_RE.search(body) and _OVERFLOW_HIDDEN_RE.search(body)):
            continue
        for selector in selectors.split(","):
            match = _CLASS_SELECTOR_RE.fullmatch(selector)
            if match:
                hidden.add(match.group(1))
    return hidden


def _style_hides(style: str) -> bool:
    if not style:
        return False
    # every hiding declaration holds one of these (case-insensitively; none of
    # their letters has a non-ASCII case-insensitive match, unlike i, k and s)
    lowered = style.lower()
    if "none" not in lowered and "dden" not in lowered and "opac" not in lowered:
        return False
    if _HIDDEN_STYLE_RE.search(style):
        return True
    return bool(_COLLAPSED_RE.search(style) and _OVERFLOW_HIDDEN_RE.search(style))


class Scanner:
    """Scans one email's HTML once; the lists it fills become the Email's."""

    def __init__(self, html: str, dialects: tuple[str, ...], span: Callable[[int, int | None], Span]):
        self.html = html
        self.dialects = dialects
        self.span = span
        self.elements: list[Element] = []
        self.segments: list[Segment] = []
        self.links: list[Link] = []
        self.images: list[Image] = []
        self.comments: list[Comment] = []
        self.stylesheets: list[tuple[str, int]] = []
        self.ids: set[str] = set()
        self.root = Element("#document", {}, 0, 0)
        self._hidden_classes: set[str] = set()

    def run(self) -> Scanner:
        self._scan()
        self._build_attribute_segments()
        self._collect_link_text()
        return self

    def _scan(self) -> None:
        html = self.html
        # class-hidden rules must be known before elements are built
        for match in re.finditer(r"<style[^>]*>(.*?)</style", html, re.S | re.I):
            self._hidden_classes |= _hidden_classes(match.group(1))
        stack: list[Element] = [self.root]
        pos = 0
        length = len(html)
        search = _TOKEN_RE.search
        text = self._text
        element_for = self._element
        while pos < length:
            m = search(html, pos)
            if m is None:
                text(html[pos:], pos, stack[-1])
                break
            start, pos_end = m.span()
            if start > pos:
                parent = stack[-1]
                if not (parent.in_head or parent.in_comment):
                    raw = html[pos:start]
                    if not raw.isspace():
                        text(raw, pos, parent)
            pos = pos_end
            kind = m.lastindex
            if kind == 4:  # a start tag
                name = m.group(3).lower()
                element = element_for(name, m, stack)
                if name in RAW_TEXT_TAGS:
                    close = _raw_text_end(name).search(html, pos)
                    end = close.start() if close else length
                    body = html[pos:end]
                    if name == "style":
                        self.stylesheets.append((body, pos))
                        self._css_urls(body, pos, element)
                    elif name == "textarea":
                        text(body, pos, element)
                    pos = close.end() if close else length
                    element.close_end = pos
                elif name not in VOID_TAGS and not (
                    (":" in name or name in _SELF_CLOSING_SVG) and m.group(4).rstrip().endswith("/")
                ):
                    stack.append(element)
            elif kind == 2:  # an end tag
                name = m.group(2).lower()
                for depth in range(len(stack) - 1, 0, -1):
                    if stack[depth].tag == name:
                        stack[depth].close_end = pos_end
                        del stack[depth:]
                        break
            elif kind == 1:  # a comment
                comment = m.group(1)
                self.comments.append(Comment(comment, start, pos_end))
                if comment.startswith("[if") and "<v:" in comment.lower():
                    self._scan_conditional(comment, m.start(1), stack[-1])

    def _element(self, name: str, m: re.Match[str], stack: list[Element]) -> Element:
        # implied end tags that matter for email markup
        if name in _IMPLIES_END:
            if name in CLOSES_P:
                self._close_if_open(stack, ("p",), ("td", "th", "table", "body", "div", "li"))
            if name == "li":
                self._close_if_open(stack, ("li",), ("ul", "ol", "td", "table"))
            elif name in ("dt", "dd"):
                self._close_if_open(stack, ("dt", "dd"), ("dl",))
            elif name in ("td", "th"):
                self._close_if_open(stack, ("td", "th"), ("tr", "table"))
            elif name == "tr":
                self._close_if_open(stack, ("tr", "td", "th"), ("table", "tbody", "thead", "tfoot"))
            elif name in ("tbody", "thead", "tfoot"):
                self._close_if_open(stack, ("tbody", "thead", "tfoot", "tr", "td", "th"), ("table",))
            elif name == "option":
                self._close_if_open(stack, ("option",), ("select",))
        parent = stack[-1]
        attrs: dict[str, str] = {}
        spans: dict[str, tuple[int, int]] = {}
        attrs_text = m.group(4)
        if attrs_text and not attrs_text.isspace():
            base = m.start(4)
            for a in _ATTR_RE.finditer(attrs_text):
                attr = a.group(1).lower()
                if attr in attrs:
                    continue
                group = a.lastindex or 1  # 1 name only, 2 "value", 3 'value', 4 value
                if group == 1:
                    attrs[attr] = ""
                else:
                    value = a.group(group)
                    attrs[attr] = _html.unescape(value) if "&" in value else value
                start, end = a.span(group)
                spans[attr] = (base + start, base + end)
        element = Element(name, attrs, m.start(), m.end(), parent, spans, index=len(self.elements))
        parent.children.append(element)
        self.elements.append(element)
        self._inherit(element, parent)
        if attrs:
            self._collect_urls(element)
        return element

    @staticmethod
    def _close_if_open(stack: list[Element], names: tuple[str, ...], scope: tuple[str, ...]) -> None:
        for depth in range(len(stack) - 1, 0, -1):
            tag = stack[depth].tag
            if tag in names:
                del stack[depth:]
                return
            if tag in scope:
                return

    def _inherit(self, element: Element, parent: Element) -> None:
        attrs = element.attrs
        tag = element.tag
        element.in_head = parent.in_head or tag in NON_VISIBLE_TAGS
        element.in_comment = parent.in_comment
        if attrs:
            element.lang = attrs.get("lang") or attrs.get("xml:lang") or parent.lang
            hidden = parent.hidden or "hidden" in attrs or _style_hides(attrs.get("style", ""))
            if not hidden and self._hidden_classes and "class" in attrs:
                hidden = any(c in self._hidden_classes for c in attrs["class"].split())
            element.hidden = hidden
            element.skip_spelling = (
                parent.skip_spelling
                or tag in SKIP_SPELLING_TAGS
                or attrs.get("translate", "").lower() == "no"
                or "notranslate" in attrs.get("class", "").split()
                or attrs.get("spellcheck", "").lower() == "false"
                or "data-oopslint-skip" in attrs
            )
            if "id" in attrs:
                self.ids.add(attrs["id"])
            if "name" in attrs and tag in ("a", "map"):
                self.ids.add(attrs["name"])
        else:
            element.lang = parent.lang
            element.hidden = parent.hidden
            element.skip_spelling = parent.skip_spelling or tag in SKIP_SPELLING_TAGS
        element.block = element if tag in BLOCK_TAGS else (parent.block or parent)
        element.link = element if tag == "a" else parent.link

    def _collect_urls(self, element: Element) -> None:
        attrs = element.attrs
        tag = element.tag
        if "href" in attrs and (tag in ("a", "area") or tag.startswith("v:")):
            url = attrs["href"]
            kind = "vml" if tag.startswith("v:") else tag
            self.links.append(
                Link(
                    url.strip(), element, self._attr_span(element, "href"), kind, find_tokens_in_url(url, self.dialects)
                )
            )
        if tag == "img" and "src" in attrs or tag in ("v:fill", "v:image", "v:imagedata") and "src" in attrs:
            url = attrs["src"]
            kind = "vml" if tag.startswith("v:") else "img"
            self.images.append(
                Image(
                    url.strip(), element, self._attr_span(element, "src"), kind, find_tokens_in_url(url, self.dialects)
                )
            )
        if "background" in attrs and attrs["background"].strip():
            url = attrs["background"]
            self.images.append(
                Image(
                    url.strip(),
                    element,
                    self._attr_span(element, "background"),
                    "background",
                    find_tokens_in_url(url, self.dialects),
                )
            )
        style = attrs.get("style")
        if style and "url(" in style.lower():
            start = element.attr_spans["style"][0]
            self._css_urls(style, start, element)

    def _css_urls(self, css: str, base: int, element: Element) -> None:
        """Images that CSS loads: ``url()`` outside ``@import`` rules (stylesheets)
        and ``@font-face`` blocks (fonts)."""
        not_images = [m.span() for m in _CSS_NOT_IMAGES_RE.finditer(css)] if "@" in css else []
        for m in _CSS_URL_RE.finditer(css):
            if not_images and any(start <= m.start() < end for start, end in not_images):
                continue
            group = 1 if m.group(1) is not None else 2 if m.group(2) is not None else 3
            url = m.group(group).strip()
            if not url or url.startswith("#"):
                continue
            span = self.span(base + m.start(group), base + m.end(group))
            self.images.append(Image(url, element, span, "css", find_tokens_in_url(url, self.dialects)))

    def _scan_conditional(self, body: str, base: int, parent: Element) -> None:
        """Collect VML links and images from an Outlook conditional comment."""
        for m in _TOKEN_RE.finditer(body):
            name = (m.group("tag") or "").lower()
            if not name.startswith("v:"):
                continue
            attrs: dict[str, str] = {}
            spans: dict[str, tuple[int, int]] = {}
            attrs_base = base + m.start("attrs")
            for a in _ATTR_RE.finditer(m.group("attrs") or ""):
                for group in ("dq", "sq", "uq"):
                    value = a.group(group)
                    if value is not None:
                        attrs[a.group("name").lower()] = _html.unescape(value)
                        spans[a.group("name").lower()] = (attrs_base + a.start(group), attrs_base + a.end(group))
                        break
            element = Element(
                name, attrs, base + m.start(), base + m.end(), parent, spans, index=len(self.elements), in_comment=True
            )
            element.lang = parent.lang
            element.hidden = parent.hidden
            element.block = parent.block or parent
            element.link = parent.link
            self.elements.append(element)
            self._collect_urls(element)

    def _attr_span(self, element: Element, name: str) -> Span:
        start, end = element.attr_spans.get(name, (element.start, element.end))
        return self.span(start, end)

    def _text(self, raw: str, base: int, parent: Element) -> None:
        if parent.in_head or parent.in_comment:
            return
        if not raw or raw.isspace():
            return
        decoded, index_points, source_points = _decode_with_map(raw, base)
        if not decoded.strip():
            return
        tokens = find_tokens(decoded, self.dialects)
        segment = Segment(
            text=mask(decoded, tokens),
            raw=decoded,
            kind="text",
            element=parent,
            tokens=tokens,
            _index_points=index_points,
            _source_points=source_points,
            hidden=parent.hidden,
            lang=parent.lang,
            skip_spelling=parent.skip_spelling,
        )
        self.segments.append(segment)

    def _build_attribute_segments(self) -> None:
        # alt and title attributes are text a reader sees too
        extra: list[Segment] = []
        for element in self.elements:
            if element.in_head:
                continue
            for attr in ("alt", "title"):
                value = element.attrs.get(attr)
                if not value or not value.strip() or attr not in element.attr_spans:
                    continue
                start, end = element.attr_spans[attr]
                raw = self.html[start:end]
                decoded, index_points, source_points = _decode_with_map(raw, start)
                tokens = find_tokens(decoded, self.dialects)
                extra.append(
                    Segment(
                        mask(decoded, tokens),
                        decoded,
                        attr,
                        element,
                        tokens,
                        index_points,
                        source_points,
                        hidden=element.hidden,
                        lang=element.lang,
                        skip_spelling=element.skip_spelling,
                    )
                )
        if extra:
            self.segments = sorted(self.segments + extra, key=lambda s: s.start)
        self._mark_preheader()

    def _mark_preheader(self) -> None:
        """The preheader: hidden text before any visible body text, or an
        element whose class names it (``preheader``, ``preview``)."""
        for segment in self.segments:
            if segment.kind != "text":
                continue
            element = segment.element
            named = element is not None and any(
                _PREHEADER_CLASS_RE.search(c) for e in (element, *element.ancestors()) for c in e.classes
            )
            if named or segment.hidden:
                segment.preheader = True
                continue
            break
        else:
            return
        # later hidden text whose class says preheader, e.g. after a visible logo alt
        for segment in self.segments:
            element = segment.element
            if (
                segment.kind == "text"
                and segment.hidden
                and element is not None
                and any(_PREHEADER_CLASS_RE.search(c) for e in (element, *element.ancestors()) for c in e.classes)
            ):
                segment.preheader = True

    def _collect_link_text(self) -> None:
        by_link: dict[int, list[str]] = {}
        for segment in self.segments:
            link = segment.link
            if link is None:
                continue
            if segment.kind == "text":
                by_link.setdefault(id(link), []).append(segment.text)
        alts: dict[int, list[str]] = {}
        for image in self.images:
            if image.kind == "img" and image.element.link is not None:
                alts.setdefault(id(image.element.link), []).append(image.element.attrs.get("alt") or "")
        for anchor in self.links:
            if anchor.kind == "a":
                anchor.text = " ".join(" ".join(by_link.get(id(anchor.element), [])).split())
                anchor.image_alts = alts.get(id(anchor.element), [])
