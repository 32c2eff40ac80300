"""Batches: one template checked against many recipients' send contexts.

    oopslint batch emails/shipped.html --contexts rows.jsonl

    from oopslint.batch import lint_batch
    report = lint_batch(Path("emails/shipped.html"), rows)      # rows: a path or any iterable of dicts
    report.batch.rules["TRG002"].failed_rows

The template is parsed once. Rules that do not read the context run once;
rules marked ``uses_context`` run for every row, against a fresh
:class:`~oopslint.SendContext` (``strict``: a missing value a rule needs makes
the row a bad row), and their results are reused for rows that agree on every
value the rule reads. Rows stream from the file, so memory does not grow with
the number of rows (batch rules keep only what they need). Large files are
checked by several processes (``jobs``). Rules with ``scope="batch"`` see
every row and then judge the batch as a whole; their protocol is documented
in :mod:`oopslint.rules.triggers`.

The report holds one finding per rule and place, saying how many rows it
hit, plus a :class:`BatchSummary`: per-rule counts, the first few row ids, the
oldest event, and the bad rows by number. Context files may be JSON Lines, a
JSON array, CSV or TSV (dotted headers such as ``order.placed_at`` nest).
"""

from __future__ import annotations

import os
import time as _time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import ConfigError
from ..context import SendContext, parse_timestamp
from ..engine import Linter
from ..report import Report, Severity
from .parallel import CHUNK_ROWS, auto_jobs, fork_available, run_parallel, workers_feed_batch_rules
from .readers import CONTEXT_FORMATS, iter_context_rows
from .results import BadRow, BatchReport, BatchRow, BatchSummary, RowRef, RuleTally
from .runner import Runner

__all__ = [
    "lint_batch",
    "BatchReport",
    "BatchSummary",
    "BatchRow",
    "RuleTally",
    "RowRef",
    "BadRow",
    "iter_context_rows",
    "CONTEXT_FORMATS",
]


