"""Spreading the per-row rules of a batch over worker processes.

The reading process keeps the order: it reads every row and hands rows out
in chunks (JSON Lines rows as their text: the workers decode them). Forked
workers run the per-row rules on their chunks and send back counts only
(tallies, example findings, bad rows); the reading process merges them in
chunk order, so "the first rows" and the bad-row samples are the same as in
a run on one process. Batch rules with the mergeable-state hook (see
:mod:`._states`) are fed by the workers, a fresh state per chunk, and folded
here in chunk order; any other batch rule makes the reading process decode
and feed every row itself. At most two chunks per worker are in flight, so
memory stays flat however long the batch is.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import sys
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ..config import ConfigError
from ..context import SendContext
from ._states import expect_rows, finish_states, fold_states, mergeable_state, report_outcomes
from .readers import LineBlock, block_size, parse_json_row
from .results import BatchRow, RuleTally, row_id
from .runner import CHUNK_ROWS, Group, Runner, quiet_collector

__all__ = ["run_parallel", "fork_available", "auto_jobs", "workers_feed_batch_rules"]

_AUTO_MIN_BYTES = 16 << 20
_POLL = 0.5


def fork_available() -> bool:
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def auto_jobs(source: Any) -> int:
    """Worker processes for ``jobs="auto"``: every core for a large file, none otherwise."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    if cores < 2 or not fork_available() or not isinstance(source, (str, os.PathLike)):
        return 1
    try:
        size = os.stat(source).st_size
    except OSError:
        return 1
    return min(cores, 8) if size >= _AUTO_MIN_BYTES else 1


@dataclass
class _Chunk:
    index: int
    items: list[tuple[int, int | None, Any]] = field(default_factory=list)
    #: instead of items: a block of JSON Lines lines that the worker splits into rows
    block: LineBlock | None = None
    unreadable: list[tuple[int, int | None, str | None, str]] = field(default_factory=list)
    rejected: dict[int, tuple[int | None, str | None, str]] = field(default_factory=dict)
    #: the rows as read here (parsed), for the async rules run in this process
    parsed: list[tuple[int, int | None, Any]] = field(default_factory=list)
    #: the rows as sent, kept until the chunk is merged when its batch-rule states read rows again
    sent: list[tuple[int, int | None, Any]] | LineBlock | None = None


def chunked_rows(runner: Runner, rows: Iterable[Any], size: int) -> Iterator[_Chunk]:
    """Rows in chunks for the workers, of ``size`` rows growing to four times that
    (:func:`~.readers.block_size`), the last one possibly short.

    Unreadable rows are counted and kept by number; the batch rules (which
    need every row, in order) are fed here, in the reading process. A
    :class:`LineBlock` (JSON Lines read for workers that feed the batch rules
    themselves) is one chunk as it is: its rows are counted, not stepped through."""
    summary = runner.summary
    consumers = runner.consumers if not runner.fold_codes else []
    progress = runner.progress
    keep_parsed = runner.async_rules is not None
    chunk = _Chunk(0)
    for row in rows:
        if row.__class__ is LineBlock:
            if chunk.items or chunk.unreadable:
                yield chunk
                chunk = _Chunk(chunk.index + 1)
            if runner.source_bytes and runner.expected_rows is None and row.rows:
                # rows in the file, estimated from the first block's characters per row
                runner.expected_rows = runner.source_bytes * row.rows // max(1, sum(map(len, row.lines)))
            summary.rows += row.rows
            summary.checked += row.rows  # a worker takes back the rows it finds unreadable
            if progress is not None:
                progress(summary.rows)
            chunk.block = row
            yield chunk
            chunk = _Chunk(chunk.index + 1)
            continue
        number, line, data, error, text = row
        summary.rows += 1
        if progress is not None and not summary.rows & 1023:
            progress(summary.rows)
        if error is not None:
            chunk.unreadable.append((number, line, None, error))
            continue
        summary.checked += 1
        if text is not None:
            payload = text
        elif isinstance(data, SendContext):
            payload = dict(data.data)
        else:
            payload = dict(data)
        chunk.items.append((number, line, payload))
        if keep_parsed:
            chunk.parsed.append((number, line, payload if data is None else data))
        if consumers:
            row_context = runner.context(runner.row_data(data))
            row = BatchRow(number, None, line, row_context, None, partial(runner.findings_for, row_context, number))
            runner.feed(row)
            if row._rejections:
                chunk.rejected[number] = (line, row_id(row_context), row._rejections[0])
        if len(chunk.items) >= block_size(chunk.index, size):
            yield chunk
            chunk = _Chunk(chunk.index + 1)
    yield chunk


