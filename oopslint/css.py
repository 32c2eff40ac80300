"""The CSS of an email, parsed once with tinycss2, every piece with its source offset.

Rules that read CSS (client support, invalid values, contrast) use this module
instead of regular expressions, so ``{`` inside a string or a comment never
confuses them and every finding points at the line the user edits.

- ``stylesheets(email)``: every ``<style>`` block, including the ones inside
  Outlook conditional comments (``<!--[if mso]><style>...</style><![endif]-->``,
  marked ``conditional="mso"``), each with its style rules and at-rules. A rule
  knows the at-rules around it (``rule.context == ("@media (max-width: 600px)",)``).
- ``inline_style(email, element)``: the declarations of a ``style=""`` attribute.

Offsets (``start``) are offsets in ``email.html``: ``email.span(start)`` turns
them into a line and column. Merge tags are masked before parsing
(``{{ color }}`` becomes ``MASK_CHAR`` repeated, so offsets do not move);
``Declaration.templated`` says a value holds one and cannot be judged.
Results are memoised per email (``email.memo``), so every rule shares one parse;
the parse of a block depends only on its text and offset, so a bounded cache
shares it between emails of one template (a batch, the same file linted again).
Parsed objects are immutable: never modify them.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import tinycss2

from .templating import MASK_CHAR, find_tokens, mask

if TYPE_CHECKING:
    from .email import Element, Email

__all__ = [
    "AtRule",
    "Declaration",
    "InlineStyle",
    "StyleRule",
    "Stylesheet",
    "SyntaxProblem",
    "inline_style",
    "serialize",
    "stylesheets",
]

_CONDITIONAL = re.compile(r"^\[if\s+([^\]]*)\]", re.IGNORECASE)
_STYLE_IN_COMMENT = re.compile(r"<style\b[^>]*>(.*?)(?:</style\s*>|\Z)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class Declaration:
    """``name: value [!important]``. ``name`` is lower-case; ``value`` is the
    value as written, trimmed, without ``!important``."""

    name: str
    value: str
    important: bool
    tokens: tuple[Any, ...]  # tinycss2 component values of the value
    start: int  # offset of the property name in email.html
    value_start: int  # offset of the first value token (``start`` if the value is empty)
    templated: bool  # the value holds a merge tag


@dataclass(frozen=True, slots=True)
class StyleRule:
    """``selector { declarations }`` with the at-rules around it."""

    selector: str
    prelude: tuple[Any, ...]  # tinycss2 tokens of the selector
    declarations: tuple[Declaration, ...]
    content: tuple[Any, ...]  # tinycss2 tokens between the braces, as written
    start: int
    context: tuple[str, ...]  # enclosing at-rules, outermost first: ("@media screen and (max-width: 600px)",)


@dataclass(frozen=True, slots=True)
class AtRule:
    """``@keyword prelude;`` or ``@keyword prelude { ... }``."""

    keyword: str  # lower-case, without "@"
    prelude: str
    start: int
    context: tuple[str, ...]  # enclosing at-rules, outermost first
    has_block: bool


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    """Something the CSS parser had to recover from.

    ``kind`` is tinycss2's (``invalid``, ``bad-string``, ``bad-url``...) or one
    of ours: ``unclosed-block`` (a ``{`` never closed), ``stray-brace`` (a
    ``}`` that closes nothing), ``unclosed-comment``.
    """

    kind: str
    message: str
    start: int
    in_declarations: bool = False  # inside a { } of declarations rather than between rules


@dataclass(frozen=True, slots=True)
class Stylesheet:
    """One ``<style>`` block."""

    css: str  # the block's text, merge tags masked
    offset: int  # offset of css[0] in email.html
    element: Element | None  # the <style> element; None inside a conditional comment
    conditional: str | None  # the condition of an enclosing <!--[if ...]> ("mso", "gte mso 9"), else None
    media: str | None  # the media="" attribute of the <style> element
    rules: tuple[StyleRule, ...]
    at_rules: tuple[AtRule, ...]
    problems: tuple[SyntaxProblem, ...]
    locate: Callable[[Any], int]  # offset in email.html of any tinycss2 node of this block

    @property
    def only_outlook(self) -> bool:
        """Inside ``<!--[if mso]>`` (or ``gte mso 9``...): only Outlook on Windows reads it."""
        return self.conditional is not None and "mso" in self.conditional.lower() and "!" not in self.conditional


@dataclass(frozen=True, slots=True)
class InlineStyle:
    """The ``style=""`` attribute of one element."""

    declarations: tuple[Declaration, ...]
    content: tuple[Any, ...]  # tinycss2 tokens as written
    problems: tuple[SyntaxProblem, ...]
    start: int  # offset of the attribute value in email.html
    exact: bool  # offsets are exact (False when entities in the attribute shifted them)
    locate: Callable[[Any], int]  # offset in email.html of any tinycss2 node of this attribute


def serialize(tokens: Sequence[Any]) -> str:
    """CSS text of tinycss2 tokens."""
    return str(tinycss2.serialize(tokens))


class _Locator:
    """Turns tinycss2's (line, column) into an offset in email.html."""

    __slots__ = ("_base", "_starts")

    def __init__(self, text: str, base: int):
        self._base = base
        self._starts = [0]
        find = text.find
        index = find("\n")
        while index != -1:
            self._starts.append(index + 1)
            index = find("\n", index + 1)

    def __call__(self, node: Any) -> int:
        line = getattr(node, "source_line", 1) or 1
        column = getattr(node, "source_column", 1) or 1
        starts = self._starts
        return self._base + starts[min(line, len(starts)) - 1] + column - 1


