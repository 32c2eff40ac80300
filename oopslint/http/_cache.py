"""The persistent link-check cache: SQLite, good results only, with a TTL."""

from __future__ import annotations

import json as _json
import logging
import sqlite3
import time
from dataclasses import replace
from pathlib import Path

from .._redact import redact, redact_value
from ._results import LinkCheck

log = logging.getLogger("oopslint.http")


def default_cache_path() -> Path:
    """Where the link-check cache lives unless ``cache_path`` says otherwise:
    ``$OOPSLINT_CACHE_DIR``, else the user cache folder of the platform."""
    from ..paths import cache_folder

    return cache_folder() / "links.sqlite3"


_OPTIONAL_TEXT = (str, type(None))
_RESULT_FIELDS: dict[str, tuple[type, ...]] = {
    "url": (str,),
    "final_url": (str,),
    "status": (int, type(None)),
    "reason": (str,),
    "error": _OPTIONAL_TEXT,
    "detail": (str,),
    "redirects": (list,),
    "attempts": (int,),
    "challenge": _OPTIONAL_TEXT,
    "retry_after": (int, float, type(None)),
    "elapsed": (int, float),
}


def _valid_result(data: object) -> bool:
    """Whether a cached row has the shape LinkCheck.to_dict writes."""
    if not isinstance(data, dict) or not isinstance(data.get("url"), str) or not isinstance(data.get("final_url"), str):
        return False
    for name, kinds in _RESULT_FIELDS.items():
        if name in data and (not isinstance(data[name], kinds) or isinstance(data[name], bool) and bool not in kinds):
            return False
    return all(isinstance(item, str) for item in data.get("redirects") or ())


def _means_read_only(exc: BaseException) -> bool:
    """Errors of a disk or folder we may not write to (not a locked or corrupt database)."""
    if isinstance(exc, OSError):
        return True
    text = str(exc).lower()
    return "readonly" in text or "read-only" in text or "unable to open" in text


class LinkCache:
    """Good results only, keyed by URL and the headers sent to its host."""

    PRUNE_AFTER = 30 * 86400.0

    def __init__(self, path: Path, ttl: float):
        self.path = path
        self.ttl = ttl
        self._db: sqlite3.Connection | None = None
        self._pending: dict[str, tuple[str, str, float]] = {}
        self._broken = False
        self._read_only = False

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
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(
                    "CREATE TABLE IF NOT EXISTS link_checks ("
                    " key TEXT PRIMARY KEY, url TEXT NOT NULL, result TEXT NOT NULL, checked_at REAL NOT NULL)"
                )
            except sqlite3.Error:
                db.close()
                raise
            self._db = db
            return db
        except (sqlite3.Error, OSError) as exc:
            if self.path.is_file() and _means_read_only(exc):
                read_only = self._connect_read_only()
                if read_only is not None:
                    return read_only
            self._fail(exc)
            return None

    def _connect_read_only(self) -> sqlite3.Connection | None:
        """A cache on a read-only disk (or in a folder we may not write) is
        still read; new results are then not saved."""
        try:
            uri = self.path.resolve().as_uri() + "?immutable=1"
            db = sqlite3.connect(uri, uri=True, timeout=2.0)
            db.execute("SELECT key FROM link_checks LIMIT 1").fetchall()
        except (sqlite3.Error, OSError, ValueError):
            return None
        log.info("link-check cache at %s is read-only: results are read, new ones are not saved", self.path)
        self._read_only = True
        self._db = db
        return db

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
        if row is None or not isinstance(row[1], (int, float)) or not time.time() - row[1] <= self.ttl:
            return None
        try:
            data = _json.loads(row[0]) if isinstance(row[0], (str, bytes)) else None
        except (ValueError, RecursionError):
            return None
        if not isinstance(data, dict) or not _valid_result(data):
            return None  # a row written by something else: a miss, checked again
        return replace(LinkCheck.from_dict(data), from_cache=True)

    def put(self, key: str, result: LinkCheck) -> None:
        # a token a server put in a Location is not written to disk (nor a URL password)
        self._pending[key] = (redact(result.url), _json.dumps(redact_value(result.to_dict())), time.time())

    def flush(self) -> None:
        try:
            if self._pending and not self._read_only:
                db = self._connect(create=True)
                if db is not None:
                    with db:
                        db.executemany(
                            "INSERT OR REPLACE INTO link_checks (key, url, result, checked_at) VALUES (?, ?, ?, ?)",
                            [(key, *row) for key, row in self._pending.items()],
                        )
                        db.execute(
                            "DELETE FROM link_checks WHERE checked_at < ?",
                            (time.time() - max(self.ttl, self.PRUNE_AFTER),),
                        )
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
