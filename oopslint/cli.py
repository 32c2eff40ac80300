"""Command line: parse arguments, call the API, pick a writer, set the exit code.

Exit codes: 0 nothing at or above the fail level; 1 findings at or above it;
2 usage, configuration, unreadable input or a rule crash.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from . import __version__, _startup
from .config import ConfigError
from .context import ContextError
from .formats import FORMATS, get_writer
from .formats.text import use_color
from .registry import RegistryError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``, without importing shutil (and
    the compression modules it loads) on every start: argparse asks for the
    width each time an argument is added, to check its help formats."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's, with the width argparse takes by default (two columns less than the terminal's)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        super().__init__(prog, indent_increment, max_help_position, _terminal_columns() - 2 if width is None else width)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"oopslint: error: {message}\n")
        raise SystemExit(EXIT_ERROR)


def _split(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _dialect_names(value: str) -> str:
    from .templating import resolve_dialects

    try:
        resolve_dialects(_split([value]) or [value])
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", "-f", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument(
        "--config", metavar="FILE", help="configuration file (default: found by walking up from each file)"
    )
    parser.add_argument(
        "--select", action="append", metavar="CODES", help="only these codes, prefixes or rule names (comma-separated)"
    )
    parser.add_argument("--ignore", action="append", metavar="CODES", help="skip these codes, prefixes or rule names")
    parser.add_argument(
        "--offline", action="store_true", help="skip every network check; say how many URLs went unchecked"
    )
    parser.add_argument(
        "--rendered", action="store_true", help="lint as mail about to be sent: any merge tag left is an error"
    )
    parser.add_argument(
        "--dialect",
        action="append",
        metavar="NAME",
        type=_dialect_names,
        help="merge-tag dialect(s) to recognise (default: the unambiguous ones)",
    )
    parser.add_argument(
        "--fail-on",
        choices=("error", "warning", "info"),
        help="lowest level that makes the exit code 1 (default: error)",
    )
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the link-check cache")
    parser.add_argument("--cache-path", metavar="FILE", help="where the link-check cache lives")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour in text output")


#: Commands whose parsing needs nothing from the batch runner or the send guard.
_LIGHT_COMMANDS = ("check", "rules", "explain")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser. Given the ``command`` about to be parsed, one of
    ``check``, ``rules`` or ``explain``, it leaves out the ``batch`` and
    ``guard`` commands, whose options would import the batch runner and the
    guard (multiprocessing, sqlite3) for nothing."""
    parser = _Parser(
        prog="oopslint",
        description="Lint outgoing HTML emails before they are sent.",
        epilog="Run `oopslint rules` for the rule list and `oopslint explain CODE` for a rule's documentation.",
    )
    parser.add_argument("--version", action="version", version=f"oopslint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = commands.add_parser("check", help="lint files, folders or globs (- reads stdin)")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files, folders or globs; - for stdin (default: .)")
    check.add_argument("--context", metavar="FILE", help="send context (JSON or YAML): why this email goes out")
    _add_scheduler(check)
    _add_common(check)
    adopt = check.add_argument_group("adoption and CI")
    adopt.add_argument("--quiet", "-q", action="store_true", help="print findings only: no summary, no progress")
    adopt.add_argument("--statistics", action="store_true", help="print counts per code instead of the findings")
    adopt.add_argument(
        "--baseline",
        metavar="FILE",
        help="report only findings not recorded in FILE (written with today's findings if missing)",
    )
    adopt.add_argument(
        "--update-baseline", action="store_true", help="rewrite the --baseline file with today's findings"
    )
    adopt.add_argument(
        "--diff-base",
        metavar="REF",
        help="findings outside the lines changed since REF (git) become notices, or are dropped",
    )
    adopt.add_argument(
        "--diff-mode",
        choices=("notice", "drop"),
        default="notice",
        help="what --diff-base does with findings outside the change (default: notice)",
    )
    adopt.add_argument(
        "--report",
        action="append",
        metavar="FORMAT=FILE",
        default=[],
        help=f"also write the report as FORMAT ({', '.join(FORMATS)}) to FILE; repeatable",
    )

    rules = commands.add_parser("rules", help="list every rule")
    rules.add_argument("--format", "-f", choices=("text", "json", "markdown"), default="text")

    explain = commands.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("rule", metavar="CODE|NAME")

    if command in _LIGHT_COMMANDS:
        return parser
    batch = commands.add_parser("batch", help="check one template against many recipients' contexts")
    batch.add_argument("template", metavar="TEMPLATE")
    _add_common(batch)
    _add_batch_arguments(batch)
    from .guard.batch import add_guard_arguments
    from .guard.cli import add_guard_command

    add_guard_arguments(batch)
    add_guard_command(commands, _Parser)
    return parser


