"""What a rule is, and the ``@rule`` decorator that makes one.

A rule is a check function plus its metadata::

    from oopslint import rule, Finding

    @rule(code="ACME001", name="no-shouting", summary="Subject is all capitals",
          severity="warning", section="acme", options={"min_length": 8})
    def no_shouting(email, context, options):
        '''What it does: ... Why it matters: ... Example: ...'''
        if email.subject and email.subject.isupper():
            yield Finding("Subject is all capitals", span=email.subject_span)

Register it in your package's ``pyproject.toml``::

    [project.entry-points."oopslint.rules"]
    acme = "acme_oopslint.rules"

The entry point may name a module (every ``Rule`` in it is registered), a
single ``Rule``, or a list of them.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .report import Severity

CODE_PATTERN = re.compile(r"^[A-Z]{2,6}[0-9]{3}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
MODES = ("template", "rendered")
SCOPES = ("email", "batch")


class RuleOptions(Mapping[str, Any]):
    """Read-only options of one rule: defaults merged with configuration.

    Items are reachable as ``options["timeout"]`` or ``options.timeout``.
    """

    __slots__ = ("_values", "base_dir")

    def __init__(self, values: Mapping[str, Any], base_dir: Path | None = None):
        object.__setattr__(self, "_values", dict(values))
        # the folder of the configuration file, for options that name files
        object.__setattr__(self, "base_dir", base_dir)

    def path(self, value: str) -> Path:
        """Resolve a file named in an option against the config file's folder."""
        candidate = Path(value).expanduser()
        if candidate.is_absolute() or self.base_dir is None:
            return candidate
        base: Path = self.base_dir
        return base / candidate

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("rule options are read-only")

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"RuleOptions({self._values!r})"

    def __hash__(self) -> int:
        return hash(repr(sorted(self._values.items(), key=lambda kv: kv[0])))


@dataclass(frozen=True, eq=False)
class Rule:
    """A registered check with its metadata. Create one with :func:`rule`."""

    code: str
    name: str
    summary: str
    severity: Severity
    check: Callable[..., Any]
    doc: str = ""
    section: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    option_docs: Mapping[str, str] = field(default_factory=dict)
    network: bool = False
    modes: tuple[str, ...] = MODES
    scope: str = "email"
    uses_context: bool = False
    origin: str = ""

    def __post_init__(self) -> None:
        if not CODE_PATTERN.match(self.code):
            raise ValueError(f"rule code {self.code!r} must be 2-6 capital letters and 3 digits, like TPL001")
        if not NAME_PATTERN.match(self.name):
            raise ValueError(f"rule name {self.name!r} must be kebab-case, like broken-link")
        for mode in self.modes:
            if mode not in MODES:
                raise ValueError(f"rule {self.code}: unknown mode {mode!r}; choose from {MODES}")
        if self.scope not in SCOPES:
            raise ValueError(f"rule {self.code}: unknown scope {self.scope!r}; choose from {SCOPES}")

    @property
    def prefix(self) -> str:
        return self.code.rstrip("0123456789")

    @cached_property  # the engine asks for every rule of every email; check never changes
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.check) or inspect.isasyncgenfunction(self.check)

    def explain(self) -> str:
        """The rule's documentation as ``oopslint explain`` prints it."""
        lines = [f"{self.code} {self.name}", "", self.summary, ""]
        lines.append(f"Default severity: {self.severity}")
        lines.append("Needs the network: " + ("yes" if self.network else "no"))
        if tuple(self.modes) != MODES:
            lines.append("Runs in mode: " + ", ".join(self.modes))
        if self.doc:
            lines += ["", self.doc]
        if self.options:
            lines += ["", f"Options ([tool.oopslint.{self.section}]):"]
            for key, default in self.options.items():
                doc = self.option_docs.get(key, "")
                lines.append(f"  {key} = {_toml_value(default)}" + (f"    # {doc}" if doc else ""))
        return "\n".join(lines).rstrip() + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f'"{k}" = {_toml_value(v)}' for k, v in value.items()) + "}"
    return repr(value)


def rule(
    *,
    code: str,
    name: str,
    summary: str | None = None,
    severity: str | Severity = Severity.WARNING,
    section: str | None = None,
    options: Mapping[str, Any] | None = None,
    option_docs: Mapping[str, str] | None = None,
    network: bool = False,
    modes: tuple[str, ...] | list[str] = MODES,
    scope: str = "email",
    uses_context: bool = False,
) -> Callable[[Callable[..., Any]], Rule]:
    """Turn a check function into a :class:`Rule`.

    The check is called as ``check(email, context, options)`` and yields
    :class:`~oopslint.Finding` objects. It may be a plain function returning
    an iterable, a generator, a coroutine or an async generator; rules marked
    ``network=True`` run concurrently and share :mod:`oopslint.http`'s client.
    ``uses_context=True`` marks a rule whose result depends on the send
    context, so a batch re-runs it for every row (others run once per
    template). ``scope="batch"`` rules judge a whole batch of contexts.
    Its docstring is the rule's documentation.
    """

    def decorate(check: Callable[..., Any]) -> Rule:
        doc = inspect.cleandoc(check.__doc__ or "")
        line = summary or (doc.splitlines()[0] if doc else name.replace("-", " "))
        return Rule(
            code=code,
            name=name,
            summary=line,
            severity=Severity.parse(severity),
            check=check,
            doc=doc,
            section=section or code.rstrip("0123456789").lower(),
            options=dict(options or {}),
            option_docs=dict(option_docs or {}),
            network=network,
            modes=tuple(modes),
            scope=scope,
            uses_context=uses_context,
            origin=getattr(check, "__module__", "") or "",
        )

    return decorate
