"""LNK011 missing-fragment-target: #fragment link points at no id in the email."""

from __future__ import annotations

import re
from urllib.parse import unquote

from oopslint import Finding, Severity, rule

from ._common import (
    FILTER_DOCS,
    FILTER_OPTIONS,
    url_filter,
)

_INCLUDE = re.compile(r"\{\{>|\{%-?\s*(?:include|render|extends|section)\b|\{\{\s*(?:include|partial)\b", re.I)


@rule(
    code="LNK011",
    name="missing-fragment-target",
    summary="#fragment link points at no id in the email",
    severity="warning",
    section="links",
    options=dict(FILTER_OPTIONS),
    option_docs=FILTER_DOCS,
)
def missing_fragment_target(email, context, options):
    """What it does
    Reports in-email links (`href="#details"`) when no element has that `id`
    and no `<a name>` has that name. `#top` is always allowed (browsers jump
    to the top). A target that differs only in capitals is suggested. When the
    target could come from a partial (`{{> footer}}`, `{% include %}`) or a
    templated id, it says so at info: could not be verified.

    Why is this bad?
    The reader clicks "see the details below" and nothing happens. Note that
    some clients (older Gmail apps among them) drop in-email anchors even when
    the target exists, so keep the content reachable by scrolling too.

    Example
        <a href="#order-details">See your order</a> ... <table id="order">

    Use instead
        <a href="#order">See your order</a> ... <table id="order">
    """
    wanted = url_filter(options)
    lowered = {name.lower(): name for name in email.ids}
    unverifiable = None
    for link in email.links:
        url = link.url
        if not url.startswith("#") or len(url) < 2 or link.templated or not wanted(url):
            continue
        name = unquote(url[1:])
        if name in email.ids or url[1:] in email.ids or name.lower() == "top":
            continue
        if unverifiable is None:
            # a templated id, or a partial included in template mode, may hold the target
            unverifiable = any("\ufffc" in i or "{" in i or "%" in i for i in email.ids) or bool(
                context.mode == "template" and _INCLUDE.search(email.html)
            )
        if unverifiable:
            yield Finding(
                f"Link {url} points at no id in this file; the target may come from a partial or a "
                "templated id, so this could not be verified",
                span=link.span,
                severity=Severity.INFO,
                data={"url": url, "fragment": name, "verified": False},
            )
            continue
        near = lowered.get(name.lower())
        yield Finding(
            f'Link {url} points at nothing: no element has id="{name}"' + (f' (there is id="{near}")' if near else ""),
            span=link.span,
            suggestion=f"#{near}" if near else None,
            data={"url": url, "fragment": name},
        )
