"""LNK006 non-production-link: Link or image points at a non-production host."""

from __future__ import annotations

from oopslint import Finding, Severity, rule

from ._common import (
    ALLOWED_HOSTS_DOCS,
    ALLOWED_HOSTS_OPTION,
    FILTER_DOCS,
    FILTER_OPTIONS,
    classify_host,
    host_allowed,
    host_of,
    literal_origin,
    mode_severity,
    refs,
    scheme_of,
    url_filter,
)


def _noun(kind: str) -> str:
    return "Image" if kind == "image" else "Link"


@rule(
    code="LNK006",
    name="non-production-link",
    summary="Link or image points at a non-production host",
    severity="error",
    section="links",
    options={**FILTER_OPTIONS, **ALLOWED_HOSTS_OPTION},
    option_docs={**FILTER_DOCS, **ALLOWED_HOSTS_DOCS},
)
def non_production_link(email, context, options):
    """What it does
    Reports links and images whose host recipients cannot reach, or should not
    be sent to: `localhost` and loopback addresses, private and link-local
    addresses, internal names (`.local`, `.internal`, `.test`, a bare name),
    tunnels (ngrok, Cloudflare quick tunnels, localtunnel), staging hosts
    (`staging.`, `stage.`, `uat.`, `preprod.`), and reserved example domains
    (`example.com`, `.example`). Development-looking hosts (`dev.`, `test.`,
    `qa.`) and example domains in a template are warnings; the rest are errors.
    Hosts listed in `allowed_hosts` are never reported. An address that also
    uses `http://` gets this finding only, which says so (not LNK005 too).

    Why is this bad?
    These addresses work on the sender's machine or office network and nowhere
    else: every reader gets an error page or a broken image, and a staging link
    can expose unfinished work.

    Example
        <a href="http://localhost:3000/orders/1001">View your order</a>
        <img src="https://staging.acme.com/img/logo.png" alt="Acme">

    Use instead
        <a href="https://acme.com/orders/1001">View your order</a>
        <img src="https://acme.com/img/logo.png" alt="Acme">
    """
    wanted = url_filter(options)
    allowed = options.get("allowed_hosts", [])
    for ref in refs(email):
        url = ref.url
        if ref.templated:
            url = literal_origin(url, ref.item.tokens) or ""
        scheme = scheme_of(url)
        if url.startswith("//"):
            url = "https:" + url
        elif scheme not in ("http", "https"):
            continue
        host = host_of(url)
        if not host or not wanted(ref.url) or host_allowed(host, allowed):
            continue
        verdict = classify_host(host)
        if verdict is None:
            continue
        if verdict.category == "placeholder":
            severity = mode_severity(context)
            message = f"{_noun(ref.kind)} points at a placeholder: {verdict.description}"
        else:
            severity = Severity.ERROR if verdict.strong else Severity.WARNING
            message = f"{_noun(ref.kind)} points at a non-production host: {verdict.description}"
        if ref.url.lower().startswith("http://"):
            # one problem, one finding: LNK005 leaves this URL to this rule
            message += "; it also uses http:// instead of https:// (LNK005)"
        yield Finding(
            message, span=ref.span, severity=severity, data={"url": ref.url, "host": host, "category": verdict.category}
        )
