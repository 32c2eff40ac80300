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
import marshal
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from oopslint import ConfigError, Email, paths
from oopslint.css import inline_style, stylesheets
from oopslint.styles import styles

from ._features import ALL, CLIENT_HACK, MSO_ONLY, NEVER_REPORTED, NOT_MSO, Usage, grouped_usages
from ._notes import note_checks

DATA_FILE = Path(__file__).parent / "data" / "caniemail.json"
DEFAULT_TARGETS = ["apple-mail.*", "gmail.*", "outlook.*", "yahoo.*"]
OUTLOOK_WINDOWS = "outlook.windows"
PER_RELEASE = frozenset({OUTLOOK_WINDOWS})

TARGETS_DOC = (
    'clients to check, as caniemail family.platform names with globs ("gmail.*", "outlook.windows", '
    '"apple-mail.ios"); the default is Apple Mail, Gmail, Outlook and Yahoo! Mail on every platform'
)
# one table for the three CMP rules: they share [tool.oopslint.clients] and decide together
# which of them reports a feature (one finding per feature)
OPTIONS: dict[str, Any] = {"targets": DEFAULT_TARGETS, "report_graceful": False, "report_partial": False}
OPTION_DOCS = {
    "targets": TARGETS_DOC,
    "report_graceful": (
        "also report (as CMP003) features a targeted client ignores where the email does not depend on them: "
        "@media, :hover, border-radius, shadows, a background image over a background colour, values with a fallback"
    ),
    "report_partial": (
        "report (as CMP002) every partial support, not only the caniemail notes that concern what the email does"
    ),
}

RULE_SETTINGS: dict[str, Any] = {"section": "clients", "options": OPTIONS, "option_docs": OPTION_DOCS}

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


class _Stats(Mapping[str, Mapping[str, Mapping[str, str]]]):
    """One feature's caniemail test results, read from the data's results
    (kept marshalled) the first time any feature's are looked at: the rules
    work from the verdicts worked out of them, and reading every feature's
    results would take most of a cold start's data load."""

    __slots__ = ("_all", "_slug")

    def __init__(self, all_stats: _AllStats, slug: str):
        self._all = all_stats
        self._slug = slug

    def _mine(self) -> Mapping[str, Mapping[str, Mapping[str, str]]]:
        return self._all.read().get(self._slug, {})

    def __getitem__(self, family: str) -> Mapping[str, Mapping[str, str]]:
        return self._mine()[family]

    def __iter__(self) -> Iterator[str]:
        return iter(self._mine())

    def __len__(self) -> int:
        return len(self._mine())


class _AllStats:
    """Every feature's results, marshalled, read once when first asked for."""

    __slots__ = ("_blob", "_read")

    def __init__(self, blob: bytes):
        self._blob = blob
        self._read: dict[str, Any] | None = None

    def read(self) -> dict[str, Any]:
        if self._read is None:
            self._read = marshal.loads(self._blob)
        return self._read


@cache
def dataset() -> Dataset:
    prepared = _prepared()
    all_stats = _AllStats(prepared["stats"])
    features = {
        slug: Feature(slug=slug, title=title, category=category, url=url, stats=_Stats(all_stats, slug), notes=notes)
        for slug, title, category, url, notes in prepared["features"]
    }
    return Dataset(
        features,
        prepared["family_names"],
        prepared["platform_names"],
        tuple(prepared["clients"]),
        prepared["updated"],
        frozenset(features),
    )


def _read_data() -> dict[str, Any]:
    """What the rules use of the vendored caniemail JSON, in plain containers."""
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    features = [
        (
            item["slug"],
            item.get("title") or item["slug"],
            item.get("category") or "",
            item.get("url") or "",
            item.get("stats") or {},
            {str(k): str(v) for k, v in (item.get("notes_by_num") or {}).items()},
        )
        for item in raw["data"]
    ]
    clients = sorted(
        {
            f"{family}.{platform}"
            for feature in features
            for family, platforms in feature[4].items()
            for platform in platforms
        }
    )
    nicenames = raw.get("nicenames") or {}
    return {
        "format": _INDEX_FORMAT,
        "features": features,
        "family_names": nicenames.get("family", {}),
        "platform_names": nicenames.get("platform", {}),
        "clients": clients,
        "updated": str(raw.get("last_update_date") or ""),
    }


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
    by_client = _verdict_index().get(slug, {})
    return tuple(Verdict(client, *entry) for client in clients for entry in by_client.get(client, ()))


