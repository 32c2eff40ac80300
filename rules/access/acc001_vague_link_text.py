"""ACC001 vague-link-text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import ConfigError, Email, Finding, SendContext, rule

from ._common import is_vague, normalise


@rule(
    code="ACC001",
    name="vague-link-text",
    summary="Link text does not say where the link goes",
    severity="warning",
    section="access",
    options={"phrases": []},
    option_docs={"phrases": 'extra link texts that say nothing about the target, e.g. ["go now"]'},
)
def vague_link_text(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Reports links whose whole text is a phrase that names no target: "click
    here", "here", "read more", "learn more" and their common German, French,
    Spanish, Italian, Dutch and Portuguese forms ("hier klicken", "cliquez
    ici", "leer más", "clicca qui", "lees meer", "saiba mais", ...). A link
    is fine when its `aria-label` or `title` names the target, or when the
    sentence around it does ("To reset your password, click here").

    Why is this bad?
    Screen-reader users often jump from link to link; a list of "click here,
    click here, read more" tells them nothing. Sighted readers scan links too.

    Example
    ```html
    <p>Our spring catalogue is out. <a href="https://shop.example/spring">Click here</a></p>
    ```

    Use instead
    ```html
    <p>Our spring catalogue is out. <a href="https://shop.example/spring">Browse the spring catalogue</a></p>
    ```
    """
    extra = options.get("phrases", []) or []
    if not isinstance(extra, list) or not all(isinstance(p, str) for p in extra):
        raise ConfigError("[access] phrases must be a list of strings")
    extra_set = frozenset(normalise(p) for p in extra)
    block_text: dict[int, dict[int, str]] | None = None  # worked out for the first vague link: most emails have none
    for link in email.links:
        element = link.element
        if link.kind != "a" or element.hidden or element.in_comment or not link.text.strip():
            continue
        if not is_vague(link.text, extra_set):
            continue
        label = element.attrs.get("aria-label") or element.attrs.get("title") or ""
        if label.strip() and not is_vague(label, extra_set):
            continue
        if element.attrs.get("aria-labelledby"):
            continue
        block = element.block
        if block_text is None:
            block_text = email.memo("oopslint.rules.access.block-text", _block_text)
        around = block_text.get(block.index, {}).get(element.index, "") if block is not None else ""
        if len(around.split()) >= 3:
            continue  # the sentence around the link names its target
        yield Finding(
            f"Link text {link.text.strip()!r} does not say where the link goes",
            span=email.element_span(element),
            suggestion='use words that name the target ("Reset your password"), or add an aria-label that does',
            data={"text": link.text.strip(), "href": link.url},
        )


def _block_text(email: Email) -> dict[int, dict[int, str]]:
    """Per block, per link in it: the text of that block's sentence outside the link."""
    pieces: dict[int, list[tuple[int | None, str]]] = {}
    for segment in email.segments:
        element = segment.element
        if segment.kind != "text" or element is None or segment.hidden or element.block is None:
            continue
        owner = element.link
        pieces.setdefault(element.block.index, []).append((owner.index if owner is not None else None, segment.text))
    out: dict[int, dict[int, str]] = {}
    for block, parts in pieces.items():
        for index, (link, _) in enumerate(parts):
            if link is None:
                continue
            before = " ".join(t for other, t in parts[:index] if other != link)
            after = " ".join(t for other, t in parts[index + 1 :] if other != link)
            sentence_before = _split_sentences(before)[-1] if before.strip() else ""
            sentence_after = _split_sentences(after)[0] if after.strip() else ""
            out.setdefault(block, {})[link] = f"{sentence_before} {sentence_after}".strip()
    return out


def _split_sentences(text: str) -> list[str]:
    import re

    parts = [p for p in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if p.strip()]
    return parts or [""]
