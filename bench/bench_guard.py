"""Claims per second on the SQLite and Redis ledgers, beside their floors measured in the same run.

    .venv/bin/python bench/bench_guard.py [--clients 8] [--depth 1,16] [--claims 2000] [--sqlite-claims 400]
        [--repeat 3] [--only redis|sqlite]

Redis: each run starts its own redis-server on 127.0.0.1 (appendonly yes,
appendfsync everysec). The floor is `redis-benchmark -t set` with the same
number of clients, the same pipeline depth and the same number of SETs as the
claims (the command is printed), run against that server, emptied (FLUSHALL)
before each measurement:

- one by one, 1 client: `-c 1 -P 1` beside one process calling try_claim;
- one by one and pipelined, CLIENTS clients: `-c CLIENTS -P DEPTH` beside
  CLIENTS processes (depth 1: try_claim; depth N: claim_many of N keys, one round trip);
- the claims' own command (`SET <41-byte key> <33-byte value> NX PX <ttl>`) sent by
  redis-benchmark at the same clients and depth: what the claims would cost with a
  C client, so the client's share and the server's share of the gap can be told apart;
- plain SETs through redis-py in the same processes, to show what the Python client alone costs.

The floor's SET is `key:<12 digits>` (16 bytes) set to `xxx` (3 bytes), no TTL, from
one C process driving every connection; a claim is `SET oopslint:guard:h:<24
characters> p|<16-character token>|<13-digit ms>| NX PX 600000` (41 and 33 bytes)
from CLIENTS Python processes. redis-server's CPU per operation (from INFO,
before and after) is printed beside each side's own.

SQLite: CLIENTS processes (and one) claiming one by one on one ledger file, as
the default (WAL, synchronous "full": every claim on disk before it returns,
the ledger syncing the WAL itself so processes share a disk flush), SQLite's
own WAL + synchronous=FULL, WAL + NORMAL, and SQLite's default journal with
FULL. The floor is a bare sqlite3 INSERT-and-commit loop with WAL +
synchronous=FULL in the same folder, and the rate of 4 KiB write + fdatasync.

Rates are wall-clock; "cpu" is the client processes' CPU time per operation
(user + system, from rusage), printed beside them because the machine may be
shared: compare ratios from one run, not rates across runs. The CPU ratio
(client + redis-server CPU per claim over the same for the floor's SET) is
what the wall ratio tends to when the cores, not the waits, are the limit, and
it moves less with the load of other processes. Targets (the send-guard
issue): Redis claims within 3x of the floor at the same pipeline depth and
number of clients; at least 500 durable claims/s on SQLite with 8 processes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import resource
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "guard"))

from redisserver import RedisServer  # noqa: E402

from oopslint.guard import SendGuard  # noqa: E402
from oopslint.guard._sqlite import SQLiteLedger  # noqa: E402

FORK = multiprocessing.get_context("fork")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _race(target: Callable[..., None], clients: int, args_for: Callable[[int], tuple]) -> tuple[float, float]:
    """Start ``clients`` processes running ``target(*args, start, done)`` together;
    return (wall seconds from the common start to the last finish, CPU seconds of all of them)."""
    start = FORK.Barrier(clients + 1)
    done = FORK.Queue()
    workers = [FORK.Process(target=target, args=(*args_for(i), start, done)) for i in range(clients)]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    results = [done.get() for _ in workers]
    for worker in workers:
        worker.join()
        if worker.exitcode != 0:
            raise SystemExit(f"a benchmark process failed (exit {worker.exitcode})")
    return max(finished for finished, _ in results) - began, sum(cpu for _, cpu in results)


def _claim_worker(url: str, prefix: str, claims: int, depth: int, variant: str, start, done) -> None:
    synchronous = "normal" if variant == "wal-normal" else "full"
    guard = SendGuard(url, config={}, sqlite_synchronous=synchronous)
    if variant == "rollback-full":  # SQLite's own default journal, for comparison only
        guard._ledger = SQLiteLedger(guard._ledger.path, synchronous="full", journal="delete")
    elif variant == "sqlite-wal-full":  # SQLite syncing inside every commit, for comparison only
        guard._ledger = SQLiteLedger(guard._ledger.path, synchronous="full")
        guard._ledger._own_sync = False
    keys = [f"recipient_email={prefix}{n}@example.com|campaign_id=bench" for n in range(claims)]
    guard.try_claim(f"warm-{prefix}")  # connect and load scripts before the clock starts
    start.wait()
    cpu = _cpu()
    if depth == 1:
        for key in keys:
            assert guard.try_claim(key) is not None
    else:
        for index in range(0, claims, depth):
            assert all(guard.claim_many(keys[index : index + depth]))
    done.put((time.perf_counter(), _cpu() - cpu))


def claims(url: str, clients: int, count: int, depth: int, variant: str = "default") -> tuple[float, float]:
    """(claims/s, CPU µs per claim) for ``clients`` processes claiming ``count`` fresh keys each."""
    stamp = time.monotonic_ns()
    wall, cpu = _race(_claim_worker, clients, lambda i: (url, f"c{i}-{stamp}-", count, depth, variant))
    return clients * count / wall, cpu / (clients * count) * 1e6


def _set_worker(url: str, prefix: str, count: int, depth: int, start, done) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.ping()
    start.wait()
    cpu = _cpu()
    for index in range(0, count, depth):
        if depth == 1:
            client.set(f"{prefix}{index}", "v")
        else:
            pipe = client.pipeline(transaction=False)
            for n in range(index, min(index + depth, count)):
                pipe.set(f"{prefix}{n}", "v")
            pipe.execute()
    done.put((time.perf_counter(), _cpu() - cpu))


def python_sets(url: str, clients: int, count: int, depth: int) -> tuple[float, float]:
    """Plain SETs through redis-py (the client the guard builds on): what the client alone costs."""
    wall, cpu = _race(_set_worker, clients, lambda i: (url, f"set-{i}-", count, depth))
    return clients * count / wall, cpu / (clients * count) * 1e6


# A claim's command as redis-benchmark sends it: the key and value have the
# claims' sizes (41 and 33 bytes), __rand_int__ is a 12-digit random number.
CLAIM_COMMAND = ["SET", "oopslint:guard:h:" + "x" * 12 + "__rand_int__", "p|" + "t" * 16 + "|1796000000000|"]
CLAIM_COMMAND += ["NX", "PX", "600000"]


def redis_benchmark_command(
    port: int, clients: int, depth: int, requests: int, command: list[str] | None = None
) -> list[str]:
    return [
        "redis-benchmark",
        *("-h", "127.0.0.1", "-p", str(port)),
        *("-c", str(clients), "-P", str(depth), "-n", str(requests), "-r", "1000000", "--csv"),
        *(command or ["-t", "set"]),
    ]


def redis_benchmark(command: list[str]) -> tuple[float, float]:
    """(SET/s, redis-benchmark's CPU µs per SET)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    match = re.search(r'^"[^"]*","([0-9.]+)"', output.strip().splitlines()[-1])
    if not match:
        raise SystemExit(f"could not read redis-benchmark's output: {output!r}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    requests = int(command[command.index("-n") + 1])
    return float(match.group(1)), cpu / requests * 1e6


def _insert_worker(path: str, count: int, start, done) -> None:
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    start.wait()
    cpu = _cpu()
    pid = os.getpid()
    for n in range(count):
        db.execute("INSERT INTO claims VALUES (?, ?)", (f"{pid}-{n}", "p|token|0|"))
    done.put((time.perf_counter(), _cpu() - cpu))


def sqlite_floor(folder: Path, clients: int, count: int) -> float:
    """A bare INSERT + COMMIT loop, WAL + synchronous=FULL: SQLite's own rate on this disk."""
    path = folder / f"floor-{clients}.db"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE claims (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID")
    wall, _ = _race(_insert_worker, clients, lambda i: (str(path), count))
    return clients * count / wall


def fsync_rate(folder: Path, count: int = 200) -> float:
    """4 KiB appended and fdatasync'd, one after another: the disk's flush rate."""
    fd = os.open(folder / "fsync-probe", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        began = time.perf_counter()
        for _ in range(count):
            os.write(fd, b"\0" * 4096)
            os.fdatasync(fd)
        return count / (time.perf_counter() - began)
    finally:
        os.close(fd)


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _server_cpu(client) -> float:  # type: ignore[no-untyped-def]
    info = client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def _with_server_cpu(client, requests: int, measure: Callable[..., tuple[float, float]], *args) -> tuple[float, ...]:  # type: ignore[no-untyped-def]
    """``measure(*args)``'s (rate, client CPU µs/op) and redis-server's CPU µs per op,
    on an emptied server (each measurement grows the keyspace from nothing)."""
    client.flushall()
    before = _server_cpu(client)
    rate, cpu = measure(*args)
    return rate, cpu, (_server_cpu(client) - before) / requests * 1e6


def bench_redis(folder: Path, clients: int, depths: list[int], count: int, repeat: int) -> None:
    server = RedisServer(folder / "redis", appendfsync="everysec").start()
    try:
        import redis
        import redis.utils

        admin = redis.Redis.from_url(server.url)
        parser = "hiredis" if redis.utils.HIREDIS_AVAILABLE else "pure-Python"
        print(
            f"\nRedis {server.url} (appendonly, everysec), redis-py {redis.__version__} with the {parser} parser "
            "(claims read their replies themselves; the redis-py SET line uses it)"
        )
        print(f"  each pair (floor, then claims) measured {repeat} times back to back; the median ratio counts")
        print(
            "  floor: redis-benchmark -t set, one C process driving the clients' connections, each keeping DEPTH "
            "SETs in flight;\n    key:<12 digits> (16 B) = xxx (3 B), no TTL, random keys (-r 1000000). Claims: "
            "SET oopslint:guard:h:<24> (41 B) = p|<token>|<ms>| (33 B) NX PX 600000"
        )
        runs = [(1, 1)] + [(clients, depth) for depth in depths]
        for procs, depth in runs:
            per_process = count * (4 if depth > 1 else 1) * (4 if procs == 1 else 1)  # runs of ~0.5 s or more
            requests = procs * per_process  # the floor sets as many keys as the claims claim
            command = redis_benchmark_command(server.port, procs, depth, requests)
            same_command = redis_benchmark_command(server.port, procs, depth, requests, CLAIM_COMMAND)
            what = "try_claim" if depth == 1 else f"claim_many({depth})"
            print(f"  {procs} client(s), depth {depth}, {requests:,} keys a run; floor: {shlex.join(command)}")
            print(f"    claims' command from C: {shlex.join(same_command[-6:])}")
            plain, plain_cpu, plain_server = _with_server_cpu(
                admin, procs * per_process, python_sets, server.url, procs, per_process, depth
            )
            print(
                f"    redis-py SET, same processes   {plain:>9,.0f}/s cpu {plain_cpu:6.1f} µs/op, "
                f"redis-server {plain_server:5.1f} µs/op"
            )
            ratios, cpu_ratios, command_ratios = [], [], []
            for _ in range(repeat):
                floor, floor_cpu, floor_server = _with_server_cpu(admin, requests, redis_benchmark, command)
                same, _same_cpu, same_server = _with_server_cpu(admin, requests, redis_benchmark, same_command)
                rate, cpu, server_cpu = _with_server_cpu(admin, requests, claims, server.url, procs, per_process, depth)
                ratios.append(floor / rate)
                command_ratios.append(same / rate)
                cpu_ratios.append((cpu + server_cpu) / (floor_cpu + floor_server))
                print(
                    f"    floor {floor:>9,.0f} SET/s (cpu {floor_cpu:4.1f}, server {floor_server:4.1f} µs/op) | "
                    f"claims' command from C {same:>9,.0f}/s (server {same_server:4.1f}) | "
                    f"{what} {rate:>8,.0f}/s (cpu {cpu:5.1f}, server {server_cpu:4.1f} µs/op) | "
                    f"{floor / rate:5.2f}x, cpu {cpu_ratios[-1]:4.2f}x  ({_load()})"
                )
            print(
                f"    median floor / claims = {statistics.median(ratios):.2f}x (target <= 3x; "
                f"min {min(ratios):.2f}x, max {max(ratios):.2f}x); claims' command from C / claims = "
                f"{statistics.median(command_ratios):.2f}x; client + server CPU per op, claims / floor = "
                f"{statistics.median(cpu_ratios):.2f}x (what the wall ratio tends to when the cores are the limit)"
            )
        admin.close()
    finally:
        server.stop()


def bench_sqlite(folder: Path, clients: int, count: int) -> None:
    print(f"\nSQLite {sqlite3.sqlite_version} in {folder} ({_load()})")
    print(f"  disk: 4 KiB write + fdatasync, one process: {fsync_rate(folder):,.0f}/s")
    for procs in (1, clients):
        floor = sqlite_floor(folder, procs, count)
        print(f"  {procs} process(es), one claim at a time")
        print(f"    floor: bare INSERT + COMMIT, WAL + synchronous=FULL {floor:>9,.0f}/s")
        for variant, label in (
            ("default", 'default: WAL, "full", ledger syncs the WAL'),
            ("sqlite-wal-full", "WAL + SQLite's synchronous=FULL"),
            ("wal-normal", "WAL + NORMAL (not durable)"),
            ("rollback-full", "rollback journal + FULL"),
        ):
            ledger = folder / f"ledger-{variant}-{procs}.db"
            rate, cpu = claims(f"sqlite:///{ledger}", procs, count, 1, variant)
            durable = "" if variant == "wal-normal" else f"  ({rate / floor:.2f}x the floor)"
            print(f"    {label:<46} {rate:>9,.0f} claims/s cpu {cpu:7.1f} µs/op{durable}")
        print(f"    target: >= 500 durable claims/s with {clients} processes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--depth", default="1,16", help="pipeline depths with CLIENTS clients, comma-separated")
    parser.add_argument(
        "--claims",
        type=int,
        default=2000,
        help="claims per process and run on Redis at depth 1 with CLIENTS processes (4x that pipelined or alone)",
    )
    parser.add_argument("--sqlite-claims", type=int, default=400, help="claims per process and run on SQLite")
    parser.add_argument("--repeat", type=int, default=3, help="Redis floor/claims pairs per setting")
    parser.add_argument("--only", choices=("redis", "sqlite"), help="run one ledger only")
    args = parser.parse_args()
    if args.only != "sqlite":
        for tool in ("redis-server", "redis-benchmark"):
            if shutil.which(tool) is None:
                raise SystemExit(f"{tool} is not installed (bash scripts/setup-test-deps installs it)")
    depths = [int(d) for d in args.depth.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="oopslint-bench-guard-"))
    import oopslint

    print(f"{multiprocessing.cpu_count()} cores, {_load()}, oopslint from {Path(oopslint.__file__).parent}")
    try:
        if args.only != "sqlite":
            bench_redis(folder, args.clients, depths, args.claims, args.repeat)
        if args.only != "redis":
            bench_sqlite(folder, args.clients, args.sqlite_claims)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
