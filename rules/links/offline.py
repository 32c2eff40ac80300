"""LNK rules that read the email only: no request is made, so they run with --offline."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from oopslint import Finding, Severity, rule
from oopslint.http import is_click_tracking

from ._common import (
    FILTER_DOCS,
    FILTER_OPTIONS,
    MASK_CHAR,
    classify_host,
    host_allowed,
    host_of,
    is_ip,
    literal_origin,
    literal_prefix,
    refs,
    same_site,
    scheme_of,
    url_filter,
)

KNOWN_SCHEMES = frozenset(
    "http https mailto tel sms cid data ftp ftps sftp webcal geo maps facetime facetime-audio skype callto "
    "whatsapp viber tg sip sips irc ircs news nntp market itms itms-apps itms-appss intent fb twitter spotify "
    "zoommtg msteams slack ms-outlook".split()
)


def _mode_severity(context: Any) -> Severity:
    """Incomplete values are a warning in a template, an error in mail about to be sent."""
    return Severity.WARNING if getattr(context, "mode", "rendered") == "template" else Severity.ERROR


def _noun(kind: str) -> str:
    return "Image" if kind == "image" else "Link"


# ------------------------------------------------------------------ LNK005


@rule(code="LNK005", name="insecure-link", summary="Link uses http:// instead of https://",
      severity="warning", section="links", options=dict(FILTER_OPTIONS), option_docs=FILTER_DOCS)
def insecure_link(email, context, options):
    """What it does
    Reports links whose address starts with `http://`.

    Why is this bad?
    Browsers mark plain-http pages "Not secure", anyone on the reader's network
    can read or change what they send and receive, and spam filters count
    unencrypted links against a message. Almost every site serves https today.
    Links to non-production hosts are left to LNK006.

    Example
        <a href="http://shop.example.com/sale">Shop the sale</a>

    Use instead
        <a href="https://shop.example.com/sale">Shop the sale</a>
    """
    wanted = url_filter(options)
    for ref in refs(email, images=False):
        url = literal_prefix(ref.url, ref.item.tokens) if ref.templated else ref.url
        if not url.lower().startswith("http://") or not wanted(ref.url):
            continue
        host = host_of(url) if not ref.templated else host_of(literal_origin(ref.url, ref.item.tokens) or "")
        if host and classify_host(host) is not None:
            continue
        yield Finding(
            f"Insecure link: {ref.url} uses http://; use https://",
            span=ref.span,
            suggestion="https://" + ref.url[len("http://"):],
            data={"url": ref.url},
        )


# ------------------------------------------------------------------ LNK006


@rule(code="LNK006", name="non-production-link", summary="Link or image points at a non-production host",
      severity="error", section="links",
      options={**FILTER_OPTIONS, "allowed_hosts": []},
      option_docs={**FILTER_DOCS, "allowed_hosts": 'hosts that are production despite their name ("dev.acme.com", "*.acme.test")'})
def non_production_link(email, context, options):
    """What it does
    Reports links and images whose host recipients cannot reach, or should not
    be sent to: `localhost` and loopback addresses, private and link-local
    addresses, internal names (`.local`, `.internal`, `.test`, a bare name),
    tunnels (ngrok, Cloudflare quick tunnels, localtunnel), staging hosts
    (`staging.`, `stage.`, `uat.`, `preprod.`), and reserved example domains
    (`example.com`, `.example`). Development-looking hosts (`dev.`, `test.`,
    `qa.`) and example domains in a template are warnings; the rest are errors.
    Hosts listed in `allowed_hosts` are never reported.

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
            severity = _mode_severity(context)
            message = f"{_noun(ref.kind)} points at a placeholder: {verdict.description}"
        else:
            severity = Severity.ERROR if verdict.strong else Severity.WARNING
            message = f"{_noun(ref.kind)} points at a non-production host: {verdict.description}"
        yield Finding(message, span=ref.span, severity=severity,
                      data={"url": ref.url, "host": host, "category": verdict.category})


# ------------------------------------------------------------------ LNK007

