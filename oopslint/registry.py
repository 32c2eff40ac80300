"""Rule discovery through the entry-point group ``oopslint.rules``.

Built-in rules arrive exactly as a third-party plugin's do: an entry point
names a list of Rules (the built-in families name their ``RULES``), a module
(every :class:`Rule` in it is taken), or a single Rule.

Registration is loud: loading stops with a :class:`RegistryError` (the CLI
exits 2 with its message) when a rule package defines a Rule that its entry
point does not register, when two rules claim one code or name, and when two
rules of one option section declare different defaults for the same option.

Finding the entry points means reading every installed distribution's
metadata, and importing :mod:`importlib.metadata` to do it, on every start.
What the scan found is kept in oopslint's cache folder beside what it read:
the ``sys.path`` entries, the metadata folders in each and the size and time
of each one's ``entry_points.txt``. Installing, upgrading or removing a
distribution changes one of them, so the next start scans again; a damaged
or unreadable cache file is scanned past the same way.

Checking that every Rule of a plugin's package is registered imports each of
its modules, also those no rule needs (a coupon source's client, say). A check
that passed is remembered the same way, beside what it read: the entry
points, the rules they registered, and every file of the plugins' package
folders by name, size, time and inode. While none of them changes, the next
start does not import the package's other modules again.
"""

from __future__ import annotations

import importlib
import marshal
import os
import re
import sys
import types
import zlib
from collections.abc import Iterable, Iterator
from functools import reduce
from typing import Any

from .rule import Rule

ENTRY_POINT_GROUP = "oopslint.rules"

__all__ = ["Registry", "RegistryError", "default_registry", "entry_points", "EntryPoint", "ENTRY_POINT_GROUP"]


class RegistryError(RuntimeError):
    """A plugin failed to load, or two rules claim the same code or name."""


class Registry:
    """All known rules, by code."""

    def __init__(self, rules: Iterable[Rule] = ()):
        self._rules: dict[str, Rule] = {}
        self._names: dict[str, Rule] = {}
        self._defaults: dict[tuple[str, str], tuple[Any, Rule]] = {}
        for rule in rules:
            self.add(rule)

    def add(self, rule: Rule) -> None:
        for key, table in ((rule.code, self._rules), (rule.name, self._names)):
            existing = table.get(key)
            if existing is not None and existing is not rule:
                raise RegistryError(
                    f"{key} is claimed twice: by {existing.origin or existing.code} and by {rule.origin or rule.code}"
                )
        for option, default in rule.options.items():
            seen = self._defaults.get((rule.section, option))
            if seen is not None and seen[1] is not rule and not _same_default(seen[0], default):
                raise RegistryError(
                    f"option {option!r} of [{rule.section}] has two defaults: {seen[0]!r} in {seen[1].code} "
                    f"({seen[1].origin}) and {default!r} in {rule.code} ({rule.origin}); rules of one "
                    f"section share their options, so give them one default"
                )
        for option, default in rule.options.items():
            self._defaults.setdefault((rule.section, option), (default, rule))
        self._rules[rule.code] = rule
        self._names[rule.name] = rule

    @classmethod
    def from_entry_points(cls, group: str = ENTRY_POINT_GROUP) -> Registry:
        registry = cls()
        loaded_plugins: list[tuple[EntryPoint, Any]] = []
        for entry_point in sorted(entry_points(group), key=lambda ep: ep.name):
            try:
                loaded = entry_point.load()
            except Exception as exc:  # a broken plugin must be named, not crash the CLI
                raise RegistryError(
                    f"plugin {entry_point.name!r} ({entry_point.value}) failed to load: {type(exc).__name__}: {exc}"
                ) from exc
            rules = _rules_in(loaded)
            loaded_plugins.append((entry_point, loaded))
            for rule in rules:
                registry.add(rule)
        # a rule one entry point leaves out may be another's (two entry points, one module)
        registered = {id(rule) for rule in registry._rules.values()}
        verified = _verified_file(loaded_plugins, registry)
        if verified is not None and _read_verified(verified[0]) == verified[1]:
            return registry
        for entry_point, loaded in loaded_plugins:
            _check_all_registered(entry_point, loaded, registered)
        if verified is not None:
            from .paths import write_atomically

            write_atomically(verified[0], marshal.dumps(verified[1]))
        return registry

    def __iter__(self) -> Iterator[Rule]:
        return iter(sorted(self._rules.values(), key=lambda r: r.code))

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def get(self, key: str) -> Rule | None:
        """A rule by code (case-insensitive) or name."""
        return self._rules.get(key.upper()) or self._names.get(key)

    def matches_any(self, selector: str) -> bool:
        if selector.upper() == "ALL" or selector in self._names:
            return True
        upper = selector.upper()
        return any(code.startswith(upper) for code in self._rules) or _is_engine_code(upper)

    def sections(self) -> dict[str, dict[str, Any]]:
        """Option sections declared by rules, each with its defaults."""
        sections: dict[str, dict[str, Any]] = {}
        for rule in self:
            table = sections.setdefault(rule.section, {})
            for key, default in rule.options.items():
                table.setdefault(key, default)
        return sections


