"""LNK005 insecure-link: Link or image uses http:// instead of https://."""

from __future__ import annotations

from oopslint import Finding, rule

from ._common import (
    ALLOWED_HOSTS_DOCS,
    ALLOWED_HOSTS_OPTION,
    FILTER_DOCS,
    FILTER_OPTIONS,
    classify_host,
    host_allowed,
    host_of,
    literal_origin,
    literal_prefix,
    refs,
    url_filter,
)


@rule(
    code="LNK005",
    name="insecure-link",
    summary="Link or image uses http:// instead of https://",
    severity="warning",
    section="links",
    options={**FILTER_OPTIONS, **ALLOWED_HOSTS_OPTION},
    option_docs={**FILTER_DOCS, **ALLOWED_HOSTS_DOCS},
)
def insecure_link(email, context, options):
    """What it does
    Reports links and images whose address starts with `http://`.

    Why is this bad?
    Browsers mark plain-http pages "Not secure", anyone on the reader's network
    can read or change what they send and receive, and spam filters count
    unencrypted links against a message. An image loaded over http can be
    swapped on the way, and clients that load images over https only show a
    broken image instead. Almost every site serves https today. Links and
    images on non-production hosts are left to LNK006, which also says when
    they use http://; hosts in `allowed_hosts` are production, so they are
    reported here.

    Example
        <a href="http://shop.example.com/sale">Shop the sale</a>
        <img src="http://shop.example.com/logo.png" alt="Shop">

    Use instead
        <a href="https://shop.example.com/sale">Shop the sale</a>
        <img src="https://shop.example.com/logo.png" alt="Shop">
    """
    wanted = url_filter(options)
    allowed = options.get("allowed_hosts", [])
    for ref in refs(email):
        url = literal_prefix(ref.url, ref.item.tokens) if ref.templated else ref.url
        if not url.lower().startswith("http://") or not wanted(ref.url):
            continue
        host = host_of(url) if not ref.templated else host_of(literal_origin(ref.url, ref.item.tokens) or "")
        if not host and not ref.templated:
            continue  # no host to reach (`http://` alone, a broken port): TPL005 or LNK007 says so
        if host and classify_host(host) is not None and not host_allowed(host, allowed):
            continue  # LNK006 reports it, and says it uses http://
        yield Finding(
            f"Insecure {ref.kind}: {ref.url} uses http://; use https://",
            span=ref.span,
            suggestion="https://" + ref.url[len("http://") :],
            data={"url": ref.url},
        )
