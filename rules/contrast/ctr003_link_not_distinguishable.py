"""CTR003 link-not-distinguishable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule
from oopslint.styles import contrast_ratio, floor2

from ._common import (
    LIGHT_PROFILES,
    OPTION_DOCS,
    OPTIONS,
    link_text,
    links_in_text,
    settings,
    styles,
)


@rule(
    code="CTR003",
    name="link-not-distinguishable",
    summary="A link in running text is not underlined and its colour is too close to the text around it",
    severity="error",
    section="contrast",
    options=OPTIONS,
    option_docs=OPTION_DOCS,
)
def link_not_distinguishable(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    For a link inside a sentence (its block holds more text outside links than
    inside them, as axe-core's `link-in-text-block` decides), checks that the
    reader can tell it is a link without seeing colour: an underline or bottom
    border, a background of its own, a weight, style, size or typeface other
    than the text around it (bold in plain text, say), or a colour with at
    least 3:1 contrast against the surrounding text (WCAG technique G183), as
    axe-core counts them; on the link, or on a piece of its text (an
    underlined word inside it). Checked in the light profiles selected; one
    finding per link.

    Why is this bad?
    Readers with colour-vision deficiencies see a link with no underline and a
    colour close to the text as plain text, and miss it.

    Example
    ```html
    <p style="color: #51545E">Questions? <a href="https://example.com/help"
       style="color: #6B6E76; text-decoration: none">Visit our help center</a>.</p>
    ```

    Use instead
    ```html
    <p style="color: #51545E">Questions? <a href="https://example.com/help"
       style="color: #3869D4; text-decoration: underline">Visit our help center</a>.</p>
    ```
    """
    config = settings(options)
    profiles = [p for p in config.profiles if p in LIGHT_PROFILES]
    if not profiles:
        return
    style_map = styles(email)
    for link, block in links_in_text(email, style_map):
        failing = []
        data: dict[str, Any] = {}
        for profile in profiles:
            variant = "stripped" if profile == "style-stripped" else "full"
            if style_map.underlined(link, variant) or _a_piece_marked(
                email, style_map, link, block, profile, config.link_colour(profile)
            ):
                continue  # the reader finds the link by the piece of it that is underlined or coloured
            if _font_differs(style_map, link, block, variant):
                continue  # bold, italic, a size or a typeface of its own marks the link
            link_paint = style_map.paint(link, profile, link_colour=config.link_colour(profile))
            block_paint = style_map.paint(block, profile, link_colour=config.link_colour(profile))
            if (
                link_paint.background_element is not block_paint.background_element
                and link_paint.background.hex() != block_paint.background.hex()
            ):
                continue  # a background of its own marks the link
            ratio = floor2(contrast_ratio(link_paint.color, block_paint.color))
            data[profile] = {"link": link_paint.color.hex(), "text": block_paint.color.hex(), "ratio": ratio}
            if ratio < 3.0:
                failing.append(profile)
        if not failing:
            continue
        first = data[failing[0]]
        text = link_text(email, link) or "link"
        yield Finding(
            f"Link {text!r} is not underlined and its colour {first['link']} is {first['ratio']:.2f}:1 against the "
            f"text around it ({first['text']}), below 3:1, in {', '.join(failing)}: readers who do not see colour "
            "cannot find it",
            span=email.element_span(link),
            suggestion="underline the link (text-decoration: underline) or give it a colour with 3:1 against the text",
            data={"profiles": data, "failing": failing},
        )


def _a_piece_marked(email: Email, style_map: Any, link: Any, block: Any, profile: str, link_colour: str) -> bool:
    """Some visible text of the link sits in an element inside it that is underlined,
    set in another font, or painted with 3:1 against the block's text
    (``<a><span style="color:#008abd"><u>petition</u></span> for N 22nd St</a>``)."""
    variant = "stripped" if profile == "style-stripped" else "full"
    pieces = email.memo("oopslint.rules.contrast.link_pieces", _link_pieces).get(link.index)
    if not pieces:
        return False
    block_colour = style_map.paint(block, profile, link_colour=link_colour).color
    for element in pieces:
        if style_map.underlined(element, variant) or _font_differs(style_map, element, block, variant):
            return True
        colour = style_map.paint(element, profile, link_colour=link_colour).color
        if floor2(contrast_ratio(colour, block_colour)) >= 3.0:
            return True
    return False


def _link_pieces(email: Email) -> dict[int, list[Any]]:
    """For each link, the elements inside it that hold some of its visible text (found in one pass)."""
    pieces: dict[int, list[Any]] = {}
    for segment in email.segments:
        link, element = segment.link, segment.element
        if segment.kind != "text" or link is None or element is None or element is link or not segment.text.strip():
            continue
        found = pieces.setdefault(link.index, [])
        if element not in found:
            found.append(element)
    return pieces


_ITALIC_TAGS = frozenset(("i", "em", "cite", "var", "dfn", "address"))


def _font_differs(style_map: Any, link: Any, block: Any, variant: str) -> bool:
    """The link's text is set in another weight, style, size or first typeface than its block's."""
    if style_map.bold(link, variant) != style_map.bold(block, variant):
        return True
    if abs(style_map.font_size(link, variant) - style_map.font_size(block, variant)) > 0.01:
        return True
    if _italic(style_map, link, variant) != _italic(style_map, block, variant):
        return True
    return _first_family(style_map, link, variant) != _first_family(style_map, block, variant)


def _italic(style_map: Any, element: Any, variant: str) -> bool:
    node = element
    while node is not None and node.tag != "#document":
        declared = style_map.declared(node, variant).get("font-style")
        if declared is not None and declared[0].strip().lower() not in ("inherit", "unset"):
            return declared[0].strip().lower() in ("italic", "oblique") or declared[0].lower().startswith("oblique ")
        if node.tag in _ITALIC_TAGS:
            return True
        node = node.parent
    return False


def _first_family(style_map: Any, element: Any, variant: str) -> str:
    family = style_map.computed(element, "font-family", with_style_blocks=variant != "stripped") or ""
    return family.split(",")[0].strip().strip("\"'").lower()
