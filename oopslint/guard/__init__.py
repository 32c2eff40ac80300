"""The send guard: one email never reaches one person twice, across runs,
retries and workers.

    import oopslint

    guard = oopslint.SendGuard("sqlite:///var/lib/app/sent.db")    # or redis://host:6379/0
    key = guard.key_for(context)             # recipient.email + campaign.id, else + event.id
    with guard.claim(key):                   # oopslint.DuplicateSend when sent or in progress
        provider.send(message)               # a clean exit records the send; an exception releases

    claim = guard.try_claim(key)             # None when taken
    if claim:
        try:
            provider.send(message)
        except Exception:
            claim.release()
            raise
        claim.done()

    oopslint.preflight(html, context=context, guard=guard)   # DUP001 when already sent

A claim is in one of three states: ``in_progress`` (expires after a short TTL,
so a crashed worker's keys come free), ``sent`` (kept per category: a receipt
may go again next week, a campaign never) and ``released`` (the send failed;
the key may be claimed again). Only the holder of a claim (its token) can
complete or release it. When the ledger cannot be reached the guard refuses
the send (``fail = "closed"``, the default) or lets it through with a
:class:`GuardWarning` (``fail = "open"``). Keys are stored as SHA-256 digests
unless ``hash_keys = false``; output masks addresses unless ``show_recipients``.
"""

from __future__ import annotations

from typing import Any

from ._entry import ClaimLost, DuplicateSend, Entry, GuardError, GuardUnavailable, mask_key
from ._guard import Claim, GuardWarning, SendGuard
from ._settings import GuardSettings, parse_duration

__all__ = [
    "SendGuard",
    "Claim",
    "Entry",
    "DuplicateSend",
    "GuardError",
    "GuardUnavailable",
    "ClaimLost",
    "GuardWarning",
    "GuardSettings",
    "parse_duration",
    "mask_key",
    "guarded_context",
]


def guarded_context(context: Any, guard: SendGuard, linter: Any, path: str | None, mode: str | None) -> Any:
    """``context`` as a SendContext carrying ``guard``, read with the
    configuration's context settings (field names, timezone)."""
    from dataclasses import replace

    from ..context import SendContext, load_context_file

    if isinstance(context, SendContext):
        return replace(context, guard=guard)
    config = linter.config_for(path)
    options = config.section("context")
    if isinstance(context, (str, bytes)) or hasattr(context, "__fspath__"):
        data = load_context_file(context)  # type: ignore[arg-type]
    else:
        data = dict(context or {})
    return SendContext(
        data=data,
        mode=mode or config.mode or linter.default_mode,
        fields=dict(options.get("fields") or {}),
        timezone=options.get("timezone") or None,
        default_category=config.category,
        guard=guard,
    )
