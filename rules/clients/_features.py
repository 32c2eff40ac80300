"""Which caniemail features an email uses, and where.

The caniemail data names features by slug (``css-display-flex``,
``html-srcset``...) but does not say how to spot them; this module is that
mapping. Each use is a ``Usage``: the slug, the source offset, and the clients
that can see it (everyone; only Outlook on Windows inside ``<!--[if mso]>``;
everyone but Outlook on Windows inside ``<!--[if !mso]><!-->``), and whether it
degrades gracefully where unsupported (``enhancement``): see ``GRACEFUL_SLUGS``
and ``_graceful_reason`` for why, and ``rules.clients._common`` for the one
case decided per email (a ``<style>`` rule whose effects are also inlined).

Client hacks (``.ExternalClass``, ``#outlook a``, ``u + .body``,
``[x-apple-data-detectors]``...) target one client on purpose and are skipped,
as are ``mso-*`` and vendor-prefixed properties.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from oopslint import Email
from oopslint.css import Declaration, inline_style, stylesheets

ALL = "all"
MSO_ONLY = "mso"  # only Outlook on Windows reads it
NOT_MSO = "not-mso"  # hidden from Outlook on Windows


@dataclass(slots=True, unsafe_hash=True)  # not frozen: made by the dozen per lint, and a frozen init costs 3x
class Usage:
    slug: str
    start: int
    audience: str  # ALL, MSO_ONLY or NOT_MSO
    enhancement: bool  # degrades gracefully where unsupported (a fallback exists, or it only adds polish)
    in_stylesheet: bool = False  # inside a <style> block (clients that drop <style> never see it)
    # what the partial-support notes and the per-email checks need to know about the use
    tag: str = ""  # the element's tag ("" in a <style> block: any element the selector matches)
    prop: str = ""  # the CSS property, or the attribute's name
    value: str = ""  # the declaration's or the attribute's value
    rule_start: int = -1  # the style rule of a selector or declaration in a <style> block
    # "sheet" (the <style> element) or "rule" (a selector): relied on only if its effects are not inlined
    via_style: str = ""
    element: int = -1  # index in email.elements of the element that carries it (-1 in a <style> block)


CLIENT_HACK = re.compile(
    r"\.ExternalClass|#outlook\b|\.ReadMsgBody|#MessageViewBody|#MessageWebViewDiv|\bu\s*[+~]\s*[.#\w]"
    r"|x-apple-data-detectors|data-ogs[cb]|\[owa\]|\.yshortcuts|\.MsoHyperlink|\.MsoNormal|\.a6S\b|\.im\b"
    r"|#bodyTable|\[class\^?=[\"']?x_|\.gmail|\.Gmail|\.apple-link|\.appleLinks|#root\b|\[data-outlook",
    re.IGNORECASE,
)

_EXTRA_PROPERTIES: dict[str, str] = {
    **{f"border-{side}": "css-border" for side in ("top", "bottom", "left", "right", "width", "style", "color")},
    **{
        f"border-{side}-{part}": "css-border"
        for side in ("top", "bottom", "left", "right")
        for part in ("width", "style", "color")
    },
    **{f"border-{v}-{h}-radius": "css-border-radius" for v in ("top", "bottom") for h in ("left", "right")},
    **{f"border-{a}-{b}-radius": "css-border-radius-logical" for a in ("start", "end") for b in ("start", "end")},
    **{f"margin-{side}": "css-margin" for side in ("top", "bottom", "left", "right")},
    **{f"padding-{side}": "css-padding" for side in ("top", "bottom", "left", "right")},
    "margin-inline": "css-margin-inline-block",
    "margin-block": "css-margin-inline-block",
    "margin-inline-start": "css-margin-inline-start-end",
    "margin-inline-end": "css-margin-inline-start-end",
    "margin-block-start": "css-margin-block-start-end",
    "margin-block-end": "css-margin-block-start-end",
    "padding-inline": "css-padding-inline-block",
    "padding-block": "css-padding-inline-block",
    "padding-inline-start": "css-padding-inline-start-end",
    "padding-inline-end": "css-padding-inline-start-end",
    "padding-block-start": "css-padding-block-start-end",
    "padding-block-end": "css-padding-block-start-end",
    "border-inline": "css-border-inline-block",
    "border-block": "css-border-inline-block",
    **{
        f"border-{axis}-{part}": "css-border-inline-block-individual"
        for axis in ("inline", "block")
        for part in ("color", "style", "width", "start", "end")
    },
    **{
        f"border-{axis}-{end}-{part}": "css-border-inline-block-longhand"
        for axis in ("inline", "block")
        for end in ("start", "end")
        for part in ("color", "style", "width")
    },
    "columns": "css-column-layout-properties",
    **{
        f"column-{part}": "css-column-layout-properties"
        for part in ("fill", "rule", "rule-color", "rule-style", "rule-width", "span", "width")
    },
    "column-gap": "css-gap",
    "row-gap": "css-gap",
    "grid-template-areas": "css-grid-template",
    "grid-template-columns": "css-grid-template",
    "grid-template-rows": "css-grid-template",
    "grid-template": "css-grid-template",
    "block-size": "css-block-inline-size",
    "inline-size": "css-inline-size",
    "left": "css-left-right-top-bottom",
    "right": "css-left-right-top-bottom",
    "top": "css-left-right-top-bottom",
    "bottom": "css-left-right-top-bottom",
    **{
        f"inset-{a}": "css-inset" for a in ("block", "inline", "inline-start", "inline-end", "block-start", "block-end")
    },
    **{
        f"animation-{p}": "css-animation"
        for p in (
            "name",
            "duration",
            "delay",
            "iteration-count",
            "direction",
            "timing-function",
            "fill-mode",
            "play-state",
        )
    },
    **{f"transition-{p}": "css-transition" for p in ("property", "duration", "delay", "timing-function")},
    **{f"outline-{p}": "css-outline" for p in ("color", "style", "width")},
    "overflow-x": "css-overflow",
    "overflow-y": "css-overflow",
    "overflow-block": "css-overflow",
    "overflow-inline": "css-overflow",
    **{f"text-emphasis-{p}": "css-text-emphasis" for p in ("color", "style")},
    **{f"scroll-snap-{p}": "css-scroll-snap" for p in ("type", "align", "stop")},
    "font": "css-font",
    "inert": "css-inert-attribute",
}
_DISPLAY_VALUES = {
    "flex": "css-display-flex",
    "inline-flex": "css-display-flex",
    "grid": "css-display-grid",
    "inline-grid": "css-display-grid",
    "none": "css-display-none",
}
_FUNCTIONS = {
    "rgb": "css-rgb",
    "rgba": "css-rgba",
    "linear-gradient": "css-linear-gradient",
    "repeating-linear-gradient": "css-linear-gradient",
    "radial-gradient": "css-radial-gradient",
    "repeating-radial-gradient": "css-radial-gradient",
    "conic-gradient": "css-conic-gradient",
    "calc": "css-unit-calc",
    "clamp": "css-function-clamp",
    "min": "css-function-min",
    "max": "css-function-max",
    "light-dark": "css-function-light-dark",
    "lch": "css-modern-color",
    "oklch": "css-modern-color",
    "lab": "css-modern-color",
    "oklab": "css-modern-color",
    "var": "css-variables",
}
_KEYWORDS = {
    "system-ui": "css-sytem-ui",
    "ui-serif": "css-sytem-ui",
    "ui-sans-serif": "css-sytem-ui",
    "ui-rounded": "css-sytem-ui",
    "ui-monospace": "css-sytem-ui",
    "fit-content": "css-intrinsic-size",
    "min-content": "css-intrinsic-size",
    "max-content": "css-intrinsic-size",
    "initial": "css-unit-initial",
}
_UNITS = {"px", "em", "rem", "pt", "pc", "cm", "mm", "in", "ex", "ch", "vh", "vw", "vmin", "vmax"}
_MEDIA_FEATURES = {
    "prefers-color-scheme": "css-at-media-prefers-color-scheme",
    "prefers-reduced-motion": "css-at-media-prefers-reduced-motion",
    "orientation": "css-at-media-orientation",
    "hover": "css-at-media-hover",
    "any-hover": "css-at-media-hover",
    "-webkit-device-pixel-ratio": "css-at-media-device-pixel-ratio",
    "-webkit-min-device-pixel-ratio": "css-at-media-device-pixel-ratio",
    "min-device-pixel-ratio": "css-at-media-device-pixel-ratio",
    "min-resolution": "css-at-media-device-pixel-ratio",
}
_AT_RULES = {
    "media": "css-at-media",
    "font-face": "css-at-font-face",
    "import": "css-at-import",
    "keyframes": "css-at-keyframes",
    "supports": "css-at-supports",
}
# features that only add polish where they work, and document structure every email needs
# (a client that ignores the doctype, turns <body> into a <div> or drops target="_blank"
# still shows the email; the CSS on those elements is judged on its own)
ENHANCEMENT_SLUGS = frozenset(
    {
        "html-srcset",  # the client loads src=
        "html-picture",
        "css-at-media",
        "css-at-font-face",
        "css-at-import",
        "css-at-keyframes",
        "css-at-supports",
        "css-animation",
        "css-transition",
        "css-color-scheme",
        "html-meta-color-scheme",
        "css-cursor",
        "css-user-select",
        "css-comments",
        "html-doctype",
        "html-body",
        "html-target",
        "html-role",
        "html-lang",
        "html-aria-describedby",
        "html-aria-hidden",
        "html-aria-label",
        "html-aria-labelledby",
        "html-aria-live",
        "html-loading-attribute",
    }
)
# decoration: where it is ignored the email keeps its layout, its content and its colours
# (square corners, no shadow, a line that wraps elsewhere, padding that adds to a width)
DECORATIVE_SLUGS = frozenset(
    {
        "css-border-radius",
        "css-border-radius-logical",
        "css-box-shadow",
        "css-text-shadow",
        "css-box-sizing",
        "css-outline",
        "css-outline-offset",
        "css-opacity",
        "css-filter",
        "css-mix-blend-mode",
        "css-background-blend-mode",
        "css-text-decoration-color",
        "css-text-decoration-thickness",
        "css-text-underline-offset",
        "css-text-decoration-skip-ink",
        "css-text-overflow",
        "css-word-break",
        "css-overflow-wrap",
        "css-hyphens",
        "css-white-space",
        "css-letter-spacing",
        "css-font-kerning",
        "css-font-variant",
        "css-font-variant-numeric",
        "css-font-feature-settings",
        "css-text-rendering",
        "css-caret-color",
        "css-accent-color",
        "css-min-width",
        "css-min-height",
        "css-height",  # Yahoo! Mail turns it into min-height; tables size to their content
        "css-clear",
        "css-text-indent",
        "css-tab-size",
        "css-image-rendering",
        "css-scroll-snap",
        "css-unit-initial",
    }
)
GRACEFUL_SLUGS = ENHANCEMENT_SLUGS | DECORATIVE_SLUGS
# what every email needs, or what the accessibility rules ask for (TPL009 wants lang, ACC004
# role="presentation"): a client that ignores it shows the email as well as one that reads it,
# so it is never reported; advice to leave it out would contradict those rules
NEVER_REPORTED = frozenset(
    {
        "html-doctype",
        "html-body",
        "html-role",
        "html-lang",
        "html-aria-describedby",
        "html-aria-hidden",
        "html-aria-label",
        "html-aria-labelledby",
        "html-aria-live",
    }
)
# a block that says display:none hides with a stack of fallbacks for clients that ignore it
_HIDING_FALLBACKS = frozenset(
    {
        "visibility",
        "opacity",
        "max-height",
        "max-width",
        "overflow",
        "font-size",
        "line-height",
        "height",
        "width",
        "color",
        "mso-hide",
    }
)
_BACKGROUND_IMAGE_SLUGS = frozenset(
    {"css-background-image", "css-background", "css-linear-gradient", "css-radial-gradient", "css-conic-gradient"}
)
_COLOUR_FALLBACK = re.compile(r"#[0-9a-f]{3,8}\b|\brgba?\(|\bhsla?\(|\b[a-z]+\b", re.IGNORECASE)
_NOT_COLOURS = frozenset(
    "url none no-repeat repeat repeat-x repeat-y center top bottom left right cover contain scroll fixed local "
    "transparent initial inherit unset auto".split()
)
_ELEMENTS = {
    **{f"h{n}": "html-h1-h6" for n in range(1, 7)},
    **{tag: "html-lists" for tag in ("ul", "ol", "li", "dl", "dt", "dd")},
    **{
        tag: "html-semantics"
        for tag in (
            "article",
            "aside",
            "details",
            "figcaption",
            "figure",
            "footer",
            "header",
            "main",
            "mark",
            "nav",
            "section",
            "summary",
            "time",
        )
    },
    "map": "html-image-maps",
}
_ATTRIBUTES = {
    "align": "html-align",
    "valign": "html-valign",
    "background": "html-background",
    "cellpadding": "html-cellpadding",
    "cellspacing": "html-cellspacing",
    "dir": "html-dir",
    "height": "html-height",
    "width": "html-width",
    "lang": "html-lang",
    "hidden": "html-hidden",
    "role": "html-role",
    "target": "html-target",
    "srcset": "html-srcset",
    "loading": "html-loading-attribute",
    "required": "html-required",
    "popover": "html-popover",
    "aria-describedby": "html-aria-describedby",
    "aria-hidden": "html-aria-hidden",
    "aria-label": "html-aria-label",
    "aria-labelledby": "html-aria-labelledby",
    "aria-live": "html-aria-live",
    "inert": "css-inert-attribute",
}
_IMAGE_TYPES = {
    "png": "image-png",
    "jpg": "image-jpg",
    "jpeg": "image-jpg",
    "gif": "image-gif",
    "webp": "image-webp",
    "avif": "image-avif",
    "svg": "image-svg",
    "bmp": "image-bmp",
    "ico": "image-ico",
    "tif": "image-tiff",
    "tiff": "image-tiff",
    "heif": "image-heif",
    "heic": "image-heif",
    "apng": "image-apng",
    "mp4": "image-mp4",
}
_IMAGE_EXTENSION = re.compile(r"\.([A-Za-z0-9]{2,5})(?:[?#]|$)")
_LEGACY_PSEUDO_ELEMENTS = {"before", "after", "first-letter", "first-line"}


def property_slug(name: str, slugs: frozenset[str]) -> str | None:
    """The feature of a CSS property, or None (custom properties are ``css-variables``)."""
    if name.startswith("--"):
        return "css-variables"
    if name.startswith(("-", "mso-")):
        return None  # vendor prefixes and Outlook's own properties: fallbacks on purpose
    slug = f"css-{name}"
    if slug in slugs:
        return slug
    return _EXTRA_PROPERTIES.get(name)


_value_slug_cache: dict[tuple[str, str, bool], tuple[str, ...]] = {}


def value_slugs(declaration: Declaration, slugs: frozenset[str]) -> tuple[str, ...]:
    """Features used by a declaration's value: display kinds, functions, keywords, units, !important.
    A pure function of the declaration's text, so results are shared (bounded)."""
    key = (declaration.name, declaration.value, declaration.important)
    found = _value_slug_cache.get(key)
    if found is None:
        found = tuple(_value_slugs(declaration, slugs))
        if len(_value_slug_cache) < 8192:
            _value_slug_cache[key] = found
    return found


