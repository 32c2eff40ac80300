"""What a cold start keeps in the cache folder: the entry points of the installed
distributions and the programs of compiled regular expressions. Each is used
only while what it was made from is unchanged, and a damaged or foreign file
is passed over and rewritten, never trusted and never a crash."""

from __future__ import annotations

import importlib
import json
import marshal
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from oopslint_testing import CORPUS, ROOT
from test_plugins import install_plugin

from oopslint import registry

EMAIL = CORPUS / "postmark" / "receipt.source.html"


def _scan_files(cache: Path) -> list[Path]:
    return sorted((cache / "registry").glob("entry-points-*.marshal"))


def _names(group: str = registry.ENTRY_POINT_GROUP) -> list[tuple[str, str]]:
    return sorted((ep.name, ep.value) for ep in registry.entry_points(group))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("OOPSLINT_CACHE_DIR", str(folder))
    return folder


def test_the_cached_scan_is_what_importlib_metadata_finds(cache: Path) -> None:
    from importlib import metadata

    expected = sorted((ep.name, ep.value) for ep in metadata.entry_points(group=registry.ENTRY_POINT_GROUP))
    assert _names() == expected  # scanned, then written
    assert len(_scan_files(cache)) == 1
    assert _names() == expected  # read back
    assert ("links", "oopslint.rules.links:RULES") in expected


