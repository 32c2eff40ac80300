"""Reading CSS for the cascade: the rules :mod:`oopslint.css` parsed, compiled
(selectors with cssselect, media queries judged, shorthands expanded) once per
stylesheet text; ``style`` attributes parsed with tinycss2 and kept by their
text (the same attribute recurs in every render of a template, so this beats a
per-email parse); presentational attributes mapped to CSS. Nothing here
fetches: ``@import`` is recorded, never loaded. Used by :mod:`oopslint.styles`."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .colors import parse_color

if TYPE_CHECKING:
    from .email import Element

_FONT_SIZE_ATTR = {1: 10.0, 2: 13.0, 3: 16.0, 4: 18.0, 5: 24.0, 6: 32.0, 7: 48.0}
_SIZE_KEYWORDS = {
    "xx-small": 9.0,
    "x-small": 10.0,
    "small": 13.0,
    "medium": 16.0,
    "large": 18.0,
    "x-large": 24.0,
    "xx-large": 32.0,
    "xxx-large": 48.0,
}
_LENGTH = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(px|pt|pc|em|rem|%|ex|ch|in|cm|mm|q)?$", re.I)
_BORDER_STYLES = frozenset("solid dashed dotted double groove ridge inset outset".split())
#: attributes styles come from (inline, presentational hints) or simple selectors test
CASCADE_ATTRIBUTES = frozenset("style class id bgcolor background color size text link".split())
_IMAGE_VALUE = re.compile(r"url\(|gradient\(|image\(|image-set\(", re.I)

# ------------------------------------------------------------------ parsing


@lru_cache(maxsize=4096)
def _inline_declarations(style: str) -> tuple[tuple[str, str, bool], ...]:
    import tinycss2

    out = []
    for node in tinycss2.parse_blocks_contents(style, skip_whitespace=True, skip_comments=True):
        if node.type == "declaration":
            out.append((node.lower_name, tinycss2.serialize(node.value).strip(), bool(node.important)))
    return tuple(out)


def parse_declarations(style: str) -> dict[str, str]:
    """``"color: red; font-size:12px !important"`` -> ``{"color": "red", "font-size": "12px !important"}``.
    Later declarations win, as in CSS; malformed declarations are skipped."""
    out: dict[str, str] = {}
    for name, value, important in _inline_declarations(style or ""):
        out[name] = value + " !important" if important else value
    return out


#: pseudo-classes that never match an email at rest (no pointer, no focus, nothing visited)
_NEVER = frozenset("hover active focus focus-within focus-visible visited target".split())


@dataclass(frozen=True, slots=True)
class _Compound:
    tag: str | None
    id: str | None
    classes: tuple[str, ...]
    attributes: tuple[tuple[str, str, str], ...] = ()
    pseudos: tuple[str, ...] = ()

    def matches(self, element: Element) -> bool:
        if self.tag is not None and element.tag != self.tag:
            return False
        attrs = element.attrs
        if self.id is not None and attrs.get("id") != self.id:
            return False
        if self.classes:
            have = attrs.get("class")
            if not have:
                return False
            names = have.split()
            for name in self.classes:
                if name not in names:
                    return False
        for name, operator, value in self.attributes:
            if name not in attrs:
                return False
            if operator != "exists" and not _attribute_matches(attrs[name], operator, value):
                return False
        for pseudo in self.pseudos:
            if not _pseudo_matches(element, pseudo):
                return False
        return True


def _attribute_matches(actual: str, operator: str, value: str) -> bool:
    if operator == "=":
        return actual == value
    if operator == "~=":
        return value in actual.split()
    if operator == "^=":
        return bool(value) and actual.startswith(value)
    if operator == "$=":
        return bool(value) and actual.endswith(value)
    if operator == "*=":
        return bool(value) and value in actual
    if operator == "|=":
        return actual == value or actual.startswith(value + "-")
    return False


def _pseudo_matches(element: Element, pseudo: str) -> bool:
    parent = element.parent
    if pseudo == "root":
        return parent is not None and parent.tag == "#document" and element.tag == "html"
    if pseudo == "link" or pseudo == "any-link":
        return element.tag in ("a", "area") and "href" in element.attrs
    if pseudo in ("first-child", "last-child", "only-child"):
        siblings = [c for c in parent.children if not c.in_comment] if parent is not None else [element]
        if pseudo == "first-child":
            return bool(siblings) and siblings[0] is element
        if pseudo == "last-child":
            return bool(siblings) and siblings[-1] is element
        return siblings == [element]
    return False


_FAST_PSEUDOS = frozenset(("root", "link", "any-link", "first-child", "last-child", "only-child"))


@dataclass(slots=True)
class _Selector:
    text: str
    specificity: tuple[int, int, int]
    #: rightmost compound first, each with the combinator that leads to the next one left
    chain: tuple[tuple[_Compound, str], ...] | None
    xpath: Any = None  # compiled lxml XPath when the chain cannot express the selector
    #: the selector is its key alone (".button", "td", "#header"): every element filed under the key matches
    only_key: bool = False

    def __post_init__(self) -> None:
        if self.chain is not None and len(self.chain) == 1:
            last = self.chain[0][0]
            named = (last.tag is not None) + (last.id is not None) + len(last.classes)
            self.only_key = named == 1 and not last.attributes and not last.pseudos

    def key(self) -> tuple[str, str] | None:
        if self.chain is None:
            return None
        last = self.chain[0][0]
        if last.id is not None:
            return ("id", last.id)
        if last.classes:
            return ("class", last.classes[0])
        if last.tag is not None:
            return ("tag", last.tag)
        return ("any", "")

    def matches(self, element: Element, memo: dict[tuple[int, int], bool] | None = None) -> bool:
        """``memo``: one dict per selector shared across the elements of one email,
        so the ancestors those elements share are judged once."""
        assert self.chain is not None
        return _match_chain(self.chain, 0, element, memo)


def _match_chain(
    chain: tuple[tuple[_Compound, str], ...], index: int, element: Element, memo: dict[tuple[int, int], bool] | None
) -> bool:
    compound, combinator = chain[index]
    if not compound.matches(element):
        return False
    if index + 1 == len(chain):
        return True
    node = element.parent
    if combinator == ">":
        return node is not None and node.tag != "#document" and _match_chain(chain, index + 1, node, memo)
    if memo is None:
        while node is not None and node.tag != "#document":
            if _match_chain(chain, index + 1, node, None):
                return True
            node = node.parent
        return False
    # whether node or one of its ancestors matches chain[index + 1:]: the answer for a
    # node is its own match or its parent's answer, so a walk stops at a known one
    walked = []
    found = False
    while node is not None and node.tag != "#document":
        known = memo.get((index + 1, node.index))
        if known is not None:
            found = known
            break
        walked.append(node)
        if _match_chain(chain, index + 1, node, memo):
            found = True
            break
        node = node.parent
    for item in walked:
        memo[(index + 1, item.index)] = found
    return found


def _simple_chain(tree: Any) -> tuple[tuple[_Compound, str], ...] | None:
    """The selector as compounds of type/class/id joined by descendant or child
    combinators, or None when it needs the full engine."""
    from cssselect import parser as css

    chain: list[tuple[_Compound, str]] = []
    combinator = ""
    node = tree
    while True:
        if isinstance(node, css.CombinedSelector):
            if node.combinator not in (" ", ">"):
                return None
            compound = _compound(node.subselector)
            if compound is None:
                return None
            chain.append((compound, node.combinator))
            node = node.selector
            continue
        compound = _compound(node)
        if compound is None:
            return None
        chain.append((compound, combinator))
        break
    # chain[i][1] is the combinator between chain[i] and chain[i + 1]
    return tuple(chain)


def _compound(node: Any) -> _Compound | None:
    from cssselect import parser as css

    classes: list[str] = []
    attributes: list[tuple[str, str, str]] = []
    pseudos: list[str] = []
    ident: str | None = None
    while True:
        if isinstance(node, css.Class):
            classes.append(node.class_name)
            node = node.selector
        elif isinstance(node, css.Hash):
            if ident is not None:
                return None
            ident = node.id
            node = node.selector
        elif isinstance(node, css.Attrib):
            if node.namespace not in (None, "*"):
                return None
            value = str(node.value.value) if node.value is not None else ""
            attributes.append((node.attrib.lower(), str(node.operator), value))
            node = node.selector
        elif isinstance(node, css.Pseudo) and node.ident.lower() in _FAST_PSEUDOS:
            pseudos.append(node.ident.lower())
            node = node.selector
        elif isinstance(node, css.Element):
            if node.namespace not in (None, "*"):
                return None
            tag = None if node.element in (None, "*") else node.element.lower()
            return _Compound(tag, ident, tuple(reversed(classes)), tuple(attributes), tuple(pseudos))
        else:
            return None


def _never_matches(tree: Any) -> bool:
    """A selector with :hover, :focus, :visited... never matches an email at rest."""
    return any(f":{name}" in repr(tree).lower() for name in _NEVER)


@dataclass(slots=True)
class _StyleRule:
    selectors: list[_Selector]
    declarations: tuple[tuple[str, str, bool], ...]
    order: int
    dark: bool
    normal: tuple[tuple[str, str], ...] = ()
    important: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        self.normal, self.important = _expanded(self.declarations)


def _expanded(
    declarations: tuple[tuple[str, str, bool], ...],
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """Valid declarations as longhands, normal and !important apart."""
    normal: list[tuple[str, str]] = []
    important: list[tuple[str, str]] = []
    for name, value, is_important in declarations:
        if _valid(name, value):
            (important if is_important else normal).extend(_expand(name, value))
    return tuple(normal), tuple(important)


@lru_cache(maxsize=4096)
def _inline_expanded(style: str) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    return _expanded(_inline_declarations(style))


@dataclass
class Stylesheet:
    """The ``<style>`` blocks of an email, parsed and compiled once per text."""

    rules: list[_StyleRule] = field(default_factory=list)
    imports: list[str] = field(default_factory=list)
    has_dark: bool = False
    needs_tree: bool = False
    _attribute_names: frozenset[str] | None = field(default=None, repr=False, compare=False)

    def attribute_names(self) -> frozenset[str] | None:
        """Every attribute the cascade reads on an element: the ones the selectors
        test and the ones styles come from; None when a selector needs the whole
        tree (any attribute may count)."""
        if self.needs_tree:
            return None
        found = self._attribute_names
        if found is None:
            names = set(CASCADE_ATTRIBUTES)
            for style_rule in self.rules:
                for selector in style_rule.selectors:
                    for compound, _ in selector.chain or ():
                        names.update(name for name, _, _ in compound.attributes)
            found = self._attribute_names = frozenset(names)
        return found


def _media_applies(prelude: str) -> str | None:
    """``"light"`` when an @media rule holds for a desktop client in light mode,
    ``"dark"`` for a dark-mode query, None when it does not apply."""
    text = prelude.lower()
    verdicts = []
    for query in text.split(","):
        query = query.strip()
        if "prefers-color-scheme" in query:
            if re.search(r"prefers-color-scheme\s*:\s*dark", query) and not re.search(r"\((?!prefers)", query):
                verdicts.append("dark")
            elif re.search(r"prefers-color-scheme\s*:\s*light", query) and not re.search(r"\((?!prefers)", query):
                verdicts.append("light")
            continue
        if "(" in query or query.startswith("not ") or "print" in query or "speech" in query:
            continue  # width-dependent or not for screens: not the desktop view
        words = set(re.findall(r"[a-z-]+", query)) - {"only", "and"}
        if words <= {"all", "screen"}:
            verdicts.append("light")
    if "light" in verdicts:
        return "light"
    if "dark" in verdicts:
        return "dark"
    return None


_sheet_cache: OrderedDict[str, Stylesheet] = OrderedDict()


def compile_stylesheet(css: str) -> Stylesheet:
    """Parse ``<style>`` text (several blocks joined in order) into rules. Kept
    by text, so one template's stylesheet is compiled once per process."""
    found = _sheet_cache.get(css)
    if found is not None:
        _sheet_cache.move_to_end(css)
        return found
    sheet = _compile(css)
    _sheet_cache[css] = sheet
    if len(_sheet_cache) > 64:
        _sheet_cache.popitem(last=False)
    return sheet


