"""LNK004 cross-domain-redirect: Link redirects to another domain."""

from __future__ import annotations

from oopslint import Finding, Severity, http, rule

from ._common import host_of, same_site
from ._network import (
    NETWORK_DOCS,
    NETWORK_OPTIONS,
    accept_statuses,
    check_data,
    checked,
    judge,
)


@rule(
    code="LNK004",
    name="cross-domain-redirect",
    summary="Link redirects to another domain",
    severity="info",
    section="links",
    network=True,
    options=dict(NETWORK_OPTIONS),
    option_docs=NETWORK_DOCS,
)
async def cross_domain_redirect(email, context, options):
    """What it does
    Reports links that redirect to a different site, with the final URL:
    shorteners, click-tracking wrappers, moved pages. The redirect chain is
    followed to its end and the destination is what the other LNK rules
    judge. Redirects within one site (`http` to `https`, `acme.com` to
    `www.acme.com`) are not reported.

    Why is this bad?
    It may be fine (your tracking domain), but readers and spam filters see
    one domain and land on another, and a shortener or an old domain can
    start pointing somewhere else at any time. Linking to the final address
    is faster and clearer.

    Example
        <a href="https://bit.ly/3xyz">Our new store</a>

    Use instead
        <a href="https://store.acme.com/">Our new store</a>
    """
    accept = accept_statuses(options)
    findings = []
    for target, check in await checked(email, options, links=True, images=False):
        if target.host_only or not check.redirects:
            continue
        if judge(check, accept).kind == "broken":
            continue
        start = host_of(target.url) or ""
        end = host_of(check.final_url) or ""
        if not start or not end or same_site(start, end):
            continue
        if http.is_click_tracking(target.url):
            message = f"Click-tracking link leads to {check.final_url}"
        else:
            message = f"Link redirects to another domain: {target.url} -> {check.final_url}"
        findings.append(Finding(message, span=target.ref.span, severity=Severity.INFO, data=check_data(target, check)))
    return findings
