"""TPL008 missing-one-click-unsubscribe: Marketing .eml lacks List-Unsubscribe with List-Unsubscribe-Post: List-Unsubscribe=One-Click."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from oopslint import Email, Finding, SendContext, Severity, rule
from oopslint.templating import find_tokens_in_url

from ._common import (
    header_span,
    headers_anchor,
    is_marketing,
    readable,
)

_ANGLE_ITEM = re.compile(r"<([^<>]*)>")

_ONE_CLICK = "list-unsubscribe=one-click"


def _uris(value: str) -> tuple[list[str], str]:
    """The <...> URIs of a List-Unsubscribe value and whatever text is left outside them."""
    uris = [item.strip() for item in _ANGLE_ITEM.findall(value)]
    rest = _ANGLE_ITEM.sub("", value)
    rest = re.sub(r"[\s,]+", "", rest)
    return uris, rest


def _dkim_signed_headers(email: Email) -> list[set[str]]:
    message = email.headers
    if message is None:
        return []
    signed = []
    for value in message.get_all("DKIM-Signature") or []:
        text = " ".join(str(value).split())
        match = re.search(r"(?:^|;)\s*h\s*=\s*([^;]*)", text)
        if match:
            signed.append({name.strip().lower() for name in match.group(1).split(":") if name.strip()})
    return signed


@rule(
    code="TPL008",
    name="missing-one-click-unsubscribe",
    summary="Marketing .eml lacks List-Unsubscribe with List-Unsubscribe-Post: List-Unsubscribe=One-Click",
    severity="error",
    section="template",
    options={"assume_marketing": False},
    option_docs={"assume_marketing": "treat email whose category is unknown as marketing (TPL007, TPL008)"},
    uses_context=True,
)
def missing_one_click_unsubscribe(email: Email, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    For a marketing message with headers (an `.eml` file or an `EmailMessage`),
    checks the one-click unsubscribe headers of RFC 2369 and RFC 8058:

    - `List-Unsubscribe` is present, and is a comma-separated list of URIs in
      angle brackets: `<https://example.com/u/abc>, <mailto:unsub@example.com?subject=unsubscribe>`;
    - it holds an `https:` URI (RFC 8058 requires HTTPS for one-click; `http:` is
      not enough), and each `mailto:` has an address;
    - `List-Unsubscribe-Post: List-Unsubscribe=One-Click` is present, exactly;
    - when the message carries a DKIM signature, it signs both headers (RFC 8058
      section 4: receivers ignore one-click headers that are not signed).

    Merge tags in the header (`<{{unsubscribe_url}}>`) are accepted in template
    mode; in rendered mode TPL001 reports them. HTML files have no headers (your
    sender adds them) and are not checked. Marketing or not is decided as for
    TPL007; the rule is quiet when the category is unknown, unless
    `assume_marketing = true`.

    Why is this bad?
    Since February 2024 Gmail and Yahoo require one-click unsubscribe from bulk
    senders; mail without it is more likely to be rejected or filed as spam, and
    the "Unsubscribe" button next to the sender's name in Gmail does not appear.

    Example
    ```text
    List-Unsubscribe: https://example.com/unsubscribe
    ```

    Use instead
    ```text
    List-Unsubscribe: <https://example.com/unsubscribe/opaque-id>, <mailto:unsubscribe@example.com>
    List-Unsubscribe-Post: List-Unsubscribe=One-Click
    ```
    The HTTPS endpoint must unsubscribe on a POST with no further confirmation.
    """
    if email.headers is None or is_marketing(context, options) is not True:
        return
    value = email.header("List-Unsubscribe")
    post = email.header("List-Unsubscribe-Post")
    if not value or not value.strip():
        empty = value is not None
        yield Finding(
            ("The List-Unsubscribe header is empty" if empty else "Marketing message has no List-Unsubscribe header")
            + ": Gmail and Yahoo require one-click unsubscribe (RFC 8058) from bulk senders",
            span=header_span(email, "List-Unsubscribe") if empty else headers_anchor(email),
            suggestion="List-Unsubscribe: <https://…/unsubscribe/…>, <mailto:…>\n"
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            data={"header": "List-Unsubscribe"},
        )
        return
    span = header_span(email, "List-Unsubscribe")
    uris, rest = _uris(value)
    if rest or not uris:
        yield Finding(
            f"List-Unsubscribe must list URIs in angle brackets (RFC 2369), got {readable(value, 80)!r}",
            span=span,
            suggestion="List-Unsubscribe: <https://example.com/unsubscribe/…>, <mailto:unsubscribe@example.com>",
            data={"header": "List-Unsubscribe", "value": value},
        )
    https = False
    templated = False
    for uri in uris:
        if find_tokens_in_url(uri, email.dialects):
            templated = True
            continue
        lowered = uri.lower()
        if lowered.startswith("https://") and len(uri) > len("https://"):
            https = True
        elif lowered.startswith("mailto:"):
            address = uri[len("mailto:") :].split("?", 1)[0].strip()
            if "@" not in address:
                yield Finding(
                    f"List-Unsubscribe has a mailto: URI without an address: <{uri}>",
                    span=span,
                    data={"header": "List-Unsubscribe", "uri": uri},
                )
        elif lowered.startswith("http://"):
            yield Finding(
                f"List-Unsubscribe URI <{uri}> is plain http: RFC 8058 one-click needs an https URI",
                span=span,
                severity=Severity.WARNING,
                suggestion=f"<https://{uri[len('http://') :]}>",
                data={"header": "List-Unsubscribe", "uri": uri},
            )
        else:
            yield Finding(
                f"List-Unsubscribe URI <{readable(uri, 60)}> is neither https: nor mailto:; clients will not use it",
                span=span,
                severity=Severity.WARNING,
                data={"header": "List-Unsubscribe", "uri": uri},
            )
    if post is None:
        yield Finding(
            'Marketing message has List-Unsubscribe but no "List-Unsubscribe-Post: List-Unsubscribe=One-Click": '
            "Gmail and Yahoo require one-click unsubscribe (RFC 8058) from bulk senders",
            span=span,
            suggestion="List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            data={"header": "List-Unsubscribe-Post"},
        )
    elif " ".join(post.split()).lower() != _ONE_CLICK or post.strip() != "List-Unsubscribe=One-Click":
        exact = " ".join(post.split()).lower() == _ONE_CLICK
        yield Finding(
            f'List-Unsubscribe-Post is {readable(post, 60)!r}; RFC 8058 requires exactly "List-Unsubscribe=One-Click"',
            span=header_span(email, "List-Unsubscribe-Post"),
            severity=Severity.WARNING if exact else Severity.ERROR,
            suggestion="List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            data={"header": "List-Unsubscribe-Post", "value": post},
        )
    if uris and not https and not templated:
        yield Finding(
            "List-Unsubscribe has no https URI, so one-click unsubscribe (RFC 8058) cannot work"
            + (" even with List-Unsubscribe-Post" if post is not None else ""),
            span=span,
            suggestion="add <https://…/unsubscribe/…> to List-Unsubscribe",
            data={"header": "List-Unsubscribe"},
        )
    signatures = _dkim_signed_headers(email)
    if signatures and post is not None:
        needed = {"list-unsubscribe", "list-unsubscribe-post"}
        if not any(needed <= signed for signed in signatures):
            missing = sorted(needed - set().union(*signatures))
            yield Finding(
                "The DKIM signature does not cover "
                + " and ".join(h.title() for h in missing or sorted(needed))
                + ": receivers ignore one-click unsubscribe headers that are not signed (RFC 8058 section 4)",
                span=header_span(email, "DKIM-Signature"),
                severity=Severity.WARNING,
                suggestion="sign List-Unsubscribe and List-Unsubscribe-Post with DKIM (add them to h=)",
                data={"signed": sorted(set().union(*signatures))},
            )
