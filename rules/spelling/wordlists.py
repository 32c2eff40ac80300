"""pyspellchecker's word-frequency files, read once and cached preprocessed.

The gzip JSON of a language takes a noticeable part of a cold CLI start to
parse (about 70 ms for English), and so does building a dict of its 160,000
words from any cached form (hashing and storing each string). So the first
read writes a *word table* to the user cache folder: the words as one UTF-8
block, their counts as an array, and an open-addressing hash table over them
(keyed by CRC-32, which is the same in every process). A later process reads
the file, checks its checksum and looks words up in it directly: a few
milliseconds, however many words. After many look-ups (a long-lived process,
a batch) it builds the plain dict once, as looking up through the table
costs about a microsecond a word. A damaged or unwritable cache only costs
that speed.

:func:`read_prepared` gives the same data as plain Python objects (the
frequencies as a dict), cached with :mod:`marshal`.
"""

from __future__ import annotations

import importlib.util
import marshal
import sys
import zlib
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, KeysView, Mapping
from collections.abc import Set as AbstractSet
from operator import itemgetter
from pathlib import Path
from typing import Any

from oopslint import paths

__all__ = [
    "available_languages",
    "cache_folder",
    "read_prepared",
    "read_table",
    "read_word_file",
    "data_words",
    "WordFrequencies",
    "WordEnds",
    "FREQUENT_RANK",
    "FUNCTION_WORD_RANK",
]

_FORMAT = 3  # bump when the cached form changes
_TABLE_FORMAT = 1  # bump when the word table's layout changes
_TABLE_MAGIC = b"oopslint word table\n"
_DATA_DIR = Path(__file__).resolve().parent / "data"

#: Words ranked below this (by frequency) are not "frequent" enough to be the
#: confident correction of a misspelling.
FREQUENT_RANK = 20_000
#: The most common words of a language ("a", "for", "you"): a slip into one of
#: them may be less typical, and two of them run together are a typo.
FUNCTION_WORD_RANK = 300


def _resources_folder() -> Path | None:
    spec = importlib.util.find_spec("spellchecker")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        folder = Path(location) / "resources"
        if folder.is_dir():
            return folder
    return None


_available: tuple[str, ...] | None = None


def available_languages() -> tuple[str, ...]:
    """Language codes pyspellchecker ships a dictionary for, sorted."""
    global _available
    if _available is None:
        folder = _resources_folder()
        names = (
            sorted(p.name[: -len(".json.gz")] for p in folder.iterdir() if p.name.endswith(".json.gz"))
            if folder
            else []
        )
        _available = tuple(names)
    return _available


def cache_folder() -> Path:
    """Where preprocessed dictionaries are kept: ``spelling`` in oopslint's cache folder."""
    return paths.cache_folder("spelling")


def _source_file(language: str) -> Path:
    folder = _resources_folder()
    source = folder / f"{language}.json.gz" if folder else None
    if source is None or not source.is_file():
        raise LookupError(f"no dictionary for language {language!r}")
    return source


def _read_source(source: Path) -> dict:
    import gzip  # only when nothing is cached yet: later starts never load either
    import json

    raw = json.loads(gzip.decompress(source.read_bytes()).decode("utf-8"))
    if not isinstance(raw, dict):
        raise LookupError(f"{source}: not a word-frequency table")
    return _prepare(raw)


def read_prepared(language: str) -> dict:
    """The language's frequencies plus the figures derived from them, from the
    user cache when it holds them, else from pyspellchecker's gzip JSON."""
    source = _source_file(language)
    stat = source.stat()
    cached = cache_folder() / f"{language}-{stat.st_size}-{int(stat.st_mtime)}-v{_FORMAT}.marshal"
    try:
        data = marshal.loads(cached.read_bytes())
        if isinstance(data, dict) and data.get("format") == _FORMAT:
            return data
    except (OSError, ValueError, EOFError, TypeError):
        pass
    data = _read_source(source)
    paths.write_atomically(cached, marshal.dumps(data))
    return data


