"""TPL004 alt text, TPL005 dead hrefs, TPL006 Gmail clipping, TPL009 lang, TPL010 preheader."""

from __future__ import annotations

import re
from typing import Any, Iterator

from oopslint import ConfigError, Email, Finding, SendContext, Severity, rule

from ._common import body_anchor, dead_reason, is_partial, kilobytes, readable

# ------------------------------------------------------------------ TPL004

_TINY = re.compile(r"^\s*[01](?:\.0+)?\s*(?:px)?\s*$", re.I)


def _style_dimension(style: str, name: str) -> str | None:
    match = re.search(r"(?:^|[;\s])" + name + r"\s*:\s*([^;!]+)", style, re.I)
    return match.group(1).strip() if match else None


def _is_tracking_pixel(attrs: dict[str, str]) -> bool:
    style = attrs.get("style", "")
    width = attrs.get("width") or _style_dimension(style, "width")
    height = attrs.get("height") or _style_dimension(style, "height")
    tiny = [value is not None and bool(_TINY.match(value)) for value in (width, height)]
    if all(tiny):
        return True
    # <img width="1"> with the other side unset is a pixel too
    return any(tiny) and (width is None or height is None)


def _is_decorative_by_role(attrs: dict[str, str]) -> bool:
    role = (attrs.get("role") or "").strip().lower()
    return role in ("presentation", "none") or (attrs.get("aria-hidden") or "").strip().lower() == "true"


def _has_accessible_name(attrs: dict[str, str]) -> bool:
    return any((attrs.get(name) or "").strip() for name in ("aria-label", "aria-labelledby", "title"))


