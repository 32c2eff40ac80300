"""What a valid value of the common email CSS properties looks like.

Only properties whose valid values are a closed, well-known set are judged;
anything this module does not know (vendor properties, functions such as
``var()``, merge tags, IE hacks) is left alone rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from oopslint.css import Declaration

GLOBAL_KEYWORDS = frozenset(("inherit", "initial", "unset", "revert", "revert-layer"))
UNITS = frozenset(
    "px em rem ex ch cap ic lh rlh vw vh vmin vmax vb vi svw svh lvw lvh dvw dvh svmin svmax lvmin lvmax dvmin "
    "dvmax cqw cqh cqi cqb cqmin cqmax cm mm q in pt pc deg grad rad turn s ms hz khz dpi dpcm dppx x fr".split()
)
LENGTH_PROPERTIES = frozenset(
    "font-size width height min-width min-height max-width max-height padding padding-top padding-right "
    "padding-bottom padding-left margin margin-top margin-right margin-bottom margin-left border-width "
    "border-top-width border-right-width border-bottom-width border-left-width border-radius letter-spacing "
    "word-spacing text-indent top right bottom left outline-width border-spacing".split()
)
LENGTH_KEYWORDS = {
    "font-size": {
        "xx-small",
        "x-small",
        "small",
        "medium",
        "large",
        "x-large",
        "xx-large",
        "xxx-large",
        "smaller",
        "larger",
        "math",
    },
    "width": {
        "auto",
        "fit-content",
        "min-content",
        "max-content",
        "stretch",
        "-webkit-fill-available",
        "-moz-available",
    },
    "height": {"auto", "fit-content", "min-content", "max-content", "stretch", "-webkit-fill-available"},
    "min-width": {"auto", "fit-content", "min-content", "max-content"},
    "min-height": {"auto", "fit-content", "min-content", "max-content"},
    "max-width": {"none", "fit-content", "min-content", "max-content"},
    "max-height": {"none", "fit-content", "min-content", "max-content"},
    "margin": {"auto"},
    "margin-top": {"auto"},
    "margin-right": {"auto"},
    "margin-bottom": {"auto"},
    "margin-left": {"auto"},
    "border-width": {"thin", "medium", "thick"},
    "border-top-width": {"thin", "medium", "thick"},
    "border-right-width": {"thin", "medium", "thick"},
    "border-bottom-width": {"thin", "medium", "thick"},
    "border-left-width": {"thin", "medium", "thick"},
    "outline-width": {"thin", "medium", "thick"},
    "letter-spacing": {"normal"},
    "word-spacing": {"normal"},
    "top": {"auto"},
    "right": {"auto"},
    "bottom": {"auto"},
    "left": {"auto"},
}
KEYWORD_PROPERTIES: dict[str, frozenset[str]] = {
    name: frozenset(values.split())
    for name, values in {
        "text-align": "left right center justify start end match-parent justify-all -webkit-center "
        "-moz-center -webkit-left -webkit-right -moz-left -moz-right -khtml-center",
        "font-style": "normal italic oblique",
        "text-transform": "none capitalize uppercase lowercase full-width full-size-kana",
        "visibility": "visible hidden collapse",
        "border-collapse": "collapse separate",
        "table-layout": "auto fixed",
        "float": "left right none inline-start inline-end",
        "clear": "left right both none inline-start inline-end",
        "position": "static relative absolute fixed sticky -webkit-sticky",
        "direction": "ltr rtl",
        "box-sizing": "content-box border-box",
        "white-space": "normal nowrap pre pre-wrap pre-line break-spaces",
        "word-break": "normal break-all keep-all break-word auto-phrase",
        "display": "block inline inline-block flex inline-flex grid inline-grid flow-root none contents table "
        "table-row table-cell table-column table-column-group table-header-group table-footer-group "
        "table-row-group table-caption list-item run-in ruby ruby-text -webkit-box -webkit-inline-box "
        "-ms-flexbox -ms-inline-flexbox -webkit-flex -moz-box inline-table math",
    }.items()
}
FONT_WEIGHT_KEYWORDS = frozenset(("normal", "bold", "bolder", "lighter"))
VERTICAL_ALIGN_KEYWORDS = frozenset(("baseline", "sub", "super", "text-top", "text-bottom", "middle", "top", "bottom"))
COLOR_PROPERTIES = frozenset(
    "color background-color border-color border-top-color border-right-color border-bottom-color "
    "border-left-color outline-color text-decoration-color".split()
)
NAMED_COLORS = frozenset(
    """aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue blueviolet brown
    burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk crimson cyan darkblue darkcyan
    darkgoldenrod darkgray darkgreen darkgrey darkkhaki darkmagenta darkolivegreen darkorange darkorchid darkred
    darksalmon darkseagreen darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink
    deepskyblue dimgray dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite gold
    goldenrod gray green greenyellow grey honeydew hotpink indianred indigo ivory khaki lavender lavenderblush
    lawngreen lemonchiffon lightblue lightcoral lightcyan lightgoldenrodyellow lightgray lightgreen lightgrey
    lightpink lightsalmon lightseagreen lightskyblue lightslategray lightslategrey lightsteelblue lightyellow
    lime limegreen linen magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen
    mediumslateblue mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream mistyrose moccasin
    navajowhite navy oldlace olive olivedrab orange orangered orchid palegoldenrod palegreen paleturquoise
    palevioletred papayawhip peachpuff peru pink plum powderblue purple rebeccapurple red rosybrown royalblue
    saddlebrown salmon sandybrown seagreen seashell sienna silver skyblue slateblue slategray slategrey snow
    springgreen steelblue tan teal thistle tomato turquoise violet wheat white whitesmoke yellow yellowgreen
    transparent currentcolor windowtext buttonface buttontext canvas canvastext linktext visitedtext
    activetext highlight highlighttext graytext field fieldtext mark marktext accentcolor accentcolortext""".split()
)
_HEX_LENGTHS = (3, 4, 6, 8)
_JUDGED = frozenset(KEYWORD_PROPERTIES) | LENGTH_PROPERTIES | COLOR_PROPERTIES | {"font-weight", "vertical-align"}


def _meaningful(tokens: tuple[Any, ...]) -> list[Any]:
    return [t for t in tokens if t.type not in ("whitespace", "comment")]


def _judgeable(declaration: Declaration) -> bool:
    name = declaration.name
    if declaration.templated or not name[:1].isalpha() or name.startswith("mso-"):
        return False
    for token in declaration.tokens:
        if token.type == "literal" and token.value in ("!", "\\", "*"):
            return False  # IE hacks (\9, !ie) and leftovers that another rule reports
        if token.type in ("ident", "dimension") and "\\" in token.serialize():
            return False
    return True


def unknown_unit(declaration: Declaration) -> Any | None:
    """The first number with a unit CSS does not know (``20pxl``, ``12ppx``), or None."""
    if not _judgeable(declaration) or declaration.name.startswith("--"):
        return None
    for token in declaration.tokens:
        if token.type == "dimension" and token.lower_unit not in UNITS:
            return token
    return None


def invalid_reason(declaration: Declaration) -> tuple[str, Any] | None:
    """Why the value is not valid CSS for its property, with the token at fault, or None."""
    key = (declaration.name, declaration.value)
    if key in _seen_valid:
        return None
    if declaration.name not in _JUDGED and not any(t.type == "dimension" for t in declaration.tokens):
        if len(_seen_valid) < 4096:
            _seen_valid[key] = True
        return None
    found = _invalid_reason(declaration)
    if found is None and len(_seen_valid) < 4096:
        _seen_valid[key] = True  # a pure function of the text: shared
    return found


_seen_valid: dict[tuple[str, str], bool] = {}


def invalid_declarations(declarations: Iterable[Declaration]) -> Iterator[tuple[Declaration, tuple[str, Any]]]:
    """The declarations whose value is not valid CSS, each with ``invalid_reason``'s answer."""
    seen_valid = _seen_valid
    for declaration in declarations:
        if (declaration.name, declaration.value) in seen_valid:
            continue  # the common case, without a call
        found = invalid_reason(declaration)
        if found is not None:
            yield declaration, found


