"""Helpers the network LNK rules (LNK001-LNK004) share: which URLs to check,
what a check's result means, and how LNK001 and LNK002 report a broken one.

(The network half of the family's helpers; the offline half is ``_common.py``,
which this module builds on.)"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from oopslint import ConfigError, Finding, http

from ._common import (
    FILTER_DOCS,
    FILTER_OPTIONS,
    Ref,
    literal_origin,
    refs,
    url_filter,
    url_problem,
)

NETWORK_OPTIONS: dict[str, Any] = {**FILTER_OPTIONS, "accept": [], "remap": []}

NETWORK_DOCS = {
    **FILTER_DOCS,
    "accept": 'extra status codes that count as working, e.g. [403, 999] or ["200..=299"]',
    "remap": 'rewrite URLs before checking: ["REGEX REPLACEMENT"], e.g. ["^https://acme\\\\.com http://localhost:8000"]',
}

_GENERIC_REASONS = {
    401: "the page needs a login",
    403: "the site refuses automated checks",
    429: "the site is rate-limiting",
    999: "LinkedIn refuses automated checks",
    406: "the site refuses automated checks",
    418: "the site refuses automated checks",
    451: "the page is blocked for legal reasons in some places",
}

_UNVERIFIABLE_STATUSES = frozenset(_GENERIC_REASONS)

_UNVERIFIABLE_ERRORS = frozenset(("budget", "blocked", "dns-unavailable", "config"))


@dataclass(frozen=True)
class Target:
    ref: Ref
    url: str  # what is fetched, after remapping
    host_only: bool  # a templated URL: only its host is checked


@dataclass(frozen=True)
class Verdict:
    kind: str  # "ok", "broken", "unverified"
    reason: str


_OK = Verdict("ok", "")


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
    if not ranges:
        return codes.__contains__  # the usual case (none, or codes only): no generator per status
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


def targets(email: Any, options: Any, *, links: bool, images: bool) -> list[Target]:
    """The URLs to check: links, then images. Worked out once per email and
    filter options, however many network rules ask."""
    wanted = url_filter(options)
    remaps = _parse_remap(_list_option(options, "remap"))
    key = (
        "oopslint.rules.links.targets",
        repr(options.get("exclude", [])),
        repr(options.get("include", [])),
        remaps,
    )
    every: list[Target] = email.memo(key, lambda email: _targets(email, wanted, remaps))
    kinds = {kind for kind, chosen in (("link", links), ("image", images)) if chosen}
    return [target for target in every if target.ref.kind in kinds]


def _targets(
    email: Any, wanted: Callable[[str], bool], remaps: tuple[tuple[re.Pattern[str], str], ...]
) -> list[Target]:
    found: list[Target] = []
    for ref in refs(email, links=True, images=True):
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
    results = await http.client().check_all([target.url for target in chosen])
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
        return _OK  # LNK007 reports an address that cannot be fetched
    if check.error is not None:
        if check.error in _UNVERIFIABLE_ERRORS:
            return Verdict("unverified", f"{check.detail}")
        extra = _tries(check) if check.error in ("timeout", "reset") else ""
        return Verdict("broken", f"{check.detail}{extra} {_at(check)}")
    if host_only:
        return _OK
    status = check.status or 0
    if accept(status):
        return _OK
    if check.challenge:
        return Verdict(
            "unverified",
            f"a {check.challenge} bot check answered instead of the page ({check.status_text}) {_at(check)}",
        )
    if check.ok:
        return _OK
    if status in _UNVERIFIABLE_STATUSES:
        why = _GENERIC_REASONS[status]
        return Verdict(
            "unverified",
            f"{check.status_text}{_tries(check) if status == 429 else ''} {_at(check)}; "
            f"{why}, so check it in a browser",
        )
    if 300 <= status < 400:
        return Verdict("broken", f"{check.status_text} without a Location to follow {_at(check)}")
    if status >= 400:
        return Verdict("broken", f"{check.status_text}{_tries(check) if status >= 500 else ''} {_at(check)}")
    return Verdict("unverified", f"unexpected status {check.status_text} {_at(check)}")


def check_data(target: Target, check: http.LinkCheck) -> dict[str, Any]:
    data: dict[str, Any] = {
        "url": target.ref.url,
        "final_url": check.final_url,
        "status": check.status,
        "error": check.error,
        "attempts": check.attempts,
    }
    if target.url != target.ref.url:
        data["checked_url"] = target.url
    if check.redirects:
        data["redirects"] = list(check.redirects)
    if check.challenge:
        data["challenge"] = check.challenge
    if check.from_cache:
        data["cached"] = True
    return data


def accept_statuses(options: Any) -> Callable[[int], bool]:
    return _parse_accept(_list_option(options, "accept"))


async def broken_findings(email: Any, options: Any, *, kind: str) -> list[Finding]:
    """LNK001 (``kind="link"``) and LNK002 (``kind="image"``): one finding for
    each URL of that kind the checks prove broken."""
    accept = accept_statuses(options)
    findings = []
    images = kind == "image"
    for target, check in await checked(email, options, links=not images, images=images):
        verdict = judge(check, accept, host_only=target.host_only)
        if verdict.kind != "broken":
            continue
        if target.host_only:
            message = f"Unreachable host in templated {kind} {target.ref.url}: {check.detail}"
        else:
            message = f"Broken {kind}: {verdict.reason}"
        findings.append(Finding(message, span=target.ref.span, data=check_data(target, check)))
    return findings
