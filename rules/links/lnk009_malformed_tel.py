"""LNK009 malformed-tel: tel: or sms: link has a malformed phone number."""

from __future__ import annotations

import re
from urllib.parse import unquote

from oopslint import Finding, rule

from ._common import FILTER_DOCS, FILTER_OPTIONS, refs, scheme_of, url_filter

_SEPARATORS = re.compile(r"[\s\-.()/\u00a0\u2010-\u2015]")


def phone_problem(number: str) -> str | None:
    core = _SEPARATORS.sub("", number)
    if not core:
        return "has no number"
    body = core[1:] if core.startswith("+") else core
    if "+" in body:
        return "has a '+' that is not at the start"
    main = re.split(r"[,;]|(?i:ext\.?|x)(?=\d)", body, maxsplit=1)[0]
    letters = re.sub(r"[^A-Za-z]", "", main)
    if letters:
        return f"contains letters ({letters}); phones dial digits only, so write the number in digits"
    if re.search(r"[^0-9*#pPwW,;]", main):
        bad = "".join(sorted(set(re.sub(r"[0-9*#pPwW,;]", "", main))))
        return f"contains characters a phone cannot dial ({bad})"
    digits = re.sub(r"\D", "", main)
    if len(digits) < 3:
        return "is too short to be a phone number"
    if len(digits) > 15:
        return "has more than 15 digits, longer than any phone number"
    return None


@rule(
    code="LNK009",
    name="malformed-tel",
    summary="tel: or sms: link has a malformed phone number",
    severity="error",
    section="links",
    options=dict(FILTER_OPTIONS),
    option_docs=FILTER_DOCS,
)
def malformed_tel(email, context, options):
    """What it does
    Reports `tel:` and `sms:` links whose number a phone cannot dial: empty,
    letters (`1-800-FLOWERS`), a `+` in the middle, stray characters, fewer
    than 3 or more than 15 digits, or `//` after the scheme. Spaces, dashes,
    dots and brackets are fine; so are `;ext=` and pauses (`,`).

    Why is this bad?
    On a phone, tapping the number is the whole point: a malformed one opens
    the dialler with nothing useful in it, or a wrong number.

    Example
        <a href="tel:1-800-FLOWERS">Call us</a>

    Use instead
        <a href="tel:+18003569377">Call 1-800-FLOWERS</a>
    """
    wanted = url_filter(options)
    for ref in refs(email, images=False):
        url = ref.url
        scheme = scheme_of(url)
        if ref.templated or scheme not in ("tel", "sms") or not wanted(url):
            continue
        rest = unquote(url[len(scheme) + 1 :])
        if rest.startswith("//"):
            yield Finding(
                f"Malformed {scheme}: link: {url} has '//' after {scheme}:",
                span=ref.span,
                suggestion=f"{scheme}:{rest.lstrip('/')}",
                data={"url": url},
            )
            continue
        numbers = rest.split("?", 1)[0] if scheme == "sms" else rest
        candidates = numbers.split(",") if scheme == "sms" else [numbers.split(";", 1)[0]]
        if scheme == "sms" and not numbers.strip():
            continue  # sms:?body=... lets the reader pick the recipient
        for number in candidates:
            problem = phone_problem(number)
            if problem:
                yield Finding(
                    f"Malformed {scheme}: number {number.strip()!r}: {problem}",
                    span=ref.span,
                    data={"url": url, "number": number.strip()},
                )
