"""Batches and many emails on a real Dask cluster: a LocalCluster of two worker
processes, and once a `dask scheduler` and a `dask worker` started as
separate processes, all on 127.0.0.1. The reports must equal the local ones."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from distributed import Client
from oopslint_testing import CORPUS, run_cli
from triggers.helpers import FIXTURES, NEWSLETTER, SHIPPED, write_rows

import oopslint.batch.dask_backend as dask_backend
from oopslint import ContextError
from oopslint.batch import lint_batch

SEND_AT = "2024-05-02T09:00:00Z"


@pytest.fixture
def small_partitions(monkeypatch):
    monkeypatch.setattr(dask_backend, "PARTITION_ROWS", 500)


@pytest.fixture(scope="module")
def migration(tmp_path_factory) -> Path:
    """The 25,000 shipping notices of the migration story (tests/triggers/test_trg_batch.py)."""
    return write_rows(tmp_path_factory.mktemp("dask") / "migration.jsonl", 25_000)


def report_json(report) -> dict:
    data = json.loads(json.dumps(report.to_dict(), default=str))
    data["batch"].pop("seconds")
    data["batch"].pop("rows_per_second")
    return data


def local_and_dask(client, template, contexts, **options) -> tuple[dict, dict]:
    options = {"select": ["TRG"], "offline": True, "send_at": SEND_AT, **options}
    local = lint_batch(template, contexts, **options)
    on_dask = lint_batch(template, contexts, client=client, **options)
    return report_json(local), report_json(on_dask)


def test_migration_report_on_dask_equals_the_local_one(client, migration, monkeypatch):
    monkeypatch.setattr(dask_backend, "PARTITION_ROWS", 5_000)
    local, on_dask = local_and_dask(client, SHIPPED, migration)
    assert on_dask == local
    batch = on_dask["batch"]
    assert (batch["rows"], batch["checked"], batch["bad_rows"]) == (25_000, 25_000, 0)
    assert batch["rules"]["TRG002"]["failed_rows"] == 12_500
    assert [r["id"] for r in batch["rules"]["TRG002"]["first_rows"]] == [
        "r000002",
        "r000004",
        "r000006",
        "r000008",
        "r000010",
    ]
    assert batch["rules"]["TRG002"]["oldest_event"].startswith("2019-01-0")
    replay = next(f for f in on_dask["files"][0]["findings"] if f["code"] == "TRG006")
    assert replay["message"].startswith("12,500 of 25,000 shipping notices (50.0%) are for stale orders")


def test_duplicates_across_partitions_are_counted_exactly(client, tmp_path, monkeypatch):
    monkeypatch.setattr(dask_backend, "PARTITION_ROWS", 100)
    rows = write_rows(tmp_path / "duplicates.jsonl", 2_000, old_share=0, duplicates=40)
    local, on_dask = local_and_dask(client, SHIPPED, rows)
    assert on_dask == local
    duplicate = next(f for f in on_dask["files"][0]["findings"] if f["code"] == "TRG007")
    assert duplicate["data"]["extra_copies"] == 40
    assert any((s["first_row"] - 1) // 100 < (s["row"] - 1) // 100 for s in duplicate["data"]["samples"])


def test_a_bad_row_in_the_middle_of_a_partition_keeps_its_number(client, tmp_path, small_partitions):
    rows = write_rows(tmp_path / "bad.jsonl", 3_000, bad=5)  # row 2,400 is broken JSON, in partition 2,001-2,500
    local, on_dask = local_and_dask(client, SHIPPED, rows, sample_size=10)
    assert on_dask == local
    bad = {sample["row"]: sample["reason"] for sample in on_dask["batch"]["bad_row_samples"]}
    assert sorted(bad) == [600, 1200, 1800, 2400, 3000]
    assert bad[2400].startswith("invalid JSON")
    assert bad[1800] == "no recipient.email: cannot check for duplicate sends"


def test_a_glob_of_partitions_numbers_rows_across_files(client, tmp_path, small_partitions):
    whole = write_rows(tmp_path / "whole.jsonl", 1_200, bad=3)
    lines = whole.read_text(encoding="utf-8").splitlines(keepends=True)
    parts = tmp_path / "parts"
    parts.mkdir()
    for index, start in enumerate(range(0, len(lines), 400)):
        (parts / f"part-{index:03d}.jsonl").write_text("".join(lines[start : start + 400]), encoding="utf-8")
    local = report_json(lint_batch(SHIPPED, whole, select=["TRG"], offline=True, send_at=SEND_AT))
    on_dask = report_json(
        lint_batch(SHIPPED, str(parts / "part-*.jsonl"), select=["TRG"], offline=True, send_at=SEND_AT, client=client)
    )
    assert on_dask["batch"]["rows"] == 1_200
    assert [b["row"] for b in on_dask["batch"]["bad_row_samples"]] == [400, 800, 1200]
    assert [b.get("line") for b in on_dask["batch"]["bad_row_samples"]] == [None, 400, 400]  # lines per file
    for report in (local, on_dask):
        report["batch"].pop("contexts")
        for sample in report["batch"]["bad_row_samples"]:
            sample.pop("line", None)
    assert on_dask["batch"] == local["batch"]


def test_parquet_and_csv_values_keep_their_text(client, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {
        "id": ["00123", "00124"],
        "send_at": [SEND_AT, SEND_AT],
        "event.type": ["shipped", "shipped"],
        "recipient.email": ["ada@example.com", "bob@example.com"],
        "order.id": ["00042", "00043"],
        "order.placed_at": ["2019-03-01T10:00:00Z", "2024-05-01T10:00:00Z"],
        "order.shipped_at": ["2024-05-01T12:00:00Z", "2024-05-01T12:00:00Z"],
    }
    pq.write_table(pa.table(columns), tmp_path / "rows.parquet")
    csv_path = tmp_path / "rows.csv"
    csv_path.write_text(
        ",".join(columns)
        + "\n"
        + "\n".join(",".join(values[i] for values in columns.values()) for i in range(2))
        + "\n",
        encoding="utf-8",
    )
    tsv_path = tmp_path / "rows.tsv"
    tsv_path.write_text(csv_path.read_text(encoding="utf-8").replace(",", "\t"), encoding="utf-8")
    for path in (tmp_path / "rows.parquet", csv_path, tsv_path):
        report = lint_batch(SHIPPED, path, select=["TRG002"], offline=True, client=client)
        assert report.batch.rows == 2 and report.batch.bad_rows == 0, report.batch.bad_samples
        assert [ref.id for ref in report.batch.rules["TRG002"].first_rows] == ["00123"]


def test_a_worker_killed_mid_run_changes_nothing(client, tmp_path, monkeypatch):
    monkeypatch.setattr(dask_backend, "PARTITION_ROWS", 150)
    rows = write_rows(tmp_path / "rows.jsonl", 3_000, duplicates=30, bad=6)
    options = {"select": ["TRG"], "offline": True, "send_at": SEND_AT}
    expected = report_json(lint_batch(SHIPPED, rows, **options))
    pids = client.run(os.getpid)
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["report"] = lint_batch(SHIPPED, rows, client=client, **options)
        except BaseException as exc:  # handed to the test below
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 30
    while not any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    victim = next(iter(pids.values()))
    killed_while_running = thread.is_alive()
    os.kill(victim, signal.SIGKILL)
    thread.join(120)
    assert killed_while_running
    assert "error" not in outcome, outcome.get("error")
    assert report_json(outcome["report"]) == expected
    client.wait_for_workers(2, timeout=240)  # the nanny restarts the killed worker; slow on a loaded machine


def test_many_emails_checked_on_the_cluster_give_the_local_report(client, tmp_path):
    outbox = tmp_path / "outbox"
    for source in sorted((CORPUS / "postmark").glob("*.html"))[:8]:
        folder = outbox / source.stem.split(".")[0]
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, folder / source.name)
    address = client.scheduler.address
    pattern = str(outbox / "**" / "*.html")
    local = run_cli("check", "--offline", "--format", "json", pattern)
    on_dask = run_cli("check", "--offline", "--format", "json", "--scheduler", address, pattern)
    assert on_dask.returncode == local.returncode, on_dask.stderr.decode()
    assert json.loads(on_dask.stdout) == json.loads(local.stdout)
    assert len(json.loads(local.stdout)["files"]) == 8


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_scheduler_and_worker_as_separate_processes(tmp_path):
    dask_command = str(Path(sys.executable).with_name("dask"))
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    scheduler = subprocess.Popen(
        [dask_command, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    worker = subprocess.Popen(
        [
            dask_command,
            "worker",
            address,
            "--nworkers",
            "1",
            "--nthreads",
            "1",
            "--no-dashboard",
            "--host",
            "127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=tmp_path,
    )
    try:
        with Client(address, timeout="30s") as connected:
            connected.wait_for_workers(1, timeout=60)
        contexts = str(FIXTURES / "newsletter-duplicates.csv")
        local = run_cli(
            "batch", "--offline", "--format", "json", str(NEWSLETTER), "--contexts", contexts, "--select", "TRG"
        )
        on_dask = run_cli(
            "batch",
            "--offline",
            "--format",
            "json",
            str(NEWSLETTER),
            "--contexts",
            contexts,
            "--select",
            "TRG",
            "--scheduler",
            address,
        )
        assert on_dask.returncode == local.returncode == 1, on_dask.stderr.decode()
        local_data, dask_data = json.loads(local.stdout), json.loads(on_dask.stdout)
        for data in (local_data, dask_data):
            data["batch"].pop("seconds")
            data["batch"].pop("rows_per_second")
        assert dask_data == local_data
        (finding,) = dask_data["files"][0]["findings"]
        assert finding["code"] == "TRG007"
        assert [s["row"] for s in finding["data"]["samples"]] == [3, 4, 7, 10, 11]
    finally:
        for process in (worker, scheduler):
            process.terminate()
        for process in (worker, scheduler):
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def test_missing_contexts_are_a_clear_error(client, tmp_path):
    with pytest.raises(ContextError, match="no such file"):
        lint_batch(SHIPPED, tmp_path / "missing.jsonl", offline=True, client=client)
    with pytest.raises(ContextError, match="no such file"):
        lint_batch(SHIPPED, str(tmp_path / "parts-*.jsonl"), offline=True, client=client)


def test_unreachable_scheduler_is_a_clear_error_within_seconds():
    port = _free_port()
    started = time.monotonic()
    result = run_cli(
        "batch",
        "--offline",
        str(SHIPPED),
        "--contexts",
        str(FIXTURES / "bad-rows.jsonl"),
        "--scheduler",
        f"tcp://127.0.0.1:{port}",
    )
    assert result.returncode == 2
    assert time.monotonic() - started < 15
    message = result.stderr.decode()
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in message
    assert "Traceback" not in message


def test_without_dask_the_message_says_how_to_install_it(tmp_path):
    blocker = tmp_path / "blocked" / "distributed"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('distributed is not installed')\n", encoding="utf-8")
    result = run_cli(
        "batch",
        "--offline",
        str(SHIPPED),
        "--contexts",
        str(FIXTURES / "bad-rows.jsonl"),
        "--scheduler",
        "local:1",
        env={"PYTHONPATH": str(blocker.parent)},
    )
    assert result.returncode == 2
    assert "pip install 'oopslint[dask]'" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_rows_are_read_on_the_workers_and_numbered_as_locally(client, tmp_path, monkeypatch):
    """A BOM, CRLF and lone-CR line ends, blank lines and broken rows, cut into
    partitions of 37 rows: the client never reads a row, and every number and
    line is the local one."""
    lines = write_rows(tmp_path / "plain.jsonl", 900, duplicates=30, bad=9).read_text(encoding="utf-8").splitlines()
    out = []
    for index, line in enumerate(lines):
        end = "\r\n" if index % 3 == 0 else ("\r" if index % 50 == 7 else "\n")
        out.append(line + end + ("\n \t\n" if index % 41 == 0 else ""))
    rows = tmp_path / "rows.jsonl"
    rows.write_bytes(b"\xef\xbb\xbf" + "".join(out).encode("utf-8"))
    options = {"select": ["TRG"], "offline": True, "send_at": SEND_AT, "sample_size": 10}
    local = report_json(lint_batch(SHIPPED, rows, **options))

    def refuse(*args, **kwargs):
        raise AssertionError("the client read the rows")

    monkeypatch.setattr(dask_backend, "PARTITION_ROWS", 37)
    monkeypatch.setattr(dask_backend, "iter_partitioned_rows", refuse)
    monkeypatch.setattr(dask_backend, "_piece_rows", refuse)
    on_dask = report_json(lint_batch(SHIPPED, rows, client=client, **options))
    assert on_dask == local
    assert on_dask["batch"]["bad_rows"] >= 9
    assert any(sample.get("line") for sample in on_dask["batch"]["bad_row_samples"])
    assert {f["code"] for f in on_dask["files"][0]["findings"]} >= {"TRG002", "TRG006", "TRG007"}


def test_csv_files_and_parquet_row_groups_are_read_on_the_workers(client, tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    whole = write_rows(tmp_path / "whole.csv", 600, duplicates=12, bad=4)
    header, *records = whole.read_text(encoding="utf-8").splitlines(keepends=True)
    parts = tmp_path / "parts"
    parts.mkdir()
    for index, start in enumerate(range(0, len(records), 250)):
        (parts / f"part-{index}.csv").write_text(header + "".join(records[start : start + 250]), encoding="utf-8")
    options = {"select": ["TRG"], "offline": True, "send_at": SEND_AT}
    local = report_json(lint_batch(SHIPPED, whole, **options))
    monkeypatch.setattr(dask_backend, "PARTITION_ROWS", 64)
    on_dask = report_json(lint_batch(SHIPPED, str(parts / "part-*.csv"), client=client, **options))
    for report in (local, on_dask):
        report["batch"].pop("contexts")
        for sample in report["batch"]["bad_row_samples"]:
            sample.pop("line", None)  # lines count inside each file
        findings = report["files"][0]["findings"]
        findings[:] = [f for f in findings if f["code"] != "OOPS005"]  # its message names the lines
    assert on_dask == local
    assert on_dask["batch"]["rows"] == 600

    good = [row for row in __import__("make_batch").rows(600, duplicates=12) if isinstance(row, dict)]
    table = pa.Table.from_pylist(good)
    pq.write_table(table, tmp_path / "rows.parquet", row_group_size=50)
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_text("".join(json.dumps(row) + "\n" for row in good), encoding="utf-8")
    local = report_json(lint_batch(SHIPPED, jsonl, **options))
    on_dask = report_json(lint_batch(SHIPPED, tmp_path / "rows.parquet", client=client, **options))
    for report in (local, on_dask):
        report["batch"].pop("contexts")
    assert on_dask == local
    duplicate = next(f for f in on_dask["files"][0]["findings"] if f["code"] == "TRG007")
    assert duplicate["data"]["extra_copies"] == 12


def test_an_unreadable_csv_header_read_on_a_worker_is_a_clear_error(client, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text(",,\n1,2,3\n", encoding="utf-8")
    with pytest.raises(ContextError, match="the first line must name the columns"):
        lint_batch(SHIPPED, rows, offline=True, client=client)
    result = run_cli(
        "batch", "--offline", str(SHIPPED), "--contexts", str(rows), "--scheduler", client.scheduler.address
    )
    assert result.returncode == 2
    assert "the first line must name the columns" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_async_per_row_rules_prefetch_per_partition_on_the_workers(client, tmp_path, small_partitions):
    """Coupon codes per recipient (async CPN rules, a file source): each worker
    looks its partition's codes up at once; the report is the local one."""
    from coupons.conftest import file_config, promo

    template = tmp_path / "promo.html"
    template.write_text(
        promo("<p>Your personal code: use code <strong>{{ coupon_code }}</strong> for 20% off at checkout.</p>"),
        encoding="utf-8",
    )
    codes = ["WINTER20", "NOPE99", "GONE50", "nope99", "WINTER20", None] * 200
    rows = tmp_path / "rows.jsonl"
    with rows.open("w", encoding="utf-8") as handle:
        for number, code in enumerate(codes, start=1):
            row = {"id": f"r{number}", "recipient": {"email": f"reader{number}@example.org"}, "send_at": SEND_AT}
            if code is not None:
                row["coupon_code"] = code
            handle.write(json.dumps(row) + "\n")
    options = {"config": file_config(), "offline": True, "send_at": SEND_AT}
    local = report_json(lint_batch(template, rows, **options))
    on_dask = report_json(lint_batch(template, rows, client=client, **options))
    assert on_dask == local
    assert on_dask["batch"]["rules"]["CPN001"]["failed_rows"] == 400
