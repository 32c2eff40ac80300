"""pyspellchecker's word-frequency files, read once and cached preprocessed.

The gzip JSON of a language takes a noticeable part of a cold CLI start to
parse (about 70 ms for English); the first read writes the frequencies and the
figures derived from them to the user cache folder with :mod:`marshal`, which
later processes load in about a fifth of the time. A damaged or unwritable
cache only costs that speed.
"""

from __future__ import annotations

import importlib.util
import marshal
from collections import Counter
from operator import itemgetter
from pathlib import Path

from oopslint import paths

__all__ = [
    "available_languages",
    "cache_folder",
    "read_prepared",
    "read_word_file",
    "data_words",
    "FREQUENT_RANK",
    "FUNCTION_WORD_RANK",
]

_FORMAT = 3  # bump when the cached form changes
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


def read_prepared(language: str) -> dict:
    """The language's frequencies plus the figures derived from them, from the
    user cache when it holds them, else from pyspellchecker's gzip JSON."""
    folder = _resources_folder()
    source = folder / f"{language}.json.gz" if folder else None
    if source is None or not source.is_file():
        raise LookupError(f"no dictionary for language {language!r}")
    stat = source.stat()
    cached = cache_folder() / f"{language}-{stat.st_size}-{int(stat.st_mtime)}-v{_FORMAT}.marshal"
    try:
        data = marshal.loads(cached.read_bytes())
        if isinstance(data, dict) and data.get("format") == _FORMAT:
            return data
    except (OSError, ValueError, EOFError, TypeError):
        pass
    import gzip  # only when nothing is cached yet: later starts never load either
    import json

    raw = json.loads(gzip.decompress(source.read_bytes()).decode("utf-8"))
    if not isinstance(raw, dict):
        raise LookupError(f"{source}: not a word-frequency table")
    data = _prepare(raw)
    paths.write_atomically(cached, marshal.dumps(data))
    return data


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