_COMMON_TLDS = frozenset(
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


def _host_problem(host: str) -> str | None:
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
    if re.match(r"^[A-Za-z]:[\\/]", url) or url.startswith("\\\\"):
        return (f"Malformed {noun}: {url} is a path on the sender's computer", None, "error")
    scheme = scheme_of(url)
    if not scheme:
        if url.startswith("//"):
            return (f"Protocol-relative {noun} {url}: an email has no page to take http or https from",
                    "https:" + url, "error")
        typo = re.match(r"(?i)^(https?)/{1,3}(?=[^/])", url)
        if typo:
            return (f"Malformed {noun}: {url} is missing the ':' after {typo.group(1)}",
                    f"{typo.group(1).lower()}://{url[typo.end():]}", "error")
        if url.lower().startswith("www.") or (_DOMAIN_LIKE.match(url) and _DOMAIN_LIKE.match(url).group(1).lower() in _COMMON_TLDS):
            return (f"Malformed {noun}: {url} has no https://, so it is read as a relative path",
                    "https://" + url, "error")
        if has_base:
            return None
        return (f"Relative {noun} {url}: an email has no address to resolve it against; use an absolute https:// URL",
                None, "error")
    after = url[len(scheme) + 1:]
    if scheme in ("http", "https"):
        if not after.startswith("//"):
            return (f"Malformed {noun}: {url} needs // after {scheme}:", f"{scheme}://{after.lstrip('/')}", "error")
        if after.startswith("///"):
            return (f"Malformed {noun}: {url} has too many slashes after {scheme}:",
                    f"{scheme}://{after.lstrip('/')}", "error")
        if "\\" in url:
            return (f"Malformed {noun}: {url} contains a backslash; URLs use /", url.replace("\\", "/"), "error")
        try:
            parts = urlsplit(url)
            host = parts.hostname
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError as exc:
            return (f"Malformed {noun}: {url} cannot be parsed ({exc})", None, "error")
        if not host:
            return (f"Malformed {noun}: {url} has no host", None, "error")
        problem = _host_problem(host)
        if problem:
            return (f"Malformed {noun}: {problem} ({url})", None, "error")
        if re.search(r"\s", url):
            return (f"Malformed {noun}: {url!r} contains whitespace; some email clients cut the link there",
                    re.sub(r"\s", "%20", url), "warning")
        return None
    if scheme in KNOWN_SCHEMES:
        return None
    if scheme == "javascript":
        return (f"javascript: {noun}: email clients remove scripts, so this {noun} does nothing", None, "error")
    if scheme == "file":
        return (f"Malformed {noun}: {url} is a file on the sender's computer", None, "error")
    if after.startswith("//") and min(_edit_distance(scheme, "http"), _edit_distance(scheme, "https")) <= 2:
        fixed = "https" if _edit_distance(scheme, "https") <= _edit_distance(scheme, "http") else "http"
        return (f"Malformed {noun}: unknown scheme {scheme}: in {url}; did you mean {fixed}://?",
                f"{fixed}:{after}", "error")
    return None


@rule(code="LNK007", name="malformed-url", summary="Link or image address is malformed or relative",
      severity="error", section="links", options=dict(FILTER_OPTIONS), option_docs=FILTER_DOCS)
def malformed_url(email, context, options):
    """What it does
    Reports link and image addresses that cannot work in an email: empty ones,
    relative paths (`/account`, `logo.png`) without a `<base href>`, addresses
    with no scheme (`www.shop.com`), protocol-relative ones (`//cdn...`),
    scheme typos (`htps://`, `http//`, `http:/`), invalid hosts and ports,
    `javascript:` and `file:` links, and whitespace inside an address. Empty
    addresses are a warning in template mode. Merge-tagged addresses are not
    judged here.

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
        if ref.templated or not wanted(ref.url):
            continue
        if ref.kind == "image" and ref.url.lower().startswith(("data:", "cid:")):
            continue
        problem = url_problem(ref.url, kind=ref.kind, has_base=has_base)
        if problem is None:
            continue
        message, suggestion, level = problem
        severity = _mode_severity(context) if level == "mode" else Severity.parse(level)
        yield Finding(message, span=ref.span, suggestion=suggestion, severity=severity, data={"url": ref.url})


# ------------------------------------------------------------------ LNK008

_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-.\u0080-\uffff]+$")


def address_problem(address: str) -> tuple[str, str | None] | None:
    """Why ``address`` is not a usable e-mail address, and a fix if obvious."""
    if ";" in address:
        return ("separates addresses with ';' where mailto: uses ','", address.replace(";", ","))
    if "<" in address or ">" in address:
        inner = re.search(r"<([^<>]+)>", address)
        return ("has a display name; a mailto: link takes only the address", inner.group(1) if inner else None)
    quoted = re.match(r'^"(?:[^"\\]|\\.)*"@', address)
    if re.search(r"\s", address[quoted.end() if quoted else 0:]):
        return ("contains a space", re.sub(r"\s+", "", address))
    if "@" not in address:
        return ("has no @", None)
    if address.count("@") > 1 and not address.startswith('"'):
        return ("has more than one @", None)
    local, domain = address.rsplit("@", 1)
    if not local:
        return ("has nothing before the @", None)
    if not domain:
        return ("has nothing after the @", None)
    if not (local.startswith('"') and local.endswith('"')):
        if not _LOCAL_PART.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
            return ("has characters an address cannot have before the @", None)
    if domain.startswith("[") and domain.endswith("]"):
        return None if is_ip(domain[1:-1].removeprefix("IPv6:")) else ("has an invalid address literal", None)
    if "." not in domain.strip("."):
        return (f"has no top-level domain after the @ ({domain})", None)
    problem = _host_problem(domain)
    if problem:
        return (f"has an invalid domain ({domain})", None)
    return None


def mailto_addresses(url: str) -> tuple[list[str], list[tuple[str, str]]]:
    rest = url[len("mailto:"):]
    path, _, query = rest.partition("?")
    addresses = [unquote(a).strip() for a in path.split(",") if unquote(a).strip()]
    fields = parse_qsl(query, keep_blank_values=True)
    return addresses, fields


@rule(code="LNK008", name="malformed-mailto", summary="mailto: link has a missing or malformed address",
      severity="error", section="links", options=dict(FILTER_OPTIONS), option_docs=FILTER_DOCS)
def malformed_mailto(email, context, options):
    """What it does
    Reports `mailto:` links with no address, or with an address that is not
    one: no `@`, two `@`, spaces, a display name, `;` between addresses, a
    domain with no top-level domain. The `to`, `cc` and `bcc` fields are read
    too. A `mailto:` with no address is a warning in template mode.

    Why is this bad?
    The reader clicks "email us" and gets an empty draft, or a draft their
    mail program cannot send.

    Example
        <a href="mailto:">support@acme.com</a>
        <a href="mailto:support@acme">Email us</a>

    Use instead
        <a href="mailto:support@acme.com">support@acme.com</a>
    """
    wanted = url_filter(options)
    for ref in refs(email, images=False):
        url = ref.url
        if ref.templated or not url.lower().startswith("mailto:") or not wanted(url):
            continue
        if url[len("mailto:"):].startswith("//"):
            yield Finding(f"Malformed mailto: link: {url} has '//' after mailto:", span=ref.span,
                          suggestion="mailto:" + url[len("mailto:"):].lstrip("/"), data={"url": url})
            continue
        addresses, fields = mailto_addresses(url)
        extra = [unquote(value).strip() for key, value in fields if key.lower() in ("to", "cc", "bcc")]
        everyone = addresses + [a.strip() for value in extra for a in value.split(",") if a.strip()]
        if not addresses and not any(key.lower() == "to" and value.strip() for key, value in fields):
            text = (ref.item.text or "").strip()
            shown = f' (the text says "{text}")' if "@" in text else ""
            suggestion = f"mailto:{text}" if _TEXT_ADDRESS.match(text) else None
            yield Finding(f"mailto: link has no address, so it opens an empty draft{shown}", span=ref.span,
                          severity=_mode_severity(context), suggestion=suggestion, data={"url": url})
            continue
        for address in everyone:
            problem = address_problem(address)
            if problem:
                yield Finding(f"Malformed mailto: address {address!r}: {problem[0]}", span=ref.span,
                              suggestion=("mailto:" + problem[1]) if problem[1] else None,
                              data={"url": url, "address": address})


# ------------------------------------------------------------------ LNK009

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


@rule(code="LNK009", name="malformed-tel", summary="tel: or sms: link has a malformed phone number",
      severity="error", section="links", options=dict(FILTER_OPTIONS), option_docs=FILTER_DOCS)
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
        rest = unquote(url[len(scheme) + 1:])
        if rest.startswith("//"):
            yield Finding(f"Malformed {scheme}: link: {url} has '//' after {scheme}:", span=ref.span,
                          suggestion=f"{scheme}:{rest.lstrip('/')}", data={"url": url})
            continue
        numbers = rest.split("?", 1)[0] if scheme == "sms" else rest
        candidates = numbers.split(",") if scheme == "sms" else [numbers.split(";", 1)[0]]
        if scheme == "sms" and not numbers.strip():
            continue  # sms:?body=... lets the reader pick the recipient
        for number in candidates:
            problem = phone_problem(number)
            if problem:
                yield Finding(f"Malformed {scheme}: number {number.strip()!r}: {problem}", span=ref.span,
                              data={"url": url, "number": number.strip()})


# ------------------------------------------------------------------ LNK010

_URL_TEXT = re.compile(
    r"^(?:(?P<scheme>https?)://)?(?P<host>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?P<tld>[a-z]{2,24}|xn--[a-z0-9-]+))(?::\d{1,5})?(?P<rest>[/?#]\S*)?$",
    re.I,
)
_EMAIL_TEXT = re.compile(r"^(?:mailto:)?([^\s@<>]+@[^\s@<>]+\.[a-z]{2,24})$", re.I)


def text_host(text: str) -> str | None:
    """The host a link text shows, when the whole text is a URL or domain."""
    text = text.strip().strip("<>\"'\u201c\u201d\u2018\u2019").rstrip(".,;:!?)]")
    if not text or MASK_CHAR in text or " " in text:
        return None
    match = _URL_TEXT.match(text)
    if not match:
        return None
    host = match.group("host").lower()
    if not match.group("scheme") and not host.startswith("www.") and not match.group("rest"):
        if match.group("tld").lower() not in _COMMON_TLDS:
            return None  # "setup.py", "index.html": names, not domains
    return host


@rule(code="LNK010", name="link-text-mismatch", summary="Link text shows a different address than the link",
      severity="warning", section="links", options=dict(FILTER_OPTIONS), option_docs=FILTER_DOCS)
def link_text_mismatch(email, context, options):
    """What it does
    Reports links whose visible text is a URL or a domain (`www.acme.com`,
    `https://acme.com/login`) on a different site from where the link goes,
    and `mailto:` links whose text is an address other than the one written
    to. Subdomains of the same site and known click-tracking wrappers are not
    reported.

    Why is this bad?
    "Text says one site, link goes to another" is the classic phishing
    pattern: spam filters score it, security-trained readers refuse to click,
    and it is usually a copy-paste mistake anyway.

    Example
        <a href="https://acme-deals.net/x">www.acme.com</a>

    Use instead
        <a href="https://www.acme.com/deals">www.acme.com</a>
    """
    wanted = url_filter(options)
    for link in email.links:
        if link.kind != "a" or link.templated or not wanted(link.url):
            continue
        text = " ".join((link.text or "").split())
        if not text:
            continue
        scheme = scheme_of(link.url)
        if scheme == "mailto":
            shown = _EMAIL_TEXT.match(text.strip().rstrip(".,;:!?)"))
            if not shown:
                continue
            addresses, fields = mailto_addresses(link.url)
            addresses += [unquote(v).strip() for k, v in fields if k.lower() == "to" and v.strip()]
            if not addresses or shown.group(1).lower() in {a.lower() for a in addresses}:
                continue
            yield Finding(f"Link text shows {shown.group(1)} but the mailto: link writes to {', '.join(addresses)}",
                          span=link.span, suggestion=f"mailto:{shown.group(1)}",
                          data={"url": link.url, "text": text})
            continue
        if scheme not in ("http", "https"):
            continue
        shown_host = text_host(text)
        target_host = host_of(link.url)
        if not shown_host or not target_host or same_site(shown_host, target_host):
            continue
        if is_click_tracking(link.url):
            continue
        yield Finding(f"Link text shows {shown_host} but the link goes to {target_host}", span=link.span,
                      data={"url": link.url, "text": text, "text_host": shown_host, "host": target_host})


_TEXT_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


# ------------------------------------------------------------------ LNK011

_INCLUDE = re.compile(r"\{\{>|\{%-?\s*(?:include|render|extends|section)\b|\{\{\s*(?:include|partial)\b", re.I)


@rule(code="LNK011", name="missing-fragment-target", summary="#fragment link points at no id in the email",
      severity="warning", section="links", options=dict(FILTER_OPTIONS), option_docs=FILTER_DOCS)
def missing_fragment_target(email, context, options):
    """What it does
    Reports in-email links (`href="#details"`) when no element has that `id`
    and no `<a name>` has that name. `#top` is always allowed (browsers jump
    to the top). A target that differs only in capitals is suggested. When the
    target could come from a partial (`{{> footer}}`, `{% include %}`) or a
    templated id, it says so at info: could not be verified.

    Why is this bad?
    The reader clicks "see the details below" and nothing happens. Note that
    some clients (older Gmail apps among them) drop in-email anchors even when
    the target exists, so keep the content reachable by scrolling too.

    Example
        <a href="#order-details">See your order</a> ... <table id="order">

    Use instead
        <a href="#order">See your order</a> ... <table id="order">
    """
    wanted = url_filter(options)
    lowered = {name.lower(): name for name in email.ids}
    unverifiable = None
    for link in email.links:
        url = link.url
        if not url.startswith("#") or len(url) < 2 or link.templated or not wanted(url):
            continue
        name = unquote(url[1:])
        if name in email.ids or url[1:] in email.ids or name.lower() == "top":
            continue
        if unverifiable is None:
            # a templated id, or a partial included in template mode, may hold the target
            unverifiable = any("\ufffc" in i or "{" in i or "%" in i for i in email.ids) or bool(
                context.mode == "template" and _INCLUDE.search(email.html))
        if unverifiable:
            yield Finding(
                f"Link {url} points at no id in this file; the target may come from a partial or a "
                "templated id, so this could not be verified",
                span=link.span, severity=Severity.INFO, data={"url": url, "fragment": name, "verified": False})
            continue
        near = lowered.get(name.lower())
        yield Finding(
            f"Link {url} points at nothing: no element has id=\"{name}\""
            + (f" (there is id=\"{near}\")" if near else ""),
            span=link.span,
            suggestion=f"#{near}" if near else None,
            data={"url": url, "fragment": name},
        )