def _compile(css: str) -> Stylesheet:
    import tinycss2

    sheet = Stylesheet()
    order = 0

    def walk(nodes: list[Any], dark: bool) -> None:
        nonlocal order
        for node in nodes:
            if node.type == "qualified-rule":
                selectors = _selectors(tinycss2.serialize(node.prelude).strip())
                if not selectors:
                    continue
                declarations = []
                for item in tinycss2.parse_blocks_contents(node.content, skip_whitespace=True, skip_comments=True):
                    if item.type == "declaration":
                        declarations.append(
                            (item.lower_name, tinycss2.serialize(item.value).strip(), bool(item.important))
                        )
                if not declarations:
                    continue
                order += 1
                sheet.rules.append(_StyleRule(selectors, tuple(declarations), order, dark))
                if any(s.chain is None for s in selectors):
                    sheet.needs_tree = True
            elif node.type == "at-rule":
                keyword = node.lower_at_keyword
                if keyword == "import":
                    sheet.imports.append(tinycss2.serialize(node.prelude).strip())  # read, never fetched
                elif keyword == "media" and node.content is not None:
                    verdict = _media_applies(tinycss2.serialize(node.prelude))
                    if verdict is None:
                        continue
                    inner = tinycss2.parse_rule_list(node.content, skip_whitespace=True, skip_comments=True)
                    if verdict == "dark":
                        sheet.has_dark = True
                    walk(inner, dark or verdict == "dark")

    walk(tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True), False)
    return sheet


