"""TRG: mis-targeted transactional triggers.

Well-written emails sent for the wrong reason: a shipping notice for an order
placed years ago, a delivery notice for a cancelled order, a batch that
replays a migration's order history, a newsletter that reaches each person
several times. The rules read the send context (``oopslint.lint(html,
context={...})``, ``oopslint check --context ctx.json``, or every row of
``oopslint batch TEMPLATE --contexts rows.jsonl``) and the email's content.

Per email (``scope="email"``, ``uses_context=True``: a batch runs them per row):

- TRG001 stale-trigger: the event is older than its type allows at send time
- TRG002 old-order: a shipping or delivery notice for an order placed long ago
- TRG003 status-mismatch: the email says shipped, the order is cancelled ...
- TRG004 impossible-timeline: shipped before placed, events after the send
- TRG005 stale-content-date: a printed order/ship/delivery date that is too old

Per batch (``scope="batch"``):

- TRG006 replayed-batch: too many stale rows, or dates spread over years
- TRG007 duplicate-send: one recipient, one event, more than one email

Every rule stays quiet when the context lacks what it needs; in a batch
(``context.strict``) a row without an event time is counted as a bad row.

The batch rule protocol
-----------------------
A rule with ``scope="batch"`` is called once per batch as
``check(batch, context, options)``:

- ``batch`` is the running :class:`oopslint.batch.BatchSummary`: ``email``
  (the parsed template), ``path``, ``rows`` read so far, ``bad_rows``,
  ``rules`` (per-code tallies of the per-row rules) and ``sample_size``
  (how many examples a finding should name).
- ``context`` is the batch's base :class:`oopslint.SendContext` (``--context``).
- ``options`` are the rule's options, as for any rule.

Written as a generator, the check receives the rows as they stream: each
``row = yield`` returns the next :class:`oopslint.batch.BatchRow` (``number``,
``id``, ``context``, ``findings`` of the per-row rules, and ``reject(reason)``
to count the row as bad), and ``None`` once the last row has been read. After
that, every value it yields is a :class:`~oopslint.Finding` about the whole
batch. It must keep only what it needs: batches can hold millions of rows.
Written as a plain function, it is called after the last row and returns its
findings::

    @rule(code="ACME101", name="too-many-rows", scope="batch", uses_context=True)
    def too_many_rows(batch, context, options):
        rows = 0
        while (row := (yield)) is not None:
            rows += 1
        if rows > 100_000:
            yield Finding(f"{rows:,} rows")

On a Dask cluster, and in the worker processes of ``--jobs``, a batch rule
whose check function carries ``check.mergeable`` (TRG006 and TRG007 do) runs
where each partition (or chunk) is read:
``check.mergeable(batch, context, options)`` makes a state with
``add(row)``, ``merge(later)`` (this state followed by ``later``'s rows, as a
new state; exact, neither input changed), ``findings()`` and optionally
``keep_firsts()`` (called on a partition's state) and ``absorb(later)``
(``merge`` in place, used when nothing else holds the state). The partitions'
states are folded in input order, so the findings equal those of a local run.
A batch rule without it makes the client (or the reading process) read every
row and feed the rule, as above.

Rows of a batch are checked with ``context.brief`` set: a per-row rule may
then yield its findings without message text (see :class:`oopslint.SendContext`);
the batch asks again, in full, for any row it shows.

In a batch, TRG001-TRG004 are decided together on most rows by one row
checker (``check.row_checker``, see :mod:`oopslint.batch.rows` and
``batch_rows.py``): the row's fields are read and parsed once and the
options once per batch; rows it does not decide are checked by the rules.
"""

from __future__ import annotations

from .trg001_stale_trigger import stale_trigger
from .trg002_old_order import old_order
from .trg003_status_mismatch import status_mismatch
from .trg004_impossible_timeline import impossible_timeline
from .trg005_stale_content_date import stale_content_date
from .trg006_replayed_batch import replayed_batch
from .trg007_duplicate_send import duplicate_send

RULES = [
    stale_trigger,
    old_order,
    status_mismatch,
    impossible_timeline,
    stale_content_date,
    replayed_batch,
    duplicate_send,
]

__all__ = [
    "RULES",
    "stale_trigger",
    "old_order",
    "status_mismatch",
    "impossible_timeline",
    "stale_content_date",
    "replayed_batch",
    "duplicate_send",
]
