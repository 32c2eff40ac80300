"""Helpers shared by the engine tests: paths, and the command line."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "fixtures" / "corpus"
FIXTURES = ROOT / "fixtures"


def run_cli(
    *args: str,
    cwd: Path | None = None,
    stdin: bytes | None = None,
    env: dict | None = None,
    timeout: float = 120,
    subprocess_: bool = False,
) -> subprocess.CompletedProcess:
    """Run ``oopslint ARGS`` and capture its exit code, stdout and stderr (bytes).

    The command runs in this process (``oopslint.cli.main``), which is what
    most tests check and costs no interpreter start. It runs as a real
    ``python -m oopslint`` process when ``subprocess_`` is set or ``env``
    changes ``PYTHONPATH`` (a plugin installed for that run only)."""
    full_env = dict(os.environ)
    full_env.pop("FORCE_COLOR", None)
    full_env["NO_COLOR"] = "1"
    full_env.setdefault("OOPSLINT_CACHE_DIR", str(Path(cwd or ROOT) / ".oopslint-cache"))
    if env:
        full_env.update(env)
    if subprocess_ or (env and "PYTHONPATH" in env):
        return subprocess.run(
            [sys.executable, "-m", "oopslint", *args],
            cwd=cwd or ROOT,
            input=stdin,
            capture_output=True,
            env=full_env,
            timeout=timeout,
        )
    return _run_in_process(list(args), cwd or ROOT, stdin or b"", full_env)


@contextlib.contextmanager
def _environment(env: dict[str, str], cwd: Path) -> Iterator[None]:
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def _run_in_process(args: list[str], cwd: Path, stdin: bytes, env: dict[str, str]) -> subprocess.CompletedProcess:
    from oopslint.cli import main

    out, err = io.BytesIO(), io.BytesIO()
    streams = (sys.stdin, sys.stdout, sys.stderr)
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", newline="")
    sys.stderr = io.TextIOWrapper(err, encoding="utf-8", newline="")
    try:
        with _environment(env, cwd):
            try:
                code = main(args)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        sys.stdout.flush()
        sys.stderr.flush()
        return subprocess.CompletedProcess(["oopslint", *args], code, out.getvalue(), err.getvalue())
    finally:
        sys.stdin, sys.stdout, sys.stderr = streams


#: Engine codes that mean the input was not (fully) read: a test that finds no
#: rule finding in such a report has checked nothing.
UNREAD_CODES = ("OOPS003", "OOPS004")


def assert_read(report: Any, *, allow: tuple[str, ...] = ()) -> Any:
    """Fail loudly when an input of ``report`` could not be read (OOPS004) or was
    read with undecodable bytes (OOPS003), unless the test ``allow``s that code."""
    unread = [
        f"{f.path}: {f.code} {f.message}" for f in report.findings if f.code in UNREAD_CODES and f.code not in allow
    ]
    assert not unread, "the input was not read: " + "; ".join(unread)
    return report


def readable_alert() -> str:
    """Mailgun's real alert email with its low-contrast colours (CTR001 errors) made
    readable: an email with no error-level finding, for tests of passing runs."""
    html = (CORPUS / "mailgun" / "alert.source.html").read_text(encoding="utf-8")
    for low, readable in (("#FF9F00", "#A86800"), ("#348eda", "#247AC4"), ("#999;", "#707070;")):
        assert low in html, f"the corpus alert changed: {low} is gone"
        html = html.replace(low, readable)
    return html
