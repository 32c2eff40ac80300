"""LNK010 link-text-mismatch: Link text shows a different address than the link."""

from __future__ import annotations

import re
from urllib.parse import unquote

from oopslint import Finding, rule
from oopslint.http import is_click_tracking

from ._common import (
    COMMON_TLDS,
    FILTER_DOCS,
    FILTER_OPTIONS,
    MASK_CHAR,
    host_of,
    mailto_addresses,
    same_site,
    scheme_of,
    url_filter,
)

_URL_TEXT = re.compile(
    r"^(?:(?P<scheme>https?)://)?(?P<host>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?P<tld>[a-z]{2,24}|xn--[a-z0-9-]+))(?::\d{1,5})?(?P<rest>[/?#]\S*)?$",
    re.I,
)

_EMAIL_TEXT = re.compile(r"^(?:mailto:)?([^\s@<>]+@[^\s@<>]+\.[a-z]{2,24})$", re.I)


def text_host(text: str) -> str | None:
    """The host a link text shows, when the whole text is a URL or domain."""
    text = text.strip().strip("<>\"'\u201c\u201d\u2018\u2019").rstrip(".,;:!?)]")
    if not text or MASK_CHAR in text or " " in text:
        return None
    match = _URL_TEXT.match(text)
    if not match:
        return None
    host = match.group("host").lower()
    if not match.group("scheme") and not host.startswith("www.") and not match.group("rest"):
        if match.group("tld").lower() not in COMMON_TLDS:
            return None  # "setup.py", "index.html": names, not domains
    return host


@rule(
    code="LNK010",
    name="link-text-mismatch",
    summary="Link text shows a different address than the link",
    severity="warning",
    section="links",
    options=dict(FILTER_OPTIONS),
    option_docs=FILTER_DOCS,
)
def link_text_mismatch(email, context, options):
    """What it does
    Reports links whose visible text is a URL or a domain (`www.acme.com`,
    `https://acme.com/login`) on a different site from where the link goes,
    and `mailto:` links whose text is an address other than the one written
    to. Subdomains of the same site and known click-tracking wrappers are not
    reported.

    Why is this bad?
    "Text says one site, link goes to another" is the classic phishing
    pattern: spam filters score it, security-trained readers refuse to click,
    and it is usually a copy-paste mistake anyway.

    Example
        <a href="https://acme-deals.net/x">www.acme.com</a>

    Use instead
        <a href="https://www.acme.com/deals">www.acme.com</a>
    """
    wanted = url_filter(options)
    for link in email.links:
        if link.kind != "a" or link.templated or not wanted(link.url):
            continue
        text = " ".join((link.text or "").split())
        if not text:
            continue
        scheme = scheme_of(link.url)
        if scheme == "mailto":
            shown = _EMAIL_TEXT.match(text.strip().rstrip(".,;:!?)"))
            if not shown:
                continue
            addresses, fields = mailto_addresses(link.url)
            addresses += [unquote(v).strip() for k, v in fields if k.lower() == "to" and v.strip()]
            if not addresses or shown.group(1).lower() in {a.lower() for a in addresses}:
                continue
            yield Finding(
                f"Link text shows {shown.group(1)} but the mailto: link writes to {', '.join(addresses)}",
                span=link.span,
                suggestion=f"mailto:{shown.group(1)}",
                data={"url": link.url, "text": text},
            )
            continue
        if scheme not in ("http", "https"):
            continue
        shown_host = text_host(text)
        target_host = host_of(link.url)
        if not shown_host or not target_host or same_site(shown_host, target_host):
            continue
        if is_click_tracking(link.url):
            continue
        yield Finding(
            f"Link text shows {shown_host} but the link goes to {target_host}",
            span=link.span,
            data={"url": link.url, "text": text, "text_host": shown_host, "host": target_host},
        )
