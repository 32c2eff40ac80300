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
import threading
from collections.abc import Callable, Iterator

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
      |/(?P<endtag>[A-Za-z][^\s/><{]*)[^>]*>
      |(?P<tag>[A-Za-z][^\s/><{]*)(?P<attrs>(?:[^>"'<]++|"[^"]*+"|'[^']*+'|<%(?:[^%<]|%(?!>)|<(?!%))*+%>|</?[\#@][^<>]*+>|<)*+)>
    )""",
    re.S | re.X,
)
# Template code between a start tag's attributes (<td {% if wide %}width="600"{% endif %}>,
# <th <% if (wide) { %>width="<%= w %>"<% } %>>) is blanked before the attributes are
# read: from its first statement to its last, what lies between is conditional and
# none of it is read (neither branch can be assumed); an output tag elsewhere
# ({{ attrs }}) is blanked alone. A tag inside a quoted value is that value's.
# The dialects that write code there are found whatever the configured ones, so
# the scanner and attribute_spans (which knows no configuration) read tags alike.
_IN_TAG_DIALECTS = ("jinja", "freemarker", "erb")
_STATEMENTS = ("{%", "{#", "<#", "</#", "<@", "</@")
_QUOTED_RE = re.compile(r""""[^"]*+"|'[^']*+'""")


def _without_template_code(attrs_text: str) -> str:
    """``attrs_text`` with its template code turned into spaces (offsets kept)."""
    if "<%" not in attrs_text and "{" not in attrs_text and "<#" not in attrs_text and "<@" not in attrs_text:
        return attrs_text
    tokens = find_tokens(attrs_text, _IN_TAG_DIALECTS)
    if not tokens:
        return attrs_text
    quoted = [m.span() for m in _QUOTED_RE.finditer(mask(attrs_text, tokens))]
    code = [t for t in tokens if not any(a <= t.start and t.end <= b for a, b in quoted)]
    statements = [t for t in code if t.text.startswith(_STATEMENTS) or _is_erb_statement(t.text)]
    blanks = [(t.start, t.end) for t in code]
    if statements:
        first, last = statements[0].start, statements[-1].end
        blanks = [(a, b) for a, b in blanks if b <= first or a >= last] + [(first, last)]
    if not blanks:
        return attrs_text
    text = list(attrs_text)
    for a, b in blanks:
        text[a:b] = " " * (b - a)
    return "".join(text)


def _is_erb_statement(text: str) -> bool:
    return text.startswith("<%") and not text.startswith(("<%=", "<%-"))


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
# A rule: "selectors { body }". One can only start at the text's start or after
# a brace or "@" (from anywhere else, the rule starting one character earlier
# is the same rule), which the lookbehind tells the engine.
_CSS_RULE_RE = re.compile(r"(?<![^{}@])([^{}@]++)\{([^{}]*)\}")
_BRACE_RE = re.compile(r"[{}]")
_SELF_CLOSING_SVG = frozenset(("svg", "path", "rect", "circle"))
_RAW_TEXT_END: dict[str, re.Pattern[str]] = {}


def _raw_text_end(name: str) -> re.Pattern[str]:
    """The end tag of a raw-text element (``</style>``), compiled once per name."""
    pattern = _RAW_TEXT_END.get(name)
    if pattern is None:
        pattern = _RAW_TEXT_END[name] = re.compile(r"</" + re.escape(name) + r"\s*>", re.I)
    return pattern


_CLASS_SELECTOR_RE = re.compile(r"\s*[a-zA-Z0-9]*\.([\w-]+)\s*")


# what each entity (or invisible character) decodes to, invisible characters
# dropped: a preheader pads with hundreds of the same few ("&zwnj;&nbsp;")
_DECODED: dict[str, str] = {}


_FROM_ZERO = (0,)


def _decode_with_map(raw: str, base: int) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """Decode entities and drop invisible characters, keeping an index map.

    The maps are tuples of ints: the collector stops tracking them after its
    first look, so the segments a lint keeps cost it less."""
    if _DECODE_NEEDED_RE.search(raw) is None:
        return raw, _FROM_ZERO, (base,)
    pieces: list[str] = []
    index_points = [0]
    source_points = [base]
    length = 0
    last = 0
    known = _DECODED
    for m in _DECODE_RE.finditer(raw):
        start, end = m.span()
        if start > last:
            pieces.append(raw[last:start])
            length += start - last
        matched = m.group()
        decoded = known.get(matched)
        if decoded is None:
            decoded = "" if matched in INVISIBLE_CHARS else _html.unescape(matched)
            decoded = "".join(c for c in decoded if c not in INVISIBLE_CHARS)
            if len(known) < 1024:
                known[matched] = decoded
        if decoded:
            pieces.append(decoded)
            index_points.append(length)
            source_points.append(base + start)
            length += len(decoded)
        index_points.append(length)
        source_points.append(base + end)
        last = end
    pieces.append(raw[last:])
    return "".join(pieces), tuple(index_points), tuple(source_points)


def _hidden_classes(css: str) -> set[str]:
    """Classes a ``<style>`` block hides outside media queries (``.preheader {display:none}``)."""
    if "/*" in css:
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
    flat = "".join(out)
    if not _may_hide(flat):
        return hidden  # the common case: no hiding declaration outside media queries
    for selectors, body in _CSS_RULE_RE.findall(flat):
        if not _may_hide(body) or (
            not _HIDDEN_STYLE_RE.search(body) and not (_COLLAPSED_RE.search(body) and _OVERFLOW_HIDDEN_RE.search(body))
        ):
            continue
        for selector in selectors.split(","):
            match = _CLASS_SELECTOR_RE.fullmatch(selector)
            if match:
                hidden.add(match.group(1))
    return hidden


_STYLE_OPEN_RE = re.compile(r"<style[^>]*>", re.I)
_STYLE_CLOSE_RE = re.compile(r"</style", re.I)


def _style_bodies(html: str) -> Iterator[str]:
    """The text of each ``<style>`` block, as ``<style[^>]*>(.*?)</style``
    (case-insensitive) finds them one after another, without the lazy match
    trying every character of a long stylesheet."""
    pos = 0
    while True:
        opening = _STYLE_OPEN_RE.search(html, pos)
        if opening is None:
            return
        closing = _STYLE_CLOSE_RE.search(html, opening.end())
        if closing is None:
            return  # no later block has an end either
        yield html[opening.end() : closing.start()]
        pos = closing.end()


# the classes each stylesheet text hides: renders of one template share their
# <style> blocks, so a batch of them reads each stylesheet once
_HIDDEN_BY_CSS: dict[str, frozenset[str]] = {}
_HIDDEN_BY_CSS_ENTRIES = 32
_HIDDEN_BY_CSS_LARGEST = 64 * 1024
_HIDDEN_BY_CSS_LOCK = threading.Lock()


def _hidden_classes_cached(css: str) -> frozenset[str]:
    found = _HIDDEN_BY_CSS.get(css)
    if found is None:
        found = frozenset(_hidden_classes(css))
        if len(css) <= _HIDDEN_BY_CSS_LARGEST:
            with _HIDDEN_BY_CSS_LOCK:  # threads may lint at once
                if len(_HIDDEN_BY_CSS) >= _HIDDEN_BY_CSS_ENTRIES:
                    del _HIDDEN_BY_CSS[next(iter(_HIDDEN_BY_CSS))]  # the oldest
                _HIDDEN_BY_CSS[css] = found
    return found


def _find_css_image_urls(css: str) -> tuple[tuple[str, int, int], ...]:
    """``(url, start, end)`` of each image ``url()`` in ``css``, offsets in ``css``."""
    not_images = [m.span() for m in _CSS_NOT_IMAGES_RE.finditer(css)] if "@" in css else []
    found = []
    for m in _CSS_URL_RE.finditer(css):
        if not_images and any(start <= m.start() < end for start, end in not_images):
            continue
        group = 1 if m.group(1) is not None else 2 if m.group(2) is not None else 3
        url = m.group(group).strip()
        if not url or url.startswith("#"):
            continue
        found.append((url, m.start(group), m.end(group)))
    return tuple(found)


# the image url()s of each stylesheet text, shared by the renders of one template as above
_URLS_BY_CSS: dict[str, tuple[tuple[str, int, int], ...]] = {}


def _css_image_urls(css: str) -> tuple[tuple[str, int, int], ...]:
    if len(css) < 512:  # an inline style: reading it is cheaper than keeping it
        return _find_css_image_urls(css)
    found = _URLS_BY_CSS.get(css)
    if found is None:
        found = _find_css_image_urls(css)
        if len(css) <= _HIDDEN_BY_CSS_LARGEST:
            with _HIDDEN_BY_CSS_LOCK:
                if len(_URLS_BY_CSS) >= _HIDDEN_BY_CSS_ENTRIES:
                    del _URLS_BY_CSS[next(iter(_URLS_BY_CSS))]
                _URLS_BY_CSS[css] = found
    return found


def _may_hide(css: str) -> bool:
    """Whether ``css`` holds one of the words every hiding declaration holds
    (display:none, visibility:hidden, opacity:0, and the overflow:hidden a
    collapsed max-height needs), case-insensitively: none of their letters has
    a non-ASCII case-insensitive match, unlike i, k and s."""
    lowered = css.lower()
    return "none" in lowered or "dden" in lowered or "opac" in lowered


def _style_hides(style: str) -> bool:
    if not style or not _may_hide(style):
        return False
    if _HIDDEN_STYLE_RE.search(style):
        return True
    return bool(_COLLAPSED_RE.search(style) and _OVERFLOW_HIDDEN_RE.search(style))


_NAME_ENDS = frozenset(" \t\n\r\f\v/>")


def _written(name: str, attrs: dict[str, str]) -> str | None:
    """The attribute that holds the address ``name`` (href, src) will have once the
    template is rendered: Thymeleaf's ``th:href`` over a prototype ``href="#"``."""
    for template_name in _TEMPLATE_WRITES[name]:
        if template_name in attrs:
            return template_name
    return name if name in attrs else None


def attribute_spans(html: str, start: int, end: int, tag: str = "") -> dict[str, tuple[int, int]]:
    """Source offsets of each attribute value of the start tag at ``html[start:end]``
    (for a name without a value, the name's), read as the scanner reads them.

    ``tag``, the scanner's (lower-case) name of that start tag, saves reading
    the tag again when its spelling in the source is plainly the same length."""
    spans: dict[str, tuple[int, int]] = {}
    after_name = start + 1 + len(tag)
    if (
        tag
        and html.startswith("<", start)
        and html.startswith(">", end - 1)
        and after_name < end
        and html[after_name] in _NAME_ENDS
        and html[start + 1 : after_name].lower() == tag
    ):
        # the attribute run starts right after "<" and the name, and ends before ">"
        begin_attrs, end_attrs = after_name, end - 1
    else:
        m = _TOKEN_RE.match(html, start, end)
        if m is None or m.lastindex != 4:
            return spans
        begin_attrs, end_attrs = m.span(4)
    attrs_text = html[begin_attrs:end_attrs]
    readable = _without_template_code(attrs_text)
    if readable is attrs_text:
        matches = _ATTR_RE.finditer(html, begin_attrs, end_attrs)
        offset = 0
    else:
        matches = _ATTR_RE.finditer(readable)
        offset = begin_attrs
    for a in matches:
        attr = a.group(1).lower()
        if attr in spans:
            continue
        value_start, value_end = a.span(a.lastindex or 1)
        spans[attr] = (value_start + offset, value_end + offset)
    return spans


# the implied end tags that matter for email markup: for each start tag, the
# (open tags it closes, tags that stop the search) pairs, nearest open element first
_IMPLIED_ENDS: dict[str, tuple[tuple[frozenset[str], frozenset[str]], ...]] = {}
for _name in _IMPLIES_END:
    _pairs = []
    if _name in CLOSES_P:
        _pairs.append((frozenset(("p",)), frozenset(("td", "th", "table", "body", "div", "li"))))
    if _name == "li":
        _pairs.append((frozenset(("li",)), frozenset(("ul", "ol", "td", "table"))))
    elif _name in ("dt", "dd"):
        _pairs.append((frozenset(("dt", "dd")), frozenset(("dl",))))
    elif _name in ("td", "th"):
        _pairs.append((frozenset(("td", "th")), frozenset(("tr", "table"))))
    elif _name == "tr":
        _pairs.append((frozenset(("tr", "td", "th")), frozenset(("table", "tbody", "thead", "tfoot"))))
    elif _name in ("tbody", "thead", "tfoot"):
        _pairs.append((frozenset(("tbody", "thead", "tfoot", "tr", "td", "th")), frozenset(("table",))))
    elif _name == "option":
        _pairs.append((frozenset(("option",)), frozenset(("select",))))
    _IMPLIED_ENDS[_name] = tuple(_pairs)
del _name, _pairs

# attributes that make an element load a URL, or that mark text not to spell-check
_URL_ATTRS = frozenset(("href", "src", "background", "style", "th:href", "th:src", "data-th-href", "data-th-src"))
# Thymeleaf writes these over href and src when it renders: they are the email's addresses
_TEMPLATE_WRITES = {"href": ("th:href", "data-th-href"), "src": ("th:src", "data-th-src")}
_SKIP_SPELLING_ATTRS = ("translate", "spellcheck", "data-oopslint-skip", "class")
_DECODE_NEEDED_RE = re.compile("[&" + INVISIBLE_CHARS + "]")


# The slots the scanner sets itself on each element it builds (see Scanner._scan);
# should Element ever have others, it uses the constructor instead.
_SCANNER_SETS = frozenset(
    (
        "tag attrs start end parent children index hidden lang skip_spelling in_head in_comment "
        "close_end _attr_spans _source block link"
    ).split()
)
_FAST_ELEMENTS = frozenset(Element.__slots__) == _SCANNER_SETS and not hasattr(object.__new__(Element), "__dict__")

# tag and attribute names as written -> lower case: one string per name shared by
# every element, rather than a new one per element to make and later free
_LOWERED_NAMES: dict[str, str] = {}
_LOWERED_NAMES_LIMIT = 4096


def _lowered_name(name: str) -> str:
    lowered = name.lower()
    if len(_LOWERED_NAMES) < _LOWERED_NAMES_LIMIT and len(name) <= 64:
        _LOWERED_NAMES[name] = lowered
    return lowered


# the attributes of a start tag's attribute text: renders of one template repeat
# most of their tags as they are
_ATTRS_OF: dict[str, tuple[tuple[str, str], ...]] = {}
_ATTRS_OF_ENTRIES = 2048
_ATTRS_OF_LONGEST = 512


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
        self._titled: list[Element] = []  # elements with an alt or title attribute

    def run(self) -> Scanner:
        self._scan()
        self._build_attribute_segments()
        self._collect_link_text()
        return self

    def _scan(self) -> None:
        html = self.html
        # class-hidden rules must be known before elements are built
        if "<style" in html or "<STYLE" in html or "<Style" in html or _STYLE_OPEN_RE.search(html):
            for body in _style_bodies(html):
                self._hidden_classes |= _hidden_classes_cached(body)
        hidden_classes = self._hidden_classes
        root = self.root
        stack: list[Element] = [root]
        elements = self.elements
        ids = self.ids
        titled = self._titled
        pos = 0
        length = len(html)
        search = _TOKEN_RE.search
        findall_attrs = _ATTR_RE.findall
        text = self._text
        body_text = self._body_text
        collect_urls = self._collect_urls
        unescape = _html.unescape
        implied_ends = _IMPLIED_ENDS
        void_tags = VOID_TAGS
        raw_text_tags = RAW_TEXT_TAGS
        non_visible = NON_VISIBLE_TAGS
        skip_tags = SKIP_SPELLING_TAGS
        block_tags = BLOCK_TAGS
        url_attrs = _URL_ATTRS
        lowered_names = _LOWERED_NAMES
        fast_elements = _FAST_ELEMENTS
        attrs_of = _ATTRS_OF
        new_element = object.__new__
        parent = root
        while pos < length:
            m = search(html, pos)
            if m is None:
                text(html[pos:], pos, parent)
                break
            start, pos_end = m.span()
            if start > pos and not (parent.in_head or parent.in_comment):
                raw = html[pos:start]
                if not raw.isspace():
                    body_text(raw, pos, parent)
            pos = pos_end
            kind = m.lastindex
            if kind == 4:  # a start tag
                raw_name = m.group(3)
                name = lowered_names.get(raw_name)
                if name is None:
                    name = _lowered_name(raw_name)
                pairs = implied_ends.get(name)
                if pairs is not None:
                    for names, scope in pairs:
                        for depth in range(len(stack) - 1, 0, -1):
                            tag = stack[depth].tag
                            if tag in names:
                                del stack[depth:]
                                break
                            if tag in scope:
                                break
                    parent = stack[-1]
                attrs_text = m.group(4)
                attrs: dict[str, str]
                if not attrs_text or attrs_text.isspace():
                    attrs = {}
                elif (known := attrs_of.get(attrs_text)) is not None:
                    attrs = dict(known)
                else:
                    attrs = {}
                    for attr, dq, sq, uq in findall_attrs(_without_template_code(attrs_text)):
                        attr = lowered_names.get(attr) or _lowered_name(attr)
                        if attr not in attrs:
                            attrs[attr] = dq or sq or uq
                    if "&" in attrs_text:
                        for attr, value in attrs.items():
                            if "&" in value:
                                attrs[attr] = unescape(value)
                    if len(attrs_text) <= _ATTRS_OF_LONGEST:
                        if len(attrs_of) >= _ATTRS_OF_ENTRIES:
                            attrs_of.clear()
                        attrs_of[attrs_text] = tuple(attrs.items())
                in_head = parent.in_head or name in non_visible
                if attrs:
                    lang = attrs.get("lang") or attrs.get("xml:lang") or parent.lang
                    hidden = parent.hidden or "hidden" in attrs
                    style = attrs.get("style")
                    if not hidden and style:
                        hidden = _style_hides(style)
                    classes = attrs.get("class")
                    if not hidden and hidden_classes and classes:
                        hidden = not hidden_classes.isdisjoint(classes.split())
                    skip_spelling = parent.skip_spelling or name in skip_tags
                    if not skip_spelling and (
                        "translate" in attrs
                        or "spellcheck" in attrs
                        or "data-oopslint-skip" in attrs
                        or (classes and "notranslate" in classes)
                    ):
                        skip_spelling = (
                            attrs.get("translate", "").lower() == "no"
                            or "notranslate" in (classes or "").split()
                            or attrs.get("spellcheck", "").lower() == "false"
                            or "data-oopslint-skip" in attrs
                        )
                    if "id" in attrs:
                        ids.add(attrs["id"])
                    if "name" in attrs and (name == "a" or name == "map"):
                        ids.add(attrs["name"])
                else:
                    lang = parent.lang
                    hidden = parent.hidden
                    skip_spelling = parent.skip_spelling or name in skip_tags
                if fast_elements:
                    # the slots set one by one: half the cost of the constructor's call
                    element = new_element(Element)
                    element.tag = name
                    element.attrs = attrs
                    element.start = start
                    element.end = pos_end
                    element.parent = parent
                    element.children = []
                    element.index = len(elements)
                    element.hidden = hidden
                    element.lang = lang
                    element.skip_spelling = skip_spelling
                    element.in_head = in_head
                    element.in_comment = parent.in_comment
                    element.close_end = None
                    element._attr_spans = None  # read from the start tag when asked for
                    element._source = html
                else:
                    element = Element(
                        name,
                        attrs,
                        start,
                        pos_end,
                        parent,
                        None,
                        [],
                        len(elements),
                        hidden,
                        lang,
                        skip_spelling,
                        in_head,
                        parent.in_comment,
                        None,
                        None,
                        None,
                        html,
                    )
                element.block = element if name in block_tags else (parent.block or parent)
                element.link = element if name == "a" else parent.link
                parent.children.append(element)
                elements.append(element)
                if attrs:
                    if not url_attrs.isdisjoint(attrs):
                        collect_urls(element)
                    if ("alt" in attrs or "title" in attrs) and not in_head:
                        titled.append(element)
                if name in raw_text_tags:
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
                elif name not in void_tags and not (
                    (":" in name or name in _SELF_CLOSING_SVG) and attrs_text.rstrip().endswith("/")
                ):
                    stack.append(element)
                    parent = element
            elif kind == 2:  # an end tag
                name = m.group(2).lower()
                if parent.tag == name:  # the common case: it closes the innermost element
                    parent.close_end = pos_end
                    stack.pop()
                    parent = stack[-1]
                    continue
                for depth in range(len(stack) - 2, 0, -1):
                    if stack[depth].tag == name:
                        stack[depth].close_end = pos_end
                        del stack[depth:]
                        parent = stack[-1]
                        break
            elif kind == 1:  # a comment
                comment = m.group(1)
                self.comments.append(Comment(comment, start, pos_end))
                if comment.startswith("[if") and "<v:" in comment.lower():
                    self._scan_conditional(comment, m.start(1), parent)

    def _collect_urls(self, element: Element) -> None:
        attrs = element.attrs
        tag = element.tag
        href = _written("href", attrs)
        if href is not None and (tag in ("a", "area") or tag.startswith("v:")):
            url = attrs[href]
            kind = "vml" if tag.startswith("v:") else tag
            self.links.append(
                Link(url.strip(), element, self._attr_span(element, href), kind, find_tokens_in_url(url, self.dialects))
            )
        src = _written("src", attrs)
        if src is not None and (tag == "img" or tag in ("v:fill", "v:image", "v:imagedata")):
            url = attrs[src]
            kind = "vml" if tag.startswith("v:") else "img"
            self.images.append(
                Image(url.strip(), element, self._attr_span(element, src), kind, find_tokens_in_url(url, self.dialects))
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
        if style and "(" in style:
            start = element.attr_spans["style"][0]
            self._css_urls(style, start, element)

    def _css_urls(self, css: str, base: int, element: Element) -> None:
        """Images that CSS loads: ``url()`` outside ``@import`` rules (stylesheets)
        and ``@font-face`` blocks (fonts)."""
        if "url(" not in css.lower():  # none of its letters has a non-ASCII case-insensitive match
            return
        for url, start, end in _css_image_urls(css):
            span = self.span(base + start, base + end)
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
            if "alt" in attrs or "title" in attrs:
                self._titled.append(element)

    def _attr_span(self, element: Element, name: str) -> Span:
        start, end = element.attr_spans.get(name, (element.start, element.end))
        return self.span(start, end)

    def _text(self, raw: str, base: int, parent: Element) -> None:
        if parent.in_head or parent.in_comment:
            return
        if not raw or raw.isspace():
            return
        self._body_text(raw, base, parent)

    def _body_text(self, raw: str, base: int, parent: Element) -> None:
        """:meth:`_text` of text the scan has checked: not blank, in the body."""
        decoded, index_points, source_points = _decode_with_map(raw, base)
        if decoded is not raw and not decoded.strip():
            return
        tokens = find_tokens(decoded, self.dialects)
        self.segments.append(
            Segment(
                mask(decoded, tokens) if tokens else decoded,
                decoded,
                "text",
                parent,
                tokens,
                index_points,
                source_points,
                parent.hidden,
                False,
                parent.lang,
                parent.skip_spelling,
            )
        )

    def _build_attribute_segments(self) -> None:
        # alt and title attributes are text a reader sees too
        extra: list[Segment] = []
        for element in self._titled:
            if element.in_head:
                continue
            for attr in ("alt", "title"):
                value = element.attrs.get(attr)
                if not value or value.isspace():
                    continue
                place = element.attr_spans.get(attr)
                if place is None:
                    continue
                start, end = place
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
            segments = self.segments + extra
            starts = [segment._source_points[0] for segment in segments]
            self.segments = [segments[i] for i in sorted(range(len(segments)), key=starts.__getitem__)]
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
