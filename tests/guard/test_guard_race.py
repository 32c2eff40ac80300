"""Racing workers, killed workers and a restarted Redis: no key is ever claimed twice."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

import pytest

from oopslint import SendGuard
from oopslint.guard import GuardUnavailable

KEYS = 10_000
WORKERS = 8
RESTART_KEYS = 800
HOLD_TTL = 2.0  # seconds a killed worker's claims stay held
FORK = multiprocessing.get_context("fork")


def _race_worker(url: str, seed: int, out: str, keys_total: int, chunk: int, start: object) -> None:
    # synchronous=normal: whether two processes can win one key does not depend on
    # when the file is synced; bench/bench_guard.py measures the durable default
    guard = SendGuard(url, config={}, sqlite_synchronous="normal")
    guard.lookup("warm-up")  # connected before the start, so no worker runs ahead while others connect
    start.wait(60)  # type: ignore[attr-defined]  # every worker starts claiming at once
    keys = list(range(keys_total))
    random.Random(seed).shuffle(keys)
    won = []
    for start in range(0, keys_total, chunk):
        batch = keys[start : start + chunk]
        if chunk == 1:
            while True:
                try:
                    claims = [guard.try_claim(f"recipient_email=u{batch[0]}@example.com|campaign_id=race")]
                    break
                except GuardUnavailable:  # starved past the busy timeout; nothing was claimed: try again
                    continue
        else:  # pipelined: one transaction (SQLite) or one round trip (Redis) per chunk
            claims = guard.claim_many([f"recipient_email=u{key}@example.com|campaign_id=race" for key in batch])
        won.extend(key for key, claim in zip(batch, claims) if claim is not None)
    Path(out).write_text(json.dumps(won))


def _run_workers(target, args_for, count: int, timeout: float = 120) -> None:
    workers = [FORK.Process(target=target, args=args_for(index)) for index in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout)
        if worker.is_alive():
            worker.kill()
    assert [w.exitcode for w in workers] == [0] * count


@pytest.mark.parametrize(
    "keys_total, chunk", [(KEYS, 1000), (300, 1)], ids=["10000-keys-pipelined", "300-keys-one-by-one"]
)
def test_eight_processes_claim_the_same_keys_exactly_once(ledger_url, tmp_path, keys_total, chunk):
    outputs = [tmp_path / f"won-{i}.json" for i in range(WORKERS)]
    start = FORK.Barrier(WORKERS)
    _run_workers(_race_worker, lambda i: (ledger_url, i, str(outputs[i]), keys_total, chunk, start), WORKERS)
    won = [key for out in outputs for key in json.loads(out.read_text())]
    assert len(won) == keys_total and set(won) == set(range(keys_total))
    # the race is real: more than one worker won keys
    assert sum(1 for out in outputs if json.loads(out.read_text())) > 1


def _hold_worker(url: str) -> None:
    # synchronous=normal: a killed process loses nothing it committed, and its
    # claims come fast enough to be many and young when it dies
    guard = SendGuard(url, config={}, ttl={"in_progress": f"{HOLD_TTL}s"}, sqlite_synchronous="normal")
    number = 0
    while True:  # claims until killed; never completes a send
        try:
            guard.try_claim(f"recipient_email=u{number}@example.com|campaign_id=kill")
        except GuardUnavailable:  # a busy ledger under load: try the same key again
            time.sleep(0.01)
            continue
        number += 1


def test_a_worker_killed_while_holding_claims_frees_them_after_the_ttl(ledger_url):
    guard = SendGuard(ledger_url, config={})
    worker = FORK.Process(target=_hold_worker, args=(ledger_url,))
    worker.start()
    deadline = time.monotonic() + 30
    while guard.lookup("recipient_email=u100@example.com|campaign_id=kill") is None:
        assert time.monotonic() < deadline, "the worker claimed nothing"
        time.sleep(0.02)
    os.kill(worker.pid, signal.SIGKILL)
    worker.join()
    killed_at = time.time()
    stats = guard.stats()
    held = stats["in_progress"][""]
    assert held > 100 and "sent" not in stats
    # the worker claimed u0, u1, ... in order: its youngest claim is still held after its death
    keys = [f"recipient_email=u{n}@example.com|campaign_id=kill" for n in range(held + 200)]
    entries = guard.lookup_many(keys)
    youngest = max(n for n, entry in enumerate(entries) if entry is not None)
    assert youngest >= held - 1 and entries[youngest].state == "in_progress"
    assert guard.try_claim(keys[youngest]) is None
    time.sleep(max(0.0, killed_at + HOLD_TTL + 0.1 - time.time()))
    assert guard.stats() == {}
    assert all(claim is not None for claim in guard.claim_many(keys[: youngest + 1]))


def _restart_worker(url: str, seed: int, out: str) -> None:
    guard = SendGuard(url, config={})
    keys = list(range(RESTART_KEYS))
    random.Random(seed).shuffle(keys)
    won, errors = [], []
    for key in keys:
        while True:
            try:
                if guard.try_claim(f"recipient_email=u{key}@example.com|campaign_id=restart"):
                    won.append(key)
                break
            except GuardUnavailable as exc:
                errors.append(str(exc))
                time.sleep(0.05)
    Path(out).write_text(json.dumps({"won": won, "errors": errors}))


def test_redis_restarted_mid_run_claims_no_key_twice(own_redis, tmp_path):
    outputs = [tmp_path / f"out-{i}.json" for i in range(4)]
    workers = [FORK.Process(target=_restart_worker, args=(own_redis.url, i, str(outputs[i]))) for i in range(4)]
    for worker in workers:
        worker.start()
    guard = SendGuard(own_redis.url, config={})
    deadline = time.monotonic() + 30
    import redis

    client = redis.Redis.from_url(own_redis.url)
    while client.dbsize() < 200:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    client.close()
    own_redis.stop()
    time.sleep(0.5)
    own_redis.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0] * 4
    results = [json.loads(out.read_text()) for out in outputs]
    won = [key for result in results for key in result["won"]]
    assert len(won) == len(set(won)), "a key was claimed twice"
    errors = [error for result in results for error in result["errors"]]
    assert errors, "the workers never saw Redis down"
    assert all(f"ledger {own_redis.url} unreachable" in error for error in errors)
    # claims made before the restart survived it; a claim whose reply was lost stays held, never doubles
    entries = guard.lookup_many([f"recipient_email=u{k}@example.com|campaign_id=restart" for k in range(RESTART_KEYS)])
    assert all(entry is not None and entry.state == "in_progress" for entry in entries)
    assert len(won) >= RESTART_KEYS - len(errors)


def test_redis_unreachable_refuses_and_says_why(own_redis, cli):
    guard = SendGuard(own_redis.url, config={})
    assert guard.try_claim("recipient_email=ada@example.com|campaign_id=c") is not None
    own_redis.stop()
    with pytest.raises(GuardUnavailable, match="unreachable or refused the command: ConnectionError"):
        guard.try_claim("recipient_email=grace@example.com|campaign_id=c")
    result = cli("guard", "stats", "--url", own_redis.url)
    assert result.returncode == 2
    assert f"ledger {own_redis.url} unreachable" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_guard_stats_warns_about_a_redis_that_forgets_claims_on_restart(tmp_path, cli):
    from .conftest import need_redis_server
    from .redisserver import RedisServer

    need_redis_server()
    forgetful = RedisServer(tmp_path / "volatile", appendonly=False).start()
    try:
        result = cli("guard", "stats", "--url", forgetful.url)
        assert result.returncode == 0
        assert (
            "warning: Redis does not persist (no appendonly, no snapshots): a restart forgets every claim"
            in result.stdout.decode()
        )
    finally:
        forgetful.stop()
    durable = cli("guard", "stats", "--url", "sqlite:///" + str(tmp_path / "l.db"))
    assert "warning" not in durable.stdout.decode()
