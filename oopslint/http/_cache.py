"""The persistent link-check cache: SQLite, good results only, with a TTL."""

from __future__ import annotations

import json as _json
import logging
import os
import sqlite3
import sys
import time
from dataclasses import replace
from pathlib import Path

from .._redact import redact, redact_value
from ._results import LinkCheck

log = logging.getLogger("oopslint.http")


def default_cache_path() -> Path:
    """Where the link-check cache lives unless ``cache_path`` says otherwise:
    ``$OOPSLINT_CACHE_DIR``, else the user cache folder of the platform."""
    override = os.environ.get("OOPSLINT_CACHE_DIR")
    if override:
        folder = Path(override).expanduser()
    elif sys.platform == "win32":
        folder = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "oopslint" / "Cache"
    elif sys.platform == "darwin":
        folder = Path.home() / "Library" / "Caches" / "oopslint"
    else:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "oopslint"
    return folder / "links.sqlite3"


class LinkCache:
    """Good results only, keyed by URL and the headers sent to its host."""

    PRUNE_AFTER = 30 * 86400.0

    def __init__(self, path: Path, ttl: float):
        self.path = path
        self.ttl = ttl
        self._db: sqlite3.Connection | None = None
        self._pending: dict[str, tuple[str, str, float]] = {}
        self._broken = False

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        if self._broken:
            return None
        if self._db is not None:
            return self._db
        try:
            if not create and not self.path.exists():
                return None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=2.0)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS link_checks ("
                " key TEXT PRIMARY KEY, url TEXT NOT NULL, result TEXT NOT NULL, checked_at REAL NOT NULL)"
            )
            self._db = db
            return db
        except (sqlite3.Error, OSError) as exc:
            self._fail(exc)
            return None

    def _fail(self, exc: BaseException) -> None:
        if not self._broken:
            log.warning("link-check cache at %s disabled: %s", self.path, exc)
        self._broken = True

    def get(self, key: str) -> LinkCheck | None:
        db = self._connect(create=False)
        if db is None:
            return None
        try:
            row = db.execute("SELECT result, checked_at FROM link_checks WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            self._fail(exc)
            return None
        if row is None or time.time() - row[1] > self.ttl:
            return None
        try:
            return replace(LinkCheck.from_dict(_json.loads(row[0])), from_cache=True)
        except (ValueError, TypeError):
            return None

    def put(self, key: str, result: LinkCheck) -> None:
        # a token a server put in a Location is not written to disk (nor a URL password)
        self._pending[key] = (redact(result.url), _json.dumps(redact_value(result.to_dict())), time.time())

    def flush(self) -> None:
        try:
            if self._pending:
                db = self._connect(create=True)
                if db is not None:
                    with db:
                        db.executemany(
                            "INSERT OR REPLACE INTO link_checks (key, url, result, checked_at) VALUES (?, ?, ?, ?)",
                            [(key, *row) for key, row in self._pending.items()],
                        )
                        db.execute("DELETE FROM link_checks WHERE checked_at < ?",
                                   (time.time() - max(self.ttl, self.PRUNE_AFTER),))
            self._pending.clear()
        except (sqlite3.Error, OSError) as exc:
            self._fail(exc)
        finally:
            if self._db is not None:
                try:
                    self._db.close()
                except sqlite3.Error:
                    pass
                self._db = None
