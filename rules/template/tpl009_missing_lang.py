"""TPL009 missing-lang: The email does not say what language it is in (no lang on <html>)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, rule

from ._common import (
    body_anchor,
    is_partial,
)

_LANGUAGE_TAG = re.compile(
    r"^(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}(?:-[a-z]{4})?(?:-(?:[a-z]{2}|\d{3}))?(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*"
    r"(?:-[a-wyz\d](?:-[a-z\d]{2,8})+)*(?:-x(?:-[a-z\d]{1,8})+)?|x(?:-[a-z\d]{1,8})+|i-[a-z]{2,8})$",
    re.I,
)


#: The BCP 47 tag for "undetermined language" (MJML writes it by default).
UNDETERMINED = "und"


def _lang_value(element: Any) -> tuple[str, str] | None:
    for name in ("lang", "xml:lang"):
        if name in element.attrs:
            return name, element.attrs[name]
    return None


def _uncovered_text(email: Email) -> Any:
    """The first visible text that no element with a lang attribute contains."""
    for segment in email.segments:
        if segment.kind in ("text", "alt", "title") and not segment.hidden and not segment.lang:
            return segment
    return None


@rule(
    code="TPL009",
    name="missing-lang",
    summary="The email does not say what language it is in (no lang on <html>)",
    severity="warning",
    section="template",
)
def missing_lang(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports an email whose `<html>` element has no `lang` (or `xml:lang`)
    attribute, any `lang` value that is not a language tag (`lang="english"`,
    `lang="en_US"`), and `lang="und"` ("undetermined", which MJML writes unless
    told the language): it names no language either.

    A `lang` on a wrapper instead of `<html>` is accepted when every piece of
    visible text is inside an element with a `lang`. Screen readers switch voice
    and pronunciation by the nearest `lang` up the tree (WCAG 3.1.1 asks that the
    language be programmatically determined, and 3.1.2 accepts it on parts), and
    webmail such as Gmail and Outlook.com removes the email's `<html>` element
    when it shows it, so the wrapper is often the only `lang` that survives. The
    best practice, as in Mailgun's templates, is both: `<html lang="en">` and
    `<div lang="en" ...>` around the content. Template partials (no `<html>` and
    no `<body>`, template mode) are not checked.

    Why is this bad?
    Without a language the screen reader reads the email in the reader's default
    voice: a French email read with English pronunciation is close to
    unintelligible. Translation tools and some spam filters use it too.

    Example
    ```html
    <html xmlns="http://www.w3.org/1999/xhtml">
    ```

    Use instead
    ```html
    <html lang="en" xmlns="http://www.w3.org/1999/xhtml">
    ```
    """
    for element in email.elements:
        attrs = element.attrs
        if ("lang" not in attrs and "xml:lang" not in attrs) or element.in_comment:
            continue
        found = _lang_value(element)
        if found is None:
            continue
        name, value = found
        if "\ufffc" in value or "{" in value or "%" in value or "*|" in value:
            continue  # a templated language
        stripped = value.strip()
        undetermined = stripped.lower().split("-", 1)[0] == UNDETERMINED
        if stripped and _LANGUAGE_TAG.match(stripped) and not undetermined:
            continue
        start, end = element.attr_spans.get(name, (element.start, element.end))
        if undetermined:
            message = (
                f'{name}="{stripped}" on <{element.tag}> says the language is undetermined: '
                f"screen readers fall back to the reader's default language"
            )
            suggestion = f'{name}="en" (or the email\'s language)'
        elif not stripped:
            message = f"<{element.tag}> has an empty {name}: screen readers fall back to the reader's default language"
            suggestion = f'{name}="en" (or the email\'s language)'
        else:
            fixed = stripped.replace("_", "-")
            hint = f' (did you mean "{fixed}"?)' if _LANGUAGE_TAG.match(fixed) else ""
            message = f'{name}="{stripped}" on <{element.tag}> is not a language tag like "en" or "pt-BR"{hint}'
            suggestion = f'{name}="{fixed}"' if hint else f'{name}="en" (a BCP 47 language tag)'
        yield Finding(message, span=email.span(start, end), suggestion=suggestion, data={"lang": value})

    if is_partial(email, context):
        return
    html = email.html_element
    if html is not None and _lang_value(html) is not None:
        return
    uncovered = _uncovered_text(email)
    if uncovered is None and any(s.kind == "text" and not s.hidden for s in email.segments):
        return  # every visible word sits inside an element with a lang
    if html is not None:
        where = "<html> has no lang attribute"
    else:
        where = "The email has no <html> element with a lang attribute"
    partly = ""
    if uncovered is not None and any(e.attrs.get("lang") for e in email.elements):
        partly = " (a lang on an inner element covers only part of the text)"
    yield Finding(
        f"{where}{partly}: screen readers cannot tell which language to read the email in",
        span=email.element_span(html) if html is not None else body_anchor(email),
        suggestion='<html lang="en"> (the email\'s language)',
        data={"covered_by_wrapper": False},
    )