def read_table(language: str) -> dict:
    """What :func:`read_prepared` gives, with the frequencies as a
    :class:`WordFrequencies`: read from the word table in the user cache, which is written from
    pyspellchecker's gzip JSON when missing, stale or damaged."""
    source = _source_file(language)
    stat = source.stat()
    cached = cache_folder() / f"{language}-{stat.st_size}-{int(stat.st_mtime)}-t{_TABLE_FORMAT}.words"
    try:
        return _load_table(cached.read_bytes())
    except (OSError, ValueError, EOFError, TypeError, KeyError, IndexError):
        pass  # missing, damaged, or written by another kind of machine: written again
    prepared = _read_source(source)
    if any("\n" in word for word in prepared["frequencies"]):  # the table cannot hold these
        return prepared
    blob = _dump_table(prepared)
    paths.write_atomically(cached, blob)
    return _load_table(blob)


# ------------------------------------------------------------ the word table


def _table_bits(count: int) -> int:
    bits = 4
    while (1 << bits) < count * 3 // 2:  # filled to two thirds at most
        bits += 1
    return bits


def _slot(encoded: bytes, mask: int) -> int:
    return zlib.crc32(encoded) & mask


def _dump_table(prepared: dict) -> bytes:
    frequencies: dict[str, int] = prepared["frequencies"]
    words = list(frequencies)
    encoded = [word.encode("utf-8", "surrogatepass") for word in words]
    offsets = array("I", [0])
    position = 0
    for item in encoded:
        position += len(item) + 1
        offsets.append(position)
    counts = list(frequencies.values())
    count_type = "I" if all(0 <= c < 2**32 for c in counts) else "q"
    bits = _table_bits(len(words))
    mask = (1 << bits) - 1
    table = array("I", bytes(4 << bits))
    for index, item in enumerate(encoded, 1):
        slot = _slot(item, mask)
        while table[slot]:
            slot = (slot + 1) & mask
        table[slot] = index
    body = b"".join(
        (b"\n".join(encoded) + b"\n", offsets.tobytes(), array(count_type, counts).tobytes(), table.tobytes())
    )
    header = {
        "format": _TABLE_FORMAT,
        "byteorder": sys.byteorder,
        "words": len(words),
        "text_bytes": position,
        "count_type": count_type,
        "bits": bits,
        "checksum": zlib.crc32(body),
        "floor_count": prepared["floor_count"],
        "frequent_floor": prepared["frequent_floor"],
        "boost": prepared["boost"],
        "function_words": list(prepared["function_words"]),
        "alphabet": prepared["alphabet"],
        "has_apostrophes": prepared["has_apostrophes"],
        "prefixes": "\n".join(sorted(prepared["prefixes"])),
        "suffixes": "\n".join(sorted(prepared["suffixes"])),
    }
    head = marshal.dumps(header)
    return _TABLE_MAGIC + len(head).to_bytes(4, "little") + head + body


