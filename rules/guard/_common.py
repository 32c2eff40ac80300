"""What the DUP rules share: asking the context's guard about this send."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from oopslint import Email, SendContext

if TYPE_CHECKING:  # the guard (and its ledger backends) loads only for a send that carries one
    from oopslint.guard import Entry


@dataclass(frozen=True)
class Check:
    """What the ledger says about one send: ``entry`` (None: free), or
    ``problem`` when it could not be asked and why (``unreachable`` or ``no-key``)."""

    key: str | None
    entry: Entry | None = None
    problem: str | None = None
    reason: str = ""


def check_send(email: Email, context: SendContext) -> Check | None:
    """None when the context carries no guard."""
    guard: Any = context.guard
    if guard is None:
        return None
    from oopslint.guard import GuardError, GuardUnavailable

    try:
        key = guard.key_for(context, email.html if guard.settings.content_hash else None)
    except GuardError as exc:
        return Check(None, problem="no-key", reason=str(exc))
    try:
        return Check(key, guard.lookup(key))
    except GuardUnavailable as exc:
        return Check(key, problem="unreachable", reason=str(exc))
