"""Helpers the LNK rules share: URL filters, hosts, sites, templated prefixes."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from oopslint import ConfigError, Severity, http

MASK_CHAR = "\ufffc"

#: Options every LNK rule takes, so a URL excluded is excluded everywhere.
FILTER_OPTIONS: dict[str, Any] = {"exclude": [], "include": []}
FILTER_DOCS = {
    "exclude": "regular expressions; URLs matching any are not checked by LNK rules",
    "include": "regular expressions; URLs matching any are checked even when an exclude matches",
}


@dataclass(frozen=True)
class Ref:
    """One URL in the email: a link or an image, with its place."""

    item: Any  # oopslint.email.Link or Image
    kind: str  # "link" or "image"

    @property
    def url(self) -> str:
        return self.item.url

    @property
    def span(self) -> Any:
        return self.item.span

    @property
    def templated(self) -> bool:
        return bool(self.item.tokens)


_PLACEHOLDER_HREF = re.compile(r"^(?:[#!]*|(?:javascript|vbscript|data):.*|(?:https?:/*|//))$", re.I | re.S)
_NO_BLANKS = re.compile(r"[\s\x00-\x1f]+")


def placeholder_href(ref: Ref) -> bool:
    """A link whose href goes nowhere (empty, ``#``, a script or ``data:`` URL,
    or ``https://`` with nothing after it): TPL005 (dead-href) reports it, so
    the link rules leave it alone (one problem, one finding). Images are ours."""
    return ref.kind == "link" and _PLACEHOLDER_HREF.match(_NO_BLANKS.sub("", ref.url)) is not None


_CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?(?:"([^"]*)"|'([^']*)'|([^"')\s;]+))""", re.I)
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}", re.I)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^"')\s]+))""", re.I)


def _first_group(match: re.Match[str]) -> str:
    return next(g for g in match.groups() if g is not None).strip()


def _css_non_images(email: Any) -> frozenset[str]:
    """URLs in <style> that are stylesheets (@import) or fonts (@font-face), not images."""
    return email.memo("oopslint.rules.links.css_non_images", _find_css_non_images)  # type: ignore[no-any-return]


def _find_css_non_images(email: Any) -> frozenset[str]:
    urls: set[str] = set()
    for css, _offset in getattr(email, "stylesheets", ()):
        urls.update(_first_group(m) for m in _CSS_IMPORT.finditer(css))
        for block in _FONT_FACE.finditer(css):
            urls.update(_first_group(m) for m in _CSS_URL.finditer(block.group()))
    return frozenset(urls)


def refs(email: Any, *, links: bool = True, images: bool = True) -> Iterator[Ref]:
    """Links, then images (stylesheet imports and web fonts in <style> are not images)."""
    if links:
        for link in email.links:
            yield Ref(link, "link")
    if images:
        skip = _css_non_images(email)
        for image in email.images:
            if image.kind == "css" and image.url in skip:
                continue
            yield Ref(image, "image")


def _compile(patterns: Any, key: str) -> tuple[re.Pattern[str], ...]:
    if not isinstance(patterns, (list, tuple)) or not all(isinstance(p, str) for p in patterns):
        raise ConfigError(f"[links] {key} must be a list of regular expressions")
    return _compile_cached(tuple(patterns), key)


@lru_cache(maxsize=64)
def _compile_cached(patterns: tuple[str, ...], key: str) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise ConfigError(f"[links] {key}: {pattern!r} is not a valid regular expression ({exc})") from None
    return tuple(compiled)


def url_filter(options: Mapping[str, Any]) -> Callable[[str], bool]:
    """``wanted(url)``: False for URLs the user excluded (include wins)."""
    exclude = _compile(options.get("exclude", []), "exclude")
    include = _compile(options.get("include", []), "include")
    if not exclude:
        return lambda url: True

    def wanted(url: str) -> bool:
        if any(p.search(url) for p in include):
            return True
        return not any(p.search(url) for p in exclude)

    return wanted


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


def scheme_of(url: str) -> str:
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else ""


