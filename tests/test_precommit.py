"""The pre-commit hooks, run by real pre-commit against a throwaway repository of templates.

pre-commit installs oopslint into its own environment with pip; the test
points pip at the wheelhouse `.ci/run` builds (``.wheelhouse/``), so nothing
is fetched from a package index.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from oopslint_testing import FIXTURES, ROOT, readable_alert

from oopslint.paths import LINTABLE_EXTENSIONS

WHEELHOUSE = ROOT / ".wheelhouse"
HOOKS = ROOT / ".pre-commit-hooks.yaml"


def test_hooks_cover_every_lintable_extension():
    hooks = {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text())}
    assert set(hooks) == {"oopslint", "oopslint-links"}
    assert "--offline" in hooks["oopslint"]["entry"] and "--offline" not in hooks["oopslint-links"]["entry"]
    for hook in hooks.values():
        pattern = re.compile(hook["files"])
        for extension in LINTABLE_EXTENSIONS:
            assert pattern.search("emails/welcome" + extension), (hook["id"], extension)
        assert not pattern.search("README.md") and not pattern.search("styles.css")


def _needs(condition: bool, reason: str) -> None:
    if not condition:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI must provide it: see .ci/run)")
        pytest.skip(reason)


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_pre_commit_try_repo_fails_a_bad_template_and_passes_a_good_one(tmp_path):
    _needs(shutil.which("git") is not None, "git is not installed")
    _needs(
        WHEELHOUSE.is_dir() and any(WHEELHOUSE.glob("lxml-*.whl")),
        "no wheelhouse: build it with `pip wheel -w .wheelhouse . setuptools`",
    )
    _needs((ROOT / ".git").exists(), "the project is not a git checkout")
    repo = tmp_path / "templates"
    repo.mkdir()
    (repo / "alert.html").write_text(readable_alert(), encoding="utf-8")
    shutil.copy(FIXTURES / "template" / "leemunroe" / "newsletter.test-marker.html", repo / "newsletter.html")
    env = {
        **os.environ,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(WHEELHOUSE),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "NO_COLOR": "1",
        "OOPSLINT_CACHE_DIR": str(tmp_path / "cache"),
    }
    _git("init", "-q", cwd=repo)
    _git("add", ".", cwd=repo)

    def try_repo(*files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "oopslint", "--files", *files],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    good = try_repo("alert.html")
    assert good.returncode == 0, good.stdout + good.stderr
    assert re.search(r"oopslint\.+Passed", good.stdout)

    bad = try_repo("newsletter.html")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert re.search(r"oopslint\.+Failed", bad.stdout)
    assert "newsletter.html:" in bad.stdout and "TPL003" in bad.stdout