class EntryPoint:
    """One entry point of a group: ``name = module:attr``, as
    :class:`importlib.metadata.EntryPoint` reads and loads it."""

    _VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")

    def __init__(self, name: str, value: str, group: str):
        self.name, self.value, self.group = name, value, group
        match = self._VALUE.match(value)
        self.module: str = match.group("module") if match else value
        self.attr: str | None = match.group("attr") if match else None

    def load(self) -> Any:
        if self._VALUE.match(self.value) is None:
            raise ValueError(f"{self.value!r} is not an entry point (module or module:attribute)")
        module = importlib.import_module(self.module)
        return reduce(getattr, (self.attr or "").split(".") if self.attr else (), module)

    def __repr__(self) -> str:
        return f"EntryPoint(name={self.name!r}, value={self.value!r}, group={self.group!r})"


_SCAN_FORMAT = 1  # bump when what the cache keeps changes


def entry_points(group: str = ENTRY_POINT_GROUP) -> list[EntryPoint]:
    """The entry points of ``group`` among the installed distributions: what
    ``importlib.metadata.entry_points(group=group)`` finds, from the cache
    while nothing it read has changed."""
    signature = _installation_signature()
    cached_file = None
    if signature is not None:
        from .paths import cache_folder

        folders = [entry[0] for entry in signature]
        key = zlib.crc32(repr((sys.version, group, folders)).encode("utf-8", "surrogatepass"))
        try:
            cached_file = cache_folder("registry") / f"entry-points-{key:08x}-v{_SCAN_FORMAT}.marshal"
        except RuntimeError:  # no home folder to keep it in: scan
            signature = None
    if cached_file is not None and signature is not None:
        found = _read_scan(cached_file, group, signature)
        if found is not None:
            return [EntryPoint(name, value, group) for name, value in found]
    from importlib import metadata

    found = [(ep.name, ep.value) for ep in metadata.entry_points(group=group)]
    if cached_file is not None:
        from .paths import write_atomically

        write_atomically(cached_file, marshal.dumps((_SCAN_FORMAT, group, signature, found)))
    return [EntryPoint(name, value, group) for name, value in found]


def _read_scan(path: Any, group: str, signature: tuple[Any, ...]) -> list[tuple[str, str]] | None:
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not (isinstance(data, tuple) and len(data) == 4 and data[:3] == (_SCAN_FORMAT, group, signature)):
        return None
    found = data[3]
    if not isinstance(found, list) or not all(
        isinstance(item, tuple) and len(item) == 2 and all(isinstance(part, str) for part in item) for item in found
    ):
        return None
    return found


def _installation_signature() -> tuple[Any, ...] | None:
    """Everything the metadata scan reads to find entry points, cheaply: each
    ``sys.path`` entry, the metadata folders in it (``*.dist-info``,
    ``*.egg-info``, an egg's ``EGG-INFO``) with their ``entry_points.txt``'s
    size, time and inode; a zip or egg file by its own. None when something
    besides the standard path finder can supply distributions (nothing to
    compare against: scan every time)."""
    for finder in sys.meta_path:
        if getattr(finder, "find_distributions", None) is not None and not _reads_sys_path(finder):
            return None
    entries: list[Any] = []
    for raw in sys.path:
        if not isinstance(raw, str):
            return None
        where = raw or os.getcwd()
        try:
            # a site-packages folder holds thousands of names: only those ending in o or O are looked at further
            names = sorted(
                name
                for name in os.listdir(where)
                if name[-1:] in ("o", "O")
                and (
                    name.lower().endswith((".dist-info", ".egg-info"))
                    or (name == "EGG-INFO" and where.lower().endswith(".egg"))
                )
            )
        except NotADirectoryError:
            entries.append((where, _stat(where)))
            continue
        except OSError:
            entries.append((where, None))
            continue
        entries.append((where, tuple((name, _stat(os.path.join(where, name, "entry_points.txt"))) for name in names)))
    return tuple(entries)