def compile_parsed(sheets: Sequence[Any]) -> Stylesheet:
    """Compile the blocks :func:`oopslint.css.stylesheets` parsed (Outlook-only
    blocks left out). Kept by the blocks' text, so one template's stylesheet is
    compiled once per process however many renders are linted."""
    blocks = [sheet for sheet in sheets if not sheet.only_outlook]
    key = "\x00".join(sheet.css for sheet in blocks)
    found = _sheet_cache.get(key)
    if found is not None:
        _sheet_cache.move_to_end(key)
        return found
    compiled = _compile_parsed(blocks)
    _sheet_cache[key] = compiled
    if len(_sheet_cache) > 64:
        _sheet_cache.popitem(last=False)
    return compiled


def _compile_parsed(blocks: Sequence[Any]) -> Stylesheet:
    compiled = Stylesheet()
    order = 0
    for block in blocks:
        for at_rule in block.at_rules:
            if at_rule.keyword == "import":
                compiled.imports.append(at_rule.prelude.strip())  # read, never fetched
        for style_rule in block.rules:
            dark = False
            applies = True
            for context in style_rule.context:
                keyword, _, prelude = context.partition(" ")
                if keyword.lower() != "@media":
                    applies = False  # @supports, @document...: client-specific
                    break
                verdict = _media_applies(prelude)
                if verdict is None:
                    applies = False
                    break
                dark = dark or verdict == "dark"
            if not applies:
                continue
            selectors = _selectors(style_rule.selector)
            declarations = tuple((d.name, d.value, d.important) for d in style_rule.declarations)
            if not selectors or not declarations:
                continue
            order += 1
            compiled.has_dark = compiled.has_dark or dark
            compiled.rules.append(_StyleRule(selectors, declarations, order, dark))
            if any(s.chain is None for s in selectors):
                compiled.needs_tree = True
    return compiled