_INDEX_FORMAT = 3  # bump when _verdicts_for decides differently or the cached form changes

#: support, versions, notes, remark of each Verdict, per feature slug and client
VerdictIndex = dict[str, dict[str, tuple[tuple[str, tuple[str, ...], tuple[str, ...], str], ...]]]


def _verdict_index() -> VerdictIndex:
    index: VerdictIndex = _prepared()["verdicts"]
    return index


@cache
def _prepared() -> dict[str, Any]:
    """The caniemail data and every feature's verdicts for every client.
    Reading the JSON and working the verdicts out takes longer than a whole
    cold start should (about 0.1 s), so the first run keeps both in the user
    cache folder (marshal, keyed by the data file); a damaged or unwritable
    cache only costs that time again."""
    stat = DATA_FILE.stat()
    cached = _cache_folder() / f"caniemail-{stat.st_size}-{stat.st_mtime_ns}-v{_INDEX_FORMAT}.marshal"
    try:
        prepared = marshal.loads(cached.read_bytes())
        if isinstance(prepared, dict) and prepared.get("format") == _INDEX_FORMAT:
            return prepared
    except (OSError, ValueError, EOFError, TypeError):
        pass
    prepared = _read_data()
    features = {
        slug: Feature(slug=slug, title=title, category=category, url=url, stats=stats, notes=notes)
        for slug, title, category, url, stats, notes in prepared["features"]
    }
    index: VerdictIndex = {}
    for slug, feature in features.items():
        by_client = {}
        for client in prepared["clients"]:
            found = _verdicts_for(feature, client)
            if found:
                by_client[client] = tuple((v.support, v.versions, v.notes, v.remark) for v in found)
        index[slug] = by_client
    prepared["verdicts"] = index
    # the results stay marshalled (see _Stats): the rules read the verdicts
    prepared["stats"] = marshal.dumps({slug: stats for slug, _, _, _, stats, _ in prepared["features"]})
    prepared["features"] = [
        (slug, title, category, url, notes) for slug, title, category, url, _, notes in prepared["features"]
    ]
    paths.write_atomically(cached, marshal.dumps(prepared))
    return prepared


def _cache_folder() -> Path:
    """``clients`` in oopslint's cache folder."""
    return paths.cache_folder("clients")


class _once:
    """A property worked out on first use and then kept in the instance (``cached_property``
    without its lock, which Python 3.11 takes on every first use)."""

    def __init__(self, compute: Any):
        self.compute = compute
        self.name = compute.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(unsafe_hash=True)  # not frozen: made by the dozen per lint, and a frozen init costs 3x
class FeatureReport:
    """What a targeted client does not fully support of one feature of the email."""

    feature: Feature
    usages: tuple[Usage, ...]
    relied: tuple[Usage, ...]  # the uses the email relies on (no fallback, not polish)
    problems: tuple[Verdict, ...]  # verdicts over the clients that see any use
    relied_problems: tuple[Verdict, ...]  # verdicts over the clients that see a relied-on use
    effects: tuple[str, ...] = ()  # html-style: what the email loses without its <style> blocks
    # where the partial-note decision is kept for these relied-on uses: the group of a <style>
    # element's uses, which renders of one template share (None: the uses are this email's own)
    shared: dict[int, Any] | None = field(default=None, compare=False, repr=False)

    @_once
    def unsupported(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.problems if v.support == "n")

    @_once
    def partial(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.problems if v.support == "a")

    @_once
    def relied_unsupported(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.relied_problems if v.support == "n")

    @property
    def enhancement(self) -> bool:
        """Every use degrades gracefully."""
        return not self.relied

    @_once
    def relevant_partial(self) -> tuple[tuple[Verdict, ...], tuple[Usage, ...]]:
        return _relevant_partial(self)