def _load_table(blob: bytes) -> dict:
    """The prepared data from a word table; ValueError when it is damaged or foreign.

    The words, offsets, counts and hash table are read in place in ``blob``
    (memoryviews, no copies), and the word ends become sets only when asked."""
    if not blob.startswith(_TABLE_MAGIC):
        raise ValueError("not a word table")
    start = len(_TABLE_MAGIC)
    head_size = int.from_bytes(blob[start : start + 4], "little")
    header = marshal.loads(blob[start + 4 : start + 4 + head_size])
    body_start = start + 4 + head_size
    body = memoryview(blob)[body_start:]
    if (
        not isinstance(header, dict)
        or header.get("format") != _TABLE_FORMAT
        or header.get("byteorder") != sys.byteorder
        or header.get("count_type") not in ("I", "q")
    ):
        raise ValueError("a word table of another format")
    words, text_bytes, bits = header["words"], header["text_bytes"], header["bits"]
    count_type = header["count_type"]
    count_size = array(count_type).itemsize
    sizes = (text_bytes, 4 * (words + 1), count_size * words, 4 << bits)
    if len(body) != sum(sizes) or zlib.crc32(body) != header["checksum"] or not 0 < bits < 32:
        raise ValueError("a damaged word table")
    parts = []
    position = sizes[0]
    for kind, size in zip(("I", count_type, "I"), sizes[1:]):
        parts.append(body[position : position + size].cast(kind))
        position += size
    offsets, counts, table = parts
    if offsets[0] != 0 or offsets[-1] != text_bytes:
        raise ValueError("a damaged word table")
    return {
        "format": _FORMAT,
        "frequencies": WordFrequencies(blob, offsets, counts, table, text_start=body_start),
        "floor_count": header["floor_count"],
        "frequent_floor": header["frequent_floor"],
        "boost": header["boost"],
        "function_words": header["function_words"],
        "alphabet": header["alphabet"],
        "has_apostrophes": header["has_apostrophes"],
        "prefixes": WordEnds(header["prefixes"]),
        "suffixes": WordEnds(header["suffixes"]),
    }


