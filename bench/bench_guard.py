"""Claims per second on the SQLite and Redis ledgers, beside `redis-benchmark -t set`.

    .venv/bin/python bench/bench_guard.py [--clients 8] [--depth 1,16] [--claims 4000]

Each run starts its own redis-server on 127.0.0.1 (appendonly yes, appendfsync
everysec) and measures, with the same number of client processes and the same
pipeline depth:

- the floor: `redis-benchmark -t set -c CLIENTS -P DEPTH` against that server;
- plain SETs through redis-py (the Python client the guard uses), same processes and depth;
- Redis claims: CLIENTS processes claiming fresh keys (depth 1: try_claim; depth
  N: claim_many of N keys, one round trip);
- SQLite claims: CLIENTS processes on one ledger file, as journal=WAL with
  synchronous=FULL (the default: durable), WAL with NORMAL, and SQLite's own
  default (rollback journal, FULL).

Prints claims/s and the Redis ratio to the floor. Targets: Redis within 3x
of the floor; at least 500 durable claims/s on SQLite with 8 processes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "guard"))

from redisserver import RedisServer  # noqa: E402

from oopslint.guard import SendGuard  # noqa: E402
from oopslint.guard._sqlite import SQLiteLedger  # noqa: E402

FORK = multiprocessing.get_context("fork")


def _worker(url: str, prefix: str, claims: int, depth: int, journal: str, synchronous: str, start, done) -> None:
    guard = SendGuard(url, config={}, sqlite_synchronous=synchronous)
    if journal != "wal":  # SQLite's own default journal, for comparison only
        guard._ledger = SQLiteLedger(guard._ledger.path, synchronous=synchronous, journal=journal)
    keys = [f"recipient_email={prefix}{n}@example.com|campaign_id=bench" for n in range(claims)]
    guard.try_claim(f"warm-{prefix}")  # connect and load scripts before the clock starts
    start.wait()
    if depth == 1:
        for key in keys:
            assert guard.try_claim(key) is not None
    else:
        for index in range(0, claims, depth):
            assert all(guard.claim_many(keys[index : index + depth]))
    done.put(time.perf_counter())


def claims_per_second(
    url: str, clients: int, claims: int, depth: int, journal: str = "wal", synchronous: str = "full"
) -> float:
    start = FORK.Barrier(clients + 1)
    done = FORK.Queue()
    workers = [
        FORK.Process(
            target=_worker, args=(url, f"c{i}-{time.monotonic_ns()}-", claims, depth, journal, synchronous, start, done)
        )
        for i in range(clients)
    ]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    finished = max(done.get() for _ in workers)
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise SystemExit(f"a claiming process failed (exit {worker.exitcode})")
    return clients * claims / (finished - began)


def _set_worker(url: str, prefix: str, count: int, depth: int, start, done) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.ping()
    start.wait()
    for index in range(0, count, depth):
        if depth == 1:
            client.set(f"{prefix}{index}", "v")
        else:
            pipe = client.pipeline(transaction=False)
            for n in range(index, min(index + depth, count)):
                pipe.set(f"{prefix}{n}", "v")
            pipe.execute()
    done.put(time.perf_counter())


def python_set_per_second(url: str, clients: int, count: int, depth: int) -> float:
    """Plain SETs through the same Python client: what the client alone costs."""
    start = FORK.Barrier(clients + 1)
    done = FORK.Queue()
    workers = [
        FORK.Process(target=_set_worker, args=(url, f"set-{i}-", count, depth, start, done)) for i in range(clients)
    ]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    finished = max(done.get() for _ in workers)
    for worker in workers:
        worker.join()
    return clients * count / (finished - began)


def redis_benchmark(port: int, clients: int, depth: int, requests: int) -> float:
    output = subprocess.run(
        [
            "redis-benchmark",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-t",
            "set",
            "-c",
            str(clients),
            "-P",
            str(depth),
            "-n",
            str(requests),
            "-r",
            "1000000",
            "--csv",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r'"SET","([0-9.]+)"', output)
    if not match:
        raise SystemExit(f"could not read redis-benchmark's output: {output!r}")
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--depth", default="1,16", help="pipeline depths, comma-separated")
    parser.add_argument("--claims", type=int, default=1600, help="claims per process and depth on Redis")
    parser.add_argument("--sqlite-claims", type=int, default=400, help="claims per process and depth on SQLite")
    args = parser.parse_args()
    for tool in ("redis-server", "redis-benchmark"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (bash scripts/setup-test-deps installs it)")
    depths = [int(d) for d in args.depth.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="oopslint-bench-guard-"))
    server = RedisServer(folder / "redis", appendfsync="everysec").start()
    print(f"{args.clients} client processes, {multiprocessing.cpu_count()} cores")
    try:
        for depth in depths:
            floor = redis_benchmark(server.port, args.clients, depth, args.clients * args.claims)
            plain = python_set_per_second(server.url, args.clients, args.claims, depth)
            redis_rate = claims_per_second(server.url, args.clients, args.claims, depth)
            print(
                f"depth {depth:>3}: redis-benchmark SET {floor:>9,.0f}/s | redis-py SET {plain:>8,.0f}/s | "
                f"Redis claims {redis_rate:>8,.0f}/s | floor/claims {floor / redis_rate:5.2f}x (target <= 3x), "
                f"redis-py SET/claims {plain / redis_rate:4.2f}x"
            )
        for depth in depths:
            for journal, synchronous, label in (
                ("wal", "full", "WAL + FULL (default, durable)"),
                ("wal", "normal", "WAL + NORMAL"),
                ("delete", "full", "rollback journal + FULL"),
            ):
                ledger = folder / f"ledger-{journal}-{synchronous}-{depth}.db"
                rate = claims_per_second(
                    f"sqlite:///{ledger}", args.clients, args.sqlite_claims, depth, journal, synchronous
                )
                print(f"depth {depth:>3}: SQLite {label:<32} {rate:>9,.0f} claims/s")
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
