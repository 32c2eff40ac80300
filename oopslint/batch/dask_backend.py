"""Batches and many emails on a Dask cluster (``pip install 'oopslint[dask]'``).

    oopslint batch shipped.html --contexts 'rows/part-*.jsonl' --scheduler tcp://10.0.0.5:8786
    oopslint batch shipped.html --contexts rows.parquet --scheduler local:4
    oopslint check --scheduler tcp://10.0.0.5:8786 'outbox/**/*.eml'

    report = lint_batch("shipped.html", "rows.jsonl", client=dask.distributed.Client(...))

The client never holds rows. For a path or a glob (any URL ``fsspec``
opens), one task per file first plans the file on a worker: a JSON Lines file
is cut at line ends every :data:`PARTITION_ROWS` rows, a Parquet file by row
groups, and a CSV, TSV or JSON-array file (whose records may span lines) is
one partition. The plans give each partition its first global row number and
line, so every later task knows exactly where its rows sit in the batch. Each
partition task then reads its own byte range or row groups with oopslint's
readers (``"00123"`` stays a string, a broken line is a bad row with its
number) and runs the per-row rules with the worker's prepared
:class:`~.runner.Runner`, kept per worker process with its result memo.

Batch rules run on the workers too, through the mergeable-state hook: a
batch rule whose check function carries ``check.mergeable``, a class
``State(batch, context, options)`` with

- ``add(row)``: take one :class:`~.results.BatchRow` (it may ``row.reject``),
- ``merge(later) -> State``: this state followed by ``later``'s rows, as a
  new state, neither input changed, exact (no approximations),
- ``findings()``: the findings about the whole batch,
- optionally ``keep_firsts()``: called on a partition's state, which will be
  merged as ``later``,

gets one state per partition, fed where the partition is read. The states are
folded in input order by a chain of tasks on the workers (TRG006 adds counts;
TRG007 merges key tables and rewrites its samples' first rows), and only the
findings come back. The fold runs beside the partitions: measured here,
folding a 20,000-row partition into TRG007's key table takes 40-90 ms of CPU,
about 1% of checking those rows, so the one chain keeps up with about a
hundred workers (hash-bucketed chains would lift that); its memory is that of
the local rule (about 20 bytes per distinct TRG007 key) on one worker. A batch rule without the
hook, or contexts that are not a path (a stream, stdin, an iterable), make
the client read the rows and feed the batch rules as before.

Per-row counts come back per partition and are merged in partition order,
exactly as the local worker processes' chunks are, so the report is the one
a local run gives on the same rows. A worker that dies loses only its tasks
in flight; Dask runs them again elsewhere from their inputs, and as results
are merged by partition number nothing is counted twice.
"""

from __future__ import annotations

import copy
import os
import pickle
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from ..config import ConfigError
from ..context import ContextError
from ..engine import Linter
from ..report import Report
from ._states import Folded, crash_detail, finish_states, mergeable_state, report_outcomes
from ._states import fold_states as _fold
from .parallel import CHUNK_ROWS, _Chunk, _Merger, chunked_rows
from .readers import _read_stream, _sniff, iter_context_rows
from .runner import Runner

__all__ = [
    "INSTALL_HINT",
    "PARTITION_ROWS",
    "ClusterError",
    "connect",
    "iter_partitioned_rows",
    "lint_paths_on_dask",
    "mergeable_state",
    "plan_partitions",
    "run_on_dask",
]

INSTALL_HINT = "pip install 'oopslint[dask]'"
#: rows per task: large enough that Dask's overhead per task is small against the rows' checks
PARTITION_ROWS = 20_000
#: emails per task for ``oopslint check --scheduler``
FILES_PER_TASK = 50
CONNECT_SECONDS = 5.0
PARQUET_SUFFIXES = (".parquet", ".pq")


class ClusterError(ConfigError):
    """Dask is missing, the scheduler cannot be reached, or the cluster failed
    the run: the batch cannot be checked (exit code 2, like bad configuration)."""


def _require_dask() -> Any:
    try:
        import distributed
    except ImportError:
        raise ClusterError(f"running on Dask needs the dask extra: {INSTALL_HINT}") from None
    return distributed