def _audience_clients(audience: str, targets: tuple[str, ...]) -> tuple[str, ...]:
    if audience == MSO_ONLY:
        return tuple(t for t in targets if t == OUTLOOK_WINDOWS)
    if audience == NOT_MSO:
        return tuple(t for t in targets if t != OUTLOOK_WINDOWS)
    return targets


_NONE: frozenset[str] = frozenset()


def _clients_of(uses: list[Usage], targets: tuple[str, ...], dropped: frozenset[str]) -> tuple[str, ...]:
    audiences = {use.audience for use in uses}
    in_stylesheet = bool(dropped) and all(use.in_stylesheet for use in uses)
    return _clients_for(tuple(sorted(audiences)), targets, dropped if in_stylesheet else _NONE)


@lru_cache(maxsize=1024)
def _clients_for(audiences: tuple[str, ...], targets: tuple[str, ...], dropped: frozenset[str]) -> tuple[str, ...]:
    clients = (
        targets
        if ALL in audiences
        else tuple(dict.fromkeys(c for audience in audiences for c in _audience_clients(audience, targets)))
    )
    if dropped:
        clients = tuple(c for c in clients if c not in dropped)  # reported once, as html-style
    return clients


# what a reader notices when a client drops the <style> blocks: colours, what is shown or
# hidden, widths; lost padding, margins or fonts leave the email readable
STYLE_EFFECTS = frozenset(
    "color background-color background background-image display visibility width max-width float position "
    "max-height overflow opacity".split()
)


def _style_effects(email: Email) -> dict[int, list[str]]:
    """Style rules (by start offset) that give an element of the email a colour, a display, a
    width... that its inline ``style=""`` does not carry, with that effect: ``{rule_start:
    ['color: #3869D4 on <a> (line 88)']}``. Rules inside @media, for :hover, and client hacks
    are left out, and so are initial values (``width: auto``), which need no ``<style>``.

    The element is looked up by the last compound of the selector (``.button``, ``a``,
    ``#header``) by class, id and tag, instead of running the cascade: cheap, and enough to
    decide whether the CSS was inlined (an inliner writes the property into the element's
    ``style=""``, which wins over any non-important rule).

    Which elements a rule reaches depends only on the <style> blocks and on what the cascade
    reads of the tree, so renders of one template share that part; the lines are the email's."""
    sheets = stylesheets(email)
    key = ("rules.clients.style_effects", email.dialects, tuple((sheet.css, sheet.offset) for sheet in sheets))
    reached = styles(email).template_memo(key, lambda: _effect_candidates(email, sheets))
    effects: dict[int, list[str]] = {}
    position = email.position
    elements = email.elements
    for rule_start, candidates in reached:
        found: list[str] = []
        said_before: dict[str, bool] = {}  # whether an entry of found starts with this text
        for said, index in candidates:
            before = any(e.startswith(said) for e in found)
            said_before[said] = before
            if not before:
                element = elements[index]
                entry = f"{said}on <{element.tag}> (line {position(element.start)[0]})"
                found.append(entry)
                for known in said_before:
                    if not said_before[known] and entry.startswith(known):
                        said_before[known] = True
        if found:
            effects[rule_start] = found
    return effects


