"""Helpers shared by the engine tests: paths, and the CLI as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "fixtures" / "corpus"
FIXTURES = ROOT / "fixtures"


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


#: Engine codes that mean the input was not (fully) read: a test that finds no
#: rule finding in such a report has checked nothing.
UNREAD_CODES = ("OOPS003", "OOPS004")


def assert_read(report: Any, *, allow: tuple[str, ...] = ()) -> Any:
    """Fail loudly when an input of ``report`` could not be read (OOPS004) or was
    read with undecodable bytes (OOPS003), unless the test ``allow``s that code."""
    unread = [f"{f.path}: {f.code} {f.message}" for f in report.findings
              if f.code in UNREAD_CODES and f.code not in allow]
    assert not unread, "the input was not read: " + "; ".join(unread)
    return report
