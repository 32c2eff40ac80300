"""The link-check cache under bad luck: rows it did not write, a disk it may
not write to, a CA bundle that is not one."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from oopslint import ConfigError

from .linkserver import FAST_HTTP, Reply, codes, make_linter, page

NETWORK = ("LNK001", "LNK002", "LNK003", "LNK004")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "bad_row",
    [
        "[]",
        "null",
        '"text"',
        '{"url": 5, "final_url": "x"}',
        '{"url": "u", "final_url": "u", "status": "200"}',
        "{not json",
    ],
)
def test_a_cache_row_it_did_not_write_is_a_miss_not_a_crash(tmp_path, server, bad_row):
    url = server.route("/page", Reply(200))
    assert make_linter(tmp_path, select=NETWORK, use_cache=True).lint(page(url)).findings == []
    with sqlite3.connect(tmp_path / "links.sqlite3") as db:
        assert db.execute("UPDATE link_checks SET result = ?", (bad_row,)).rowcount == 1
    report = make_linter(tmp_path, select=NETWORK, use_cache=True).lint(page(url))
    assert codes(report) == []
    assert server.hits("/page") == 2  # checked again


def _without_root_powers(command: list[str]) -> list[str]:
    """Root writes through file modes: run the check without the capabilities
    that allow it, so a 0555 folder is as read-only to it as a read-only disk."""
    if os.geteuid() != 0:
        return command
    drop = "-dac_override,-dac_read_search,-fowner"
    return ["setpriv", "--bounding-set", drop, "--inh-caps", drop, "--reuid", "0", *command]


CHILD = """
import json, sys
sys.path.insert(0, sys.argv[3])
from links.linkserver import FAST_HTTP, page
from oopslint import Linter
config = {"select": ["LNK001", "LNK002", "LNK003", "LNK004"], "http": FAST_HTTP}
report = Linter(config, cache_path=sys.argv[1]).lint(page(sys.argv[2]))
print(json.dumps([f.code for f in report.findings]))
"""


def test_a_valid_cache_on_a_read_only_disk_is_still_read(server):
    base = Path(tempfile.mkdtemp(prefix="oopslint-ro-"))
    try:
        base.chmod(0o755)
        folder = base / "cache"
        folder.mkdir()
        url = server.route("/page", Reply(200))
        linter = make_linter(base, select=NETWORK, use_cache=True)
        linter.cache_path = str(folder / "links.sqlite3")
        assert linter.lint(page(url)).findings == []
        assert server.hits("/page") == 1
        for path in folder.iterdir():
            path.chmod(0o444)
        folder.chmod(0o555)
        probe = subprocess.run(_without_root_powers(["sh", "-c", f"touch {folder}/probe"]), capture_output=True)
        assert probe.returncode != 0, "the cache folder should not be writable"
        result = subprocess.run(
            _without_root_powers(
                [sys.executable, "-c", CHILD, str(folder / "links.sqlite3"), url, str(ROOT / "tests")]
            ),
            capture_output=True,
            timeout=60,
            cwd=base,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert result.returncode == 0, result.stderr.decode()
        assert json.loads(result.stdout) == []
        assert server.hits("/page") == 1  # served from the read-only cache
        assert b"disabled" not in result.stderr
    finally:
        folder_mode = base / "cache"
        if folder_mode.exists():
            folder_mode.chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


def test_a_ca_bundle_that_is_not_pem_is_a_configuration_error(tmp_path, server, cli):
    bundle = tmp_path / "bundle.pem"
    bundle.write_text("these are not certificates\n", encoding="utf-8")
    url = server.route("/page", Reply(200))
    with pytest.raises(ConfigError) as raised:
        make_linter(tmp_path, select=NETWORK, http={"ca_bundle": str(bundle)}).lint(page(url))
    assert "ca_bundle" in str(raised.value) and "not a PEM file" in str(raised.value)
    (tmp_path / "oopslint.toml").write_text(
        f'select = ["LNK001"]\n[http]\nca_bundle = "{bundle}"\nallow_private = true\n', encoding="utf-8"
    )
    email = tmp_path / "email.html"
    email.write_text(page(url), encoding="utf-8")
    result = cli("check", str(email), cwd=tmp_path)
    assert result.returncode == 2
    assert "not a PEM file" in result.stderr.decode() and "internal error" not in result.stderr.decode()
    assert server.hits("/page") == 0


def test_a_real_ca_bundle_still_loads(tmp_path, server):
    import certifi

    url = server.route("/page", Reply(200))
    report = make_linter(tmp_path, select=NETWORK, http={"ca_bundle": certifi.where()}).lint(page(url))
    assert codes(report) == []


def test_non_finite_http_numbers_are_configuration_errors(tmp_path, server):
    url = server.route("/page", Reply(200))
    for value in (float("nan"), float("inf"), 10**400):
        with pytest.raises(ConfigError, match="timeout must be a number above 0"):
            make_linter(tmp_path, select=NETWORK, http={**FAST_HTTP, "timeout": value}).lint(page(url))
