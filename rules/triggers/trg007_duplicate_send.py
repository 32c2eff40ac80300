"""TRG007 duplicate-send: The same recipient gets the same email more than once."""

from __future__ import annotations

import copy
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator
from functools import partial
from itertools import compress, repeat
from operator import lshift, lt, methodcaller, or_
from struct import Struct
from typing import Any

try:  # hashlib's own BLAKE2b, without loading OpenSSL's bindings (hashlib's import) on every start
    from _blake2 import blake2b
except ImportError:  # an interpreter built without it
    from hashlib import blake2b

from oopslint import ConfigError, Finding, rule

from .facts import (
    path_of,
)

DUPLICATE_OPTIONS = {"duplicate_key": ["event_type", "event_id", "order_id", "event_at"], "show_recipients": False}

DUPLICATE_DOCS = {
    "duplicate_key": "context fields that, with recipient.email, identify one send (logical names or dotted paths)",
    "show_recipients": "print recipient addresses in full instead of masked (a***@example.com)",
}


#: the most keys :meth:`DuplicateState.expect` makes room for at once (2**22 slots, 54 MB)
_MOST_RESERVED = 2_900_000


#: keys kept in a dict before the table is built (about 100 bytes each, under 2 MB):
#: a worker's chunk of rows never builds it, and a dict is several times faster to add to
_SMALL_KEYS = 1 << 14


def _table_size(keys: int) -> int:
    """The slots of a table holding ``keys`` keys, under 70% full."""
    size = 1 << 12
    while keys * 10 > size * 7:
        size *= 2
    return size


