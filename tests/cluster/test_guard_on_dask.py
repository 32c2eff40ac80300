"""``oopslint batch --guard URL [--claim] --scheduler ADDRESS``: the send guard's
look-ups and claims run on the Dask workers, against a real redis-server on
127.0.0.1, and report what a local run reports. A sqlite:// ledger is a file
on one machine: it is refused when a worker runs elsewhere."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from distributed import Client
from guard.redisserver import RedisServer, free_port, redis_server_missing_message, running_in_ci
from oopslint_testing import CORPUS, run_cli

import oopslint.batch.dask_backend as dask_backend
from oopslint import SendGuard

NEWSLETTER = CORPUS / "leemunroe" / "email.inlined.html"
CAMPAIGN = "2026-11-newsletter"


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    if shutil.which("redis-server") is None:
        if running_in_ci():
            pytest.fail(redis_server_missing_message() + "; CI must install it")
        pytest.skip(redis_server_missing_message())
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


def write_rows(path: Path, count: int) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for number in range(1, count + 1):
            row = {
                "id": f"r{number}",
                "category": "marketing",
                "recipient": {"email": f"reader{number}@example.com"},
                "campaign": {"id": CAMPAIGN},
            }
            handle.write(json.dumps(row) + "\n")
    return path


def already_sent(url: str, numbers: list[int]) -> None:
    guard = SendGuard(url, config={})
    try:
        for number in numbers:
            with guard.claim(f"recipient_email=reader{number}@example.com|campaign_id={CAMPAIGN}"):
                pass
    finally:
        guard.close()


def guarded_batch(rows: Path, url: str, *extra: str, cwd: Path | None = None):
    return run_cli(
        "batch", str(NEWSLETTER), "--contexts", str(rows), "--offline", "--select", "DUP",
        "--guard", url, "--claim", "--format", "json", *extra, cwd=cwd,
    )  # fmt: skip


def test_guard_claims_on_the_workers_and_reports_as_locally(client, redis_server, tmp_path, monkeypatch):
    redis_server.flush()
    rows = write_rows(tmp_path / "rows.jsonl", 300)
    local_url = redis_server.url[: -len("/0")] + "/1"
    dask_url = redis_server.url
    for url in (local_url, dask_url):
        already_sent(url, [7, 150, 151, 299])
    monkeypatch.setattr(dask_backend, "PARTITION_ROWS", 40)
    local = guarded_batch(rows, local_url)
    on_dask = guarded_batch(rows, dask_url, "--scheduler", client.scheduler.address)
    assert on_dask.returncode == local.returncode == 1, on_dask.stderr.decode()
    local_data, dask_data = json.loads(local.stdout), json.loads(on_dask.stdout)
    for data in (local_data, dask_data):
        data["batch"].pop("seconds")
        data["batch"].pop("rows_per_second")
        for name in ("url", "first_sent", "last_sent"):
            data["guard"].pop(name)
        for finding in data["files"][0]["findings"]:
            finding["data"].pop("url", None)
            for name in ("first_sent", "last_sent"):
                finding["data"].pop(name)
    assert dask_data == local_data
    guard = dask_data["guard"]
    assert (guard["rows"], guard["already_sent"], guard["claimed"]) == (300, 4, 296)
    assert guard["first_rows"] == [7, 150, 151, 299]
    # the look-ups and claims ran in the worker processes, each with its own ledger connection
    assert sum(client.run(lambda: len(dask_backend._GUARDS)).values()) >= 1
    assert not dask_backend._GUARDS

    again = guarded_batch(rows, dask_url, "--scheduler", client.scheduler.address)
    assert again.returncode == 1
    guard = json.loads(again.stdout)["guard"]
    assert (guard["already_sent"], guard["claimed"]) == (300, 0)
    assert guard["first_rows"] == [1, 2, 3, 4, 5]


def test_a_sqlite_guard_works_when_every_worker_is_on_this_machine(client, tmp_path, monkeypatch):
    rows = write_rows(tmp_path / "rows.jsonl", 120)
    monkeypatch.setattr(dask_backend, "PARTITION_ROWS", 25)
    # a relative ledger path names the same file (in tmp_path) on the workers
    first = guarded_batch(rows, "sqlite:///ledger.db", "--scheduler", client.scheduler.address, cwd=tmp_path)
    assert first.returncode == 0, first.stderr.decode()
    assert json.loads(first.stdout)["guard"]["claimed"] == 120
    again = guarded_batch(rows, "sqlite:///ledger.db", cwd=tmp_path)
    assert (tmp_path / "ledger.db").exists()
    assert json.loads(again.stdout)["guard"]["already_sent"] == 120


def test_a_sqlite_guard_is_refused_when_a_worker_runs_elsewhere(tmp_path):
    """The worker listens on 127.0.0.1 but tells the scheduler it is reached at a
    documentation address (203.0.113.7), as a worker on another machine would."""
    dask_command = str(Path(sys.executable).with_name("dask"))
    port, worker_port = free_port(), free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    scheduler = subprocess.Popen(
        [dask_command, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    worker = subprocess.Popen(
        [
            dask_command, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard", "--no-nanny",
            "--listen-address", f"tcp://127.0.0.1:{worker_port}",
            "--contact-address", f"tcp://203.0.113.7:{worker_port}",
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=tmp_path,
    )  # fmt: skip
    try:
        with Client(address, timeout="30s") as connected:
            connected.wait_for_workers(1, timeout=60)
        rows = write_rows(tmp_path / "rows.jsonl", 10)
        started = time.monotonic()
        result = guarded_batch(rows, f"sqlite:///{tmp_path / 'ledger.db'}", "--scheduler", address)
        assert result.returncode == 2
        message = result.stderr.decode()
        assert "sqlite:// send guard is a file on this machine, but Dask workers run on 203.0.113.7" in message
        assert "Use a redis:// guard" in message and "Traceback" not in message
        assert time.monotonic() - started < 30
    finally:
        for process in (worker, scheduler):
            process.terminate()
        for process in (worker, scheduler):
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
