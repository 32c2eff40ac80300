"""Helpers of the MKP rules: a tag scanner that keeps what the email model repairs.

``Email`` builds a forgiving tree, the way browsers do: it drops a repeated
attribute and closes what is left open. The markup rules need to see exactly
those repairs, so this module scans the tags again (once per email, through
``email.memo``) and records every place where clients have to guess:

- ``stray``: an end tag that closes nothing open in its scope (a ``</div>``
  inside a cell whose ``<div>`` is outside the table, a ``</p>`` with no ``<p>``);
- ``unclosed``: an element whose end tag never comes, closed by its parent's
  end tag or by the end of the email (``<td>``, ``<li>``, ``<p>`` and other
  elements whose end tag HTML makes optional are never reported);
- ``misnested``: overlapping inline elements (``<b><i></b></i>``), a link in a
  link, a block that closes an open ``<p>`` and leaves its ``</p>`` behind,
  content placed in a table outside any cell;
- ``duplicate``: an attribute given twice in one tag.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from oopslint import Email
from oopslint.css import Declaration, inline_style, stylesheets
from oopslint.templating import MASK_CHAR, find_tokens, mask

VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "basefont",
        "bgsound",
        "frame",
        "keygen",
    ]
)
RAW_TEXT = frozenset(("script", "style", "textarea", "title", "xmp", "noscript"))
OPTIONAL_END = frozenset(
    [
        "p",
        "li",
        "dt",
        "dd",
        "td",
        "th",
        "tr",
        "tbody",
        "thead",
        "tfoot",
        "option",
        "optgroup",
        "colgroup",
        "caption",
        "rb",
        "rt",
        "rp",
        "html",
        "head",
        "body",
    ]
)
SCOPE = frozenset(("td", "th", "table", "caption", "html", "template", "object", "marquee", "applet"))
INLINE_FORMATTING = frozenset(
    [
        "a",
        "b",
        "big",
        "code",
        "em",
        "font",
        "i",
        "nobr",
        "s",
        "small",
        "strike",
        "strong",
        "tt",
        "u",
        "span",
        "sup",
        "sub",
        "abbr",
        "label",
        "mark",
        "del",
        "ins",
    ]
)
CLOSES_P = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "center",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "ul",
    ]
)
TABLE_CONTEXT = frozenset(("table", "tbody", "thead", "tfoot", "tr"))
ALLOWED_IN_TABLE = frozenset(
    [
        "caption",
        "colgroup",
        "col",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "script",
        "style",
        "template",
        "form",
        "input",
    ]
)

# one leading "<" lets the engine jump from "<" to "<"; the attributes are matched without
# backtracking (a quoted value either closes or the tag does not match), which gives the same
# matches as the plain pattern at half the cost
_TOKEN = re.compile(
    r"""<(?:!--.*?(?:-->|\Z)
      |!\[CDATA\[.*?(?:\]\]>|\Z)
      |![^>]*>
      |\?[^>]*>
      |/(?P<endtag>[A-Za-z][^\s/>\ufffc]*)[^>]*>
      |(?P<tag>[A-Za-z][^\s/>\ufffc]*)(?P<attrs>(?:[^>"']++|"[^"]*+"|'[^']*+')*+)>)
    """,
    re.DOTALL | re.VERBOSE,
)
_ATTR = re.compile(r"""(?P<name>[^\s"'>/=]+)(?:\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<uq>[^\s>]+)))?""")
_ATTR_NAME = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?""")  # _ATTR, the names only


@dataclass(frozen=True, slots=True)
class MarkupProblem:
    kind: str  # "stray", "unclosed", "misnested", "duplicate"
    tag: str
    start: int  # offset of the tag (or attribute) concerned
    end: int
    message: str
    related: int | None = None  # offset of the other tag involved (the opening tag, the closer...)
    branch: int | None = None  # offset of a template branch ({% else %}, {{#if}}) that may balance it


@dataclass(slots=True)
class _Open:
    tag: str
    start: int
    end: int


_BRANCH = re.compile(
    r"\{\{\s*[#/^]|\{\{\s*else\b|\{%-?\s*(?:if|elif|elsif|else|endif|for|endfor|unless|endunless|case|when)\b"
    r"|\*\|(?:IF|ELSE|ELSEIF|END:IF|INTERESTED|END:INTERESTED):?|%%\[\s*(?:IF|ELSE|ELSEIF|ENDIF|FOR|NEXT)\b"
    r"|<%[-_]?\s*(?:if|elsif|else|end|unless|for|while|case|when)\b|<%[-_]?[^%]*[{}]\s*[-_]?%>"
    r"|</?#(?:if|elseif|else|list|items|sep|switch|case|default)\b"
    r"|(?<![\w@.])@(?:if|elseif|else|endif|unless|endunless|foreach|endforeach|forelse|endforelse|isset|endisset)\b",
    re.IGNORECASE,
)


def _scan(email: Email) -> list[MarkupProblem]:
    tokens = find_tokens(email.html, email.dialects)
    html = mask(email.html, tokens) if tokens else email.html
    branches = [(token.start, token.end) for token in tokens if _BRANCH.match(token.text)]
    problems = _scan_tags(email, html)
    if not branches:
        return problems
    # markup that template branches open and close ({% if %}<div a>{% else %}<div b>{% endif %}) cannot be
    # judged on the template: a tag right beside a branch is named, and MKP010 reports it at a lower severity
    out = []
    for problem in problems:
        branch = None
        if problem.kind in ("unclosed", "stray"):
            branch = next(
                (
                    start
                    for start, end in branches
                    if (0 <= problem.start - end < 200 and not html[end : problem.start].strip())
                    or (0 <= start - problem.end < 200 and not html[problem.end : start].strip())
                ),
                None,
            )
        out.append(replace(problem, branch=branch) if branch is not None else problem)
    return out


_P_SCOPE = SCOPE | {"button"}
_LI_SCOPE = SCOPE | {"ul", "ol"}
_DL_SCOPE = SCOPE | {"dl"}
_RAW_TEXT_END = {name: re.compile(r"</" + re.escape(name) + r"\s*>", re.IGNORECASE) for name in RAW_TEXT}


# the start tags that end an open element implicitly: the elements they end, the ones that stop the search
_IMPLIED_END: dict[str, tuple[tuple[str, ...] | frozenset[str], tuple[str, ...] | frozenset[str]]] = {
    "li": (("li",), _LI_SCOPE),
    **{name: (("dt", "dd"), _DL_SCOPE) for name in ("dt", "dd")},
    **{name: (("td", "th"), ("tr", "table")) for name in ("td", "th")},
    "tr": (("tr", "td", "th"), ("table", "tbody", "thead", "tfoot")),
    **{name: (("tbody", "thead", "tfoot", "tr", "td", "th"), ("table",)) for name in ("tbody", "thead", "tfoot")},
    "option": (("option",), ("select",)),
}


@lru_cache(maxsize=512)
def _end_stops(name: str) -> frozenset[str]:
    """The open elements an end tag named ``name`` does not look past for its start tag."""
    stops = set() if name in SCOPE else set(SCOPE)
    if name in ("td", "th"):
        stops |= {"tr", "table"}
    if name == "tr":
        stops.add("table")
    return frozenset(stops - {name})


# what the scan needs to know of a start tag's name, by the name as written: (lower-case name,
# "svg"/"math", a namespace prefix, allowed directly in a table, closes an open <p>, the ends it
# implies, the end tag of a raw-text element, void)
_StartTag = tuple[
    str,
    bool,
    bool,
    bool,
    bool,
    "tuple[tuple[str, ...] | frozenset[str], tuple[str, ...] | frozenset[str]] | None",
    "re.Pattern[str] | None",
    bool,
]
_start_tags: dict[str, _StartTag] = {}


def _start_tag(tag: str) -> _StartTag:
    name = tag.lower()
    found = (
        name,
        name in ("svg", "math"),
        ":" in name,
        name in ALLOWED_IN_TABLE,
        name in CLOSES_P,
        _IMPLIED_END.get(name),
        _RAW_TEXT_END.get(name),
        name in VOID,
    )
    if len(_start_tags) < 512:  # names as written: a handful per email, the same in every email
        _start_tags[tag] = found
    return found


def _scan_tags(email: Email, html: str) -> list[MarkupProblem]:
    problems: list[MarkupProblem] = []
    stack: list[_Open] = []
    closed_p_by: list[tuple[int, str, _Open | None]] = []  # <p> closed by a block, its parent, awaiting </p>
    expected_misnested: list[str] = []  # end tags that will come after an overlap already reported
    reported_misnested: set[int] = set()  # elements whose misnesting is reported: not "unclosed" too
    position = 0
    length = len(html)
    in_foreign = 0  # inside <svg> or <math>: XML rules, not HTML's

    def line(offset: int) -> int:
        return email.position(offset)[0]

    def text_in_table(start: int, end: int) -> None:
        if stack and stack[-1].tag in TABLE_CONTEXT and not in_foreign:
            chunk = html[start:end]
            if chunk.strip() and chunk.replace(MASK_CHAR, "").replace("&nbsp;", "").strip():
                first = start + len(chunk) - len(chunk.lstrip())
                problems.append(
                    MarkupProblem(
                        "misnested",
                        "#text",
                        first,
                        first + len(chunk.strip()),
                        f"Text directly inside <{stack[-1].tag}> (line {line(stack[-1].start)}), outside any cell: "
                        "browsers move it above the table, Outlook on Windows keeps it in place",
                        stack[-1].start,
                    )
                )

    def close_implied(names: frozenset[str] | tuple[str, ...], scope: frozenset[str] | tuple[str, ...]) -> _Open | None:
        for depth in range(len(stack) - 1, -1, -1):
            tag = stack[depth].tag
            if tag in names:
                closed = stack[depth]
                del stack[depth:]
                return closed
            if tag in scope:
                return None
        return None

    finditer = _TOKEN.finditer
    start_tags = _start_tags
    clean_attributes: set[str] = set()  # attribute texts with no name given twice
    while position < length:
        for match in finditer(html, position):
            start = match.start()
            if start > position and stack and stack[-1].tag in TABLE_CONTEXT and not in_foreign:
                chunk = html[position:start]
                if not chunk.isspace():
                    text_in_table(position, start)
            position = match.end()
            kind = match.lastgroup  # "attrs" for a start tag, "endtag" for an end tag, None for the rest
            if kind is None:
                continue
            if kind == "attrs":
                tag, attrs_text = match.group("tag", "attrs")
                name, foreign, namespaced, in_table_ok, closes_p, implied, raw_text_end, void = start_tags.get(
                    tag
                ) or _start_tag(tag)
                if attrs_text.count("=") >= 2 and attrs_text not in clean_attributes:
                    before = len(problems)
                    _duplicates(email, name, attrs_text, match.start("attrs"), problems)
                    if len(problems) == before:
                        clean_attributes.add(attrs_text)  # the same attributes again: nothing twice again
                if in_foreign:
                    if foreign and not attrs_text.rstrip().endswith("/"):
                        in_foreign += 1
                    continue
                if foreign:
                    if not attrs_text.rstrip().endswith("/"):
                        in_foreign = 1
                    continue
                if namespaced:
                    continue  # VML and Office namespaces outside conditional comments: XML rules
                if not in_table_ok and stack and stack[-1].tag in TABLE_CONTEXT:
                    problems.append(
                        MarkupProblem(
                            "misnested",
                            name,
                            match.start(),
                            match.end(),
                            f"<{name}> directly inside <{stack[-1].tag}> (line {line(stack[-1].start)}), outside any cell: "
                            "browsers move it above the table, Outlook on Windows keeps it in place",
                            stack[-1].start,
                        )
                    )
                # close_implied is called only when the innermost open element does not decide at once
                # that nothing is closed (a <table> in a <td>, a <td> in a <tr>: the common case)
                if closes_p and stack and (stack[-1].tag == "p" or stack[-1].tag not in _P_SCOPE):
                    closed = close_implied(("p",), _P_SCOPE)
                    if closed is not None and name != "p":
                        closed_p_by.append((closed.start, name, stack[-1] if stack else None))
                if implied is not None:
                    if stack and (stack[-1].tag in implied[0] or stack[-1].tag not in implied[1]):
                        close_implied(*implied)
                elif name == "a":
                    outer = next((o for o in reversed(stack) if o.tag == "a" or o.tag in SCOPE), None)
                    if outer is not None and outer.tag == "a":
                        problems.append(
                            MarkupProblem(
                                "misnested",
                                "a",
                                match.start(),
                                match.end(),
                                f"A link inside the link opened on line {line(outer.start)}: browsers end the first link "
                                "here, other clients keep both or join them",
                                outer.start,
                            )
                        )
                        stack.remove(outer)
                        expected_misnested.append("a")
                if raw_text_end is not None:
                    close = raw_text_end.search(html, position)
                    position = close.end() if close else length
                    break  # the scan goes on after the element's end tag
                if not void:
                    stack.append(_Open(name, start, position))
                continue
            name = match.group("endtag").lower()
            if in_foreign:
                if name in ("svg", "math"):
                    in_foreign -= 1
                continue
            if ":" in name:
                continue
            if stack and stack[-1].tag == name:
                stack.pop()  # closes the innermost open element: nothing left open inside it
                continue
            found = None
            stops = _end_stops(name)
            for depth in range(len(stack) - 1, -1, -1):
                open_tag = stack[depth].tag
                if open_tag == name:
                    found = depth
                    break
                if open_tag in stops:
                    break
            if found is None:
                if name in ("html", "head", "body"):
                    continue  # optional end tags: nothing to close is fine
                if name in expected_misnested:
                    expected_misnested.remove(name)
                    continue
                while closed_p_by and closed_p_by[-1][2] is not None and closed_p_by[-1][2] not in stack:
                    closed_p_by.pop()  # that paragraph's parent is closed: its </p> never came
                if name == "p" and closed_p_by and (closed_p_by[-1][2] is None or closed_p_by[-1][2] is stack[-1]):
                    p_start, closer, _ = closed_p_by.pop()
                    problems.append(
                        MarkupProblem(
                            "misnested",
                            "p",
                            match.start(),
                            match.end(),
                            f"<{closer}> inside the <p> of line {line(p_start)}: a <p> cannot hold it, so browsers close "
                            "the paragraph before it and turn this </p> into an empty paragraph; Outlook keeps one paragraph",
                            p_start,
                        )
                    )
                    continue
                if name != "p" and name in OPTIONAL_END or name in VOID and name != "br":
                    continue  # </td> after an implied end, </img>: ignored alike by every client
                where = ""
                open_elsewhere = next((o for o in reversed(stack) if o.tag == name), None)
                if open_elsewhere is not None:
                    where = f" here (its <{name}> on line {line(open_elsewhere.start)} is outside this table cell)"
                problems.append(
                    MarkupProblem(
                        "stray",
                        name,
                        match.start(),
                        match.end(),
                        f"Stray </{name}>: nothing to close{where}; browsers ignore it"
                        + (" or turn it into an empty paragraph" if name == "p" else "")
                        + (" or read it as a line break" if name == "br" else "")
                        + ", Outlook on Windows may close an enclosing element instead",
                        open_elsewhere.start if open_elsewhere is not None else None,
                    )
                )
                continue
            inner = stack[found + 1 :]
            if name in INLINE_FORMATTING:
                block = next((e for e in inner if e.tag not in INLINE_FORMATTING), None)
                if block is not None:
                    # </span> across a <div> opened inside it: browsers ignore the end tag (or, for
                    # <a>/<b>..., split the element around the block); Outlook closes both
                    if stack[found].start not in reported_misnested:
                        problems.append(
                            MarkupProblem(
                                "misnested",
                                name,
                                match.start(),
                                match.end(),
                                f"</{name}> cannot close the <{name}> of line {line(stack[found].start)} across the "
                                f"<{block.tag}> opened inside it on line {line(block.start)}: browsers ignore or split it, "
                                "other clients close both",
                                stack[found].start,
                            )
                        )
                        reported_misnested.add(stack[found].start)
                    continue
            del stack[found:]
            for element in inner:
                if element.tag in OPTIONAL_END or element.start in reported_misnested:
                    continue
                if element.tag in INLINE_FORMATTING and name in INLINE_FORMATTING:
                    problems.append(
                        MarkupProblem(
                            "misnested",
                            element.tag,
                            match.start(),
                            match.end(),
                            f"</{name}> closes <{name}> while the <{element.tag}> opened inside it on line "
                            f"{line(element.start)} is still open: overlapping tags are repaired differently by each client",
                            element.start,
                        )
                    )
                    expected_misnested.append(element.tag)
                else:
                    problems.append(
                        MarkupProblem(
                            "unclosed",
                            element.tag,
                            element.start,
                            element.end,
                            f"<{element.tag}> is never closed: the </{name}> on line {line(match.start())} closes it "
                            f"(a </{element.tag}> is missing before it), and clients disagree on where it ends",
                            match.start(),
                        )
                    )
        else:
            text_in_table(position, length)
            break
    for element in stack:
        if element.tag not in OPTIONAL_END and element.start not in reported_misnested:
            problems.append(
                MarkupProblem(
                    "unclosed",
                    element.tag,
                    element.start,
                    element.end,
                    f"<{element.tag}> is never closed before the end of the email: everything after it ends up inside it",
                    None,
                )
            )
    problems.sort(key=lambda problem: problem.start)
    return problems


def _duplicates(email: Email, tag: str, attrs_text: str, base: int, problems: list[MarkupProblem]) -> None:
    if not attrs_text or attrs_text.count("=") < 2:
        return
    names = _ATTR_NAME.findall(attrs_text)
    if len(set(names)) == len(names):
        joined = "".join(names)
        if joined == joined.lower() or len({name.lower() for name in names}) == len(names):
            return  # no name twice: nothing to report (the common case, decided without the loop below)
    seen: dict[str, int] = {}
    values: dict[str, str | None] = {}
    for attribute in _ATTR.finditer(attrs_text):
        name = attribute.group("name").lower()
        if MASK_CHAR in name:
            continue
        value = next((v for v in attribute.group("dq", "sq", "uq") if v is not None), None)
        if name in seen and values[name] == value:
            continue  # the same value twice changes nothing
        if name in seen:
            first_line = email.position(seen[name])[0]
            where = "" if first_line == email.position(base + attribute.start())[0] else f" on line {first_line}"
            problems.append(
                MarkupProblem(
                    "duplicate",
                    tag,
                    base + attribute.start(),
                    base + attribute.end(),
                    f"<{tag}> has {name}= twice: clients keep the first one{where} and ignore this one",
                    seen[name],
                )
            )
        else:
            seen[name] = base + attribute.start()
            values[name] = value


def markup_problems(email: Email) -> list[MarkupProblem]:
    """Every markup problem of the email, scanned once and shared by the MKP rules."""
    return email.memo("rules.markup.problems", _scan)


# ------------------------------------------------------------------ CSS


@dataclass(slots=True, unsafe_hash=True)  # not frozen: made by the dozen per lint, and a frozen init costs 3x
class DeclarationBlock:
    """The declarations of one style rule or one ``style=""`` attribute."""

    declarations: tuple[Declaration, ...]
    content: tuple[Any, ...]  # tinycss2 tokens as written
    locate: Callable[[Any], int]
    inline: bool
    may_misplace_important: bool  # the text has "; !" or "!important" followed by more value


_IMPORTANT_SUSPECT = re.compile(r";\s*!|!\s*important\s*[^\s;}\"']", re.IGNORECASE)


# whether a <style> element's text may hold a misplaced !important, by that text (renders of one
# template share it)
_suspect_sheets: dict[str, bool] = {}


def _sheet_blocks(sheet: Any, dialects: tuple[str, ...]) -> list[DeclarationBlock]:
    suspect = _suspect_sheets.get(sheet.css)
    if suspect is None:
        suspect = bool(_IMPORTANT_SUSPECT.search(sheet.css))
        if len(_suspect_sheets) > 256:
            _suspect_sheets.clear()
        _suspect_sheets[sheet.css] = suspect
    return [DeclarationBlock(rule.declarations, rule.content, sheet.locate, False, suspect) for rule in sheet.rules]


def declaration_blocks(email: Email) -> list[DeclarationBlock]:
    """Every declaration block of the email: ``<style>`` rules first, then inline styles."""

    def collect(email: Email) -> list[DeclarationBlock]:
        blocks: list[DeclarationBlock] = []
        for sheet in stylesheets(email):
            blocks.extend(_sheet_blocks(sheet, email.dialects))
        for element in email.elements:
            value = element.attrs.get("style")
            if value and value.strip():
                style = inline_style(email, element)
                blocks.append(
                    DeclarationBlock(
                        style.declarations, style.content, style.locate, True, bool(_IMPORTANT_SUSPECT.search(value))
                    )
                )
        return blocks

    return email.memo("rules.markup.declaration_blocks", collect)