class _SeenKeys:
    """An open-addressing set of 64-bit key hashes with the first row and a
    copy count for each: about 13 bytes per slot, so a million recipients
    take tens of megabytes rather than the hundreds a dict of strings would.
    The first ``_SMALL_KEYS`` keys are kept in a dict (``small``: key -> first
    row << 8 | copies); the table is built when there are more, or when a
    part is folded in."""

    def __init__(self) -> None:
        self.size = 1 << 12
        self.used = 0
        self.small: dict[int, int] | None = {}

    def _build(self) -> None:
        """Move the keys of ``small`` into the table."""
        small = self.small
        assert small is not None
        self.small = None
        self.size = size = _table_size(len(small))
        self.keys = array("q", bytes(8 * size))
        self.rows = array("I", bytes(4 * size))
        self.counts = array("B", bytes(size))
        self._insert_all(*self._packed_small(small))

    @staticmethod
    def _packed_small(small: dict[int, int]) -> tuple[array[int], array[int], array[int]]:
        """The keys, first rows and copies of ``small``, as :meth:`packed` gives a table's."""
        return (
            array("q", small),
            array("I", [value >> 8 for value in small.values()]),
            array("B", [value & 255 for value in small.values()]),
        )

    def add(self, key: int, row: int) -> tuple[int, int] | None:
        """Record ``key``; for a repeat, return (first row, copies so far)."""
        if key == 0:
            key = 1
        small = self.small
        if small is not None:
            known = small.get(key)
            if known is None:
                small[key] = row << 8 | 1
                self.used += 1
                if self.used > _SMALL_KEYS:
                    self._build()
                return None
            count = known & 255
            if count < 255:
                count += 1
                small[key] = known + 1
            return known >> 8, count
        keys = self.keys
        mask = self.size - 1
        slot = key & mask
        while True:
            found = keys[slot]
            if found == 0:
                keys[slot] = key
                self.rows[slot] = row
                self.counts[slot] = 1
                self.used += 1
                if self.used * 10 > self.size * 7:
                    self._grow()
                return None
            if found == key:
                count = self.counts[slot]
                if count < 255:
                    count += 1
                    self.counts[slot] = count
                return self.rows[slot], count
            slot = (slot + 1) & mask

    def get(self, key: int) -> tuple[int, int] | None:
        """(first row, copies) of ``key``, or None."""
        if key == 0:
            key = 1
        if self.small is not None:
            known = self.small.get(key)
            return None if known is None else (known >> 8, known & 255)
        keys = self.keys
        mask = self.size - 1
        slot = key & mask
        while True:
            found = keys[slot]
            if found == 0:
                return None
            if found == key:
                return self.rows[slot], self.counts[slot]
            slot = (slot + 1) & mask

    def take(self, key: int, first_row: int, copies: int) -> tuple[int, int, int] | None:
        """Add ``copies`` of ``key`` first seen on ``first_row`` (rows after every
        row recorded so far), in one probe: None for a new key, else what the
        key had before, (first row, copies), and its copies now."""
        if key == 0:
            key = 1
        if self.small is not None:
            self._build()
        keys = self.keys
        mask = self.size - 1
        slot = key & mask
        while True:
            found = keys[slot]
            if found == 0:
                keys[slot] = key
                self.rows[slot] = first_row
                self.counts[slot] = min(copies, 255)
                self.used += 1
                if self.used * 10 > self.size * 7:
                    self._grow()
                return None
            if found == key:
                before = self.counts[slot]
                total = min(before + copies, 255)
                self.counts[slot] = total
                return self.rows[slot], before, total
            slot = (slot + 1) & mask

    def take_all(
        self, later_keys: array[int], later_rows: array[int], later_counts: array[int]
    ) -> list[tuple[int, int, int, int, int, int]]:
        """:meth:`take` for every key of a later part (as :meth:`packed` gives
        them), in one loop: the keys this table had already, each as (key, its
        first row and copies in the later part, its first row and copies here
        before, its copies now). Most keys of a chunk are new, so this is the
        per-key cost of folding chunks: the probe is inlined here."""
        repeats: list[tuple[int, int, int, int, int, int]] = []
        if self.small is not None:
            self._build()
        keys, rows, counts = self.keys, self.rows, self.counts
        size = self.size
        mask = size - 1
        limit = size * 7 // 10  # grow past 70% full, as add() does
        used = self.used
        for key, first_row, copies in zip(later_keys, later_rows, later_counts):
            slot = key & mask
            while True:
                found = keys[slot]
                if found == 0:
                    keys[slot] = key
                    rows[slot] = first_row
                    counts[slot] = copies
                    used += 1
                    if used > limit:
                        self.used = used
                        self._grow()
                        keys, rows, counts = self.keys, self.rows, self.counts
                        size = self.size
                        mask = size - 1
                        limit = size * 7 // 10
                    break
                if found == key:
                    before = counts[slot]
                    total = before + copies
                    if total > 255:
                        total = 255
                    counts[slot] = total
                    repeats.append((key, first_row, copies, rows[slot], before, total))
                    break
                slot = (slot + 1) & mask
        self.used = used
        return repeats

    def reserve(self, keys: int) -> None:
        """Grow once to hold ``keys`` keys, instead of doubling several times on the way."""
        if self.small is not None:
            self._build()
        size = self.size
        while keys * 10 > size * 7:
            size *= 2
        if size > self.size:
            old = self.packed()
            self.size = size
            self.keys = array("q", bytes(8 * size))
            self.rows = array("I", bytes(4 * size))
            self.counts = array("B", bytes(size))
            self._insert_all(*old)

    def packed(self) -> tuple[array[int], array[int], array[int]]:
        """Keys, first rows and copies of the used slots only, in slot order:
        what a chunk's state sends to be folded (selected in C, a few bytes per key)."""
        packed = self.__dict__.get("_packed")
        if packed is not None:
            return packed  # type: ignore[no-any-return]
        if self.small is not None:
            return self._packed_small(self.small)
        keys = self.keys
        return (
            array("q", compress(keys, keys)),
            array("I", compress(self.rows, keys)),
            array("B", compress(self.counts, keys)),
        )

    def items(self) -> Iterator[tuple[int, int, int]]:
        """(key, first row, copies) for every key, in no particular order."""
        return zip(*self.packed())

    def __reduce__(self) -> tuple[Any, ...]:
        # only the used slots travel; the table is rebuilt if the copy is ever added to
        size = self.size if self.small is None else _table_size(len(self.small))
        return _SeenKeys._unpack, (size, *self.packed())

    @staticmethod
    def _unpack(size: int, keys: array[int], rows: array[int], counts: array[int]) -> _SeenKeys:
        seen = _PackedKeys.__new__(_PackedKeys)
        seen.size, seen.used, seen.small = size, len(keys), None
        seen.__dict__["_packed"] = (keys, rows, counts)
        return seen

    def copy(self) -> _SeenKeys:
        other = _SeenKeys.__new__(_SeenKeys)
        other.size, other.used, other.small = self.size, self.used, None
        if self.small is not None:
            other.small = dict(self.small)
            return other
        other.keys, other.rows, other.counts = array("q", self.keys), array("I", self.rows), array("B", self.counts)
        return other

    def _grow(self) -> None:
        old = self.packed()
        self.size *= 2
        self.keys = array("q", bytes(8 * self.size))
        self.rows = array("I", bytes(4 * self.size))
        self.counts = array("B", bytes(self.size))
        self._insert_all(*old)

    def _insert_all(self, keys_in: array[int], rows_in: array[int], counts_in: array[int]) -> None:
        """Put distinct keys, none of them in the table yet, in their slots (no growing)."""
        mask = self.size - 1
        keys, rows, counts = self.keys, self.rows, self.counts
        for key, row, count in zip(keys_in, rows_in, counts_in):
            slot = key & mask
            while keys[slot]:
                slot = (slot + 1) & mask
            keys[slot] = key
            rows[slot] = row
            counts[slot] = count