@dataclass
class Connection:
    """A Dask client, and the local cluster it owns (``local:N``), if any."""

    client: Any
    cluster: Any = None
    owned: bool = True

    def close(self) -> None:
        if not self.owned:
            return
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def connect(scheduler: str, *, timeout: float = CONNECT_SECONDS) -> Connection:
    """A client for ``tcp://host:port`` (a running scheduler) or ``local:N``
    (a LocalCluster of N worker processes on this machine, one thread each)."""
    distributed = _require_dask()
    import dask

    if scheduler.startswith("local:") or scheduler == "local":
        count = scheduler.partition(":")[2] or str(os.cpu_count() or 1)
        try:
            workers = int(count)
        except ValueError:
            raise ClusterError(f"--scheduler {scheduler}: local:N needs a number of worker processes") from None
        if workers < 1:
            raise ClusterError(f"--scheduler {scheduler}: local:N needs at least one worker process")
        cluster = distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
        )
        return Connection(distributed.Client(cluster), cluster)
    address = scheduler if "://" in scheduler else f"tcp://{scheduler}"
    try:
        with dask.config.set({"distributed.comm.timeouts.connect": f"{timeout}s"}):
            client = distributed.Client(address, timeout=f"{timeout}s")
    except (OSError, TimeoutError) as exc:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {address} within {timeout:g} s "
            f"({type(exc).__name__}); is `dask scheduler` running there?"
        ) from None
    return Connection(client)


def _workers(client: Any) -> int:
    try:
        return max(1, len(client.scheduler_info().get("workers", {})))
    except Exception:
        return 1


# ------------------------------------------------------------------ reading


def _open_files(name: str) -> list[Any]:
    """The files a path or glob (any fsspec URL) names; ContextError when none can be opened."""
    import fsspec

    try:
        files = fsspec.open_files(name, mode="rb")
    except (OSError, ValueError, ImportError) as exc:
        raise ContextError(f"contexts {name}: cannot open ({exc})") from None
    if not files:
        raise ContextError(f"contexts {name}: no such file")
    return list(files)


def iter_partitioned_rows(source: Any, format: str = "auto", *, with_text: bool = False) -> Iterator[Any]:
    """The rows of one path or a glob of partitions (any fsspec URL), numbered
    across partitions in path order. Line numbers are those inside each file.
    Anything that is not a path goes to :func:`iter_context_rows`."""
    if not isinstance(source, (str, os.PathLike)) or os.fspath(source) == "-":
        yield from iter_context_rows(source, format, with_text=with_text)
        return
    name = os.fspath(source)
    files = _open_files(name)
    offset = 0
    for opened in files:
        path = opened.path
        is_parquet = format == "auto" and path.lower().endswith(PARQUET_SUFFIXES) or format == "parquet"
        file_format = "auto" if is_parquet else format
        if file_format == "auto":
            file_format = _format_from_suffix(path)  # as a local run names the format
        try:
            handle = opened.open()
        except FileNotFoundError:
            raise ContextError(f"contexts file {path}: no such file") from None
        except IsADirectoryError:
            raise ContextError(f"contexts file {path}: is a directory") from None
        except OSError as exc:
            raise ContextError(f"contexts file {path}: cannot read ({exc})") from None
        last = 0
        with handle:
            rows = (
                _parquet_rows(handle, path)
                if is_parquet
                else iter_context_rows(handle, file_format, with_text=with_text)
            )
            for row in rows:
                last = row[0]
                if is_parquet and with_text:
                    row = (*row, None)
                yield (row[0] + offset, *row[1:]) if offset else row
        offset += last


def _format_from_suffix(path: str) -> str:
    suffix = os.path.splitext(path)[1].lower()
    return {
        ".jsonl": "jsonl",
        ".ndjson": "jsonl",
        ".jsonlines": "jsonl",
        ".csv": "csv",
        ".tsv": "tsv",
        ".json": "json",
    }.get(suffix, "auto")


def _parquet_rows(handle: Any, path: str, row_groups: list[int] | None = None) -> Iterator[tuple[int, None, Any, None]]:
    """Parquet rows as typed by their schema (a string column stays a string);
    dotted column names nest as in CSV, nulls are left out."""
    try:
        import pyarrow.parquet as parquet
    except ImportError:
        raise ClusterError(f"reading Parquet needs pyarrow: {INSTALL_HINT}") from None
    try:
        table = parquet.ParquetFile(handle)
    except Exception as exc:
        raise ContextError(f"contexts file {path}: not a readable Parquet file ({exc})") from None
    number = 0
    columns: list[tuple[str, ...]] | None = None
    for batch in table.iter_batches(batch_size=PARTITION_ROWS, row_groups=row_groups):
        if columns is None:
            columns = [tuple(name.split(".")) for name in batch.schema.names]
        for record in batch.to_pylist():
            number += 1
            row: dict[str, Any] = {}
            for parts, value in zip(columns, record.values()):
                if value is None:
                    continue
                target = row
                for part in parts[:-1]:
                    nested = target.get(part)
                    if not isinstance(nested, dict):
                        nested = target[part] = {}
                    target = nested
                target[parts[-1]] = value
            yield number, None, row, None