def _stat(path: str) -> tuple[int, int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def _reads_sys_path(finder: Any) -> bool:
    """A finder that looks for distributions in the ``sys.path`` folders and
    nowhere else: the standard library's, or the ``importlib_metadata``
    backport's (which installs itself when a package imports it)."""
    kind = finder if isinstance(finder, type) else type(finder)
    if kind.__name__ == "PathFinder" and kind.__module__ in (
        "importlib._bootstrap_external",
        "_frozen_importlib_external",
    ):
        return True
    return kind.__name__ == "MetadataPathFinder" and kind.__module__ in ("importlib.metadata", "importlib_metadata")


_VERIFIED_FORMAT = 1  # bump when what a verified check keeps changes


def _verified_file(
    loaded_plugins: list[tuple[EntryPoint, Any]], registry: Registry
) -> tuple[Any, tuple[Any, ...]] | None:
    """Where a passed registration check of these plugins is remembered, and
    what it read (see the module's docstring); None when that cannot be told."""
    plugins = []
    try:
        for entry_point, loaded in loaded_plugins:
            package = loaded if isinstance(loaded, types.ModuleType) else sys.modules.get(entry_point.module)
            if package is None:
                return None
            folders = [str(folder) for folder in getattr(package, "__path__", ())]
            files = [_package_files(folder) for folder in folders]
            plugins.append((entry_point.name, entry_point.value, package.__name__, tuple(zip(folders, files))))
        from .paths import cache_folder

        folder = cache_folder("registry")
    except (OSError, RuntimeError, TypeError):  # an unreadable folder, no home folder: check
        return None
    rules = tuple(sorted((rule.code, rule.name, rule.origin or "") for rule in registry._rules.values()))
    signature = (_VERIFIED_FORMAT, sys.version, tuple(plugins), rules)
    # one file per set of plugins (and Python), rewritten when a file of theirs changes
    where = [(name, value, package, tuple(folder for folder, _ in files)) for name, value, package, files in plugins]
    key = zlib.crc32(repr((sys.version, where)).encode("utf-8", "surrogatepass"))
    return folder / f"registered-{key:08x}-v{_VERIFIED_FORMAT}.marshal", signature


def _package_files(folder: str) -> tuple[tuple[str, tuple[int, int, int]], ...]:
    """Every file and folder under ``folder`` (bytecode caches left out), with its time, size and inode."""
    found = []
    pending = [folder]
    while pending:
        current = pending.pop()
        with os.scandir(current) as listing:
            for entry in listing:
                if entry.name == "__pycache__":
                    continue
                info = entry.stat(follow_symlinks=True)
                found.append((entry.path, (info.st_mtime_ns, info.st_size, info.st_ino)))
                if entry.is_dir():
                    pending.append(entry.path)
    return tuple(sorted(found))


def _read_verified(path: Any) -> Any:
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None


def _is_engine_code(selector: str) -> bool:
    from .diagnostics import ENGINE_CODES

    return any(code.startswith(selector) for code in ENGINE_CODES)


def _rules_in(obj: Any) -> list[Rule]:
    if isinstance(obj, Rule):
        return [obj]
    if isinstance(obj, types.ModuleType):
        found = []
        for value in vars(obj).values():
            if isinstance(value, Rule):
                found.append(value)
            elif isinstance(value, types.ModuleType):
                continue
        return found
    if isinstance(obj, (list, tuple)):
        return [r for item in obj for r in _rules_in(item)]
    if callable(obj):
        return _rules_in(obj())
    return []


def _same_default(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:  # an option value whose comparison fails is not the same default
        return False


def _check_all_registered(entry_point: EntryPoint, loaded: Any, registered: set[int]) -> None:
    """Every Rule a plugin's package defines must be among the rules its entry
    point registers: a rule left out of ``RULES`` would silently never run."""
    package = loaded if isinstance(loaded, types.ModuleType) else importlib.import_module(entry_point.module)
    modules = [package]
    if hasattr(package, "__path__"):
        import pkgutil

        for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
            try:
                modules.append(importlib.import_module(info.name))
            except Exception as exc:
                raise RegistryError(
                    f"plugin {entry_point.name!r} ({entry_point.value}): module {info.name} failed to load: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
    for module in modules:
        for value in vars(module).values():
            if not isinstance(value, Rule) or id(value) in registered:
                continue
            defined_in = value.origin or module.__name__
            if defined_in != package.__name__ and not defined_in.startswith(package.__name__ + "."):
                continue  # imported from elsewhere; its own package registers it
            where = f"{entry_point.module}:{entry_point.attr}" if entry_point.attr else entry_point.module
            raise RegistryError(
                f"plugin {entry_point.name!r}: rule {value.code} ({value.name}) is defined in {defined_in} "
                f"but not registered; add it to {where}"
            )


_default: Registry | None = None


def default_registry() -> Registry:
    """The registry of every installed rule, loaded once per process."""
    global _default
    if _default is None:
        _default = Registry.from_entry_points()
    return _default
