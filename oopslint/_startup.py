"""What the ``oopslint`` command does to start faster: compiled regular expressions,
dataclass methods and module code kept between runs.

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

The same goes for the methods :mod:`dataclasses` writes for each class
(``__init__``, ``__repr__``, ``__eq__``, ...): it builds their source text and
hands it to ``exec``, and compiling those texts, some 330 for the 70 dataclasses
a check imports, took a fifth of a one-file check too. The command gives the
``dataclasses`` module an ``exec`` that runs the code object compiled from the
very same text, from a cache file like the patterns' (marshal, the format of
``.pyc`` files), and compiles the texts it has not seen. It is used only when
``dataclasses`` defines no ``exec`` of its own and compiles with no
``__future__`` feature (the texts are then compiled exactly as its ``exec``
would: file name ``<string>``, no inherited flags).

And the same for the modules themselves: a check imports some 140 of oopslint's
(its rules are many small modules) and a few dozen of its libraries', each found
by a search of its package folder and read from its own ``.pyc``. The command
keeps their code objects in one cache file and imports them from it while the
search would find the same file (the package path, the folders' modification
times, the source's time and size, the finders are all unchanged); any other
module, or one whose source changed, is found and loaded the usual way, and
kept at the end of the run.
"""

from __future__ import annotations

import marshal
import os
import re
import sys
import zlib
from pathlib import Path
from typing import Any

__all__ = ["started_as_command", "begin", "imports_done", "load_patterns", "save_patterns", "save"]

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
    load_dataclass_code()
    load_module_code()


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


def save() -> None:
    """Keep what this run compiled (patterns, dataclass methods) for the next. Best effort."""
    save_patterns()
    save_dataclass_code()
    save_module_code()


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


# ------------------------------------------------------------ dataclass methods

_CODE_FORMAT = 1
_MAX_CODES = 5_000
_codes: dict[str, Any] = {}  # source text -> its code object, from the cache file or compiled in this run
_codes_compiled = 0
_codes_installed = False


def _exec_compiled(source: Any, globals: Any = None, locals: Any = None, /) -> None:
    """``exec`` as :mod:`dataclasses` calls it, running a known text's kept code object."""
    global _codes_compiled
    if globals is None:  # exec's own defaults: the caller's namespaces
        frame = sys._getframe(1)
        globals = frame.f_globals
        locals = frame.f_locals if locals is None else locals
    if type(source) is str:
        code = _codes.get(source)
        if code is None:
            code = compile(source, "<string>", "exec", dont_inherit=True)
            if len(_codes) < _MAX_CODES:
                _codes[source] = code
                _codes_compiled += 1
        source = code
    exec(source, globals, globals if locals is None else locals)


def _dataclasses_compatible(module: Any) -> bool:
    """Whether the texts of ``module`` compile as this module compiles them:
    it calls the builtin ``exec`` (defines none) and uses no ``__future__`` feature."""
    import __future__

    names = vars(module)
    return "exec" not in names and not any(
        isinstance(names.get(feature), type(__future__.annotations)) for feature in __future__.all_feature_names
    )


def _code_cache_file() -> Path:
    from .paths import cache_folder

    build = zlib.crc32(f"{sys.version}|{sys.implementation.cache_tag}".encode())
    return cache_folder("code") / f"dataclasses-{sys.implementation.cache_tag}-{build:08x}-v{_CODE_FORMAT}.marshal"


def load_dataclass_code() -> int:
    """Give :mod:`dataclasses` the ``exec`` that reuses compiled methods; how many the cache file held."""
    global _codes_installed
    import dataclasses

    if _codes_installed or not _dataclasses_compatible(dataclasses):
        return 0
    try:
        blob = _code_cache_file().read_bytes()
        checksum, payload = blob[:4], blob[4:]
        if int.from_bytes(checksum, "little") != zlib.crc32(payload):
            raise ValueError("damaged")
        header, codes = marshal.loads(payload)
        if header != (_CODE_FORMAT, sys.version) or not isinstance(codes, dict):
            raise ValueError("stale")
        code_type = type(_exec_compiled.__code__)
        _codes.update((text, code) for text, code in codes.items() if type(text) is str and type(code) is code_type)
    except Exception:  # no file yet, unreadable, damaged, another Python: compile as usual
        pass
    dataclasses.exec = _exec_compiled  # type: ignore[attr-defined]
    _codes_installed = True
    return len(_codes)