# ------------------------------------------------------------------ planning on the workers


@dataclass
class Piece:
    """One partition of the contexts: a byte range of a JSON Lines file, some
    row groups of a Parquet file, or a whole CSV/TSV/JSON file; with the
    global number of the rows before it and the file's lines before it."""

    index: int
    fs: Any
    path: str
    format: str
    start: int = 0
    end: int | None = None
    row_groups: tuple[int, ...] | None = None
    rows: int = 0
    rows_before: int = 0
    lines_before: int = 0


def _is_blank(raw: bytes) -> bool:
    """Whether a line is blank as ``str.strip`` sees it (JSON Lines skips those)."""
    stripped = raw.strip()
    if not stripped:
        return True
    if stripped[:1] == b"{" or stripped[0] < 0x80 and stripped[0] not in b"\x1c\x1d\x1e\x1f":
        return False
    return not raw.decode("utf-8", "replace").strip()


def _text_lines(raw: bytes) -> list[bytes]:
    """``raw`` (up to and including a ``\n``) cut where a text stream with
    universal newlines ends a line: after ``\r\n``, ``\n`` or a lone ``\r``."""
    out = []
    start = 0
    end = len(raw)
    index = raw.find(b"\r")
    while index >= 0:
        if index + 1 < end and raw[index + 1 : index + 2] == b"\n":
            index = raw.find(b"\r", index + 1)
            continue
        out.append(raw[start : index + 1])
        start = index + 1
        index = raw.find(b"\r", start)
    if start < end:
        out.append(raw[start:])
    return out


def _plan_jsonl(handle: Any, partition_rows: int) -> list[tuple[int, int | None, int, int]]:
    """(start, end, rows, lines before) of consecutive ranges of ``partition_rows``
    rows, cut only after a ``\n`` so each range starts a line in any newline style."""
    cuts: list[tuple[int, int | None, int, int]] = []
    position = start = 0
    lines = lines_at_start = rows = 0
    first = True
    for raw in handle:
        size = len(raw)
        if first:
            first = False
            if raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
        if b"\r" in raw and not (raw.endswith(b"\r\n") and raw.count(b"\r") == 1):
            for line in _text_lines(raw):
                lines += 1
                if not _is_blank(line):
                    rows += 1
        else:
            lines += 1
            if not _is_blank(raw):
                rows += 1
        position += size
        if rows >= partition_rows and raw.endswith(b"\n"):
            cuts.append((start, position, rows, lines_at_start))
            start, lines_at_start, rows = position, lines, 0
    if rows or not cuts:
        cuts.append((start, None, rows, lines_at_start))
    return cuts


def plan_file(fs: Any, path: str, format: str, partition_rows: int, count: bool) -> tuple[str, Any, Any]:
    """How one contexts file splits into partitions (a worker task):
    ``("ok", format, [(start, end, rows, lines before, row groups), ...])`` or
    ``("error", message, None)``. ``count``: the rows of a file read whole are
    counted (a later file's rows are numbered after them)."""
    try:
        is_parquet = format == "parquet" or format == "auto" and path.lower().endswith(PARQUET_SUFFIXES)
        with fs.open(path, "rb") as handle:
            if is_parquet:
                return "ok", "parquet", _plan_parquet(handle, path, partition_rows)
            if format == "auto":
                format = _format_from_suffix(path)
            if format == "auto":
                import io

                buffered = handle if hasattr(handle, "peek") else io.BufferedReader(handle)  # type: ignore[arg-type]
                format = _sniff(buffered)
                handle.seek(0)
            if format == "jsonl":
                return "ok", format, [(*cut, None) for cut in _plan_jsonl(handle, partition_rows)]
            rows = sum(1 for _ in _read_stream(handle, format, path)) if count else 0
            return "ok", format, [(0, None, rows, 0, None)]
    except FileNotFoundError:
        return "error", f"contexts file {path}: no such file", None
    except IsADirectoryError:
        return "error", f"contexts file {path}: is a directory", None
    except (ContextError, ClusterError) as exc:
        return "error", str(exc), None
    except OSError as exc:
        return "error", f"contexts file {path}: cannot read ({exc})", None


