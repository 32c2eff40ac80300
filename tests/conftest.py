"""Shared test helpers: the real-email corpus, the CLI as a subprocess, tiny rule registries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
FIXTURES = ROOT / "fixtures"


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the real-email corpus is not at {CORPUS}")
    return CORPUS


def run_cli(*args: str, cwd: Path | None = None, stdin: bytes | None = None, env: dict | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -m oopslint ARGS`` the way a user would, and capture its output."""
    full_env = dict(os.environ)
    full_env.pop("FORCE_COLOR", None)
    full_env["NO_COLOR"] = "1"
    full_env.setdefault("OOPSLINT_CACHE_DIR", str(Path(cwd or ROOT) / ".oopslint-cache"))
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "oopslint", *args],
        cwd=cwd or ROOT,
        input=stdin,
        capture_output=True,
        env=full_env,
        timeout=timeout,
    )


@pytest.fixture
def cli():
    return run_cli