class _RowsAgain:
    """A row of a chunk read again here, by number (``rows_again`` of a batch-rule state)."""

    def __init__(self, runner: Runner, sent: list[tuple[int, int | None, Any]] | LineBlock):
        self.runner = runner
        self.sent = sent
        self.by_number: dict[int, tuple[int | None, Any]] | None = None

    def __call__(self, number: int) -> BatchRow | None:
        if self.by_number is None:
            rows = self.sent.items() if isinstance(self.sent, LineBlock) else self.sent
            self.by_number = {row_number: (line, payload) for row_number, line, payload in rows}
        found = self.by_number.get(number)
        if found is None:
            return None
        line, payload = found
        if payload.__class__ is str:
            payload, error = parse_json_row(payload)
            if error is not None:
                return None
        runner = self.runner
        # as the worker made it: Runner.check_chunk, then check_row
        return BatchRow(number, None, line, runner.context(runner.row_data(payload)))


class WorkerError(RuntimeError):
    """A worker process failed; the batch result would be incomplete."""


def _worker(runner: Runner, tasks: Any, results: Any) -> None:
    index = -1
    try:
        with quiet_collector():  # also keeps the collector off the pages shared with the parent
            while True:
                task = tasks.get()
                if task is None:
                    if runner.async_rules is not None:
                        runner.async_rules.close()
                    return
                index, items, outcomes = pickle.loads(task)
                results.put(runner.check_chunk(index, items, outcomes))
    except ConfigError as exc:
        results.put(pickle.dumps((index, "config", str(exc))))
    except BaseException:
        results.put(pickle.dumps((index, "fatal", traceback.format_exc())))


def workers_feed_batch_rules(runner: Runner) -> bool:
    """Whether every batch rule offers the mergeable-state hook, so the workers
    feed them and the reading process only splits the rows (see :mod:`._states`)."""
    return all(mergeable_state(rule) is not None for rule, _ in runner.consumers)


def run_parallel(
    runner: Runner, rows: Iterable[Any], jobs: int, chunk_rows: int = CHUNK_ROWS, source_bytes: int | None = None
) -> None:
    """Like :meth:`Runner.run`, with ``jobs`` worker processes. ``rows`` carry
    their JSON text as a fifth item (None when the row was not JSON Lines).

    When every batch rule can be fed in parts (:func:`workers_feed_batch_rules`),
    each worker feeds a fresh state per chunk and this process folds them in
    chunk order; otherwise the batch rules are fed here, as rows are read.
    ``source_bytes``, the size of the file read, lets the folded states size
    themselves once for the rows it is estimated to hold (see :func:`chunked_rows`).
    ``rows`` may hold :class:`LineBlock` s (see :func:`chunked_rows`) when no
    batch rule is fed here and no async rule runs here."""
    batch = list(runner.consumers) if workers_feed_batch_rules(runner) else []
    runner.fold_codes = tuple(rule.code for rule, _ in batch)
    runner.source_bytes = source_bytes
    runner.rows_again = bool(batch)
    try:
        _run_parallel(runner, rows, jobs, chunk_rows)
    finally:
        runner.fold_codes = ()
        runner.rows_again = False
        runner.source_bytes = runner.expected_rows = None
    if batch:
        _finish_folded(runner, batch)


def _finish_folded(runner: Runner, batch: list[tuple[Any, Any]]) -> None:
    folded = runner.folded
    runner.folded = None
    report_outcomes(runner, batch, finish_states(folded) if folded is not None else {})


def _run_parallel(runner: Runner, rows: Iterable[Any], jobs: int, chunk_rows: int) -> None:
    context = multiprocessing.get_context("fork")
    tasks = context.Queue(maxsize=jobs * 2)
    results = context.Queue()
    workers = [
        context.Process(target=_worker, args=(runner, tasks, results), daemon=True, name=f"oopslint-batch-{n}")
        for n in range(jobs)
    ]
    for worker in workers:
        worker.start()
    merger = _Merger(runner)
    ok = False
    try:
        with quiet_collector():
            for chunk in chunked_rows(runner, rows, chunk_rows):
                merger.send(chunk, tasks, results, workers)
        for _ in workers:
            _put(tasks, None, results, workers, merger)
        merger.wait_all(results, workers)
        ok = True
    finally:
        if not ok:
            tasks.cancel_join_thread()
            for worker in workers:
                if worker.is_alive():
                    worker.terminate()
        for worker in workers:
            worker.join(timeout=5)
        tasks.close()
        results.close()


def _put(tasks: Any, item: Any, results: Any, workers: list[Any], merger: _Merger) -> None:
    while True:
        try:
            tasks.put(item, timeout=_POLL)
            return
        except queue.Full:
            merger.drain(results, workers, block=False)