class _PackedKeys(_SeenKeys):
    """A :class:`_SeenKeys` as it arrives from another process (see ``__reduce__``):
    only its used slots, enough to be folded into another; its table is built
    the first time it is needed, and it is a plain _SeenKeys from then on. (A
    class of its own, so that the one fed every row keeps plain attribute access.)"""

    def __getattr__(self, name: str) -> Any:
        packed = self.__dict__.get("_packed")
        if packed is None or name not in ("keys", "rows", "counts"):
            raise AttributeError(name)
        del self.__dict__["_packed"]
        self.__class__ = _SeenKeys  # type: ignore[assignment]
        self.keys = array("q", bytes(8 * self.size))
        self.rows = array("I", bytes(4 * self.size))
        self.counts = array("B", bytes(self.size))
        self._insert_all(*packed)
        return getattr(self, name)


def mask_email(address: str) -> str:
    local, at, domain = address.partition("@")
    if not at:
        return address[:1] + "***"
    return f"{local[:1]}***@{domain}"


@rule(
    code="TRG007",
    name="duplicate-send",
    summary="The same recipient gets the same email more than once",
    severity="error",
    section="triggers",
    scope="batch",
    uses_context=True,
    options=DUPLICATE_OPTIONS,
    option_docs=DUPLICATE_DOCS,
)
def duplicate_send(batch, context, options) -> Iterator[Any]:
    """What it does
    Reports a batch (`oopslint batch`) in which the same recipient
    (`recipient.email`, compared without case) would get the same event more
    than once. The event is identified by `duplicate_key`: by default
    `event.type`, `event.id`, `order.id` and `event.at`, each only when present,
    so two shipments of one order with different event ids are not duplicates,
    and a newsletter row with no event data is one send per recipient. Rows
    without a recipient are counted as bad rows. Memory grows by about 20 bytes
    per distinct recipient (the first 16,384 are kept in a dict, under 2 MB).
    With worker processes (`--jobs`) on a file, the reading process sizes its
    index once for the rows the file is estimated to hold (13 bytes a slot,
    kept under 70% full, at most 54 MB), so many repeated rows can take up to
    about 37 bytes per row there.

    Why is this bad?
    A newsletter once went out 2 to 10 times to each person on a 25,000-name
    list: a join in the audience query multiplied the rows. Recipients
    unsubscribe and mark the sender as spam, which hurts every later send.

    Example
    Rows 3 and 17 both `{"recipient": {"email": "ada@example.com"}, "order": {"id": "A-1"}}`.

    Use instead
    Deduplicate the audience on recipient and event before sending.
    """
    state = DuplicateState(batch, context, options)
    while (row := (yield)) is not None:
        state.add(row)
    yield from state.findings()


