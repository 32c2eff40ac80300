"""Computed styles per element and per mail-client profile; never fetches anything.

The cascade is computed here, the way a browser engine would, on the email's
own element tree (so every result keeps its place in the file):

- ``<style>`` blocks as :mod:`oopslint.css` parses them (tinycss2, once per
  email, shared with the other CSS rules; Outlook-only conditional blocks left
  out); rules apply by selector specificity and source order, ``!important``
  beats inline declarations;
- inline ``style`` attributes;
- the presentational attributes email still uses (``bgcolor``, ``<font color
  size>``, ``<body text link bgcolor background>``, ``background=``) at the
  lowest author priority, as browsers map them;
- inherited properties (``color``, ``font-*``) and the user-agent defaults that
  matter for contrast (link colour and underline, heading sizes, bold tags).

Selectors are matched by cssselect: type, class, id and descendant/child
combinations (almost all email CSS) directly on the element tree; anything
else through cssselect's XPath on an lxml copy of the tree. ``@import`` is
read and never fetched; ``@media`` rules apply only when they hold for a
desktop client in light mode, and ``(prefers-color-scheme: dark)`` rules in
the ``dark-media`` profile. A parsed stylesheet is kept by its text, so a
batch of renders of one template parses and compiles it once; the computed
styles are kept by the stylesheet and the element tree as the cascade reads
it (tags, nesting, the attributes selectors and styles come from), as long as
an email using them is alive, so a Linter linting renders of one template
computes the cascade once (text and other attribute values may differ).

Client profiles (see ``PROFILES``) say how a client paints: with the whole
cascade, without ``<style>``, with its own link colour, or darkened.
"""

from __future__ import annotations

import marshal
import re
import threading
import weakref
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from ._frozen import quick_init
from ._stylesheet import (
    _BORDER_STYLES,
    _IMAGE_VALUE,
    _LENGTH,
    _SIZE_KEYWORDS,
    Stylesheet,
    _hints,
    _inline_expanded,
    _StyleRule,
    compile_parsed,
    compile_stylesheet,
    parse_declarations,
)
from .colors import (
    BLACK,
    CURRENT_COLOR,
    RGBA,
    WHITE,
    blend,
    contrast_ratio,
    floor2,
    invert_lightness,
    lab_lightness,
    nearest_passing,
    parse_color,
)

if TYPE_CHECKING:
    from .email import Element, Email

__all__ = [
    # colours, so rules need only this module
    "RGBA",
    "parse_color",
    "blend",
    "contrast_ratio",
    "floor2",
    "nearest_passing",
    "PROFILES",
    "LIGHT_PROFILES",
    "DARK_PROFILES",
    "DEFAULT_LINK_COLOUR",
    "Painted",
    "StyleMap",
    "Stylesheet",
    "styles",
    "parse_declarations",
    "compile_stylesheet",
]

PROFILES = ("full-css", "style-stripped", "default-link-colour", "dark-media", "dark-partial", "dark-full")
LIGHT_PROFILES = ("full-css", "style-stripped", "default-link-colour")
DARK_PROFILES = ("dark-media", "dark-partial", "dark-full")
DEFAULT_LINK_COLOUR = "#0000EE"
#: dark-partial: backgrounds lighter than this CIE L* are darkened, text darker than that lightened
PARTIAL_LIGHT_BACKGROUND = 80.0
PARTIAL_DARK_TEXT = 50.0
_VARIANT = {
    "full-css": "full",
    "style-stripped": "stripped",
    "default-link-colour": "full",
    "dark-media": "dark",
    "dark-partial": "full",
    "dark-full": "full",
}

