"""TPL001 unrendered-merge-tag: A merge tag was left in an email that is about to be sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, Span, rule
from oopslint.templating import find_tokens, find_tokens_in_url

from ._common import (
    header_span,
)

# attributes that are read as text segments (and checked there)
_SEGMENT_ATTRIBUTES = frozenset(("alt", "title"))

# headers a recipient sees or a mail client acts on; the subject is a segment
_HEADERS = ("From", "Reply-To", "To", "Cc", "List-Unsubscribe")

_RAW_TEXT_TAGS = ("title", "style", "script")

_TEXT_WHERE = {
    "subject": "the subject",
    "alt": "alt text",
    "title": "a title attribute",
}


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _consequence(where: str) -> str:
    if where.startswith(("the href of", "the List-Unsubscribe")):
        return "the link is broken"
    if where.startswith(("the src of", "the background of")):
        return "the image will not load"
    if where.startswith("the style of") or where == "<style>":
        return "the style is broken"
    if where == "<script>":
        return "the markup is broken"
    return "recipients will see it exactly as typed"


def _finding(token_text: str, dialect: str, where: str, span: Span | None, *, encoded: bool = False) -> Finding:
    shown = _short(token_text)
    how = " (percent-encoded)" if encoded else ""
    return Finding(
        f"Unrendered merge tag {shown}{how} in {where}: {_consequence(where)}",
        span=span,
        suggestion="render the template with a value for every field, or give the tag a fallback",
        data={"token": token_text, "dialect": dialect, "where": where, "percent_encoded": encoded},
    )


def _tokens_in_long_text(text: str, dialects: tuple[str, ...]) -> list[Any]:
    """find_tokens for a long text such as a <style> block: one dialect at a time
    (each alone is a fast literal scan; all at once is ~10x slower on CSS), then
    merged left to right without overlaps, as the combined scan would give."""
    found = sorted(
        (token for name in dialects for token in find_tokens(text, (name,))),
        key=lambda token: (token.start, -(token.end - token.start)),
    )
    merged: list[Any] = []
    for token in found:
        if not merged or token.start >= merged[-1].end:
            merged.append(token)
    return merged


def _attribute_tokens(email: Email, element: Any, name: str, value: str) -> Iterator[tuple[Any, int | None, bool]]:
    """Tokens in one attribute value: (token, source offset or None, percent-encoded)."""
    if not value:
        return
    tokens = find_tokens_in_url(value, email.dialects)
    if not tokens:
        return
    start, end = element.attr_spans.get(name, (element.start, element.end))
    raw = email.html[start:end]
    plain = find_tokens(value, email.dialects)
    for token in tokens:
        if not plain:
            yield token, None, True
            continue
        if raw == value:
            yield token, start + token.start, False
            continue
        where = raw.find(token.text)
        yield token, (start + where) if where >= 0 else None, False


@rule(
    code="TPL001",
    name="unrendered-merge-tag",
    summary="A merge tag was left in an email that is about to be sent",
    severity="error",
    section="template",
    modes=("rendered",),
)
def unrendered_merge_tag(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    In rendered mode (what is about to be sent), reports every merge tag still in
    the email: in body text, the preheader, hidden text, alt and title text, the
    subject, link and image URLs (also percent-encoded, as `%7B%7Burl%7D%7D`), any
    other attribute, `<title>` and `<style>`, the From/Reply-To/To/Cc and
    List-Unsubscribe headers, and the plain-text part. Which tags count is set by
    the merge-tag dialects (`dialects` in the configuration): Jinja/Liquid/
    Handlebars `{{ }}` and `{% %}`, Mailchimp `*|FNAME|*`, Salesforce `%%Name%%`,
    and the others `oopslint` knows. Template mode expects tags, so the rule
    does not run there.

    Why is this bad?
    A tag that survives rendering reaches every recipient as typed: "Hi {{name}},"
    in the greeting, a link to `https://example.com/{{order_url}}` that 404s, a
    subject line with `*|MC:SUBJECT|*` in it. It usually means a field was
    missing from the data or a tag was misspelt, so it is an error.

    Example
    ```html
    <p>Hi {{ first_name }},</p>
    <a href="https://shop.example/orders/%7B%7Border_id%7D%7D">Track your order</a>
    ```

    Use instead
    ```html
    <p>Hi Ada,</p>
    <a href="https://shop.example/orders/A-1001">Track your order</a>
    ```
    Render with a value for every field, and give optional fields a default in
    your template language (`{{ first_name | default("there") }}` in Jinja and
    Liquid, `*|IF:FNAME|*Hi *|FNAME|*|*ELSE:*|*Hi there*|*END:IF|*` in Mailchimp).
    """
    seen: set[int] = set()
    seen_encoded: set[tuple[int, int]] = set()

    for segment in email.segments:
        for token in segment.tokens:
            start = segment.offset(token.start)
            if start in seen:
                continue
            if not email.html.startswith(token.text[:2], start):
                continue  # written as entities (&#123;&#123;): meant to be shown as typed
            seen.add(start)
            if segment.kind in _TEXT_WHERE:
                where = _TEXT_WHERE[segment.kind]
            elif segment.preheader:
                where = "the preheader"
            elif segment.hidden:
                where = "hidden text"
            else:
                where = "the body text"
            yield _finding(token.text, token.dialect, where, email.segment_span(segment, token.start, token.end))

    subject = email.subject_segment
    if subject is not None:
        for token in subject.tokens:
            span = email.segment_span(subject, token.start, token.end)
            yield _finding(token.text, token.dialect, "the subject", span)

    for element in email.elements:
        for name, value in element.attrs.items():
            if name in _SEGMENT_ATTRIBUTES:
                continue
            for token, offset, encoded in _attribute_tokens(email, element, name, value):
                if offset is not None:
                    if offset in seen:
                        continue
                    seen.add(offset)
                    span = email.span(offset, offset + len(token.text))
                else:
                    attr_start, attr_end = element.attr_spans.get(name, (element.start, element.end))
                    if (attr_start, token.start) in seen_encoded:
                        continue
                    seen_encoded.add((attr_start, token.start))
                    span = email.span(attr_start, attr_end)
                yield _finding(token.text, token.dialect, f"the {name} of <{element.tag}>", span, encoded=encoded)
        if element.tag in _RAW_TEXT_TAGS and element.close_end:
            body_end = email.html.rfind("</", element.end, element.close_end)
            body_end = body_end if body_end >= 0 else element.close_end
            body = email.html[element.end : body_end]
            for token in _tokens_in_long_text(body, email.dialects):
                offset = element.end + token.start
                if offset in seen:
                    continue
                seen.add(offset)
                span = email.span(offset, offset + len(token.text))
                yield _finding(token.text, token.dialect, f"<{element.tag}>", span)

    if email.headers is not None:
        for name in _HEADERS:
            header_value = email.header(name)
            if not header_value:
                continue
            value = header_value
            for token in find_tokens_in_url(value, email.dialects):
                yield _finding(token.text, token.dialect, f"the {name} header", header_span(email, name))

    if email.text_part:
        for token in find_tokens(email.text_part, email.dialects):
            line = email.text_part.count("\n", 0, token.start) + 1
            yield _finding(token.text, token.dialect, f"the plain-text part (its line {line})", None)