def _masked(text: str, email: Email) -> tuple[str, bool]:
    tokens = find_tokens(text, email.dialects)
    return (mask(text, tokens), True) if tokens else (text, False)


def _declarations(items: Sequence[Any], locate: _Locator, problems: list[SyntaxProblem]) -> list[Declaration]:
    out: list[Declaration] = []
    for item in items:
        kind = item.type
        if kind == "declaration":
            value_tokens = tuple(item.value)
            value = serialize(value_tokens).strip()
            first = next((t for t in value_tokens if t.type not in ("whitespace", "comment")), None)
            start = locate(item)
            out.append(
                Declaration(
                    name=item.lower_name,
                    value=value,
                    important=bool(item.important),
                    tokens=value_tokens,
                    start=start,
                    value_start=locate(first) if first is not None else start,
                    templated=MASK_CHAR in value,
                )
            )
        elif kind == "error":
            problems.append(SyntaxProblem(item.kind, item.message, locate(item), True))
    return out


def _plain_message(message: str, context: tuple[str, ...]) -> str:
    """tinycss2's words for a parse error, in the words of the mistake that usually causes it."""
    if message.startswith("EOF reached before {} block for a qualified rule"):
        if context:
            return f"{context[-1]} holds text that is no rule (declarations need a selector and {{ }} of their own)"
        return "text with no { } block of its own (a selector without declarations, or a stray word)"
    return message


def _unbalanced(css: str, base: int) -> list[SyntaxProblem]:
    """Braces and comments the parser silently repairs at the end of the block."""
    problems: list[SyntaxProblem] = []
    opened: list[int] = []
    index, length = 0, len(css)
    while index < length:
        char = css[index]
        if char == "/" and css.startswith("/*", index):
            close = css.find("*/", index + 2)
            if close == -1:
                problems.append(SyntaxProblem("unclosed-comment", "a /* comment is never closed", base + index))
                break
            index = close + 2
            continue
        if char in "\"'":
            end = index + 1
            while end < length and css[end] != char and css[end] != "\n":
                end += 2 if css[end] == "\\" else 1
            index = end + 1
            continue
        if char == "\\":
            index += 2
            continue
        if char == "{":
            opened.append(index)
        elif char == "}":
            if opened:
                opened.pop()
            else:
                problems.append(SyntaxProblem("stray-brace", "a } closes no block", base + index))
        index += 1
    for position in opened:
        problems.append(SyntaxProblem("unclosed-block", "a { is never closed", base + position))
    return problems


_ParsedSheet = tuple[str, tuple[StyleRule, ...], tuple[AtRule, ...], tuple[SyntaxProblem, ...], _Locator]
_sheet_cache: OrderedDict[tuple[str, int, tuple[str, ...]], _ParsedSheet] = OrderedDict()
_inline_cache: OrderedDict[tuple[str, int, bool, tuple[str, ...]], InlineStyle] = OrderedDict()
_CACHE_SIZE = 512


def _cached(cache: OrderedDict[Any, Any], key: Any, compute: Callable[[], Any]) -> Any:
    """Parses depend only on the CSS text, its offset and the merge-tag dialects, so the
    same template linted again (a batch, a watch loop) reuses them; bounded LRU."""
    found = cache.get(key)
    if found is None:
        found = cache[key] = compute()
        if len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return found


def _parse_sheet(css: str, offset: int, element: Element | None, conditional: str | None, email: Email) -> Stylesheet:
    text, rules, at_rules, problems, locate = _cached(
        _sheet_cache, (css, offset, email.dialects), lambda: _parse_sheet_text(css, offset, email)
    )
    media = element.attrs.get("media") if element is not None else None
    return Stylesheet(text, offset, element, conditional, media, rules, at_rules, problems, locate)