def _plan_parquet(handle: Any, path: str, partition_rows: int) -> list[tuple[int, None, int, int, tuple[int, ...]]]:
    try:
        import pyarrow.parquet as parquet
    except ImportError:
        raise ClusterError(f"reading Parquet needs pyarrow: {INSTALL_HINT}") from None
    try:
        metadata = parquet.ParquetFile(handle).metadata
    except Exception as exc:
        raise ContextError(f"contexts file {path}: not a readable Parquet file ({exc})") from None
    cuts: list[tuple[int, None, int, int, tuple[int, ...]]] = []
    groups: list[int] = []
    rows = 0
    for group in range(metadata.num_row_groups):
        groups.append(group)
        rows += metadata.row_group(group).num_rows
        if rows >= partition_rows:
            cuts.append((0, None, rows, 0, tuple(groups)))
            groups, rows = [], 0
    if groups or not cuts:
        cuts.append((0, None, rows, 0, tuple(groups)))
    return cuts


def plan_partitions(client: Any, source: Any, format: str = "auto", partition_rows: int | None = None) -> list[Piece]:
    """The partitions of a path or glob (any fsspec URL), planned by the
    workers, numbered across files in path order. Raises ContextError."""
    size = partition_rows or PARTITION_ROWS
    name = os.fspath(source)
    files = _open_files(name)
    token = os.urandom(6).hex()
    futures = [
        client.submit(
            plan_file,
            opened.fs,
            opened.path,
            format,
            size,
            index < len(files) - 1,
            pure=False,
            key=f"oopslint-plan-{token}-{index}",
        )
        for index, opened in enumerate(files)
    ]
    try:
        plans = [_result(future, "planning the partitions") for future in futures]
    finally:
        _cancel_leftovers(client, futures)
    pieces: list[Piece] = []
    rows_before = 0
    for opened, (status, file_format, cuts) in zip(files, plans):
        if status != "ok":
            raise ContextError(file_format)
        for start, end, rows, lines_before, row_groups in cuts:
            pieces.append(
                Piece(
                    len(pieces),
                    opened.fs,
                    opened.path,
                    file_format,
                    start,
                    end,
                    row_groups,
                    rows,
                    rows_before,
                    lines_before,
                )
            )
            rows_before += rows
    return pieces


def _piece_rows(piece: Piece) -> Iterator[tuple[int, int | None, Any, str | None]]:
    """The rows of one partition, with their global numbers and lines in the file."""
    import io

    rows_before, lines_before = piece.rows_before, piece.lines_before
    with piece.fs.open(piece.path, "rb") as handle:
        if piece.format == "parquet":
            rows: Iterator[Any] = _parquet_rows(handle, piece.path, list(piece.row_groups or ()))
        elif piece.format == "jsonl":
            handle.seek(piece.start)
            data = handle.read() if piece.end is None else handle.read(piece.end - piece.start)
            text = io.TextIOWrapper(
                io.BytesIO(data), encoding="utf-8-sig" if piece.start == 0 else "utf-8", errors="replace", newline=""
            )
            rows = _read_stream(text, "jsonl", piece.path)
        else:
            rows = _read_stream(handle, piece.format, piece.path)
        for number, line, data_, error in rows:
            yield number + rows_before, (line + lines_before if line is not None else None), data_, error


def _cancel_leftovers(client: Any, futures: list[Any]) -> None:
    """Cancel the tasks a batch no longer needs. This runs in ``finally`` blocks:
    a cluster that fails at it must not hide the error that ended the batch, and
    tasks left behind are dropped when the client disconnects anyway."""
    try:
        client.cancel(futures)
    except Exception:  # noqa: BLE001 - cleanup only; the batch's own outcome is reported
        pass


def _release(future: Any) -> None:
    try:
        future.release()
    except Exception:  # noqa: BLE001 - as _cancel_leftovers
        pass


def _result(future: Any, what: str) -> Any:
    try:
        return future.result()
    except (ClusterError, ConfigError, ContextError):
        raise
    except Exception as exc:
        raise ClusterError(f"the Dask cluster failed {what}: {type(exc).__name__}: {exc}") from None


# ------------------------------------------------------------------ workers

_LOCK = threading.Lock()
_RUNNERS: OrderedDict[str, Runner] = OrderedDict()
_LINTERS: OrderedDict[str, Linter] = OrderedDict()
_KEEP = 4


@dataclass
class BatchSetup:
    """What a worker needs to check rows like the client would: sent once per
    worker, prepared once per worker process and kept under ``token``."""

    token: str
    linter: Linter
    template: Any
    label: str
    context: Any
    send_at: Any
    sample_size: int
    row_rules: tuple[str, ...]
    #: batch rules the workers feed and fold (mergeable-state hook)
    batch_codes: tuple[str, ...] = ()