_DOUBLED_SCHEME = re.compile(r"(?i)^(?:https?:/*)+(?=https?:)")


def host_of(url: str) -> str | None:
    """The host of ``url``; None when it has none (nor has "http://https://x", whose
    "host" is a scheme: LNK007's)."""
    url = url.strip()
    if _DOUBLED_SCHEME.match(url):
        return None
    try:
        return urlsplit(url).hostname or None
    except ValueError:
        return None


def is_web(url: str) -> bool:
    return scheme_of(url) in ("http", "https")


# ------------------------------------------------------------------ sites

#: Suffixes under which each name is its own site (a small public-suffix list:
#: the multi-label ones that matter for "is this the same site").
MULTI_LABEL_SUFFIXES = frozenset(
    """co.uk org.uk ac.uk gov.uk me.uk ltd.uk plc.uk net.uk sch.uk nhs.uk com.au net.au org.au edu.au gov.au
    co.nz org.nz net.nz govt.nz co.jp ne.jp or.jp ac.jp go.jp co.kr or.kr go.kr com.br net.br org.br gov.br
    com.mx org.mx gob.mx com.ar gob.ar com.cn net.cn org.cn gov.cn com.hk org.hk com.sg edu.sg gov.sg com.tw
    org.tw co.in net.in org.in gov.in ac.in co.za org.za gov.za com.tr org.tr gov.tr co.il org.il com.my
    com.ph com.vn co.id or.id com.sa com.eg com.ng co.th in.th ac.th com.pk com.ua co.ke com.co com.pe
    com.pl net.pl org.pl co.at or.at com.es nom.es co.ve com.uy
    github.io gitlab.io herokuapp.com netlify.app vercel.app pages.dev workers.dev web.app firebaseapp.com
    azurewebsites.net cloudfront.net s3.amazonaws.com blogspot.com wordpress.com myshopify.com
    onrender.com fly.dev appspot.com""".split()
)


# what an IP address is written with (an IPv6 zone, after "%", may hold anything)
_NOT_IP = re.compile(r"[^0-9A-Fa-f.:]")


def is_ip(host: str) -> bool:
    host = host.strip("[]")
    if "%" not in host and _NOT_IP.search(host) is not None:
        return False  # the common case, a name: no exception raised and caught
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def site_of(host: str) -> str:
    """The registrable domain: ``mail.shop.co.uk`` -> ``shop.co.uk``."""
    host = host.lower().rstrip(".")
    if is_ip(host):
        return host
    labels = host.split(".")
    for size in (3, 2):
        if len(labels) > size and ".".join(labels[-size:]) in MULTI_LABEL_SUFFIXES:
            return ".".join(labels[-size - 1 :])
    return ".".join(labels[-2:])


def same_site(a: str, b: str) -> bool:
    return site_of(a) == site_of(b)


# ------------------------------------------------------------------ non-production hosts

RESERVED_EXAMPLE = ("example.com", "example.net", "example.org")
PLACEHOLDER_TLDS = ("example", "invalid")
INTERNAL_TLDS = ("local", "localhost", "internal", "test", "lan", "intranet", "corp", "home.arpa", "localdomain")
TUNNEL_SUFFIXES = (
    "ngrok.io",
    "ngrok-free.app",
    "ngrok.app",
    "ngrok-free.dev",
    "ngrok.dev",
    "trycloudflare.com",
    "loca.lt",
    "localtunnel.me",
    "serveo.net",
    "serveousercontent.com",
    "localhost.run",
    "lhr.life",
    "pagekite.me",
    "devtunnels.ms",
    "tunnelmole.net",
    "localto.net",
    "pinggy.link",
    "pinggy.io",
    "app.github.dev",
    "gitpod.io",
    "ngrok.pizza",
    "expo.dev.tunnel",
    "telebit.io",
    "localxpose.io",
    "loclx.io",
)
STRONG_STAGE_LABELS = frozenset(("staging", "stage", "stg", "preprod", "pre-prod", "preproduction", "uat", "sandbox"))
WEAK_STAGE_LABELS = frozenset(("dev", "develop", "development", "test", "testing", "qa", "local"))