def lint_batch(
    template: Any,
    contexts: Any,
    *,
    context: SendContext | Mapping[str, Any] | str | os.PathLike[str] | None = None,
    config: Any = None,
    linter: Linter | None = None,
    path: str | None = None,
    mode: str | None = None,
    offline: bool = False,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    fail_on: Severity | str | None = None,
    send_at: datetime | str | None = None,
    sample_size: int = 5,
    contexts_format: str = "auto",
    jobs: int | str = 1,
    client: Any = None,
    progress: Callable[[int], None] | None = None,
) -> BatchReport:
    """Check one template against every context in ``contexts``.

    ``template`` is the HTML itself (``str`` or ``bytes``; a ``str`` is
    always content) or a file as a ``pathlib.Path``; ``contexts`` is a path to a
    JSON Lines, JSON array, CSV or TSV file (``-`` for stdin), a stream, or
    any iterable of mappings. ``context`` is merged under every row (values
    shared by the whole batch). ``send_at`` is the send time of rows without
    their own (default: now). Templates are linted in ``template`` mode
    unless ``mode`` says otherwise. ``jobs`` worker processes run the
    per-row rules (``"auto"``: one per core for files of 16 MB or more;
    on Linux only, elsewhere one process).

    ``client``, a ``dask.distributed.Client``, runs the per-row rules on
    its workers instead (``pip install 'oopslint[dask]'``); ``contexts`` may
    then also be a glob of partitions, any fsspec URL, or Parquet, and the
    report is the one a local run gives on the same rows.

    ``progress`` is called with the number of rows read so far, every
    thousand rows or so (the CLI draws its progress bar with it).

    Raises :class:`ContextError` when the contexts cannot be opened and
    :class:`ConfigError` for invalid configuration; a bad row is reported,
    not raised.
    """
    started = _time.perf_counter()
    if contexts_format not in CONTEXT_FORMATS:
        raise ConfigError(
            f"contexts_format {contexts_format!r} is not a format; choose one of: {', '.join(CONTEXT_FORMATS)}"
        )
    if isinstance(jobs, str) and jobs.strip().isdigit():
        jobs = int(jobs)
    if jobs != "auto" and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ConfigError(f'jobs {jobs!r} must be a whole number of 1 or more, or "auto"')
    if linter is None:
        linter = Linter(
            config, offline=offline, mode=mode, default_mode="template", fail_on=fail_on, select=select, ignore=ignore
        )
    if isinstance(send_at, str):
        send_at = parse_timestamp(send_at, what="send_at")
    if isinstance(sample_size, bool) or not isinstance(sample_size, int) or sample_size < 1:
        raise ConfigError(f"sample_size {sample_size!r} must be a whole number of 1 or more")
    if client is not None and send_at is None:
        send_at = datetime.now(UTC)  # one "now" for the client and every worker
    label = path or (os.fspath(template) if isinstance(template, os.PathLike) else "<email>")
    contexts_name = os.fspath(contexts) if isinstance(contexts, (str, os.PathLike)) else None
    if contexts_name == "-":
        contexts_name = "<stdin>"
    shipped = None
    if client is not None:
        from .dask_backend import _shippable

        shipped = _shippable(linter)
    prepared = prepare_runner(linter, template, label, context, send_at, sample_size, contexts_name=contexts_name)
    if isinstance(prepared, Report):
        assert isinstance(prepared, BatchReport) and prepared.batch is not None
        prepared.batch.seconds = _time.perf_counter() - started
        return prepared
    runner = prepared
    runner.progress = progress
    job, summary = runner.job, runner.summary
    row_rules = [entry.rule for entry in runner.row_rules]
    batch_rules = runner.batch_rules
    try:
        if client is not None:
            from .dask_backend import BatchSetup, run_on_dask

            source = Path(template).read_bytes() if isinstance(template, os.PathLike) else template
            setup = BatchSetup(
                os.urandom(8).hex(),
                shipped,  # type: ignore[arg-type]
                source,
                label,
                context,
                send_at,  # type: ignore[arg-type]
                sample_size,
                tuple(rule.code for rule in row_rules),
            )
            run_on_dask(client, runner, contexts, setup, contexts_format)
        else:
            workers = auto_jobs(contexts) if jobs == "auto" else int(jobs)
            if workers > 1 and not fork_available():
                workers = 1
            if workers > 1 and row_rules:
                # when the workers feed the batch rules (or there are none), only they parse JSON Lines rows
                parse = bool(runner.consumers) and not workers_feed_batch_rules(runner)
                # nothing to do per row here: JSON Lines go to the workers as blocks of lines
                blocks = CHUNK_ROWS if not parse and runner.async_rules is None else 0
                rows = iter_context_rows(contexts, contexts_format, with_text=True, parse_json=parse, blocks=blocks)
                run_parallel(runner, rows, workers, source_bytes=_file_size(contexts) if blocks else None)
            else:
                runner.run(iter_context_rows(contexts, contexts_format))
    finally:
        if runner.async_rules is not None:
            runner.async_rules.close()
    runner.finish_batch_rules()
    linter.run([job], exclude=row_rules)
    job.add(runner.results(), ran=row_rules + batch_rules)
    report = linter.report([job])
    summary.seconds = _time.perf_counter() - started
    return BatchReport(
        files=report.files,
        fail_on=report.fail_on,
        skipped_network_rules=report.skipped_network_rules,
        unchecked_urls=report.unchecked_urls,
        batch=summary,
    )


def _file_size(source: Any) -> int | None:
    if not isinstance(source, (str, os.PathLike)) or os.fspath(source) == "-":
        return None
    try:
        return os.stat(source).st_size
    except OSError:
        return None


def prepare_runner(
    linter: Linter,
    template: Any,
    label: str,
    context: Any,
    send_at: datetime | None,
    sample_size: int,
    *,
    contexts_name: str | None = None,
    batch_rules: bool = True,
) -> Runner | BatchReport:
    """Parse the template and select its rules: a :class:`Runner` ready for
    rows, or the report of a template that could not be read. The Dask
    workers call this too (without the batch rules, which the client runs)."""
    summary = BatchSummary(path=label, contexts=contexts_name, sample_size=sample_size)
    [job] = linter.prepare([(template, label, context, None)])
    if job.failed:
        report = linter.report([job])
        return BatchReport(files=report.files, fail_on=report.fail_on, batch=summary)
    assert job.context is not None and job.config is not None
    summary.email = job.email
    mode_name = job.context.mode
    row_rules = [rule for rule in job.rules if rule.uses_context and not rule.network]
    selected = [
        rule
        for rule in linter.registry
        if rule.scope == "batch" and mode_name in rule.modes and job.config.is_selected(rule, label)
    ]
    runner = Runner(job, row_rules, selected if batch_rules else [], summary, send_at)
    runner.batch_rules = selected
    if any(entry.is_async for entry in runner.row_rules):
        from ._async_rules import AsyncRowRules

        runner.async_rules = AsyncRowRules(linter, job.config.section("http"))
    return runner
