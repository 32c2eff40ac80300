"""TPL006 gmail-clipping: The HTML is over (or close to) Gmail's ~102 KB clipping limit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from oopslint import ConfigError, Email, Finding, SendContext, Severity, rule

from ._common import (
    kilobytes,
)

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
    later = (
        " The rendered email will be bigger still: merge tags expand and links get tracking."
        if context.mode == "template"
        else ""
    )
    data = {"bytes": size, "limit_bytes": limit, "warn_bytes": warn, "tracking_bytes": overhead}
    if size > limit:
        budget = max(0, limit - overhead)
        encoded = email.html.encode("utf-8", "surrogatepass")
        cut = len(encoded[:budget].decode("utf-8", "ignore"))
        line = email.position(cut)[0]
        yield Finding(
            f"The HTML is {counted}, over Gmail's ~{clip_kb} KB clipping limit: Gmail hides everything from about "
            f'line {line} on behind "[Message clipped]", including the footer, the unsubscribe link and the '
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
