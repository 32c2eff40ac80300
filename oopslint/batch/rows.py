"""The row hook: a family of per-row rules checked together on each row of a batch.

A batch runs the per-row rules (``uses_context=True``) on every row. Run one
by one, rules that read the same fields each read, parse and resolve them
again, and on a million rows that is most of the time. A family can offer
one checker for several of its rules instead:

- each rule's check function carries ``check.row_checker = Factory``, the
  same object for every rule the checker decides;
- at the start of a batch, for the enabled rules that carry it, the batch
  calls ``Factory(email, context, options)`` once: ``email`` is the parsed
  template, ``context`` the batch's row prototype (a
  :class:`~oopslint.SendContext` with ``strict`` and ``brief`` set and no
  data), ``options`` maps each of those rules' codes to its options. Settings
  are parsed here, once per batch. Raising (a bad option value, a context it
  does not handle) makes the batch run the rules themselves, as without it;
- then the checker is called with each row's context and returns a dict
  from code to that rule's findings on the row (a code left out: no
  findings), with ``None`` for a rule it leaves to run itself on this row,
  or ``None`` for the whole row (the rules run themselves). Findings may
  be given as a list of :class:`~oopslint.Finding` or, for the common brief
  ones, as :class:`EventTimes`: one finding per item, at the rule's default
  severity, without a span, with the item as ``data["event_at"]`` (a million
  failing rows then make no Finding objects at all).

Its findings must be the ones the rule would yield for the row with
``context.brief`` set: the same number, span, severity and
``data["event_at"]``, message text optional. The batch stamps them with the
rule's code, and asks the rule itself, in full, for any row it shows. A
checker that raises on a row counts as ``None`` for that row. Rules keep
working without the hook (one email, ``oopslint check``), so the hook is
only a faster path to the same outcome; ``rules/triggers/batch_rows.py`` is
the built-in example (TRG001-TRG004). Results are the same with every
backend (one process, ``--jobs``, Dask).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ..context import SendContext
from ..report import Finding
from ..rule import Rule

__all__ = ["EventTimes", "RowChecker", "RowCheckerFactory", "RowOutcome", "row_checker_factory"]


class EventTimes(tuple):  # type: ignore[type-arg]
    """Brief findings of one rule on one row, given by their event times: each
    item stands for ``Finding("", data={"event_at": item})`` at the rule's
    default severity and without a span (an item of None: no event time)."""

    __slots__ = ()


#: a checker's answer for one row: code -> findings (None: the rule runs itself), or None
RowOutcome = dict[str, list[Finding] | EventTimes | None] | None


class RowChecker(Protocol):
    """What a factory returns: called once per row."""

    def __call__(self, context: SendContext) -> RowOutcome: ...


RowCheckerFactory = Callable[[Any, SendContext, Mapping[str, Mapping[str, Any]]], RowChecker]


def row_checker_factory(rule: Rule) -> RowCheckerFactory | None:
    """The row-checker factory a rule's check carries (``check.row_checker``), or None."""
    return getattr(rule.check, "row_checker", None)