@dataclass(frozen=True)
class HostVerdict:
    category: str  # "local", "private", "internal", "tunnel", "staging", "development", "placeholder"
    description: str
    strong: bool


def _ends_with(host: str, suffix: str) -> bool:
    return host == suffix or host.endswith("." + suffix)


def _stage_label(label: str, names: frozenset[str], *, hyphenated: bool) -> bool:
    if label in names:
        return True
    parts = re.split(r"[-_]", label)
    return hyphenated and len(parts) > 1 and (parts[0] in names or parts[-1] in names)


@lru_cache(maxsize=1024)
def classify_host(host: str) -> HostVerdict | None:
    """Why ``host`` is not a production host, or None when it looks like one
    (it depends on the host alone: the verdicts of the hosts a sender's emails
    repeat are kept)."""
    host = host.lower().rstrip(".").strip("[]")
    if not host:
        return None
    numeric = None if is_ip(host) else http.browser_ipv4(host)  # 2130706433, 0x7f.1: 127.0.0.1 to a browser
    if numeric is not None or is_ip(host):
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = numeric or ipaddress.ip_address(host)
        if numeric is not None:
            host = f"{host} ({numeric})"
        embedded = http.embedded_ipv4(ip)
        if embedded is not None:  # ::ffff:a.b.c.d, 64:ff9b::a.b.c.d (NAT64), 2002::/16 (6to4), ...
            ip, form = embedded
            if form != "IPv4-mapped":
                host = f"{host} ({ip} in {form} form)"
        elif ip.is_global and not ip.is_multicast and not http.is_public_address(str(ip)):
            return HostVerdict("private", f"{host} is not a public internet address", True)
        if ip.is_loopback or ip.is_unspecified:
            return HostVerdict("local", f"{host} is this computer (loopback)", True)
        if ip.is_link_local:
            return HostVerdict("private", f"{host} is a link-local address", True)
        if ip.is_private or not ip.is_global:
            return HostVerdict("private", f"{host} is a private network address", True)
        return None
    if host == "localhost" or _ends_with(host, "localhost"):
        return HostVerdict("local", f"{host} is this computer (localhost)", True)
    if "." not in host:
        return HostVerdict("internal", f"{host} is a bare host name that only resolves inside a local network", True)
    if any(_ends_with(host, name) for name in RESERVED_EXAMPLE) or any(
        _ends_with(host, tld) for tld in PLACEHOLDER_TLDS
    ):
        return HostVerdict(
            "placeholder", f"{host} is a reserved example domain, a placeholder rather than a real site", False
        )
    for tld in INTERNAL_TLDS:
        if _ends_with(host, tld):
            return HostVerdict("internal", f"{host} is an internal name (.{tld}) that recipients cannot reach", True)
    for suffix in TUNNEL_SUFFIXES:
        if _ends_with(host, suffix):
            return HostVerdict(
                "tunnel", f"{host} is a development tunnel ({suffix}) that stops working when closed", True
            )
    site = site_of(host)
    sub_labels = host[: -len(site)].rstrip(".").split(".") if host != site else []
    for label in sub_labels:
        if _stage_label(label, STRONG_STAGE_LABELS, hyphenated=True):
            return HostVerdict("staging", f"{host} looks like a staging host ({label}.)", True)
    for label in sub_labels:
        if _stage_label(label, WEAK_STAGE_LABELS, hyphenated=False):
            return HostVerdict("development", f"{host} looks like a development or test host ({label}.)", False)
    return None


#: LNK005 and LNK006 share it: an allowed host is production, so plain http:// to it is LNK005's.
ALLOWED_HOSTS_OPTION: dict[str, Any] = {"allowed_hosts": []}
ALLOWED_HOSTS_DOCS = {"allowed_hosts": 'hosts that are production despite their name ("dev.acme.com", "*.acme.test")'}


