"""The link-check progress bar as a user meets it: ``oopslint check`` with its
stderr on a real terminal (a pty), with ``--quiet``, and piped."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

from .linkserver import Reply, page

BAR = b"oopslint: checking links ["
CONFIG = 'select = ["LNK001"]\n[http]\nallow_private = true\ntimeout = 30.0\ndns_probe_hosts = ["localhost"]\n'


def _email(tmp_path, server) -> str:
    urls = [server.route(f"/product/{n}", Reply(200)) for n in range(11)]
    urls.append(server.route("/gone", Reply(404)))
    email = tmp_path / "sale.html"
    email.write_text(page(*urls))
    (tmp_path / "oopslint.toml").write_text(CONFIG)
    return str(email)


def _env(tmp_path) -> dict[str, str]:
    env = {**os.environ, "TERM": "xterm-256color", "NO_COLOR": "1", "OOPSLINT_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("FORCE_COLOR", None)
    return env


def run_with_stderr_on_a_terminal(tmp_path, *args: str) -> tuple[int, bytes, bytes]:
    """Exit code, stdout (a pipe) and what the terminal on stderr received."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "oopslint", *args],
        cwd=tmp_path,
        env=_env(tmp_path),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    terminal = b""
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer of the terminal has closed it
                break
            if not data:
                break
            terminal += data
        stdout = process.stdout.read() if process.stdout else b""
        return process.wait(30), stdout, terminal
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_bar_is_drawn_on_a_terminal_and_cleared(tmp_path, server):
    email = _email(tmp_path, server)
    code, stdout, terminal = run_with_stderr_on_a_terminal(tmp_path, "check", email, "--no-cache")
    assert code == 1, terminal
    assert BAR in terminal and b"12/12" in terminal
    assert terminal.rfind(b"\r\x1b[K") > terminal.rfind(BAR)  # the line is cleared afterwards
    assert b"LNK001" in stdout and b"/gone" in stdout


def test_quiet_switches_the_bar_off_and_keeps_the_findings(tmp_path, server):
    email = _email(tmp_path, server)
    code, stdout, terminal = run_with_stderr_on_a_terminal(tmp_path, "check", email, "--no-cache", "--quiet")
    assert code == 1, terminal
    assert BAR not in terminal and b"\r" not in terminal
    assert b"LNK001" in stdout and b"/gone" in stdout
    assert server.hits("/gone") >= 1  # the links were checked, only silently


def test_no_bar_when_stderr_is_piped(tmp_path, server):
    email = _email(tmp_path, server)
    result = subprocess.run(
        [sys.executable, "-m", "oopslint", "check", email, "--no-cache"],
        cwd=tmp_path,
        env=_env(tmp_path),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert BAR not in result.stderr and b"\r" not in result.stderr
    assert b"LNK001" in result.stdout