def _value_slugs(declaration: Declaration, slugs: frozenset[str]) -> Iterator[str]:
    if declaration.name == "display":
        special = _DISPLAY_VALUES.get(declaration.value.lower())
        if special:
            yield special
    if declaration.important:
        yield "css-important"
    stack = list(declaration.tokens)
    while stack:
        token = stack.pop()
        kind = token.type
        if kind == "function":
            slug = _FUNCTIONS.get(token.lower_name)
            if slug:
                yield slug
            stack.extend(token.arguments)
        elif kind == "ident":
            slug = _KEYWORDS.get(token.lower_value)
            if slug:
                yield slug
        elif kind == "dimension":
            unit = token.lower_unit
            if unit in _UNITS and f"css-unit-{unit}" in slugs:
                yield f"css-unit-{unit}"
        elif kind == "percentage":
            yield "css-unit-percent"
        elif kind in ("() block", "[] block", "{} block"):
            stack.extend(token.content)


def selector_slugs(prelude: tuple[Any, ...], slugs: frozenset[str]) -> Iterator[str]:
    """Selector features: kinds of simple selectors, combinators, pseudo-classes and -elements."""
    tokens = list(prelude)
    simple_in_compound = 0
    previous_meaningful: str | None = None
    pending_space = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        kind = token.type
        if kind == "whitespace":
            pending_space = True
            index += 1
            continue
        value = getattr(token, "value", None)
        is_combinator = kind == "literal" and value in (">", "+", "~", ",")
        if pending_space and not is_combinator and previous_meaningful not in (None, "combinator"):
            yield "css-selector-descendant"
            simple_in_compound = 0
        pending_space = False
        if is_combinator:
            yield {
                ">": "css-selector-child",
                "+": "css-selector-adjacent-sibling",
                "~": "css-selector-general-sibling",
                ",": "css-selector-grouping",
            }[str(value)]
            simple_in_compound = 0
            previous_meaningful = "combinator"
            index += 1
            continue
        previous_meaningful = "simple"
        if kind == "literal" and value == ":":
            element = index + 1 < len(tokens) and getattr(tokens[index + 1], "value", None) == ":"
            if element:
                index += 1
            target = tokens[index + 1] if index + 1 < len(tokens) else None
            name = (getattr(target, "lower_value", None) or getattr(target, "lower_name", None) or "") if target else ""
            if element or name in _LEGACY_PSEUDO_ELEMENTS:
                slug = f"css-pseudo-element-{name}"
            else:
                slug = f"css-pseudo-class-{name}"
            if slug in slugs:
                yield slug
            index += 2
            continue
        if kind == "literal" and value == ".":
            yield "css-selector-class"
            index += 1
        elif kind == "hash":
            yield "css-selector-id"
        elif kind == "ident":
            yield "css-selector-type"
        elif kind == "literal" and value == "*":
            yield "css-selector-universal"
        elif kind == "[] block":
            yield "css-selector-attribute"
        else:
            index += 1
            continue
        simple_in_compound += 1
        if simple_in_compound == 2:
            yield "css-selector-chaining"
        index += 1


