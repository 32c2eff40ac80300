"""The ledgers' connections: a guard shared by threads, a guard carried into a
forked worker, claims spread over several script calls on a Redis that forgot
its scripts, a Redis that stops answering. No key is ever claimed twice."""

from __future__ import annotations

import json
import multiprocessing
import random
import threading
import time
from pathlib import Path

import pytest

from oopslint import SendGuard
from oopslint.guard import GuardError, GuardUnavailable

FORK = multiprocessing.get_context("fork")


def _keys(count: int, campaign: str) -> list[str]:
    return [f"recipient_email=u{n}@example.com|campaign_id={campaign}" for n in range(count)]


def test_threads_sharing_one_guard_claim_each_key_once(ledger_url):
    guard = SendGuard(ledger_url, config={}, sqlite_synchronous="normal")
    keys = _keys(300, "threads")
    won: list[list[str]] = [[] for _ in range(6)]
    start = threading.Barrier(6)

    def claim_all(index: int) -> None:
        order = random.Random(index).sample(keys, len(keys))
        start.wait()
        won[index] = [key for key in order if guard.try_claim(key) is not None]

    threads = [threading.Thread(target=claim_all, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    claimed = [key for keys_won in won for key in keys_won]
    assert sorted(claimed) == sorted(keys)
    assert sum(1 for keys_won in won if keys_won) > 1  # the threads really raced


def _forked_claims(guard: SendGuard, keys: list[str], out: str) -> None:
    won = [key for key in random.Random(7).sample(keys, len(keys)) if guard.try_claim(key) is not None]
    won += [key for key, claim in zip(keys, guard.claim_many(keys)) if claim is not None]
    Path(out).write_text(json.dumps(won))


def test_a_guard_carried_into_a_forked_worker_keeps_both_processes_apart(ledger_url, tmp_path):
    # the parent's guard is connected (and its ledger file or socket open) before the fork
    guard = SendGuard(ledger_url, config={}, sqlite_synchronous="normal")
    assert guard.try_claim("recipient_email=parent@example.com|campaign_id=fork") is not None
    keys = _keys(200, "fork")
    out = tmp_path / "child.json"
    child = FORK.Process(target=_forked_claims, args=(guard, keys, str(out)))
    child.start()
    parent_won = [key for key in keys if guard.try_claim(key) is not None]
    child.join(60)
    assert child.exitcode == 0
    child_won = json.loads(out.read_text())
    assert sorted(parent_won + child_won) == sorted(keys)
    # the parent's connection still answers its own calls correctly afterwards
    claim = guard.try_claim("recipient_email=after@example.com|campaign_id=fork")
    assert claim is not None
    claim.done()
    assert guard.lookup("recipient_email=after@example.com|campaign_id=fork").state == "sent"
    assert guard.try_claim("recipient_email=parent@example.com|campaign_id=fork") is None


def test_claims_over_several_script_calls_survive_a_redis_that_forgot_its_scripts(redis_url):
    import redis

    guard = SendGuard(redis_url, config={})
    first, second = _keys(250, "first"), _keys(250, "second")
    claims = guard.claim_many(first)
    assert all(claims)
    redis.Redis.from_url(redis_url).script_flush()  # as after a restart of a persisting Redis
    # one round trip, several script calls: none may run twice or be lost
    again = guard.claim_many(first + second)
    assert again[:250] == [None] * 250 and all(again[250:])
    redis.Redis.from_url(redis_url).script_flush()
    guard.done_many(claims)
    assert {guard.lookup(key).state for key in first} == {"sent"}
    assert {guard.lookup(key).state for key in second} == {"in_progress"}
    assert guard.stats() == {"sent": {"": 250}, "in_progress": {"": 250}}


def test_a_resp3_connection_claims_completes_and_releases_as_resp2_does(redis_url):
    """Claims read RESP2 replies off the socket themselves; a URL asking for
    ?protocol=3 goes through redis-py's reader and must answer the same."""
    outcomes = {}
    for protocol, url in (("2", redis_url), ("3", f"{redis_url}?protocol=3")):
        guard = SendGuard(url, config={})
        keys, more = _keys(40, f"resp{protocol}"), _keys(5, f"resp{protocol}-more")
        claims = guard.claim_many(keys)
        assert all(claims)
        again = guard.claim_many(keys[:20] + more)
        assert again[:20] == [None] * 20 and all(again[20:])
        assert claims[0].release() is True
        assert guard.try_claim(keys[0]) is not None  # released: claimable at once
        guard.done_many([c for c in claims[1:] if c is not None])
        assert guard.try_claim(keys[1]) is None
        holder = guard.lookup(keys[1])
        outcomes[protocol] = (holder.state, guard.stats())
        assert guard.forget(*keys, *more) == 45
        guard.close()
    assert outcomes["2"] == outcomes["3"] == ("sent", {"sent": {"": 39}, "in_progress": {"": 6}})


def test_a_redis_that_stops_answering_is_a_clear_error_after_the_socket_timeout(own_redis):
    """Claims wait on blocking sockets whose timeout the kernel keeps: a Redis
    that stops answering mid-run is reported after the timeout, never a hang,
    and the guard claims again once it answers."""
    import signal

    guard = SendGuard(f"{own_redis.url}?socket_timeout=0.5", config={})
    assert guard.try_claim("recipient_email=before@example.com|campaign_id=stop") is not None
    own_redis.process.send_signal(signal.SIGSTOP)
    try:
        began = time.monotonic()
        with pytest.raises(GuardUnavailable, match="unreachable or refused the command: TimeoutError"):
            guard.try_claim("recipient_email=during@example.com|campaign_id=stop")
        with pytest.raises(GuardUnavailable, match="TimeoutError"):
            guard.claim_many(_keys(16, "stop"))
        assert (
            time.monotonic() - began < 10
        )  # two calls, each tried twice (and redis-py retries a connect), 0.5 s a try
    finally:
        own_redis.process.send_signal(signal.SIGCONT)
    assert guard.try_claim("recipient_email=after@example.com|campaign_id=stop") is not None
    # a claim whose reply never came is held by nobody until its TTL: never sent, never doubled
    during = guard.lookup("recipient_email=during@example.com|campaign_id=stop")
    assert during is None or during.state == "in_progress"
    assert guard.try_claim("recipient_email=before@example.com|campaign_id=stop") is None


def test_one_claim_many_call_holds_each_key_once_and_each_claim_alone(ledger_url):
    """The claims of one call share a token; a key listed twice is held once,
    and completing or releasing one claim touches only its own key."""
    guard = SendGuard(ledger_url, config={})
    first, second, third = _keys(3, "one-call")
    claims = guard.claim_many([first, second, first, third])
    assert [c is not None for c in claims] == [True, True, False, True]
    assert claims[0].release() is True
    assert guard.lookup(second).state == "in_progress" and guard.lookup(third).state == "in_progress"
    claims[1].done()
    assert guard.lookup(second).state == "sent" and guard.lookup(third).state == "in_progress"
    again = guard.try_claim(first)  # released: claimable at once, by a new holder
    assert again is not None
    with pytest.raises(GuardError):
        claims[0].done()  # the released claim cannot record a send over the new holder
    assert guard.lookup(first).state == "in_progress"
    assert claims[3].release() is True and guard.lookup(third).state == "released"
