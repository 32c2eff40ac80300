"""Resolving a Location (or a meta refresh) the way browsers do.

``urllib.parse.urljoin`` follows RFC 3986; browsers follow the WHATWG URL
standard, which differs for the special schemes (http, https, ws, wss, ftp,
file): a backslash is a slash, ``http:\\\\host/`` and ``http:host/`` name a
host when the scheme differs from the base's, ``http:path`` is relative when
it is the same, and tabs and newlines inside the reference are dropped. A
redirect is judged by where a reader's browser would really go.

Also which addresses are public, a pure question the offline rules ask too,
kept here so that answering it imports no HTTP library.
"""

from __future__ import annotations

import ipaddress
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
    rest = _slashes_before_query(reference[match.end() :])
    if scheme == base_scheme:
        return urljoin(base, rest)  # "http:path" on an http page is relative to it
    return f"{scheme}://{rest.lstrip('/')}"


def _ipv4_number(part: str) -> int | None:
    if part[:2].lower() == "0x":
        digits, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if digits == "":
        return 0 if base != 10 else None
    try:
        return int(digits, base) if digits.isalnum() and digits.isascii() else None
    except ValueError:
        return None


def browser_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a browser reads in a host written as numbers:
    ``2130706433``, ``0x7f.1``, ``0177.0.0.1`` and ``127.1`` are all
    127.0.0.1 (the WHATWG IPv4 parser). None for any other host."""
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not 1 <= len(parts) <= 4 or any(part == "" for part in parts):
        return None
    numbers = [_ipv4_number(part) for part in parts]
    if any(number is None for number in numbers):
        return None
    values = [number for number in numbers if number is not None]
    if any(value > 255 for value in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        return None
    address = values[-1]
    for index, value in enumerate(values[:-1]):
        address += value * 256 ** (3 - index)
    return ipaddress.IPv4Address(address)


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")
_COMPATIBLE = ipaddress.IPv6Network("::/96")


def embedded_ipv4(
    address: str | ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> tuple[ipaddress.IPv4Address, str] | None:
    """The IPv4 address an IPv6 address stands for, and how it is written:
    ``::ffff:a.b.c.d`` (IPv4-mapped), ``::ffff:0:a.b.c.d`` (IPv4-translated),
    ``64:ff9b::a.b.c.d`` (NAT64), ``2002:AABB:CCDD::`` (6to4) and
    ``::a.b.c.d`` (IPv4-compatible). None for any other address."""
    try:
        ip = address if not isinstance(address, str) else ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped, "IPv4-mapped"
    if ip in _TRANSLATED:
        return low32, "IPv4-translated"
    if ip in _NAT64:
        return low32, "NAT64"
    if ip.sixtofour is not None:
        return ip.sixtofour, "6to4"
    if ip in _COMPATIBLE and int(ip) > 1:
        return low32, "IPv4-compatible"
    return None


def is_public_address(address: str) -> bool:
    """True for an address anyone on the internet may be sent to: global,
    not multicast, and, for an IPv6 form that embeds an IPv4 address, that
    IPv4 address judged the same way."""
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return False  # local-use NAT64 (RFC 8215): a private translator
        embedded = embedded_ipv4(ip)
        if embedded is not None:
            ip = embedded[0]
    return ip.is_global and not ip.is_multicast
