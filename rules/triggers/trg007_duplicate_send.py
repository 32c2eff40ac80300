"""TRG007 duplicate-send: The same recipient gets the same email more than once."""

from __future__ import annotations

import copy
from array import array
from collections.abc import Iterator
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


class _SeenKeys:
    """An open-addressing set of 64-bit key hashes with the first row and a
    copy count for each: about 13 bytes per slot, so a million recipients
    take tens of megabytes rather than the hundreds a dict of strings would."""

    def __init__(self) -> None:
        self.size = 1 << 12
        self.used = 0
        self.keys = array("q", bytes(8 * self.size))
        self.rows = array("I", bytes(4 * self.size))
        self.counts = array("B", bytes(self.size))

    def add(self, key: int, row: int) -> tuple[int, int] | None:
        """Record ``key``; for a repeat, return (first row, copies so far)."""
        if key == 0:
            key = 1
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

    def items(self) -> Iterator[tuple[int, int, int]]:
        """(key, first row, copies) for every key, in no particular order."""
        for index, key in enumerate(self.keys):
            if key:
                yield key, self.rows[index], self.counts[index]

    def copy(self) -> _SeenKeys:
        other = _SeenKeys.__new__(_SeenKeys)
        other.size, other.used = self.size, self.used
        other.keys, other.rows, other.counts = array("q", self.keys), array("I", self.rows), array("B", self.counts)
        return other

    def _grow(self) -> None:
        old_keys, old_rows, old_counts = self.keys, self.rows, self.counts
        self.size *= 2
        self.keys = array("q", bytes(8 * self.size))
        self.rows = array("I", bytes(4 * self.size))
        self.counts = array("B", bytes(self.size))
        mask = self.size - 1
        keys, rows, counts = self.keys, self.rows, self.counts
        for index, key in enumerate(old_keys):
            if key:
                slot = key & mask
                while keys[slot]:
                    slot = (slot + 1) & mask
                keys[slot] = key
                rows[slot] = old_rows[index]
                counts[slot] = old_counts[index]


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
    per distinct recipient.

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


def _stable_hash(parts: list[Any]) -> int:
    """A 64-bit hash of a key that every process computes alike (``hash()`` of a
    string differs between processes), with 1, 1.0 and True equal as before."""
    plain = []
    for value in parts:
        if isinstance(value, (bool, float)) and float(value).is_integer():
            value = int(value)
        plain.append(value)
    digest = blake2b(repr(plain).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


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

    def add(self, row: Any) -> None:
        row_context = row.context
        values = getattr(row_context, "values", None)
        if values is not None:
            recipient, *fields = values(self.read_fields)
        else:
            recipient, *fields = [row_context.get(name) for name in self.read_fields]
        address = (recipient if recipient.__class__ is str else str(recipient)).strip()
        if recipient is None or not address:
            row.reject(f"no {path_of(row_context, 'recipient_email')}: cannot check for duplicate sends")
            return
        parts: list[Any] = [address.lower()]
        for value in fields:
            cls = value.__class__
            if cls is str:
                value = value.strip().lower()
            elif value is None or cls is int:
                pass
            elif isinstance(value, (int, float)):
                if isinstance(value, (bool, float)) and float(value).is_integer():
                    value = int(value)  # 1, 1.0 and True are one key, as in _stable_hash
            else:
                value = repr(value)
            parts.append(value)
        # the parts are plain already: _stable_hash without its second pass over them
        key = int.from_bytes(
            blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little", signed=True
        )
        repeat = self.seen.add(key, row.number)
        if repeat is None:
            if self.firsts is not None:
                self.firsts[row.number] = (row.id, address)  # masked (_shown) only if it is ever shown
            return
        first_row, copies = repeat
        self.repeated_rows += 1
        if copies == 2:
            self.recipients += 1
        self.most = max(self.most, copies)
        if len(self.samples) < self.sample_size:
            self.samples.append(
                {"row": row.number, "id": row.id, "first_row": first_row, "recipient": self._shown(recipient)}
            )
            self.sample_keys.append(key)

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
        self.repeated_rows += later.repeated_rows
        self.recipients += later.recipients
        self.most = max(self.most, later.most)
        seen = self.seen
        # what this state knew of the later samples' keys before taking the later rows in
        sampled: dict[int, tuple[int, int] | None] = dict.fromkeys(later.sample_keys)
        crossing: list[tuple[dict[str, Any], int]] = []
        for key, first_row, copies in later.seen.items():
            taken = seen.take(key, first_row, copies)
            if taken is None:
                continue
            before = (taken[0], taken[1])
            earlier_copies = taken[2]
            if key in sampled:
                sampled[key] = before
            # the later part's first row of this key repeats an earlier row
            self.repeated_rows += 1
            if before[1] >= 2 and copies >= 2:
                self.recipients -= 1
            elif before[1] < 2 and copies < 2:
                self.recipients += 1
            self.most = max(self.most, earlier_copies)
            if len(self.samples) < self.sample_size and later.firsts is not None and first_row in later.firsts:
                the_id, address = later.firsts[first_row]
                shown = self._shown(address)
                crossing.append(({"row": first_row, "id": the_id, "first_row": before[0], "recipient": shown}, key))
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