INHERITED = frozenset(
    "color font font-family font-size font-style font-weight line-height letter-spacing text-align "
    "text-transform visibility white-space direction color-scheme".split()
)
_UA_BOLD = frozenset("b strong th h1 h2 h3 h4 h5 h6".split())
_UA_EM = {"h1": 2.0, "h2": 1.5, "h3": 1.17, "h4": 1.0, "h5": 0.83, "h6": 0.67, "small": 0.83, "big": 1.2}
_VML_OPEN = re.compile(r"<v:(rect|roundrect|shape|oval)\b", re.I)
_VML_IMAGE = re.compile(
    r"<v:fill\b[^>]*(?:\bsrc\s*=|type\s*=\s*[\"']?(?:gradient|frame|tile))|<v:image\b|<v:imagedata\b|"
    r"<v:(?:rect|roundrect|shape|oval)\b[^>]*\bfill\s*=",
    re.I,
)
_VML_CLOSE = re.compile(r"</v:(rect|roundrect|shape|oval)\s*>", re.I)


@quick_init
@dataclass(frozen=True, slots=True)
class Painted:
    """How one element's text is painted in one client profile."""

    profile: str
    color: RGBA  #: the text colour, blended over its background
    background: RGBA  #: the solid colour behind the text (the fallback when an image is there)
    background_image: bool  #: an image, gradient or VML shape paints behind the text
    fallback: bool  #: with an image behind, a solid fallback colour is set and was checked
    font_size: float  #: px
    bold: bool
    ratio: float  #: WCAG 2.x ratio, two decimals, rounded down
    threshold: float  #: 4.5, or 3 for large text
    color_origin: str  #: "style-block", "inline", "attribute", "default-link", "client-link", "default"
    background_element: Element | None = None

    @property
    def large(self) -> bool:
        return self.threshold == 3.0

    @property
    def verifiable(self) -> bool:
        return not self.background_image or self.fallback

    @property
    def passes(self) -> bool:
        return self.ratio >= self.threshold

    def to_data(self) -> dict[str, Any]:
        """The painted colours, compact: the visual report reads these without running a check."""
        data: dict[str, Any] = {
            "color": self.color.hex(),
            "background": self.background.hex(),
            "ratio": self.ratio,
            "threshold": self.threshold,
            "passes": self.passes,
        }
        if self.background_image:
            data["background_image"] = True
            data["fallback"] = self.fallback
        return data


class _Computed(NamedTuple):
    color: RGBA
    origin: str
    background: tuple[RGBA, bool, bool, int | None]  #: the last: index of the element painting it
    size: float
    bold: bool


_ROOT = _Computed(BLACK, "default", (WHITE, False, False, None), 16.0, False)


def _same_values(a: _Computed, b: _Computed) -> bool:
    """Equal computed values (the element that paints the background compared by identity)."""
    if a is b:
        return True
    back_a, back_b = a.background, b.background
    return (
        a.color == b.color
        and a.origin == b.origin
        and a.size == b.size
        and a.bold == b.bold
        and back_a[3] == back_b[3]
        and back_a[0] == back_b[0]
        and back_a[1] == back_b[1]
        and back_a[2] == back_b[2]
    )


_DEFAULT_LINK_RGBA = RGBA(0.0, 0.0, 238.0)
_T = TypeVar("_T")
_MISSING: Any = object()


class _Shared:
    """Everything a StyleMap computes that depends only on the stylesheet and the
    element tree as the cascade reads it (tags, nesting, the attributes selectors
    and presentational hints read, hidden flags, VML shapes), keyed by element
    index: renders of one template share it, so the cascade runs once per template."""

    __slots__ = (
        "sheet",
        "matched",
        "declared",
        "colors",
        "hidden",
        "nodes",
        "touched",
        "base",
        "painted",
        "derived",
        "__weakref__",
    )

    def __init__(self, sheet: Stylesheet) -> None:
        self.sheet = sheet
        self.matched: dict[int, list[tuple[tuple[int, int, int], int, _StyleRule]]] | None = None
        # per variant: element index -> declared values
        self.declared: dict[str, dict[int, dict[str, tuple[str, str]]]] = {"full": {}, "stripped": {}, "dark": {}}
        self.colors: dict[tuple[int, str, str | None], tuple[RGBA, str]] = {}
        self.hidden: dict[int, bool] = {}
        self.nodes: dict[str, dict[int, _Computed]] = {"full": {}, "stripped": {}, "dark": {}}
        self.touched: dict[int, bool] = {}
        self.base: dict[tuple[int, str, str | None], tuple[RGBA, str, RGBA, bool, bool, int | None, float, bool]] = {}
        self.painted: dict[
            tuple[int, str, str], tuple[RGBA, RGBA, bool, bool, float, bool, float, float, str, int | None]
        ] = {}
        self.derived: dict[Hashable, Any] = {}


