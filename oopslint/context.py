"""SendContext: why this email is going out, to whom, and about what.

A context is plain data (a dict, or a JSON/YAML file) with a few well-known
paths. Every path can be renamed in configuration (``[tool.oopslint.context]``)
so a team can point oopslint at the names its own pipeline already uses::

    {"send_at": "2026-11-23T09:00:00Z", "category": "transactional",
     "event": {"type": "shipped", "at": "2026-11-22T17:02:00Z"},
     "order": {"id": "A-1001", "placed_at": "2026-11-20T10:00:00Z",
               "shipped_at": "2026-11-22T17:02:00Z", "status": "shipped"},
     "recipient": {"email": "ada@example.com"}, "campaign": {"id": "2026-11-newsletter"}}

``campaign.id`` names a marketing send (one newsletter issue); with
``recipient.email`` it is the key a :class:`~oopslint.SendGuard` claims.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

__all__ = [
    "SendContext",
    "ContextError",
    "DEFAULT_FIELDS",
    "coerce_context",
    "dig",
    "load_context_file",
    "parse_timestamp",
    "resolve_timezone",
]

#: Logical field -> dotted path in the context data. Override any of them in
#: ``[tool.oopslint.context] fields = {order_placed_at = "order.created_at"}``.
DEFAULT_FIELDS: dict[str, str] = {
    "send_at": "send_at",
    "category": "category",
    "audience_size": "audience_size",
    "subject": "subject",
    "event_type": "event.type",
    "event_at": "event.at",
    "event_id": "event.id",
    "order_id": "order.id",
    "order_placed_at": "order.placed_at",
    "order_shipped_at": "order.shipped_at",
    "order_delivered_at": "order.delivered_at",
    "order_status": "order.status",
    "recipient_email": "recipient.email",
    "campaign_id": "campaign.id",
    "row_id": "id",
}


class ContextError(ValueError):
    """A context value is missing, malformed or ambiguous (a naive timestamp)."""


@lru_cache(maxsize=64)
def resolve_timezone(name: str | None) -> tzinfo | None:
    """The timezone of a configured name (IANA, or UTC); None for no name."""
    if not name:
        return None
    if name.upper() in ("UTC", "Z"):
        return UTC
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    except Exception:
        raise ContextError(f"unknown timezone {name!r} (use an IANA name such as Europe/Berlin, or UTC)") from None


def parse_timestamp(value: Any, *, default_tz: tzinfo | None = None, what: str = "timestamp") -> datetime:
    """Parse an ISO 8601 timestamp (or epoch seconds) into an aware datetime.

    A timestamp without an offset is ambiguous; it is an error unless a default
    timezone is configured.
    """
    if value.__class__ is str:
        # the common case: a complete ISO 8601 timestamp with its offset
        try:
            quick = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if quick.tzinfo is not None:
                return quick
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ContextError(
                f"{what} {_describe_number(value)} is not a time: epoch seconds must be a finite number "
                "between the years 1 and 9999"
            ) from None
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise ContextError(f"{what} is empty")
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError as exc:
            reason = str(exc)
            if "out of range" in reason or "must be in" in reason:
                raise ContextError(f"{what} {value!r} is not a real date or time ({reason})") from None
            raise ContextError(f"{what} {value!r} is not an ISO 8601 timestamp") from None
    else:
        raise ContextError(f"{what} {value!r} is not a timestamp")
    if parsed.tzinfo is None:
        if default_tz is None:
            raise ContextError(
                f"{what} {value!r} has no timezone; add an offset (Z, +02:00) or set [tool.oopslint.context] timezone"
            )
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed


def _describe_number(value: int | float) -> str:
    """A number for a message, without printing thousands of digits."""
    if isinstance(value, int) and value.bit_length() > 64:
        digits = int(value.bit_length() * 0.30103) + 1
        return f"(a whole number of about {digits} digits)"
    return repr(value)


_T = TypeVar("_T")
_NOT_KEPT = object()


@lru_cache(maxsize=256)
def _split_path(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


# dotted path -> its parts, for SendContext.get (a plain dict: a batch reads
# a few dozen values per row, and an lru_cache call costs more than the read)
_PATH_PARTS: dict[str, tuple[str, ...]] = {}


def _path_parts(path: str) -> tuple[str, ...]:
    parts = _PATH_PARTS.get(path)
    if parts is None:
        parts = tuple(path.split("."))
        if len(_PATH_PARTS) >= 1024:
            _PATH_PARTS.clear()
        _PATH_PARTS[path] = parts
    return parts


# (id of a fields mapping, names) -> (that mapping, the names' paths), for SendContext.values
_READ_PATHS: dict[tuple[int, tuple[str, ...]], tuple[Mapping[str, str], Callable[[dict], tuple]]] = {}


def _walk(current: Any, parts: tuple[str, ...]) -> Any:
    """The value down ``parts`` from ``current``, as ``SendContext.get`` walks a path; None when absent."""
    for part in parts:
        if current.__class__ is dict:
            current = current.get(part)
        else:
            current = dig(current, part)
        if current is None:
            return None
    return current


def _read_paths(fields: Mapping[str, str], names: tuple[str, ...]) -> tuple[Mapping[str, str], Callable[[dict], tuple]]:
    """A reader of these fields from a plain dict, as ``SendContext.get`` reads
    each, kept under the id of ``fields`` (a batch reads the same fields from
    every row) and made once per list of paths (every lint of one email makes a
    context of its own, with the same paths)."""
    paths = tuple([fields.get(name, name) for name in names])
    reader = _READERS.get(paths)
    if reader is None:
        reader = _make_reader(paths)
        if len(_READERS) >= 256:
            _READERS.clear()
        _READERS[paths] = reader
    known = (fields, reader)
    if len(_READ_PATHS) >= 256:
        _READ_PATHS.clear()
    _READ_PATHS[(id(fields), names)] = known
    return known


def read_values(context: SendContext, names: tuple[str, ...]) -> Callable[[dict], tuple] | None:
    """What ``context.values(names)`` reads a plain dict with, for reading many
    rows with the same settings at once; None for a subclass that reads its own way."""
    if context.__class__ is not SendContext and context.__class__.get is not SendContext.get:
        return None
    fields = context.fields
    known = _READ_PATHS.get((id(fields), names))
    if known is None or known[0] is not fields:
        known = _read_paths(fields, names)
    return known[1]


# dotted paths -> a reader of them, for _read_paths
_READERS: dict[tuple[str, ...], Callable[[dict], tuple]] = {}


def _make_reader(paths: tuple[str, ...]) -> Callable[[dict], tuple]:
    """A small function reading ``paths`` from a plain dict: each first part of
    a path looked up once, two-part paths inline."""
    groups: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    items: list[str] = []
    for index, path in enumerate(paths):
        first, *rest = path.split(".")
        items.append(f"r{index}")
        if rest:
            groups.setdefault(first, []).append((index, tuple(rest)))
    lines = ["def read(data, walk=walk, dict=dict):", "    g = data.get"]
    for index, path in enumerate(paths):
        first, *rest = path.split(".")
        if not rest:
            lines.append(f"    r{index} = g({first!r})")
    for number, (first, group) in enumerate(groups.items()):
        var = f"v{number}"
        lines.append(f"    {var} = g({first!r})")
        lines.append(f"    if {var}.__class__ is dict:")
        for index, after in group:
            value = f"{var}.get({after[0]!r})" if len(after) == 1 else f"walk({var}, {after!r})"
            lines.append(f"        r{index} = {value}")
        lines.append("    else:")
        for index, after in group:
            lines.append(f"        r{index} = walk({var}, {after!r})")
    lines.append(f"    return ({', '.join(items)}{',' if len(items) == 1 else ''})")
    namespace: dict[str, Any] = {"walk": _walk, "dict": dict}
    exec(compile("\n".join(lines), "<oopslint.context reader>", "exec"), namespace)
    reader: Callable[[dict], tuple] = namespace["read"]
    return reader


def dig(data: Any, path: str) -> Any:
    """The value at a dotted path (``order.placed_at``, ``items.0.sku``) in plain data, or None."""
    current = data
    for part in _split_path(path):
        if current.__class__ is dict:  # the common case, without the cost of an ABC check
            current = current.get(part)
            if current is None:
                return None
        elif isinstance(current, Mapping) and part in current:
            current = current[part]
        elif isinstance(current, (list, tuple)) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


@dataclass
class SendContext:
    """Why an email is being sent. ``data`` is the raw context; the properties
    read its well-known fields through the configured paths.

    ``strict`` is set for the rows of a batch: a rule that cannot check a row
    because a value it needs is missing raises :class:`ContextError` (the row
    is counted as bad) instead of staying quiet as it does for a single email.
    ``now`` is the send time of a context without ``send_at``.
    ``guard`` is the :class:`~oopslint.SendGuard` that ``preflight(...,
    guard=guard)`` checks this send against (None: no guard), read by the
    DUP rules.
    ``brief`` is set by a batch on rows whose findings are counted rather
    than shown: a rule may then skip building message text (an empty
    message), as long as it yields the same number of findings with the same
    span, severity and ``data["event_at"]``; the batch runs the rule again
    without ``brief`` for any row it shows.

    ``memo(key, compute)`` keeps what rules derive from this context (parsed
    timestamps, a status read once) for the other rules checking the same
    row, as ``Email.memo`` does for an email; ``values(names)`` reads several
    fields at once.
    """

    data: Mapping[str, Any] = field(default_factory=dict)
    mode: str = "rendered"
    fields: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FIELDS))
    timezone: str | None = None
    default_category: str | None = None
    now: datetime | None = None
    strict: bool = False
    guard: Any = None
    brief: bool = False

    def __post_init__(self) -> None:
        merged = dict(DEFAULT_FIELDS)
        merged.update(self.fields)
        self.fields = merged

    def get(self, name: str, default: Any = None) -> Any:
        """A value by logical field name (``order_placed_at``) or dotted path."""
        path = self.fields.get(name, name)
        parts = _PATH_PARTS.get(path) or _path_parts(path)
        value = _walk(self.data, parts)
        return default if value is None else value

    def values(self, names: tuple[str, ...]) -> tuple[Any, ...]:
        """The values of several fields (logical names or dotted paths), as
        ``get`` reads them (None when absent), in one call."""
        reader = read_values(self, names)
        data = self.data
        if reader is None or data.__class__ is not dict:  # a subclass that reads its own way, or other data
            return tuple([self.get(name) for name in names])
        return reader(data)

    def memo(self, key: Hashable, compute: Callable[[SendContext], _T]) -> _T:
        """Derived data that several rules share, computed once per context.

        ``key`` names what is derived (your module's name plus anything the
        result depends on); ``compute(context)`` runs the first time the key is
        asked for, and its result is kept as long as this context is: in a
        batch, one row. Read the context through ``get``/``time`` inside
        ``compute`` (a batch learns from those reads which values a rule's
        result depends on). A copy (``with_data``, ``dataclasses.replace``)
        starts empty."""
        # no exceptions on this path: a batch asks once per rule and row, and raising costs microseconds
        state = self.__dict__
        memo = state.get("_memo")
        if memo is None:
            memo = state["_memo"] = {}
        else:
            value = memo.get(key, _NOT_KEPT)
            if value is not _NOT_KEPT:
                return value  # type: ignore[no-any-return]
        value = memo[key] = compute(self)
        return value

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_memo", None)  # derived data stays in the process that derived it
        return state

    def time(self, name: str) -> datetime | None:
        """A timestamp field as an aware datetime, None when absent.

        Raises ContextError for malformed or naive values."""
        value = self.get(name)
        if value is None or value == "":
            return None
        if value.__class__ is str:
            try:
                quick = datetime.fromisoformat(value)
            except ValueError:
                pass
            else:
                if quick.tzinfo is not None:
                    return quick
        return parse_timestamp(value, default_tz=resolve_timezone(self.timezone), what=self.fields.get(name, name))

    @property
    def zone(self) -> tzinfo | None:
        """The configured ``timezone`` as a tzinfo (None when none is set): what
        a timestamp without an offset is read in (see :meth:`time`)."""
        return resolve_timezone(self.timezone)

    @property
    def send_at(self) -> datetime:
        value = self.time("send_at")
        if value is not None:
            return value
        return self.now or datetime.now(UTC)

    @property
    def category(self) -> str | None:
        value = self.get("category") or self.default_category
        return str(value).lower() if value else None

    @property
    def is_marketing(self) -> bool:
        return self.category == "marketing"

    @property
    def campaign_id(self) -> str | None:
        """``campaign.id``: which marketing send this is (one newsletter issue)."""
        value = self.get("campaign_id")
        return str(value) if value is not None and value != "" else None

    def with_data(self, data: Mapping[str, Any]) -> SendContext:
        """This context with other data and the same settings (a batch row).

        The settings were checked when this context was built, so the copy
        is made without checking them again: a batch makes one per row."""
        clone = object.__new__(self.__class__)
        state = vars(clone)
        state.update(vars(self))
        state["data"] = data
        state["_memo"] = None
        return clone


def coerce_context(
    value: Any,
    *,
    mode: str,
    default_category: str | None = None,
    options: Mapping[str, Any] | None = None,
    config_path: Any = None,
) -> SendContext:
    """The SendContext of a lint run from what the caller passed: a
    SendContext (its mode set to the run's), a mapping, a path to a JSON or
    YAML file, or None. ``options`` is the ``[tool.oopslint.context]`` table
    of the configuration file ``config_path`` (named when its timezone is unknown)."""
    options = options or {}
    timezone_name = options.get("timezone") or None
    if timezone_name:
        try:
            resolve_timezone(timezone_name)
        except ContextError as exc:
            from .config import ConfigError

            where = f"{config_path}: " if config_path else ""
            raise ConfigError(f"{where}[context] timezone: {exc}") from None
    settings: dict[str, Any] = {
        "mode": mode,
        "default_category": default_category,
        "timezone": options.get("timezone") or None,
        "fields": dict(options.get("fields") or {}),
    }
    if isinstance(value, SendContext):
        from dataclasses import replace

        return replace(value, mode=mode, default_category=value.default_category or default_category)
    if value is None:
        return SendContext(**settings)
    if isinstance(value, (str, os.PathLike)):
        return SendContext(data=load_context_file(os.fspath(value)), **settings)
    if isinstance(value, Mapping):
        return SendContext(data=dict(value), **settings)
    raise ContextError(f"context must be a SendContext, a mapping or a path, not {type(value).__name__}")


def load_context_file(path: str | Path) -> dict[str, Any]:
    """Read a context from a JSON or YAML file; raise ContextError with a clear reason."""
    file_path = Path(path)
    try:
        text = file_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContextError(f"context file {file_path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContextError(f"context file {file_path}: cannot read ({exc})") from None
    if file_path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(text)
        except RecursionError:
            raise ContextError(f"context file {file_path}: invalid YAML: nested too deeply") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise ContextError(f"context file {file_path}: invalid YAML{where}") from None
    else:
        try:
            data = json.loads(text)
        except RecursionError:
            raise ContextError(f"context file {file_path}: invalid JSON: nested too deeply") from None
        except json.JSONDecodeError as exc:
            raise ContextError(f"context file {file_path}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ContextError(f"context file {file_path}: expected an object at the top level")
    return data


def register_context_section() -> None:
    """Declare ``[tool.oopslint.context]`` so configuration validates it."""
    from .config import register_core_section

    register_core_section("context", {"fields": {}, "timezone": ""})
