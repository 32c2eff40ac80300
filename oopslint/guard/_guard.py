"""SendGuard: claim a send before it goes out, record it after.

guard = oopslint.SendGuard("sqlite:///var/lib/app/sent.db")
with guard.claim(guard.key_for(context)):      # DuplicateSend when taken
    provider.send(message)                     # an exception releases the claim
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from ..config import Config, ConfigError, load_config
from ..context import SendContext
from ._entry import ClaimLost, DuplicateSend, Entry, GuardError, GuardUnavailable, mask_key
from ._settings import GuardSettings

__all__ = ["SendGuard", "Claim", "GuardWarning"]

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class GuardWarning(UserWarning):
    """The ledger could not be reached and the guard is configured to fail open."""


def _expand_env(value: str) -> str:
    def read(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ConfigError(f"guard.url names ${{{name}}}, which is not set in the environment")
        return os.environ[name]

    return _ENV.sub(read, value)


def _display_url(url: str) -> str:
    """The URL with any password replaced, as messages may show it."""
    parts = urlsplit(url)
    if parts.password:
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
        user = parts.username or ""
        return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
    return url


def _open_ledger(url: str, settings: GuardSettings) -> tuple[Any, str]:
    display = _display_url(url)
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "sqlite":
        rest = url.split("://", 1)[1]
        path, _, query = rest.partition("?")
        path = path[1:] if path.startswith("/") else path  # sqlite:///rel.db, sqlite:////abs.db
        if not path:
            raise ConfigError(f"guard url {display!r} names no file; use sqlite:///path/to/ledger.db")
        read_only = parse_qs(query).get("mode") == ["ro"]
        from ._sqlite import SQLiteLedger

        return SQLiteLedger(
            str(Path(path).expanduser()), synchronous=settings.sqlite_synchronous, read_only=read_only
        ), display
    if scheme in ("redis", "rediss", "unix"):
        try:
            from ._redis import RedisLedger

            ledger = RedisLedger(url, display)
        except ImportError:
            raise ConfigError("a redis:// guard needs the redis client: pip install 'oopslint[redis]'") from None
        except ValueError as exc:
            raise ConfigError(f"guard url {display!r}: {exc}") from None
        return ledger, display
    raise ConfigError(f"guard url {display!r}: use sqlite:///path/to/ledger.db or redis://host:6379/0")


class Claim:
    """A key this worker holds until :meth:`done` (the send went out) or
    :meth:`release` (it did not). ``guarded`` is False for the stand-in a
    fail-open guard hands out when the ledger cannot be reached."""

    def __init__(self, guard: SendGuard, key: str, key_id: str, token: str, category: str | None, guarded: bool = True):
        self.guard = guard
        self.key = key
        self.key_id = key_id
        self.token = token
        self.category = category
        self.guarded = guarded
        self.state = "in_progress"

    def __repr__(self) -> str:
        return f"<Claim {self.guard.display(self.key)} {self.state}>"

    def _check_open(self, action: str) -> bool:
        if self.state == "in_progress":
            return True
        if self.state == "sent" and action == "done":
            return False
        if self.state == "lost":
            raise ClaimLost(f"{self.guard.display(self.key)}: this claim expired and another worker holds the key")
        verb = "complete" if action == "done" else action
        raise GuardError(f"{self.guard.display(self.key)}: cannot {verb} a claim that is already {self.state}")

    def done(self) -> None:
        """Record the send. Raises :class:`ClaimLost` when the claim expired and
        another worker took the key meanwhile (the key was sent twice)."""
        if not self._check_open("done"):
            return
        if self.guarded:
            outcome = self.guard._call(
                lambda ledger: ledger.complete(
                    self.key_id,
                    self.token,
                    time.time(),
                    self.guard.settings.ttl_for("sent", self.category),
                    self.category,
                )
            )
            self._after_done(outcome)
        self.state = "sent"

    def _after_done(self, outcome: int) -> None:
        if outcome == 0:
            self.state = "lost"
            raise ClaimLost(
                f"{self.guard.display(self.key)}: the claim expired before the send was recorded and "
                "another worker took the key; raise the in_progress TTL above your longest send"
            )

    def release(self) -> bool:
        """Give the key back (the send did not go out): it may be claimed again
        at once. False when the claim had expired and another worker holds the key."""
        if not self._check_open("release"):
            return False
        released = True
        if self.guarded:
            released = self.guard._call(
                lambda ledger: ledger.release(
                    self.key_id, self.token, time.time(), self.guard.settings.ttl_for("released", self.category)
                )
            )
        self.state = "released" if released else "lost"
        return released

    async def adone(self) -> None:
        if not self._check_open("done"):
            return
        if self.guarded:
            ttl = self.guard.settings.ttl_for("sent", self.category)
            outcome = await self.guard._acall("complete", self.key_id, self.token, time.time(), ttl, self.category)
            self._after_done(outcome)
        self.state = "sent"

    async def arelease(self) -> bool:
        if not self._check_open("release"):
            return False
        released = True
        if self.guarded:
            ttl = self.guard.settings.ttl_for("released", self.category)
            released = await self.guard._acall("release", self.key_id, self.token, time.time(), ttl)
        self.state = "released" if released else "lost"
        return released


class SendGuard:
    """The duplicate-send ledger.

    ``url`` is ``sqlite:///path/to/ledger.db`` (one machine, many processes)
    or ``redis://host:6379/0`` (many machines); None reads ``url`` from
    ``[tool.oopslint.guard]``. ``config`` is a Config, a ``[tool.oopslint]``
    mapping or a config file path (None: found from the working folder).
    Keyword ``options`` override the table: ``fail="open"``,
    ``ttl={"in_progress": "2m"}``, ``hash_keys=False`` ... ``key`` replaces
    :meth:`key_for` with your own function of a :class:`SendContext`.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        config: Any = None,
        key: Callable[[SendContext], str] | None = None,
        **options: Any,
    ):
        loaded = _load_config(config)
        table = dict(loaded.sections.get("guard", {}))
        table.update(options)
        if url is not None:
            table["url"] = url
        elif loaded.root is not None and str(table.get("url", "")).startswith("sqlite:///"):
            # a relative ledger path in a config file is relative to that file's folder
            relative = str(table["url"])[len("sqlite:///") :]
            if relative and not relative.startswith("/"):
                table["url"] = f"sqlite:///{loaded.root / relative}"
        self.settings = GuardSettings.from_mapping(
            table, context_fields=dict(loaded.section("context").get("fields") or {})
        )
        if not self.settings.url:
            raise ConfigError("no ledger for the send guard: pass SendGuard(url) or set url in [tool.oopslint.guard]")
        from .._redact import remember_references

        remember_references(self.settings.url)  # a ${PASSWORD} in the URL is masked in every output
        self._key_function = key
        self._ledger, self.url = _open_ledger(_expand_env(self.settings.url), self.settings)
        self._raw_url = _expand_env(self.settings.url)
        self._async_ledgers: dict[int, Any] = {}

    # ------------------------------------------------------------ keys

    def key_for(self, context: SendContext | Mapping[str, Any], content: str | bytes | None = None) -> str:
        """The key one send maps to: by default ``recipient.email`` with
        ``campaign.id``, else with ``event.id`` (``key`` in the config names
        other fields). With ``content_hash = true``, ``content`` (the HTML)
        is part of the key, so a corrected email may go out again."""
        if not isinstance(context, SendContext):
            context = SendContext(data=dict(context or {}), fields=dict(self.settings.context_fields))
        if self._key_function is not None:
            key = self._key_function(context)
        else:
            key = self._default_key(context)
        if self.settings.content_hash:
            if content is None:
                raise GuardError("content_hash is on: pass the email's content to key_for(context, content)")
            data = content.encode("utf-8") if isinstance(content, str) else content
            key += "|content=" + hashlib.sha256(data).hexdigest()[:16]
        return key

    def _default_key(self, context: SendContext) -> str:
        for fields in self.settings.keys:
            parts = []
            for name in fields:
                value = context.get(name)
                if value is None or (isinstance(value, str) and not value.strip()):
                    break
                text = str(value).strip()
                parts.append(f"{name}={text.lower() if 'email' in name else text}")
            else:
                return "|".join(parts)
        wanted = " or ".join("+".join(context.fields.get(n, n) for n in fields) for fields in self.settings.keys)
        raise GuardError(f"the send context has no key for the guard: it needs {wanted}")

    def key_id(self, key: str) -> str:
        """What the ledger stores for ``key``: a SHA-256 digest unless ``hash_keys = false``."""
        if not self.settings.hash_keys:
            return key
        return "h:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]

    def _key_ids(self, keys: list[str]) -> list[str]:
        """:meth:`key_id` of each key, in one pass."""
        if not self.settings.hash_keys:
            return list(keys)
        sha256 = hashlib.sha256
        return ["h:" + sha256(key.encode("utf-8")).hexdigest()[:40] for key in keys]

    def display(self, key: str) -> str:
        """``key`` as output may show it (addresses masked unless ``show_recipients``)."""
        return key if self.settings.show_recipients else mask_key(key)

    # ------------------------------------------------------------ plumbing

    def _call(self, action: Callable[[Any], Any]) -> Any:
        return action(self._ledger)

    def _unguarded(self, key: str, category: str | None, error: GuardUnavailable) -> Claim:
        if self.settings.fail == "closed":
            raise error
        warnings.warn(f"send not guarded: {error}", GuardWarning, stacklevel=3)
        return Claim(self, key, self.key_id(key), "", category, guarded=False)

    def _async_ledger(self) -> Any:
        if not self.url.startswith(("redis://", "rediss://", "unix://")):
            return None
        loop = asyncio.get_running_loop()
        ledger = self._async_ledgers.get(id(loop))
        if ledger is None:
            from ._redis import AsyncRedisLedger

            ledger = self._async_ledgers[id(loop)] = AsyncRedisLedger(self._raw_url, self.url)
        return ledger

    async def _acall(self, name: str, *args: Any) -> Any:
        ledger = self._async_ledger()
        if ledger is None:
            return await asyncio.to_thread(getattr(self._ledger, name), *args)
        return await getattr(ledger, name)(*args)

    # ------------------------------------------------------------ claiming

    def try_claim(self, key: str, *, category: str | None = None) -> Claim | None:
        """Claim ``key``: a :class:`Claim`, or None when it is sent or in progress elsewhere.

        Raises :class:`GuardUnavailable` when the ledger cannot be reached and
        ``fail = "closed"`` (the default)."""
        return self._claim_outcome(key, category)[0]

    def _claim_outcome(self, key: str, category: str | None) -> tuple[Claim | None, Entry | None]:
        token = secrets.token_hex(12)
        key_id = self.key_id(key)
        try:
            holder = self._ledger.claim(
                key_id, token, time.time(), self.settings.ttl_for("in_progress", category), category
            )
        except GuardUnavailable as error:
            return self._unguarded(key, category, error), None
        if holder is not None:
            return None, holder
        return Claim(self, key, key_id, token, category), None

    @contextmanager
    def claim(self, key: str, *, category: str | None = None) -> Iterator[Claim]:
        """``with guard.claim(key):`` send inside; a clean exit records the send,
        an exception releases the key. Raises :class:`DuplicateSend` when taken."""
        claim, holder = self._claim_outcome(key, category)
        if claim is None:
            raise DuplicateSend(self.display(key), holder)  # type: ignore[arg-type]
        try:
            yield claim
        except BaseException:
            if claim.state == "in_progress":
                try:
                    claim.release()
                except GuardError:
                    pass  # the claim expires on its own; the original error matters more
            raise
        if claim.state == "in_progress":
            claim.done()

    async def atry_claim(self, key: str, *, category: str | None = None) -> Claim | None:
        return (await self._aclaim_outcome(key, category))[0]

    async def _aclaim_outcome(self, key: str, category: str | None) -> tuple[Claim | None, Entry | None]:
        token = secrets.token_hex(12)
        key_id = self.key_id(key)
        try:
            holder = await self._acall(
                "claim", key_id, token, time.time(), self.settings.ttl_for("in_progress", category), category
            )
        except GuardUnavailable as error:
            return self._unguarded(key, category, error), None
        if holder is not None:
            return None, holder
        return Claim(self, key, key_id, token, category), None

    @asynccontextmanager
    async def aclaim(self, key: str, *, category: str | None = None) -> AsyncIterator[Claim]:
        """``async with guard.aclaim(key):``, the async twin of :meth:`claim`."""
        claim, holder = await self._aclaim_outcome(key, category)
        if claim is None:
            raise DuplicateSend(self.display(key), holder)  # type: ignore[arg-type]
        try:
            yield claim
        except BaseException:
            if claim.state == "in_progress":
                try:
                    await claim.arelease()
                except GuardError:
                    pass
            raise
        if claim.state == "in_progress":
            await claim.adone()

    # ------------------------------------------------------------ reading

    def lookup(self, key: str) -> Entry | None:
        """The ledger's live record for ``key`` (None: never claimed, or expired).
        Raises :class:`GuardUnavailable` whatever ``fail`` says: the caller decides."""
        return self._ledger.lookup(self.key_id(key), time.time())

    async def alookup(self, key: str) -> Entry | None:
        return await self._acall("lookup", self.key_id(key), time.time())

    def lookup_many(self, keys: list[str]) -> list[Entry | None]:
        return self._ledger.lookup_many(self._key_ids(keys), time.time())

    def claim_many(self, keys: list[str], *, category: str | None = None) -> list[Claim | None]:
        """Claim several keys at once (one round trip on Redis); None where taken."""
        pool = secrets.token_hex(12 * len(keys))  # one read of the system's randomness for all tokens
        tokens = [pool[i : i + 24] for i in range(0, len(pool), 24)]
        ids = self._key_ids(keys)
        ttl = self.settings.ttl_for("in_progress", category)
        now = time.time()
        try:
            won = self._ledger.claim_many(list(zip(ids, tokens)), now, ttl, category)
        except GuardUnavailable as error:
            if self.settings.fail == "closed":
                raise
            return [self._unguarded(k, category, error) for k in keys]
        return [Claim(self, k, i, t, category) if ok else None for k, i, t, ok in zip(keys, ids, tokens, won)]

    def done_many(self, claims: list[Claim]) -> None:
        """:meth:`Claim.done` for several claims of one category, in one
        transaction on SQLite and one round trip on Redis."""
        held = [c for c in claims if c.state == "in_progress" and c.guarded]
        if held:
            category = held[0].category
            if any(c.category != category for c in held):
                raise GuardError("done_many: the claims must share one category")
            outcomes = self._ledger.complete_many(
                [(c.key_id, c.token) for c in held], time.time(), self.settings.ttl_for("sent", category), category
            )
            lost = [c for c, outcome in zip(held, outcomes) if outcome == 0]
            for claim in held:
                claim.state = "sent"
            for claim in lost:
                claim.state = "lost"
            if lost:
                lost[0]._after_done(0)
        for claim in claims:
            if claim.state == "in_progress":
                claim.state = "sent"

    def forget(self, *keys: str) -> int:
        """Remove keys from the ledger (a send that must be allowed again); returns how many existed."""
        return self._ledger.forget([self.key_id(k) for k in keys])

    def stats(self) -> dict[str, dict[str, int]]:
        """Live records by state (``in_progress``, ``sent``, ``released``) and category."""
        from ._entry import STATE_NAMES

        raw = self._ledger.stats(time.time())
        return {STATE_NAMES.get(state, state): table for state, table in raw.items()}

    def warnings(self) -> list[str]:
        """Setup problems worth saying (a Redis that forgets claims on restart)."""
        check = getattr(self._ledger, "persistence", None)
        note = check() if check else None
        return [note] if note else []

    def close(self) -> None:
        self._ledger.close()

    async def aclose(self) -> None:
        for ledger in self._async_ledgers.values():
            await ledger.close()
        self._async_ledgers.clear()

    def __enter__(self) -> SendGuard:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SendGuard({self.url!r}, fail={self.settings.fail!r})"


def _load_config(config: Any) -> Config:
    if isinstance(config, Config):
        return config
    if isinstance(config, Mapping):
        return Config.from_mapping(config)
    if config is not None:
        return load_config(config)
    return load_config(start=Path.cwd())
