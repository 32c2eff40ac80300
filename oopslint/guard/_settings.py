"""``[tool.oopslint.guard]``: where the ledger is, how long each state lasts,
what a key is made of, and what to do when the ledger cannot be reached."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..config import ConfigError, register_core_section

__all__ = ["GuardSettings", "parse_duration", "SECTION_DEFAULTS", "STATES"]

#: The states a claim can be in, as the configuration and reports name them.
STATES = ("in_progress", "sent", "released")

SECTION_DEFAULTS: dict[str, Any] = {
    "url": "",
    "fail": "closed",
    "ttl": {},
    "category_ttl": {},
    "key": [],
    "content_hash": False,
    "hash_keys": True,
    "show_recipients": False,
    "sqlite_synchronous": "full",
}

DEFAULT_TTL: dict[str, float | None] = {
    "in_progress": 600.0,  # a crashed worker's claim frees the key after ten minutes
    "sent": None,  # never forgotten unless configured
    "released": 3600.0,  # kept an hour for `oopslint guard status`, claimable at once
}
DEFAULT_KEYS: tuple[tuple[str, ...], ...] = (("recipient_email", "campaign_id"), ("recipient_email", "event_id"))

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")


def parse_duration(value: Any, what: str, *, allow_never: bool = True) -> float | None:
    """Seconds from ``30``, ``"90s"``, ``"10m"``, ``"72h"``, ``"7d"``, ``"2w"``;
    ``"never"`` (None) means the record does not expire."""
    if isinstance(value, str) and value.strip().lower() in ("never", "forever"):
        if not allow_never:
            raise ConfigError(f'{what}: this state must expire; give a duration such as "10m"')
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    else:
        raise ConfigError(f'{what}: {value!r} is not a duration; use seconds or "90s", "10m", "72h", "7d", "never"')
    if seconds <= 0:
        raise ConfigError(f'{what}: {value!r} must be longer than zero (use "never" for no expiry)')
    return seconds


@dataclass(frozen=True)
class GuardSettings:
    """Validated guard settings; :meth:`from_mapping` reads the config table."""

    url: str = ""
    fail: str = "closed"
    ttl: Mapping[str, float | None] = field(default_factory=lambda: dict(DEFAULT_TTL))
    category_ttl: Mapping[str, Mapping[str, float | None]] = field(default_factory=dict)
    keys: tuple[tuple[str, ...], ...] = DEFAULT_KEYS
    content_hash: bool = False
    hash_keys: bool = True
    show_recipients: bool = False
    sqlite_synchronous: str = "full"
    context_fields: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(
        cls, table: Mapping[str, Any] | None, *, context_fields: Mapping[str, str] | None = None
    ) -> GuardSettings:
        raw = {str(k).replace("-", "_"): v for k, v in (table or {}).items()}
        unknown = sorted(set(raw) - set(SECTION_DEFAULTS))
        if unknown:
            raise ConfigError(
                f"unknown option {unknown[0]!r} in [guard]; valid options: {', '.join(sorted(SECTION_DEFAULTS))}"
            )
        fail = raw.get("fail", "closed")
        if fail not in ("closed", "open"):
            raise ConfigError(
                f'guard.fail: {fail!r}; choose "closed" (refuse the send) or "open" (send, with a warning)'
            )
        url = raw.get("url", "")
        if not isinstance(url, str):
            raise ConfigError(f'guard.url must be a string such as "sqlite:///var/lib/app/sent.db", got {url!r}')
        ttl = dict(DEFAULT_TTL)
        ttl.update(_ttl_table(raw.get("ttl", {}), "guard.ttl"))
        category_ttl: dict[str, dict[str, float | None]] = {}
        categories = raw.get("category_ttl", {})
        if not isinstance(categories, Mapping):
            raise ConfigError("guard.category_ttl must be a table of category = { state = duration }")
        for category, table in categories.items():
            category_ttl[str(category).lower()] = _ttl_table(table, f"guard.category_ttl.{category}")
        keys = DEFAULT_KEYS
        if raw.get("key"):
            keys = _key_alternatives(raw["key"])
        synchronous = raw.get("sqlite_synchronous", "full")
        if synchronous not in ("full", "normal"):
            raise ConfigError(f'guard.sqlite_synchronous: {synchronous!r}; choose "full" (durable) or "normal"')
        flags = {}
        for name in ("content_hash", "hash_keys", "show_recipients"):
            value = raw.get(name, SECTION_DEFAULTS[name])
            if not isinstance(value, bool):
                raise ConfigError(f"guard.{name} must be true or false, got {value!r}")
            flags[name] = value
        return cls(
            url=url,
            fail=fail,
            ttl=ttl,
            category_ttl=category_ttl,
            keys=keys,
            sqlite_synchronous=synchronous,
            context_fields=dict(context_fields or {}),
            **flags,
        )

    def ttl_for(self, state: str, category: str | None) -> float | None:
        """Seconds a record in ``state`` lives for a send of ``category`` (None: forever)."""
        if category:
            table = self.category_ttl.get(category.lower())
            if table and state in table:
                return table[state]
        return self.ttl[state]


def _ttl_table(value: Any, what: str) -> dict[str, float | None]:
    if not isinstance(value, Mapping):
        raise ConfigError(f'{what} must be a table such as {{ in_progress = "10m", sent = "7d" }}')
    out: dict[str, float | None] = {}
    for state, duration in value.items():
        name = str(state).replace("-", "_")
        if name not in STATES:
            raise ConfigError(f"{what}: unknown state {state!r}; choose from {', '.join(STATES)}")
        out[name] = parse_duration(duration, f"{what}.{state}", allow_never=name == "sent")
    return out


def _key_alternatives(value: Any) -> tuple[tuple[str, ...], ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(
            f'guard.key must be a list such as ["recipient_email+campaign_id", "recipient_email+event_id"], got {value!r}'
        )
    return tuple(tuple(part.strip() for part in item.split("+") if part.strip()) for item in value)


register_core_section("guard", SECTION_DEFAULTS)
