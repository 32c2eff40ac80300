"""Resolving a Location (or a meta refresh) the way browsers do.

``urllib.parse.urljoin`` follows RFC 3986; browsers follow the WHATWG URL
standard, which differs for the special schemes (http, https, ws, wss, ftp,
file): a backslash is a slash, ``http:\\\\host/`` and ``http:host/`` name a
host when the scheme differs from the base's, ``http:path`` is relative when
it is the same, and tabs and newlines inside the reference are dropped. A
redirect is judged by where a reader's browser would really go.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

SPECIAL_SCHEMES = frozenset(("http", "https", "ws", "wss", "ftp", "file"))

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+\-.]*):")
_EDGES = "".join(chr(code) for code in range(0x21))  # C0 controls and space
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


def _slashes_before_query(reference: str) -> str:
    """Backslashes in the authority and path become slashes (not in the query
    or fragment, where they stay as written)."""
    cut = min((i for i in (reference.find("?"), reference.find("#")) if i >= 0), default=len(reference))
    return reference[:cut].replace("\\", "/") + reference[cut:]


def resolve_reference(base: str, reference: str) -> str:
    """``reference`` (a Location value) resolved against ``base`` as a browser does."""
    reference = _TAB_OR_NEWLINE.sub("", reference.strip(_EDGES))
    base_scheme = urlsplit(base).scheme.lower()
    match = _SCHEME.match(reference)
    if match is None:
        if base_scheme in SPECIAL_SCHEMES:
            reference = _slashes_before_query(reference)
        return urljoin(base, reference)
    scheme = match.group(1).lower()
    if scheme not in SPECIAL_SCHEMES:
        return reference  # mailto:, tel:, a custom app scheme: absolute as written
    rest = _slashes_before_query(reference[match.end():])
    if scheme == base_scheme:
        return urljoin(base, rest)  # "http:path" on an http page is relative to it
    return f"{scheme}://{rest.lstrip('/')}"
