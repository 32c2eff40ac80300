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

import argparse
import os
import sys
import time as _time
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, TextIO

from ..config import ConfigError
from ..context import SendContext, load_context_file, parse_timestamp
from ..engine import Linter, _run_coroutine
from ..report import Severity
from .parallel import auto_jobs, fork_available, run_parallel
from .readers import CONTEXT_FORMATS, iter_context_rows
from .results import BadRow, BatchReport, BatchRow, BatchSummary, RowRef, RuleTally
from .runner import Runner
from ..formats.text import use_color

__all__ = [
    "lint_batch",
    "BatchReport",
    "BatchSummary",
    "BatchRow",
    "RuleTally",
    "RowRef",
    "BadRow",
    "iter_context_rows",
    "add_batch_arguments",
    "run_batch_command",
    "CONTEXT_FORMATS",
]


def lint_batch(
    template: Any,
    contexts: Any,
    *,
    context: "SendContext | Mapping[str, Any] | str | os.PathLike[str] | None" = None,
    config: Any = None,
    linter: Linter | None = None,
    path: str | None = None,
    mode: str | None = None,
    offline: bool = False,
    select: "list[str] | None" = None,
    ignore: "list[str] | None" = None,
    fail_on: "Severity | str | None" = None,
    send_at: "datetime | str | None" = None,
    sample_size: int = 5,
    contexts_format: str = "auto",
    jobs: "int | str" = 1,
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

    Raises :class:`ContextError` when the contexts cannot be opened and
    :class:`ConfigError` for invalid configuration; a bad row is reported,
    not raised.
    """
    started = _time.perf_counter()
    if contexts_format not in CONTEXT_FORMATS:
        raise ConfigError(f"contexts_format {contexts_format!r} is not a format; choose one of: {', '.join(CONTEXT_FORMATS)}")
    if isinstance(jobs, str) and jobs.strip().isdigit():
        jobs = int(jobs)
    if jobs != "auto" and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ConfigError(f"jobs {jobs!r} must be a whole number of 1 or more, or \"auto\"")
    if linter is None:
        linter = Linter(config, offline=offline, mode=mode, default_mode="template", fail_on=fail_on,
                        select=select, ignore=ignore)
    if isinstance(send_at, str):
        send_at = parse_timestamp(send_at, what="send_at")
    if isinstance(sample_size, bool) or not isinstance(sample_size, int) or sample_size < 1:
        raise ConfigError(f"sample_size {sample_size!r} must be a whole number of 1 or more")
    label = path or (os.fspath(template) if isinstance(template, os.PathLike) else "<email>")
    contexts_name = os.fspath(contexts) if isinstance(contexts, (str, os.PathLike)) else None
    if contexts_name == "-":
        contexts_name = "<stdin>"
    summary = BatchSummary(path=label, contexts=contexts_name, sample_size=sample_size)
    prepared, results = linter._prepare_all([(template, label, context, None)])
    if not prepared:
        summary.seconds = _time.perf_counter() - started
        return BatchReport(files=results, fail_on=linter.fail_on or Severity.ERROR, batch=summary)
    job = prepared[0]
    summary.email = job.email
    mode_name = job.context.mode
    every_rule = job.sync_rules + job.async_rules
    row_rules = [rule for rule in every_rule if rule.uses_context and not rule.network]
    once_sync = [rule for rule in job.sync_rules if rule not in row_rules]
    once_async = [rule for rule in job.async_rules if rule not in row_rules]
    batch_rules = [rule for rule in linter.registry
                   if rule.scope == "batch" and mode_name in rule.modes and job.config.is_selected(rule, label)]
    workers = auto_jobs(contexts) if jobs == "auto" else int(jobs)
    if workers > 1 and not fork_available():
        workers = 1
    runner = Runner(job, row_rules, batch_rules, summary, send_at)
    if workers > 1 and row_rules:
        run_parallel(runner, iter_context_rows(contexts, contexts_format, with_text=True), workers)
    else:
        runner.run(iter_context_rows(contexts, contexts_format))
    runner.finish_batch_rules()
    job.sync_rules, job.async_rules = once_sync, once_async
    if once_async:
        _run_coroutine(linter._run_async([job]))
    else:
        linter._run_sync(job)
    job.findings.extend(runner.results())
    job.sync_rules = once_sync + row_rules + batch_rules
    report = linter._report([job], results)
    summary.seconds = _time.perf_counter() - started
    return BatchReport(files=report.files, fail_on=report.fail_on, skipped_network_rules=report.skipped_network_rules,
                       unchecked_urls=report.unchecked_urls, extra=report.extra, batch=summary)


# ---------------------------------------------------------------- command line


def add_batch_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``oopslint batch`` options beyond the common ones."""
    parser.add_argument("--contexts", metavar="FILE", required=True,
                        help="one send context per row: JSON Lines, a JSON array, CSV or TSV (- for stdin)")
    parser.add_argument("--contexts-format", choices=CONTEXT_FORMATS, default="auto",
                        help="format of --contexts (default: from the file name, else sniffed)")
    parser.add_argument("--context", metavar="FILE",
                        help="values shared by every row (JSON or YAML), merged under each row")
    parser.add_argument("--send-at", metavar="TIMESTAMP",
                        help="send time of rows without send_at, ISO 8601 with an offset (default: now)")
    parser.add_argument("--show-rows", metavar="N", type=_positive_int, default=5,
                        help="how many row ids to name per rule (default: 5)")
    parser.add_argument("--jobs", "-j", metavar="N", type=_jobs, default="auto",
                        help="processes for the per-row checks "
                        "(default: auto, one per core for files of 16 MB or more)")


def _jobs(value: str) -> "int | str":
    if value == "auto":
        return value
    return _positive_int(value)


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def run_batch_command(args: argparse.Namespace, linter: Linter, writer_stdout: TextIO) -> int:
    """Run ``oopslint batch`` and write the report; returns the exit code."""
    if args.template == "-" and args.contexts == "-":
        sys.stderr.write("oopslint: the template and --contexts cannot both be read from stdin\n")
        return 2
    base = load_context_file(args.context) if getattr(args, "context", None) else None
    send_at = None
    if getattr(args, "send_at", None):
        tz_name = linter.config_for(args.template).section("context").get("timezone") or None
        from ..context import _resolve_timezone

        send_at = parse_timestamp(args.send_at, default_tz=_resolve_timezone(tz_name), what="--send-at")
    if args.template == "-":
        template: Any = sys.stdin.buffer.read()
        path = "<stdin>"
    else:
        template = Path(args.template)
        path = args.template
    report = lint_batch(template, args.contexts, context=base, linter=linter, path=path, send_at=send_at,
                        sample_size=getattr(args, "show_rows", 5),
                        contexts_format=getattr(args, "contexts_format", "auto"), jobs=getattr(args, "jobs", "auto"))
    format_name = getattr(args, "format", "text")
    if format_name == "text":
        write_text(report, writer_stdout, color=use_color(getattr(args, "color", "auto"), writer_stdout))
    else:
        from ..formats import get_writer

        get_writer(format_name)(report, writer_stdout, color=False)
    if report.empty:
        sys.stderr.write(f"oopslint: {report.batch.contexts if report.batch else 'contexts'}: 0 rows; nothing was checked\n")
    return report.exit_code


def write_text(report: BatchReport, stream: TextIO, *, color: bool = False) -> None:
    """Findings as ``oopslint check`` prints them, then the batch table."""
    from .._redact import redact_report
    from ..formats.text import format_finding, summary_line

    report = redact_report(report)
    for finding in report.findings:
        stream.write(format_finding(finding, color=color))
        stream.write("\n\n" if finding.snippet else "\n")
    summary = report.batch
    if summary is not None:
        stream.write(format_batch_summary(summary) + "\n")
    if report.empty:
        stream.write("Nothing checked: the contexts had 0 rows.\n")
    else:
        stream.write(summary_line(report) + "\n")


def format_batch_summary(summary: BatchSummary) -> str:
    contexts = f" from {summary.contexts}" if summary.contexts else ""
    lines = [
        f"Batch: {summary.rows:,} rows{contexts} ({summary.checked:,} checked, {summary.bad_rows:,} bad) "
        f"in {summary.seconds:.2f} s, {summary.rows_per_second:,.0f} rows/s"
    ]
    if summary.rules:
        width = max(len(t.name) for t in summary.rules.values())
        for code, tally in sorted(summary.rules.items()):
            noun = "row " if tally.failed_rows == 1 else "rows"
            share = tally.share(summary.checked)
            line = f"  {code} {tally.name:<{width}}  {tally.failed_rows:>10,} {noun} ({share:6.1%})"
            if tally.first_rows:
                line += "  first: " + ", ".join(
                    str(ref.row) + (f" [{ref.id}]" if ref.id else "") for ref in tally.first_rows)
            if tally.oldest_event:
                line += f"  oldest event: {tally.oldest_event.date().isoformat()}"
            lines.append(line)
    for code, count in sorted(summary.batch_rules.items()):
        lines.append(f"  {code} (whole batch): {'reported' if count else 'ok'}")
    if summary.bad_samples:
        lines.append("  bad rows: " + "; ".join(f"{RowRef(b.row, b.id, b.line)}: {b.reason}"
                                                for b in summary.bad_samples[: summary.sample_size]))
    return "\n".join(lines)
