"""The shared ledger: one Redis database for workers on many machines.

A claim is one Lua script (one round trip): it reads the key and, when the
key is free or released, sets it with the in-progress TTL; when it is taken,
it answers with the holder's record and remaining TTL. Completing
and releasing are Lua scripts that compare the holder's token and change the
record in one atomic step, so a worker whose claim expired cannot overwrite
the worker that took the key after it. Values are ``state|token|since_ms|category``.

Redis forgets everything on a restart unless it persists: run it with
``appendonly yes`` (``appendfsync always`` for a ledger that must survive a
power cut), or a restart frees every key.
"""

from __future__ import annotations

import hashlib
import os
import socket
import struct
import sys
import time
from collections.abc import Iterable
from typing import Any

from ._entry import Entry, GuardUnavailable

__all__ = ["RedisLedger", "AsyncRedisLedger", "PREFIX"]

PREFIX = "oopslint:guard:"
_PREFIX_BYTES = PREFIX.encode()
_BATCH = 100  # keys per script call in claim_many / complete_many: Redis runs one script at a time

# KEYS[1] key; ARGV value, ttl ms. Returns {holder's value, its PTTL}, or false when claimed.
# SET NX first: a free key (the common case) costs one call.
_CLAIM = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 1) ~= 'r' then return {v, redis.call('PTTL', KEYS[1])} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
"""
# ARGV token, value, ttl ms (0: never). 1 done, 2 done late (key was free), 0 held by another.
_COMPLETE = """
local v = redis.call('GET', KEYS[1])
local outcome = 2
if v then
  local state, token = string.match(v, '^(%a)|([^|]*)|')
  if token == ARGV[1] and state ~= 'r' then outcome = 1
  elseif state ~= 'r' then return 0 end
end
if ARGV[3] == '0' then redis.call('SET', KEYS[1], ARGV[2])
else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return outcome
"""
# Many keys in one call: ARGV the keys' values, then the ttl ms. Per key 1 claimed, 0 taken.
_CLAIM_MANY = """
local out, ttl = {}, ARGV[#KEYS + 1]
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, ARGV[i], 'NX', 'PX', ttl) then out[i] = 1
  else
    local v = redis.call('GET', key)
    if v and string.sub(v, 1, 1) ~= 'r' then out[i] = 0
    else redis.call('SET', key, ARGV[i], 'PX', ttl); out[i] = 1 end
  end
end
return out
"""
# _COMPLETE for many keys: ARGV the tokens, the values, then the ttl ms. Per key as _COMPLETE.
_COMPLETE_MANY = """
local out, n = {}, #KEYS
local ttl = ARGV[2 * n + 1]
for i, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  local outcome = 2
  if v then
    local state, token = string.match(v, '^(%a)|([^|]*)|')
    if token == ARGV[i] and state ~= 'r' then outcome = 1
    elseif state ~= 'r' then outcome = 0 end
  end
  if outcome ~= 0 then
    if ttl == '0' then redis.call('SET', key, ARGV[n + i])
    else redis.call('SET', key, ARGV[n + i], 'PX', ttl) end
  end
  out[i] = outcome
