"""The progress bar: drawn on stderr when it is a terminal, never when piped or with --quiet."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from oopslint._progress import ProgressBar

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "fixtures" / "triggers" / "postmark" / "shipped.html"
CORPUS = ROOT / "fixtures" / "corpus"
sys.path.insert(0, str(ROOT / "fixtures" / "triggers"))
from make_batch import write_rows  # noqa: E402


def run_on_terminal(
    *args: str, cwd: Path = ROOT, stdin_parts: tuple[bytes, ...] = (), pause: float = 0.0
) -> tuple[int, bytes, bytes]:
    """``oopslint ARGS`` with stderr on a pseudo-terminal and stdout on a pipe.

    ``stdin_parts`` are written to the command's stdin one after another,
    ``pause`` seconds apart, so a run lasts at least as long as the pauses
    however fast the machine is."""
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "NO_COLOR": "1"}
    env.setdefault("OOPSLINT_CACHE_DIR", str(cwd / ".oopslint-cache"))
    process = subprocess.Popen(
        [sys.executable, "-m", "oopslint", *args],
        stdin=subprocess.PIPE if stdin_parts else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
        cwd=cwd,
        env=env,
    )
    os.close(follower)

    def feed_stdin() -> None:
        assert process.stdin is not None
        try:
            for number, part in enumerate(stdin_parts):
                if number:
                    time.sleep(pause)
                process.stdin.write(part)
                process.stdin.flush()
        finally:
            process.stdin.close()

    feeder = threading.Thread(target=feed_stdin) if stdin_parts else None
    if feeder is not None:
        feeder.start()
    received = bytearray()

    def read_terminal() -> None:
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO once the child has closed the terminal
                return
            if not data:
                return
            received.extend(data)

    reader = threading.Thread(target=read_terminal)
    reader.start()
    stdout = process.stdout.read() if process.stdout is not None else b""
    process.wait(timeout=300)
    if feeder is not None:
        feeder.join(timeout=10)
    reader.join(timeout=10)
    os.close(leader)
    return process.returncode, stdout, bytes(received)


@pytest.fixture(scope="module")
def rows(tmp_path_factory) -> Path:
    return write_rows(tmp_path_factory.mktemp("progress") / "rows.jsonl", 12_000)


def test_batch_draws_rows_and_rate_on_a_terminal_and_keeps_stdout_json(rows: Path) -> None:
    # Rows stream in on stdin with a pause in the middle: the bar waits half a
    # second before it draws, and a fast machine checks 12,000 rows in less.
    lines = rows.read_bytes().splitlines(keepends=True)
    halves = (b"".join(lines[:6000]), b"".join(lines[6000:]))
    code, stdout, terminal = run_on_terminal(
        "batch",
        str(SHIPPED),
        "--offline",
        "--format",
        "json",
        "--contexts",
        "-",
        "--contexts-format",
        "jsonl",
        "--jobs",
        "1",
        stdin_parts=halves,
        pause=1.0,
    )
    assert code == 1
    assert json.loads(stdout)["batch"]["rows"] == 12_000
    assert b"oopslint: checking rows " in terminal and b"rows/s)" in terminal
    assert terminal.endswith(b"\r\x1b[K"), "the bar's line is wiped at the end"


def test_batch_draws_nothing_with_quiet_on_a_terminal(rows: Path) -> None:
    code, stdout, terminal = run_on_terminal(
        "batch", str(SHIPPED), "--offline", "--quiet", "--format", "json", "--contexts", str(rows), "--jobs", "2"
    )
    assert code == 1 and json.loads(stdout)["batch"]["rows"] == 12_000
    assert b"checking rows" not in terminal


def test_batch_draws_nothing_when_stderr_is_a_pipe(rows: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "oopslint", "batch", str(SHIPPED), "--offline", "--contexts", str(rows)],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "TERM": "xterm"},
        timeout=300,
    )
    assert result.returncode == 1 and b"Batch: 12,000 rows" in result.stdout
    assert b"checking rows" not in result.stderr and b"checking rows" not in result.stdout


def test_check_over_many_files_draws_a_bar_with_the_file_count(tmp_path: Path) -> None:
    # Four distinct copies of each corpus email, so the run outlasts the bar's
    # half-second wait even on a machine several times faster than CI's.
    originals = sorted(CORPUS.rglob("*.html"))
    assert len(originals) >= 20, "the corpus fixtures are missing"
    files = []
    for copy in range(4):
        for original in originals:
            target = tmp_path / f"{copy}-{original.parent.name}-{original.name}"
            target.write_bytes(original.read_bytes() + f"\n<!-- copy {copy} -->\n".encode())
            files.append(str(target))
    code, stdout, terminal = run_on_terminal("check", "--offline", "--format", "json", *files)
    report = json.loads(stdout)
    assert len(report["files"]) == len(files)
    assert f"/{len(files)}".encode() in terminal and b"oopslint: checking files [" in terminal
    code_quiet, stdout_quiet, terminal_quiet = run_on_terminal(
        "check", "--offline", "--quiet", "--format", "json", *files
    )
    assert b"checking files" not in terminal_quiet
    assert json.loads(stdout_quiet) == report and code_quiet == code


def test_the_bar_itself_shows_count_and_rate_without_a_total_and_nothing_off_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    bar = ProgressBar("checking rows", unit="rows", stream=screen, threshold=0, interval=0)
    bar.update(2048)
    assert "oopslint: checking rows 2,048 rows (" in screen.getvalue()
    bar.close()
    assert screen.getvalue().endswith("\r\x1b[K")
    piped = io.StringIO()
    quiet_bar = ProgressBar("checking files", total=3, stream=piped, threshold=0, interval=0)
    quiet_bar.advance(2)
    quiet_bar.close()
    assert piped.getvalue() == ""
    with ProgressBar("checking files", total=4, stream=screen, threshold=0, interval=0) as counted:
        counted.advance(2)
    assert "[############------------] 2/4" in screen.getvalue()