def _worker_runner(setup: BatchSetup) -> Runner:
    with _LOCK:
        runner = _RUNNERS.get(setup.token)
        if runner is not None:
            _RUNNERS.move_to_end(setup.token)
            return runner
    from . import prepare_runner

    prepared = prepare_runner(
        _revive(setup.linter),
        setup.template,
        setup.label,
        setup.context,
        setup.send_at,
        setup.sample_size,
        batch_rules=False,
    )
    if isinstance(prepared, Report):
        raise ClusterError(f"a worker could not read the template {setup.label}")
    runner = prepared
    codes = tuple(entry.rule.code for entry in runner.row_rules)
    if codes != setup.row_rules:
        raise ClusterError(
            f"a worker selected other rules than the client ({', '.join(codes)} instead of "
            f"{', '.join(setup.row_rules)}): install the same oopslint and plugins on every worker"
        )
    with _LOCK:
        _RUNNERS[setup.token] = runner
        while len(_RUNNERS) > _KEEP:
            _RUNNERS.popitem(last=False)
    return runner


def check_partition(setup: BatchSetup, index: int, items: list[tuple[int, int | None, Any]]) -> bytes:
    """Run the per-row rules on one partition; the counts, pickled (a worker task)."""
    runner = _worker_runner(setup)
    with _LOCK:  # one partition at a time per process: the runner's tallies are per partition
        return runner.check_chunk(index, items)


@dataclass
class PartResult:
    """What a partition task leaves on its worker: the per-row counts (pickled,
    for the client) and the batch rules' states (for the fold)."""

    index: int
    rows: int
    checked: int
    unreadable: list[tuple[int, int | None, None, str]]
    tallies: bytes
    states: dict[str, Any]
    crashed: dict[str, tuple[int, str]]


def check_piece(setup: BatchSetup, piece: Piece) -> PartResult:
    """Read one partition on this worker, run the per-row rules on its rows and
    feed the batch rules' states (a worker task)."""
    runner = _worker_runner(setup)
    with _LOCK:  # one partition at a time per process: the runner's tallies are per partition
        summary = runner.summary
        runner.start_counts()
        rules = {rule.code: rule for rule in runner.batch_rules}
        states: dict[str, Any] = {}
        crashed: dict[str, tuple[int, str]] = {}
        for code in setup.batch_codes:
            rule = rules.get(code)  # type: ignore[assignment]
            if rule is None:
                raise ClusterError(
                    f"a worker has no batch rule {code}: install the same oopslint and plugins on every worker"
                )
            try:
                state = mergeable_state(rule)(summary, runner.job.context, runner.config.options_for(rule))
                if hasattr(state, "keep_firsts"):
                    state.keep_firsts()
                states[code] = state
            except Exception as exc:
                crashed[code] = (0, crash_detail(rule, exc))
        problems: list[tuple[int, int | None, str | None, str]] = []
        unreadable: list[tuple[int, int | None, None, str]] = []
        rows = checked = 0
        read: Iterable[Any] = _piece_rows(piece)
        if runner.async_rules is not None:  # per-row network look-ups: collected for the partition, done at once
            read = [
                (number, line, runner.row_data(data) if error is None else None, error)
                for number, line, data, error in read
            ]
            runner.prefetch([(number, data) for number, _line, data, error in read if error is None])
        merged = runner.async_rules is not None
        block: list[tuple[int, int | None, Any]] = []
        for number, line, data, error in read:
            rows += 1
            if error is not None:
                unreadable.append((number, line, None, error))
                continue
            checked += 1
            block.append((number, line, data if merged else runner.row_data(data)))
            if len(block) >= CHUNK_ROWS:
                runner.check_rows(block, states, crashed, problems)
                block = []
        runner.check_rows(block, states, crashed, problems)
        message = (piece.index, "ok", summary.rules, runner.groups, runner.crashes, problems)
        try:
            tallies = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        except Exception:
            # a rule put something unpicklable in a finding's data: keep the counts
            plain = {key: replace(group, example=group.example.with_(data={})) for key, group in runner.groups.items()}
            tallies = pickle.dumps(
                (piece.index, "ok", summary.rules, plain, runner.crashes, problems), pickle.HIGHEST_PROTOCOL
            )
    return PartResult(piece.index, rows, checked, unreadable, tallies, states, crashed)


def part_counts(part: PartResult) -> tuple[int, int, list[Any], bytes]:
    """The client's share of a partition's result (a worker task)."""
    return part.rows, part.checked, part.unreadable, part.tallies


def fold_states(folded: Folded | None, part: PartResult) -> Folded:
    """The batch rules' states of the partitions so far, followed by ``part``'s
    (a worker task). A rule that crashed stays crashed at its first row, as in
    a local run, which stops feeding it there."""
    return _fold(folded, part.states, part.crashed)