#: how a key of texts and absent values is written for hashing: the texts joined by
#: NUL, an absent value as SOH. Only used when no text holds either character, so
#: the writing is one-to-one; it never equals a ``repr`` (which holds no raw NUL)
#: of a key of as many parts (a key's parts are as many on every row).
_SEPARATOR = "\x00"
_ABSENT = "\x01"


def _key_hash(address: str, fields: list[Any]) -> int:
    """The 64-bit key of a row's recipient address and key fields, computed
    alike in every process (``hash()`` of a string differs between them).
    Texts are compared without case or surrounding blanks. A key of texts and
    absent values is hashed in its NUL-joined form (see ``_SEPARATOR``), any
    other by the repr of :func:`_plain_parts`."""
    parts = [address]
    absent = 0
    for value in fields:
        if value.__class__ is str:
            parts.append(value.strip())
        elif value is None:
            parts.append(_ABSENT)
            absent += 1
        else:
            return _digest(repr(_plain_parts(address, fields)))
    # lowered whole: NUL and SOH are not letters, so each part is lowered as on its own
    text = _SEPARATOR.join(parts).lower()
    if text.count(_SEPARATOR) == len(fields) and text.count(_ABSENT) == absent:
        return _digest(text)
    return _digest(repr(_plain_parts(address, fields)))  # a text holding NUL or SOH


def _plain_parts(address: str, fields: list[Any]) -> list[Any]:
    """A key's parts as their repr is hashed: texts without case or surrounding
    blanks, 1, 1.0 and True as one number, other values by their repr."""
    parts: list[Any] = [address.lower()]
    for value in fields:
        cls = value.__class__
        if cls is str:
            value = value.strip().lower()
        elif value is None or cls is int:
            pass
        elif isinstance(value, (int, float)):
            if isinstance(value, (bool, float)) and float(value).is_integer():
                value = int(value)
        else:
            value = repr(value)
        parts.append(value)
    return parts


#: an empty 8-byte BLAKE2b: copying it is cheaper than making one with its parameters
_EMPTY_DIGEST = blake2b(digest_size=8)
_SIGNED_64 = Struct("<q").unpack


def _digest(text: str) -> int:
    """The first 8 bytes of the BLAKE2b of ``text`` (UTF-8), as a signed number."""
    try:
        data = text.encode()
    except UnicodeEncodeError:  # a lone surrogate
        data = text.encode("utf-8", "surrogatepass")
    hashing = _EMPTY_DIGEST.copy()
    hashing.update(data)
    return _SIGNED_64(hashing.digest())[0]  # type: ignore[no-any-return]


def _row_key(read: tuple[Any, ...]) -> tuple[int, str] | None:
    """The key of a row's recipient and key fields (``read``, as ``read_fields``
    reads them) and its address; None for a row without a recipient."""
    recipient = read[0]
    address = (recipient if recipient.__class__ is str else str(recipient)).strip()
    if recipient is None or not address:
        return None
    return _key_hash(address, list(read[1:])), address


def _no_recipient(context: Any) -> str:
    return f"no {path_of(context, 'recipient_email')}: cannot check for duplicate sends"


