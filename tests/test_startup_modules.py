"""The command keeps the code of oopslint's modules in one cache file and
imports them from it on the next start: used only while the module's source,
the folders searched and the import system are unchanged; a damaged or
foreign file is passed over and rewritten, never trusted and never a crash."""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from oopslint_testing import CORPUS, ROOT

EMAIL = CORPUS / "postmark" / "receipt.source.html"

# runs the command as its console script does, then says which modules came from the kept code
_AS_COMMAND = """
import sys
sys.argv = ["oopslint", "check", "--offline", "--format", "json", sys.argv[1]]
from oopslint import _startup
from oopslint.cli import main
code = main()
_startup.save()
import oopslint.engine, oopslint.rules
assert oopslint.rules.__path__ == oopslint.rules.__spec__.submodule_search_locations
assert oopslint.engine.__cached__ and oopslint.engine.__file__.endswith("engine.py")
sys.stderr.write(f"SERVED {len(_startup._modules_served)}\\n")
"""


def _as_command(cache: Path) -> tuple[subprocess.CompletedProcess[str], int]:
    result = subprocess.run(
        [sys.executable, "-c", _AS_COMMAND, str(EMAIL)],
        cwd=ROOT,
        env={**os.environ, "OOPSLINT_CACHE_DIR": str(cache)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    line = next(x for x in result.stderr.splitlines() if x.startswith("SERVED "))
    return result, int(line.split()[1])


def _kept_file(cache: Path) -> Path:
    (found,) = (cache / "code").glob("modules-*.marshal")
    return found


def test_the_command_imports_its_modules_from_the_kept_code_and_reports_the_same(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first, served_first = _as_command(cache)
    assert served_first == 0 and json.loads(first.stdout)["files"][0]["findings"]
    kept = _kept_file(cache)
    written = kept.stat().st_mtime_ns
    second, served_second = _as_command(cache)
    assert served_second > 100  # the rules' modules and oopslint's own
    assert second.stdout == first.stdout and second.returncode == first.returncode
    assert kept.stat().st_mtime_ns == written  # nothing new: not written again
    # a program importing oopslint imports as Python always does
    library = subprocess.run(
        [
            sys.executable,
            "-c",
            "import oopslint, oopslint._startup as s, sys\nprint(s._KeptCodeFinder in sys.meta_path)",
        ],
        cwd=ROOT,
        env={**os.environ, "OOPSLINT_CACHE_DIR": str(cache)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert library.stdout.strip() == "False", library.stderr


def _read(kept: bytes) -> tuple[tuple, dict, bytes]:
    """The header, the index and the code area of a kept-code file."""
    size = int.from_bytes(kept[4:8], "little")
    header, entries = marshal.loads(kept[8 : 8 + size])
    return header, entries, kept[8 + size :]


def _signed(header: tuple, entries: dict, codes: bytes) -> bytes:
    index = marshal.dumps((header, entries))
    return zlib.crc32(index).to_bytes(4, "little") + len(index).to_bytes(4, "little") + index + codes


@pytest.mark.parametrize(
    "damage", ["checksum", "truncated", "garbage", "another-python", "bad-entry", "damaged-code", "not-code"]
)
def test_a_damaged_module_file_is_ignored_and_rewritten(tmp_path: Path, damage: str) -> None:
    cache = tmp_path / "cache"
    expected, _ = _as_command(cache)
    kept = _kept_file(cache)
    good = kept.read_bytes()
    header, entries, codes = _read(good)
    engine = entries["oopslint.engine"]
    start, size, checksum = engine[5]

    if damage == "checksum":
        damaged = good[:20] + bytes([good[20] ^ 0xFF]) + good[21:]
    elif damage == "truncated":
        damaged = good[: len(good) // 3]
    elif damage == "garbage":
        damaged = b"\x01\x02\x03\x04 not a module file"
    elif damage == "another-python":
        damaged = _signed((header[0], "2.7.18", *header[2:]), entries, codes)
    elif damage == "bad-entry":  # an entry of the wrong shape under a valid checksum: imported as usual
        damaged = _signed(header, {**entries, "oopslint.engine": ("not", "an", "entry")}, codes)
    elif damage == "damaged-code":  # one flipped byte in the engine's code: its checksum refuses it
        flipped = codes[:start] + bytes([codes[start] ^ 0xFF]) + codes[start + 1 :]
        damaged = _signed(header, entries, flipped)
    else:  # something that is not a module's code, under a valid checksum: imported as usual
        other = marshal.dumps(42)
        moved = (*engine[:5], (len(codes), len(other), zlib.crc32(other)))
        damaged = _signed(header, {**entries, "oopslint.engine": moved}, codes + other)
    kept.write_bytes(damaged)
    result, served = _as_command(cache)
    assert (result.returncode, result.stdout) == (expected.returncode, expected.stdout)
    rewritten = _read(kept.read_bytes())
    if damage in ("bad-entry", "damaged-code", "not-code"):
        assert served > 100
        assert len(rewritten[1]["oopslint.engine"]) == 6  # the engine found again, and kept again
    elif damage == "truncated":  # the index is whole: the modules whose code is whole are used
        assert 0 < served < 100
    else:
        assert served == 0
        assert rewritten[0] == header  # rewritten whole
    assert _as_command(cache)[1] > 100  # and the next start reads it whole


def test_kept_code_is_used_only_while_the_source_and_its_folder_are_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    import oopslint
    from oopslint import _startup

    folder = tmp_path / "plugin"
    folder.mkdir()
    source = folder / "probe.py"
    source.write_text("ANSWER = 'from the source'\n")
    name = "oopslint._kept_code_probe"
    searched = tuple(oopslint.__path__)
    folders = tuple((path, os.stat(path).st_mtime_ns) for path in (*searched, str(folder)))
    stat = os.stat(source)
    kept = marshal.dumps(compile("ANSWER = 'kept'\n", str(source), "exec"))
    monkeypatch.setattr(
        _startup, "_modules", {name: (searched, folders, str(source), (stat.st_mtime_ns, stat.st_size), (), kept)}
    )
    monkeypatch.setattr(_startup, "_dir_stats", {})
    monkeypatch.setattr(_startup, "_modules_served", set())
    monkeypatch.setattr(_startup, "_KeptCodeLoader", _startup._kept_code_loader())
    monkeypatch.setattr(sys, "meta_path", [_startup._KeptCodeFinder, *sys.meta_path])

    def fresh_import() -> str:
        sys.modules.pop(name, None)
        importlib.invalidate_caches()
        _startup._dir_stats.clear()
        answer = importlib.import_module(name).ANSWER
        sys.modules.pop(name, None)
        return answer

    assert fresh_import() == "kept"  # everything as it was kept
    assert name in _startup._modules_served

    source.write_text("ANSWER = 'edited, and longer'\n")  # the source changed: not from the kept code
    with pytest.raises(ModuleNotFoundError):  # (the usual finders do not know this folder)
        fresh_import()

    source.write_text("ANSWER = 'from the source'\n")
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert fresh_import() == "kept"
    (folder / "probe").mkdir()  # a package that would now be found first: the folder changed
    with pytest.raises(ModuleNotFoundError):
        fresh_import()
