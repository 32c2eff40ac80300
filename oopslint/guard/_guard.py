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
import time
import warnings
from binascii import b2a_base64
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from itertools import repeat
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from ..config import Config, ConfigError, load_config
from ..context import SendContext
from ._entry import ClaimLost, DuplicateSend, Entry, GuardError, GuardUnavailable, mask_key
from ._settings import GuardSettings

__all__ = ["SendGuard", "Claim", "GuardWarning"]

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

# Key ids and tokens are base64url text: shorter than hex, so a Redis command and
# record carry fewer bytes. A key id is "h:" and the first 18 bytes (144 bits) of the
# key's SHA-256 (24 characters); a token is 12 random bytes (96 bits, 16 characters).
_URLSAFE = bytes.maketrans(b"+/", b"-_")
_DIGEST_BYTES, _DIGEST_CHARS = 18, 24
_TOKEN_BYTES, _TOKEN_CHARS = 12, 16
_sha256 = hashlib.sha256
_digest = type(_sha256()).digest
_encode = str.encode


def _base64url(data: bytes) -> str:
    return b2a_base64(data, newline=False).translate(_URLSAFE).decode("ascii")


def _hashed_ids(keys: list[str]) -> list[str]:
    """``"h:" + digest`` of each key. The digests are encoded in one call: each
    32-byte SHA-256 and a separator byte make 33 bytes, 44 base64 characters
    whose first 24 are the digest's first 18 bytes."""
    text = _base64url(b"\0".join(map(_digest, map(_sha256, map(_encode, keys)))) + b"\0")
    return ["h:" + text[i : i + _DIGEST_CHARS] for i in range(0, len(text), 44)]


def new_tokens(count: int) -> list[str]:
    """``count`` random claim tokens from one read of the system's randomness."""
    text = _base64url(os.urandom(_TOKEN_BYTES * count))
    return [text[i : i + _TOKEN_CHARS] for i in range(0, len(text), _TOKEN_CHARS)]


class _TokenPool:
    """Tokens for one claim at a time, read from the system 64 at a time. The
    pool is emptied in a forked child, so parent and child never share a token;
    ``list.pop`` hands each token to one thread only."""

    def __init__(self) -> None:
        self._tokens: list[str] = []
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._tokens = []

    def take(self) -> str:
        try:
            return self._tokens.pop()
        except IndexError:
            self._tokens = tokens = new_tokens(64)
            return tokens.pop()


_TOKENS = _TokenPool()


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
        """What the ledger stores for ``key``: ``"h:"`` and 144 bits of its SHA-256
        digest in base64url unless ``hash_keys = false``."""
        if not self.settings.hash_keys:
            return key
        return "h:" + _base64url(_sha256(key.encode("utf-8")).digest()[:_DIGEST_BYTES])

    def _key_ids(self, keys: list[str]) -> list[str]:
        """:meth:`key_id` of each key, in one pass."""
        if not self.settings.hash_keys:
            return list(keys)
        return _hashed_ids(keys) if keys else []

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
        token = _TOKENS.take()
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
        token = _TOKENS.take()
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
        """Claim several keys at once (one round trip on Redis); None where taken.

        The claims share one token: a holder is a key and its token, and one
        call holds each key at most once, so no other holder can match it."""
        token = _TOKENS.take()
        ids = self._key_ids(keys)
        ttl = self.settings.ttl_for("in_progress", category)
        now = time.time()
        try:
            won = self._ledger.claim_many(list(zip(ids, repeat(token))), now, ttl, category)
        except GuardUnavailable as error:
            if self.settings.fail == "closed":
                raise
            return [self._unguarded(k, category, error) for k in keys]
        if False not in won:
            return list(map(Claim, repeat(self), keys, ids, repeat(token), repeat(category)))
        return [Claim(self, k, i, token, category) if ok else None for k, i, ok in zip(keys, ids, won)]

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
