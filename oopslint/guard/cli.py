"""``oopslint guard status|forget|stats``: read and mend the send guard's ledger."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .._redact import redact
from ._entry import GuardError
from ._guard import SendGuard

__all__ = ["add_guard_command", "run_guard_command"]


def add_guard_command(commands: Any, parser_class: Any) -> None:
    guard = commands.add_parser("guard", help="the send guard's ledger: status KEY..., forget KEY..., stats")
    actions = guard.add_subparsers(dest="guard_action", metavar="ACTION", parser_class=parser_class, required=True)
    for name, text in (
        ("status", "what the ledger holds for each key"),
        ("forget", "remove keys, so those sends may go out again"),
        ("stats", "how many keys are sent, in progress and released"),
    ):
        action = actions.add_parser(name, help=text)
        if name != "stats":
            action.add_argument(
                "keys",
                nargs="*",
                metavar="KEY",
                help="keys as SendGuard.key_for makes them (recipient_email=...|campaign_id=...)",
            )
            action.add_argument(
                "--context",
                action="append",
                metavar="FILE",
                help="a send context (JSON or YAML) whose key to use; repeatable",
            )
        action.add_argument("--url", metavar="URL", help="ledger URL (default: url in [tool.oopslint.guard])")
        action.add_argument(
            "--config", metavar="FILE", help="configuration file (default: found from the working folder)"
        )
        action.add_argument("--format", "-f", choices=("text", "json"), default="text")


def run_guard_command(args: argparse.Namespace) -> int:
    try:
        guard = SendGuard(args.url, config=args.config)
    except GuardError as exc:
        sys.stderr.write(f"oopslint: {redact(str(exc))}\n")
        return 2
    try:
        with guard:
            return _run(guard, args)
    except GuardError as exc:
        sys.stderr.write(f"oopslint: {redact(str(exc))}\n")
        return 2


def _keys(guard: SendGuard, args: argparse.Namespace) -> list[str]:
    from ..context import load_context_file

    keys = list(args.keys)
    for path in args.context or []:
        keys.append(guard.key_for(load_context_file(path)))
    if not keys:
        raise GuardError(f"`oopslint guard {args.guard_action}` needs at least one KEY or --context FILE")
    return keys


def _run(guard: SendGuard, args: argparse.Namespace) -> int:
    out = sys.stdout
    if args.guard_action == "stats":
        stats = guard.stats()
        notes = guard.warnings()
        if args.format == "json":
            json.dump({"url": guard.url, "states": stats, "warnings": notes}, out, indent=2)
            out.write("\n")
            return 0
        out.write(f"Ledger {guard.url}\n")
        for state in ("sent", "in_progress", "released"):
            table = stats.get(state, {})
            detail = ", ".join(f"{category or 'no category'} {count:,}" for category, count in sorted(table.items()))
            out.write(f"  {state:<12} {sum(table.values()):>10,}" + (f"  ({detail})" if detail else "") + "\n")
        for note in notes:
            out.write(f"warning: {note}\n")
        return 0
    keys = _keys(guard, args)
    if args.guard_action == "forget":
        removed = guard.forget(*keys)
        out.write(
            json.dumps({"forgotten": removed, "keys": len(keys)}) + "\n"
            if args.format == "json"
            else f"Forgot {removed} of {len(keys)} key{'s' if len(keys) != 1 else ''}\n"
        )
        return 0
    entries = guard.lookup_many(keys)
    if args.format == "json":
        rows = [
            {
                "key": guard.display(key),
                "state": entry.state if entry else None,
                "since": entry.since.isoformat() if entry else None,
                "expires": entry.expires.isoformat() if entry and entry.expires else None,
                "category": entry.category if entry else None,
            }
            for key, entry in zip(keys, entries)
        ]
        json.dump(rows, out, indent=2)
        out.write("\n")
        return 0
    for key, entry in zip(keys, entries):
        if entry is None:
            out.write(f"{guard.display(key)}: not in the ledger\n")
            continue
        expires = f", until {entry.expires.strftime('%Y-%m-%d %H:%M:%S UTC')}" if entry.expires else ""
        category = f" [{entry.category}]" if entry.category else ""
        out.write(f"{guard.display(key)}: {entry.describe()}{category}{expires}\n")
    return 0