def _uses_hover(prelude: tuple[Any, ...]) -> bool:
    tokens = [t for t in prelude if t.type != "whitespace"]
    return any(
        getattr(a, "value", None) == ":" and getattr(b, "type", None) in ("ident", "function")
        for a, b in zip(tokens, tokens[1:])
    )


_sheet_usages: dict[tuple[Any, ...], tuple[Usage, ...]] = {}
# the uses of one style="" attribute depend only on its text, place, element, bgcolor and audience:
# the same template linted again (a batch, a watch loop) reuses them
_inline_usages: dict[tuple[Any, ...], tuple[Usage, ...]] = {}


def _not_mso_ranges(email: Email) -> list[tuple[int, int]]:
    """Source ranges between ``<!--[if !mso]><!-->`` and ``<!--<![endif]-->``."""
    ranges: list[tuple[int, int]] = []
    opened: int | None = None
    for comment in email.comments:
        text = comment.text.strip().lower().replace(" ", "")
        if text.startswith("[if!mso") and text.endswith("<!"):
            opened = comment.end
        elif opened is not None and "<![endif]" in text:
            ranges.append((opened, comment.start))
            opened = None
    return ranges


def _audience_at(offset: int, ranges: list[tuple[int, int]]) -> str:
    for start, end in ranges:
        if start <= offset < end:
            return NOT_MSO
    return ALL