def _shippable(linter: Linter) -> Linter:
    """A copy of ``linter`` without the emails and HTTP results it cached, and
    without its locks (a lock cannot be sent; :func:`_revive` makes new ones)."""
    shipped = copy.copy(linter)
    for name, empty in (("_emails", OrderedDict), ("_http_memory", dict)):
        if hasattr(shipped, name):
            setattr(shipped, name, empty())
    for name, value in list(vars(shipped).items()):
        if isinstance(value, _LOCK_TYPES):
            setattr(shipped, name, None)
    return shipped


_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


def _revive(linter: Linter) -> Linter:
    """New locks in a Linter a worker received from :func:`_shippable`."""
    for name, value in list(vars(linter).items()):
        if value is None and name.endswith("_lock"):
            setattr(linter, name, threading.Lock())
    return linter


# ------------------------------------------------------------------ the client


def run_on_dask(
    client: Any,
    runner: Runner,
    contexts: Any,
    setup: BatchSetup,
    contexts_format: str = "auto",
    partition_rows: int | None = None,
) -> None:
    """Like :meth:`Runner.run` and the batch rules' feeding, on the Dask
    workers of ``client``. A path or glob is planned and read by the workers;
    anything else is read here (see the module's docs)."""
    _require_dask()
    on_workers = isinstance(contexts, (str, os.PathLike)) and os.fspath(contexts) != "-"
    if on_workers and all(mergeable_state(rule) is not None for rule, _ in runner.consumers):
        _run_on_workers(client, runner, contexts, setup, contexts_format, partition_rows)
    else:
        rows = iter_partitioned_rows(contexts, contexts_format, with_text=True)
        _run_reading_on_client(client, runner, rows, setup, partition_rows)


def _run_on_workers(
    client: Any, runner: Runner, contexts: Any, setup: BatchSetup, contexts_format: str, partition_rows: int | None
) -> None:
    pieces = plan_partitions(client, contexts, contexts_format, partition_rows)
    batch = list(runner.consumers)
    setup = replace(setup, batch_codes=tuple(rule.code for rule, _ in batch))
    summary = runner.summary
    merger = _Merger(runner)
    limit = 2 * _workers(client) + 1
    token = setup.token
    in_flight: OrderedDict[int, Any] = OrderedDict()
    folded: Any = None
    final: Any = None

    def collect_oldest() -> None:
        index, future = in_flight.popitem(last=False)
        try:
            rows, checked, unreadable, tallies = _result(future, f"partition {index}")
        finally:
            _release(future)
        summary.rows += rows
        summary.checked += checked
        merger._merge(_Chunk(index, unreadable=unreadable), pickle.loads(tallies))

    try:
        for piece in pieces:
            part = client.submit(check_piece, setup, piece, pure=False, key=f"oopslint-part-{token}-{piece.index}")
            in_flight[piece.index] = client.submit(
                part_counts, part, pure=False, key=f"oopslint-counts-{token}-{piece.index}"
            )
            if batch:
                folded = client.submit(
                    fold_states, folded, part, pure=False, key=f"oopslint-fold-{token}-{piece.index}"
                )
            del part  # the fold and the counts hold it on the workers while they need it
            while len(in_flight) >= limit:
                collect_oldest()
        while in_flight:
            collect_oldest()
        if folded is not None:
            final = client.submit(finish_states, folded, pure=False, key=f"oopslint-finish-{token}")
            report_outcomes(runner, batch, _result(final, "the batch rules"))
    finally:
        pending = [future for future in (*in_flight.values(), folded, final) if future is not None]
        if pending:
            _cancel_leftovers(client, pending)


def _run_reading_on_client(
    client: Any, runner: Runner, rows: Iterable[Any], setup: BatchSetup, partition_rows: int | None = None
) -> None:
    """The per-row rules on the workers, the rows read and the batch rules fed
    here (contexts that are not a path, or a batch rule without the
    mergeable-state hook). ``rows`` carry their JSON text as a fifth item."""
    size = partition_rows or PARTITION_ROWS
    limit = 2 * _workers(client) + 1
    # The setup goes with every task rather than scattered once: a task's inputs live on the
    # scheduler, so a partition can be run again even when every worker that had it died.
    shared = setup
    merger = _Merger(runner)
    in_flight: OrderedDict[int, tuple[_Chunk, Any]] = OrderedDict()

    def merge_oldest() -> None:
        index, (chunk, future) = in_flight.popitem(last=False)
        try:
            raw = future.result()
        except ClusterError:
            raise
        except ConfigError:
            raise
        except Exception as exc:
            raise ClusterError(f"the Dask cluster failed partition {index}: {type(exc).__name__}: {exc}") from None
        finally:
            _release(future)
        merger._merge(chunk, pickle.loads(raw))

    def send(chunk: _Chunk) -> None:
        items = chunk.items
        chunk.items = []
        chunk.parsed = []  # Dask workers run the async rules themselves
        future = client.submit(
            check_partition,
            shared,
            chunk.index,
            items,
            pure=False,
            key=f"oopslint-partition-{setup.token}-{chunk.index}",
        )
        in_flight[chunk.index] = (chunk, future)
        while len(in_flight) >= limit:
            merge_oldest()

    try:
        for chunk in chunked_rows(runner, rows, size):
            send(chunk)
        while in_flight:
            merge_oldest()
    finally:
        futures = [future for _, future in in_flight.values()]
        if futures:
            _cancel_leftovers(client, futures)


