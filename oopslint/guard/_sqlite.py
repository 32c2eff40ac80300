"""The embedded ledger: one SQLite file shared by the processes of one machine.

Every change is one statement or one ``BEGIN IMMEDIATE`` transaction, so two
processes can never both win a key. The file runs in WAL mode; with
``synchronous = "full"`` (the default) each claim and each completed send is on
disk before the call returns, so a power cut cannot forget a send that went out.

How "full" is kept: SQLite's own ``synchronous=FULL`` syncs the WAL inside the
commit, while it holds the one write lock, so eight processes queue for eight
disk flushes one after another and the ledger runs at the disk's flush rate
(a few hundred claims/s). Instead the ledger commits at ``synchronous=NORMAL``
and then syncs the WAL file itself, after the write lock is released and
before the call returns. Processes committing at the same time wait on the
same flush (group commit), and the guarantee is unchanged: the WAL is appended
in order, so a flush that covers one commit covers every commit before it, and
a reader that saw a claim not yet flushed cannot have sent on it (a key it
finds taken is a send it skips).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable

from ._entry import Entry, GuardUnavailable

__all__ = ["SQLiteLedger"]

_fdatasync = getattr(os, "fdatasync", os.fsync)  # fdatasync is Linux's; elsewhere fsync

_SCHEMA = """
CREATE TABLE IF NOT EXISTS claims (
    key TEXT PRIMARY KEY,
    state TEXT NOT NULL,          -- p in progress, s sent, r released
    token TEXT NOT NULL,
    since REAL NOT NULL,          -- unix seconds
    expires REAL,                 -- unix seconds, NULL for never
    category TEXT
) WITHOUT ROWID;
"""

_CLAIM = """
INSERT INTO claims (key, state, token, since, expires, category) VALUES (?, 'p', ?, ?, ?, ?)
ON CONFLICT (key) DO UPDATE SET state = 'p', token = excluded.token, since = excluded.since,
    expires = excluded.expires, category = excluded.category