def _effect_candidates(email: Email, sheets: list[Any]) -> tuple[tuple[int, tuple[tuple[str, int], ...]], ...]:
    """Per style rule with an effect, the effects (``"color: #3869D4 "``) not carried inline, each
    with the first element (by index) it reaches, in the order the effects are judged."""
    inline_props: dict[int, dict[str, str]] = {}
    sheet_rules = [_effect_rules(sheet) for sheet in sheets]
    # only the keys some selector names are indexed: a selector's keys are a subset of an element's
    # keys exactly when they are a subset of those the element shares with the selectors
    tags: set[str] = set()
    classes: set[str] = set()
    ids: set[str] = set()
    for _rules, (sheet_tags, sheet_classes, sheet_ids) in sheet_rules:
        tags |= sheet_tags
        classes |= sheet_classes
        ids |= sheet_ids
    by_key: dict[str, list[Any]] = {}
    keysets: dict[int, frozenset[str]] = {}
    for element in email.elements if tags or classes or ids else ():
        if element.in_comment or element.tag in _NO_RENDER:
            continue
        attrs = element.attrs
        keys = [element.tag] if element.tag in tags else []
        if classes and "class" in attrs:
            keys.extend("." + name for name in attrs["class"].split() if name in classes)
        if ids and "id" in attrs and attrs["id"] in ids:
            keys.append("#" + attrs["id"])
        if keys:
            keysets[element.index] = frozenset(keys)
            for key in keys:
                found_by = by_key.get(key)
                if found_by is None:
                    by_key[key] = [element]
                else:
                    found_by.append(element)
    reached: list[tuple[int, tuple[tuple[str, int], ...]]] = []
    keyed_parents: dict[Any, Any] = {}
    for rules, _keys_named in sheet_rules:
        for rule_start, chains, wanted in rules:
            # an effect said once is never said again for this rule, whatever the element: the
            # first element it reaches is all the email's lines need
            first: dict[str, int] = {}
            for element in _subjects(chains, by_key, keysets, keyed_parents):
                carried = inline_props.get(element.index)
                if carried is None:
                    carried = inline_props[element.index] = (
                        {d.name: d.value.strip().lower() for d in inline_style(email, element).declarations}
                        if "style" in element.attrs
                        else {}
                    )
                for name, written, value, important in wanted:
                    inline = carried.get(name)
                    if inline is None or (important and inline != value):
                        said = f"{name}: {written} "
                        if said not in first:
                            first[said] = element.index
            if first:
                reached.append((rule_start, tuple(first.items())))
    return tuple(reached)


_Chain = tuple[frozenset[str], tuple[frozenset[str], ...]]  # the subject's keys, its ancestors' keys
_EffectRule = tuple[int, tuple[_Chain, ...], tuple[tuple[str, str, str, bool], ...]]
_KeysNamed = tuple[frozenset[str], frozenset[str], frozenset[str]]  # tags, class names, ids in the selectors
_effect_rules_cache: dict[tuple[str, int], tuple[tuple[_EffectRule, ...], _KeysNamed]] = {}


def _effect_rules(sheet: Any) -> tuple[tuple[_EffectRule, ...], _KeysNamed]:
    """The rules of a <style> block that can change what a reader sees, with their selectors read
    into keys, and the tags, classes and ids those name: a pure function of the block's text and
    place, kept across emails (bounded)."""
    key = (sheet.css, sheet.offset)
    found = _effect_rules_cache.get(key)
    if found is not None:
        return found
    rules = []
    for style_rule in sheet.rules:
        if style_rule.context or ":" in style_rule.selector or CLIENT_HACK.search(style_rule.selector):
            continue
        wanted = tuple(
            (d.name, d.value, d.value.strip().lower(), d.important)
            for d in style_rule.declarations
            if d.name in STYLE_EFFECTS and d.value.strip().lower() not in _INITIAL.get(d.name, ())
        )
        if wanted:
            rules.append((style_rule.start, _chains(style_rule.selector), wanted))
    named = {
        key
        for _start, chains, _wanted in rules
        for subject, ancestors in chains
        for keys in (subject, *ancestors)
        for key in keys
    }
    keys_named = (
        frozenset(key for key in named if key[0] not in ".#"),
        frozenset(key[1:] for key in named if key[0] == "."),
        frozenset(key[1:] for key in named if key[0] == "#"),
    )
    if len(_effect_rules_cache) > 256:
        _effect_rules_cache.clear()
    found = _effect_rules_cache[key] = (tuple(rules), keys_named)
    return found


def _chains(selector: str) -> tuple[_Chain, ...]:
    chains = []
    for part in selector.split(","):
        compounds = [c for c in _COMPOUND_SPLIT.split(part.strip()) if c]
        if not compounds or "[" in compounds[-1]:
            continue
        keys = [_keys(compound) for compound in compounds]
        if keys[-1]:
            chains.append((keys[-1], tuple(k for k in keys[:-1] if k)))
    return tuple(chains)