def save_dataclass_code() -> None:
    """Keep the compiled methods when this run compiled any the file did not hold."""
    try:
        if _codes_installed and _codes_compiled:
            payload = marshal.dumps(((_CODE_FORMAT, sys.version), dict(_codes)))
            from .paths import write_atomically

            write_atomically(_code_cache_file(), zlib.crc32(payload).to_bytes(4, "little") + payload)
    except Exception:
        pass


# ------------------------------------------------------------ module code

_MODULES_FORMAT = 2
_modules: dict[str, tuple] = {}  # module name -> what the cache file holds for it
_modules_blob: Any = b""  # the cache file read: the code of each module is unmarshalled where it lies
_modules_base = 0  # where the modules' code starts in it
_modules_served: set[str] = set()
_modules_before: frozenset[str] = frozenset()  # imported before the finder was there: never kept
_dir_stats: dict[str, int | None] = {}
_finder_installed: Any = None


def _modules_file() -> Path:
    from .paths import cache_folder

    build = zlib.crc32(f"{sys.version}|{sys.implementation.cache_tag}|{sys.flags.optimize}".encode())
    return cache_folder("code") / f"modules-{sys.implementation.cache_tag}-{build:08x}-v{_MODULES_FORMAT}.marshal"


def _finders_signature() -> tuple[str, ...]:
    """The import system the kept code was found with: the meta path's finders
    (this module's own left out) and the path hooks."""
    return tuple(
        f"{getattr(kind, '__module__', '')}.{getattr(kind, '__qualname__', '')}"
        for kind in (
            *(f if isinstance(f, type) else type(f) for f in sys.meta_path if f is not _finder_installed),
            *(f if isinstance(f, type) else type(f) for f in sys.path_hooks),
        )
    )


def _mtime(path: str) -> int | None:
    """A folder's modification time (cached for the run: the folders a command imports from are few)."""
    if path not in _dir_stats:
        try:
            _dir_stats[path] = os.stat(path).st_mtime_ns
        except OSError:
            _dir_stats[path] = None
    return _dir_stats[path]


def _source_stat(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size)


class _KeptCodeFinder:
    """Finds the modules of packages the command imports (oopslint's, and the
    submodules of the libraries it uses) where the import system found them in an
    earlier run, and gives their code from one cache file instead of a
    ``.pyc`` each. Used only while nothing the search read has changed: the
    package path searched, the modification time of each folder on it and of
    the module's own folder (a file added or removed changes it), the source
    file's time and size, and the finders themselves; anything else falls
    through to the usual finders."""

    @staticmethod
    def find_spec(name: str, path: Any = None, target: Any = None) -> Any:
        entry = _modules.get(name)
        if entry is None or target is not None:
            return None
        try:
            searched, folders, origin, stat, locations, code = entry
            if type(code) is tuple:  # (offset, size, CRC-32) of its marshalled code in the file
                start, size, checksum = code
                code = memoryview(_modules_blob)[_modules_base + start : _modules_base + start + size]
                if len(code) != size or zlib.crc32(code) != checksum:
                    return None
            if tuple(path or ()) != searched:
                return None
            if any(_mtime(folder) != mtime for folder, mtime in folders):
                return None
            if _source_stat(origin) != stat:
                return None
            import importlib.util

            loader = _KeptCodeLoader(name, origin)
            loader.kept_code = marshal.loads(code)  # read here: the file holds modules this run may not import
            if type(loader.kept_code) is not type(_mtime.__code__):
                return None
            spec = importlib.util.spec_from_file_location(
                name, origin, loader=loader, submodule_search_locations=list(locations) if locations else None
            )
        except Exception:  # an entry of an unexpected shape: the usual finders
            return None
        _modules_served.add(name)
        return spec


def _kept_code_loader() -> type:
    from importlib.machinery import SourceFileLoader

    class KeptCodeLoader(SourceFileLoader):
        """The standard loader of a source file (resources, source, reload
        work as usual), with the module's code already at hand."""

        kept_code: Any = None

        def get_code(self, fullname: str) -> Any:
            code, self.kept_code = self.kept_code, None
            return code if code is not None else super().get_code(fullname)

    return KeptCodeLoader


_KeptCodeLoader: Any = None


