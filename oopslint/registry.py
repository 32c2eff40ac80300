"""Rule discovery through the entry-point group ``oopslint.rules``.

Built-in rules arrive exactly as a third-party plugin's do: an entry point
names a module (every :class:`Rule` in it is taken), a single Rule, or a list
of Rules.
"""

from __future__ import annotations

import types
from importlib.metadata import entry_points
from typing import Any, Iterable, Iterator

from .rule import Rule

ENTRY_POINT_GROUP = "oopslint.rules"

__all__ = ["Registry", "RegistryError", "default_registry", "ENTRY_POINT_GROUP"]


class RegistryError(RuntimeError):
    """A plugin failed to load, or two rules claim the same code or name."""


class Registry:
    """All known rules, by code."""

    def __init__(self, rules: Iterable[Rule] = ()):
        self._rules: dict[str, Rule] = {}
        self._names: dict[str, Rule] = {}
        for rule in rules:
            self.add(rule)

    def add(self, rule: Rule) -> None:
        for key, table in ((rule.code, self._rules), (rule.name, self._names)):
            existing = table.get(key)
            if existing is not None and existing is not rule:
                raise RegistryError(
                    f"{key} is claimed twice: by {existing.origin or existing.code} and by {rule.origin or rule.code}"
                )
        self._rules[rule.code] = rule
        self._names[rule.name] = rule

    @classmethod
    def from_entry_points(cls, group: str = ENTRY_POINT_GROUP) -> "Registry":
        registry = cls()
        for entry_point in sorted(entry_points(group=group), key=lambda ep: ep.name):
            try:
                loaded = entry_point.load()
            except Exception as exc:  # a broken plugin must be named, not crash the CLI
                raise RegistryError(
                    f"plugin {entry_point.name!r} ({entry_point.value}) failed to load: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            for rule in _rules_in(loaded):
                registry.add(rule)
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


_default: Registry | None = None


def default_registry() -> Registry:
    """The registry of every installed rule, loaded once per process."""
    global _default
    if _default is None:
        _default = Registry.from_entry_points()
    return _default