def _block_keys(rows: list[tuple[Any, ...]], width: int) -> array[int] | None:
    """The key of each row (recipient, then ``width`` key fields), as
    :func:`_key_hash` gives it, worked out a field at a time in C for the
    common block: every recipient a text that is not blank, each key field a
    text on every row or absent on every row, no NUL or SOH in any text, no
    lone surrogate. None for any other block."""
    count = len(rows)
    if not count:
        return None
    columns = list(zip(*rows))
    if set(map(type, columns[0])) != _ONLY_TEXT:
        return None
    addresses = list(map(str.strip, columns[0]))
    if "" in addresses:
        return None  # a row without a recipient: rejected, row by row
    parts: list[Any] = [addresses]
    absent = 0
    for column in columns[1:]:
        kinds = set(map(type, column))
        if kinds == _ONLY_TEXT:
            parts.append(map(str.strip, column))
        elif kinds == _ONLY_NONE:
            parts.append(repeat(_ABSENT, count))
            absent += count
        else:
            return None
    texts = list(map(str.lower, map(_SEPARATOR.join, zip(*parts))))
    joined = "".join(texts)
    if joined.count(_SEPARATOR) != width * count or joined.count(_ABSENT) != absent:
        return None  # a text holds NUL or SOH: keyed by its repr, row by row
    try:
        data = list(map(str.encode, texts))
    except UnicodeEncodeError:  # a lone surrogate
        return None
    keys = array("q", b"".join(map(_DIGEST_OF, map(_NEW_DIGEST, data))))
    if _BIG_ENDIAN:
        keys.byteswap()  # read as _digest reads them: little-endian
    return keys


_ONLY_TEXT = {str}
_ONLY_NONE = {type(None)}
_NEW_DIGEST = partial(blake2b, digest_size=8)
_DIGEST_OF = methodcaller("digest")
_BIG_ENDIAN = sys.byteorder == "big"