#: the shared styles of every template an email still alive uses: a Linter keeps its
#: recent emails, and with them their templates' styles; nothing else keeps them
_shared_states: weakref.WeakValueDictionary[tuple[int, bytes], _Shared] = weakref.WeakValueDictionary()
_shared_lock = threading.Lock()


def _tree_signature(email: Email, sheet: Stylesheet, vml: list[tuple[int, int]]) -> bytes:
    """What the cascade reads of the element tree, as a digest."""
    names = sheet.attribute_names()
    rows: list[Any] = []
    append = rows.append
    for element in email.elements:
        parent = element.parent
        attrs = element.attrs
        if names is None:
            kept: Any = tuple(attrs.items())
        elif attrs:
            kept = () if names.isdisjoint(attrs) else tuple([item for item in attrs.items() if item[0] in names])
            if "href" in attrs and "href" not in names:
                kept += (("href", None),)
        else:
            kept = ()
        append(
            (
                element.tag,
                parent.index if parent is not None and parent.tag != "#document" else -1,
                element.in_comment,
                element.hidden,
                kept,
            )
        )
    if vml:
        rows.append(tuple(e.index for e in email.elements if any(s <= e.start < t for s, t in vml)))
    # equal bytes are equal signatures (marshal reads back what it wrote); 128 bits
    # of BLAKE2 make two different signatures with one digest out of reach
    try:  # hashlib's own BLAKE2b, without loading OpenSSL's bindings (hashlib's import) on every start
        from _blake2 import blake2b
    except ImportError:  # an interpreter built without it
        from hashlib import blake2b

    return blake2b(marshal.dumps(tuple(rows)), digest_size=16).digest()


def _shared_state(email: Email, sheet: Stylesheet, vml: list[tuple[int, int]]) -> _Shared:
    key = (id(sheet), _tree_signature(email, sheet, vml))
    with _shared_lock:
        found = _shared_states.get(key)
        if found is None or found.sheet is not sheet:
            found = _shared_states[key] = _Shared(sheet)
        return found