def _add_batch_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``oopslint batch`` options beyond the common ones."""
    from .batch.readers import CONTEXT_FORMATS

    parser.add_argument(
        "--contexts",
        metavar="FILE",
        required=True,
        help="one send context per row: JSON Lines, a JSON array, CSV or TSV (- for stdin)",
    )
    parser.add_argument(
        "--contexts-format",
        choices=CONTEXT_FORMATS,
        default="auto",
        help="format of --contexts (default: from the file name, else sniffed)",
    )
    parser.add_argument(
        "--context", metavar="FILE", help="values shared by every row (JSON or YAML), merged under each row"
    )
    parser.add_argument(
        "--send-at",
        metavar="TIMESTAMP",
        help="send time of rows without send_at, ISO 8601 with an offset (default: now)",
    )
    parser.add_argument(
        "--show-rows", metavar="N", type=_positive_int, default=5, help="how many row ids to name per rule (default: 5)"
    )
    parser.add_argument(
        "--jobs",
        "-j",
        metavar="N",
        type=_jobs,
        default="auto",
        help="processes for the per-row checks (default: auto, one per core for files of 16 MB or more)",
    )
    _add_scheduler(parser)
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar on the terminal")


def _add_scheduler(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on Dask: tcp://host:8786, or local:N for N local worker processes (pip install 'oopslint[dask]')",
    )


def _jobs(value: str) -> int | str:
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


def _linter(args: argparse.Namespace):  # -> Linter
    from .engine import Linter

    try:
        return _make_linter(Linter, args)
    finally:
        _startup.imports_done()  # the rules are loaded: what is imported now stays


def _make_linter(Linter, args: argparse.Namespace):  # -> Linter
    return Linter(
        args.config,
        offline=args.offline,
        mode="rendered" if args.rendered else None,
        default_mode="template",
        fail_on=args.fail_on,
        use_cache=not args.no_cache,
        cache_path=args.cache_path,
        select=_split(args.select),
        ignore=_split(args.ignore),
        dialects=_split(args.dialect),
    )


def _open_output(args: argparse.Namespace) -> TextIO:
    if args.output:
        return open(args.output, "w", encoding="utf-8")
    return sys.stdout


def _cmd_check(args: argparse.Namespace) -> int:
    from .paths import expand_paths

    linter = _linter(args)
    paths = args.paths or ["."]
    context = None
    if args.context:
        from .context import load_context_file

        context = load_context_file(args.context)
    extra_reports = [_report_target(value) for value in args.report]
    if args.update_baseline and not args.baseline:
        raise ConfigError("--update-baseline needs --baseline FILE")
    entries = expand_paths(paths, linter.config_for)
    if not entries:
        sys.stderr.write(f"oopslint: no email files found under {', '.join(paths)}\n")
        return EXIT_OK
    stdin = sys.stdin.buffer.read() if "-" in entries else None
    with _link_progress(args.quiet):
        if args.scheduler:
            from .batch.dask_backend import connect, lint_paths_on_dask

            with connect(args.scheduler) as connection:
                report = lint_paths_on_dask(connection.client, linter, entries, context=context, stdin=stdin)
        else:
            report = _lint_files(linter, entries, context, stdin, quiet=args.quiet)
    if args.baseline:
        report = _baseline(report, args)
    if args.diff_base:
        from ._diff import apply_diff

        apply_diff(report, args.diff_base, args.diff_mode)
    for format_name, target in extra_reports:
        with open(target, "w", encoding="utf-8") as extra:
            get_writer(format_name)(report, extra, color=False)
    stream = _open_output(args)
    try:
        if args.statistics:
            from .formats.text import write_statistics

            write_statistics(report, stream)
        else:
            get_writer(args.format)(report, stream, color=use_color(args.color, stream), quiet=args.quiet)
    finally:
        if stream is not sys.stdout:
            stream.close()
    return report.exit_code


def _lint_files(linter, entries: list[str], context, stdin: bytes | None, *, quiet: bool):  # -> Report
    """``linter.lint_paths``, with a progress bar on a terminal: the files are
    parsed together, then their rules run a few files at a time."""
    from ._progress import ProgressBar

    bar = ProgressBar("checking files", total=len(entries), enabled=not quiet and len(entries) > 1)
    if not bar.enabled:
        return linter.lint_paths(entries, context=context, stdin=stdin)
    items = [
        (stdin if stdin is not None else b"", "<stdin>", context, None)
        if entry == "-"
        else (Path(entry), entry, context, None)
        for entry in entries
    ]
    with bar:
        jobs = linter.prepare(items)
        step = 8
        for start in range(0, len(jobs), step):
            linter.run(jobs[start : start + step])
            bar.advance(len(jobs[start : start + step]))
    return linter.report(jobs)


def _link_progress(quiet: bool) -> contextlib.AbstractContextManager[None]:
    """--quiet switches the link-check progress bar off too."""
    if not quiet:
        return contextlib.nullcontext()
    from .http._pacing import progress_silenced  # imported only when asked: it loads the HTTP stack

    return progress_silenced()


def _report_target(value: str) -> tuple[str, str]:
    name, sep, target = value.partition("=")
    if not sep or not target or name not in FORMATS:
        raise ConfigError(f"--report {value!r}: write it as FORMAT=FILE with FORMAT one of {', '.join(FORMATS)}")
    return name, target


def _baseline(report, args: argparse.Namespace):  # -> Report
    from pathlib import Path

    from ._baseline import apply_baseline, describe, write_baseline

    path = Path(args.baseline)
    if args.update_baseline or not path.exists():
        written = write_baseline(report, path)
        sys.stderr.write(f"oopslint: baseline {path} records {describe(written)}; later runs report only new ones\n")
        for result in report.files:
            result.findings = [f for f in result.findings if f.code.startswith("OOPS")]
        return report
    dropped = apply_baseline(report, path)
    if dropped and not args.quiet:
        sys.stderr.write(f"oopslint: {describe(dropped)} recorded in {path} not shown\n")
    return report


def _cmd_batch(args: argparse.Namespace) -> int:
    from .batch import lint_batch
    from .context import load_context_file, parse_timestamp, resolve_timezone

    stream = _open_output(args)
    try:
        if args.guard or args.claim:
            from .guard.batch import run_guarded_batch

            return run_guarded_batch(args, _linter(args), stream)
        linter = _linter(args)
        if args.template == "-" and args.contexts == "-":
            sys.stderr.write("oopslint: the template and --contexts cannot both be read from stdin\n")
            return EXIT_ERROR
        base = load_context_file(args.context) if args.context else None
        send_at = None
        if args.send_at:
            tz_name = linter.config_for(args.template).section("context").get("timezone") or None
            send_at = parse_timestamp(args.send_at, default_tz=resolve_timezone(tz_name), what="--send-at")
        if args.template == "-":
            template: object = sys.stdin.buffer.read()
            path = "<stdin>"
        else:
            template = Path(args.template)
            path = args.template
        from ._progress import ProgressBar

        bar = ProgressBar("checking rows", unit="rows", enabled=not args.quiet)
        options = dict(
            progress=bar.update,
            context=base,
            linter=linter,
            path=path,
            send_at=send_at,
            sample_size=args.show_rows,
            contexts_format=args.contexts_format,
            jobs=args.jobs,
        )
        if args.scheduler:
            from .batch.dask_backend import connect

            with connect(args.scheduler) as connection, bar:
                report = lint_batch(template, args.contexts, client=connection.client, **options)
        else:
            try:
                report = lint_batch(template, args.contexts, **options)
            finally:
                bar.close()
        get_writer(args.format)(report, stream, color=use_color(args.color, stream) if args.format == "text" else False)
        if report.empty:
            sys.stderr.write(
                f"oopslint: {report.batch.contexts if report.batch else 'contexts'}: 0 rows; nothing was checked\n"
            )
        return report.exit_code
    finally:
        if stream is not sys.stdout:
            stream.close()


def _cmd_guard(args: argparse.Namespace) -> int:
    from .guard.cli import run_guard_command

    return run_guard_command(args)


def _cmd_rules(args: argparse.Namespace) -> int:
    import json

    from .diagnostics import ENGINE_CODES
    from .registry import default_registry

    registry = default_registry()
    if args.format == "json":
        rows = [
            {
                "code": r.code,
                "name": r.name,
                "summary": r.summary,
                "severity": str(r.severity),
                "network": r.network,
                "modes": list(r.modes),
                "scope": r.scope,
                "section": r.section,
                "options": dict(r.options),
                "origin": r.origin,
            }
            for r in registry
        ]
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    if args.format == "markdown":
        sys.stdout.write(rules_markdown())
        return EXIT_OK
    width = max([len(r.name) for r in registry] + [len(c.name) for c in ENGINE_CODES.values()])
    for r in registry:
        flags = []
        if r.network:
            flags.append("network")
        if tuple(r.modes) != ("template", "rendered"):
            flags.append(" ".join(r.modes) + " only")
        if r.scope == "batch":
            flags.append("batch")
        extra = f"  ({', '.join(flags)})" if flags else ""
        sys.stdout.write(f"{r.code:<8} {r.name:<{width}}  {str(r.severity):<7}  {r.summary}{extra}\n")
    for code in ENGINE_CODES.values():
        sys.stdout.write(f"{code.code:<8} {code.name:<{width}}  {str(code.severity):<7}  {code.summary}  (engine)\n")
    return EXIT_OK


def rules_markdown() -> str:
    """The rule table the README shows, generated from rule metadata."""
    from .diagnostics import ENGINE_CODES
    from .registry import default_registry

    lines = ["| Code | Name | Severity | What it catches | Notes |", "| --- | --- | --- | --- | --- |"]
    for r in default_registry():
        notes = []
        if r.network:
            notes.append("network")
        if tuple(r.modes) != ("template", "rendered"):
            notes.append(" ".join(r.modes) + " mode only")
        if r.scope == "batch":
            notes.append("batch")
        lines.append(f"| `{r.code}` | {r.name} | {r.severity} | {r.summary} | {', '.join(notes)} |")
    for code in ENGINE_CODES.values():
        lines.append(f"| `{code.code}` | {code.name} | {code.severity} | {code.summary} | engine |")
    return "\n".join(lines) + "\n"


def _cmd_explain(args: argparse.Namespace) -> int:
    from .diagnostics import ENGINE_CODES, ENGINE_NAMES
    from .registry import default_registry

    key = args.rule.strip()
    rule = default_registry().get(key)
    if rule is not None:
        sys.stdout.write(rule.explain())
        return EXIT_OK
    engine_code = ENGINE_CODES.get(key.upper()) or ENGINE_NAMES.get(key)
    if engine_code is not None:
        sys.stdout.write(engine_code.explain())
        return EXIT_OK
    sys.stderr.write(f"oopslint: no rule named {key!r}; `oopslint rules` lists them all\n")
    return EXIT_ERROR


def _command_word(argv: Sequence[str]) -> str | None:
    """The command about to run: the first argument that is not an option
    (the only options before it, --help and --version, take no value)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_word(argv))
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    handlers = {
        "check": _cmd_check,
        "rules": _cmd_rules,
        "explain": _cmd_explain,
        "batch": _cmd_batch,
        "guard": _cmd_guard,
    }
    if args.command not in ("check", "batch"):
        _startup.imports_done()  # check and batch load the rules first (see _linter)
    try:
        return handlers[args.command](args)
    except (ConfigError, ContextError, RegistryError) as exc:
        from .engine import redact

        sys.stderr.write(f"oopslint: {redact(str(exc))}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("oopslint: interrupted\n")
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = io.TextIOWrapper(io.BytesIO())
        except Exception:
            pass
        return EXIT_OK
    except OSError as exc:
        sys.stderr.write(
            f"oopslint: {exc.strerror or exc}{': ' + str(exc.filename) if getattr(exc, 'filename', None) else ''}\n"
        )
        return EXIT_ERROR
    except Exception as exc:
        if os.environ.get("OOPSLINT_DEBUG"):
            raise
        from .engine import redact

        detail = redact(str(exc))
        sys.stderr.write(
            f"oopslint: internal error: {type(exc).__name__}{': ' + detail if detail else ''} "
            f"(raised in {_where(exc)})\n"
            "Set OOPSLINT_DEBUG=1 for a traceback, and please report it.\n"
        )
        return EXIT_ERROR


def _where(exc: BaseException) -> str:
    """Where ``exc`` was raised, as ``package/module.py:line in function``: enough
    for a report to point at the code, without the directories it is installed in."""
    traceback = exc.__traceback__
    if traceback is None:
        return "an unknown place"
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    code = traceback.tb_frame.f_code
    short = "/".join(Path(code.co_filename).parts[-2:])
    return f"{short}:{traceback.tb_lineno} in {code.co_name}"


def entry() -> None:
    """The ``oopslint`` command: :func:`main`, then exit with its code."""
    code = main()
    _startup.save()
    # The process ends here: spare it the collector's passes over every object
    # at exit (a fifth of a one-file check), which only free memory the
    # system takes back anyway. Streams are flushed and closed as always.
    gc.disable()
    gc.freeze()
    raise SystemExit(code)


if __name__ == "__main__":
    entry()
