"""``oopslint batch TEMPLATE --contexts rows --guard URL [--claim]``: how many
rows of a batch the guard's ledger has already seen.

The batch is linted as usual; then every row's key is looked up (1,000 at a
time) and the report says how many recipients already got this email and
when. Nothing is claimed unless ``--claim`` is given; then, if the batch
passed, every row not yet sent is recorded as sent, so a second run of the
same batch (a retry, another server's cron job) reports every row.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from .._redact import redact
from ..context import SendContext, load_context_file
from ._entry import GuardError, GuardUnavailable
from ._guard import SendGuard

__all__ = ["add_guard_arguments", "run_guarded_batch", "GuardTally", "check_rows", "tally_rows"]

_CHUNK = 1000


def add_guard_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--guard",
        metavar="URL",
        help="send guard ledger (sqlite:///file.db or redis://host:port/db): report rows already sent",
    )
    parser.add_argument(
        "--claim", action="store_true", help="with --guard: when the batch passes, record its rows not yet sent as sent"
    )


@dataclass
class GuardTally:
    rows: int = 0
    already_sent: int = 0
    in_progress: int = 0
    no_key: int = 0
    claimed: int = 0
    first_sent: datetime | None = None
    last_sent: datetime | None = None
    first_rows: list[int] = field(default_factory=list)
    no_key_reason: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "already_sent": self.already_sent,
            "in_progress": self.in_progress,
            "no_key": self.no_key,
            "claimed": self.claimed,
            "first_sent": self.first_sent.isoformat() if self.first_sent else None,
            "last_sent": self.last_sent.isoformat() if self.last_sent else None,
            "first_rows": self.first_rows,
        }

    def lines(self, guard: SendGuard, claim: bool) -> list[str]:
        out = []
        if self.already_sent:
            first, last = self.first_sent.date(), self.last_sent.date()  # type: ignore[union-attr]
            when = f"on {first}" if first == last else f"between {first} and {last}"
            noun = "recipient" if self.rows == 1 else "recipients"
            out.append(f"DUP001 [error] {self.already_sent:,} of {self.rows:,} {noun} already got this email {when}")
        if self.in_progress:
            out.append(f"DUP001 [error] {self.in_progress:,} of {self.rows:,} rows are in progress on another worker")
        if self.first_rows:
            out[-1] += "; first rows: " + ", ".join(str(n) for n in self.first_rows)
        if self.no_key:
            level = "error" if guard.settings.fail == "closed" else "warning"
            out.append(f"DUP002 [{level}] {self.no_key:,} rows not checked: {self.no_key_reason}")
        summary = f"Guard {guard.url}: {self.rows:,} rows, {self.already_sent:,} already sent, {self.in_progress:,} in progress"
        if claim:
            summary += f", {self.claimed:,} claimed and recorded as sent"
        out.append(summary)
        return out

    def failing(self, guard: SendGuard) -> bool:
        return bool(self.already_sent or self.in_progress or (self.no_key and guard.settings.fail == "closed"))


def check_rows(
    guard: SendGuard,
    rows: Any,
    *,
    base: Mapping[str, Any] | None = None,
    claim: bool = False,
    sample_size: int = 5,
    fields: Mapping[str, str] | None = None,
    contexts_format: str = "auto",
) -> GuardTally:
    """Look up (and with ``claim``, record as sent) every row's key."""
    from ..batch import iter_context_rows

    return tally_rows(
        guard,
        iter_context_rows(rows, contexts_format),
        base=base,
        claim=claim,
        sample_size=sample_size,
        fields=fields,
    )


def tally_rows(
    guard: SendGuard,
    rows: Any,
    *,
    base: Mapping[str, Any] | None = None,
    claim: bool = False,
    sample_size: int = 5,
    fields: Mapping[str, str] | None = None,
) -> GuardTally:
    """:func:`check_rows` over rows already read: ``(number, line, data, error)``
    tuples, as the batch readers give them (a Dask worker passes its partition's)."""
    from ..batch.runner import merge

    tally = GuardTally()
    pending: list[tuple[int, str, str | None]] = []

    def flush() -> None:
        keys = [key for _, key, _ in pending]
        entries = guard.lookup_many(keys)
        free: list[tuple[str, str | None]] = []
        for (number, key, category), entry in zip(pending, entries):
            if entry is not None and entry.taken:
                if entry.state == "sent":
                    tally.already_sent += 1
                    tally.first_sent = min(filter(None, (tally.first_sent, entry.since)))
                    tally.last_sent = max(filter(None, (tally.last_sent, entry.since)))
                else:
                    tally.in_progress += 1
                if len(tally.first_rows) < sample_size:
                    tally.first_rows.append(number)
            elif claim:
                free.append((key, category))
        by_category: dict[str | None, list[str]] = {}
        for key, category in free:
            by_category.setdefault(category, []).append(key)
        for category, keys in by_category.items():
            held = [claim for claim in guard.claim_many(keys, category=category) if claim is not None]
            guard.done_many(held)
            tally.claimed += len(held)
        pending.clear()

    for item in rows:
        number, _line, data, error = item[:4]
        tally.rows += 1
        if error is not None or data is None:
            continue
        context = SendContext(data=merge(base or {}, data), fields=dict(fields or {}))
        try:
            key = guard.key_for(context)
        except GuardError as exc:
            tally.no_key += 1
            tally.no_key_reason = str(exc)
            continue
        pending.append((number, key, context.category))
        if len(pending) >= _CHUNK:
            flush()
    if pending:
        flush()
    return tally


