"""Configuration: ``[tool.oopslint]`` in pyproject.toml, or ``oopslint.toml``.

The file is found by walking up from the linted file; ``--config`` names one
explicitly. Unknown keys and bad values are errors that name the key and the
valid choices: a typo in configuration must never silently switch a check off.

Top-level keys (``-`` and ``_`` are interchangeable)::

    select = ["TPL", "LNK001"]        # codes, prefixes or rule names; "ALL"
    extend-select = []
    ignore = []
    fail-on = "error"                 # error | warning | info
    mode = "template"                 # template | rendered
    category = "transactional"        # transactional | marketing
    dialects = ["default"]            # merge-tag dialects
    exclude = ["vendor/**"]           # globs skipped when walking folders
    [severity]   TPL009 = "warning"   # per code, prefix or name
    [per-file-ignores]  "legacy/*.html" = ["TPL005"]
    [<section>]  per-rule options, e.g. [links], [spelling], [triggers]
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from .registry import Registry  # at run time too: typing.get_type_hints(Config) resolves it
from .report import Severity
from .rule import MODES, Rule, RuleOptions
from .templating import resolve_dialects

__all__ = ["Config", "ConfigError", "find_config_file", "load_config"]

CONFIG_FILES = ("oopslint.toml", ".oopslint.toml", "pyproject.toml")
TOP_LEVEL_KEYS = (
    "select",
    "extend_select",
    "ignore",
    "fail_on",
    "mode",
    "category",
    "dialects",
    "exclude",
    "severity",
    "per_file_ignores",
)
#: Option sections that belong to the engine rather than to a rule.
CORE_SECTIONS: dict[str, dict[str, Any]] = {}


class ConfigError(ValueError):
    """Configuration is invalid. The message names the key and the valid choices."""


#: Core sections declared by modules that are imported only when used: the
#: module that registers each, imported when a configuration names the section.
_LAZY_SECTIONS = {"http": "oopslint.http", "guard": "oopslint.guard._settings"}


def register_core_section(name: str, defaults: Mapping[str, Any]) -> None:
    """Engine modules (the HTTP client, the context reader) declare their own
    option tables through this, so they are validated like rule options."""
    CORE_SECTIONS[name] = dict(defaults)


def _declare_sections(names: Iterable[str]) -> None:
    for name in names:
        module = _LAZY_SECTIONS.get(name)
        if module is not None and name not in CORE_SECTIONS:
            import importlib

            importlib.import_module(module)


def _norm(key: str) -> str:
    return key.strip().replace("-", "_")


def _type_ok(default: Any, value: Any) -> bool:
    if default is None:
        return True
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, str)
    if isinstance(default, (list, tuple)):
        return isinstance(value, list)
    if isinstance(default, Mapping):
        return isinstance(value, Mapping)
    return True


def _type_name(default: Any) -> str:
    for kind, name in (
        (bool, "true or false"),
        (int, "a whole number"),
        (float, "a number"),
        (str, "a string"),
        (list, "a list"),
        (tuple, "a list"),
        (dict, "a table"),
    ):
        if isinstance(default, kind):
            return name
    return "a value"


def _string_list(value: Any, key: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of strings, got {value!r}")
    return list(value)


@dataclass
class Config:
    """Validated configuration. Build with :meth:`Config.from_mapping` or :func:`load_config`."""

    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: Severity = Severity.ERROR
    mode: str | None = None
    category: str | None = None
    dialects: tuple[str, ...] | None = None
    exclude: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    path: Path | None = None
    # each rule's options, made once: the engine asks for them per rule per email
    _options: dict[Rule, RuleOptions] = field(default_factory=dict, init=False, repr=False, compare=False)
    # the engine's rule selection per registry, mode and offline (see Linter._selection)
    _selections: dict[tuple[int, int, str, bool], tuple[Registry, list[Rule], list[Rule]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def root(self) -> Path | None:
        return self.path.parent if self.path else None

    def __getstate__(self) -> dict[str, Any]:
        # a pickled configuration (a worker's copy) makes its rules' options again
        state = dict(self.__dict__)
        state["_options"] = {}
        state["_selections"] = {}
        return state

    # ------------------------------------------------------------ building

    @classmethod
    def from_mapping(
        cls, raw: Mapping[str, Any], *, registry: Registry | None = None, path: Path | None = None
    ) -> Config:
        """Validate a mapping (the ``[tool.oopslint]`` table) into a Config."""
        from ._redact import remember_references
        from .registry import default_registry

        remember_references(raw)  # a ${NAME} anywhere in configuration names a secret

        registry = registry or default_registry()
        where = f"{path}: " if path else ""
        config = cls(path=path)
        known_sections = registry.sections()
        _declare_sections(_norm(str(key)) for key in raw)
        known_sections.update({k: dict(v) for k, v in CORE_SECTIONS.items()})
        for raw_key, value in raw.items():
            key = _norm(raw_key)
            if key in ("select", "extend_select", "ignore"):
                selectors = _string_list(value, raw_key)
                for selector in selectors:
                    if not registry.matches_any(selector):
                        raise ConfigError(
                            f"{where}{raw_key}: {selector!r} matches no rule; "
                            "use a code (TPL001), a prefix (TPL), a rule name or ALL (see `oopslint rules`)"
                        )
                setattr(config, key, selectors)
            elif key == "fail_on":
                try:
                    config.fail_on = Severity.parse(value)
                except ValueError:
                    raise ConfigError(
                        f"{where}fail-on: {value!r} is not a level; choose error, warning or info"
                    ) from None
            elif key == "mode":
                if value not in MODES:
                    raise ConfigError(f"{where}mode: {value!r} is not a mode; choose template or rendered")
                config.mode = value
            elif key == "category":
                if value not in ("transactional", "marketing"):
                    raise ConfigError(f"{where}category: {value!r}; choose transactional or marketing")
                config.category = value
            elif key == "dialects":
                try:
                    config.dialects = resolve_dialects(_string_list(value, raw_key))
                except ValueError as exc:
                    raise ConfigError(f"{where}dialects: {exc}") from None
            elif key == "exclude":
                config.exclude = _string_list(value, raw_key)
            elif key == "severity":
                if not isinstance(value, Mapping):
                    raise ConfigError(f"{where}severity must be a table of code = level")
                for selector, level in value.items():
                    if not registry.matches_any(selector):
                        raise ConfigError(f"{where}severity: {selector!r} matches no rule")
                    try:
                        config.severity[selector] = Severity.parse(level)
                    except ValueError:
                        raise ConfigError(
                            f"{where}severity.{selector}: {level!r} is not a level; choose error, warning or info"
                        ) from None
            elif key == "per_file_ignores":
                if not isinstance(value, Mapping):
                    raise ConfigError(f"{where}per-file-ignores must be a table of glob = [codes]")
                for glob, codes in value.items():
                    selectors = _string_list(codes, f"per-file-ignores.{glob}")
                    for selector in selectors:
                        if not registry.matches_any(selector):
                            raise ConfigError(f"{where}per-file-ignores.{glob}: {selector!r} matches no rule")
                    config.per_file_ignores[glob] = selectors
            elif key in known_sections or raw_key in known_sections:
                section = key if key in known_sections else raw_key
                config.sections[section] = cls._validate_section(section, value, known_sections[section], where)
            else:
                _declare_sections(_LAZY_SECTIONS)
                known_sections.update({k: dict(v) for k, v in CORE_SECTIONS.items()})
                valid = ", ".join(sorted([k.replace("_", "-") for k in TOP_LEVEL_KEYS] + list(known_sections)))
                raise ConfigError(f"{where}unknown key {raw_key!r} in [tool.oopslint]; valid keys: {valid}")
        return config

    @staticmethod
    def _validate_section(section: str, value: Any, defaults: Mapping[str, Any], where: str) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}[{section}] must be a table")
        out: dict[str, Any] = {}
        for raw_key, item in value.items():
            key = _norm(raw_key)
            if key not in defaults:
                valid = ", ".join(sorted(defaults)) or "(none)"
                raise ConfigError(f"{where}unknown option {raw_key!r} in [{section}]; valid options: {valid}")
            if not _type_ok(defaults[key], item):
                raise ConfigError(f"{where}{section}.{raw_key} must be {_type_name(defaults[key])}, got {item!r}")
            out[key] = item
        return out

    # ------------------------------------------------------------ queries

    def options_for(self, rule: Rule) -> RuleOptions:
        """The rule's defaults with this configuration's values (read-only, made once per rule)."""
        options = self._options.get(rule)
        if options is None:
            values = dict(rule.options)
            for key, value in self.sections.get(rule.section, {}).items():
                if key in values:
                    values[key] = value
            options = self._options[rule] = RuleOptions(values, base_dir=self.root)
        return options

    def section(self, name: str) -> dict[str, Any]:
        """A core section merged over its defaults."""
        _declare_sections((name,))
        values = dict(CORE_SECTIONS.get(name, {}))
        values.update(self.sections.get(name, {}))
        return values

    def is_selected(self, rule: Rule, path: str | None = None) -> bool:
        selected = _matches(rule, self.select) if self.select is not None else True
        if not selected and self.extend_select:
            selected = _matches(rule, self.extend_select)
        if not selected:
            return False
        if _matches(rule, self.ignore) and not _more_specific(rule, self.extend_select, self.ignore):
            return False
        if path and self.per_file_ignores:
            return not any(_matches(rule, selectors) for selectors in self.ignored_in(path))
        return True

    def ignored_in(self, path: str) -> list[list[str]]:
        """The selector lists of the ``per_file_ignores`` globs ``path`` matches."""
        if not self.per_file_ignores:
            return []
        relative = self._relative(path)
        return [selectors for glob, selectors in self.per_file_ignores.items() if _glob_match(relative, glob)]

    def severity_for(self, code: str, name: str, default: Severity) -> Severity:
        best: tuple[int, Severity] | None = None
        for selector, level in self.severity.items():
            if selector == name or selector == code:
                rank = 100
            elif selector.upper() == "ALL":
                rank = 0
            elif code.startswith(selector):
                rank = len(selector)
            else:
                continue
            if best is None or rank > best[0]:
                best = (rank, level)
        return best[1] if best else default

    def is_excluded(self, path: str) -> bool:
        relative = self._relative(path)
        return any(_glob_match(relative, glob) for glob in self.exclude)

    def _relative(self, path: str) -> str:
        pure = Path(path)
        if self.root is not None:
            try:
                return pure.resolve().relative_to(self.root.resolve()).as_posix()
            except (ValueError, OSError):
                pass
        return PurePath(path).as_posix()


def _matches(rule: Rule, selectors: Iterable[str]) -> bool:
    for selector in selectors:
        if selector.upper() == "ALL" or rule.code.startswith(selector.upper()) or selector == rule.name:
            return True
    return False


def _more_specific(rule: Rule, chosen: Iterable[str], ignored: Iterable[str]) -> bool:
    def best(selectors: Iterable[str]) -> int:
        lengths = [100 if s == rule.name else len(s) for s in selectors if _matches(rule, [s])]
        return max(lengths, default=-1)

    return best(chosen) > best(ignored)


def _glob_match(relative: str, glob: str) -> bool:
    if fnmatch.fnmatch(relative, glob):
        return True
    if glob.startswith("**/") and fnmatch.fnmatch(relative, glob[3:]):
        return True
    # a bare file pattern matches at any depth, as in .gitignore
    return "/" not in glob and fnmatch.fnmatch(PurePath(relative).name, glob)


def find_config_file(start: Path) -> Path | None:
    """Walk up from ``start`` to the first oopslint.toml or pyproject.toml
    with a ``[tool.oopslint]`` table."""
    directory = start if start.is_dir() else start.parent
    try:
        directory = directory.resolve()
    except OSError:
        return None
    for folder in (directory, *directory.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name == "pyproject.toml":
                try:
                    if "[tool.oopslint" not in candidate.read_text(encoding="utf-8", errors="replace"):
                        continue
                except OSError:
                    continue
            return candidate
    return None


def read_config_table(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration ({exc})") from None
    import tomllib  # here: a check with no configuration file does without it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("oopslint", {})
    else:
        table = data.get("tool", {}).get("oopslint", data) if "tool" in data else data
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.oopslint] must be a table")
    return table


def load_config(
    path: str | Path | None = None, *, start: str | Path | None = None, registry: Registry | None = None
) -> Config:
    """Load and validate configuration from ``path``, or find it from ``start``.
    No file found means the defaults."""
    if path is not None:
        file_path = Path(path)
        if not file_path.is_file():
            raise ConfigError(f"{file_path}: configuration file not found")
    else:
        found = find_config_file(Path(start) if start else Path.cwd())
        if found is None:
            return Config.from_mapping({}, registry=registry)
        file_path = found
    return Config.from_mapping(read_config_table(file_path), registry=registry, path=file_path)
