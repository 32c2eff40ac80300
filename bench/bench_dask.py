"""A batch on Dask beside the local forked pool, in the same run.

    python bench/bench_dask.py [--rows N] [--workers 2] [--partition-rows 20000] [--keep]

Writes N JSON Lines rows (default 1,000,000) shaped like the migration story
(half of them for orders placed in 2019-2023), then, each in a fresh process:

- local: ``lint_batch(..., jobs=W)``, the forked pool on this machine;
- dask: ``lint_batch(..., client=Client(LocalCluster(n_workers=W, threads_per_worker=1)))``,
  partitions of ``--partition-rows`` rows; the cluster is started before the clock starts.

Both check every built-in rule offline with the same send time; the script
checks that the two reports are equal (timing aside) and prints rows per
second, the ratio of the Dask time to the local one (target: within 2x on
2 cores, where scheduler, workers and client share the cores), and peak
memory of the client and of each worker process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "fixtures" / "triggers" / "postmark" / "shipped.html"
SEND_AT = "2024-05-02T09:00:00Z"

CHILD = r"""
import json, resource, sys, time
mode, template, rows_path, workers, partition_rows, send_at = sys.argv[1:7]
workers, partition_rows = int(workers), int(partition_rows)
from oopslint.batch import lint_batch

def cpu(usage):
    return usage.ru_utime + usage.ru_stime

def summary(report):
    data = report.to_dict()
    data["batch"].pop("seconds"); data["batch"].pop("rows_per_second")
    return data

if mode == "local":
    started = time.perf_counter()
    report = lint_batch(template, rows_path, offline=True, jobs=workers, send_at=send_at)
    seconds = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers_mb = [children.ru_maxrss / 1024]
    workers_cpu = cpu(children)
else:
    from distributed import Client, LocalCluster
    import oopslint.batch.dask_backend as backend
    backend.PARTITION_ROWS = partition_rows
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        cpu_before = sum(client.run(lambda: cpu(resource.getrusage(resource.RUSAGE_SELF))).values())
        started = time.perf_counter()
        report = lint_batch(template, rows_path, offline=True, client=client, send_at=send_at)
        seconds = time.perf_counter() - started
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        workers_mb = sorted(peaks.values())
        workers_cpu = sum(client.run(lambda: cpu(resource.getrusage(resource.RUSAGE_SELF))).values()) - cpu_before
print(json.dumps({"rows": report.batch.rows, "seconds": seconds, "report": summary(report),
                  "client_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "workers_mb": workers_mb, "client_cpu": cpu(resource.getrusage(resource.RUSAGE_SELF)),
                  "workers_cpu": workers_cpu}))
"""


def run(mode: str, rows_path: Path, workers: int, partition_rows: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(TEMPLATE), str(rows_path), str(workers), str(partition_rows), SEND_AT],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if out.returncode != 0:
        raise SystemExit(f"{mode} run failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partition-rows", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true", help="keep the rows file")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "fixtures" / "triggers"))
    from make_batch import write_rows

    folder = Path(tempfile.mkdtemp(prefix="oopslint-bench-dask-"))
    rows_path = write_rows(folder / "rows.jsonl", args.rows)
    size_mb = rows_path.stat().st_size / 1e6
    print(
        f"{args.rows:,} rows ({size_mb:.0f} MB), {args.workers} workers, "
        f"partitions of {args.partition_rows:,} rows, on {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    local = run("local", rows_path, args.workers, args.partition_rows)
    dask = run("dask", rows_path, args.workers, args.partition_rows)
    for name, result in (("local forked pool", local), ("Dask LocalCluster", dask)):
        rate = result["rows"] / result["seconds"]
        print(
            f"{name:18} {result['seconds']:7.1f} s  {rate:9,.0f} rows/s  {rate / args.workers:9,.0f} rows/s "
            f"per worker  client peak {result['client_mb']:5.0f} MB  worker peak "
            + ", ".join(f"{mb:.0f}" for mb in result["workers_mb"])
            + f" MB  CPU client {result['client_cpu']:.1f} s, workers {result['workers_cpu']:.1f} s"
        )
    print(f"load average after the runs: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    ratio = dask["seconds"] / local["seconds"]
    print(f"Dask / local time: {ratio:.2f}x (target: within 2x)")
    same = dask["report"] == local["report"]
    print(f"reports equal (timing aside): {same}")
    if not args.keep:
        rows_path.unlink()
        folder.rmdir()
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