def load_module_code() -> int:
    """Serve the modules of packages from the kept code from now on; how many the file held."""
    global _finder_installed, _KeptCodeLoader, _modules_before
    if _finder_installed is not None:
        return len(_modules)
    _modules_before = frozenset(sys.modules)
    global _modules_blob, _modules_base
    try:
        # the file: checksum and size of the index, the index, then each module's code (checked when imported)
        blob = _modules_file().read_bytes()
        checksum, index_size = int.from_bytes(blob[:4], "little"), int.from_bytes(blob[4:8], "little")
        index = memoryview(blob)[8 : 8 + index_size]
        if len(index) != index_size or zlib.crc32(index) != checksum:
            raise ValueError("damaged")
        header, entries = marshal.loads(index)
        _modules_blob, _modules_base = blob, 8 + index_size
    except Exception:  # no file yet, unreadable, damaged: found and loaded as usual (and kept at the end)
        header, entries = None, {}
    _KeptCodeLoader = _kept_code_loader()
    _finder_installed = _KeptCodeFinder
    if header == (_MODULES_FORMAT, sys.version, sys.flags.optimize, _finders_signature()) and isinstance(entries, dict):
        _modules.update(
            (name, entry)
            for name, entry in entries.items()
            if type(name) is str and type(entry) is tuple and len(entry) == 6 and type(entry[5]) is tuple
        )
    sys.meta_path.insert(0, _KeptCodeFinder)
    return len(_modules)


def save_module_code() -> None:
    """Keep the code of the package modules this run imported the usual way. Best effort."""
    try:
        _save_module_code()
    except Exception:
        pass


def _save_module_code() -> None:
    if _finder_installed is None:
        return
    target = _modules_file()
    try:  # a folder it cannot write to: no compiling of modules for a file that cannot be kept
        target.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(target.parent, os.W_OK):
            return
    except OSError:
        return
    from importlib.machinery import SourceFileLoader

    found: dict[str, tuple] = {}
    for name, module in list(sys.modules.items()):
        # modules of packages only (oopslint's, and the submodules of the libraries it imports):
        # where a top-level module is found depends on sys.path, whose first entry is the working folder
        if "." not in name or name in _modules_served or name in _modules_before:
            continue
        spec = getattr(module, "__spec__", None)
        loader = getattr(spec, "loader", None)
        origin = getattr(spec, "origin", None)
        if not isinstance(loader, SourceFileLoader) or not isinstance(origin, str) or not origin.endswith(".py"):
            continue
        if getattr(spec, "name", None) != name or loader.path != origin:  # another module set under this name
            continue
        parent = sys.modules.get(name.rpartition(".")[0])
        searched = tuple(getattr(parent, "__path__", ()) or ())
        locations = getattr(spec, "submodule_search_locations", None)
        stat = _source_stat(origin)
        folders = [*searched, os.path.dirname(origin)]
        before = [(folder, _stat_now(folder)) for folder in folders]
        code = loader.get_code(name)  # from its .pyc, or compiled from the source as it is now
        if code is None or stat is None or _source_stat(origin) != stat:
            continue
        if any(mtime is None or _stat_now(folder) != mtime for folder, mtime in before):
            continue
        found[name] = (
            searched,
            tuple(before),
            origin,
            stat,
            tuple(locations) if locations else (),
            marshal.dumps(code),
        )
    if not found:
        return
    entries: dict[str, tuple] = {}
    codes: list[bytes] = []
    position = 0
    for name, entry in {**_modules, **found}.items():
        kept = entry[5]
        if type(kept) is tuple:  # kept from the file read at the start (if it is still whole)
            start, size, checksum = kept
            kept = bytes(memoryview(_modules_blob)[_modules_base + start : _modules_base + start + size])
            if len(kept) != size or zlib.crc32(kept) != checksum:
                continue
        entries[name] = (*entry[:5], (position, len(kept), zlib.crc32(kept)))
        codes.append(kept)
        position += len(kept)
    index = marshal.dumps(((_MODULES_FORMAT, sys.version, sys.flags.optimize, _finders_signature()), entries))
    head = zlib.crc32(index).to_bytes(4, "little") + len(index).to_bytes(4, "little") + index
    from .paths import write_atomically

    write_atomically(target, b"".join((head, *codes)))


def _stat_now(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None