def test_a_plugin_installed_or_removed_after_the_scan_was_kept_is_seen(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    before = _names()
    assert not [name for name, _ in before if name == "acme"]

    install_plugin(site)
    importlib.invalidate_caches()
    assert ("acme", "acme_oopslint") in _names()

    # an upgrade that adds an entry point rewrites entry_points.txt in place
    entry_points = site / "acme_oopslint-1.0.dist-info" / "entry_points.txt"
    entry_points.write_text("[oopslint.rules]\nacme = acme_oopslint\nacme_extra = acme_oopslint\n")
    assert {("acme", "acme_oopslint"), ("acme_extra", "acme_oopslint")} <= set(_names())

    shutil.rmtree(site / "acme_oopslint-1.0.dist-info")
    assert _names() == before


def test_the_command_lists_a_plugin_installed_after_a_run_kept_the_scan(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    env = {
        **os.environ,
        "OOPSLINT_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
    }

    def rules() -> str:
        result = subprocess.run(
            [sys.executable, "-m", "oopslint", "rules"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "ACME001" not in rules()
    assert _scan_files(tmp_path / "cache")
    install_plugin(site)
    assert "ACME001  no-shouting-subject" in rules()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "wrong-shape", "another-group"])
def test_a_damaged_scan_file_is_scanned_past_and_rewritten(cache: Path, damage: str) -> None:
    expected = _names()
    (kept,) = _scan_files(cache)
    good = kept.read_bytes()
    damaged = {
        "garbage": b"\x00\xffnot marshal at all",
        "truncated": good[: len(good) // 2],
        "empty": b"",
        "wrong-shape": marshal.dumps((1, "oopslint.rules", None, [("links", 3)])),
        "another-group": marshal.dumps(("x",) + marshal.loads(good)[1:]),
    }[damage]
    kept.write_bytes(damaged)
    assert _names() == expected
    assert marshal.loads(kept.read_bytes()) == marshal.loads(good)  # rewritten


def test_with_a_finder_that_finds_distributions_elsewhere_every_start_scans(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importlib import metadata

    class DistributionsFromADatabase:
        """Supplies distributions from somewhere the kept scan cannot compare against."""

        def find_spec(self, *args: object) -> None:
            return None

        def find_distributions(self, context: object = None) -> list[object]:
            return []

    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, DistributionsFromADatabase()])
    expected = sorted((ep.name, ep.value) for ep in metadata.entry_points(group=registry.ENTRY_POINT_GROUP))
    assert _names() == expected
    assert _scan_files(cache) == []


def test_an_entry_point_loads_as_importlib_metadata_loads_it() -> None:
    entry = registry.EntryPoint("links", "oopslint.rules.links:RULES", registry.ENTRY_POINT_GROUP)
    from oopslint.rules.links import RULES

    assert entry.load() is RULES and entry.module == "oopslint.rules.links" and entry.attr == "RULES"
    whole_module = registry.EntryPoint("acme", "oopslint.rules.links", registry.ENTRY_POINT_GROUP)
    assert whole_module.load() is sys.modules["oopslint.rules.links"] and whole_module.attr is None
    with pytest.raises(ValueError):
        registry.EntryPoint("bad", "not a module", registry.ENTRY_POINT_GROUP).load()


# ------------------------------------------------------------------ compiled patterns


def _python(cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """This Python run with ``args`` in the repository, with ``cache`` as oopslint's cache folder."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, "OOPSLINT_CACHE_DIR": str(cache)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _check(cache: Path) -> subprocess.CompletedProcess[str]:
    return _python(cache, "-m", "oopslint", "check", "--offline", "--format", "json", str(EMAIL))


def _pattern_file(cache: Path) -> Path:
    (found,) = (cache / "regex").glob("patterns-*.marshal")
    return found


def test_the_command_keeps_compiled_patterns_and_reports_the_same_with_them(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = _check(cache)
    assert first.returncode == 1 and json.loads(first.stdout)["files"][0]["findings"], first.stderr
    kept = _pattern_file(cache)
    size = kept.stat().st_size
    second = _check(cache)
    assert (second.returncode, second.stdout, second.stderr) == (first.returncode, first.stdout, first.stderr)
    assert kept.stat().st_size == size


@pytest.mark.parametrize("damage", ["checksum", "truncated", "garbage", "another-python", "bad-program"])
def test_a_damaged_pattern_file_is_ignored_and_rewritten(tmp_path: Path, damage: str) -> None:
    import zlib

    cache = tmp_path / "cache"
    expected = _check(cache)
    kept = _pattern_file(cache)
    good = kept.read_bytes()
    header, entries = marshal.loads(good[4:])

    def signed(payload: bytes) -> bytes:
        return zlib.crc32(payload).to_bytes(4, "little") + payload

    if damage == "checksum":
        damaged = good[:-1] + bytes([good[-1] ^ 0xFF])
    elif damage == "truncated":
        damaged = good[: len(good) // 3]
    elif damage == "garbage":
        damaged = b"\x01\x02\x03\x04 not a pattern file"
    elif damage == "another-python":
        damaged = signed(marshal.dumps(((header[0], "2.7.18", header[2]), entries)))
    else:  # a program _sre refuses, under a valid checksum: that pattern is compiled as usual
        pattern, flags, final_flags, code, groups, groupindex, indexgroup = entries[0]
        broken = [pattern, flags, final_flags, [999_999] * len(code), groups, groupindex, indexgroup]
        damaged = signed(marshal.dumps((header, [tuple(broken), *entries[1:]])))
    kept.write_bytes(damaged)
    result = _check(cache)
    assert (result.returncode, result.stdout) == (expected.returncode, expected.stdout)
    assert "Traceback" not in result.stderr
    if damage != "bad-program":
        assert marshal.loads(kept.read_bytes()[4:])[0] == header  # rewritten whole


def test_kept_programs_equal_what_re_compiles(tmp_path: Path) -> None:
    _check(tmp_path / "cache")
    code = (
        "import re, sys\n"
        "from re import _compiler\n"
        "sys.orig_argv = [sys.executable, '-m', 'oopslint']\n"
        "import oopslint._startup as startup  # as the command: oopslint loads the kept patterns\n"
        "assert len(startup._known) > 100, len(startup._known)\n"
        "for (kind, pattern, flags) in startup._known:\n"
        "    fresh = _compiler.compile(pattern, flags)\n"
        "    kept = re._cache[kind, pattern, flags]\n"
        "    assert kept == fresh and kept.groupindex == fresh.groupindex and kept.groups == fresh.groups, pattern\n"
        "print('OK', len(startup._known))\n"
    )
    result = _python(tmp_path / "cache", "-c", code)
    assert result.returncode == 0 and result.stdout.startswith("OK"), result.stderr


def test_a_program_importing_oopslint_keeps_its_re_cache_and_collector(tmp_path: Path) -> None:
    _check(tmp_path / "cache")
    code = (
        "import gc, re\n"
        "size = len(re._cache)\n"
        "import oopslint, oopslint._startup as startup\n"
        "assert not startup.started_as_command() and not startup._known and gc.isenabled()\n"
        "print('OK')\n"
    )
    result = _python(tmp_path / "cache", "-c", code)
    assert result.returncode == 0 and result.stdout.strip() == "OK", result.stderr
