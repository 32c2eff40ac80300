"""Computed styles per element: the CSS cascade, the way mail clients apply it.

Mail clients differ in one big way: some honour the ``<style>`` block, some
strip it and keep only inline ``style`` attributes. So there are two views:

- ``styles(email).inline(element)``: inline declarations only (what a
  client that strips ``<style>`` sees);
- ``styles(email).cascaded(element)``: ``<style>`` rules applied by
  specificity and order, then inline styles on top (via premailer, the tool
  email teams already use to inline CSS).

``computed(element, property)`` walks up the tree for inherited properties
(``color``, ``font-*``...). Results are cached by the email's content hash,
so a batch of emails sharing a template computes them once.

premailer merges inline styles last whatever their priority; a second pass
applies ``!important`` declarations from ``<style>`` the way browsers do (they
beat inline declarations that are not themselves ``!important``).
Rules inside ``@media`` blocks (dark mode, mobile) are not applied here.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from .email import Element, Email

__all__ = ["StyleMap", "styles", "parse_declarations"]

INHERITED = frozenset(
    "color font font-family font-size font-style font-weight line-height letter-spacing text-align "
    "text-transform visibility white-space direction color-scheme".split()
)
_DECLARATION = re.compile(r"\s*([-a-zA-Z]+)\s*:\s*([^;]+?)\s*(?:;|$)")
_SAFE_TAG = re.compile(r"[^a-zA-Z0-9_.-]")


def parse_declarations(style: str) -> dict[str, str]:
    """``"color: red; font-size:12px !important"`` -> ``{"color": "red", "font-size": "12px !important"}``.
    Later declarations win, as in CSS."""
    out: dict[str, str] = {}
    for name, value in _DECLARATION.findall(style or ""):
        out[name.lower()] = value.strip()
    return out


class StyleMap:
    """Declared styles per element, with and without the ``<style>`` block."""

    def __init__(self, email: "Email"):
        self._email = email
        self._inline: dict[int, dict[str, str]] = {}
        self._cascaded: dict[int, dict[str, str]] | None = None

    def inline(self, element: "Element") -> dict[str, str]:
        key = id(element)
        if key not in self._inline:
            self._inline[key] = parse_declarations(element.attrs.get("style", ""))
        return self._inline[key]

    def cascaded(self, element: "Element") -> dict[str, str]:
        if self._cascaded is None:
            self._cascaded = self._cascade()
        return self._cascaded.get(id(element)) or self.inline(element)

    def computed(self, element: "Element", prop: str, *, with_style_blocks: bool = True) -> str | None:
        """The value of ``prop`` for ``element``, inherited from ancestors where CSS inherits it."""
        lookup = self.cascaded if with_style_blocks else self.inline
        node: Element | None = element
        while node is not None and node.tag != "#document":
            value = lookup(node).get(prop)
            if value is not None and value.split("!")[0].strip().lower() != "inherit":
                return value.split("!")[0].strip()
            if prop not in INHERITED:
                return None
            node = node.parent
        return None

    def _cascade(self) -> dict[int, dict[str, str]]:
        """Apply the ``<style>`` blocks with premailer on a tree built from our own
        elements, so every result maps back to the element (and line) it belongs to."""
        if not self._email.stylesheets:
            return {}
        from lxml import etree

        builder = etree.TreeBuilder()
        order: list[tuple[Element, object]] = []
        builder.start("html", {})
        self._feed(builder, self._email.root.children, order)
        builder.end("html")
        root = builder.close()
        head = etree.SubElement(root, "head")
        root.insert(0, head)
        for css, _ in self._email.stylesheets:
            style = etree.SubElement(head, "style")
            style.text = css
        from premailer import Premailer

        try:
            Premailer(
                root, allow_network=False, disable_validation=True, keep_style_tags=False,
                cssutils_logging_level="CRITICAL", disable_leftover_css=True, remove_classes=False,
                strip_important=False, exclude_pseudoclasses=True,
            ).transform()
        except Exception:
            # CSS that premailer cannot parse leaves the inline view as the best we know
            return {}
        result: dict[int, dict[str, str]] = {}
        for element, node in order:
            result[id(element)] = parse_declarations(node.get("style", ""))  # type: ignore[attr-defined]
        self._apply_important(root, order, result)
        return result

    def _apply_important(self, root, order, result: dict[int, dict[str, str]]) -> None:
        """``!important`` in a stylesheet beats a normal inline declaration."""
        import logging

        import cssutils
        from cssselect import GenericTranslator, SelectorError

        cssutils.log.setLevel(logging.CRITICAL)
        important_rules = []
        position = 0
        for css, _ in self._email.stylesheets:
            if "!important" not in css.replace(" ", "").lower() and "! important" not in css.lower():
                continue
            for css_rule in cssutils.parseString(css, validate=False):
                if css_rule.type != css_rule.STYLE_RULE:
                    continue  # @media and friends: client-specific
                declarations = [(p.name.lower(), p.propertyValue.cssText) for p in css_rule.style
                                if p.priority == "important"]
                position += 1
                if declarations:
                    for selector in css_rule.selectorList:
                        important_rules.append((selector.specificity, position, selector.selectorText, declarations))
        if not important_rules:
            return
        by_node = {node: element for element, node in order}
        translator = GenericTranslator()
        for _, _, selector, declarations in sorted(important_rules, key=lambda r: (r[0], r[1])):
            try:
                xpath = translator.css_to_xpath(selector)
            except (SelectorError, Exception):
                continue  # pseudo-classes (:hover) and selectors lxml cannot express
            for node in root.xpath(xpath):
                element = by_node.get(node)
                if element is None:
                    continue
                inline = parse_declarations(element.attrs.get("style", ""))
                target = result.setdefault(id(element), {})
                for name, value in declarations:
                    if "!important" in inline.get(name, "").replace(" ", ""):
                        continue
                    target[name] = f"{value} !important"

    @staticmethod
    def _feed(builder, children: Iterable["Element"], order: list[tuple["Element", object]]) -> None:
        stack: list[tuple[Iterable[Element], str | None]] = [(iter(children), None)]
        while stack:
            iterator, opened = stack[-1]
            element = next(iterator, None)  # type: ignore[call-overload]
            if element is None:
                stack.pop()
                if opened:
                    builder.end(opened)
                continue
            if element.tag in ("head", "style", "script", "html"):
                if element.tag == "html":
                    stack.append((iter(element.children), None))
                continue
            attrs = {k: v for k, v in element.attrs.items() if not _SAFE_TAG.search(k) and k[:1].isalpha()}
            tag = _SAFE_TAG.sub("_", element.tag) or "x"
            node = builder.start(tag, attrs)
            order.append((element, node))
            stack.append((iter(element.children), tag))


_cache: "OrderedDict[str, StyleMap]" = OrderedDict()


def styles(email: "Email") -> StyleMap:
    """The StyleMap of an email, cached by content hash."""
    key = email.content_hash
    found = _cache.get(key)
    if found is not None and found._email is email:
        _cache.move_to_end(key)
        return found
    style_map = StyleMap(email)
    _cache[key] = style_map
    if len(_cache) > 128:
        _cache.popitem(last=False)
    return style_map
