"""oopslint's cache folder does not grow without end: a cache file left by an
older oopslint, data file or Python is removed once unused for a month, when
a new one is written beside it; nothing else is touched."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from oopslint_testing import ROOT

from oopslint import paths

MONTH_AND_MORE = (paths.STALE_AFTER_DAYS + 5) * 86400


def _aged(path: Path, seconds: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(b"cache")
    when = time.time() - seconds
    os.utime(path, (when, when))
    return path


def test_writing_a_cache_file_removes_the_stale_ones_beside_it_and_keeps_the_rest(tmp_path, monkeypatch):
    monkeypatch.setenv("OOPSLINT_CACHE_DIR", str(tmp_path))
    folder = tmp_path / "spelling"
    old_version = _aged(folder / "en-650750-1795969635-v3.marshal", MONTH_AND_MORE)
    old_format = _aged(folder / "en-650750-1795969635-t0.words", MONTH_AND_MORE)
    unfinished = _aged(folder / "en-650750-1795969635-t1.wordsab12.tmp", MONTH_AND_MORE)
    in_use = _aged(folder / "de-1075650-1795985137-t1.words", 2 * 86400)
    read_lately = _aged(folder / "fr-1-1-t1.words", MONTH_AND_MORE)
    os.utime(read_lately, (time.time() - 3600, time.time() - MONTH_AND_MORE))  # read an hour ago
    inner = folder / "kept-folder"
    inner.mkdir()
    root_file = _aged(tmp_path / "links.sqlite3", MONTH_AND_MORE)

    written = folder / "en-650750-1795969999-t1.words"
    paths.write_atomically(written, b"new table")

    assert written.read_bytes() == b"new table"
    assert not old_version.exists() and not old_format.exists() and not unfinished.exists()
    assert in_use.exists() and read_lately.exists() and inner.is_dir()
    assert root_file.exists()  # the cache folder's own files are never removed


def test_nothing_is_removed_outside_oopslints_cache_subfolders(tmp_path, monkeypatch):
    monkeypatch.setenv("OOPSLINT_CACHE_DIR", str(tmp_path / "cache"))
    elsewhere = tmp_path / "project"
    old = _aged(elsewhere / "notes.txt", MONTH_AND_MORE)
    paths.write_atomically(elsewhere / "written.bin", b"x")
    assert old.exists()
    at_root = _aged(tmp_path / "cache" / "guard.sqlite3", MONTH_AND_MORE)
    paths.write_atomically(tmp_path / "cache" / "written.bin", b"x")
    assert at_root.exists()


def test_a_check_with_old_caches_removes_them_and_reports_the_same(tmp_path):
    cache = tmp_path / "cache"
    stale = [
        _aged(cache / "spelling" / "en-1-1-v1.marshal", MONTH_AND_MORE),
        _aged(cache / "clients" / "caniemail-1-1-v1.marshal", MONTH_AND_MORE),
    ]
    links = _aged(cache / "links.sqlite3", MONTH_AND_MORE)
    email = ROOT / "fixtures" / "corpus" / "postmark" / "receipt.source.html"
    env = {**os.environ, "OOPSLINT_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "oopslint", "check", "--offline", "--no-cache", "--format", "json", str(email)]
    first = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert first.returncode in (0, 1), first.stderr
    assert not any(path.exists() for path in stale)
    assert links.exists()
    assert any((cache / "spelling").iterdir()) and any((cache / "clients").iterdir())
    again = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert again.returncode == first.returncode and again.stdout == first.stdout