# values a client shows without any CSS: a <style> that only says these loses nothing when dropped
_INITIAL: dict[str, tuple[str, ...]] = {
    "width": ("auto",),
    "max-width": ("none",),
    "background-color": ("transparent",),
    "background-image": ("none",),
    "background": ("none", "transparent"),
    "float": ("none",),
    "position": ("static",),
    "visibility": ("visible",),
    "overflow": ("visible",),
    "opacity": ("1",),
    "max-height": ("none",),
    "color": ("inherit",),
}
_COMPOUND_SPLIT = re.compile(r"[\s>+~]+")
_SIMPLE = re.compile(r"([.#]?)(-?[A-Za-z_][\w-]*)")


def _subjects(
    chains: tuple[_Chain, ...],
    by_key: dict[str, list[Any]],
    keysets: dict[int, frozenset[str]],
    keyed_parents: dict[Any, Any],
) -> list[Any]:
    """The elements of the email that one of the selectors names: the last compound by class, id
    and tag, the compounds before it on ancestors (sibling combinators are not checked)."""
    found: dict[int, Any] = {}
    empty: frozenset[str] = frozenset()
    for subject, ancestors in chains:
        if len(subject) == 1:
            [first] = subject
        else:
            first = min(subject, key=lambda key: len(by_key.get(key, ())))  # the rarest key
        for element in by_key.get(first, ()):
            if subject <= keysets.get(element.index, empty) and (
                not ancestors or _inside(element, ancestors, keysets, keyed_parents)
            ):
                found[element.index] = element
    return [found[index] for index in sorted(found)]


def _keys(compound: str) -> frozenset[str]:
    compound = compound.split(":", 1)[0]
    return frozenset(prefix + name if prefix else name.lower() for prefix, name in _SIMPLE.findall(compound))


def _inside(
    element: Any,
    ancestors: tuple[frozenset[str], ...],
    keysets: dict[int, frozenset[str]],
    keyed_parents: dict[Any, Any],
) -> bool:
    """Whether the ancestors of ``element`` carry the compounds' keys, nearest last. Ancestors
    without a key named by any selector are skipped (no compound can be a subset of no keys)."""
    pending = list(ancestors)
    node = _keyed_parent(element, keysets, keyed_parents)
    while pending and node is not None:
        if pending[-1] <= keysets[node.index]:
            pending.pop()
        node = _keyed_parent(node, keysets, keyed_parents)
    return not pending


def _keyed_parent(element: Any, keysets: dict[int, frozenset[str]], known: dict[Any, Any]) -> Any:
    """The nearest ancestor with keys (remembered per element: the same ones are climbed for every rule)."""
    if element in known:
        return known[element]
    node = element.parent
    while node is not None and node.index not in keysets:
        node = node.parent
    known[element] = node
    return node


_NO_RENDER = frozenset(("head", "title", "meta", "style", "link", "script", "#document"))


