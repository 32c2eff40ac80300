"""What the ledger holds for one key, and the errors the guard raises."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["Entry", "GuardError", "GuardUnavailable", "DuplicateSend", "ClaimLost", "mask_key", "STATE_NAMES"]

STATE_NAMES = {"p": "in_progress", "s": "sent", "r": "released"}
_EMAIL = re.compile(r"([^\s|=<>@]+)@([^\s|=<>@]+)")


def mask_key(key: str) -> str:
    """A key as output may show it: addresses become ``a***@example.com``."""
    return _EMAIL.sub(lambda m: f"{m.group(1)[:1]}***@{m.group(2)}", key)


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


@dataclass(frozen=True)
class Entry:
    """One key's record: ``state`` is ``in_progress``, ``sent`` or ``released``;
    ``since`` when it got there; ``expires`` None for never."""

    state: str
    since: datetime
    expires: datetime | None
    category: str | None = None

    @classmethod
    def from_parts(cls, code: str, since: float, expires: float | None, category: str | None) -> Entry:
        return cls(
            STATE_NAMES.get(code, code), _when(since), _when(expires) if expires is not None else None, category or None
        )

    @property
    def taken(self) -> bool:
        """True when the key may not be claimed now (sent, or in progress elsewhere)."""
        return self.state in ("sent", "in_progress")

    def describe(self) -> str:
        at = self.since.strftime("%Y-%m-%d %H:%M UTC")
        if self.state == "sent":
            return f"already sent on {at}"
        if self.state == "in_progress":
            return f"in progress on another worker since {at}"
        return f"released on {at}"


class GuardError(RuntimeError):
    """The send guard could not do what was asked (see the message)."""


class GuardUnavailable(GuardError):
    """The ledger cannot be reached or used: unreachable, damaged, read-only."""


class ClaimLost(GuardError):
    """A claim was completed after it expired and another worker had taken the key."""


class DuplicateSend(GuardError):
    """Raised by ``with guard.claim(key):`` when the key is sent or in progress elsewhere.

    ``entry`` is the ledger's record; ``key`` the key as output may show it."""

    def __init__(self, key: str, entry: Entry):
        self.key = key
        self.entry = entry
        super().__init__(f"{key}: {entry.describe()}")