def _has_colour(value: str) -> bool:
    """A background shorthand that also paints a colour: ``#f4f4f4 url(a.png)``."""
    return any(
        match.group().lower() not in _NOT_COLOURS and not match.group().lower().startswith("url")
        for match in _COLOUR_FALLBACK.finditer(value.split("url(", 1)[0] + " " + value.rsplit(")", 1)[-1])
    )


def _block_facts(items: tuple[Declaration, ...], attrs: dict[str, str] | None) -> tuple[bool, bool]:
    """(hides itself with fallbacks, paints a background colour under any image)."""
    hiding = False
    colour = attrs is not None and bool((attrs.get("bgcolor") or "").strip())
    for declaration in items:
        name = declaration.name
        if name == "display" and declaration.value.lower() == "none":
            hiding = True
        elif name == "background-color" and declaration.value.lower() not in ("transparent", "none", ""):
            colour = True
        elif name == "background" and _has_colour(declaration.value):
            colour = True
    return hiding, colour


def usages(email: Email, slugs: frozenset[str], wanted: frozenset[str] | None = None) -> list[Usage]:
    """Every feature use of the email, in source order; with ``wanted`` (a subset of ``slugs``), only
    the uses of those slugs (the ones a target set can report: a use of any other is never made)."""
    sheets, rest = _collect(email, slugs, slugs if wanted is None else wanted)
    return [use for part in sheets for use in part] + rest


