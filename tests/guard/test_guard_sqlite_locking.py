"""The SQLite ledger waits for another process's write lock instead of failing:
when several processes open a new ledger file together, and after an error
inside one of its own transactions."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from oopslint import SendGuard
from oopslint.guard import GuardUnavailable
from oopslint.guard._sqlite import SQLiteLedger

KEY = "recipient_email=ada@example.com|campaign_id=2026-11-newsletter"


def _hold_lock(path, mode: str, seconds: float) -> subprocess.Popen:
    """Another process holding ``BEGIN mode`` on the ledger file for ``seconds``;
    it has the lock once its first line is read."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sqlite3, sys, time
                db = sqlite3.connect({str(path)!r}, isolation_level=None)
                db.execute("BEGIN {mode}")
                print("locked", flush=True)
                time.sleep({seconds})
                db.execute("COMMIT")
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_a_new_ledger_waits_while_another_process_holds_its_write_lock(tmp_path):
    """SQLite refuses the switch of a new file to WAL at once, without its busy
    timeout, while another process writes to it (as when Dask workers open a new
    ledger at the same moment); the guard waits as for any other lock."""
    path = tmp_path / "ledger.db"
    guard = SendGuard(f"sqlite:///{path}", config={})  # opens the file on its first claim
    holder = _hold_lock(path, "IMMEDIATE", 1.0)
    try:
        started = time.monotonic()
        claim = guard.try_claim(KEY)
        assert claim is not None
        assert time.monotonic() - started < 20
        claim.done()
        assert guard.try_claim(KEY) is None
        guard.close()
    finally:
        holder.wait(10)
    assert holder.returncode == 0


def test_an_error_inside_a_transaction_gives_the_write_lock_back(tmp_path):
    path = str(tmp_path / "ledger.db")
    failing = SQLiteLedger(path)
    other = SQLiteLedger(path, busy_timeout=2.0)
    now = time.time()
    with pytest.raises(ValueError):
        failing.claim_many([("h:first", "token-1"), ("h:second",)], now, 600, None)  # type: ignore[list-item]
    started = time.monotonic()
    assert other.claim_many([("h:first", "token-2")], time.time(), 600, None) == [True]
    assert time.monotonic() - started < 1.5
    assert failing.claim_many([("h:first", "token-3")], time.time(), 600, None) == [False]
    failing.close()
    other.close()


def test_a_lock_held_past_the_busy_timeout_is_named_with_how_long(tmp_path):
    path = tmp_path / "ledger.db"
    ledger = SQLiteLedger(str(path), busy_timeout=0.5)
    assert ledger.claim("h:first", "token-1", time.time(), 600, None) is None
    holder = _hold_lock(path, "EXCLUSIVE", 3.0)
    try:
        with pytest.raises(GuardUnavailable, match=r"stayed locked by another process for 0\.5 s"):
            ledger.claim("h:second", "token-2", time.time(), 600, None)
    finally:
        holder.wait(10)
    assert ledger.claim("h:second", "token-2", time.time(), 600, None) is None
    ledger.close()
