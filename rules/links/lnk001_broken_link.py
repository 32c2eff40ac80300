"""LNK001 broken-link: Link is broken."""

from __future__ import annotations

from oopslint import rule

from ._network import NETWORK_DOCS, NETWORK_OPTIONS, broken_findings


@rule(
    code="LNK001",
    name="broken-link",
    summary="Link is broken",
    severity="error",
    section="links",
    network=True,
    options=dict(NETWORK_OPTIONS),
    option_docs=NETWORK_DOCS,
)
async def broken_link(email, context, options):
    """What it does
    Checks every http(s) link live and reports the ones that fail: a 4xx or
    5xx status (5xx after retries), a name that does not exist in DNS, a
    refused or reset connection, a TLS error, a timeout after retries, a
    redirect loop or more than `max_redirects` redirects. The message names
    the status or error and the URL it ended at. HEAD is tried first and GET
    when HEAD is refused. Click-tracking redirects are followed and the
    destination is judged. In a template, a link whose host is written out
    (`https://shop.example/{{ path }}`) has its host checked; a link that is
    all merge tag is skipped.

    Answers that say nothing about the link (401, 403, 429, LinkedIn's 999,
    bot-check pages, the time budget running out) are never reported here:
    see LNK003. Status codes in `accept` count as working.

    Why is this bad?
    A broken link in a sent email cannot be fixed: every reader who clicks
    it lands on an error page, and support hears about it.

    Example
        <a href="https://acme.com/sale-2019">Shop the sale</a>   <!-- 404 -->

    Use instead
        <a href="https://acme.com/sale">Shop the sale</a>
    """
    return await broken_findings(email, options, kind="link")
