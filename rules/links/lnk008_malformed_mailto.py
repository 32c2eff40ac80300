"""LNK008 malformed-mailto: mailto: link has a missing or malformed address."""

from __future__ import annotations

import re
from urllib.parse import unquote

from oopslint import Finding, rule

from ._common import (
    FILTER_DOCS,
    FILTER_OPTIONS,
    host_problem,
    is_ip,
    mailto_addresses,
    mode_severity,
    refs,
    url_filter,
)

_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-.\u0080-\uffff]+$")


def address_problem(address: str) -> tuple[str, str | None] | None:
    """Why ``address`` is not a usable e-mail address, and a fix if obvious."""
    if ";" in address:
        return ("separates addresses with ';' where mailto: uses ','", address.replace(";", ","))
    if "<" in address or ">" in address:
        inner = re.search(r"<([^<>]+)>", address)
        return ("has a display name; a mailto: link takes only the address", inner.group(1) if inner else None)
    quoted = re.match(r'^"(?:[^"\\]|\\.)*"@', address)
    if re.search(r"\s", address[quoted.end() if quoted else 0 :]):
        return ("contains a space", re.sub(r"\s+", "", address))
    if "@" not in address:
        return ("has no @", None)
    if address.count("@") > 1 and not address.startswith('"'):
        return ("has more than one @", None)
    local, domain = address.rsplit("@", 1)
    if not local:
        return ("has nothing before the @", None)
    if not domain:
        return ("has nothing after the @", None)
    if not (local.startswith('"') and local.endswith('"')):
        if not _LOCAL_PART.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
            return ("has characters an address cannot have before the @", None)
    if domain.startswith("[") and domain.endswith("]"):
        return None if is_ip(domain[1:-1].removeprefix("IPv6:")) else ("has an invalid address literal", None)
    if "." not in domain.strip("."):
        return (f"has no top-level domain after the @ ({domain})", None)
    problem = host_problem(domain)
    if problem:
        return (f"has an invalid domain ({domain})", None)
    return None


_TEXT_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


@rule(
    code="LNK008",
    name="malformed-mailto",
    summary="mailto: link has a missing or malformed address",
    severity="error",
    section="links",
    options=dict(FILTER_OPTIONS),
    option_docs=FILTER_DOCS,
)
def malformed_mailto(email, context, options):
    """What it does
    Reports `mailto:` links with no address, or with an address that is not
    one: no `@`, two `@`, spaces, a display name, `;` between addresses, a
    domain with no top-level domain. The `to`, `cc` and `bcc` fields are read
    too. A `mailto:` with no address is a warning in template mode.

    Why is this bad?
    The reader clicks "email us" and gets an empty draft, or a draft their
    mail program cannot send.

    Example
        <a href="mailto:">support@acme.com</a>
        <a href="mailto:support@acme">Email us</a>

    Use instead
        <a href="mailto:support@acme.com">support@acme.com</a>
    """
    wanted = url_filter(options)
    for ref in refs(email, images=False):
        url = ref.url
        if ref.templated or not url.lower().startswith("mailto:") or not wanted(url):
            continue
        if url[len("mailto:") :].startswith("//"):
            yield Finding(
                f"Malformed mailto: link: {url} has '//' after mailto:",
                span=ref.span,
                suggestion="mailto:" + url[len("mailto:") :].lstrip("/"),
                data={"url": url},
            )
            continue
        addresses, fields = mailto_addresses(url)
        extra = [unquote(value).strip() for key, value in fields if key.lower() in ("to", "cc", "bcc")]
        everyone = addresses + [a.strip() for value in extra for a in value.split(",") if a.strip()]
        if not addresses and not any(key.lower() == "to" and value.strip() for key, value in fields):
            text = (ref.item.text or "").strip()
            shown = f' (the text says "{text}")' if "@" in text else ""
            suggestion = f"mailto:{text}" if _TEXT_ADDRESS.match(text) else None
            yield Finding(
                f"mailto: link has no address, so it opens an empty draft{shown}",
                span=ref.span,
                severity=mode_severity(context),
                suggestion=suggestion,
                data={"url": url},
            )
            continue
        for address in everyone:
            problem = address_problem(address)
            if problem:
                yield Finding(
                    f"Malformed mailto: address {address!r}: {problem[0]}",
                    span=ref.span,
                    suggestion=("mailto:" + problem[1]) if problem[1] else None,
                    data={"url": url, "address": address},
                )