class StyleMap:
    """Cascaded and computed styles of one email, per variant of the cascade:
    ``full`` (every ``<style>`` block), ``stripped`` (inline styles and
    attributes only), ``dark`` (with ``prefers-color-scheme: dark`` rules).

    The computed values are kept by the stylesheet and the element tree as the
    cascade reads it, so renders of one template compute them once."""

    def __init__(self, email: Email):
        self._email = email
        from .css import stylesheets

        self.sheet = compile_parsed(stylesheets(email))
        self._vml = _vml_spans(email)
        shared = self._shared = _shared_state(email, self.sheet, self._vml)
        self._declared = shared.declared
        self._colors = shared.colors
        self._hidden = shared.hidden
        self._nodes = shared.nodes
        self._touched = shared.touched
        self._base = shared.base
        self._painted = shared.painted

    def template_memo(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """``compute()``, kept with the computed styles: renders of one template share it.

        ``compute`` may read only what these styles are kept by: the ``<style>`` blocks
        the cascade uses, and of each element its tag, index, nesting, ``hidden`` and
        ``in_comment`` flags and the attributes the cascade reads (``style``, ``class``,
        ``id``, the presentational ones and those the selectors test), and what this
        StyleMap computes from them; never text, other attributes or source positions.
        Anything else it depends on (other ``<style>`` text, the merge-tag dialects)
        belongs in ``key``. Treat the value as read-only: other emails see it."""
        derived = self._shared.derived
        found = derived.get(key, _MISSING)
        if found is _MISSING:
            found = derived[key] = compute()
        return found  # type: ignore[no-any-return]

    # ----------------------------------------------------------- matching

    def _match(self) -> dict[int, list[tuple[tuple[int, int, int], int, _StyleRule]]]:
        found = self._shared.matched
        if found is not None:
            return found
        matched: dict[int, list[tuple[tuple[int, int, int], int, _StyleRule]]] = {}
        rules = self.sheet.rules
        if rules:
            elements = [e for e in self._email.elements if not e.in_comment]
            by_class: dict[str, list[Element]] = {}
            by_id: dict[str, list[Element]] = {}
            by_tag: dict[str, list[Element]] = {}
            for element in elements:
                by_tag.setdefault(element.tag, []).append(element)
                attrs = element.attrs
                if "class" in attrs:
                    for name in attrs["class"].split():
                        by_class.setdefault(name, []).append(element)
                if "id" in attrs:
                    by_id.setdefault(attrs["id"], []).append(element)
            tree_nodes = self._lxml_tree(elements) if self.sheet.needs_tree else None
            for style_rule in rules:
                for selector in style_rule.selectors:
                    if selector.chain is None:
                        if tree_nodes is None:
                            continue
                        root, by_node = tree_nodes
                        try:
                            hits = [by_node[n] for n in selector.xpath(root) if n in by_node]
                        except Exception:
                            continue
                    else:
                        kind, name = selector.key()  # type: ignore[misc]
                        pool = (
                            by_id.get(name, [])
                            if kind == "id"
                            else by_class.get(name, [])
                            if kind == "class"
                            else by_tag.get(name, [])
                            if kind == "tag"
                            else elements
                        )
                        if selector.only_key:
                            hits = pool  # ".button", "td", "#header": every element filed under it matches
                        else:
                            memo: dict[tuple[int, int], bool] = {}
                            hits = [e for e in pool if selector.matches(e, memo)]
                    for element in hits:
                        matched.setdefault(element.index, []).append(
                            (selector.specificity, style_rule.order, style_rule)
                        )
            for entries in matched.values():
                entries.sort(key=lambda entry: (entry[0], entry[1]))
        self._shared.matched = matched
        return matched

    @staticmethod
    def _lxml_tree(elements: list[Element]) -> tuple[Any, dict[Any, Element]]:
        from lxml import etree

        safe = re.compile(r"[^a-zA-Z0-9_.-]")
        nodes: dict[int, Any] = {}
        by_node: dict[Any, Element] = {}
        root = etree.Element("oopslint-root")
        for element in elements:
            parent = nodes.get(id(element.parent)) if element.parent is not None else None
            attrs = {k: v for k, v in element.attrs.items() if not safe.search(k) and k[:1].isalpha()}
            tag = safe.sub("_", element.tag) or "x"
            if not tag[:1].isalpha():
                tag = "x" + tag
            try:
                node = etree.SubElement(parent if parent is not None else root, tag, attrs)
            except ValueError:
                node = etree.SubElement(parent if parent is not None else root, "x")
            nodes[id(element)] = node
            by_node[node] = element
        return root, by_node

    # ----------------------------------------------------------- declared values

    def declared(self, element: Element, variant: str = "full") -> dict[str, tuple[str, str]]:
        """The winning declaration per property: ``{prop: (value, origin)}`` with
        origin ``attribute``, ``style-block`` or ``inline``. Renders of one
        template share the dict: read it, never change it."""
        cache = self._declared.get(variant)
        if cache is None:
            cache = self._declared[variant] = {}
        index = element.index
        found = cache.get(index)
        if found is not None:
            return found
        matched = self._match().get(index, ())
        rules = matched if variant != "stripped" else ()
        if (variant == "dark" and not any(entry[2].dark for entry in rules)) or (variant == "stripped" and not matched):
            out = self.declared(element, "full")  # no dark rule, or no <style> rule at all, here: the same values
            cache[index] = out
            return out
        attrs = element.attrs
        style = attrs.get("style") if "style" in attrs else None
        out = {}
        for name, value in _hints(element):
            out[name] = (value, "attribute")
        for _, _, style_rule in rules:
            if style_rule.dark and variant != "dark":
                continue
            for name, value in style_rule.normal:
                out[name] = (value, "style-block")
        inline_normal, inline_important = _inline_expanded(style) if style is not None else ((), ())
        for name, value in inline_normal:
            out[name] = (value, "inline")
        for _, _, style_rule in rules:
            if style_rule.dark and variant != "dark":
                continue
            for name, value in style_rule.important:
                out[name] = (value, "style-block")
        for name, value in inline_important:
            out[name] = (value, "inline")
        cache[index] = out
        return out

    # the older API, kept for plugins: declared values as plain strings
    def inline(self, element: Element) -> dict[str, str]:
        return {k: v for k, (v, origin) in self.declared(element, "stripped").items() if origin == "inline"}

    def cascaded(self, element: Element) -> dict[str, str]:
        return {k: v for k, (v, _) in self.declared(element, "full").items()}

    def computed(self, element: Element, prop: str, *, with_style_blocks: bool = True) -> str | None:
        """The declared value of ``prop`` for ``element``, inherited from ancestors where CSS inherits it."""
        variant = "full" if with_style_blocks else "stripped"
        node: Element | None = element
        while node is not None and node.tag != "#document":
            entry = self.declared(node, variant).get(prop)
            if entry is not None and entry[0].lower() not in ("inherit", "unset"):
                return entry[0]
            if prop not in INHERITED:
                return None
            node = node.parent
        return None

    # ----------------------------------------------------------- computed values

    @staticmethod
    def _warm(element: Element, cached: Any, compute: Any) -> None:
        """Compute uncached ancestors top-down first, so a 10,000-deep tree never recurses deeply."""
        pending = []
        node = element.parent
        while node is not None and node.tag != "#document" and not cached(node):
            pending.append(node)
            node = node.parent
        for node in reversed(pending):
            compute(node)

    def hidden(self, element: Element) -> bool:
        """Not painted in a client that honours ``<style>``: ``display:none``,
        ``visibility:hidden``, zero font size or an ancestor of that."""
        cache = self._hidden
        found = cache.get(element.index)
        if found is not None:
            return found
        # uncached ancestors are judged top-down, so a 10,000-deep tree never recurses deeply
        pending = []
        node: Element | None = element
        while node is not None and node.tag != "#document" and node.index not in cache:
            pending.append(node)
            node = node.parent
        above = cache[node.index] if node is not None and node.tag != "#document" else False
        for item in reversed(pending):
            result = above or item.hidden
            if not result:
                declared = self.declared(item, "full")
                if "display" in declared or "visibility" in declared:
                    display = declared.get("display", ("", ""))[0].lower()
                    visibility = declared.get("visibility", ("", ""))[0].lower()
                    result = display.startswith("none") or visibility.startswith(("hidden", "collapse"))
            cache[item.index] = result
            above = result
        return above

    def _node(self, element: Element, variant: str) -> _Computed:
        """Colour, background, size and weight of an element, computed top-down
        in one pass per variant (no deep recursion on deeply nested markup)."""
        nodes = self._nodes.get(variant)
        if nodes is None:
            nodes = self._nodes[variant] = {}
        found = nodes.get(element.index)
        if found is not None:
            return found
        pending = []
        node: Element | None = element
        while node is not None and node.tag != "#document" and node.index not in nodes:
            pending.append(node)
            node = node.parent
        above = nodes[node.index] if node is not None and node.tag != "#document" else _ROOT
        if variant == "full":
            for item in reversed(pending):
                above = self._compute_node(item, variant, above)
                nodes[item.index] = above
            return above
        # the other variants mostly paint what the full cascade paints: where an element's
        # declarations and its parent's values are the full ones, so are its own values, and a
        # result equal to the full one is kept as that very object, so its children can tell
        full_nodes = self._nodes["full"]
        for item in reversed(pending):
            full = self._node(item, "full")
            parent = item.parent
            parent_full = full_nodes[parent.index] if parent is not None and parent.tag != "#document" else _ROOT
            if above is parent_full and self.declared(item, variant) is self.declared(item, "full"):
                above = full
            else:
                computed = self._compute_node(item, variant, above)
                above = full if _same_values(computed, full) else computed
            nodes[item.index] = above
        return above

    def _compute_node(self, element: Element, variant: str, parent: _Computed) -> _Computed:
        declared = self.declared(element, variant)
        if not declared:
            tag = element.tag
            if (
                tag not in _UA_EM
                and (parent.bold or tag not in _UA_BOLD)
                and not (tag == "a" and "href" in element.attrs)
                and (parent.background[1] or not self._behind_vml(element))
            ):
                return parent  # nothing declared and nothing the user agent changes: the parent's values
        # colour (a client's own link colour is applied in _color)
        entry = declared.get("color")
        inherited = (parent.color, parent.origin)
        colour: tuple[RGBA, str]
        concrete = parse_color(entry[0]) if entry is not None else None
        if isinstance(concrete, RGBA):
            colour = (concrete, entry[1])  # type: ignore[index]
        else:
            value = entry[0].strip().lower() if entry is not None else ""
            if concrete == CURRENT_COLOR or value in ("inherit", "unset"):
                colour = inherited
            elif element.tag == "a" and "href" in element.attrs:
                body = self._email.body_element
                hint = parse_color(body.attrs.get("link", "")) if body is not None else None
                colour = (hint, "attribute") if isinstance(hint, RGBA) else (_DEFAULT_LINK_RGBA, "default-link")
            elif value == "initial":
                colour = (BLACK, "default")
            else:
                colour = inherited
        # background
        below = parent.background
        image_entry = declared.get("background-image")
        has_image = image_entry is not None and ("url()" in image_entry[0] or bool(_IMAGE_VALUE.search(image_entry[0])))
        paint = parse_color(declared["background-color"][0]) if "background-color" in declared else None
        solid = isinstance(paint, RGBA) and paint.a > 0
        background: tuple[RGBA, bool, bool, int | None]
        if has_image:
            fallback = solid and paint.opaque  # type: ignore[union-attr]
            background = (blend(paint, below[0]) if solid else below[0], True, fallback, element.index)  # type: ignore[arg-type]
        elif solid:
            if paint.opaque:  # type: ignore[union-attr]
                background = (paint, False, False, element.index)  # type: ignore[assignment]
            else:
                background = (blend(paint, below[0]), below[1], below[2], element.index)  # type: ignore[arg-type]
        else:
            background = below
        if not background[1] and self._behind_vml(element):
            # an Outlook VML shape with an image behind: the HTML colour under it is the fallback
            background = (background[0], True, background[3] is not None, background[3])
        # size
        size = parent.size * _UA_EM.get(element.tag, 1.0)
        size_entry = declared.get("font-size")
        if size_entry:
            size = _resolve_size(size_entry[0], parent.size, size)
        # weight
        weight = declared.get("font-weight")
        bold = _bold(weight[0]) if weight is not None else None
        if bold is None:
            bold = element.tag in _UA_BOLD or parent.bold
        return _Computed(colour[0], colour[1], background, size, bold)

    def _color(self, element: Element, variant: str, link_colour: str | None) -> tuple[RGBA, str]:
        """Computed text colour and where it came from. ``link_colour`` set:
        links without a colour of their own (declared on the link) get it."""
        if element.link is None or link_colour is None:
            computed = self._node(element, variant)
            return computed.color, computed.origin
        key = (element.index, variant, link_colour)
        found = self._colors.get(key)
        if found is not None:
            return found
        chain = []
        node: Element | None = element
        while (
            node is not None
            and node.tag != "#document"
            and node.link is not None
            and (node.index, variant, link_colour) not in self._colors
        ):
            chain.append(node)
            node = node.parent
        if node is None or node.tag == "#document":
            inherited: tuple[RGBA, str] = (BLACK, "default")
        elif node.link is None:
            above = self._node(node, variant)
            inherited = (above.color, above.origin)
        else:
            inherited = self._colors[(node.index, variant, link_colour)]
        for item in reversed(chain):
            inherited = self._client_link_color(item, variant, link_colour, inherited)
            self._colors[(item.index, variant, link_colour)] = inherited
        return inherited

    def _client_link_color(
        self, element: Element, variant: str, link_colour: str, inherited: tuple[RGBA, str]
    ) -> tuple[RGBA, str]:
        entry = self.declared(element, variant).get("color")
        value = entry[0].strip().lower() if entry else ""
        concrete = parse_color(entry[0]) if entry else None
        if isinstance(concrete, RGBA):
            return (concrete, entry[1])  # type: ignore[index]
        if element.tag == "a" and "href" in element.attrs:
            return (parse_color(link_colour), "client-link")  # type: ignore[return-value]
        if value == "initial":
            return (BLACK, "default")
        return inherited

    def font_size(self, element: Element, variant: str = "full") -> float:
        """Computed font size in px (16px at the root)."""
        return self._node(element, variant).size

    def bold(self, element: Element, variant: str = "full") -> bool:
        """Weight 700 or more (bold, bolder, <b>, <strong>, <th>, headings)."""
        return self._node(element, variant).bold

    def background(self, element: Element, variant: str = "full") -> tuple[RGBA, bool, bool, Element | None]:
        """The solid colour behind ``element``, whether an image/gradient/VML
        paints there, whether a solid fallback colour is set under that image,
        and the element that paints the background."""
        colour, image, fallback, painter = self._node(element, variant).background
        return colour, image, fallback, self._element_at(painter)

    def _element_at(self, index: int | None) -> Element | None:
        return self._email.elements[index] if index is not None else None

    def _behind_vml(self, element: Element) -> bool:
        if not self._vml:
            return False
        return any(start <= element.start < end for start, end in self._vml)

    def underlined(self, element: Element, variant: str = "full") -> bool:
        """Text in ``element`` is underlined (or has a bottom border) by itself or an ancestor."""
        node: Element | None = element
        while node is not None and node.tag != "#document":
            declared = self.declared(node, variant)
            line = declared.get("text-decoration-line")
            if line is not None:
                if "underline" in line[0].lower():
                    return True
            elif node.tag in ("u", "ins") or (node.tag == "a" and "href" in node.attrs):
                return True
            style = declared.get("border-bottom-style", ("none", ""))[0]
            width = declared.get("border-bottom-width", ("medium", ""))[0]
            if style in _BORDER_STYLES and not re.match(r"^0(?:\.0*)?[a-z]*$", width):
                return True
            node = node.parent
        return False

    def _dark_touched(self, element: Element) -> bool:
        """A dark-mode rule applies to this element or an ancestor (else dark values are the full ones)."""
        found = self._touched.get(element.index)
        if found is not None:
            return found
        pending = []
        node: Element | None = element
        while node is not None and node.tag != "#document" and node.index not in self._touched:
            pending.append(node)
            node = node.parent
        inherited = self._touched.get(node.index, False) if node is not None and node.tag != "#document" else False
        matched = self._match()
        for item in reversed(pending):
            inherited = inherited or any(entry[2].dark for entry in matched.get(item.index, ()))
            self._touched[item.index] = inherited
        # text directly in the document (no element around it) is touched by nothing
        return self._touched.get(element.index, False)

    def paint(self, element: Element, profile: str, *, link_colour: str = DEFAULT_LINK_COLOUR) -> Painted:
        """How ``element``'s own text is painted in a client profile."""
        key = (element.index, profile, link_colour)
        painted = self._painted.get(key)
        if painted is None:
            painted = self._painted[key] = self._paint(element, profile, link_colour)
        painter = painted[9]
        return Painted(profile, *painted[:9], self._email.elements[painter] if painter is not None else None)

    def contrast(
        self, element: Element, profile: str, *, link_colour: str = DEFAULT_LINK_COLOUR
    ) -> tuple[float, float, bool]:
        """``paint(...)``'s ``ratio``, ``threshold`` and ``verifiable`` without the rest:
        the cheap first look before the details of the few that fail."""
        key = (element.index, profile, link_colour)
        painted = self._painted.get(key)
        if painted is None:
            painted = self._painted[key] = self._paint(element, profile, link_colour)
        return painted[6], painted[7], not painted[2] or painted[3]

    def _paint(
        self, element: Element, profile: str, link_colour: str
    ) -> tuple[RGBA, RGBA, bool, bool, float, bool, float, float, str, int | None]:
        variant = _VARIANT[profile]
        if variant == "dark" and not self._dark_touched(element):
            variant = "full"
        client_link = (
            link_colour if profile in ("style-stripped", "default-link-colour") and element.link is not None else None
        )
        key = (element.index, variant, client_link)
        base = self._base.get(key)
        if base is None:
            node = self._node(element, variant)
            if client_link is None:
                fg, origin = node.color, node.origin
            else:
                fg, origin = self._color(element, variant, client_link)
            bg, image, fallback, painter = node.background
            base = (blend(fg, bg), origin, bg, image, fallback, painter, node.size, node.bold)
            self._base[key] = base
        fg, origin, bg, image, fallback, painter, size, bold = base
        if profile == "dark-full":
            fg, bg = invert_lightness(fg), invert_lightness(bg)
        elif profile == "dark-partial":
            # near-white backgrounds are darkened and dark text lightened; brand-coloured
            # and dark areas keep their colours
            if lab_lightness(bg) > PARTIAL_LIGHT_BACKGROUND:
                bg = invert_lightness(bg)
            if lab_lightness(fg) < PARTIAL_DARK_TEXT:
                fg = invert_lightness(fg)
        large = size >= 23.995 or (bold and size >= 18.66)
        ratio = floor2(contrast_ratio(fg, bg))
        return (fg, bg, image, fallback, size, bold, ratio, 3.0 if large else 4.5, origin, painter)

    def text_elements(self) -> Iterator[Element]:
        """Elements that hold visible text of their own, in source order (once each)."""
        seen: set[int] = set()
        for segment in self._email.segments:
            element = segment.element
            if segment.kind != "text" or element is None or segment.hidden or segment.preheader:
                continue
            if element.index in seen:
                continue
            visible = "".join(segment.text.split())
            if not visible or self.hidden(element):
                continue
            seen.add(element.index)
            yield element


_ABSOLUTE_UNITS = {"px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4, "q": 96 / 101.6}


@lru_cache(maxsize=1024)
def _bold(value: str) -> bool | None:
    """A font-weight value: bold or not, None when inherited (inherit, unset or nonsense)."""
    text = value.lower().split("!")[0].strip()
    if text in ("bold", "bolder"):
        return True
    if text in ("normal", "lighter", "initial"):
        return False
    try:
        return float(text) >= 700
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _resolve_size(value: str, inherited: float, default: float) -> float:
    text = value.strip().lower()
    if text in ("inherit", "unset"):
        return inherited
    if text in _SIZE_KEYWORDS:
        return _SIZE_KEYWORDS[text]
    if text == "smaller":
        return inherited / 1.2
    if text == "larger":
        return inherited * 1.2
    if text == "initial":
        return 16.0
    match = _LENGTH.match(text)
    if not match:
        return default
    number = float(match.group(1))
    unit = match.group(2) or ""
    if number < 0:
        return default
    factor = _ABSOLUTE_UNITS.get(unit)
    if factor is not None:
        return number * factor
    if unit == "em":
        return number * inherited
    if unit == "rem":
        return number * 16.0
    if unit == "%":
        return number * inherited / 100
    if unit in ("ex", "ch"):
        return number * inherited / 2
    return number if number == 0 else default  # unitless lengths are invalid, except 0


def _vml_spans(email: Email) -> list[tuple[int, int]]:
    """Source ranges inside an Outlook VML shape that paints an image behind HTML."""
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    for comment in email.comments:
        text = comment.text
        if open_at is None and _VML_OPEN.search(text) and _VML_IMAGE.search(text) and not _VML_CLOSE.search(text):
            open_at = comment.end
        elif open_at is not None and _VML_CLOSE.search(text):
            spans.append((open_at, comment.start))
            open_at = None
    return spans


def styles(email: Email) -> StyleMap:
    """The StyleMap of an email, computed once per email."""
    return email.memo("oopslint.styles", StyleMap)
