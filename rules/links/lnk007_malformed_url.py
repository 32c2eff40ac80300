"""LNK007 malformed-url: Link or image address is malformed or relative."""

from __future__ import annotations

from oopslint import Finding, Severity, rule

from ._common import (
    FILTER_DOCS,
    FILTER_OPTIONS,
    mode_severity,
    placeholder_href,
    refs,
    url_filter,
    url_problem,
)


@rule(
    code="LNK007",
    name="malformed-url",
    summary="Link or image address is malformed or relative",
    severity="error",
    section="links",
    options=dict(FILTER_OPTIONS),
    option_docs=FILTER_DOCS,
)
def malformed_url(email, context, options):
    """What it does
    Reports link and image addresses that cannot work in an email: relative
    paths (`/account`, `logo.png`) without a `<base href>`, addresses with no
    scheme (`www.shop.com`), protocol-relative ones (`//cdn...`), scheme typos
    (`htps://`, `http//`, `http:/`) and schemes written twice
    (`http://https://`), invalid hosts and ports, `file:` links, and
    whitespace inside an address; for images, also empty
    sources (a warning in template mode) and `javascript:` ones. A link that
    goes nowhere (an empty href, `#`, `javascript:`, or `https://` with
    nothing after it) is TPL005's. Merge-tagged addresses are not judged here.

    Why is this bad?
    An email is not a web page: there is no address to resolve a relative or
    scheme-less URL against, so the reader's client opens nothing, or a
    `file://` path on their own disk. Scripts are stripped by every client.

    Example
        <a href="www.acme.com/sale">Sale</a>
        <img src="/img/logo.png" alt="Acme">

    Use instead
        <a href="https://www.acme.com/sale">Sale</a>
        <img src="https://www.acme.com/img/logo.png" alt="Acme">
    """
    wanted = url_filter(options)
    has_base = any(e.get("href") for e in email.find("base"))
    for ref in refs(email):
        if ref.templated or not wanted(ref.url) or placeholder_href(ref):
            continue
        if ref.kind == "image" and ref.url.lower().startswith(("data:", "cid:")):
            continue
        problem = url_problem(ref.url, kind=ref.kind, has_base=has_base)
        if problem is None:
            continue
        message, suggestion, level = problem
        severity = mode_severity(context) if level == "mode" else Severity.parse(level)
        yield Finding(message, span=ref.span, suggestion=suggestion, severity=severity, data={"url": ref.url})