def _parse_sheet_text(css: str, offset: int, email: Email) -> _ParsedSheet:
    text, _ = _masked(css, email)
    locate = _Locator(text, offset)
    rules: list[StyleRule] = []
    at_rules: list[AtRule] = []
    problems: list[SyntaxProblem] = []

    def walk(nodes: Sequence[Any], context: tuple[str, ...]) -> None:
        for node in nodes:
            kind = node.type
            if kind == "qualified-rule":
                content = tuple(node.content or ())
                items = tinycss2.parse_blocks_contents(content, skip_whitespace=True, skip_comments=True)
                nested = [i for i in items if i.type in ("qualified-rule", "at-rule")]
                rules.append(
                    StyleRule(
                        selector=" ".join(serialize(node.prelude).split()),
                        prelude=tuple(node.prelude),
                        declarations=tuple(_declarations(items, locate, problems)),
                        content=content,
                        start=locate(node),
                        context=context,
                    )
                )
                if nested:  # CSS nesting: judged like top-level rules in the same context
                    walk(nested, context)
            elif kind == "at-rule":
                prelude = " ".join(serialize(node.prelude).split())
                at_rules.append(AtRule(node.lower_at_keyword, prelude, locate(node), context, node.content is not None))
                if node.content is None:
                    continue
                label = f"@{node.lower_at_keyword} {prelude}".strip()
                if node.lower_at_keyword in ("media", "supports", "document", "-moz-document", "layer", "container"):
                    walk(
                        tinycss2.parse_rule_list(node.content, skip_whitespace=True, skip_comments=True),
                        context + (label,),
                    )
                # @font-face, @page, @keyframes hold declarations or frames, not style rules of the email
            elif kind == "error":
                problems.append(SyntaxProblem(node.kind, _plain_message(node.message, context), locate(node)))

    walk(tinycss2.parse_stylesheet(text, skip_whitespace=True, skip_comments=True), ())
    problems.extend(_unbalanced(text, offset))
    problems.sort(key=lambda p: p.start)
    return text, tuple(rules), tuple(at_rules), tuple(problems), locate


def _all_stylesheets(email: Email) -> list[Stylesheet]:
    style_elements = {e.end: e for e in email.elements if e.tag == "style" and not e.in_comment}
    sheets = [_parse_sheet(css, offset, style_elements.get(offset), None, email) for css, offset in email.stylesheets]
    for comment in email.comments:
        condition = _CONDITIONAL.match(comment.text)
        if condition is None or "<style" not in comment.text.lower():
            continue
        base = comment.start + 4  # after "<!--"
        for match in _STYLE_IN_COMMENT.finditer(comment.text):
            sheets.append(_parse_sheet(match.group(1), base + match.start(1), None, condition.group(1).strip(), email))
    sheets.sort(key=lambda sheet: sheet.offset)
    return sheets


def stylesheets(email: Email) -> list[Stylesheet]:
    """Every ``<style>`` block of the email, in source order, parsed once per email."""
    return email.memo("oopslint.css.stylesheets", _all_stylesheets)


def _parse_inline(email: Email, element: Element) -> InlineStyle:
    value = element.attrs.get("style", "")
    start, end = element.attr_spans.get("style", (element.start, element.start))
    exact = end - start == len(value)
    return _cached(
        _inline_cache,
        (value, start, exact, email.dialects),  # type: ignore[no-any-return]
        lambda: _parse_inline_text(value, start, exact, email),
    )


def _parse_inline_text(value: str, start: int, exact: bool, email: Email) -> InlineStyle:
    text, _ = _masked(value, email)
    locate = _Locator(text, start) if exact else _ConstantLocator(start)
    content = tuple(tinycss2.parse_component_value_list(text))
    problems: list[SyntaxProblem] = []
    items = tinycss2.parse_blocks_contents(content, skip_whitespace=True, skip_comments=True)
    declarations = tuple(_declarations(items, locate, problems))  # type: ignore[arg-type]
    return InlineStyle(declarations, content, tuple(problems), start, exact, locate)


class _ConstantLocator(_Locator):
    __slots__ = ()

    def __init__(self, start: int):
        self._base = start
        self._starts = [0]

    def __call__(self, node: Any) -> int:
        return self._base


def inline_style(email: Email, element: Element) -> InlineStyle:
    """The parsed ``style=""`` attribute of ``element`` (empty when it has none)."""
    parsed: dict[int, InlineStyle] = email.memo("oopslint.css.inline", lambda _: {})
    found = parsed.get(element.index)
    if found is None:
        found = parsed[element.index] = _parse_inline(email, element)
    return found