def _selectors(text: str) -> list[_Selector]:
    import cssselect
    from cssselect import HTMLTranslator

    try:
        parsed = cssselect.parse(text)
    except Exception:  # a selector list with one bad selector is dropped whole, as browsers do
        return []
    out = []
    for selector in parsed:
        if selector.pseudo_element is not None or _never_matches(selector.parsed_tree):
            continue
        chain = _simple_chain(selector.parsed_tree)
        entry = _Selector(str(text), selector.specificity(), chain)
        if chain is None:
            try:
                from lxml import etree

                entry.xpath = etree.XPath(HTMLTranslator().selector_to_xpath(selector))
            except Exception:
                continue  # :hover, :visited and friends never match a resting email
        out.append(entry)
    return out


# ------------------------------------------------------------------ cascade


def _expand(name: str, value: str) -> list[tuple[str, str]]:
    """Shorthands into the longhands the contrast checks read."""
    if name == "background":
        lowered = value.lower()
        colour = "transparent"
        for token in _split_css(value):
            if parse_color(token) is not None:
                colour = token
        image = "url()" if _IMAGE_VALUE.search(lowered) else "none"
        return [("background", value), ("background-color", colour), ("background-image", image)]
    if name == "font":
        out = [("font", value)]
        tokens = _split_css(value)
        style = "normal"
        for index, token in enumerate(tokens):
            size = token.split("/", 1)[0]
            length = _LENGTH.match(size)
            if (length is not None and length.group(2) is not None) or size.lower() in _SIZE_KEYWORDS:
                out.append(("font-size", size))
                rest = tokens[index + 1 :]
                if token.endswith("/"):  # a line height after it: "14px/ 1.5 Arial"
                    rest = rest[1:]
                elif rest and rest[0].startswith("/"):  # "14px / 1.5 Arial", "14px /1.5 Arial"
                    rest = rest[2:] if rest[0] == "/" else rest[1:]
                family = " ".join(rest)
                if family:
                    out.append(("font-family", family))
                out.append(("font-style", style))  # the shorthand sets every part it does not name to normal
                break
            if token.lower() in ("bold", "bolder", "lighter", "normal") or token.isdigit():
                out.append(("font-weight", token))
            elif token.lower() in ("italic", "oblique"):
                style = token.lower()
        return out
    if name in ("text-decoration", "text-decoration-line"):
        return [(name, value), ("text-decoration-line", value)]
    if name in ("border", "border-bottom"):
        style, width = "none", "medium"
        for token in _split_css(value):
            lowered = token.lower()
            if lowered in _BORDER_STYLES or lowered in ("none", "hidden"):
                style = lowered
            elif _LENGTH.match(lowered) or lowered in ("thin", "medium", "thick"):
                width = lowered
        return [(name, value), ("border-bottom-style", style), ("border-bottom-width", width)]
    return [(name, value)]


