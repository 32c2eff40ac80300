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

Blocks of rows
--------------
Where rows arrive many at a time (a chunk of a file, a partition), a batch
hands them over as a :class:`RowBlock` once the per-row rules have settled
which values they read, so a family reads each field of all the rows in one
call and loops over plain tuples, instead of being called once per row:

- a row checker may offer ``check_block(block)``: a list with its answer for
  each row of the block, as ``checker(block.context(i))`` would give it;
- a batch rule's mergeable state (see :mod:`oopslint.batch._states`) may
  offer ``add_block(block)``: the same as ``add(block.row(i))`` for each row
  in order, with ``block.reject(i, reason)`` for ``row.reject(reason)``.

Both are optional; the batch calls the per-row forms where they are absent.
A state whose ``add_block`` raises is fed the block again row by row, on a
fresh state, to find the row it fails on; the rule is then reported as
crashed there, as without the hook.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any, Protocol, TypeVar

from ..context import SendContext, read_values
from ..report import Finding
from ..rule import Rule
from .results import BatchRow

__all__ = ["EventTimes", "RowBlock", "RowChecker", "RowCheckerFactory", "RowOutcome", "row_checker_factory"]

_T = TypeVar("_T")


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


_ID_FIELDS = ("id", "order_id")
_ONLY_DICT = {dict}
_PLAIN = object()  # the memo key of RowBlock._plain


class RowBlock:
    """Consecutive rows of a batch, read together (see "Blocks of rows" above).

    ``numbers[i]`` and ``lines[i]`` are row ``i``'s number in the batch
    (1-based) and its line in the file (None where the source has no lines);
    ``prototype`` is the batch's row context without data, whose settings
    (fields, timezone, ``now``) every row's context has."""

    __slots__ = (
        "numbers",
        "lines",
        "data",
        "prototype",
        "_contexts",
        "_rows",
        "_values",
        "_memo",
        "rejections",
        "_make_row",
    )

    def __init__(
        self,
        prototype: SendContext,
        numbers: list[int],
        lines: list[int | None],
        data: list[Mapping[str, Any]],
        rows: Callable[[int], BatchRow] | None = None,
    ):
        """``rows(i)``: row ``i`` as the batch gives it to ``add`` (with the
        per-row rules' findings); by default, one with only its context."""
        self.numbers = numbers
        self.lines = lines
        self.data = data
        self.prototype = prototype
        self._contexts: dict[int, SendContext] = {}
        self._rows: dict[int, BatchRow] = {}
        self._values: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        self._memo: dict[Hashable, Any] = {}
        #: row index -> the first reason a batch rule gave to count it as bad
        self.rejections: dict[int, str] = {}
        self._make_row = rows

    def __len__(self) -> int:
        return len(self.numbers)

    def values(self, names: tuple[str, ...]) -> list[tuple[Any, ...]]:
        """Each row's values of these fields, as ``SendContext.values`` reads
        them; read once per block and list of names."""
        known = self._values.get(names)
        if known is None:
            data = self.data
            reader = read_values(self.prototype, names)
            if reader is not None and self._plain():
                known = list(map(reader, data))  # type: ignore[arg-type]  # all plain dicts: checked above
            else:
                known = [self.context(index).values(names) for index in range(len(data))]
            self._values[names] = known
        return known

    def _plain(self) -> bool:
        """Whether every row's data is a plain dict (read by ``SendContext.values``'s reader)."""
        plain = self._memo.get(_PLAIN)
        if plain is None:
            plain = self._memo[_PLAIN] = set(map(type, self.data)) == _ONLY_DICT
        return plain  # type: ignore[no-any-return]

    def context(self, index: int) -> SendContext:
        """Row ``index``'s context: the one its per-row rules were given."""
        context = self._contexts.get(index)
        if context is None:
            context = self._contexts[index] = self.prototype.with_data(self.data[index])
        return context

    def row(self, index: int) -> BatchRow:
        """Row ``index`` as ``add(row)`` would get it; its rejections count as
        :meth:`reject` ones."""
        row = self._rows.get(index)
        if row is None:
            if self._make_row is not None:
                row = self._make_row(index)
            else:
                row = BatchRow(self.numbers[index], None, self.lines[index], self.context(index))
            self._rows[index] = row
        return row

    def id(self, index: int) -> str | None:
        """Row ``index``'s id for reports (``id``, else ``order.id``), as ``BatchRow.id``."""
        row = self._rows.get(index)
        if row is not None:
            return row.id
        value, order_id = self.values(_ID_FIELDS)[index]
        if value is None or value == "":
            value = order_id
        if value in (None, "") or isinstance(value, (dict, list)):
            return None
        return str(value)[:80]

    def reject(self, index: int, reason: str) -> None:
        """Count row ``index`` as bad, as ``BatchRow.reject`` does; a row's first reason is kept."""
        self.rejections.setdefault(index, reason)

    def take_row_rejections(self) -> None:
        """Move the rejections made through :meth:`row` rows into :attr:`rejections`."""
        for index, row in self._rows.items():
            if row._rejections:
                self.rejections.setdefault(index, row._rejections[0])
                row._rejections = None

    def memo(self, key: Hashable, compute: Callable[[RowBlock], _T]) -> _T:
        """What rules derive from the whole block, computed once (as
        ``SendContext.memo`` is for one row): ``compute(block)`` runs the first
        time ``key`` is asked for."""
        memo = self._memo
        if key in memo:
            return memo[key]  # type: ignore[no-any-return]
        value = memo[key] = compute(self)
        return value
