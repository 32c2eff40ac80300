"""Batch rules fed where their rows are checked: the mergeable-state hook.

A batch rule whose check function carries ``check.mergeable``, a class
``(batch, context, options)`` with ``add(row)``, ``merge(later)`` and
``findings()``, can be fed on each worker (a chunk or a partition of the rows
at a time) and its states folded in input order; the result is the one state
fed every row. Local worker processes and the Dask backend both use it.
A state may also offer ``expect(rows)``: a hint, given to the first state of
a fold, of how many rows are still to come (so it can size itself once); and
``keep_firsts()``, called on a partition's fresh state: it is to be merged
into an earlier one, so it keeps what it would show of its rows. A state that
also offers ``rows_again(fetch)`` is spared that where the folding process
still holds the partition's rows: it gets ``fetch(number)`` (a
:class:`BatchRow` of the partition, or None) before it is folded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config import ConfigError
from ..engine import RuleCrash
from ..rule import Rule

__all__ = [
    "mergeable_state",
    "Folded",
    "fold_states",
    "expect_rows",
    "finish_states",
    "RemoteCrash",
    "crash_detail",
    "report_outcomes",
]


def mergeable_state(rule: Rule) -> Any:
    """The state class a batch rule offers for merging across partitions
    (``rule.check.mergeable``), or None."""
    return getattr(rule.check, "mergeable", None)


@dataclass
class Folded:
    """The batch rules' states folded over the partitions so far."""

    states: dict[str, Any]
    crashed: dict[str, tuple[int, str]]


def crash_detail(rule: Rule, exc: Exception) -> str:
    return RuleCrash(rule, exc).detail


def fold_states(
    folded: Folded | None, states: dict[str, Any], crashed: dict[str, tuple[int, str]], *, in_place: bool = False
) -> Folded:
    """The batch rules' states of the partitions so far, followed by the next
    partition's ``states`` (and the rules that ``crashed`` on it). A rule that
    crashed stays crashed at its first row, as in a local run, which stops
    feeding it there. ``in_place``: ``folded`` and its states may be changed
    (a state with ``absorb(later)`` then takes the later one in without a copy)."""
    if folded is None:
        return Folded(dict(states), dict(crashed))
    out = folded if in_place else Folded(dict(folded.states), dict(folded.crashed))
    for code, record in crashed.items():
        if code not in out.crashed:
            out.crashed[code] = record
            out.states.pop(code, None)
    for code, state in states.items():
        if code in out.crashed:
            continue
        before = out.states.get(code)
        try:
            if before is None:
                out.states[code] = state
            elif in_place and hasattr(before, "absorb"):
                before.absorb(state)
            else:
                out.states[code] = before.merge(state)
        except Exception as exc:
            out.states.pop(code, None)
            out.crashed[code] = (0, f"merging partitions: {type(exc).__name__}: {exc}")
    return out


def expect_rows(states: dict[str, Any], rows: int) -> None:
    """Tell the states that offer ``expect(rows)`` about how many rows are to come."""
    for state in states.values():
        expect = getattr(state, "expect", None)
        if expect is not None:
            try:
                expect(rows)
            except Exception:
                pass  # only a hint: the fold goes on, and fails there if the state is broken


def finish_states(folded: Folded) -> dict[str, tuple[Any, ...]]:
    """Each batch rule's findings on the whole batch:
    ``("ok", [Finding, ...])``, ``("crash", row, detail)`` or ``("config", message)``."""
    out: dict[str, tuple[Any, ...]] = {code: ("crash", row, detail) for code, (row, detail) in folded.crashed.items()}
    for code, state in folded.states.items():
        try:
            out[code] = ("ok", list(state.findings()))
        except ConfigError as exc:
            out[code] = ("config", str(exc))
        except Exception as exc:
            out[code] = ("crash", 0, f"{type(exc).__name__}: {exc}")
    return out


class RemoteCrash(RuleCrash):
    """A rule crash that happened in another process, known by its description."""

    def __init__(self, rule: Rule, detail: str):
        super().__init__(rule, RuntimeError(detail))
        object.__setattr__(self, "_detail", detail)

    @property
    def detail(self) -> str:
        return self._detail  # type: ignore[attr-defined,no-any-return]


def report_outcomes(runner: Any, batch: list[tuple[Rule, Any]], outcomes: dict[str, tuple[Any, ...]]) -> None:
    """Give ``runner`` (a batch Runner) what :func:`finish_states` worked out for
    its batch rules, and take those rules off the ones it still feeds."""
    for rule, generator in batch:
        generator.close()
        outcome = outcomes.get(rule.code)
        if outcome is None:
            continue
        if outcome[0] == "ok":
            for value in outcome[1]:
                runner._batch_finding(rule, value)
        elif outcome[0] == "config":
            raise ConfigError(outcome[1])
        else:
            runner.crash(RemoteCrash(rule, outcome[2]), outcome[1])
    runner.consumers = [entry for entry in runner.consumers if entry not in batch]