def _invalid_reason(declaration: Declaration) -> tuple[str, Any] | None:
    if not _judgeable(declaration):
        return None
    token = unknown_unit(declaration)
    if token is not None:
        return f"{token.lower_unit!r} is not a CSS unit", token
    name = declaration.name
    parts = _meaningful(declaration.tokens)
    if not parts or any(t.type in ("function", "() block", "[] block", "{} block") for t in parts):
        return None
    if len(parts) == 1 and parts[0].type == "ident" and parts[0].lower_value in GLOBAL_KEYWORDS:
        return None
    if name in KEYWORD_PROPERTIES and len(parts) == 1:
        part = parts[0]
        allowed = KEYWORD_PROPERTIES[name]
        if part.type != "ident" or part.lower_value not in allowed:
            hint = (
                " (use vertical-align for top, middle and bottom)"
                if name == "text-align" and getattr(part, "lower_value", "") in VERTICAL_ALIGN_KEYWORDS
                else ""
            )
            return f"{part.serialize()!r} is not a value of {name}{hint}", part
        return None
    if name == "font-weight" and len(parts) == 1:
        part = parts[0]
        if part.type == "ident" and part.lower_value not in FONT_WEIGHT_KEYWORDS:
            return (
                f"{part.serialize()!r} is not a value of font-weight; use normal, bold, lighter, "
                "bolder or a number from 100 to 900 (light is 300)"
            ), part
        if part.type == "number" and not (1 <= part.value <= 1000):
            return f"{part.serialize()!r} is not a font-weight between 1 and 1000", part
        if part.type not in ("ident", "number"):
            return f"{part.serialize()!r} is not a value of font-weight", part
        return None
    if name == "vertical-align" and len(parts) == 1:
        part = parts[0]
        if part.type == "ident" and part.lower_value not in VERTICAL_ALIGN_KEYWORDS:
            hint = " (center is text-align's; vertical-align says middle)" if part.lower_value == "center" else ""
            return f"{part.serialize()!r} is not a value of vertical-align{hint}", part
        if part.type == "number" and part.value != 0:
            return f"{part.serialize()!r} needs a unit", part
        return None
    if name in COLOR_PROPERTIES and len(parts) == 1:
        part = parts[0]
        if part.type == "hash":
            digits = part.value
            if len(digits) not in _HEX_LENGTHS or any(c not in "0123456789abcdefABCDEF" for c in digits):
                return f"'#{digits}' is not a hex colour (3, 4, 6 or 8 hex digits)", part
        elif part.type == "ident":
            if part.lower_value not in NAMED_COLORS:
                return f"{part.serialize()!r} is not a colour name", part
        elif part.type in ("number", "dimension"):
            digits = part.serialize()
            return f"{digits!r} is not a colour (a hex colour needs a # before it)", part
        return None
    if name in LENGTH_PROPERTIES:
        keywords = LENGTH_KEYWORDS.get(name, set())
        for part in parts:
            if part.type == "number" and part.value != 0:
                return f"{part.serialize()!r} needs a unit (px, em, %...)", part
            if part.type == "ident" and part.lower_value not in keywords:
                return f"{part.serialize()!r} is not a value of {name}", part
            if part.type not in ("number", "dimension", "percentage", "ident") and not (
                part.type == "literal" and part.value == "/" and name == "border-radius"
            ):
                return f"{part.serialize()!r} is not a value of {name}", part
    return None