def lint_paths_on_dask(
    client: Any,
    linter: Linter,
    paths: list[str],
    *,
    context: Any = None,
    stdin: bytes | None = None,
    files_per_task: int = FILES_PER_TASK,
) -> Report:
    """:meth:`Linter.lint_paths` with the emails spread over Dask workers (one
    Linter kept per worker process); the report lists files in path order."""
    _require_dask()
    token = os.urandom(8).hex()
    shared = _shippable(linter)
    items: list[tuple[Any, str, Any]] = []
    for entry in paths:
        if entry == "-":
            data = stdin if stdin is not None else b""
            items.append((data, "<stdin>", context))
        elif "://" in entry:
            items.append((entry, entry, context))
        else:
            items.append((os.path.abspath(entry), entry, context))
    futures = [
        client.submit(
            lint_files,
            shared,
            token,
            items[start : start + files_per_task],
            pure=False,
            key=f"oopslint-files-{token}-{start}",
        )
        for start in range(0, len(items), files_per_task)
    ]
    try:
        parts: list[Report] = []
        for future in futures:
            try:
                parts.append(pickle.loads(future.result()))
            except ConfigError:
                raise
            except Exception as exc:
                raise ClusterError(f"the Dask cluster failed: {type(exc).__name__}: {exc}") from None
    finally:
        _cancel_leftovers(client, futures)
    files = [result for part in parts for result in part.files]
    skipped: list[str] = []
    for part in parts:
        skipped.extend(code for code in part.skipped_network_rules if code not in skipped)
    fail_on = parts[0].fail_on if parts else linter.config_for(None).fail_on
    return Report(
        files=files,
        fail_on=fail_on,
        skipped_network_rules=skipped,
        unchecked_urls=sum(part.unchecked_urls for part in parts),
    )


def lint_files(linter: Linter, token: str, items: list[tuple[Any, str, Any]]) -> bytes:
    """Lint some emails with this worker's Linter (a worker task); the Report, pickled."""
    with _LOCK:
        kept = _LINTERS.get(token)
        if kept is None:
            kept = _LINTERS[token] = _revive(linter)
            while len(_LINTERS) > _KEEP:
                _LINTERS.popitem(last=False)
    from pathlib import Path

    sources = []
    for source, label, context in items:
        if isinstance(source, str) and "://" in source:
            import fsspec

            try:
                with fsspec.open(source, "rb") as handle:
                    source = handle.read()
            except OSError:
                pass
        elif isinstance(source, str):
            source = Path(source)
        sources.append((source, label, context, None))
    with _LOCK:
        report = kept.lint_many(sources)
    try:
        return pickle.dumps(report, pickle.HIGHEST_PROTOCOL)
    except Exception:
        for result in report.files:
            result.findings = [finding.with_(data={}) for finding in result.findings]
        return pickle.dumps(report, pickle.HIGHEST_PROTOCOL)


# ------------------------------------------------------------------ the send guard on the workers

_GUARDS: OrderedDict[str, Any] = OrderedDict()
_LOOPBACK = ("127.", "localhost", "::1", "[::1]")


def _guard_scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def _worker_hosts(client: Any) -> list[str]:
    from urllib.parse import urlsplit

    hosts = []
    for address in client.scheduler_info().get("workers", {}):
        hosts.append(urlsplit(address).hostname or address)
    return hosts


def refuse_unshared_guard(client: Any, url: str | None) -> None:
    """A ``sqlite://`` ledger (or a ``unix://`` Redis socket) is a file on this
    machine: with workers elsewhere each would check its own file and a
    duplicate would go unseen. It is allowed only when every worker runs on
    this machine (``--scheduler local:N``, or workers on 127.0.0.1)."""
    if not url or _guard_scheme(url) not in ("sqlite", "unix"):
        return
    remote = [host for host in _worker_hosts(client) if not host.startswith(_LOOPBACK)]
    if remote:
        raise ClusterError(
            f"a {_guard_scheme(url)}:// send guard is a file on this machine, but Dask workers run on "
            f"{', '.join(sorted(set(remote))[:3])}: they cannot share it. Use a redis:// guard that every "
            "worker reaches, or --scheduler local:N"
        )


