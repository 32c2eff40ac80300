"""Colours as mail clients paint them: parsing, alpha blending, WCAG 2.x contrast.

Every CSS colour syntax is read (``#rgb``, ``#rgba``, ``#rrggbb``, ``#rrggbbaa``,
``rgb()``/``rgba()`` with commas or spaces, ``hsl()``/``hsla()``, the named
colours, ``transparent``) through tinycss2's CSS Color parser. A malformed
colour is ``None``: clients drop the declaration, and so do we.
"""

from __future__ import annotations

import colorsys
import math
from functools import lru_cache
from typing import NamedTuple

__all__ = [
    "RGBA",
    "WHITE",
    "BLACK",
    "parse_color",
    "blend",
    "luminance",
    "contrast_ratio",
    "floor2",
    "lab_lightness",
    "invert_lightness",
    "nearest_passing",
]


class RGBA(NamedTuple):
    """sRGB channels 0-255 (floats) and alpha 0-1."""

    r: float
    g: float
    b: float
    a: float = 1.0

    @property
    def opaque(self) -> bool:
        return self.a >= 0.999

    def hex(self) -> str:
        """``#RRGGBB`` (``#RRGGBBAA`` when translucent)."""
        return _hex(self)


@lru_cache(maxsize=4096)
def _hex(color: RGBA) -> str:
    base = "#{:02X}{:02X}{:02X}".format(*(int(round(max(0.0, min(255.0, c)))) for c in color[:3]))
    return base if color.a >= 0.999 else base + f"{int(round(color.a * 255)):02X}"


WHITE = RGBA(255.0, 255.0, 255.0)
BLACK = RGBA(0.0, 0.0, 0.0)
CURRENT_COLOR = "currentcolor"


@lru_cache(maxsize=4096)
def parse_color(value: str) -> RGBA | str | None:
    """A CSS colour value as RGBA, the string ``"currentcolor"``, or None when
    it is not a colour (``inherit`` is the caller's business)."""
    from tinycss2 import color4

    text = value.strip()
    if not text:
        return None
    try:
        parsed = color4.parse_color(text)
    except Exception:  # tinycss2 raises on a few malformed functions; clients ignore them
        return None
    if parsed is None:
        if text.lower() == CURRENT_COLOR:
            return CURRENT_COLOR
        # legacy HTML colour attributes often omit the "#": bgcolor="ffffff"
        if len(text) in (3, 6) and all(c in "0123456789abcdefABCDEF" for c in text):
            return parse_color("#" + text)
        return None
    if isinstance(parsed, str):
        return CURRENT_COLOR
    try:
        srgb = parsed.to("srgb")
        r, g, b = (max(0.0, min(1.0, float(c))) * 255.0 for c in srgb.coordinates[:3])
        alpha = max(0.0, min(1.0, float(srgb.alpha)))
    except Exception:
        return None
    if any(math.isnan(c) for c in (r, g, b, alpha)):
        return None
    return RGBA(r, g, b, alpha)


def blend(top: RGBA, bottom: RGBA) -> RGBA:
    """``top`` painted over ``bottom`` (source-over)."""
    if top.opaque:
        return top
    a = top.a + bottom.a * (1 - top.a)
    if a <= 0:
        return RGBA(0.0, 0.0, 0.0, 0.0)
    return RGBA(
        (top.r * top.a + bottom.r * bottom.a * (1 - top.a)) / a,
        (top.g * top.a + bottom.g * bottom.a * (1 - top.a)) / a,
        (top.b * top.a + bottom.b * bottom.a * (1 - top.a)) / a,
        a,
    )


def _channel(c: float) -> float:
    c = c / 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


@lru_cache(maxsize=8192)
def luminance(color: RGBA) -> float:
    """WCAG 2.x relative luminance of an opaque colour."""
    return 0.2126 * _channel(color.r) + 0.7152 * _channel(color.g) + 0.0722 * _channel(color.b)


@lru_cache(maxsize=8192)
def contrast_ratio(foreground: RGBA, background: RGBA) -> float:
    """WCAG 2.x contrast ratio; a translucent foreground is blended over the background first."""
    fg = blend(foreground, background)
    l1, l2 = luminance(fg), luminance(background)
    if l1 < l2:
        l1, l2 = l2, l1
    return (l1 + 0.05) / (l2 + 0.05)


def floor2(ratio: float) -> float:
    """Two decimals, rounded down, so 4.499 is never shown as passing 4.5."""
    return math.floor(ratio * 100 + 1e-9) / 100


def _lab_f(t: float) -> float:
    return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116


def lab_lightness(color: RGBA) -> float:
    """CIE L* (0-100): how light a colour looks."""
    y = luminance(color)
    return 116 * _lab_f(y) - 16


@lru_cache(maxsize=4096)
def invert_lightness(color: RGBA) -> RGBA:
    """The colour with its lightness mirrored (L* -> 100 - L*), hue and
    saturation kept, the way clients that darken emails recolour them."""
    target = 100 - lab_lightness(color)
    h, _, s = colorsys.rgb_to_hls(color.r / 255, color.g / 255, color.b / 255)
    low, high = 0.0, 1.0
    for _ in range(22):  # bisect HSL lightness until L* matches
        mid = (low + high) / 2
        r, g, b = colorsys.hls_to_rgb(h, mid, s)
        if lab_lightness(RGBA(r * 255, g * 255, b * 255)) < target:
            low = mid
        else:
            high = mid
    r, g, b = colorsys.hls_to_rgb(h, (low + high) / 2, s)
    return RGBA(r * 255, g * 255, b * 255, color.a)


def nearest_passing(foreground: RGBA, backgrounds: list[RGBA], threshold: float) -> RGBA | None:
    """The colour of the same hue and saturation, closest in lightness to
    ``foreground``, that reaches ``threshold`` against every background (None if
    no lightness does)."""
    # the same few colour pairs recur in every email of a template: the search is kept per pair
    return _nearest_passing(foreground, tuple(backgrounds), threshold)


@lru_cache(maxsize=2048)
def _nearest_passing(foreground: RGBA, backgrounds: tuple[RGBA, ...], threshold: float) -> RGBA | None:
    h, own_lightness, s = colorsys.rgb_to_hls(foreground.r / 255, foreground.g / 255, foreground.b / 255)

    def at(lightness: float) -> RGBA:
        r, g, b = colorsys.hls_to_rgb(h, lightness, s)
        # rounded to what a stylesheet can say, then checked as painted
        return RGBA(float(round(r * 255)), float(round(g * 255)), float(round(b * 255)))

    def passes(candidate: RGBA) -> bool:
        return all(floor2(contrast_ratio(candidate, bg)) >= threshold for bg in backgrounds)

    best: tuple[float, RGBA] | None = None
    for end in (0.0, 1.0):
        if not passes(at(end)):
            continue
        near, far = own_lightness, end  # contrast grows monotonically towards black or white: bisect the boundary
        for _ in range(16):
            middle = (near + far) / 2
            if passes(at(middle)):
                far = middle
            else:
                near = middle
        candidate = at(far)
        distance = abs(far - own_lightness)
        if passes(candidate) and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best is not None else None