end
return out
"""
# ARGV token, value, ttl ms. 1 released, 0 not ours (expired and taken, or sent).
_RELEASE = """
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local state, token = string.match(v, '^(%a)|([^|]*)|')
if token ~= ARGV[1] or state == 's' then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
"""


def _value(state: str, token: str, now: float, category: str | None) -> str:
    return f"{state}|{token}|{int(now * 1000)}|{category or ''}"


def _entry(value: Any, pttl: int, now: float) -> Entry | None:
    if value is None:
        return None
    text = value.decode() if isinstance(value, bytes) else str(value)
    state, _token, since_ms, category = (text.split("|", 3) + ["", "", ""])[:4]
    expires = now + pttl / 1000 if pttl is not None and pttl >= 0 else None
    return Entry.from_parts(state, int(since_ms or 0) / 1000, expires, category or None)


def _ms(seconds: float | None) -> int:
    return max(1, int(seconds * 1000)) if seconds is not None else 0


def _unavailable(url: str, exc: Exception) -> GuardUnavailable:
    reason = str(exc) or type(exc).__name__
    return GuardUnavailable(f"ledger {url} unreachable or refused the command: {type(exc).__name__}: {reason}")


def _client_options() -> dict[str, Any]:
    return {"socket_timeout": 5.0, "socket_connect_timeout": 2.0, "health_check_interval": 0}


class _Script:
    """One Lua script, called by EVALSHA with its command head packed ahead:
    a call encodes only its keys and arguments."""

    def __init__(self, source: str):
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()
        self._heads: dict[tuple[int, int], bytes] = {}

    def pack(self, keys: list[str], arguments: list[bytes]) -> bytes:
        shape = (len(keys), len(arguments))
        head = self._heads.get(shape)
        if head is None:
            count = b"%d" % len(keys)
            head = self._heads[shape] = b"*%d\r\n$7\r\nEVALSHA\r\n$40\r\n%s\r\n$%d\r\n%s\r\n" % (
                3 + len(keys) + len(arguments),
                self.sha.encode(),
                len(count),
                count,
            )
        names = [(PREFIX + key).encode() for key in keys]
        return head + b"".join(b"$%d\r\n%s\r\n" % (len(item), item) for item in (*names, *arguments))


def _ms_bytes(seconds: float | None) -> bytes:
    return b"%d" % _ms(seconds)


_SET_NX = b"*6\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$2\r\nNX\r\n$2\r\nPX\r\n$%d\r\n%s\r\n"


def _set_nx_packet(names: list[bytes], values: list[bytes], ttl_ms: bytes) -> bytes:
    """``SET oopslint:guard:<name> <value> NX PX <ttl_ms>`` for each name, packed.
    The keys of one claim_many share one value (one token: a holder is a key and
    its token) and hashed key ids have one length, so the commands differ only in
    the name and the packet is joined in C."""
    prefix = _PREFIX_BYTES
    end = b"\r\n$2\r\nNX\r\n$2\r\nPX\r\n$%d\r\n%s\r\n" % (len(ttl_ms), ttl_ms)
    name_sizes = set(map(len, names))
    if len(name_sizes) == 1 and len(set(values)) == 1:
        head = b"*6\r\n$3\r\nSET\r\n$%d\r\n%s" % (len(prefix) + name_sizes.pop(), prefix)
        after_name = b"\r\n$%d\r\n%s%s" % (len(values[0]), values[0], end)
        return head + (after_name + head).join(names) + after_name
    return b"".join(
        b"*6\r\n$3\r\nSET\r\n$%d\r\n%s%s\r\n$%d\r\n%s%s"
        % (len(prefix) + len(name), prefix, name, len(value), value, end)
        for name, value in zip(names, values)
    )


# A forked child must not use its parent's sockets: each fork moves this on, and a
# ledger whose generation is behind drops the connections it kept.
_FORKS = [0]


def _count_fork() -> None:
    _FORKS[0] += 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_count_fork)

# Python waits for a socket with a timeout by poll() before every send and recv:
# two more system calls per round trip, which cost more than the claim itself.
# The kept sockets block instead, with the same timeout set in the kernel
# (SO_SNDTIMEO / SO_RCVTIMEO, where struct timeval is two C longs); where the
# option does not read back as set (up to the kernel's clock tick), the socket
# keeps Python's timeout.
_KERNEL_TIMEOUTS = [sys.platform.startswith(("linux", "darwin", "freebsd"))]
_TIMEVAL = struct.Struct("ll")


def _block_with_kernel_timeout(sock: socket.socket, seconds: float) -> None:
    if not _KERNEL_TIMEOUTS[0] or seconds <= 0:
        return
    micros = round(seconds * 1_000_000)
    timeval = _TIMEVAL.pack(micros // 1_000_000, micros % 1_000_000)
    try:
        for option in (socket.SO_SNDTIMEO, socket.SO_RCVTIMEO):
            sock.setsockopt(socket.SOL_SOCKET, option, timeval)
            kept_seconds, kept_micros = _TIMEVAL.unpack(sock.getsockopt(socket.SOL_SOCKET, option, _TIMEVAL.size))
            if not micros <= kept_seconds * 1_000_000 + kept_micros < micros + 100_000:
                raise OSError("the kernel did not keep the socket timeout")
    except (OSError, struct.error):
        _KERNEL_TIMEOUTS[0] = False
        return
    sock.settimeout(None)


_OK = b"+OK\r\n"


class _Incomplete(Exception):
    """The buffer ends inside a reply: read more from the socket."""


def _parse_reply(buffer: bytes, start: int, error: Any) -> tuple[Any, int]:
    """One RESP2 reply at ``start``: (value, where the next reply begins). An
    error reply becomes ``error(text)``, returned in place. Raises _Incomplete."""
    end = buffer.find(b"\r\n", start)
    if end < 0:
        raise _Incomplete
    kind, line = buffer[start : start + 1], buffer[start + 1 : end]
    after = end + 2
    if kind == b"+":
        return line, after
    if kind == b":":
        return int(line), after
    if kind == b"$":
        size = int(line)
        if size < 0:
            return None, after
        if len(buffer) < after + size + 2:
            raise _Incomplete
        return buffer[after : after + size], after + size + 2
    if kind == b"*":
        size = int(line)
        if size < 0:
            return None, after
        items = []
        for _ in range(size):
            item, after = _parse_reply(buffer, after, error)
            items.append(item)
        return items, after
    if kind == b"-":
        return error(line.decode("utf-8", "replace")), after
    raise ValueError(f"unexpected reply type {kind!r} from Redis")


def _read_replies(sock: Any, count: int, error: Any) -> list[Any]:
    """``count`` RESP2 replies read straight from ``sock``."""
    buffer = sock.recv(65536)
    if buffer == _OK * count:  # every key of a batch was free: the usual case, one read
        return [b"OK"] * count
    if not buffer:
        raise ConnectionError("Redis closed the connection")
    position = 0
    replies: list[Any] = []
    while True:
        try:
            while len(replies) < count:
                reply, position = _parse_reply(buffer, position, error)
                replies.append(reply)
        except _Incomplete:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("Redis closed the connection") from None
            buffer = buffer[position:] + chunk
            position = 0
            continue
        if position != len(buffer):
            raise ValueError("Redis sent more replies than were asked for")
        return replies


class RedisLedger:
    """Claims, completions and releases go out as packed commands (SET NX, then
    EVALSHA) on connections this ledger keeps (one a thread at a time, fresh
    after a fork): a claim costs one write and one read, not a checkout from
    redis-py's pool and its command packing, and the replies of a round trip
    are parsed here in one pass (RESP2; a ?protocol=3 URL keeps redis-py's
    reader). Everything else goes through the redis-py client."""

    def __init__(self, url: str, display: str):
        import redis
        from redis.backoff import ExponentialBackoff
        from redis.retry import Retry

        self.url = display
        self._errors = (redis.RedisError, OSError)
        self._dropped = (redis.ConnectionError, redis.TimeoutError, OSError)
        self._response_error = redis.ResponseError
        self._invalid = redis.InvalidResponse
        self._timeout = redis.TimeoutError
        self._no_script = redis.exceptions.NoScriptError
        # one quick retry on a dropped connection: every operation is safe to repeat.
        # RESP2 unless the URL asks for ?protocol=3: claims read its replies straight off the socket
        self._client = redis.Redis.from_url(
            url, retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 1), protocol=2, **_client_options()
        )
        self._claim = _Script(_CLAIM)
        self._claim_many = _Script(_CLAIM_MANY)
        self._complete_many = _Script(_COMPLETE_MANY)
        self._release = _Script(_RELEASE)
        self._idle: list[Any] = []
        self._forks = _FORKS[0]

    def _call(self, action):  # type: ignore[no-untyped-def]
        try:
            return action()
        except self._errors as exc:
            raise _unavailable(self.url, exc) from None

    def _connection(self) -> Any:
        if self._forks != _FORKS[0]:  # forked: the parent's sockets are not ours to use
            self._idle, self._forks = [], _FORKS[0]
        try:
            return self._idle.pop()
        except IndexError:
            pass
        pool = self._client.connection_pool
        try:
            return pool.get_connection()
        except TypeError:  # redis-py before 5.3 asks for a command name
            return pool.get_connection("EVALSHA")

    def _exchange(self, packed: bytes, count: int) -> list[Any]:
        """Send ``count`` packed commands in one write and read their replies;
        an error reply is returned in its place, not raised."""
        connection = self._connection()
        replies: list[Any] = []
        try:
            sock = getattr(connection, "_sock", None)
            if sock is not None and getattr(connection, "protocol", 2) in (None, 2, "2"):
                # RESP2 on a socket no one else reads: parsed here, in one pass over the bytes
                if sock.gettimeout() is not None:
                    _block_with_kernel_timeout(sock, sock.gettimeout())
                try:
                    sock.sendall(packed)
                    replies = _read_replies(sock, count, self._error_reply)
                except ValueError as exc:  # not what was asked for: never reuse this connection
                    raise self._invalid(str(exc)) from None
                except BlockingIOError:  # the kernel's timeout ran out
                    seconds = getattr(connection, "socket_timeout", None)
                    raise self._timeout(f"Redis did not answer within the socket timeout ({seconds} s)") from None
            else:
                connection.send_packed_command([packed], check_health=False)
                for _ in range(count):
                    try:
                        replies.append(connection.read_response())
                    except self._response_error as error:  # read whole; the connection stays usable
                        replies.append(error)
        except BaseException:
            connection.disconnect()  # replies may be left unread: never reuse it
            self._client.connection_pool.release(connection)
            raise
        self._idle.append(connection)
        return replies

    def _error_reply(self, text: str) -> Exception:
        if text.startswith("NOSCRIPT"):
            return self._no_script(text)
        return self._response_error(text)

    def _evalsha(self, script: _Script, calls: list[bytes]) -> list[Any]:
        """Run packed calls of ``script`` in one round trip.

        Each call stands alone: when Redis has lost the script (a restart), only
        the calls that answered NOSCRIPT are repeated once it is loaded again. Calls
        after another client loaded it mid-pipeline did run, and must not run twice.
        A dropped connection is tried once more, as redis-py's retry would."""
        return self._retrying(lambda: self._evalsha_once(script, calls))

    def _retrying(self, action):  # type: ignore[no-untyped-def]
        for attempt in (1, 2):
            try:
                return action()
            except self._dropped:
                if attempt == 2:
                    raise
                time.sleep(0.05)
        raise AssertionError("unreachable")

    def _set_if_free(self, packet: bytes, count: int) -> list[bool]:
        """Send ``count`` packed ``SET key value NX PX ttl`` (from _set_nx_packet)
        in one round trip: True where the key was free and is now claimed. A taken
        key may still be a released one, which only the claim script may take.
        Called directly, not through _call and _retrying: it is the common path."""
        try:
            try:
                replies = self._exchange(packet, count)
            except self._dropped:  # once more on a new connection, as _retrying would
                time.sleep(0.05)
                replies = self._exchange(packet, count)
        except self._errors as exc:
            raise _unavailable(self.url, exc) from None
        if replies.count(b"OK") == count:  # every key was free: the usual case
            return [True] * count
        for reply in replies:
            if isinstance(reply, Exception):
                raise _unavailable(self.url, reply)
        return [reply is not None for reply in replies]

    def _evalsha_once(self, script: _Script, calls: list[bytes]) -> list[Any]:
        results: list[Any] = [None] * len(calls)
        pending = list(range(len(calls)))
        for attempt in (1, 2):
            replies = self._exchange(b"".join(calls[i] for i in pending), len(pending))
            missing = []
            for index, reply in zip(pending, replies):
                if isinstance(reply, self._no_script):
                    missing.append(index)
                elif isinstance(reply, Exception):
                    raise reply
                else:
                    results[index] = reply
            if not missing:
                return results
            if attempt == 2:
                raise self._no_script("the claim script could not be loaded into Redis")
            loaded = self._exchange(self._script_load(script), 1)[0]
            if isinstance(loaded, Exception):
                raise loaded
            pending = missing
        return results

    @staticmethod
    def _script_load(script: _Script) -> bytes:
        source = script.source.encode()
        return b"*3\r\n$6\r\nSCRIPT\r\n$4\r\nLOAD\r\n$%d\r\n%s\r\n" % (len(source), source)

    def claim(self, key: str, token: str, now: float, ttl: float | None, category: str | None) -> Entry | None:
        """A free key is taken by a plain SET NX (one round trip, as cheap as a SET);
        a taken one goes to the claim script, which takes a released key or
        answers with the holder's record."""
        name, value, ttl_ms = _PREFIX_BYTES + key.encode(), _value("p", token, now, category).encode(), _ms_bytes(ttl)
        if self._set_if_free(_SET_NX % (len(name), name, len(value), value, len(ttl_ms), ttl_ms), 1)[0]:
            return None
        packed = self._claim.pack([key], [value, ttl_ms])
        holder = self._call(lambda: self._evalsha(self._claim, [packed]))[0]
        return _entry(holder[0], holder[1], time.time()) if holder else None

    def _batched(self, script: _Script, keys: list[str], columns: list[list[bytes]], last: bytes) -> list[Any]:
        """``script`` over ``keys`` in calls of up to _BATCH keys, all sent in one
        round trip; ARGV is each column's slice for those keys, then ``last``."""
        calls = [
            script.pack(keys[i : i + _BATCH], [*(v for column in columns for v in column[i : i + _BATCH]), last])
            for i in range(0, len(keys), _BATCH)
        ]
        if not calls:
            return []
        replies = self._call(lambda: self._evalsha(script, calls))
        return [outcome for reply in replies for outcome in reply]

    def claim_many(
        self, items: list[tuple[str, str]], now: float, ttl: float | None, category: str | None
    ) -> list[bool]:
        """Claim several keys, SET NX in one round trip, then the claim script for
        the keys that were taken (released keys may be claimed again); True where claimed."""
        if not items:
            return []
        keys, tokens = zip(*items)
        tail = _value("", "", now, category).encode()[1:]  # "|since_ms|category", the same for every key
        if len(set(tokens)) == 1:  # one token for the call (GuardSend.claim_many)
            values = [b"p|" + tokens[0].encode() + tail] * len(items)
        else:
            values = [b"p|" + token + tail for token in map(str.encode, tokens)]
        ttl_ms = _ms_bytes(ttl)
        won = self._set_if_free(_set_nx_packet(list(map(str.encode, keys)), values, ttl_ms), len(items))
        if False not in won:
            return won
        taken = [index for index, free in enumerate(won) if not free]
        if taken:
            values = [values[i] for i in taken]
            replies = self._batched(self._claim_many, [keys[i] for i in taken], [values], ttl_ms)
            for index, reply in zip(taken, replies):
                won[index] = reply == 1
        return won

    def complete_many(
        self, items: list[tuple[str, str]], now: float, ttl: float | None, category: str | None
    ) -> list[int]:
        tokens = [token.encode() for _, token in items]
        values = [_value("s", token, now, category).encode() for _, token in items]
        return [
            int(r) for r in self._batched(self._complete_many, [k for k, _ in items], [tokens, values], _ms_bytes(ttl))
        ]

    def complete(self, key: str, token: str, now: float, ttl: float | None, category: str | None) -> int:
        return self.complete_many([(key, token)], now, ttl, category)[0]

    def release(self, key: str, token: str, now: float, ttl: float | None) -> bool:
        packed = self._release.pack([key], [token.encode(), _value("r", token, now, None).encode(), _ms_bytes(ttl)])
        return bool(self._call(lambda: self._evalsha(self._release, [packed]))[0])

    def lookup(self, key: str, now: float) -> Entry | None:
        return self.lookup_many([key], now)[0]

    def lookup_many(self, keys: list[str], now: float) -> list[Entry | None]:
        def action() -> list[Entry | None]:
            out: list[Entry | None] = []
            for start in range(0, len(keys), 1000):
                pipe = self._client.pipeline(transaction=False)
                for key in keys[start : start + 1000]:
                    pipe.get(PREFIX + key)
                    pipe.pttl(PREFIX + key)
                replies = pipe.execute()
                out.extend(_entry(replies[i], replies[i + 1], now) for i in range(0, len(replies), 2))
            return out

        return self._call(action)

    def forget(self, keys: Iterable[str]) -> int:
        names = [PREFIX + key for key in keys]
        return int(self._call(lambda: self._client.delete(*names))) if names else 0

    def stats(self, now: float) -> dict[str, dict[str, int]]:
        def action() -> dict[str, dict[str, int]]:
            out: dict[str, dict[str, int]] = {}
            batch: list[bytes] = []

            def count() -> None:
                for value in self._client.mget(batch):
                    if value is None:
                        continue
                    state, _, rest = (value.decode() if isinstance(value, bytes) else str(value)).partition("|")
                    category = rest.split("|", 2)[-1]
                    table = out.setdefault(state, {})
                    table[category] = table.get(category, 0) + 1
                batch.clear()

            for name in self._client.scan_iter(match=PREFIX + "*", count=1000):
                batch.append(name)
                if len(batch) >= 1000:
                    count()
            if batch:
                count()
            return out

        return self._call(action)

    def persistence(self) -> str | None:
        """Why a restart would forget claims, or None when Redis persists them."""
        try:
            info = self._client.info("persistence")
        except Exception:
            return None
        if info.get("aof_enabled"):
            return None
        if info.get("rdb_last_save_time") is not None and self._rdb_on():
            return "Redis saves snapshots only (no appendonly): a restart forgets claims made since the last snapshot"
        return "Redis does not persist (no appendonly, no snapshots): a restart forgets every claim"

    def _rdb_on(self) -> bool:
        try:
            return bool(self._client.config_get("save").get("save"))
        except Exception:
            return True

    def describe(self) -> str:
        return self.url

    def close(self) -> None:
        self._idle = []
        self._client.close()


