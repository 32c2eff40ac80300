"""LNK002 broken-image: Image is broken."""

from __future__ import annotations

from oopslint import rule

from ._network import NETWORK_DOCS, NETWORK_OPTIONS, broken_findings


@rule(
    code="LNK002",
    name="broken-image",
    summary="Image is broken",
    severity="error",
    section="links",
    network=True,
    options=dict(NETWORK_OPTIONS),
    option_docs=NETWORK_DOCS,
)
async def broken_image(email, context, options):
    """What it does
    Checks every http(s) image live (`<img src>`, `background`, CSS `url()`,
    VML) and reports the ones that fail, exactly as LNK001 judges links.

    Why is this bad?
    A broken logo or hero image leaves an empty box or a broken-image icon,
    and many clients then show the alt text in its place.

    Example
        <img src="https://cdn.acme.com/hero-old.png" alt="Winter sale">   <!-- 404 -->

    Use instead
        <img src="https://cdn.acme.com/hero.png" alt="Winter sale">
    """
    return await broken_findings(email, options, kind="image")