@dataclass(frozen=True, slots=True)
class UseGroup:
    """The uses of one feature, with what the verdicts need to know of them and of the relied-on ones."""

    uses: tuple[Usage, ...]
    audiences: tuple[str, ...]  # sorted
    in_stylesheet: bool  # every use is inside a <style> block
    relied: tuple[Usage, ...]  # the uses that do not degrade gracefully
    relied_audiences: tuple[str, ...]  # sorted
    relied_in_stylesheet: bool
    relied_via_style: bool  # a relied-on use is a <style> element or selector (relied on only if not inlined)
    # what rules.clients._common decides of the relied-on uses, by verdicts: kept as long as the group
    partial: dict[int, Any] = field(default_factory=dict, compare=False, repr=False)


def _group(uses: tuple[Usage, ...] | list[Usage]) -> UseGroup:
    relied = tuple(use for use in uses if not use.enhancement)
    return UseGroup(
        tuple(uses),
        tuple(sorted({use.audience for use in uses})),
        all(use.in_stylesheet for use in uses),
        relied,
        tuple(sorted({use.audience for use in relied})),
        all(use.in_stylesheet for use in relied),
        any(use.via_style for use in relied),
    )


def _joined(first: UseGroup, second: UseGroup) -> UseGroup:
    return UseGroup(
        first.uses + second.uses,
        tuple(sorted({*first.audiences, *second.audiences})),
        first.in_stylesheet and second.in_stylesheet,
        first.relied + second.relied,
        tuple(sorted({*first.relied_audiences, *second.relied_audiences})),
        first.relied_in_stylesheet and second.relied_in_stylesheet,
        first.relied_via_style or second.relied_via_style,
    )