class AsyncRedisLedger:
    """The same ledger through ``redis.asyncio``, for code inside an event loop."""

    def __init__(self, url: str, display: str):
        import redis
        import redis.asyncio as aredis
        from redis.asyncio.retry import Retry
        from redis.backoff import ExponentialBackoff

        self.url = display
        self._errors = (redis.RedisError, OSError)
        self._client = aredis.Redis.from_url(
            url, retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), 1), **_client_options()
        )
        self._claim = self._client.register_script(_CLAIM)
        self._complete = self._client.register_script(_COMPLETE)
        self._release = self._client.register_script(_RELEASE)

    async def _call(self, coroutine):  # type: ignore[no-untyped-def]
        try:
            return await coroutine
        except self._errors as exc:
            raise _unavailable(self.url, exc) from None

    async def claim(self, key: str, token: str, now: float, ttl: float | None, category: str | None) -> Entry | None:
        holder = await self._call(self._claim(keys=[PREFIX + key], args=[_value("p", token, now, category), _ms(ttl)]))
        return _entry(holder[0], holder[1], time.time()) if holder else None

    async def complete(self, key: str, token: str, now: float, ttl: float | None, category: str | None) -> int:
        return int(
            await self._call(
                self._complete(keys=[PREFIX + key], args=[token, _value("s", token, now, category), _ms(ttl)])
            )
        )

    async def release(self, key: str, token: str, now: float, ttl: float | None) -> bool:
        return bool(
            await self._call(self._release(keys=[PREFIX + key], args=[token, _value("r", token, now, None), _ms(ttl)]))
        )

    async def lookup(self, key: str, now: float) -> Entry | None:
        async def action() -> Entry | None:
            pipe = self._client.pipeline(transaction=False)
            pipe.get(PREFIX + key)
            pipe.pttl(PREFIX + key)
            value, pttl = await pipe.execute()
            return _entry(value, pttl, now)

        return await self._call(action())

    async def close(self) -> None:
        await self._client.aclose()
