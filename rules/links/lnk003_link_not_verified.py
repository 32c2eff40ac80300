"""LNK003 link-not-verified: Link or image could not be verified."""

from __future__ import annotations

from oopslint import Finding, rule

from ._common import classify_host, host_of
from ._network import (
    NETWORK_DOCS,
    NETWORK_OPTIONS,
    accept_statuses,
    check_data,
    checked,
    judge,
)

_LOCAL_CATEGORIES = frozenset(("local", "private", "internal"))


@rule(
    code="LNK003",
    name="link-not-verified",
    summary="Link or image could not be verified",
    severity="warning",
    section="links",
    network=True,
    options=dict(NETWORK_OPTIONS),
    option_docs=NETWORK_DOCS,
)
async def link_not_verified(email, context, options):
    """What it does
    Reports links and images whose check was inconclusive: 401 (a login),
    403 and other refusals of automated checks, 429 rate limiting that
    outlasted the retries, LinkedIn's 999, a bot-check page (Cloudflare,
    DataDome, AWS WAF ...), a redirect into a private network that the SSRF
    guard refused, DNS not working at all, or the run's time budget ending.

    Why is this bad?
    Nothing is known to be wrong, and nothing is known to be right: a human
    should open the link once before the send. Sites that always refuse
    automated checks can be listed in `accept` (e.g. `[999]`) or `exclude`.

    Example
        <a href="https://www.linkedin.com/company/acme">Follow us</a>   <!-- 999 -->

    Use instead
        Open the link in a browser; if it works, add the host to `exclude`.
    """
    accept = accept_statuses(options)
    findings = []
    for target, check in await checked(email, options, links=True, images=True):
        verdict = judge(check, accept, host_only=target.host_only)
        if verdict.kind != "unverified":
            continue
        if check.error == "blocked" and not check.redirects:
            host = host_of(target.ref.url if not target.host_only else target.url) or ""
            verdict_host = classify_host(host)
            if verdict_host is not None and verdict_host.category in _LOCAL_CATEGORIES:
                continue  # LNK006 already says this host is not reachable by readers
        noun = "image" if target.ref.kind == "image" else "link"
        if target.host_only:
            message = f"Could not verify the host of templated {noun} {target.ref.url}: {verdict.reason}"
        else:
            message = f"Could not verify {noun}: {verdict.reason}"
        findings.append(Finding(message, span=target.ref.span, data=check_data(target, check)))
    return findings
