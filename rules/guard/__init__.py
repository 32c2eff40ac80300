"""DUP: sends the guard has already seen.

The rules read the :class:`oopslint.SendGuard` a send context carries
(``oopslint.preflight(html, context=..., guard=guard)``) and ask its ledger,
without claiming anything, whether this send already went out or is going out
on another worker right now. Without a guard they stay quiet.

- DUP001 already-sent: the ledger has this send as sent, or in progress elsewhere
- DUP002 send-not-guarded: the guard could not check this send (ledger
  unreachable, or no key in the context)
"""

from __future__ import annotations

from .dup001_already_sent import already_sent
from .dup002_send_not_guarded import send_not_guarded

RULES = [already_sent, send_not_guarded]

__all__ = ["RULES", "already_sent", "send_not_guarded"]
