"""What the CTR rules share: the options, and one verdict per text element
computed once per email (``email.memo``) for all of them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from oopslint import ConfigError, Email
from oopslint.styles import (
    DARK_PROFILES,
    DEFAULT_LINK_COLOUR,
    LIGHT_PROFILES,
    PROFILES,
    RGBA,
    Painted,
    StyleMap,
    contrast_ratio,
    floor2,
    nearest_passing,
    parse_color,
    styles,
)
from oopslint.templating import MASK_CHAR

OPTIONS: dict[str, Any] = {"profiles": list(PROFILES), "link_colours": {}}
OPTION_DOCS = {
    "profiles": "client profiles to check: " + ", ".join(PROFILES),
    "link_colours": "colour a client paints on links with no colour of their own, per profile "
    f'(default {DEFAULT_LINK_COLOUR}), e.g. {{"style-stripped" = "#1155CC"}}',
}


@dataclass(frozen=True)
class Settings:
    profiles: tuple[str, ...]
    link_colours: tuple[tuple[str, str], ...]

    def link_colour(self, profile: str) -> str:
        for name, colour in self.link_colours:
            if name == profile:
                return colour
        return DEFAULT_LINK_COLOUR


def settings(options: Mapping[str, Any]) -> Settings:
    profiles = options.get("profiles", list(PROFILES))
    if not isinstance(profiles, list) or not profiles:
        raise ConfigError(f"[contrast] profiles must name at least one profile: {', '.join(PROFILES)}")
    for profile in profiles:
        if profile not in PROFILES:
            raise ConfigError(f"[contrast] profiles: {profile!r} is not a profile; choose from {', '.join(PROFILES)}")
    colours = options.get("link_colours", {}) or {}
    for profile, colour in colours.items():
        if profile not in ("style-stripped", "default-link-colour"):
            raise ConfigError(
                f"[contrast] link_colours: {profile!r}; only style-stripped and default-link-colour "
                "paint a client link colour"
            )
        if not isinstance(colour, str) or not isinstance(parse_color(colour), RGBA):
            raise ConfigError(f"[contrast] link_colours.{profile}: {colour!r} is not a colour")
    ordered = tuple(p for p in PROFILES if p in profiles)
    return Settings(ordered, tuple(sorted(colours.items())))


_Flags = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]  # failing, unverifiable, invisible profiles
_PASSES: _Flags = ((), (), ())


class Verdict:
    """One text element judged in every selected profile. ``painted`` (the
    details) is built when a rule reads it: most text passes everywhere."""

    __slots__ = ("element", "failing", "unverifiable", "invisible", "_style_map", "_profiles", "_painted")

    def __init__(self, element: Any, style_map: StyleMap, profiles: list[tuple[str, str]], flags: _Flags | None = None):
        self.element = element
        self._style_map = style_map
        self._profiles = profiles
        self._painted: _Painted | None = None
        if flags is None:
            flags = _judge(element, style_map, profiles)
        self.failing, self.unverifiable, self.invisible = flags

    @property
    def painted(self) -> Mapping[str, Painted]:
        """How the text is painted, per profile (each profile's worked out when read)."""
        if self._painted is None:
            self._painted = _Painted(self.element, self._style_map, self._profiles)
        return self._painted

    def data(self) -> dict[str, Any]:
        first = next(iter(self.painted.values()), None)
        return {
            "profiles": {p: v.to_data() for p, v in self.painted.items()},
            "failing": list(self.failing),
            "font_size": round(first.font_size, 2) if first else None,
            "bold": first.bold if first else None,
        }


class _Painted(Mapping[str, Painted]):
    """Profile -> how the element's text is painted there, each painted on first read."""

    __slots__ = ("_element", "_style_map", "_colours", "_found")

    def __init__(self, element: Any, style_map: StyleMap, profiles: list[tuple[str, str]]):
        self._element = element
        self._style_map = style_map
        self._colours = dict(profiles)
        self._found: dict[str, Painted] = {}

    def __getitem__(self, profile: str) -> Painted:
        found = self._found.get(profile)
        if found is None:
            colour = self._colours[profile]  # KeyError for a profile not selected, as a dict
            found = self._found[profile] = self._style_map.paint(self._element, profile, link_colour=colour)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._colours)

    def __len__(self) -> int:
        return len(self._colours)


def _judge(element: Any, style_map: StyleMap, profiles: list[tuple[str, str]]) -> _Flags:
    failing: list[str] = []
    unverifiable: list[str] = []
    invisible: list[str] = []
    contrast = style_map.contrast
    for profile, colour in profiles:
        ratio, threshold, verifiable = contrast(element, profile, link_colour=colour)
        if not verifiable:
            unverifiable.append(profile)
        elif ratio <= 1.0:
            invisible.append(profile)  # the very colour of its background (hidden on purpose, or a mistake)
        elif ratio < threshold:
            failing.append(profile)
    if not (failing or unverifiable or invisible):
        return _PASSES  # most text: one shared answer
    return tuple(failing), tuple(unverifiable), tuple(invisible)


def verdicts(email: Email, config: Settings) -> list[Verdict]:
    return email.memo(("oopslint.rules.contrast", config), lambda e: _compute(e, config))