class DuplicateState:
    """What TRG007 keeps of the rows it has seen: for each key, its first row and
    copy count (:class:`_SeenKeys`), the first ``sample_size`` repeated rows,
    and, for merging, who each key's first row was.

    The mergeable-state hook (``check.mergeable``): a cluster feeds one state
    per partition where the partition is read, then folds them in input order
    with :meth:`merge`; the result is exactly the one state fed every row."""

    def __init__(self, batch: Any, context: Any, options: Any):
        key_fields = options["duplicate_key"]
        if not isinstance(key_fields, list) or not all(isinstance(f, str) and f for f in key_fields):
            raise ConfigError(f"[triggers] duplicate_key: {key_fields!r} must be a list of field names")
        self.key_fields = tuple(key_fields)
        self.read_fields = ("recipient_email", *self.key_fields)
        self.show = bool(options["show_recipients"])
        self.sample_size = batch.sample_size
        self.seen = _SeenKeys()
        self.repeated_rows = 0
        self.recipients = 0
        self.most = 1
        self.samples: list[dict[str, Any]] = []
        self.sample_keys: list[int] = []
        # first row of each key -> (id, recipient as shown): only a partition's state keeps
        # these, for the rows that turn out to repeat a key of an earlier partition
        self.firsts: dict[int, tuple[Any, str]] | None = None

    def keep_firsts(self) -> None:
        """Remember each key's first row's id and recipient address (a partition's state)."""
        self.firsts = {}

    def expect(self, rows: int) -> None:
        """Size the index for about ``rows`` more rows (a hint; at most 2.9 million):
        a fold over many chunks then does not rebuild it each time it doubles."""
        self.seen.reserve(self.seen.used + min(rows, _MOST_RESERVED))

    def first_of(self, row: int) -> tuple[Any, str] | None:
        """The id and recipient address of ``row``, the first row of its key in
        a partition's state (:meth:`keep_firsts`), or None."""
        if self.firsts is not None:
            return self.firsts.get(row)
        packed = self.__dict__.get("_packed_firsts")
        if packed is None:
            fetch = self.__dict__.get("_fetch")
            again = fetch(row) if fetch is not None else None
            return self._first_facts(again) if again is not None else None
        rows, ids, id_lengths, addresses, address_lengths = packed
        index = bisect_left(rows, row)  # rows are kept in row order
        if index == len(rows) or rows[index] != row:
            return None
        length = id_lengths[index]
        start = sum(map(max, id_lengths[:index], repeat(0)))  # -1: no id
        the_id = None if length < 0 else ids[start : start + length]
        start = sum(address_lengths[:index])
        return the_id, addresses[start : start + address_lengths[index]]

    def rows_again(self, fetch: Callable[[int], Any]) -> None:
        """Where a partition's state is folded: ``fetch(number)`` gives a row of
        the partition again (a batch row, or None), so the partition need not
        have kept its first rows' ids and addresses (:meth:`keep_firsts`): the
        few that turn out to repeat an earlier partition are read again."""
        self.__dict__["_fetch"] = fetch

    def _first_facts(self, row: Any) -> tuple[Any, str] | None:
        """What :meth:`add` keeps of a key's first row: its id and address."""
        row_context = row.context
        values = getattr(row_context, "values", None)
        recipient = values(self.read_fields[:1])[0] if values is not None else row_context.get(self.read_fields[0])
        if recipient is None:
            return None
        return row.id, (recipient if recipient.__class__ is str else str(recipient)).strip()

    def __getstate__(self) -> dict[str, Any]:
        # a chunk's state goes to the reading process: its firsts as two texts and their
        # lengths, which unpickle in one step each instead of a tuple and two strings per row
        state = dict(vars(self))
        state.pop("_fetch", None)  # a way to read rows again, only where it was given
        firsts = state.get("firsts")
        if firsts:
            ids = [the_id for the_id, _address in firsts.values()]
            rows = array("I", firsts)
            if all(the_id is None or the_id.__class__ is str for the_id in ids) and all(map(lt, rows, rows[1:])):
                addresses = [address for _id, address in firsts.values()]
                state["firsts"] = None
                state["_packed_firsts"] = (
                    rows,
                    "".join(filter(None, ids)),
                    array("q", [-1 if the_id is None else len(the_id) for the_id in ids]),
                    "".join(addresses),
                    array("q", map(len, addresses)),
                )
        return state

    def add(self, row: Any) -> None:
        row_context = row.context
        values = getattr(row_context, "values", None)
        if values is not None:
            read = values(self.read_fields)
        else:
            read = tuple([row_context.get(name) for name in self.read_fields])
        keyed = _row_key(read)
        if keyed is None:
            row.reject(_no_recipient(row_context))
            return
        self._add_key(*keyed, row.number, read[0], lambda: row.id)

    def _add_key(self, key: int, address: str, number: int, recipient: Any, the_id: Callable[[], Any]) -> None:
        """Record row ``number``'s key; count it when it repeats an earlier row's."""
        repeat = self.seen.add(key, number)
        if repeat is None:
            if self.firsts is not None:
                self.firsts[number] = (the_id(), address)  # masked (_shown) only if it is ever shown
            return
        first_row, copies = repeat
        self.repeated_rows += 1
        if copies == 2:
            self.recipients += 1
        self.most = max(self.most, copies)
        if len(self.samples) < self.sample_size:
            self.samples.append(
                {"row": number, "id": the_id(), "first_row": first_row, "recipient": self._shown(recipient)}
            )
            self.sample_keys.append(key)

    def add_block(self, block: Any) -> None:
        """:meth:`add` for each row of a block of rows (see :mod:`oopslint.batch.rows`).

        The common block (every recipient and key field text, or a key field
        absent on every row) is keyed a field at a time, in C, and its new keys
        are added to the dict of a chunk's state at once; any other block row by row."""
        rows = block.values(self.read_fields)
        keys = _block_keys(rows, len(self.key_fields))
        seen = self.seen
        small = seen.small
        if keys is not None and small is not None and self.firsts is None and seen.used + len(keys) <= _SMALL_KEYS:
            distinct = set(keys)
            if len(distinct) == len(keys) and 0 not in distinct and distinct.isdisjoint(small):
                # no row repeats another: each key's first row, with one copy (see _SeenKeys.add)
                small.update(zip(keys, map(or_, map(lshift, block.numbers, repeat(8)), repeat(1))))
                seen.used += len(keys)
                return
        self._add_rows(block, rows, keys)

    def _add_rows(self, block: Any, rows: list[tuple[Any, ...]], keys: array[int] | None) -> None:
        """:meth:`add_block` row by row; ``keys``: each row's key, when worked out already."""
        numbers = block.numbers
        for index, read in enumerate(rows):
            if keys is not None:
                keyed: tuple[int, str] | None = (keys[index], read[0].strip())
            else:
                keyed = _row_key(read)
            if keyed is None:
                block.reject(index, _no_recipient(block.prototype))
                continue
            self._add_key(*keyed, numbers[index], read[0], partial(block.id, index))

    def _shown(self, recipient: Any) -> str:
        address = str(recipient).strip()
        return address if self.show else mask_email(address)

    def merge(self, later: DuplicateState) -> DuplicateState:
        """This state followed by ``later``'s rows, as a new state (neither is changed).
        ``later`` must be a partition's state (:meth:`keep_firsts`)."""
        merged = copy.copy(self)
        merged.seen = self.seen.copy()
        merged.samples = list(self.samples)
        merged.sample_keys = list(self.sample_keys)
        merged.absorb(later)
        return merged

    def absorb(self, later: DuplicateState) -> None:
        """:meth:`merge`, changing this state instead of copying it (the
        state of a fold that nothing else holds)."""
        self.firsts = None
        self.__dict__.pop("_packed_firsts", None)
        self.__dict__.pop("_fetch", None)
        self.repeated_rows += later.repeated_rows
        self.recipients += later.recipients
        self.most = max(self.most, later.most)
        seen = self.seen
        # what this state knew of the later samples' keys before taking the later rows in
        sampled: dict[int, tuple[int, int] | None] = dict.fromkeys(later.sample_keys)
        crossing: list[tuple[dict[str, Any], int]] = []
        for key, first_row, copies, before_row, before_copies, total in seen.take_all(*later.seen.packed()):
            if key in sampled:
                sampled[key] = (before_row, before_copies)
            # the later part's first row of this key repeats an earlier row
            self.repeated_rows += 1
            if before_copies >= 2 and copies >= 2:
                self.recipients -= 1
            elif before_copies < 2 and copies < 2:
                self.recipients += 1
            self.most = max(self.most, total)
            if len(self.samples) < self.sample_size and (first := later.first_of(first_row)) is not None:
                the_id, address = first
                shown = self._shown(address)
                crossing.append(({"row": first_row, "id": the_id, "first_row": before_row, "recipient": shown}, key))
        if len(self.samples) < self.sample_size:
            candidates = crossing
            for sample, key in zip(later.samples, later.sample_keys):
                earlier = sampled.get(key)
                if earlier is not None:
                    sample = {**sample, "first_row": earlier[0]}
                candidates.append((sample, key))
            candidates.sort(key=lambda pair: pair[0]["row"])
            for sample, key in candidates[: self.sample_size - len(self.samples)]:
                self.samples.append(sample)
                self.sample_keys.append(key)

    def findings(self) -> Iterator[Finding]:
        repeated_rows, recipients, most, samples = self.repeated_rows, self.recipients, self.most, self.samples
        if not repeated_rows:
            return
        examples = "; ".join(f"row {s['row']} repeats row {s['first_row']} for {s['recipient']}" for s in samples[:3])
        yield Finding(
            f"{recipients:,} recipient{'s' if recipients != 1 else ''} would get this email more than once: "
            f"{repeated_rows:,} extra cop{'ies' if repeated_rows != 1 else 'y'}, "
            f"up to {most if most < 255 else '255+'} to one recipient ({examples})",
            suggestion="deduplicate the audience on recipient and event before sending",
            data={
                "recipients": recipients,
                "extra_copies": repeated_rows,
                "max_copies": most,
                "samples": samples,
                "key": ["recipient_email", *self.key_fields],
            },
        )


duplicate_send.check.mergeable = DuplicateState  # type: ignore[attr-defined]
