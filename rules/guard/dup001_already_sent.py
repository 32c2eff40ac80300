"""DUP001 already-sent: the guard's ledger has this send already."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oopslint import Finding, rule

from ._common import check_send


# Not uses_context: batch rows carry no guard (`oopslint batch --guard` looks rows up
# in bulk instead), so in a batch the rule runs once and stays quiet.
@rule(
    code="DUP001",
    name="already-sent",
    severity="error",
    section="guard",
    summary="This recipient already got this email, or is getting it from another worker now",
)
def already_sent(email: Any, context: Any, options: Any) -> Iterator[Finding]:
    """What it does
    With a send guard (`oopslint.preflight(html, context=ctx, guard=guard)`),
    looks up the send's key (by default `recipient.email` with `campaign.id`,
    else with `event.id`) in the guard's ledger without claiming it, and
    reports a send the ledger records as sent ("already sent on 2026-11-20
    09:00 UTC"), or as in progress on another worker. Quiet without a guard;
    when the ledger cannot be asked, DUP002 reports that instead. Addresses are
    masked (a***@example.com) unless the guard's `show_recipients` is set.

    Why is this bad?
    A newsletter once reached a 25,000-person list between 2 and 10 times:
    cron jobs on two servers, queue retries after a timeout and a worker
    restarted mid-send all send the same email again. Recipients unsubscribe
    and report spam; a second password-reset or payment email confuses them.

    Example
    The nightly job ran twice: the second run's `preflight` for
    `{"recipient": {"email": "ada@example.com"}, "campaign": {"id": "2026-11"}}`
    finds the key recorded as sent at 09:00.

    Use instead
    Skip the recipient. Send inside `with guard.claim(key):` so that the check
    and the claim are one atomic step; `preflight` alone cannot close the race
    between two workers.
    """
    check = check_send(email, context)
    if check is None or check.entry is None or not check.entry.taken:
        return
    guard = context.guard
    where = "" if check.entry.category is None else f" ({check.entry.category})"
    yield Finding(
        f"{guard.display(check.key)}: {check.entry.describe()}{where}",
        suggestion="skip this recipient; send inside `with guard.claim(key):` to claim the send atomically",
        data={"state": check.entry.state, "since": check.entry.since.isoformat(), "key": guard.display(check.key)},
    )
