"""When a caniemail partial-support note is about what this email does.

caniemail marks a feature "partial" with a note that names the catch: "padding:
only supported on table cells", "margin: negative values are not supported".
Most emails never hit the catch (their padding is on `<td>`), so a note is
reported by default only when a use of the feature matches it: padding on a
`<div>`, a negative margin, `rem` in a font size. Each entry below pairs words
of a note (matched in the note's text, so a renumbered note keeps its check)
with the test on one use. A note with no entry, or a use whose element is not
known (a declaration in a `<style>` block may apply to any element), is left
to `report_partial = true`, which reports every partial verdict.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from ._features import Usage

Check = Callable[[Usage], bool]

_NEGATIVE = re.compile(r"(?:^|[\s(,])-\d")
_PX = re.compile(r"(\d+(?:\.\d+)?)px", re.IGNORECASE)
_URL_UNQUOTED = re.compile(r"url\(\s*[^'\"\s)]", re.IGNORECASE)
_SPACED_FUNCTION = re.compile(r"rgba?\(\s*[\d.]+%?\s+[\d.]", re.IGNORECASE)


def _tag_in(*tags: str) -> Check:
    return lambda use: use.tag in tags


def _tag_known_not_in(*tags: str) -> Check:
    return lambda use: bool(use.tag) and use.tag not in tags


def _value_has(*words: str) -> Check:
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w-])", re.IGNORECASE)
    return lambda use: pattern.search(use.value) is not None


_ZERO = re.compile(r"^(?:\s*-?0*\.?0+(?:px|em|rem|%|pt)?\s*)+$", re.IGNORECASE)


def _nonzero(check: Check) -> Check:
    """A zero padding or margin ignored by a client changes nothing."""
    return lambda use: check(use) and _ZERO.match(use.value.replace("!important", "")) is None


def _all(*checks: Check) -> Check:
    return lambda use: all(check(use) for check in checks)


def _not_full_width(use: Usage) -> bool:
    """``width: 100%`` on a block is what the block does anyway."""
    return use.value.strip().lower() not in ("100%", "auto", "") and not (
        use.tag == "div" and use.value.strip() == "100%"
    )


def _font_weight_number(use: Usage) -> bool:
    value = use.value.strip()
    return value.isdigit() and value not in ("400", "700")


def _border_wider_than_8px(use: Usage) -> bool:
    return any(float(number) > 8 for number in _PX.findall(use.value))


def _media_other_than_width_and_height(use: Usage) -> bool:
    features = re.findall(r"\(\s*([a-z-]+)", use.value.lower())
    allowed = {"min-width", "max-width", "min-height", "max-height", "width", "height"}
    return any(feature not in allowed for feature in features)


def _position_value_not_listed_as_supported(note: str) -> Check:
    supported = re.search(r"Supports ([^.]*?) but not", note)
    allowed = set(re.findall(r"`(\w+)`", supported.group(1))) if supported else set()
    return lambda use: use.value.strip().lower() in {"relative", "absolute", "fixed", "sticky"} - allowed


def _display_value_listed(note: str) -> Check:
    listed = {v.replace(" ", "-") for v in re.findall(r"`([\w -]+)`", note)}
    return lambda use: use.prop == "display" and use.value.strip().lower() in listed


# (feature slug, words of the note, test of one use); a note may match several entries
_TABLE: list[tuple[str, str, Check | Callable[[str], Check]]] = [
    ("css-padding", "only supported on table cells", _nonzero(_tag_known_not_in("td", "th"))),
    ("css-width", "not supported on `<body>`", _all(_tag_in("span", "div", "p", "img"), _not_full_width)),
    ("css-height", "not supported on `<body>`", _tag_in("body", "span", "div", "p")),
    ("css-max-width", "only works on `<table>`", _tag_known_not_in("table")),
    ("css-max-width", "doesn't work on `<table>`", _tag_in("table")),
    ("css-margin", "negative values", lambda use: _NEGATIVE.search(use.value) is not None),
    ("css-margin", "not supported on `<span>`", _nonzero(_tag_in("span", "body"))),
    # tables and cells centre with align="center" where auto is ignored; a <div> or an image does not
    ("css-margin", "`auto` value", _all(_tag_in("div", "p", "img", "span", "a"), _value_has("auto"))),
    ("css-font-size", "`rem` values", lambda use: "rem" in use.value.lower()),
    (
        "css-font-size",
        "`relative` and `percentage`",
        lambda use: re.search(r"%|\d(?:em)\b|smaller|larger", use.value) is not None,
    ),
    ("css-line-height", "`normal` value", _value_has("normal")),
    (
        "css-font-weight",
        "only the following numeric values",
        lambda use: use.value.strip().isdigit() and int(use.value) % 100 != 0,
    ),
    ("css-font-weight", "set as normal font weight", _font_weight_number),
    ("css-text-align", "`start` and `end`", _value_has("start", "end")),
    ("css-text-align", "`match-parent`", _value_has("match-parent")),
    ("css-text-transform", "`lowercase`", _value_has("lowercase")),
    ("css-text-decoration", "multiple values", lambda use: len(use.value.split()) > 1),
    ("css-text-decoration", "`overline`", _value_has("overline")),
    ("css-text-decoration", "only supports the line", lambda use: len(use.value.split()) > 1),
    ("css-border", "bigger than 8px", _border_wider_than_8px),
    ("css-border", "on a `<p>` or a `<div>`", _tag_in("p", "div")),
    ("css-display", "`flex`", _display_value_listed),
    ("css-display", "`inline-flex`", _display_value_listed),
    ("css-display", "`flow-root`, `inline-flex`", _display_value_listed),
    ("css-display", "but not on `<img>`", _all(_tag_in("img"), _value_has("none"))),
    ("css-display-none", "directly to an `<img>`", _tag_in("img")),
    ("css-background", "multiple values", lambda use: "," in re.sub(r"\([^)]*\)", "", use.value)),
    ("css-background", "`/ value` shorthand", lambda use: "/" in re.sub(r"\([^)]*\)", "", use.value)),
    (
        "css-background",
        "only `background-color`",
        lambda use: "url(" in use.value.lower() or "gradient(" in use.value.lower(),
    ),
    ("css-background", "between quotes", lambda use: _URL_UNQUOTED.search(use.value) is not None),
    ("css-background", "`url()` function", lambda use: "url(" in use.value.lower()),
    ("css-background-image", "multiple values", lambda use: "," in re.sub(r"\([^)]*\)", "", use.value)),
    ("css-background-image", "between quotes", lambda use: _URL_UNQUOTED.search(use.value) is not None),
    ("css-background-image", "`url()` function", lambda use: "url(" in use.value.lower()),
    ("css-rgba", "whitespace syntax", lambda use: _SPACED_FUNCTION.search(use.value) is not None),
    ("css-rgb", "whitespace syntax", lambda use: _SPACED_FUNCTION.search(use.value) is not None),
    ("css-position", "but not", _position_value_not_listed_as_supported),
    ("css-clear", "`inline-start`", _value_has("inline-start", "inline-end")),
    ("css-word-break", "only `word-break:break-all` works", lambda use: use.value.strip().lower() != "break-all"),
    ("css-border-radius", "slash `/` notation", lambda use: "/" in use.value),
    ("html-align", "wrapped in a `<span>`", _all(_tag_in("img"), _value_has("left", "right"))),
    ("html-align", "not supported on `<img>`", _tag_in("img")),
    ("html-align", "do not work on `<table>`", _all(_tag_in("table"), _value_has("left", "right"))),
    ("html-dir", "removed from `<table>` and `<td>`", _tag_in("table", "td")),
    ("html-lists", "`reversed` attribute", lambda use: "reversed" in use.prop.split()),
    ("html-lists", "`value` attribute", lambda use: use.tag == "li" and "value" in use.prop.split()),
    ("html-mailto-links", "`cc` and `bcc`", lambda use: re.search(r"[?&](?:b?cc)=", use.value) is not None),
    ("html-mailto-links", "`bcc` is not supported", lambda use: "bcc=" in use.value),
    ("html-style", "inside the `<body>`", _tag_in("body")),
    ("html-style", "limited to 16 kb", lambda use: use.value.isdigit() and int(use.value) > 16 * 1024),
    ("css-at-media", "nested media queries", lambda use: use.tag.isdigit() and int(use.tag) > 0),
    ("css-at-media", "only supports `screen`", _media_other_than_width_and_height),
    ("css-at-media", "height based media queries", lambda use: "height" in use.value.lower()),
    ("css-at-media", "landscape", _value_has("orientation", "landscape")),
    ("css-at-media", "simple `@media {}`", lambda use: use.value.strip().lower() in ("", "all", "screen")),
]
_VALUE_DEPENDENT = {_display_value_listed, _position_value_not_listed_as_supported}


@cache
def note_checks(slug: str, note: str) -> tuple[Check, ...]:
    """The tests that decide whether ``note`` of feature ``slug`` is about a use."""
    text = note.lower()
    checks: list[Check] = []
    for feature, words, check in _TABLE:
        if feature == slug and words.lower() in text:
            checks.append(check(note) if check in _VALUE_DEPENDENT else check)  # type: ignore[operator,call-arg,arg-type]
    return tuple(checks)


def relevant(slug: str, note: str, use: Usage) -> bool:
    """Does caniemail's ``note`` on ``slug`` describe what ``use`` does?"""
    return any(check(use) for check in note_checks(slug, note))
