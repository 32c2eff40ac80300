"""Check that a change to the engine changed no output: capture, then compare.

    python scripts/compare_json.py capture before.json     # on the old code
    python scripts/compare_json.py capture after.json      # on the new code
    python scripts/compare_json.py diff before.json after.json

``capture`` runs ``oopslint check --offline --format json`` in this process on
every file under fixtures/ (one run per file), on the fixtures folder as a
whole (path expansion), on each trigger template with each trigger context
(``--context``), and ``oopslint batch`` on the trigger templates with the
trigger row files (one process and two). It writes one JSON document, keys
sorted, with timing fields removed, so two captures compare line for line.
``diff`` prints what differs, run by run and finding by finding, and exits 1
when anything does.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SEND_AT = "2024-03-04T10:00:00+00:00"
_TIMING_KEYS = {"seconds", "rows_per_second", "elapsed", "duration"}
# the send time of a run without one is "now": a timestamp with microseconds in data,
# the minute in messages
_NOW_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00")
_STARTED = datetime.now(UTC)


def _runs() -> list[tuple[str, list[str]]]:
    runs: list[tuple[str, list[str]]] = []
    files = sorted(p for p in FIXTURES.rglob("*") if p.is_file())
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        runs.append((f"check {rel}", ["check", "--offline", "--format", "json", rel]))
    runs.append(("check fixtures", ["check", "--offline", "--format", "json", "fixtures"]))
    triggers = FIXTURES / "triggers"
    templates = sorted(p.relative_to(ROOT).as_posix() for p in triggers.rglob("*.html"))
    contexts = sorted(p.relative_to(ROOT).as_posix() for p in (triggers / "contexts").glob("*.json"))
    for template in templates:
        for context in contexts:
            runs.append(
                (
                    f"check {template} --context {context}",
                    ["check", "--offline", "--format", "json", "--context", context, template],
                )
            )
    rows = sorted(
        p.relative_to(ROOT).as_posix() for p in triggers.iterdir() if p.is_file() and p.suffix in (".jsonl", ".csv")
    )
    for template in templates:
        for row_file in rows:
            for jobs in ("1", "2"):
                runs.append(
                    (
                        f"batch {template} --contexts {row_file} --jobs {jobs}",
                        [
                            "batch",
                            template,
                            "--offline",
                            "--format",
                            "json",
                            "--contexts",
                            row_file,
                            "--send-at",
                            SEND_AT,
                            "--jobs",
                            jobs,
                        ],
                    )
                )
    return runs


def _normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _normalise(item) for key, item in sorted(value.items()) if key not in _TIMING_KEYS}
    if isinstance(value, list):
        items = [_normalise(item) for item in value]
        if items and all(isinstance(item, dict) for item in items):
            items.sort(key=lambda item: json.dumps(item, sort_keys=True))
        return items
    if isinstance(value, str):
        value = _NOW_STAMP.sub("<now>", value)
        minute = _STARTED.replace(second=0, microsecond=0)
        while minute <= datetime.now(UTC):
            value = value.replace(f"{minute:%Y-%m-%d %H:%M}Z", "<now>")
            minute += timedelta(minutes=1)
    return value


def _run(argv: list[str]) -> dict[str, Any]:
    from oopslint.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    text = out.getvalue()
    try:
        output: Any = _normalise(json.loads(text)) if text.strip() else None
    except json.JSONDecodeError:
        output = text
    return {"exit_code": code, "stderr": err.getvalue(), "output": output}


def capture(target: Path) -> None:
    os.chdir(ROOT)
    os.environ.setdefault("OOPSLINT_CACHE_DIR", tempfile.mkdtemp(prefix="oopslint-compare-"))
    result = {name: _run(argv) for name, argv in _runs()}
    target.write_text(json.dumps(result, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(result)} runs written to {target}")


def _findings(run: dict[str, Any]) -> dict[str, list[str]]:
    output = run.get("output")
    out: dict[str, list[str]] = {}
    if isinstance(output, dict):
        for file in output.get("files", []):
            out[file.get("path")] = [
                json.dumps(f, sort_keys=True, ensure_ascii=False) for f in file.get("findings", [])
            ]
    return out


def diff(before_path: Path, after_path: Path) -> int:
    before = json.loads(before_path.read_text(encoding="utf-8"))
    after = json.loads(after_path.read_text(encoding="utf-8"))
    differences = 0
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        differences += 1
        print(f"== {name}")
        if old is None or new is None:
            print("   only in " + ("after" if old is None else "before"))
            continue
        for key in ("exit_code", "stderr"):
            if old[key] != new[key]:
                print(f"   {key}: {old[key]!r} -> {new[key]!r}")
        old_files, new_files = _findings(old), _findings(new)
        for path in sorted(set(old_files) | set(new_files), key=str):
            gone = [f for f in old_files.get(path, []) if f not in new_files.get(path, [])]
            added = [f for f in new_files.get(path, []) if f not in old_files.get(path, [])]
            for item in gone:
                print(f"   - {path}: {item}")
            for item in added:
                print(f"   + {path}: {item}")
        if isinstance(old["output"], dict) and isinstance(new["output"], dict):
            rest_old = {k: v for k, v in old["output"].items() if k != "files"}
            rest_new = {k: v for k, v in new["output"].items() if k != "files"}
            if rest_old != rest_new:
                print(
                    f"   other fields: {json.dumps(rest_old, sort_keys=True)} -> {json.dumps(rest_new, sort_keys=True)}"
                )
        elif old["output"] != new["output"]:
            print("   output differs (not JSON)")
    print(f"{differences} of {len(set(before) | set(after))} runs differ")
    return 1 if differences else 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "capture":
        capture(Path(argv[1]))
        return 0
    if len(argv) == 3 and argv[0] == "diff":
        return diff(Path(argv[1]), Path(argv[2]))
    if len(argv) == 2 and all(arg.endswith(".json") for arg in argv):
        return diff(Path(argv[0]), Path(argv[1]))
    sys.stderr.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