def host_allowed(host: str, patterns: Any) -> bool:
    """``allowed_hosts`` entries: exact names or ``*.suffix``."""
    host = host.lower().rstrip(".")
    for pattern in patterns or ():
        pattern = str(pattern).lower().rstrip(".")
        if pattern == host or (pattern.startswith("*.") and _ends_with(host, pattern[2:])):
            return True
    return False


# ------------------------------------------------------------------ templated URLs


def literal_origin(url: str, tokens: Any) -> str | None:
    """For ``https://shop.example/{{path}}``, the origin ``https://shop.example/``
    whose host is written out in full; None when a merge tag is in the host."""
    if not tokens:
        return None
    first = min(token.start for token in tokens)
    literal = url if any(url[t.start : t.end] == t.text for t in tokens) else unquote(url)
    prefix = literal[:first]
    match = re.match(r"(?i)^(https?)://([A-Za-z0-9.\-]+(?::\d{1,5})?)[/?#]", prefix.strip())
    if not match:
        return None
    host = match.group(2).split(":")[0]
    if "." not in host.strip(".") and host.lower() != "localhost" and not is_ip(host):
        return None
    return f"{match.group(1).lower()}://{match.group(2)}/"


def literal_prefix(url: str, tokens: Any) -> str:
    """The part of a templated URL before its first merge tag."""
    if not tokens:
        return url
    first = min(token.start for token in tokens)
    literal = url if any(url[t.start : t.end] == t.text for t in tokens) else unquote(url)
    return literal[:first]


KNOWN_SCHEMES = frozenset(
    "http https mailto tel sms cid data ftp ftps sftp webcal geo maps facetime facetime-audio skype callto "
    "whatsapp viber tg sip sips irc ircs news nntp market itms itms-apps itms-appss intent fb twitter spotify "
    "zoommtg msteams slack ms-outlook".split()
)


def mode_severity(context: Any) -> Severity:
    """Incomplete values are a warning in a template, an error in mail about to be sent."""
    return Severity.WARNING if getattr(context, "mode", "rendered") == "template" else Severity.ERROR


COMMON_TLDS = frozenset(
    "com net org edu gov mil int io co ai app dev shop store online site info biz me us uk de fr nl es it ca au "
    "nz eu ch at be se no dk fi ie pl cz jp cn in br mx ru tv fm ly gg xyz tech cloud email news blog page "
    "world global agency design studio media link live club pro mobi asia".split()
)