class WordEnds(AbstractSet[str]):
    """A read-only set of strings kept as one sorted, newline-joined text and
    looked up in it by binary search (a few microseconds): making a set of the
    word ends of a language (some 17,000 strings each way) would be a visible
    part of a start and a megabyte or two more for every process, and they
    are only looked at for long unknown words."""

    __slots__ = ("_joined", "_width", "_extra", "_unlisted")

    def __init__(self, joined: str, extra: Iterable[str] = (), *, _width: int | None = None) -> None:
        self._joined = joined
        self._width = self._line_width(joined) if _width is None else _width
        self._extra = frozenset(extra)
        self._unlisted: frozenset[str] | None = None  # the extra ones not in the text, when counted

    @staticmethod
    def _line_width(text: str) -> int:
        """The length of every line when all have the same (word ends do), else 0."""
        width = text.find("\n")
        if width < 0:  # one line
            return len(text)
        if width == 0 or (len(text) + 1) % (width + 1):
            return 0
        return width if text[width :: width + 1] == "\n" * (len(text) // (width + 1)) else 0

    def with_extra(self, extra: Iterable[str]) -> WordEnds:
        """These strings and ``extra``."""
        return WordEnds(self._joined, (*self._extra, *extra), _width=self._width)

    def _listed(self, item: str) -> bool:
        text = self._joined
        width = self._width
        if width:  # lines of one length: the n-th starts at n * (width + 1)
            if len(item) != width:
                return False
            step = width + 1
            first, last = 0, (len(text) + 1) // step
            while first < last:
                middle = (first + last) // 2
                line = text[middle * step : middle * step + width]
                if line < item:
                    first = middle + 1
                elif line == item:
                    return True
                else:
                    last = middle
            return False
        low, high = 0, len(text)  # low: where a line starts; high: where one ends
        while low < high:
            middle = (low + high) // 2
            start = text.rfind("\n", low, middle) + 1 or low
            end = text.find("\n", middle, high)
            if end < 0:
                end = high
            line = text[start:end]
            if line == item:
                return True
            if line < item:
                low = end + 1
            else:
                high = start - 1
        return False

    def __contains__(self, item: object) -> bool:
        return isinstance(item, str) and (item in self._extra or self._listed(item))

    def _extra_unlisted(self) -> frozenset[str]:
        """The extra strings the text does not hold (each string counted once):
        worked out only when the set is counted or listed, as lookups never need it."""
        unlisted = self._unlisted
        if unlisted is None:
            unlisted = self._unlisted = frozenset(item for item in self._extra if not self._listed(item))
        return unlisted

    def __iter__(self) -> Iterator[str]:
        if self._joined:
            yield from self._joined.split("\n")
        yield from self._extra_unlisted()

    def __len__(self) -> int:
        return (self._joined.count("\n") + 1 if self._joined else 0) + len(self._extra_unlisted())

    def __repr__(self) -> str:
        return f"WordEnds({len(self)} strings)"


class _TableKeys(KeysView[str]):
    """The words of a :class:`WordFrequencies`; ``& a_set`` is answered by
    :meth:`WordFrequencies.listed_among`."""

    _mapping: WordFrequencies

    def __and__(self, other: Iterable[Any]) -> set[str]:
        if isinstance(other, (set, frozenset)):
            return self._mapping.listed_among(other)
        return set(super().__and__(other))


class WordFrequencies(Mapping[str, int]):
    """A language's words and their counts, as a read-only-but-extendable
    mapping over a word table: ``word in table``, ``table.get(word)``,
    iteration in the order of the source file. Words set with ``table[word] =
    count`` are kept beside it (they come last when new, as in a dict).

    Each look-up hashes the word's UTF-8 with CRC-32 and compares bytes in
    place, so loading builds no string per word. After
    ``DICT_AFTER_LOOKUPS`` look-ups it builds the plain dict once and answers
    from it."""

    DICT_AFTER_LOOKUPS = 50_000

    def __init__(
        self,
        text: bytes,
        offsets: array | memoryview,
        counts: array | memoryview,
        table: array | memoryview,
        *,
        text_start: int = 0,
    ) -> None:
        # the words are text[text_start:], newline-terminated; offsets are relative to text_start
        self._text = text
        self._text_start = text_start
        self._offsets = offsets
        self._counts = counts
        self._table = table
        self._mask = len(table) - 1
        self._changed: dict[str, int] = {}  # words of the table given another count
        self._added: dict[str, int] = {}  # words not in the table, in the order they came
        self._lookups = 0
        self._dict: dict[str, int] | None = None
        self._last: tuple[str | None, int] = (None, -1)  # the last word looked up in the table, and its index

    def _index(self, word: str) -> int:
        """The word's index in the table, -1 when it is not there."""
        encoded = word.encode("utf-8", "surrogatepass")
        size = len(encoded) + 1
        text, offsets, table, mask, base = self._text, self._offsets, self._table, self._mask, self._text_start
        slot = zlib.crc32(encoded) & mask
        while True:
            entry = table[slot]
            if not entry:
                return -1
            start = offsets[entry - 1]
            if offsets[entry] - start == size and text.startswith(encoded, base + start):
                return entry - 1
            slot = (slot + 1) & mask

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # memoryviews do not pickle: a copy of the table's parts, the changes beside it
        start = self._text_start
        text = bytes(self._text[start : start + self._offsets[-1]])
        parts = [memoryview(part) for part in (self._offsets, self._counts, self._table)]
        arrays = tuple(array(part.format, part.tobytes()) for part in parts)
        return _unpickled_frequencies, (text, arrays, self._changed, self._added)

    def _count(self, word: str) -> int | None:
        self._lookups += 1
        if self._lookups > self.DICT_AFTER_LOOKUPS:
            return self.as_dict().get(word)
        count = self._changed.get(word)
        if count is None:
            count = self._added.get(word)
            if count is None:
                index = self._index(word)
                self._last = (word, index)  # the table never changes: a set() after a get() reuses it
                if index >= 0:
                    count = self._counts[index]
        return count

    def as_dict(self) -> dict[str, int]:
        """The words and counts as a plain dict, built once."""
        built = self._dict
        if built is None:
            built = dict(zip(self._words(), self._counts))
            built.update(self._changed)
            built.update(self._added)
            self._dict = built
        return built

    def _words(self) -> list[str]:
        start = self._text_start
        end = start + self._offsets[-1] - 1  # the last newline left out
        return self._text[start:end].decode("utf-8", "surrogatepass").split("\n")

    def __contains__(self, word: object) -> bool:
        if self._dict is not None:
            return word in self._dict
        return isinstance(word, str) and self._count(word) is not None

    def keys(self) -> _TableKeys:
        return _TableKeys(self)

    def listed_among(self, words: set[str] | frozenset[str]) -> set[str]:
        """The ``words`` this table holds (``self.keys() & words``), without a
        Python call per word once the plain dict is built (a misspelling's
        one-edit candidates are hundreds of strings each)."""
        if self._dict is None and self._lookups + len(words) > self.DICT_AFTER_LOOKUPS:
            self._lookups += len(words)
            self.as_dict()
        if self._dict is not None:
            return self._dict.keys() & words
        return {word for word in words if self._count(word) is not None}

    def __getitem__(self, word: str) -> int:
        if self._dict is not None:
            return self._dict[word]
        count = self._count(word) if isinstance(word, str) else None
        if count is None:
            raise KeyError(word)
        return count

    def get(self, word: str, default: Any = None) -> Any:
        if self._dict is not None:
            return self._dict.get(word, default)
        count = self._count(word) if isinstance(word, str) else None
        return default if count is None else count

    def __setitem__(self, word: str, count: int) -> None:
        if self._dict is not None:
            self._dict[word] = count
        last = self._last
        if word in self._added or (last[1] if last[0] == word else self._index(word)) < 0:
            self._added[word] = count
        else:
            self._changed[word] = count

    def setdefault(self, word: str, default: int) -> int:
        count = self.get(word)
        if count is None:
            self[word] = count = default
        return count

    def __iter__(self) -> Iterator[str]:
        return iter(self.as_dict())

    def __len__(self) -> int:
        return len(self._offsets) - 1 + len(self._added)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, WordFrequencies):
            other = other.as_dict()
        return self.as_dict() == other

    __hash__ = None  # type: ignore[assignment]


