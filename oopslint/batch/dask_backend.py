"""Batches and many emails on a Dask cluster (``pip install 'oopslint[dask]'``).

    oopslint batch shipped.html --contexts 'rows/part-*.jsonl' --scheduler tcp://10.0.0.5:8786
    oopslint batch shipped.html --contexts rows.parquet --scheduler local:4
    oopslint check --scheduler tcp://10.0.0.5:8786 'outbox/**/*.eml'

    report = lint_batch("shipped.html", "rows.jsonl", client=dask.distributed.Client(...))

The client reads the rows with oopslint's own readers (JSON Lines, a JSON
array, CSV, TSV, or Parquet through pyarrow; one file or a glob of
partitions, any path ``fsspec`` opens), numbers them across partitions, feeds
the batch rules in input order and sends the rows to the workers in
partitions of :data:`PARTITION_ROWS`. Each worker process prepares the
template once and keeps that :class:`~.runner.Runner` (and its result memo)
for every partition it checks. Partitions come back as counts and samples
and are merged in partition order, exactly as the local worker processes'
chunks are, so the report is the one a local run gives on the same rows.

A worker that dies loses only its partitions in flight; Dask runs them again
elsewhere, and as results are merged by partition number nothing is counted
twice.
"""

from __future__ import annotations

import copy
import os
import pickle
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..config import ConfigError
from ..context import ContextError
from ..engine import Linter
from ..report import Report
from .parallel import _Chunk, _Merger, chunked_rows
from .readers import iter_context_rows
from .runner import Runner

__all__ = [
    "INSTALL_HINT",
    "PARTITION_ROWS",
    "ClusterError",
    "connect",
    "iter_partitioned_rows",
    "lint_paths_on_dask",
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
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
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


def iter_partitioned_rows(source: Any, format: str = "auto", *, with_text: bool = False) -> Iterator[Any]:
    """The rows of one path or a glob of partitions (any fsspec URL), numbered
    across partitions in path order. Line numbers are those inside each file.
    Anything that is not a path goes to :func:`iter_context_rows`."""
    if not isinstance(source, (str, os.PathLike)) or os.fspath(source) == "-":
        yield from iter_context_rows(source, format, with_text=with_text)
        return
    import fsspec

    name = os.fspath(source)
    try:
        files = fsspec.open_files(name, mode="rb")
    except (OSError, ValueError, ImportError) as exc:
        raise ContextError(f"contexts {name}: cannot open ({exc})") from None
    if not files:
        raise ContextError(f"contexts {name}: no such file")
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


def _parquet_rows(handle: Any, path: str) -> Iterator[tuple[int, None, Any, None]]:
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
    for batch in table.iter_batches(batch_size=PARTITION_ROWS):
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
    client: Any, runner: Runner, rows: Iterable[Any], setup: BatchSetup, partition_rows: int | None = None
) -> None:
    """Like :meth:`Runner.run`, with the per-row rules on the Dask workers of
    ``client``. ``rows`` carry their JSON text as a fifth item."""
    _require_dask()
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
            future.release()
        merger._merge(chunk, pickle.loads(raw))

    def send(chunk: _Chunk) -> None:
        items = chunk.items
        chunk.items = []
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
            client.cancel(futures)


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
        client.cancel(futures)
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