@rule(
    code="TPL004",
    name="image-missing-alt",
    summary="Image has no alt attribute",
    severity="warning",
    section="template",
)
def image_missing_alt(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports `<img>` elements with no `alt` attribute at all. `alt=""` is right for
    decorative images and is never reported; neither are tracking pixels (1x1 or
    0x0, by attribute or inline style), hidden images, images marked
    `role="presentation"`/`role="none"`/`aria-hidden="true"`, and images named by
    `aria-label`, `aria-labelledby` or `title` (as axe-core's image-alt rule does).

    Why is this bad?
    Most clients block images until the reader allows them; without `alt` the
    reader sees an empty box where your message was. Screen readers read out the
    file name instead ("hero underscore final two dot png"). A linked image
    without alt leaves the link with no name at all: that is an error.

    Example
    ```html
    <a href="https://shop.example/sale"><img src="https://cdn.example/sale-banner.png" width="600"></a>
    ```

    Use instead
    ```html
    <a href="https://shop.example/sale"><img src="https://cdn.example/sale-banner.png" width="600"
       alt="Spring sale: 30% off everything until Sunday"></a>
    ```
    Use `alt=""` for spacers, dividers and other images that carry no meaning.
    """
    for image in email.images:
        if image.kind != "img":
            continue
        attrs = image.element.attrs
        if "alt" in attrs or image.element.hidden or image.element.in_comment:
            continue
        if _is_tracking_pixel(attrs) or _is_decorative_by_role(attrs) or _has_accessible_name(attrs):
            continue
        name = image.url.rsplit("/", 1)[-1].split("?", 1)[0] or image.url
        name = readable(name, 60) or "(no src)"
        if image.element.link is not None:
            message = (f"Linked image {name} has no alt attribute: the link has no name for screen readers, "
                       "and readers who block images see an empty link")
        else:
            message = (f"Image {name} has no alt attribute: screen readers read out its file name, and readers "
                       "who block images see nothing in its place")
        yield Finding(
            message,
            span=email.element_span(image.element),
            severity=Severity.ERROR if _link_without_text(email, image.element.link) else None,  # a link with no name
            suggestion='add alt="…" describing the image, or alt="" if it is decorative',
            data={"src": image.url, "linked": image.element.link is not None},
        )


def _link_without_text(email: Email, link_element: Any) -> bool:
    if link_element is None:
        return False
    return not any(link.element is link_element and link.text.strip() for link in email.links)


# ------------------------------------------------------------------ TPL005



def _link_label(link: Any) -> str:
    text = readable(link.text, 40)
    if text:
        return f'"{text}"'
    alts = [alt for alt in link.image_alts if alt.strip()]
    if alts:
        return f'with image "{readable(alts[0], 40)}"'
    return "(no text)"


@rule(
    code="TPL005",
    name="dead-href",
    summary="Link goes nowhere: empty href, '#', or a javascript: URL",
    severity="error",
    section="template",
)
def dead_href(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports links (`<a href>`, `<area href>` and VML buttons) whose href is empty,
    just `#`, a `javascript:`/`vbscript:`/`data:` URL, or a scheme with nothing after
    it (`https://`). Links whose href is a merge tag are left to TPL001; a
    `mailto:`/`tel:` with no address is LNK008/LNK009's, and a `#fragment`
    with no target is LNK011's.

    Why is this bad?
    `href="#"` is a designer's placeholder: in the inbox it does nothing, or
    reloads a blank page in webmail. Mail clients remove scripts, so a
    `javascript:` link is dead too, and spam filters count it against you. A
    button that does nothing loses the click the email was sent for.

    Example
    ```html
    <a href="#" class="button">Claim your discount</a>
    ```

    Use instead
    ```html
    <a href="https://shop.example/discount?code=SPRING" class="button">Claim your discount</a>
    ```
    """
    for link in email.links:
        if link.tokens:
            continue  # a templated href is filled in later (template mode) or TPL001's (rendered mode)
        reason = dead_reason(link.url)
        label = _link_label(link) if link.kind == "a" else f"<{link.element.tag}>"
        if reason is not None:
            kind, explanation, severity = reason
            suggestion = "point it at the real destination, or remove the link"
            yield Finding(
                f"Link {label} {explanation}",
                span=link.span,
                severity=severity,
                suggestion=suggestion,
                data={"href": link.url, "kind": kind},
            )


# ------------------------------------------------------------------ TPL006

_HTTP_LINK = re.compile(r"^(?:https?:)?//", re.I)


@rule(
    code="TPL006",
    name="gmail-clipping",
    summary="The HTML is over (or close to) Gmail's ~102 KB clipping limit",
    severity="error",
    section="template",
    options={"gmail_clip_kb": 102, "gmail_warn_kb": 90, "tracking_bytes_per_link": 0},
    option_docs={
        "gmail_clip_kb": "size (KB of 1024 bytes) at which Gmail clips the message: an error",
        "gmail_warn_kb": "size (KB) from which to warn that the clip is near",
        "tracking_bytes_per_link": "bytes your sender adds to each link when it rewrites it for click tracking",
    },
)
def gmail_clipping(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Measures the HTML in bytes (UTF-8, as sent; for an .eml, the decoded HTML
    part) and reports an error when it is over Gmail's clipping limit, pointing at
    the line where the clip falls, and a warning when it is within reach of it.

    The number: Gmail shows "[Message clipped] View entire message" instead of the
    rest of any message whose HTML is over about 102 KB. Google has never
    published it; it is the figure email developers measured (tests put the real
    cut between 102 and 105 KB, and lower after base64 or quoted-printable
    encoding), so the default `gmail_clip_kb = 102` (104,448 bytes) is the safe
    side, and `gmail_warn_kb = 90` leaves room for what your sender adds.

    In template mode the rendered email will be bigger than the file: merge tags
    expand, loops repeat, and most senders rewrite every link for click tracking.
    Set `tracking_bytes_per_link` (a tracked URL is often 150-300 bytes) to count
    that in.

    Why is this bad?
    Everything after the clip is hidden: usually the footer with the unsubscribe
    link and the legal text, and the open-tracking pixel, so opens go uncounted.
    Few readers click "View entire message".

    Example
    A 130 KB newsletter built from many nested tables with repeated inline styles.

    Use instead
    Remove unused CSS and comments, minify the HTML, shorten repeated inline
    styles into a `<style>` block where your audience's clients support it, and
    move long content to a web page.
    """
    clip_kb = options.get("gmail_clip_kb", 102)
    warn_kb = options.get("gmail_warn_kb", 90)
    if clip_kb <= 0:
        raise ConfigError(f"[tool.oopslint.template] gmail_clip_kb must be above 0, got {clip_kb}")
    limit = int(clip_kb * 1024)
    warn = int(warn_kb * 1024) if warn_kb > 0 else limit
    per_link = max(0, int(options.get("tracking_bytes_per_link", 0)))
    tracked = sum(
        1 for link in email.links if link.kind in ("a", "area") and (_HTTP_LINK.match(link.url) or link.tokens)
    )
    overhead = per_link * tracked
    size = email.size_bytes + overhead
    counted = kilobytes(size)
    if overhead:
        counted += f" (with {kilobytes(overhead)} of click tracking for {tracked} links)"
    later = " The rendered email will be bigger still: merge tags expand and links get tracking." \
        if context.mode == "template" else ""
    data = {"bytes": size, "limit_bytes": limit, "warn_bytes": warn, "tracking_bytes": overhead}
    if size > limit:
        budget = max(0, limit - overhead)
        encoded = email.html.encode("utf-8", "surrogatepass")
        cut = len(encoded[:budget].decode("utf-8", "ignore"))
        line = email.position(cut)[0]
        yield Finding(
            f"The HTML is {counted}, over Gmail's ~{clip_kb} KB clipping limit: Gmail hides everything from about "
            f"line {line} on behind \"[Message clipped]\", including the footer, the unsubscribe link and the "
            f"open-tracking pixel.{later}",
            span=email.span(cut, cut),
            suggestion="remove unused CSS and comments, minify, or move content to a web page",
            data=data,
        )
    elif size > warn:
        yield Finding(
            f"The HTML is {counted}, close to Gmail's ~{clip_kb} KB clipping limit (warning from {warn_kb} KB): what "
            f"your sender adds when it sends can push it over.{later}",
            severity=Severity.WARNING,
            data=data,
        )


# ------------------------------------------------------------------ TPL009

_LANGUAGE_TAG = re.compile(
    r"^(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}(?:-[a-z]{4})?(?:-(?:[a-z]{2}|\d{3}))?(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*"
    r"(?:-[a-wyz\d](?:-[a-z\d]{2,8})+)*(?:-x(?:-[a-z\d]{1,8})+)?|x(?:-[a-z\d]{1,8})+|i-[a-z]{2,8})$",
    re.I,
)


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
    attribute, and any `lang` value that is not a language tag (`lang="english"`,
    `lang="en_US"`).

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
        if element.in_comment:
            continue
        found = _lang_value(element)
        if found is None:
            continue
        name, value = found
        if "\ufffc" in value or "{" in value or "%" in value or "*|" in value:
            continue  # a templated language
        stripped = value.strip()
        if stripped and _LANGUAGE_TAG.match(stripped):
            continue
        start, end = element.attr_spans.get(name, (element.start, element.end))
        if not stripped:
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


# ------------------------------------------------------------------ TPL010


@rule(
    code="TPL010",
    name="missing-preheader",
    summary="No preheader: the inbox preview shows whatever text comes first",
    severity="info",
    section="template",
)
def missing_preheader(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports an email with no preheader: no hidden text before the visible body,
    and no element whose class names it (`preheader`, `preview`). A preheader
    whose text is only spacer characters (`&nbsp;&zwnj;`) counts as none. Template
    partials (template mode, no `<html>` and no `<body>`) are not checked.

    Why is this bad?
    Inboxes show a line of preview text after the subject. Without a preheader
    they take the first text in the email: "View in browser", an image's alt
    text, or "[Product Name]". It is an info, because a first paragraph written
    to be the preview works too.

    Example
    ```html
    <body>
      <table>...<p>View this email in your browser</p>...
    ```

    Use instead
    ```html
    <body>
      <span class="preheader" style="display:none;max-height:0;overflow:hidden;">
        Your order ships today: track it here.</span>
      <table>...
    ```
    """
    if is_partial(email, context) or email.preheader:
        return
    first = readable(email.visible_text, 60)
    shown = f': here, "{first}"' if first else ""
    yield Finding(
        f"No preheader: inboxes will preview the first text of the email instead{shown}",
        span=body_anchor(email),
        suggestion='add <span class="preheader" style="display:none;max-height:0;overflow:hidden;">…</span> '
        "as the first thing in <body>",
        data={"first_text": first},
    )