def _absolute_guard_url(url: str) -> str:
    """A relative ``sqlite:///ledger.db`` made absolute: workers run in other folders."""
    if _guard_scheme(url) != "sqlite":
        return url
    rest = url.split("://", 1)[1]
    path, mark, query = rest.partition("?")
    path = path[1:] if path.startswith("/") else path
    if not path or path.startswith("/") or path.startswith("~"):
        return url
    return f"sqlite:///{os.path.abspath(path)}{mark}{query}"


@dataclass
class GuardSetup:
    """What a worker needs to look up (and claim) the keys of its partitions.
    The URL travels as written: a ``${VAR}`` in it is expanded on the worker."""

    token: str
    url: str
    config: Any
    base: Any
    claim: bool
    sample_size: int
    fields: dict[str, str]


def _worker_guard(setup: GuardSetup) -> Any:
    from ..guard import SendGuard

    with _LOCK:
        guard = _GUARDS.get(setup.token)
        if guard is None:
            guard = _GUARDS[setup.token] = SendGuard(setup.url, config=setup.config)
            while len(_GUARDS) > _KEEP:
                _GUARDS.popitem(last=False)[1].close()
        return guard


def guard_piece(setup: GuardSetup, piece: Piece) -> tuple[str, Any]:
    """Look up (with ``claim``: record as sent) the keys of one partition's rows
    on this worker (a worker task): ``("ok", GuardTally)`` or an error kind and
    its message."""
    from ..guard._entry import GuardError, GuardUnavailable
    from ..guard.batch import tally_rows

    try:
        guard = _worker_guard(setup)
        tally = tally_rows(
            guard,
            _piece_rows(piece),
            base=setup.base,
            claim=setup.claim,
            sample_size=setup.sample_size,
            fields=setup.fields,
        )
    except GuardUnavailable as exc:
        return "unavailable", str(exc)
    except GuardError as exc:
        return "guard", str(exc)
    except ConfigError as exc:
        return "config", str(exc)
    return "ok", tally


def guard_on_dask(
    client: Any,
    url: str,
    config: Any,
    contexts: Any,
    *,
    base: Any = None,
    claim: bool = False,
    sample_size: int = 5,
    fields: Any = None,
    contexts_format: str = "auto",
) -> Any:
    """:func:`oopslint.guard.batch.check_rows` with the look-ups and claims on
    the Dask workers, one task per partition, each worker with its own ledger
    connection. The tallies are merged in partition order, so the report is
    the one a local run gives. Raises GuardUnavailable / GuardError as locally."""
    from ..guard._entry import GuardError, GuardUnavailable
    from ..guard.batch import GuardTally

    _require_dask()
    refuse_unshared_guard(client, url)
    if not isinstance(contexts, (str, os.PathLike)) or os.fspath(contexts) == "-":
        raise ClusterError("the send guard on Dask reads the contexts on the workers: give --contexts as a path")
    pieces = plan_partitions(client, contexts, contexts_format)
    setup = GuardSetup(
        os.urandom(8).hex(), _absolute_guard_url(url), config, base, claim, sample_size, dict(fields or {})
    )
    futures = [
        client.submit(guard_piece, setup, piece, pure=False, key=f"oopslint-guard-{setup.token}-{piece.index}")
        for piece in pieces
    ]
    total = GuardTally()
    try:
        for future in futures:
            kind, value = _result(future, "the send guard")
            _release(future)
            if kind == "unavailable":
                raise GuardUnavailable(value)
            if kind == "guard":
                raise GuardError(value)
            if kind == "config":
                raise ConfigError(value)
            _merge_tally(total, value, sample_size)
    finally:
        _cancel_leftovers(client, futures)
    return total


def _merge_tally(total: Any, part: Any, sample_size: int) -> None:
    for name in ("rows", "already_sent", "in_progress", "no_key", "claimed"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    if part.first_sent is not None and (total.first_sent is None or part.first_sent < total.first_sent):
        total.first_sent = part.first_sent
    if part.last_sent is not None and (total.last_sent is None or part.last_sent > total.last_sent):
        total.last_sent = part.last_sent
    room = sample_size - len(total.first_rows)
    if room > 0:
        total.first_rows.extend(part.first_rows[:room])
    if part.no_key_reason:
        total.no_key_reason = part.no_key_reason
