"""What the ``oopslint`` command does to start faster: compiled regular expressions kept between runs.

A one-file check compiles some 250 regular expressions (the rules' patterns,
the phrase tables, the CSS tokenizer's), about a fifth of its CPU time. The
command keeps what the compiler made of each, its SRE program, in oopslint's
cache folder, and the next run puts the patterns rebuilt from it into the
``re`` module's own cache, where ``re.compile`` finds them. Nothing else
changes: a pattern comes out equal (``==`` compares the program) to the one
``re.compile`` makes, and that is checked before a program is kept.

Only the command does this (a program embedding oopslint keeps its ``re``
cache to itself), and only on a Python whose ``re`` internals it knows; the
file is keyed by the interpreter's exact version and carries a checksum, so a
damaged, foreign or stale file is ignored (and rewritten), never trusted.
"""

from __future__ import annotations

import marshal
import os
import re
import sys
import zlib
from pathlib import Path
from typing import Any

__all__ = ["started_as_command", "begin", "imports_done", "load_patterns", "save_patterns"]

_FORMAT = 1
_FEW_NEW = 8
_SKIPPED_FLAGS = re.DEBUG | getattr(re, "TEMPLATE", 0)

_collector_paused = False
_known: dict[tuple[type, Any, int], tuple] = {}  # what the cache file held, by re's cache key
_loaded = False


def started_as_command() -> bool:
    """Whether this process is the ``oopslint`` command (its console script or
    ``python -m oopslint``), not a program that imports oopslint."""
    if sys.argv and os.path.basename(sys.argv[0]).split(".")[0] == "oopslint":
        return True
    original = list(getattr(sys, "orig_argv", ()))
    return any(original[i : i + 2] == ["-m", "oopslint"] for i in range(len(original) - 1))


def begin() -> None:
    """The command's first step: patterns from earlier runs, and the cyclic
    collector paused while its modules are imported (they make long-lived
    objects only, which it would walk again and again for nothing)."""
    global _collector_paused
    import gc

    if gc.isenabled():
        gc.disable()
        _collector_paused = True
    load_patterns()


def imports_done() -> None:
    """The command's modules are imported: what they made is set aside from
    the collector's passes for good (``gc.freeze``), and it runs again."""
    global _collector_paused
    if _collector_paused:
        import gc

        gc.freeze()
        gc.enable()
        _collector_paused = False


def _internals() -> tuple[Any, Any, Any, dict] | None:
    """re's compiler, parser, _sre and cache, when they are the ones this module knows."""
    try:
        import _sre
        from re import _compiler, _parser  # type: ignore[attr-defined]
    except ImportError:
        return None
    cache = getattr(re, "_cache", None)
    if not (
        isinstance(cache, dict)
        and callable(getattr(_compiler, "_code", None))
        and callable(getattr(_parser, "parse", None))
        and callable(getattr(_sre, "compile", None))
    ):
        return None
    return _compiler, _parser, _sre, cache


def _cache_file() -> Path:
    from .paths import cache_folder

    build = zlib.crc32(f"{sys.version}|{sys.implementation.cache_tag}|{getattr(re, '_MAXCACHE', '')}".encode())
    return cache_folder("regex") / f"patterns-{sys.implementation.cache_tag}-{build:08x}-v{_FORMAT}.marshal"


def load_patterns() -> int:
    """Put the patterns kept by earlier runs into ``re``'s cache; how many."""
    global _loaded
    _loaded = True
    internals = _internals()
    if internals is None:
        return 0
    _compiler, _parser, _sre, cache = internals
    try:
        blob = _cache_file().read_bytes()
        checksum, payload = blob[:4], blob[4:]
        if int.from_bytes(checksum, "little") != zlib.crc32(payload):
            return 0
        header, entries = marshal.loads(payload)
    except Exception:  # no home folder, unreadable, damaged: compile as usual
        return 0
    if header != (_FORMAT, sys.version, getattr(_sre, "MAGIC", None)) or not isinstance(entries, list):
        return 0
    count = 0
    for entry in entries:
        try:
            pattern, flags, final_flags, code, groups, groupindex, indexgroup = entry
            key = (type(pattern), pattern, flags)
            if key in cache:  # compiled before oopslint was imported
                _known[key] = entry
                continue
            if len(cache) >= getattr(re, "_MAXCACHE", 512) - 1:
                break
            cache[key] = _sre.compile(pattern, final_flags, code, groups, groupindex, indexgroup)
        except Exception:  # a program _sre refuses: that pattern is compiled as usual
            continue
        _known[key] = entry
        count += 1
    return count


def save_patterns() -> None:
    """Keep the programs of the patterns in ``re``'s cache when this run
    compiled any the cache file did not hold. Best effort, like every cache:
    nothing that goes wrong here reaches the command's exit."""
    try:
        _save_patterns()
    except Exception:
        pass


def _save_patterns() -> None:
    internals = _internals()
    if internals is None or not _loaded:
        return
    _compiler, _parser, _sre, cache = internals
    new = [key for key in list(cache) if key not in _known]
    # a few patterns (the email package's) are built from sets, in a new
    # order every run: rewriting the file for a handful would be every run
    if len(new) <= _FEW_NEW or not new:
        return
    entries = [entry for key, entry in _known.items() if key in cache]
    for key in new:
        entry = _program(key, cache.get(key), _compiler, _parser, _sre)
        if entry is not None:
            entries.append(entry)
    try:
        payload = marshal.dumps(((_FORMAT, sys.version, getattr(_sre, "MAGIC", None)), entries))
    except ValueError:
        return
    from .paths import write_atomically

    write_atomically(_cache_file(), zlib.crc32(payload).to_bytes(4, "little") + payload)
    _known.update({(type(entry[0]), entry[0], entry[1]): entry for entry in entries})


def _program(key: tuple, compiled: Any, _compiler: Any, _parser: Any, _sre: Any) -> tuple | None:
    kind, pattern, flags = key
    if kind not in (str, bytes) or not isinstance(flags, int) or flags & _SKIPPED_FLAGS:
        return None
    try:
        parsed = _parser.parse(pattern, flags)
        code = _compiler._code(parsed, flags)
        groupindex = dict(parsed.state.groupdict)
        indexgroup = [None] * parsed.state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        entry = (
            pattern,
            flags,
            int(flags | parsed.state.flags),
            [int(op) for op in code],
            parsed.state.groups - 1,
            groupindex,
            tuple(indexgroup),
        )
        rebuilt = _sre.compile(*entry[:1], *entry[2:])
    except Exception:
        return None
    # equal patterns have the same flags, source and program: keep only a faithful copy
    if rebuilt != compiled or rebuilt.groupindex != compiled.groupindex or rebuilt.groups != compiled.groups:
        return None
    return entry
