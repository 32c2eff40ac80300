"""What a check or a request found: results, errors, and how a failure is named."""

from __future__ import annotations

import errno
import json as _json
import re
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:  # httpx is imported when a request is made: offline runs never load it
    import httpx

SNIFF_BYTES = 8192
REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))
_NOT_TRANSIENT_5XX = frozenset((501, 505, 511))


@dataclass(frozen=True)
class LinkCheck:
    """What checking one URL found. Judging it (broken, fine, unverifiable)
    is up to the caller; :attr:`ok` is the plain "it answered 2xx" answer.

    ``error`` is None when the server answered, else one of: ``dns`` (the
    name does not exist), ``dns-unavailable`` (DNS itself is not answering),
    ``refused``, ``reset`` (the connection dropped), ``tls``, ``timeout``,
    ``connect``, ``protocol``, ``redirect-loop``, ``too-many-redirects``,
    ``blocked`` (a private address the SSRF guard refused), ``budget`` (the
    run's time budget ran out), ``config`` (a header needs an unset
    environment variable), ``invalid-url`` or ``invalid-redirect`` (a redirect
    to an address no browser can open).
    """

    url: str
    final_url: str
    status: int | None = None
    reason: str = ""
    error: str | None = None
    detail: str = ""
    redirects: tuple[str, ...] = ()
    attempts: int = 0
    challenge: str | None = None
    retry_after: float | None = None
    from_cache: bool = False
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """The server answered 2xx (after redirects) and it was not a bot wall."""
        if self.error is not None or self.challenge is not None or self.status is None:
            return False
        if 200 <= self.status < 300:
            return True
        # a redirect that leaves the web (an app store, mailto:) is where the link goes
        return self.status in REDIRECT_STATUSES and not self.final_url.lower().startswith(("http://", "https://"))

    @property
    def status_text(self) -> str:
        """``404 Not Found``; empty when no response arrived."""
        if self.status is None:
            return ""
        return f"{self.status} {self.reason}".strip()

    @property
    def redirected(self) -> bool:
        return bool(self.redirects)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["redirects"] = list(self.redirects)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LinkCheck:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["redirects"] = tuple(known.get("redirects") or ())
        return cls(**known)


@dataclass(frozen=True)
class Response:
    """A response read by :meth:`HttpClient.request` (body capped at ``max_bytes``)."""

    method: str
    url: str
    status: int
    reason: str
    headers: httpx.Headers
    content: bytes
    redirects: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        import httpx

        charset = httpx.Response(self.status, headers=self.headers).charset_encoding or "utf-8"
        return self.content.decode(charset, errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON; :class:`HttpError` when it is not JSON."""
        try:
            return _json.loads(self.content)
        except ValueError:
            raise HttpError(
                f"{self.method} {safe_url(self.url)}: the response is not JSON",
                kind="json",
                url=self.url,
                status=self.status,
            ) from None


class HttpError(Exception):
    """A request failed. The message names the method, the URL without its
    query string and credentials, and what went wrong; never a header value.

    ``kind`` is ``status`` for an HTTP error status (see ``status``), or one of
    the :class:`LinkCheck` error kinds, or ``too-large`` / ``json``.
    """

    def __init__(self, message: str, *, kind: str, url: str = "", status: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.url = safe_url(url) if url else ""
        self.status = status


class Failure(Exception):
    """A request got no usable response (internal)."""

    def __init__(self, kind: str, detail: str, *, retryable: bool = False):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.retryable = retryable
        self.attempts = 1


@dataclass
class Reply:
    method: str
    url: str
    status: int
    reason: str
    headers: httpx.Headers
    body: bytes


def safe_url(url: str) -> str:
    """The URL without credentials, query string or fragment, for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}" if parts.scheme else url.split("?", 1)[0]


def with_root_path(url: str) -> str:
    """``http://a.com`` and ``http://a.com/`` are one URL: give it its ``/``."""
    start = url.index("://") + 3
    cut = re.search(r"[/?]", url[start:])
    if cut is None:
        return url + "/"
    if url[start + cut.start()] == "?":
        return url[: start + cut.start()] + "/" + url[start + cut.start() :]
    return url


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    import email.utils  # here: only a Retry-After date needs the email package

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def retryable_status(status: int) -> bool:
    return status in (408, 429) or (500 <= status < 600 and status not in _NOT_TRANSIENT_5XX)