def _unpickled_frequencies(
    text: bytes, arrays: tuple[array, array, array], changed: dict[str, int], added: dict[str, int]
) -> WordFrequencies:
    frequencies = WordFrequencies(text, *arrays)
    frequencies._changed.update(changed)
    frequencies._added.update(added)
    return frequencies


def _prepare(frequencies: dict[str, int]) -> dict:
    ranked_items = sorted(frequencies.items(), key=itemgetter(1), reverse=True)
    ranked = [word for word, _ in ranked_items[:FUNCTION_WORD_RANK]]
    counts = [count for _, count in ranked_items]
    floor_count = counts[-1] if counts else 0
    observed = sum(1 for c in counts if c > floor_count) or len(counts)
    rank = min(FREQUENT_RANK, max(200, int(observed * 0.35)), len(counts))
    letter_counts = Counter("".join(frequencies))
    minimum = max(20, len(frequencies) // 500)
    return {
        "format": _FORMAT,
        "frequencies": frequencies,
        "floor_count": floor_count,
        "frequent_floor": max(counts[rank - 1] if rank else 1, floor_count + 1),
        "boost": counts[min(3000, len(counts)) - 1] if counts else 1,
        "function_words": ranked,
        "alphabet": "".join(sorted(ch for ch, n in letter_counts.items() if n >= minimum and ch.isalpha())),
        "has_apostrophes": letter_counts.get("'", 0) >= minimum,
        # first and last four letters of every word: a long word whose ends
        # match none has no neighbour one edit away that keeps them
        "prefixes": {word[:4] for word in frequencies if len(word) >= 4},
        "suffixes": {word[-4:] for word in frequencies if len(word) >= 4},
    }


def read_word_file(path: Path) -> list[str]:
    """Words from a list file: one or more per line, ``#`` starts a comment."""
    words: list[str] = []
    with path.open(encoding="utf-8-sig") as stream:
        for line in stream:
            line = line.split("#", 1)[0].strip()
            if line:
                words.extend(line.split())
    return words


def data_words(name: str) -> list[str]:
    """Words of a list shipped in ``data/`` (none when it does not exist)."""
    path = _DATA_DIR / name
    return read_word_file(path) if path.is_file() else []
