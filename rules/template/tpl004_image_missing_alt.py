"""TPL004 image-missing-alt: Image has no alt attribute."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, Severity, rule

from ._common import (
    readable,
)

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
            message = (
                f"Linked image {name} has no alt attribute: the link has no name for screen readers, "
                "and readers who block images see an empty link"
            )
        else:
            message = (
                f"Image {name} has no alt attribute: screen readers read out its file name, and readers "
                "who block images see nothing in its place"
            )
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