_DOMAIN_LIKE = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,24})(?::\d+)?(?:[/?#]|$)", re.I)

_LABEL = re.compile(r"^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)$", re.I)


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


# an http(s) URL of printable ASCII (no space, backslash or user name) whose host urlsplit
# would take as written: most links, checked without urlsplit's slower general parse
_PLAIN_HTTP_URL = re.compile(r"(?i:https?)://([A-Za-z0-9._-]+)(?::([0-9]{1,5}))?(?:[/?#][!-~]*)?\Z")


_WINDOWS_PATH = re.compile(r"[A-Za-z]:[\\/]")


@lru_cache(maxsize=1024)
def host_problem(host: str) -> str | None:
    if is_ip(host):
        return None
    try:
        ascii_host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return f"the host {host!r} is not a valid domain name"
    labels = ascii_host.rstrip(".").split(".")
    if any(not label for label in labels):
        return f"the host {host!r} has an empty part (two dots in a row)"
    for label in labels:
        if len(label) > 63 or not _LABEL.match(label):
            return f"the host {host!r} has characters a domain name cannot have"
    tld = labels[-1]
    if len(labels) > 1 and not (tld.isalpha() or tld.lower().startswith("xn--")):
        return f"the host {host!r} does not end in a top-level domain"
    return None


def url_problem(url: str, *, kind: str, has_base: bool) -> tuple[str, str | None, str] | None:
    """(message, suggestion, level) for a malformed URL; level is "error",
    "warning" or "mode" (warning in a template, error when rendered)."""
    noun = "image source" if kind == "image" else "link"
    if not url:
        return (f"Empty {noun}: the {'src' if kind == 'image' else 'href'} has no address", None, "mode")
    if url.startswith("#"):
        return None
    if _WINDOWS_PATH.match(url) or url.startswith("\\\\"):
        return (f"Malformed {noun}: {url} is a path on the sender's computer", None, "error")
    scheme = scheme_of(url)
    if not scheme:
        if url.startswith("//"):
            return (
                f"Protocol-relative {noun} {url}: an email has no page to take http or https from",
                "https:" + url,
                "error",
            )
        typo = re.match(r"(?i)^(https?)/{1,3}(?=[^/])", url)
        if typo:
            return (
                f"Malformed {noun}: {url} is missing the ':' after {typo.group(1)}",
                f"{typo.group(1).lower()}://{url[typo.end() :]}",
                "error",
            )
        domain = _DOMAIN_LIKE.match(url)
        if url.lower().startswith("www.") or (domain and domain.group(1).lower() in COMMON_TLDS):
            return (
                f"Malformed {noun}: {url} has no https://, so it is read as a relative path",
                "https://" + url,
                "error",
            )
        if has_base:
            return None
        return (
            f"Relative {noun} {url}: an email has no address to resolve it against; use an absolute https:// URL",
            None,
            "error",
        )
    after = url[len(scheme) + 1 :]
    if scheme in ("http", "https"):
        doubled = _DOUBLED_SCHEME.match(url)
        if doubled:
            return (f"Malformed {noun}: {url} has its scheme twice", url[doubled.end() :], "error")
        if not after.startswith("//"):
            return (f"Malformed {noun}: {url} needs // after {scheme}:", f"{scheme}://{after.lstrip('/')}", "error")
        if after.startswith("///"):
            return (
                f"Malformed {noun}: {url} has too many slashes after {scheme}:",
                f"{scheme}://{after.lstrip('/')}",
                "error",
            )
        if "\\" in url:
            return (f"Malformed {noun}: {url} contains a backslash; URLs use /", url.replace("\\", "/"), "error")
        plain = _PLAIN_HTTP_URL.match(url)
        if plain is not None and (plain.group(2) is None or int(plain.group(2)) <= 65535):
            # what urlsplit would find, read straight off: a plain host, a port that fits, no spaces
            problem = host_problem(plain.group(1).lower())
            return (f"Malformed {noun}: {problem} ({url})", None, "error") if problem else None
        try:
            parts = urlsplit(url)
            host = parts.hostname
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError as exc:
            return (f"Malformed {noun}: {url} cannot be parsed ({exc})", None, "error")
        if not host:
            return (f"Malformed {noun}: {url} has no host", None, "error")
        problem = host_problem(host)
        if problem:
            return (f"Malformed {noun}: {problem} ({url})", None, "error")
        if re.search(r"\s", url):
            return (
                f"Malformed {noun}: {url!r} contains whitespace; some email clients cut the link there",
                re.sub(r"\s", "%20", url),
                "warning",
            )
        return None
    if scheme in KNOWN_SCHEMES:
        return None
    if scheme == "javascript":
        return (f"javascript: {noun}: email clients remove scripts, so this {noun} does nothing", None, "error")
    if scheme == "file":
        return (f"Malformed {noun}: {url} is a file on the sender's computer", None, "error")
    if after.startswith("//") and min(_edit_distance(scheme, "http"), _edit_distance(scheme, "https")) <= 2:
        fixed = "https" if _edit_distance(scheme, "https") <= _edit_distance(scheme, "http") else "http"
        return (
            f"Malformed {noun}: unknown scheme {scheme}: in {url}; did you mean {fixed}://?",
            f"{fixed}:{after}",
            "error",
        )
    return None


def mailto_addresses(url: str) -> tuple[list[str], list[tuple[str, str]]]:
    rest = url[len("mailto:") :]
    path, _, query = rest.partition("?")
    addresses = [unquote(a).strip() for a in path.split(",") if unquote(a).strip()]
    fields = parse_qsl(query, keep_blank_values=True)
    return addresses, fields