def _findings(tally: GuardTally, guard: SendGuard, path: str) -> list[Any]:
    from ..report import Finding, Severity

    out = []
    data = tally.as_json()
    for line in tally.lines(guard, False):
        if not line.startswith("DUP"):
            continue
        code, level, message = line.split(" ", 2)
        name = "already-sent" if code == "DUP001" else "send-not-guarded"
        out.append(
            Finding(
                message=message, code=code, rule=name, severity=Severity.parse(level.strip("[]")), path=path, data=data
            )
        )
    return out


def run_guarded_batch(args: argparse.Namespace, linter: Any, stream: TextIO) -> int:
    """``oopslint batch ... --guard URL [--claim]``: the batch's report with
    DUP findings for rows the ledger has seen, and a ``guard`` object in JSON."""
    from ..batch import lint_batch
    from ..context import parse_timestamp, resolve_timezone
    from ..formats import get_writer
    from ..formats.text import use_color
    from ..report import Finding, Severity

    if args.claim and not args.guard:
        sys.stderr.write("oopslint: --claim needs --guard URL\n")
        return 2
    if args.template == "-" and args.contexts == "-":
        sys.stderr.write("oopslint: the template and --contexts cannot both be read from stdin\n")
        return 2
    config = linter.config_for(args.template if args.template != "-" else None)
    try:
        guard = SendGuard(args.guard, config=config)
    except GuardError as exc:
        sys.stderr.write(f"oopslint: {redact(str(exc))}\n")
        return 2
    spooled = None
    connection = None
    try:
        if getattr(args, "scheduler", None):
            from ..batch.dask_backend import connect, refuse_unshared_guard

            connection = connect(args.scheduler)
            refuse_unshared_guard(connection.client, args.guard)
        if args.contexts == "-":  # read twice: by the batch, then by the guard
            spooled = tempfile.NamedTemporaryFile(prefix="oopslint-rows-", delete=False)
            with spooled:
                shutil.copyfileobj(sys.stdin.buffer, spooled)
            args.contexts = spooled.name
        base = load_context_file(args.context) if getattr(args, "context", None) else None
        send_at = None
        if getattr(args, "send_at", None):
            tz_name = config.section("context").get("timezone") or None
            send_at = parse_timestamp(args.send_at, default_tz=resolve_timezone(tz_name), what="--send-at")
        template: Any = sys.stdin.buffer.read() if args.template == "-" else Path(args.template)
        path = "<stdin>" if args.template == "-" else args.template
        report = lint_batch(
            template,
            args.contexts,
            context=base,
            linter=linter,
            path=path,
            send_at=send_at,
            sample_size=getattr(args, "show_rows", 5),
            contexts_format=getattr(args, "contexts_format", "auto"),
            jobs=getattr(args, "jobs", "auto"),
            client=connection.client if connection else None,
        )
        claim = bool(args.claim) and report.exit_code == 0
        try:
            if connection is not None:  # every row's key looked up (and claimed) on the workers
                from ..batch.dask_backend import guard_on_dask

                tally = guard_on_dask(
                    connection.client,
                    args.guard,
                    config,
                    args.contexts,
                    base=base,
                    claim=claim,
                    sample_size=getattr(args, "show_rows", 5),
                    fields=config.section("context").get("fields") or {},
                    contexts_format=getattr(args, "contexts_format", "auto"),
                )
            else:
                tally = check_rows(
                    guard,
                    args.contexts,
                    base=base,
                    claim=claim,
                    sample_size=getattr(args, "show_rows", 5),
                    fields=config.section("context").get("fields") or {},
                    contexts_format=getattr(args, "contexts_format", "auto"),
                )
        except GuardUnavailable as exc:
            if guard.settings.fail == "closed":
                sys.stderr.write(f"oopslint: {redact(str(exc))}\n")
                return 2
            # fail open: the batch may go, with a warning that nothing was checked
            tally = GuardTally(no_key_reason=str(exc))
            unchecked = [
                Finding(
                    message=f"the send guard could not check this batch: {exc}",
                    code="DUP002",
                    rule="send-not-guarded",
                    severity=Severity.WARNING,
                    path=path,
                )
            ]
        except GuardError as exc:
            sys.stderr.write(f"oopslint: {redact(str(exc))}\n")
            return 2
        else:
            unchecked = []
        if report.files:
            report.files[0].findings.extend(_findings(tally, guard, path) + unchecked)
        lines = (
            [] if unchecked else [line for line in tally.lines(guard, bool(args.claim)) if not line.startswith("DUP")]
        )
        if args.claim and not claim:
            lines.append("Nothing claimed: the batch has findings at the fail level")
        report.extra["guard"] = {**tally.as_json(), "url": guard.url, "claim": bool(args.claim)}
        format_name = getattr(args, "format", "text")
        if format_name == "text":
            get_writer("text")(report, stream, color=use_color(getattr(args, "color", "auto"), stream))
            for line in lines:
                stream.write(line + "\n")
        else:
            get_writer(format_name)(report, stream, color=False)
            for line in lines:
                sys.stderr.write(line + "\n")
        return report.exit_code
    finally:
        guard.close()
        if connection is not None:
            connection.close()
        if spooled is not None:
            os.unlink(spooled.name)