def _compute(email: Email, config: Settings) -> list[Verdict]:
    style_map = styles(email)
    out = []
    texts = email.memo("oopslint.rules.contrast.texts", _texts)
    profiles = [
        (profile, config.link_colour(profile))
        for profile in config.profiles
        if profile != "dark-media" or style_map.sheet.has_dark  # no dark rules: the dark-media view is full-css
    ]
    # the verdicts depend only on the computed styles: renders of one template share them
    judged: dict[int, _Flags] = style_map.template_memo(("oopslint.rules.contrast.judged", tuple(profiles)), dict)
    for element in style_map.text_elements():
        if sum(len("".join(t.split())) for t in texts.get(element.index, ())) < 2:
            continue  # a lone "|" or "·": axe leaves single characters for review too
        flags = judged.get(element.index)
        if flags is None:
            flags = judged[element.index] = _judge(element, style_map, profiles)
        out.append(Verdict(element, style_map, profiles, flags))
    return out


def _texts(email: Email) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for segment in email.segments:
        if segment.kind == "text" and segment.element is not None:
            out.setdefault(segment.element.index, []).append(segment.text)
    return out


def own_texts(email: Email, element: Any) -> list[str]:
    """The text segments an element holds itself (not its children's)."""
    return email.memo("oopslint.rules.contrast.texts", _texts).get(element.index, [])


def text_of(email: Email, element: Any, limit: int = 40) -> str:
    return _shortened(" ".join(" ".join(own_texts(email, element)).split()), limit)


def link_text(email: Email, element: Any, limit: int = 40) -> str:
    """All the visible text of a link element, its children's too (``<a><span>Shop</span></a>``)."""
    texts = email.memo("oopslint.rules.contrast.link_texts", _link_texts)
    return _shortened(texts.get(element.index) or "", limit) or text_of(email, element, limit)


def _link_texts(email: Email) -> dict[int, str]:
    return {link.element.index: link.text for link in email.links if link.text}


def _shortened(text: str, limit: int) -> str:
    if MASK_CHAR in text:
        text = re.sub(MASK_CHAR + "+", "{{…}}", text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def suggest(painted: Painted, others: list[Painted]) -> str | None:
    """The nearest colour of the same hue that passes in every failing profile of this kind."""
    backgrounds = [painted.background] + [o.background for o in others if o.threshold == painted.threshold]
    colour = nearest_passing(painted.color, backgrounds, painted.threshold)
    return colour.hex() if colour is not None else None


def describe(painted: Painted) -> str:
    size = f"{painted.font_size:.4g}px" + (" bold" if painted.bold else "")
    return (
        f"{painted.color.hex()} on {painted.background.hex()} is {painted.ratio:.2f}:1, "
        f"below {painted.threshold:g}:1 for {'large' if painted.large else 'normal'} text ({size})"
    )


def link_contrast(
    style_map: StyleMap, link: Any, block: Any, profile: str, link_colour: str
) -> tuple[float, RGBA, RGBA]:
    """Ratio between a link's colour and its block's text colour (both as painted)."""
    link_paint = style_map.paint(link, profile, link_colour=link_colour)
    block_paint = style_map.paint(block, profile, link_colour=link_colour)
    return floor2(contrast_ratio(link_paint.color, block_paint.color)), link_paint.color, block_paint.color


def links_in_text(email: Email, style_map: StyleMap) -> list[tuple[Any, Any]]:
    """Visible links inside running text, with their block: the block holds more
    text outside links than inside them (axe-core's link-in-text-block test)."""
    outside: dict[int, int] = {}
    inside: dict[int, int] = {}
    blocks: dict[int, Any] = {}
    links: dict[int, Any] = {}
    for segment in email.segments:
        element = segment.element
        if segment.kind != "text" or element is None or segment.hidden or segment.preheader:
            continue
        block = element.block
        if block is None or style_map.hidden(element):
            continue
        size = len("".join(segment.text.split()))
        link = element.link
        if link is not None and block is not link and _is_block(style_map, block, link):
            block = link.block if link.block is not None else block
        blocks[block.index] = block
        if link is not None and "href" in link.attrs:
            inside[block.index] = inside.get(block.index, 0) + size
            if not _displayed_as_block(style_map, link):
                links.setdefault(link.index, (link, block))
        else:
            outside[block.index] = outside.get(block.index, 0) + size
    return [(link, block) for link, block in links.values() if outside.get(block.index, 0) > inside.get(block.index, 0)]


def _is_block(style_map: StyleMap, block: Any, link: Any) -> bool:
    node = block.parent
    while node is not None:
        if node is link:
            return True
        node = node.parent
    return False


def _displayed_as_block(style_map: StyleMap, element: Any) -> bool:
    display = style_map.declared(element, "full").get("display", ("inline", ""))[0].lower()
    return display.startswith(("block", "inline-block", "flex", "inline-flex", "table", "grid", "list-item"))


__all__ = [
    "link_text",
    "links_in_text",
    "OPTIONS",
    "OPTION_DOCS",
    "Settings",
    "settings",
    "Verdict",
    "verdicts",
    "text_of",
    "suggest",
    "describe",
    "link_contrast",
    "LIGHT_PROFILES",
    "DARK_PROFILES",
    "styles",
]