def _split_css(value: str) -> list[str]:
    tokens: list[str] = []
    current: list[str] = []
    depth = 0
    for char in value:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char.isspace() and depth == 0:
            if current:
                tokens.append("".join(current))
                current = []
            continue
        current.append(char)
    if current:
        tokens.append("".join(current))
    return tokens


def _valid(name: str, value: str) -> bool:
    """Clients drop a declaration they cannot read; the next one down the cascade applies."""
    if name in ("color", "background-color"):
        lowered = value.lower()
        return lowered in ("inherit", "initial", "unset") or parse_color(value) is not None
    return bool(value)


def _hints(element: Element) -> list[tuple[str, str]]:
    """Presentational attributes as CSS, at the bottom of the author cascade."""
    attrs = element.attrs
    out: list[tuple[str, str]] = []
    tag = element.tag
    colour = attrs.get("bgcolor")
    if colour and parse_color(colour.strip()) is not None:
        out.append(("background-color", colour.strip()))
    if attrs.get("background", "").strip() and tag in ("body", "table", "td", "th", "tr"):
        out.append(("background-image", "url()"))
    if tag == "font":
        if attrs.get("color") and parse_color(attrs["color"].strip()) is not None:
            out.append(("color", attrs["color"].strip()))
        if attrs.get("face", "").strip():
            out.append(("font-family", attrs["face"].strip()))
        size = (attrs.get("size") or "").strip()
        if size:
            try:
                number = int(size.lstrip("+-"))
                if size.startswith("+"):
                    number += 3
                elif size.startswith("-"):
                    number = 3 - number
                out.append(("font-size", f"{_FONT_SIZE_ATTR[max(1, min(7, number))]}px"))
            except ValueError:
                pass
    elif tag == "body" and attrs.get("text") and parse_color(attrs["text"].strip()) is not None:
        out.append(("color", attrs["text"].strip()))
    return out