# the groups of a <style> element's cached uses, by the identity of that tuple (kept in the value)
_sheet_groups: dict[int, tuple[tuple[Usage, ...], dict[str, UseGroup]]] = {}


def grouped_usages(email: Email, slugs: frozenset[str], wanted: frozenset[str]) -> dict[str, UseGroup]:
    """The uses of ``usages(email, slugs, wanted)`` by feature, each group in source order: the
    groups of a <style> element are kept with its uses, renders of one template share them."""
    sheets, rest = _collect(email, slugs, wanted)
    groups: dict[str, UseGroup] = {}
    for part in sheets:
        known = _sheet_groups.get(id(part))
        if known is None or known[0] is not part:
            by_slug: dict[str, list[Usage]] = {}
            for use in part:
                by_slug.setdefault(use.slug, []).append(use)
            if len(_sheet_groups) > 512:
                _sheet_groups.clear()
            known = _sheet_groups[id(part)] = (part, {slug: _group(uses) for slug, uses in by_slug.items()})
        for slug, group in known[1].items():
            before = groups.get(slug)
            groups[slug] = group if before is None else _joined(before, group)
    rest_by_slug: dict[str, list[Usage]] = {}
    for use in rest:
        found = rest_by_slug.get(use.slug)
        if found is None:
            rest_by_slug[use.slug] = [use]
        else:
            found.append(use)
    for slug, uses in rest_by_slug.items():
        group = _group(uses)
        before = groups.get(slug)
        groups[slug] = group if before is None else _joined(before, group)
    return groups


