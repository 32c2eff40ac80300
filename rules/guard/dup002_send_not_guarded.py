"""DUP002 send-not-guarded: the guard could not check this send."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Finding, Severity, rule

from ._common import check_send


# Not uses_context: batch rows carry no guard (`oopslint batch --guard` looks rows up
# in bulk instead), so in a batch the rule runs once and stays quiet.
@rule(
    code="DUP002",
    name="send-not-guarded",
    severity="error",
    section="guard",
    summary="The send guard could not check this send",
)
def send_not_guarded(email: Any, context: Any, options: Any) -> Iterator[Finding]:
    """What it does
    With a send guard, reports a send the guard could not check: its ledger
    cannot be reached or used (Redis down, a damaged or read-only SQLite file),
    or the send context has none of the fields a key is made of. An error
    when the guard fails closed (`fail = "closed"`, the default: refuse what
    cannot be checked), a warning when it fails open (`fail = "open"`).

    Why is this bad?
    An unchecked send is the one that goes out twice: the ledger is down
    exactly when a restarted worker replays its queue.

    Example
    `redis://ledger:6379/0` refuses connections while the job runs; or the
    context has `recipient.email` but neither `campaign.id` nor `event.id`.

    Use instead
    Bring the ledger back, or give the context a `campaign.id` or `event.id`
    (or configure `key` in `[tool.oopslint.guard]`).
    """
    check = check_send(email, context)
    if check is None or check.problem is None:
        return
    guard = context.guard
    severity = Severity.ERROR if guard.settings.fail == "closed" else Severity.WARNING
    yield Finding(
        f"the send guard cannot check this send: {check.reason}", severity=severity, data={"problem": check.problem}
    )