WHERE claims.state = 'r' OR (claims.expires IS NOT NULL AND claims.expires <= excluded.since)
"""


def _busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class SQLiteLedger:
    """Ledger in a SQLite file; safe across processes (and forks) and threads."""

    def __init__(
        self,
        path: str,
        *,
        synchronous: str = "full",
        read_only: bool = False,
        busy_timeout: float = 30.0,
        journal: str = "wal",
    ):
        self.path = path
        self.journal = journal
        self.synchronous = synchronous.upper()
        self.read_only = read_only
        self.busy_timeout = busy_timeout
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        # WAL + "full": commits at NORMAL, then this ledger flushes the WAL itself
        self._own_sync = self.journal.lower() == "wal" and self.synchronous == "FULL" and not read_only
        self._wal: int | None = None  # descriptor of the -wal file, flushed after each change

    # ------------------------------------------------------------ plumbing

    def _connect(self) -> sqlite3.Connection:
        if self._connection is not None and self._pid == os.getpid():
            return self._connection
        if self._wal is not None and self._pid != os.getpid():
            os.close(self._wal)  # the parent's descriptor, inherited by this forked process
            self._wal = None
        folder = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(folder):
            raise GuardUnavailable(f"ledger {self.path}: folder {folder} does not exist")
        target = f"file:{self.path}?mode=ro" if self.read_only else self.path
        started = time.monotonic()
        try:
            connection = sqlite3.connect(
                target, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False, uri=self.read_only
            )
            try:
                self._set_journal_mode(connection)
                connection.execute(f"PRAGMA synchronous={'NORMAL' if self._own_sync else self.synchronous}")
                connection.executescript(_SCHEMA)
            except BaseException:
                connection.close()
                raise
        except sqlite3.Error as exc:
            raise self._error(exc, time.monotonic() - started) from None
        self._connection, self._pid = connection, os.getpid()
        if self._own_sync:
            self._open_wal(folder)
        return connection

    def _set_journal_mode(self, connection: sqlite3.Connection) -> None:
        """Switch a new ledger file to WAL (a no-op once it is WAL). SQLite answers
        "database is locked" at once, without its busy timeout, when another
        process holds the file's write lock meanwhile, as it does when several
        processes open a new ledger together: wait for the lock as every other
        statement here does."""
        deadline = time.monotonic() + self.busy_timeout
        pause = 0.002
        while True:
            try:
                connection.execute(f"PRAGMA journal_mode={self.journal}")
                return
            except sqlite3.OperationalError as exc:
                if not _busy(exc) or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.05)

    def _open_wal(self, folder: str) -> None:
        """Open the -wal file for flushing, and flush the folder once so the file's
        name is on disk too. The file stays while this connection is open: SQLite
        removes it only when the last connection to the ledger closes."""
        if self._wal is not None:
            return
        try:
            self._wal = os.open(self.path + "-wal", os.O_RDONLY)
            directory = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        except OSError:
            # cannot flush it ourselves: SQLite syncs inside every commit instead
            if self._wal is not None:
                os.close(self._wal)
            self._own_sync = False
            self._wal = None
            if self._connection is not None:
                self._connection.execute("PRAGMA synchronous=FULL")

    def _flush(self) -> None:
        """Put every commit made so far on disk (outside the write lock)."""
        wal = self._wal
        if wal is None:
            return
        try:
            _fdatasync(wal)
        except OSError as exc:
            raise GuardUnavailable(f"ledger {self.path}: could not sync the write-ahead log to disk ({exc})") from None

    def _error(self, exc: sqlite3.Error, waited: float | None = None) -> GuardUnavailable:
        """``exc`` as a message that says what to do; ``waited``: seconds the
        failed call took, which tells a lock held past the busy timeout from a
        refusal SQLite gave without waiting."""
        text = str(exc)
        lowered = text.lower()
        if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
            reason = "is damaged or is not a SQLite database; move it aside (or restore a backup) and run again"
        elif "readonly" in lowered or "read-only" in lowered:
            reason = "is read-only: the guard must write to claim a send"
        elif "unable to open" in lowered:
            reason = "cannot be opened"
        elif ("locked" in lowered or "busy" in lowered) and waited is not None and waited < 0.9 * self.busy_timeout:
            reason = f"was locked by another process (SQLite gave up after {waited:.1f} s, without its busy timeout)"
        elif "locked" in lowered or "busy" in lowered:
            reason = f"stayed locked by another process for {self.busy_timeout:g} s"
        else:
            reason = "failed"
        return GuardUnavailable(f"ledger {self.path} {reason} ({text})")

    def _run(self, action):  # type: ignore[no-untyped-def]
        with self._lock:
            connection = self._connect()
            changes = connection.total_changes
            started = time.monotonic()
            try:
                result = action(connection)
            except BaseException as exc:
                # whatever went wrong, never keep the write lock: every other process would wait on it
                if connection.in_transaction:
                    try:
                        connection.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                if isinstance(exc, sqlite3.Error):
                    raise self._error(exc, time.monotonic() - started) from None
                raise
            wrote = self._own_sync and connection.total_changes != changes
        if wrote:
            self._flush()
        return result

    @staticmethod
    def _entry(row: tuple | None, now: float) -> Entry | None:
        if row is None:
            return None
        state, since, expires, category = row
        if expires is not None and expires <= now:
            return None
        return Entry.from_parts(state, since, expires, category)

    # ------------------------------------------------------------ operations

    def claim(self, key: str, token: str, now: float, ttl: float | None, category: str | None) -> Entry | None:
        """Take ``key`` for ``token``; None when taken, else the holder's record."""
        expires = now + ttl if ttl is not None else None

        def action(db: sqlite3.Connection) -> Entry | None:
            # a read needs no lock in WAL mode: a taken key (the common case when
            # workers race) is answered without queueing for the write lock
            row = db.execute("SELECT state, since, expires, category FROM claims WHERE key = ?", (key,)).fetchone()
            entry = self._entry(row, now)
            if entry is not None and entry.taken:
                return entry
            for _ in range(5):
                if db.execute(_CLAIM, (key, token, now, expires, category)).rowcount == 1:
                    return None
                row = db.execute("SELECT state, since, expires, category FROM claims WHERE key = ?", (key,)).fetchone()
                entry = self._entry(row, now)
                if entry is not None and entry.taken:
                    return entry
                # released or gone between the two statements: try again
            raise sqlite3.OperationalError("database is busy: the key changed hands five times during one claim")

        return self._run(action)

    def claim_many(
        self, items: list[tuple[str, str]], now: float, ttl: float | None, category: str | None
    ) -> list[bool]:
        """Claim several keys in one transaction (one disk sync); True where claimed."""
        expires = now + ttl if ttl is not None else None

        def action(db: sqlite3.Connection) -> list[bool]:
            db.execute("BEGIN IMMEDIATE")
            won = [db.execute(_CLAIM, (key, token, now, expires, category)).rowcount == 1 for key, token in items]
            db.execute("COMMIT")
            return won

        return self._run(action)

    def complete_many(
        self, items: list[tuple[str, str]], now: float, ttl: float | None, category: str | None
    ) -> list[int]:
        """:meth:`complete` for several claims in one transaction."""
        expires = now + ttl if ttl is not None else None

        def action(db: sqlite3.Connection) -> list[int]:
            db.execute("BEGIN IMMEDIATE")
            out = []
            for key, token in items:
                row = db.execute("SELECT state, token, expires FROM claims WHERE key = ?", (key,)).fetchone()
                if row is not None and row[1] == token and row[0] in ("p", "s"):
                    outcome = 1
                elif row is None or row[0] == "r" or (row[2] is not None and row[2] <= now):
                    outcome = 2
                else:
                    out.append(0)
                    continue
                db.execute(
                    "INSERT OR REPLACE INTO claims VALUES (?, 's', ?, ?, ?, ?)", (key, token, now, expires, category)
                )
                out.append(outcome)
            db.execute("COMMIT")
            return out

        return self._run(action)

    def complete(self, key: str, token: str, now: float, ttl: float | None, category: str | None) -> int:
        """Record the send: 1 done, 2 done although the claim had expired (the key
        was free), 0 another worker holds or sent the key."""
        expires = now + ttl if ttl is not None else None

        def action(db: sqlite3.Connection) -> int:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT state, token, expires FROM claims WHERE key = ?", (key,)).fetchone()
            if row is not None and row[1] == token and row[0] in ("p", "s"):
                outcome = 1
            elif row is None or row[0] == "r" or (row[2] is not None and row[2] <= now):
                outcome = 2
            else:
                db.execute("ROLLBACK")
                return 0
            db.execute(
                "INSERT OR REPLACE INTO claims VALUES (?, 's', ?, ?, ?, ?)", (key, token, now, expires, category)
            )
            db.execute("COMMIT")
            return outcome

        return self._run(action)

    def release(self, key: str, token: str, now: float, ttl: float | None) -> bool:
        expires = now + ttl if ttl is not None else None

        def action(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "UPDATE claims SET state = 'r', since = ?, expires = ? "
                "WHERE key = ? AND token = ? AND state IN ('p', 'r')",
                (now, expires, key, token),
            )
            return cursor.rowcount == 1

        return self._run(action)

    def lookup(self, key: str, now: float) -> Entry | None:
        def action(db: sqlite3.Connection) -> Entry | None:
            row = db.execute("SELECT state, since, expires, category FROM claims WHERE key = ?", (key,)).fetchone()
            return self._entry(row, now)

        return self._run(action)

    def lookup_many(self, keys: list[str], now: float) -> list[Entry | None]:
        def action(db: sqlite3.Connection) -> list[Entry | None]:
            found: dict[str, Entry | None] = {}
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, *rest in db.execute(
                    f"SELECT key, state, since, expires, category FROM claims WHERE key IN ({marks})", chunk
                ):
                    found[key] = self._entry(tuple(rest), now)
            return [found.get(key) for key in keys]

        return self._run(action)

    def forget(self, keys: Iterable[str]) -> int:
        def action(db: sqlite3.Connection) -> int:
            db.execute("BEGIN IMMEDIATE")
            removed = sum(db.execute("DELETE FROM claims WHERE key = ?", (key,)).rowcount for key in keys)
            db.execute("COMMIT")
            return removed

        return self._run(action)

    def stats(self, now: float) -> dict[str, dict[str, int]]:
        def action(db: sqlite3.Connection) -> dict[str, dict[str, int]]:
            out: dict[str, dict[str, int]] = {}
            rows = db.execute(
                "SELECT state, COALESCE(category, ''), COUNT(*) FROM claims "
                "WHERE expires IS NULL OR expires > ? GROUP BY 1, 2",
                (now,),
            )
            for state, category, count in rows:
                out.setdefault(state, {})[category] = count
            return out

        return self._run(action)

    def prune(self, now: float) -> int:
        return self._run(
            lambda db: db.execute("DELETE FROM claims WHERE expires IS NOT NULL AND expires <= ?", (now,)).rowcount
        )

    def describe(self) -> str:
        return f"sqlite:///{self.path}" if not os.path.isabs(self.path) else f"sqlite://{self.path}"

    def close(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                if self._connection is not None:
                    self._connection.close()
                if self._wal is not None:
                    os.close(self._wal)
            self._connection = None
            self._wal = None