def _collect(email: Email, slugs: frozenset[str], keep: frozenset[str]) -> tuple[list[tuple[Usage, ...]], list[Usage]]:
    """The uses of each <style> element (a tuple kept by its text and place), and the other uses."""
    sheet_parts: list[tuple[Usage, ...]] = []
    found: list[Usage] = []
    add = found.append
    hidden_from_mso = _not_mso_ranges(email)

    def declarations(
        items: tuple[Declaration, ...],
        audience: str,
        enhancement: bool,
        sheet: bool,
        tag: str = "",
        attrs: dict[str, str] | None = None,
        rule_start: int = -1,
        element: int = -1,
    ) -> None:
        hiding, colour_under = _block_facts(items, attrs)
        hiding = hiding and any(d.name in _HIDING_FALLBACKS for d in items)
        seen: set[str] = set()
        for declaration in items:
            name = declaration.name
            if hiding and name in _HIDING_FALLBACKS:
                continue
            # font-size: 16px; font-size: 1rem; a client that ignores the second keeps the first
            fallback_exists = name in seen
            seen.add(name)
            if name.startswith(("-", "mso-")) and not name.startswith("--"):
                continue  # vendor prefixes and Outlook's own properties: fallbacks on purpose
            slug = property_slug(name, slugs)
            graceful = enhancement or fallback_exists or (slug is not None and slug in GRACEFUL_SLUGS)
            value = declaration.value
            if colour_under and (name == "background-image" or (name == "background" and "(" in value)):
                graceful = True  # the colour shows where the image does not
            if slug is not None and slug in keep:  # a property the data does not list (color) may have values it does
                add(
                    Usage(slug, declaration.start, audience, graceful, sheet, tag, name, value, rule_start, "", element)
                )
            if declaration.templated:
                continue
            for value_slug in value_slugs(declaration, slugs):
                if value_slug not in keep:
                    continue
                value_graceful = (
                    graceful
                    or (colour_under and value_slug in _BACKGROUND_IMAGE_SLUGS)
                    # visibility, max-height, font-size, mso-hide... hide it where display:none is ignored
                    or (hiding and value_slug == "css-display-none")
                )
                add(
                    Usage(
                        value_slug,
                        declaration.value_start,
                        audience,
                        value_graceful,
                        sheet,
                        tag,
                        name,
                        value,
                        rule_start,
                        "",
                        element,
                    )
                )

    for sheet in stylesheets(email):
        audience = MSO_ONLY if sheet.only_outlook else _audience_at(sheet.offset, hidden_from_mso)
        key = (sheet.css, sheet.offset, sheet.element.start if sheet.element is not None else -1, audience, keep)
        cached = _sheet_usages.get(key)
        if cached is not None:
            sheet_parts.append(cached)
            continue
        first = len(found)
        if sheet.element is not None:
            add(
                Usage(
                    "html-style",
                    sheet.element.start,
                    audience,
                    False,
                    prop="style",
                    value=str(len(sheet.css)),
                    tag="body" if _in_body(sheet.element) else "head",
                    rule_start=sheet.offset,
                    via_style="sheet",
                )
            )
        if "/*" in sheet.css:
            add(Usage("css-comments", sheet.offset + sheet.css.index("/*"), audience, True, True))
        for at_rule in sheet.at_rules:
            slug = _AT_RULES.get(at_rule.keyword)
            if slug:
                add(
                    Usage(
                        slug,
                        at_rule.start,
                        audience,
                        True,
                        True,
                        prop=at_rule.keyword,
                        value=at_rule.prelude,
                        tag=str(len(at_rule.context)),
                    )
                )
            if at_rule.keyword == "media":
                for feature, media_slug in _MEDIA_FEATURES.items():
                    if re.search(
                        r"\(\s*(?:min-|max-)?" + re.escape(feature) + r"\s*[:)]", at_rule.prelude, re.IGNORECASE
                    ):
                        add(Usage(media_slug, at_rule.start, audience, True, True, prop="media", value=at_rule.prelude))
        for style_rule in sheet.rules:
            if CLIENT_HACK.search(style_rule.selector):
                continue
            enhancement = bool(style_rule.context) or _uses_hover(style_rule.prelude)
            for slug in selector_slugs(style_rule.prelude, slugs):
                graceful = enhancement or slug.startswith("css-pseudo")
                add(
                    Usage(
                        slug,
                        style_rule.start,
                        audience,
                        graceful,
                        True,
                        prop="selector",
                        value=style_rule.selector,
                        rule_start=style_rule.start,
                        via_style="rule",
                    )
                )
            declarations(style_rule.declarations, audience, enhancement, True, rule_start=style_rule.start)
        if len(_sheet_usages) > 256:
            _sheet_usages.clear()
        # a pure function of the block's text and place
        cached = _sheet_usages[key] = tuple(usage for usage in found[first:] if usage.slug in keep)
        del found[first:]
        sheet_parts.append(cached)

    doctype = re.match(r"\s*<!doctype\s+html\s*>", email.html, re.IGNORECASE)
    if doctype and "html-doctype" in keep:
        add(Usage("html-doctype", doctype.start() + len(doctype.group()) - len(doctype.group().lstrip()), ALL, True))
    attribute_names = _attribute_names(keep)
    tags_read: dict[str, bool] = {}  # whether a tag can make a use by itself (see _element_templates)
    for element in email.elements:
        tag = element.tag
        if tag.startswith(("v:", "o:", "w:")):
            continue  # VML and Office markup: only Outlook on Windows reads it, and it is made for it
        if element.in_comment:
            audience = MSO_ONLY
        else:
            audience = _audience_at(element.start, hidden_from_mso) if hidden_from_mso else ALL
        attrs = element.attrs
        start = element.start
        read = tags_read.get(tag)
        if read is None:
            slug = _tag_slug(tag, slugs)
            read = tags_read[tag] = (slug is not None and slug in keep) or tag in _TAGS_READ_FURTHER
        made = _element_templates(email, element, slugs, keep) if read or not attribute_names.isdisjoint(attrs) else ()
        index = element.index
        for slug, offset, graceful, prop, value, own in made:
            add(
                Usage(
                    slug,
                    start + offset,
                    audience,
                    graceful,
                    tag=tag,
                    prop=prop,
                    value=value,
                    element=index if own else -1,
                )
            )
        if "style" in attrs:
            style = inline_style(email, element)
            shape = (
                attrs["style"],
                tag,
                bool((attrs.get("bgcolor") or "").strip()),
                audience,
                style.start,
                element.index,
                keep,
            )
            known = _inline_usages.get(shape)
            if known is None:
                first = len(found)
                declarations(style.declarations, audience, False, False, tag, attrs, -1, element.index)
                if len(_inline_usages) > 4096:
                    _inline_usages.clear()
                _inline_usages[shape] = tuple(found[first:])
            else:
                found.extend(known)
    for image in email.images:
        if image.kind not in ("img", "css", "background") or image.templated:
            continue
        url = image.url.strip()
        if url[:5].lower() == "data:":
            slug = "image-base64" if ";base64," in url[:60].lower() else None
        else:
            extension = _IMAGE_EXTENSION.search(url.split("?", 1)[0] + "?")
            slug = _IMAGE_TYPES.get(extension.group(1).lower()) if extension else None
        if slug and slug in keep:
            element = image.element
            audience = MSO_ONLY if element.in_comment else _audience_at(element.start, hidden_from_mso)
            graceful = image.kind != "img" and _paints_colour(email, element)
            add(
                Usage(
                    slug,
                    element.start,
                    audience,
                    graceful,
                    image.kind == "css" and element.tag == "style",
                    tag=element.tag,
                    prop=image.kind,
                    value=url,
                )
            )
    return sheet_parts, found  # every use added is of a slug kept