@cache
def _target_table(targets: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """What the data says once per target set: the slugs a targeted client does not fully support
    (a use of any other never makes a report; never-reported ones left out), and the clients
    that drop ``<style>`` blocks (their problems inside one are reported once, as html-style)."""
    data = dataset()
    wanted = frozenset(slug for slug in data.slugs if slug not in NEVER_REPORTED and _verdicts(slug, targets))
    style_feature = data.features.get("html-style")
    dropped = (
        frozenset(v.client for v in verdicts(style_feature, targets) if v.support == "n" and not v.versions)
        if style_feature is not None
        else frozenset()
    )
    return wanted, dropped


def _judge(email: Email, targets: tuple[str, ...]) -> list[FeatureReport]:
    data = dataset()
    wanted, dropped = _target_table(targets)
    reports = []
    effects: dict[int, list[str]] | None = None
    sheet_ends: dict[int, int] = {}
    for slug, group in grouped_usages(email, data.slugs, wanted).items():
        clients = _clients_for(group.audiences, targets, dropped if dropped and group.in_stylesheet else _NONE)
        problems = _verdicts(slug, clients)
        if not problems:
            continue
        relied: tuple[Usage, ...] | list[Usage] = group.relied
        filtered = False
        # whether a <style> rule is inlined matters only where a client ignores it outright
        if group.relied_via_style and any(v.support == "n" for v in problems):
            if effects is None:
                effects = _style_effects(email)
                sheet_ends = {sheet.offset: sheet.offset + len(sheet.css) for sheet in stylesheets(email)}
            relied = [use for use in relied if _style_relied(use, effects, sheet_ends)]
            filtered = True
        lost: tuple[str, ...] = ()
        if slug == "html-style" and relied and effects:
            lost = tuple(
                dict.fromkeys(
                    effect
                    for use in relied
                    for start, found in effects.items()
                    if use.rule_start <= start < sheet_ends.get(use.rule_start, -1)
                    for effect in found
                )
            )
        if slug == "css-max-width" and relied:
            relied = [use for use in relied if not _max_width_held(email, use)]
            filtered = True
        if not relied:
            relied_problems: tuple[Verdict, ...] = ()
        elif filtered:
            relied_problems = _verdicts(slug, _clients_of(list(relied), targets, dropped))
        else:
            relied_clients = _clients_for(
                group.relied_audiences,
                targets,
                dropped if dropped and group.relied_in_stylesheet else _NONE,
            )
            relied_problems = _verdicts(slug, relied_clients)
        reports.append(
            FeatureReport(
                data.features[slug],
                group.uses,
                tuple(relied),
                problems,
                relied_problems,
                lost,
                None if filtered else group.partial,
            )
        )
    reports.sort(key=lambda report: report.usages[0].start)
    return reports


_PIXELS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$", re.IGNORECASE)


def _pixels(value: str | None) -> float | None:
    match = _PIXELS.match(value or "")
    return float(match.group(1)) if match else None


def _max_width_held(email: Email, use: Usage) -> bool:
    """A client that ignores max-width still keeps the element within it when the element has a
    fixed width of its own, or sits in a cell or table no wider (the hybrid layout's ghost table);
    ``max-width: 100%`` (an image kept inside its column) is held by the element's own width."""
    value = use.value.replace("!important", "").strip()
    percent = value.endswith("%")
    limit = _pixels(value)
    if limit is None and not percent:
        return False
    if limit is not None:
        ghost = email.memo("rules.clients.ghost_width", _ghost_table_width)
        if ghost is not None and ghost <= limit + 1:
            return True
    computed = styles(email)
    if use.element >= 0:
        elements = [email.elements[use.element]]
    else:
        wanted = value.lower()
        elements = [
            element
            for element in email.elements
            if not element.in_comment
            and (found := computed.declared(element, "full").get("max-width")) is not None
            and found[1] == "style-block"
            and found[0].strip().lower() == wanted
        ]
    for element in elements:
        held = False
        node: Any = element
        while node is not None and node.tag not in ("body", "#document"):
            pixels = _fixed_width(computed, node)
            if pixels is not None:
                held = limit is None or pixels <= limit + 1
                break
            if percent:
                break
            node = node.parent
        if not held:
            return False
    return True


def _fixed_width(computed: Any, element: Any) -> float | None:
    width = computed.declared(element, "full").get("width")
    pixels = _pixels(width[0]) if width else None
    if pixels is None and (width is None or width[1] == "attribute"):
        pixels = _pixels(element.attrs.get("width"))
    return pixels


_GHOST_TABLE = re.compile(r"<table\b[^>]*\bwidth\s*=\s*[\"']?(\d+)[\"'\s>]", re.IGNORECASE)


def _ghost_table_width(email: Email) -> float | None:
    """The narrowest fixed-width table inside ``<!--[if mso]>``: Outlook on Windows lays the email
    out in it, so a max-width it ignores is held by that table."""
    widths = [
        float(match.group(1))
        for comment in email.comments
        if comment.text.lstrip().lower().startswith("[if") and "mso" in comment.text[:40].lower()
        for match in _GHOST_TABLE.finditer(comment.text)
    ]
    return min(widths) if widths else None


def _style_relied(use: Usage, effects: dict[int, list[str]], sheet_ends: dict[int, int]) -> bool:
    if use.via_style == "rule":
        return use.rule_start in effects
    if use.via_style == "sheet":
        end = sheet_ends.get(use.rule_start, -1)
        return any(use.rule_start <= start < end for start in effects)
    return True


def judged(email: Email, targets: Iterable[str]) -> list[FeatureReport]:
    """Features of the email that a targeted client does not fully support, shared by the CMP rules."""
    clients = expand_targets(targets)
    return email.memo(("rules.clients.judged", clients), lambda e: _judge(e, clients))


def relevant_partial(report: FeatureReport) -> tuple[tuple[Verdict, ...], tuple[Usage, ...]]:
    """The partial verdicts whose caniemail note is about a relied-on use (computed once per report)."""
    return report.relevant_partial


_Partial = tuple[tuple[Verdict, ...], tuple[Usage, ...]]


def _relevant_partial(report: FeatureReport) -> _Partial:
    """The partial verdicts whose caniemail note is about a relied-on use of the email (the
    notes kept are those), and those uses. A verdict without such a note is left out."""
    shared = report.shared
    if shared is None:
        return _work_out_partial(report)
    problems = report.relied_problems
    known = shared.get(id(problems))  # the verdicts are cached tuples, kept in the value
    if known is not None and known[0] is problems:
        return known[1]  # type: ignore[no-any-return]
    found = _work_out_partial(report)
    shared[id(problems)] = (problems, found)
    return found


def _work_out_partial(report: FeatureReport) -> _Partial:
    notes_text = report.feature.notes
    slug = report.feature.slug
    kept: list[Verdict] = []
    concerned: dict[int, Usage] = {}
    if not _notes_decidable(slug, report.relied_problems):
        return (), ()
    decided: dict[str, list[Usage]] = {}  # note -> the uses it concerns
    seen_by: dict[tuple[str, bool], bool] = {}  # (note, for Outlook on Windows) -> whether a use is concerned
    groups: dict[tuple[str, str, str], list[Usage]] = {}
    for use in report.relied:
        groups.setdefault((use.tag, use.prop, use.value), []).append(use)
    for verdict in report.relied_problems:
        if verdict.support != "a":
            continue
        notes = []
        windows = verdict.client == OUTLOOK_WINDOWS
        for number in verdict.notes:
            text = notes_text.get(number)
            if not text or not note_checks(slug, text):
                continue
            any_hit = seen_by.get((text, windows))
            if any_hit is None:
                hits = _concerned(decided, slug, text, groups)
                if windows:
                    hits = [use for use in hits if use.audience != NOT_MSO]
                else:
                    hits = [use for use in hits if use.audience != MSO_ONLY]
                # uses that share a start share a shape, so each note writes them in one order
                for use in hits:
                    concerned[use.start] = use
                any_hit = seen_by[(text, windows)] = bool(hits)
            if any_hit:
                notes.append(number)
        if notes:
            kept.append(_with_notes(verdict, tuple(notes)))
    return tuple(kept), tuple(concerned[start] for start in sorted(concerned))


# by the identity of a cached verdict tuple (kept alive in the value): whether a partial verdict of it
# has a note that a check can decide on an email
_decidable: dict[int, tuple[tuple[Verdict, ...], bool]] = {}


def _notes_decidable(slug: str, problems: tuple[Verdict, ...]) -> bool:
    known = _decidable.get(id(problems))
    if known is not None and known[0] is problems:
        return known[1]
    notes = dataset().features[slug].notes
    answer = any(verdict.support == "a" and verdict.notes for verdict in problems) and any(
        note_checks(slug, notes.get(n, "")) for v in problems for n in v.notes
    )
    if len(_decidable) > 4096:
        _decidable.clear()
    _decidable[id(problems)] = (problems, answer)
    return answer


@lru_cache(maxsize=4096)
def _with_notes(verdict: Verdict, notes: tuple[str, ...]) -> Verdict:
    return replace(verdict, notes=notes)


def _concerned(
    decided: dict[str, list[Usage]], slug: str, note: str, groups: dict[tuple[str, str, str], list[Usage]]
) -> list[Usage]:
    """The uses ``note`` is about; uses of one shape (tag, property, value) are tested once."""
    found = decided.get(note)
    if found is None:
        checks = note_checks(slug, note)
        found = decided[note] = []
        for shape, uses in groups.items():
            key = (slug, note, shape)
            hit = _note_hits.get(key)
            if hit is None:
                if len(_note_hits) > 8192:
                    _note_hits.clear()
                hit = _note_hits[key] = any(check(uses[0]) for check in checks)
            if hit:
                found.extend(uses)
    return found


# whether a note concerns a use of one shape (tag, property, value): the checks read nothing else,
# and the same shapes (padding on a <td>, font-size in px) recur in email after email
_note_hits: dict[tuple[str, str, tuple[str, str, str]], bool] = {}


def kind_of(report: FeatureReport, options: Any) -> str:
    """Which CMP rule reports the feature: "CMP001" (a client ignores what the email relies on),
    "CMP003" (a client ignores what degrades gracefully; with ``report_graceful``), "CMP002"
    (partial support whose note concerns the email; every partial with ``report_partial``), or ""."""
    return _kind(report, bool(options.get("report_graceful")), bool(options.get("report_partial")))


def _kind(report: FeatureReport, report_graceful: bool, report_partial: bool) -> str:
    if report.relied_unsupported:
        return "CMP001"
    if report_graceful and report.unsupported:
        return "CMP003"
    if report_partial:
        return "CMP002" if report.partial else ""
    return "CMP002" if report.relevant_partial[0] else ""


def reports_of(email: Email, options: Any, code: str) -> list[FeatureReport]:
    """The reports the CMP rule ``code`` makes findings of (``kind_of`` decided once per email and options)."""
    clients = expand_targets(options["targets"])
    flags = (bool(options.get("report_graceful")), bool(options.get("report_partial")))

    def sort(email: Email) -> dict[str, list[FeatureReport]]:
        by_kind: dict[str, list[FeatureReport]] = {}
        for report in email.memo(("rules.clients.judged", clients), lambda e: _judge(e, clients)):
            by_kind.setdefault(_kind(report, *flags), []).append(report)
        return by_kind

    return email.memo(("rules.clients.kinds", clients, flags), sort).get(code, [])


# ------------------------------------------------------------------ messages


def lines_of(email: Email, uses: Iterable[Usage]) -> list[int]:
    position = email.position
    return sorted({position(start)[0] for start in {use.start for use in uses}})


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


def effects_text(report: FeatureReport) -> str:
    """Where the email relies on a <style> block, for the suggestion: the first few effects, with lines."""
    if not report.effects:
        return ""
    shown = "; ".join(report.effects[:4])
    more = f" and {len(report.effects) - 4} more (data.relies_on)" if len(report.effects) > 4 else ""
    return f"Inline these, as an inliner such as premailer or juice does: {shown}{more}."


def shown_partial(report: FeatureReport, options: Any) -> tuple[Verdict, ...]:
    """The partial verdicts worth naming beside a CMP001 or CMP003 finding: every one with
    ``report_partial``, else those whose note concerns the email."""
    if options.get("report_partial"):
        return report.partial
    return report.relevant_partial[0]


def finding_data(
    email: Email, report: FeatureReport, problems: tuple[Verdict, ...], uses: Iterable[Usage]
) -> dict[str, Any]:
    data = {
        "feature": report.feature.slug,
        "clients": list(dict.fromkeys([v.client for v in problems if v.support == "n"] + [v.client for v in problems])),
        "support": {v.client: v.support for v in problems},
        "versions": {v.client: list(v.versions) for v in problems if v.versions},
        "notes": {n: report.feature.notes[n] for v in problems for n in v.notes if n in report.feature.notes},
        "lines": lines_of(email, uses),
        "url": report.feature.url,
    }
    if report.effects:
        data["relies_on"] = list(report.effects)
    return data


def message(
    email: Email, report: FeatureReport, verb: str, problems: tuple[Verdict, ...], uses: Iterable[Usage]
) -> str:
    text = (
        f"{report.feature.title} ({report.feature.slug}) is {verb} in {describe_clients(problems)}; "
        f"used on {_lines_text(lines_of(email, uses))}"
    )
    if report.effects:
        # the property names only: the message stays the same when lines move or more elements share them
        properties = sorted({effect.split(":", 1)[0] for effect in report.effects})
        text += f"; the email relies on it for {', '.join(properties)} not inlined anywhere"
    return text
