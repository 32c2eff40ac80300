"""A million send contexts against one shipping notice: `oopslint batch` speed and memory.

    python bench/bench_triggers.py [ROWS] [--jobs N] [--keep]

Writes ROWS (default 1,000,000) JSON Lines rows shaped like the migration
story (half of them for orders placed in 2019-2023), then, each in a fresh
process so peak memory is its own:

- peer: the floor of any Python batch checker, reading the file and
  ``json.loads`` of every row, nothing else;
- oopslint batch with every built-in rule, on one process and with --jobs;
- the same on a tenth of the rows, and on all rows without TRG007 (duplicate
  sends), to show that memory does not grow with rows except for TRG007's
  index of recipients.

Target: 1,000,000 rows in under 30 s on 2 cores; memory flat.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "fixtures" / "triggers" / "postmark" / "shipped.html"

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
mode, template, rows_path, jobs, ignore = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
started = time.perf_counter()
cpu = time.process_time()
if mode == "peer":
    rows = 0
    with open(rows_path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                json.loads(line)
                rows += 1
    result = {"rows": rows, "findings": None}
else:
    from oopslint.batch import lint_batch
    report = lint_batch(Path(template), rows_path, offline=True, jobs=int(jobs), ignore=[ignore] if ignore else None)
    result = {"rows": report.batch.rows, "findings": len(report.findings),
              "failing": {code: tally.failed_rows for code, tally in report.batch.rules.items() if tally.failed_rows},
              "batch_findings": [f.code for f in report.findings if f.code in ("TRG006", "TRG007")]}
children = resource.getrusage(resource.RUSAGE_CHILDREN)
result.update(seconds=time.perf_counter() - started, cpu_parent=time.process_time() - cpu,
              cpu_children=children.ru_utime + children.ru_stime,
              peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              peak_rss_children_mb=children.ru_maxrss / 1024)
print(json.dumps(result))
"""


def measure(mode: str, rows_path: Path, jobs: int, ignore: str = "") -> dict:
    output = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(TEMPLATE), str(rows_path), str(jobs), ignore],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result = json.loads(output.stdout.strip().splitlines()[-1])
    if not result["rows"]:
        raise SystemExit(f"{mode}: no rows were checked; is {TEMPLATE} readable?")
    return result


def line(label: str, result: dict, peer_seconds: float | None) -> str:
    rate = result["rows"] / result["seconds"]
    text = (
        f"{label:<36} {result['rows']:>9,} rows  {result['seconds']:6.2f} s  {rate:>9,.0f} rows/s  "
        f"cpu {result['cpu_parent']:5.1f} s + workers {result['cpu_children']:5.1f} s  "
        f"peak RSS {result['peak_rss_mb']:6.1f} MB"
    )
    if result.get("peak_rss_children_mb"):
        text += f" (a worker {result['peak_rss_children_mb']:.1f} MB)"
    if peer_seconds:
        text += f"  x{result['seconds'] / peer_seconds:.1f} the peer"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="?", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--keep", action="store_true", help="keep the generated rows file")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "fixtures" / "triggers"))
    from make_batch import write_rows

    folder = Path(tempfile.mkdtemp(prefix="oopslint-bench-triggers-"))
    big = folder / "rows.jsonl"
    small = folder / "rows-small.jsonl"
    started = time.perf_counter()
    write_rows(big, args.rows)
    write_rows(small, max(1, args.rows // 10))
    print(
        f"wrote {args.rows:,} rows ({big.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s "
        f"to {folder}; {os.cpu_count()} cores"
    )

    peer = measure("peer", big, 1)
    print(line("peer: read + json.loads", peer, None))
    serial = measure("batch", big, 1)
    print(line("oopslint batch, 1 process", serial, peer["seconds"]))
    parallel = measure("batch", big, args.jobs) if args.jobs > 1 else serial
    if args.jobs > 1:
        print(line(f"oopslint batch, --jobs {args.jobs}", parallel, peer["seconds"]))
    tenth = measure("batch", small, args.jobs)
    print(line(f"oopslint batch, 1/10 rows, --jobs {args.jobs}", tenth, peer["seconds"] / 10))
    unique = measure("batch", big, args.jobs, "TRG007")
    print(line("same, all rows, without TRG007", unique, peer["seconds"]))
    print(f"rows failing per rule: {parallel['failing']}; batch-level findings: {parallel['batch_findings']}")
    best = min(serial["seconds"], parallel["seconds"])
    limit = 30 * args.rows / 1_000_000
    verdict = "met" if best < limit else "missed"
    print(
        f"target: {args.rows:,} rows under {limit:g} s (30 s a million) -> {verdict} "
        f"({best:.1f} s, {args.rows / best:,.0f} rows/s)"
    )
    print(
        f"memory: {tenth['peak_rss_mb']:.0f} MB at 1/10 of the rows, {parallel['peak_rss_mb']:.0f} MB at all of them; "
        f"{unique['peak_rss_mb']:.0f} MB without TRG007, whose index of recipients is the only part that grows "
        f"(about {max(0.0, parallel['peak_rss_mb'] - unique['peak_rss_mb']) * 1e6 / args.rows:.0f} bytes a recipient)"
    )
    if not args.keep:
        big.unlink()
        small.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