# a use an element's start tag makes: (slug, offset from the tag's start, graceful, prop, value,
# whether the use names the element's index)
_ElementUse = tuple[str, int, bool, str, str, bool]


def _element_templates(
    email: Email, element: Any, slugs: frozenset[str], keep: frozenset[str]
) -> tuple[_ElementUse, ...]:
    """What the element loop of ``_collect`` adds for this start tag (its style="" aside), with
    offsets relative to the tag; the element's place and index are filled in per email."""
    tag = element.tag
    attrs = element.attrs
    slug = _tag_slug(tag, slugs)
    if (
        (slug is None or slug not in keep)
        and tag not in _TAGS_READ_FURTHER
        and _attribute_names(keep).isdisjoint(attrs)
    ):
        return ()  # most tags: no element, attribute or link feature a target set can report
    made: list[_ElementUse] = []
    if tag in ("input", "button"):
        kind = (attrs.get("type") or ("submit" if tag == "button" else "text")).lower()
        slug = f"html-{tag}-{kind}" if f"html-{tag}-{kind}" in slugs else None
    elif tag == "meta" and (attrs.get("name") or "").lower() in ("color-scheme", "supported-color-schemes"):
        slug = "html-meta-color-scheme"
    elif tag == "style":
        slug = None  # judged with its rules, above
    if slug and slug in keep:
        made.append((slug, 0, slug in GRACEFUL_SLUGS, " ".join(attrs), attrs.get("href", ""), True))
    for attribute in attrs:
        attribute_slug = _ATTRIBUTES.get(attribute)
        if (
            attribute_slug
            and attribute_slug in keep
            and not (attribute in ("width", "height") and tag not in ("img", "table", "td", "th"))
        ):
            graceful = attribute_slug in GRACEFUL_SLUGS or (
                attribute_slug == "html-background" and bool((attrs.get("bgcolor") or "").strip())
            )
            offset = _value_start(email, element, attribute) - element.start
            made.append((attribute_slug, offset, graceful, attribute, attrs[attribute], True))
    if tag == "a":
        href = (attrs.get("href") or "").strip().lower()
        if href.startswith("#") and len(href) > 1 and "html-anchor-links" in keep:
            made.append(("html-anchor-links", 0, False, "href", href, False))
        elif href.startswith("mailto:") and "html-mailto-links" in keep:
            made.append(("html-mailto-links", 0, False, "href", href, False))
    return tuple(made)


# tags whose feature depends on their attributes (input type, meta name, a link's href)
_TAGS_READ_FURTHER = frozenset(("input", "button", "meta", "a"))


def _tag_slug(tag: str, slugs: frozenset[str]) -> str | None:
    """The feature of an element by its tag alone."""
    return _ELEMENTS.get(tag) or (f"html-{tag}" if f"html-{tag}" in slugs else None)


@lru_cache(maxsize=64)
def _attribute_names(keep: frozenset[str]) -> frozenset[str]:
    """The attributes whose feature is among ``keep``."""
    return frozenset(name for name, slug in _ATTRIBUTES.items() if slug in keep)


def _value_start(email: Email, element: Any, attribute: str) -> int:
    """``element.attr_spans[attribute][0]`` (the element's start without it)."""
    return element.attr_spans.get(attribute, (element.start, 0))[0]  # type: ignore[no-any-return]


def _in_body(element: Any) -> bool:
    return any(ancestor.tag == "body" for ancestor in element.ancestors())


def _paints_colour(email: Email, element: Any) -> bool:
    """A background image whose element also paints a colour degrades to that colour."""
    if (element.attrs.get("bgcolor") or "").strip():
        return True
    if "style" in element.attrs:
        return _block_facts(inline_style(email, element).declarations, None)[1]
    return False