def exception_chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it was raised from or while handling."""
    chain: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending and len(chain) < 20:
        node = pending.pop(0)
        if any(node is seen for seen in chain):
            continue
        chain.append(node)
        pending.extend(n for n in (node.__cause__, node.__context__) if n is not None)
        pending.extend(getattr(node, "exceptions", ()))
    return chain


def classify(exc: BaseException, url: str, timeout: float) -> Failure:
    import ssl  # with httpx, only once a request failed: offline runs never load either

    import httpx

    if isinstance(exc, Failure):
        return exc
    where = urlsplit(url).netloc or url
    for node in exception_chain(exc):
        if isinstance(node, Failure):
            return node
    if isinstance(exc, (TimeoutError, httpx.TimeoutException)):
        return Failure("timeout", f"no response within {timeout:g} s", retryable=True)
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return Failure("invalid-url", f"not a URL that can be fetched ({exc})")
    text = " ".join(str(node) for node in exception_chain(exc))
    for node in exception_chain(exc):
        if isinstance(node, ssl.SSLError) or "SSL" in str(node) and isinstance(exc, httpx.ConnectError):
            reason = getattr(node, "verify_message", None) or getattr(node, "reason", None) or str(node)
            return Failure("tls", f"TLS error talking to {where}: {reason}")
        if isinstance(node, ConnectionRefusedError) or getattr(node, "errno", None) == errno.ECONNREFUSED:
            return Failure("refused", f"connection refused by {where}")
        if isinstance(node, ConnectionResetError) or getattr(node, "errno", None) == errno.ECONNRESET:
            return Failure("reset", f"connection reset by {where}", retryable=True)
    if isinstance(exc, httpx.ConnectError):
        if "refused" in text.lower() or f"[Errno {errno.ECONNREFUSED}]" in text:
            return Failure("refused", f"connection refused by {where}")
        return Failure("connect", f"could not connect to {where} ({exc or type(exc).__name__})")
    if isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError, httpx.CloseError)):
        detail = "reset" if "reset" in text.lower() else "closed"
        return Failure("reset", f"connection {detail} by {where} before a full response", retryable=True)
    if isinstance(exc, httpx.ProtocolError):
        return Failure("protocol", f"{where} broke the HTTP protocol ({exc})")
    if isinstance(exc, (httpx.HTTPError, OSError)):
        return Failure("connect", f"request to {where} failed ({exc or type(exc).__name__})")
    raise exc


META_REFRESH = re.compile(
    rb"""<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["']\s*\d*\s*;?\s*url\s*=\s*['"]?([^"'>\s]+)""",
    re.I,
)

#: Click-tracking and link-protection hosts whose links are wrappers around
#: another URL (suffix match on the host).
_TRACKING_HOST_SUFFIXES = (
    "list-manage.com",
    "ct.sendgrid.net",
    "sendgrid.net",
    "mandrillapp.com",
    "mjt.lu",
    "klclick.com",
    "klclick1.com",
    "klclick2.com",
    "klclick3.com",
    "hubspotlinks.com",
    "hs-sites.com",
    "rs6.net",
    "createsend.com",
    "createsend1.com",
    "cmail19.com",
    "cmail20.com",
    "sparkpostmail.com",
    "awstrack.me",
    "pstmrk.it",
    "mailchi.mp",
    "exct.net",
    "sendibt2.com",
    "sendibt3.com",
    "sendibm1.com",
    "mlsend.com",
    "customeriomail.com",
    "ct.mailerlite.com",
    "safelinks.protection.outlook.com",
    "urldefense.com",
    "urldefense.proofpoint.com",
    "l.facebook.com",
    "lnkd.in",
    "t.co",
    "bit.ly",
    "ow.ly",
)
_TRACKING_HOSTS = frozenset(_TRACKING_HOST_SUFFIXES)


def _suffixes(host: str) -> list[str]:
    """``a.b.c`` -> ``a.b.c``, ``b.c``, ``c``."""
    labels = host.split(".")
    return [".".join(labels[n:]) for n in range(len(labels))]


_TRACKING_PATH = re.compile(r"/(?:ls/click|track/click|wf/click|c/|ss/c/|e3t/|l/|r/|redirect|click)", re.I)


def is_click_tracking(url: str) -> bool:
    """True when ``url`` looks like a click-tracking or link-protection wrapper:
    a known tracking host, or a link whose query carries another absolute URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if _TRACKING_HOSTS.intersection(_suffixes(host)):
        return True
    if host.startswith(
        ("click.", "clicks.", "track.", "tracking.", "links.", "link.", "email.", "e.", "url")
    ) and _TRACKING_PATH.search(parts.path):
        return True
    query = parts.query
    if not query or ("%" not in query and "http" not in query.lower()):
        return False  # no value in it can start with http:// (not even percent-encoded)
    return any(value.lower().startswith(("http://", "https://")) for _, value in parse_qsl(query))


def challenge(reply: Reply) -> str | None:
    """The name of the bot wall that answered instead of the page, if any."""
    headers = reply.headers
    status = reply.status
    body = reply.body[:SNIFF_BYTES].lower()
    server = headers.get("server", "").lower()
    if headers.get("cf-mitigated", "").lower() == "challenge":
        return "Cloudflare"
    if "x-amzn-waf-action" in headers:
        return "AWS WAF"
    if status not in (202, 403, 429, 503) and status < 400:
        return None
    if "cloudflare" in server and (
        b"just a moment" in body or b"cf-chl" in body or b"challenge-platform" in body or b"attention required" in body
    ):
        return "Cloudflare"
    if "x-datadome" in headers or "datadome" in server:
        return "DataDome"
    if b"_incapsula_resource" in body or "x-iinfo" in headers:
        return "Imperva"
    if b"px-captcha" in body or b"perimeterx" in body:
        return "HUMAN"
    if "x-sucuri-id" in headers and status == 403:
        return "Sucuri"
    if "akamaighost" in server and status == 403:
        return "Akamai"
    if b"api-services-support@amazon.com" in body or b"type the characters you see" in body:
        return "Amazon"
    if b"captcha" in body and status in (403, 429, 503):
        return "a CAPTCHA"
    return None
