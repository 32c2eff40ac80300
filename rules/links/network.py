"""LNK rules that check links and images live, through :mod:`oopslint.http`.

All four share one check per unique URL: the session's client keeps a map of
URL -> check that every rule awaits, so a URL is fetched once per run however
many rules (and emails) ask about it.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from oopslint import ConfigError, Finding, Severity, rule
from oopslint import http

from ._common import FILTER_DOCS, FILTER_OPTIONS, Ref, classify_host, host_of, literal_origin, refs, same_site, url_filter
from .offline import url_problem

NETWORK_OPTIONS: dict[str, Any] = {**FILTER_OPTIONS, "accept": [], "remap": []}
NETWORK_DOCS = {
    **FILTER_DOCS,
    "accept": 'extra status codes that count as working, e.g. [403, 999] or ["200..=299"]',
    "remap": 'rewrite URLs before checking: ["REGEX REPLACEMENT"], e.g. ["^https://acme\\\\.com http://localhost:8000"]',
}

_GENERIC_REASONS = {401: "the page needs a login", 403: "the site refuses automated checks",
                    429: "the site is rate-limiting", 999: "LinkedIn refuses automated checks",
                    406: "the site refuses automated checks", 418: "the site refuses automated checks",
                    451: "the page is blocked for legal reasons in some places"}
_UNVERIFIABLE_STATUSES = frozenset(_GENERIC_REASONS)
_UNVERIFIABLE_ERRORS = frozenset(("budget", "blocked", "dns-unavailable", "config"))
_LOCAL_CATEGORIES = frozenset(("local", "private", "internal"))


@dataclass(frozen=True)
class Target:
    ref: Ref
    url: str         # what is fetched, after remapping
    host_only: bool  # a templated URL: only its host is checked


@dataclass(frozen=True)
class Verdict:
    kind: str  # "ok", "broken", "unverified"
    reason: str


# ------------------------------------------------------------------ options


@lru_cache(maxsize=32)
def _parse_accept(items: tuple[Any, ...]) -> Callable[[int], bool]:
    codes: set[int] = set()
    ranges: list[tuple[int, int]] = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            codes.add(item)
            continue
        text = str(item).strip()
        match = re.fullmatch(r"(\d{3})\s*(?:(?:\.\.=?|-)\s*(\d{3}))?", text)
        if not match:
            raise ConfigError(f'[links] accept: {item!r} is not a status code or a range like "200..=299"')
        low = int(match.group(1))
        high = int(match.group(2) or low)
        ranges.append((low, high))
    return lambda status: status in codes or any(low <= status <= high for low, high in ranges)


@lru_cache(maxsize=32)
def _parse_remap(items: tuple[Any, ...]) -> tuple[tuple[re.Pattern[str], str], ...]:
    out = []
    for item in items:
        parts = str(item).split(None, 1)
        if len(parts) != 2:
            raise ConfigError(f'[links] remap: {item!r} must be "REGEX REPLACEMENT"')
        try:
            out.append((re.compile(parts[0]), parts[1].strip()))
        except re.error as exc:
            raise ConfigError(f"[links] remap: {parts[0]!r} is not a valid regular expression ({exc})") from None
    return tuple(out)


def _remap(url: str, rules: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    for pattern, replacement in rules:
        if pattern.search(url):
            return pattern.sub(replacement, url, count=1)
    return url


def _list_option(options: Any, key: str) -> tuple[Any, ...]:
    value = options.get(key, [])
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"[links] {key} must be a list")
    return tuple(value)


# ------------------------------------------------------------------ targets and verdicts


def targets(email: Any, options: Any, *, links: bool, images: bool) -> list[Target]:
    wanted = url_filter(options)
    remaps = _parse_remap(_list_option(options, "remap"))
    found: list[Target] = []
    for ref in refs(email, links=links, images=images):
        url = ref.url
        if ref.templated:
            origin = literal_origin(url, ref.item.tokens)
            if origin is not None and wanted(origin):
                found.append(Target(ref, _remap(origin, remaps), True))
            continue
        if url.startswith("//"):
            url = "https:" + url
        if not url.lower().startswith(("http://", "https://")) or not wanted(url):
            continue
        problem = url_problem(url, kind=ref.kind, has_base=False)
        if problem is not None and problem[2] != "warning":
            continue  # LNK007 reports it; fetching a malformed address proves nothing more
        found.append(Target(ref, _remap(url, remaps), False))
    return found


async def checked(email: Any, options: Any, *, links: bool, images: bool) -> list[tuple[Target, http.LinkCheck]]:
    chosen = targets(email, options, links=links, images=images)
    if not chosen:
        return []
    shared = http.client()
    results = await asyncio.gather(*(shared.check(target.url) for target in chosen))
    return list(zip(chosen, results))


def _tries(check: http.LinkCheck) -> str:
    return f" after {check.attempts} attempts" if check.attempts > 1 else ""


def _at(check: http.LinkCheck) -> str:
    if check.redirects:
        hops = len(check.redirects)
        return f"at {check.final_url} ({hops} redirect{'s' if hops != 1 else ''} from {check.url})"
    return f"at {check.final_url}"


def judge(check: http.LinkCheck, accept: Callable[[int], bool], *, host_only: bool = False) -> Verdict:
    """Broken, fine, or could not tell: a failure we cannot pin on the link is
    never called broken."""
    if check.error == "invalid-url":
        return Verdict("ok", "")  # LNK007 reports an address that cannot be fetched
    if check.error is not None:
        if check.error in _UNVERIFIABLE_ERRORS:
            return Verdict("unverified", f"{check.detail}")
        extra = _tries(check) if check.error in ("timeout", "reset") else ""
        return Verdict("broken", f"{check.detail}{extra} {_at(check)}")
    if host_only:
        return Verdict("ok", "")
    status = check.status or 0
    if accept(status):
        return Verdict("ok", "")
    if check.challenge:
        return Verdict("unverified", f"a {check.challenge} bot check answered instead of the page "
                                     f"({check.status_text}) {_at(check)}")
    if check.ok:
        return Verdict("ok", "")
    if status in _UNVERIFIABLE_STATUSES:
        why = _GENERIC_REASONS[status]
        return Verdict("unverified", f"{check.status_text}{_tries(check) if status == 429 else ''} {_at(check)}; "
                                     f"{why}, so check it in a browser")
    if 300 <= status < 400:
        return Verdict("broken", f"{check.status_text} without a Location to follow {_at(check)}")
    if status >= 400:
        return Verdict("broken", f"{check.status_text}{_tries(check) if status >= 500 else ''} {_at(check)}")
    return Verdict("unverified", f"unexpected status {check.status_text} {_at(check)}")


def _data(target: Target, check: http.LinkCheck) -> dict[str, Any]:
    data: dict[str, Any] = {"url": target.ref.url, "final_url": check.final_url, "status": check.status,
                            "error": check.error, "attempts": check.attempts}
    if target.url != target.ref.url:
        data["checked_url"] = target.url
    if check.redirects:
        data["redirects"] = list(check.redirects)
    if check.challenge:
        data["challenge"] = check.challenge
    if check.from_cache:
        data["cached"] = True
    return data


def _accept(options: Any) -> Callable[[int], bool]:
    return _parse_accept(_list_option(options, "accept"))


# ------------------------------------------------------------------ rules


@rule(code="LNK001", name="broken-link", summary="Link is broken", severity="error", section="links",
      network=True, options=dict(NETWORK_OPTIONS), option_docs=NETWORK_DOCS)
async def broken_link(email, context, options):
    """What it does
    Checks every http(s) link live and reports the ones that fail: a 4xx or
    5xx status (5xx after retries), a name that does not exist in DNS, a
    refused or reset connection, a TLS error, a timeout after retries, a
    redirect loop or more than `max_redirects` redirects. The message names
    the status or error and the URL it ended at. HEAD is tried first and GET
    when HEAD is refused. Click-tracking redirects are followed and the
    destination is judged. In a template, a link whose host is written out
    (`https://shop.example/{{ path }}`) has its host checked; a link that is
    all merge tag is skipped.

    Answers that say nothing about the link (401, 403, 429, LinkedIn's 999,
    bot-check pages, the time budget running out) are never reported here:
    see LNK003. Status codes in `accept` count as working.

    Why is this bad?
    A broken link in a sent email cannot be fixed: every reader who clicks
    it lands on an error page, and support hears about it.

    Example
        <a href="https://acme.com/sale-2019">Shop the sale</a>   <!-- 404 -->

    Use instead
        <a href="https://acme.com/sale">Shop the sale</a>
    """
    accept = _accept(options)
    findings = []
    for target, check in await checked(email, options, links=True, images=False):
        verdict = judge(check, accept, host_only=target.host_only)
        if verdict.kind != "broken":
            continue
        if target.host_only:
            message = f"Unreachable host in templated link {target.ref.url}: {check.detail}"
        else:
            message = f"Broken link: {verdict.reason}"
        findings.append(Finding(message, span=target.ref.span, data=_data(target, check)))
    return findings


@rule(code="LNK002", name="broken-image", summary="Image is broken", severity="error", section="links",
      network=True, options=dict(NETWORK_OPTIONS), option_docs=NETWORK_DOCS)
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
    accept = _accept(options)
    findings = []
    for target, check in await checked(email, options, links=False, images=True):
        verdict = judge(check, accept, host_only=target.host_only)
        if verdict.kind != "broken":
            continue
        if target.host_only:
            message = f"Unreachable host in templated image {target.ref.url}: {check.detail}"
        else:
            message = f"Broken image: {verdict.reason}"
        findings.append(Finding(message, span=target.ref.span, data=_data(target, check)))
    return findings


@rule(code="LNK003", name="link-not-verified", summary="Link or image could not be verified",
      severity="warning", section="links", network=True, options=dict(NETWORK_OPTIONS), option_docs=NETWORK_DOCS)
async def link_not_verified(email, context, options):
    """What it does
    Reports links and images whose check was inconclusive: 401 (a login),
    403 and other refusals of automated checks, 429 rate limiting that
    outlasted the retries, LinkedIn's 999, a bot-check page (Cloudflare,
    DataDome, AWS WAF ...), a redirect into a private network that the SSRF
    guard refused, DNS not working at all, or the run's time budget ending.

    Why is this bad?
    Nothing is known to be wrong, and nothing is known to be right: a human
    should open the link once before the send. Sites that always refuse
    automated checks can be listed in `accept` (e.g. `[999]`) or `exclude`.

    Example
        <a href="https://www.linkedin.com/company/acme">Follow us</a>   <!-- 999 -->

    Use instead
        Open the link in a browser; if it works, add the host to `exclude`.
    """
    accept = _accept(options)
    findings = []
    for target, check in await checked(email, options, links=True, images=True):
        verdict = judge(check, accept, host_only=target.host_only)
        if verdict.kind != "unverified":
            continue
        if check.error == "blocked" and not check.redirects:
            host = host_of(target.ref.url if not target.host_only else target.url) or ""
            verdict_host = classify_host(host)
            if verdict_host is not None and verdict_host.category in _LOCAL_CATEGORIES:
                continue  # LNK006 already says this host is not reachable by readers
        noun = "image" if target.ref.kind == "image" else "link"
        if target.host_only:
            message = f"Could not verify the host of templated {noun} {target.ref.url}: {verdict.reason}"
        else:
            message = f"Could not verify {noun}: {verdict.reason}"
        findings.append(Finding(message, span=target.ref.span, data=_data(target, check)))
    return findings


@rule(code="LNK004", name="cross-domain-redirect", summary="Link redirects to another domain",
      severity="info", section="links", network=True, options=dict(NETWORK_OPTIONS), option_docs=NETWORK_DOCS)
async def cross_domain_redirect(email, context, options):
    """What it does
    Reports links that redirect to a different site, with the final URL:
    shorteners, click-tracking wrappers, moved pages. The redirect chain is
    followed to its end and the destination is what the other LNK rules
    judge. Redirects within one site (`http` to `https`, `acme.com` to
    `www.acme.com`) are not reported.

    Why is this bad?
    It may be fine (your tracking domain), but readers and spam filters see
    one domain and land on another, and a shortener or an old domain can
    start pointing somewhere else at any time. Linking to the final address
    is faster and clearer.

    Example
        <a href="https://bit.ly/3xyz">Our new store</a>

    Use instead
        <a href="https://store.acme.com/">Our new store</a>
    """
    accept = _accept(options)
    findings = []
    for target, check in await checked(email, options, links=True, images=False):
        if target.host_only or not check.redirects:
            continue
        if judge(check, accept).kind == "broken":
            continue
        start = host_of(target.url) or ""
        end = host_of(check.final_url) or ""
        if not start or not end or same_site(start, end):
            continue
        if http.is_click_tracking(target.url):
            message = f"Click-tracking link leads to {check.final_url}"
        else:
            message = f"Link redirects to another domain: {target.url} -> {check.final_url}"
        findings.append(Finding(message, span=target.ref.span, severity=Severity.INFO, data=_data(target, check)))
    return findings
