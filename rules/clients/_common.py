"""The caniemail data, the clients a team targets, and the verdict for each feature.

The data (``data/caniemail.json``, MIT, see ``data/LICENSE`` and ``data/VERSION``)
is read once per process; ``scripts/refresh_caniemail.py`` refreshes it.

Version keys mix dates (``2019-02``) and release numbers (``2016``, ``16.80``,
``5.0.10.2``); ``version_key`` orders them as numbers, never as strings. Outlook
on Windows is judged release by release (2007, 2010... are installed side by
side and never update to each other); every other client is judged by its most
recent test, since webmail and apps update themselves. When a client's most
recent dated test and its most recent numbered test disagree, the verdict is
"partial" with a note that says so: the data cannot decide.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from oopslint import ConfigError, Email

from ._features import ALL, MSO_ONLY, NEVER_REPORTED, NOT_MSO, Usage, usages

DATA_FILE = Path(__file__).parent / "data" / "caniemail.json"
DEFAULT_TARGETS = ["apple-mail.*", "gmail.*", "outlook.*", "yahoo.*"]
OUTLOOK_WINDOWS = "outlook.windows"
PER_RELEASE = frozenset({OUTLOOK_WINDOWS})

TARGETS_DOC = (
    'clients to check, as caniemail family.platform names with globs ("gmail.*", "outlook.windows", '
    '"apple-mail.ios"); the default is Apple Mail, Gmail, Outlook and Yahoo! Mail on every platform'
)
OPTIONS: dict[str, Any] = {"targets": DEFAULT_TARGETS}
OPTION_DOCS = {"targets": TARGETS_DOC}

_DATE = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")
_NUMBER = re.compile(r"\d+")
_NOTE = re.compile(r"#(\d+)")


@dataclass(frozen=True)
class Feature:
    slug: str
    title: str
    category: str
    url: str
    stats: Mapping[str, Mapping[str, Mapping[str, str]]]
    notes: Mapping[str, str]


@dataclass(frozen=True)
class Dataset:
    features: Mapping[str, Feature]
    family_names: Mapping[str, str]
    platform_names: Mapping[str, str]
    clients: tuple[str, ...]  # every family.platform in the data
    updated: str
    slugs: frozenset[str] = field(default_factory=frozenset)


@cache
def dataset() -> Dataset:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    features = {
        item["slug"]: Feature(
            slug=item["slug"],
            title=item.get("title") or item["slug"],
            category=item.get("category") or "",
            url=item.get("url") or "",
            stats=item.get("stats") or {},
            notes={str(k): str(v) for k, v in (item.get("notes_by_num") or {}).items()},
        )
        for item in raw["data"]
    }
    clients = sorted(
        {
            f"{family}.{platform}"
            for feature in features.values()
            for family, platforms in feature.stats.items()
            for platform in platforms
        }
    )
    nicenames = raw.get("nicenames") or {}
    return Dataset(
        features,
        nicenames.get("family", {}),
        nicenames.get("platform", {}),
        tuple(clients),
        str(raw.get("last_update_date") or ""),
        frozenset(features),
    )


def is_date(key: str) -> bool:
    return _DATE.match(key) is not None


def version_key(key: str) -> tuple[int, ...]:
    """Sort key of a caniemail version key: numbers compared as numbers
    (``"10.3" > "9"``, ``"16.80" > "16.8"``), dates as (year, month, day)."""
    return tuple(int(n) for n in _NUMBER.findall(key)) or (0,)


def parse_support(value: str) -> tuple[str, tuple[str, ...]]:
    """``"a #1 #2"`` -> ``("a", ("1", "2"))``."""
    letter = (value.strip()[:1] or "u").lower()
    return letter, tuple(_NOTE.findall(value))


@dataclass(frozen=True)
class Verdict:
    """A targeted client that does not fully support a feature."""

    client: str  # family.platform
    support: str  # "n" (not supported) or "a" (partial)
    versions: tuple[str, ...]  # releases concerned (Outlook on Windows); empty: the current version
    notes: tuple[str, ...]  # caniemail note numbers
    remark: str = ""  # our own note, e.g. when tests disagree


def expand_targets(patterns: Iterable[str]) -> tuple[str, ...]:
    """Glob patterns -> the caniemail clients they name. A pattern that names
    no client is a configuration error (a typo must not switch checks off)."""
    if isinstance(patterns, str):
        patterns = [patterns]
    return _expand(tuple(str(p) for p in patterns))


@cache
def _expand(patterns: tuple[str, ...]) -> tuple[str, ...]:
    known = dataset().clients
    chosen: list[str] = []
    for pattern in patterns:
        text = str(pattern).strip().lower()
        if "." not in text and "*" not in text:
            text += ".*"
        matched = [client for client in known if fnmatch.fnmatchcase(client, text)]
        if not matched:
            families = sorted({client.split(".")[0] for client in known})
            raise ConfigError(
                f"clients.targets: {pattern!r} names no client in the caniemail data; "
                f'use family.platform globs such as "gmail.*" or "outlook.windows" (families: {", ".join(families)})'
            )
        chosen.extend(client for client in matched if client not in chosen)
    return tuple(chosen)


def _verdicts_for(feature: Feature, client: str) -> list[Verdict]:
    family, platform = client.split(".", 1)
    results = feature.stats.get(family, {}).get(platform)
    if not results:
        return []
    dated = sorted((k for k in results if is_date(k)), key=version_key)
    numbered = sorted((k for k in results if not is_date(k)), key=version_key)
    if client in PER_RELEASE:
        entries = [(key, *parse_support(results[key])) for key in numbered]
        if dated:
            entries.append((dated[-1], *parse_support(results[dated[-1]])))
        out = []
        for letter in ("n", "a"):
            concerned = [(key, notes) for key, letter_of, notes in entries if letter_of == letter]
            if concerned:
                notes = tuple(dict.fromkeys(n for _, ns in concerned for n in ns))
                out.append(Verdict(client, letter, tuple(key for key, _ in concerned), notes))
        return out
    latest = [keys[-1] for keys in (dated, numbered) if keys]
    judged = [(key, *parse_support(results[key])) for key in latest]
    judged = [entry for entry in judged if entry[1] != "u"]
    if not judged:
        return []
    letters = {letter for _, letter, _ in judged}
    notes = tuple(dict.fromkeys(n for _, _, ns in judged for n in ns))
    if len(letters) > 1:
        said = ", ".join(f"{key}: {_WORDS[letter]}" for key, letter, _ in judged)
        return [Verdict(client, "a", (), notes, remark=f"caniemail tests disagree ({said})")]
    letter = letters.pop()
    return [Verdict(client, letter, (), notes)] if letter in ("n", "a") else []


_WORDS = {"y": "supported", "n": "not supported", "a": "partial", "u": "unknown"}


def verdicts(feature: Feature, clients: Iterable[str]) -> list[Verdict]:
    """Every targeted client that does not fully support ``feature``."""
    return list(_verdicts(feature.slug, tuple(clients)))


@cache
def _verdicts(slug: str, clients: tuple[str, ...]) -> tuple[Verdict, ...]:
    feature = dataset().features[slug]
    return tuple(verdict for client in clients for verdict in _verdicts_for(feature, client))


@dataclass(frozen=True)
class FeatureReport:
    feature: Feature
    usages: tuple[Usage, ...]
    enhancement: bool  # every use degrades gracefully
    problems: tuple[Verdict, ...]
    lines: tuple[int, ...] = ()  # every line that uses the feature
    unsupported: tuple[Verdict, ...] = ()  # the problems that say "not supported"
    partial: tuple[Verdict, ...] = ()  # the problems that say "partial"


def _audience_clients(audience: str, targets: tuple[str, ...]) -> tuple[str, ...]:
    if audience == MSO_ONLY:
        return tuple(t for t in targets if t == OUTLOOK_WINDOWS)
    if audience == NOT_MSO:
        return tuple(t for t in targets if t != OUTLOOK_WINDOWS)
    return targets


def _judge(email: Email, targets: tuple[str, ...]) -> list[FeatureReport]:
    data = dataset()
    grouped: dict[str, list[Usage]] = {}
    for usage in usages(email, data.slugs):
        if usage.slug not in NEVER_REPORTED:
            grouped.setdefault(usage.slug, []).append(usage)
    reports = []
    # a client that drops <style> never sees what is inside: reported once, as html-style
    style_feature = data.features.get("html-style")
    dropped = (
        {v.client for v in verdicts(style_feature, targets) if v.support == "n" and not v.versions}
        if style_feature is not None
        else set()
    )
    position = email.position
    for slug, uses in grouped.items():
        audiences = {use.audience for use in uses}
        clients: tuple[str, ...] = (
            targets
            if ALL in audiences
            else tuple(dict.fromkeys(c for audience in audiences for c in _audience_clients(audience, targets)))
        )
        feature = data.features[slug]
        if dropped and all(use.in_stylesheet for use in uses):
            clients = tuple(c for c in clients if c not in dropped)
        problems = _verdicts(slug, clients)
        if problems:
            lines = tuple(sorted({position(start)[0] for start in {use.start for use in uses}}))
            reports.append(
                FeatureReport(
                    feature,
                    tuple(uses),
                    all(use.enhancement for use in uses),
                    problems,
                    lines,
                    tuple(v for v in problems if v.support == "n"),
                    tuple(v for v in problems if v.support == "a"),
                )
            )
    reports.sort(key=lambda report: report.usages[0].start)
    return reports


def judged(email: Email, targets: Iterable[str]) -> list[FeatureReport]:
    """Features of the email that a targeted client does not fully support, shared by the CMP rules."""
    clients = expand_targets(targets)
    return email.memo(("rules.clients.judged", clients), lambda e: _judge(e, clients))


# ------------------------------------------------------------------ messages


def lines_of(email: Email, report: FeatureReport) -> list[int]:
    return list(report.lines)


def _lines_text(lines: list[int]) -> str:
    return ("line " if len(lines) == 1 else "lines ") + ", ".join(str(n) for n in lines)


def describe_clients(problems: Iterable[Verdict]) -> str:
    """Collapse clients by family: ``Outlook (Windows 2007, 2010, 2013; Windows Mail), Gmail (iOS)``."""
    return _describe(tuple(problems))


@cache
def _describe(problems: tuple[Verdict, ...]) -> str:
    data = dataset()
    families: dict[str, list[str]] = {}
    for verdict in problems:
        family, platform = verdict.client.split(".", 1)
        label = data.platform_names.get(platform, platform)
        if verdict.versions:
            shown = [v for v in verdict.versions if not is_date(v)] or list(verdict.versions)
            label += " " + ", ".join(shown)
        families.setdefault(family, []).append(label)
    parts = []
    for family, labels in families.items():
        every = len(labels) > 1 and len(labels) == _platform_count(family) and all(" " not in label for label in labels)
        parts.append(f"{data.family_names.get(family, family)} ({'every platform' if every else '; '.join(labels)})")
    return ", ".join(parts)


@cache
def _platform_count(family: str) -> int:
    """Platforms of ``family`` in the data (to say "every platform" when all are concerned)."""
    return sum(1 for c in dataset().clients if c.split(".", 1)[0] == family)


def notes_text(report: FeatureReport, problems: Iterable[Verdict]) -> str:
    return _notes_text(report.feature.slug, tuple(problems))


@cache
def _notes_text(slug: str, problems: tuple[Verdict, ...]) -> str:
    data = dataset()
    feature = data.features[slug]
    where: dict[str, list[str]] = {}
    for verdict in problems:
        family, platform = verdict.client.split(".", 1)
        for number in verdict.notes:
            where.setdefault(number, []).append(
                f"{data.family_names.get(family, family)} {data.platform_names.get(platform, platform)}"
            )
    parts = [
        f"note {n} ({', '.join(clients)}): {feature.notes[n]}" for n, clients in where.items() if n in feature.notes
    ]
    parts += list(dict.fromkeys(v.remark for v in problems if v.remark))
    return " ".join(parts)


def finding_data(email: Email, report: FeatureReport, problems: tuple[Verdict, ...]) -> dict[str, Any]:
    return {
        "feature": report.feature.slug,
        "clients": list(dict.fromkeys([v.client for v in problems if v.support == "n"] + [v.client for v in problems])),
        "support": {v.client: v.support for v in problems},
        "versions": {v.client: list(v.versions) for v in problems if v.versions},
        "notes": {n: report.feature.notes[n] for v in problems for n in v.notes if n in report.feature.notes},
        "lines": lines_of(email, report),
        "url": report.feature.url,
    }


def message(email: Email, report: FeatureReport, verb: str, problems: tuple[Verdict, ...]) -> str:
    return (
        f"{report.feature.title} ({report.feature.slug}) is {verb} in {describe_clients(problems)}; "
        f"used on {_lines_text(lines_of(email, report))}"
    )