class _Merger:
    """Merges chunk results in chunk order."""

    def __init__(self, runner: Runner):
        self.runner = runner
        self.waiting: dict[int, _Chunk] = {}
        self.arrived: dict[int, tuple] = {}
        self.next = 0
        self.sent = 0

    def send(self, chunk: _Chunk, tasks: Any, results: Any, workers: list[Any]) -> None:
        items: list[tuple[int, int | None, Any]] | LineBlock = chunk.items
        chunk.items = []
        if chunk.block is not None:
            items, chunk.block = chunk.block, None
        if self.runner.rows_again:
            chunk.sent = items
        self.waiting[chunk.index] = chunk
        self.sent += 1
        outcomes = None
        if self.runner.async_rules is not None:
            # async rules (coupon look-ups) run here, through the batch's one client, so
            # each distinct code is asked once at the configured politeness; workers take the outcomes
            assert not isinstance(items, LineBlock), "rows come in blocks only when no async rule runs here"
            outcomes = self.runner.async_outcomes(chunk.parsed or items)
        chunk.parsed = []
        try:
            task = pickle.dumps((chunk.index, items, outcomes), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            raise TypeError(
                f"rows must be plain data (dicts, lists, strings, numbers) to be checked by several "
                f"processes; use jobs=1 ({exc})"
            ) from None
        _put(tasks, task, results, workers, self)
        self.drain(results, workers, block=False)

    def drain(self, results: Any, workers: list[Any], *, block: bool) -> None:
        while True:
            try:
                raw = results.get(timeout=_POLL) if block else results.get_nowait()
            except queue.Empty:
                if block:
                    dead = [w for w in workers if w.exitcode not in (None, 0)]
                    if dead:
                        raise WorkerError(
                            f"batch worker {dead[0].name} stopped (exit code {dead[0].exitcode})"
                        ) from None
                    continue
                return
            message = pickle.loads(raw)
            index, status = message[0], message[1]
            if status == "config":
                raise ConfigError(message[2])
            if status == "fatal":
                raise WorkerError("a batch worker failed:\n" + message[2])
            self.arrived[index] = message
            while self.next in self.arrived:
                self._merge(self.waiting.pop(self.next), self.arrived.pop(self.next))
                self.next += 1
            if block:
                return

    def wait_all(self, results: Any, workers: list[Any]) -> None:
        while self.next < self.sent:
            self.drain(results, workers, block=True)

    def _merge(self, chunk: _Chunk, message: tuple) -> None:
        runner = self.runner
        summary = runner.summary
        size = summary.sample_size
        tallies, groups, crashes, problems = message[2:6]
        if len(message) > 6:  # rows a worker found unreadable were counted as checked when read
            summary.checked -= message[6]
        if len(message) > 8:  # the batch rules' states of this chunk, fed by the worker
            if runner.folded is None and runner.expected_rows:
                expect_rows(message[7], runner.expected_rows)
            if chunk.sent is not None:
                fetch = _RowsAgain(runner, chunk.sent)
                for state in message[7].values():
                    if hasattr(state, "rows_again"):
                        state.rows_again(fetch)
            runner.folded = fold_states(runner.folded, message[7], message[8], in_place=True)
        for code, part in tallies.items():
            total = summary.rules.get(code)
            if total is None:
                summary.rules[code] = total = RuleTally(part.code, part.name)
            total.failed_rows += part.failed_rows
            total.findings += part.findings
            total.crashed_rows += part.crashed_rows
            room = size - len(total.first_rows)
            if room > 0:
                total.first_rows.extend(part.first_rows[:room])
            if part.oldest_event is not None and (total.oldest_event is None or part.oldest_event < total.oldest_event):
                total.oldest_event = part.oldest_event
        for key, part in groups.items():
            group: Group | None = runner.groups.get(key)
            if group is None:
                part.samples = part.samples[:size]
                runner.groups[key] = part
                continue
            group.rows += part.rows
            room = size - len(group.samples)
            if room > 0:
                group.samples.extend(part.samples[:room])
            if part.oldest is not None and (group.oldest is None or part.oldest < group.oldest):
                group.oldest = part.oldest
        for code, (name, text, row, count) in crashes.items():
            record = runner.crashes.get(code)
            if record is None:
                runner.crashes[code] = [name, text, row, count]
            else:
                record[3] += count
        bad: dict[int, tuple[int | None, str | None, str]] = {}
        for number, line, the_id, reason in chunk.unreadable:
            bad[number] = (line, the_id, reason)
        for number, (line, the_id, reason) in chunk.rejected.items():
            bad[number] = (line, the_id, reason)
        for number, line, the_id, reason in problems:
            bad[number] = (line, the_id, reason)  # a rule's reason comes first, as on one process
        for number in sorted(bad):
            line, the_id, reason = bad[number]
            runner.bad(number, line, the_id, reason)
