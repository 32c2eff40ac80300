"""`oopslint batch` and `oopslint.batch.lint_batch`: one template, many send contexts."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from oopslint_testing import run_cli

from oopslint import Finding, Linter, Severity, rule
from oopslint.batch import BatchReport, lint_batch
from oopslint.registry import Registry

from .helpers import CORPUS, FIXTURES, NEWSLETTER, SHIPPED, batch_rows, write_rows

SEND_AT = "2024-05-02T09:00:00Z"


@pytest.fixture(scope="session")
def migration(tmp_path_factory) -> Path:
    """25,000 shipping notices, every second one for an order from 2019-2023."""
    return write_rows(tmp_path_factory.mktemp("batch") / "migration.jsonl", 25_000)


def batch_json(*args: str, cwd: Path | None = None) -> tuple[int, dict]:
    result = run_cli("batch", "--offline", "--format", "json", *args, cwd=cwd)
    assert result.stdout, result.stderr.decode()
    return result.returncode, json.loads(result.stdout)


def without_timing(data: dict) -> dict:
    data = json.loads(json.dumps(data))
    data["batch"].pop("seconds")
    data["batch"].pop("rows_per_second")
    return data


def without_lines(value):
    """The same report with line numbers left out (they differ between file formats)."""
    if isinstance(value, dict):
        return {k: without_lines(v) for k, v in value.items() if k != "line"}
    if isinstance(value, list):
        return [without_lines(v) for v in value]
    if isinstance(value, str):
        return re.sub(r" \(line \d+\)", "", value)
    return value


# ---------------------------------------------------------------- the migration story


def test_migration_batch_is_one_replay_error_with_counts_per_year(migration):
    code, data = batch_json(str(SHIPPED), "--contexts", str(migration), "--select", "TRG")
    assert code == 1
    findings = {f["code"]: f for f in data["files"][0]["findings"]}
    assert set(findings) == {"TRG001", "TRG002", "TRG006"}
    replay = findings["TRG006"]
    assert replay["severity"] == "error"
    assert replay["message"].startswith(
        "12,500 of 25,000 shipping notices (50.0%) are for stale orders from 2019-2023, over the 20% a live batch "
        "may have: this looks like a replayed backfill or migration. By year: 2019: "
    )
    per_year = replay["data"]["per_year"]
    assert sum(per_year.values()) == 25_000 and per_year["2024"] == 12_500
    assert set(per_year) == {"2019", "2020", "2021", "2022", "2023", "2024"}
    assert replay["data"]["stale_per_year"].get("2024") is None


def test_migration_batch_counts_rows_per_rule_with_first_ids_and_oldest_event(migration):
    _, data = batch_json(str(SHIPPED), "--contexts", str(migration), "--select", "TRG")
    batch = data["batch"]
    assert (batch["rows"], batch["checked"], batch["bad_rows"]) == (25_000, 25_000, 0)
    old = batch["rules"]["TRG002"]
    assert old["rule"] == "old-order" and old["failed_rows"] == 12_500 and old["share"] == 0.5
    assert [r["row"] for r in old["first_rows"]] == [2, 4, 6, 8, 10]
    assert [r["id"] for r in old["first_rows"]] == ["r000002", "r000004", "r000006", "r000008", "r000010"]
    assert old["oldest_event"].startswith("2019-01-0")
    assert batch["rules"]["TRG003"]["failed_rows"] == 0
    aggregated = next(f for f in data["files"][0]["findings"] if f["code"] == "TRG002")
    assert aggregated["message"].startswith(
        "12,500 of 25,000 rows (50.0%); row 2 [r000002]: Shipping notice for order A-000002 placed "
    )
    assert aggregated["data"]["batch"]["rows"] == 12_500
    assert data["summary"] == {"files": 1, "error": 3, "warning": 0, "info": 0}


def test_worker_processes_give_the_same_report(migration):
    _, serial = batch_json(str(SHIPPED), "--contexts", str(migration), "--select", "TRG", "--jobs", "1")
    _, parallel = batch_json(str(SHIPPED), "--contexts", str(migration), "--select", "TRG", "--jobs", "2")
    assert without_timing(parallel) == without_timing(serial)


def test_worker_processes_feeding_the_batch_rules_give_the_same_report(tmp_path):
    """With --jobs, each worker feeds TRG006 and TRG007 its own chunks and the
    reading process folds them: repeats across chunks, their samples and bad
    rows come out as on one process."""
    rows = write_rows(tmp_path / "rows.jsonl", 9_000, duplicates=400, bad=60)
    _, serial = batch_json(str(SHIPPED), "--contexts", str(rows), "--jobs", "1")
    _, parallel = batch_json(str(SHIPPED), "--contexts", str(rows), "--jobs", "2")
    assert without_timing(parallel) == without_timing(serial)
    duplicate = next(f for f in serial["files"][0]["findings"] if f["code"] == "TRG007")
    assert duplicate["data"]["extra_copies"] >= 400  # at least the copies the generator made
    assert serial["batch"]["bad_rows"] == 60


def test_text_output_has_the_per_rule_table(migration):
    result = run_cli(
        "batch", "--offline", str(SHIPPED), "--contexts", str(migration), "--select", "TRG", "--show-rows", "3"
    )
    out = result.stdout.decode()
    assert result.returncode == 1
    assert f"Batch: 25,000 rows from {migration} (25,000 checked, 0 bad) in " in out
    assert re.search(
        r"TRG002 old-order +12,500 rows \( 50\.0%\)  first: 2 \[r000002\], 4 \[r000004\], "
        r"6 \[r000006\]  oldest event: 2019-01-0",
        out,
    ), out
    assert "TRG006 (whole batch): reported" in out and "TRG007 (whole batch): ok" in out


def test_fresh_batch_passes(tmp_path):
    rows = write_rows(tmp_path / "fresh.jsonl", 500, old_share=0)
    code, data = batch_json(str(SHIPPED), "--contexts", str(rows), "--select", "TRG")
    assert code == 0, data
    assert data["files"][0]["findings"] == [] and data["batch"]["checked"] == 500


# ---------------------------------------------------------------- formats


def test_csv_json_array_and_stdin_read_the_same_rows(tmp_path):
    jsonl = write_rows(tmp_path / "rows.jsonl", 300)
    csv_path = write_rows(tmp_path / "rows.csv", 300)
    rows = [json.loads(line) for line in jsonl.read_text().splitlines()]
    array = tmp_path / "rows.json"
    array.write_text(json.dumps(rows, indent=2))
    reports = {}
    for name, args, stdin in (
        ("jsonl", ["--contexts", str(jsonl)], None),
        ("csv", ["--contexts", str(csv_path)], None),
        ("array", ["--contexts", str(array)], None),
        ("stdin", ["--contexts", "-"], jsonl.read_bytes()),
    ):
        result = run_cli("batch", "--offline", "--format", "json", str(SHIPPED), *args, "--select", "TRG", stdin=stdin)
        data = without_timing(json.loads(result.stdout))
        data["batch"].pop("contexts")
        reports[name] = without_lines(data)
    assert reports["jsonl"]["batch"]["rules"]["TRG002"]["failed_rows"] == 150
    assert reports["csv"] == reports["jsonl"] == reports["array"] == reports["stdin"]


def test_tsv_and_dotted_headers_nest(tmp_path):
    path = tmp_path / "rows.tsv"
    path.write_text(
        f"id\tsend_at\torder.id\torder.placed_at\tevent.type\nt1\t{SEND_AT}\tA-1\t2019-01-01T00:00:00Z\tshipped\n",
        encoding="utf-8",
    )
    report = lint_batch(SHIPPED, path, select=["TRG002"], offline=True)
    assert report.batch.rules["TRG002"].failed_rows == 1
    assert report.batch.rules["TRG002"].first_rows[0].id == "t1"


def test_json_array_with_a_broken_element_reports_it_and_reads_on(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text(
        '[\n{"id": "a", "order": {"placed_at": "2019-01-01T00:00:00Z"}},\n'
        '{"id": "b", "order": {"placed_at": },\n'
        '{"id": "c", "order": {"placed_at": "2019-01-01T00:00:00Z"}}\n]\n',
        encoding="utf-8",
    )
    report = lint_batch(SHIPPED, path, select=["TRG002"], offline=True, send_at=SEND_AT)
    summary = report.batch
    assert (summary.rows, summary.bad_rows, summary.rules["TRG002"].failed_rows) == (3, 1, 2)
    bad = summary.bad_samples[0]
    assert (bad.row, bad.line) == (2, 3) and bad.reason.startswith("invalid JSON: Expecting value")


# ---------------------------------------------------------------- duplicates and bad rows


def test_newsletter_sent_several_times_to_the_same_people():
    code, data = batch_json(
        str(NEWSLETTER), "--contexts", str(FIXTURES / "newsletter-duplicates.csv"), "--select", "TRG"
    )
    assert code == 1
    (finding,) = data["files"][0]["findings"]
    assert finding["code"] == "TRG007" and finding["severity"] == "error"
    assert finding["message"] == (
        "3 recipients would get this email more than once: 6 extra copies, up to 4 to one recipient "
        "(row 3 repeats row 2 for g***@example.com; row 4 repeats row 2 for g***@example.com; "
        "row 7 repeats row 6 for b***@example.com)"
    )
    assert finding["data"]["max_copies"] == 4
    assert [s["row"] for s in finding["data"]["samples"]] == [3, 4, 7, 10, 11]


@pytest.mark.parametrize("jobs", [1, 2])
def test_duplicate_keys_tell_absent_values_texts_and_numbers_apart(tmp_path, jobs):
    """A key's parts are compared as values: an absent event id is not the text
    "\\x01", texts holding NUL or SOH are compared whole, a number is not its
    text, and 1, 1.0 and True are one id."""

    def row(n: int, event_id) -> dict:
        event = {"type": "newsletter"} if event_id is None else {"type": "newsletter", "id": event_id}
        return {"id": f"r{n}", "recipient": {"email": f"p{n // 2}@example.com"}, "event": event}

    pairs = [
        (None, "\x01"),  # absent, and a text that looks like the absent marker: distinct
        ("a\x00b", "a\x00b"),  # a NUL inside a text: the same text twice
        ("a", "a\x00"),  # one text a prefix of the other around a NUL: distinct
        ("1", 1),  # a text and a number: distinct
        (1, 1.0),  # the same number: one key
        (True, 1),  # True is 1, as in Python's own comparison
        ("\x01", "\x01"),  # SOH itself, twice
        (" X\x00 ", "x\x00"),  # compared without case or surrounding blanks
    ]
    rows = [row(2 * index + side, value) for index, pair in enumerate(pairs) for side, value in enumerate(pair)]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = lint_batch(NEWSLETTER, path, select=["TRG007"], offline=True, jobs=jobs)
    (finding,) = report.findings
    assert [sample["row"] for sample in finding.data["samples"]] == [4, 10, 12, 14, 16]
    assert finding.data["extra_copies"] == 5


@pytest.mark.parametrize("jobs", [1, 2])
def test_duplicates_are_counted_across_tens_of_thousands_of_recipients(tmp_path, jobs):
    """More recipients than TRG007 keeps in its first, small index: repeats of
    recipients seen before and after it grows into its table, and one
    recipient sent 303 times (copies are counted up to 255)."""
    emails = [f"c{n}@example.com" for n in range(20_000)]
    emails += [f"c{n}@example.com" for n in range(100) for _copy in range(2)]
    emails += [f"C{n}@Example.com " for n in range(17_000, 17_050)]
    emails += ["c5@example.com"] * 300
    path = tmp_path / "rows.jsonl"
    path.write_text(
        "".join(json.dumps({"id": f"r{n}", "recipient": {"email": e}}) + "\n" for n, e in enumerate(emails, 1)),
        encoding="utf-8",
    )
    report = lint_batch(NEWSLETTER, path, select=["TRG007"], offline=True, jobs=jobs)
    (finding,) = report.findings
    assert finding.data["extra_copies"] == 200 + 50 + 300
    assert finding.data["recipients"] == 150
    assert finding.data["max_copies"] == 255
    assert [(s["row"], s["first_row"]) for s in finding.data["samples"]] == [
        (20_001, 1),
        (20_002, 1),
        (20_003, 2),
        (20_004, 2),
        (20_005, 3),
    ]
    assert "up to 255+ to one recipient" in finding.message


def test_bad_rows_are_counted_by_row_number_and_the_rest_checked():
    code, data = batch_json(
        str(SHIPPED),
        "--contexts",
        str(FIXTURES / "bad-rows.jsonl"),
        "--send-at",
        SEND_AT,
        "--select",
        "TRG",
        "--show-rows",
        "10",
    )
    assert code == 1
    batch = data["batch"]
    assert (batch["rows"], batch["checked"], batch["bad_rows"]) == (10, 8, 7)
    reasons = {bad["row"]: bad["reason"] for bad in batch["bad_row_samples"]}
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 9]
    assert reasons[2].startswith("order.placed_at '2024-05-01T10:00:00' has no timezone")
    assert reasons[3].startswith("invalid JSON: Expecting ',' delimiter at column ")
    assert reasons[4].startswith("order.placed_at '2024-02-30T10:00:00Z' is not a real date or time")
    assert reasons[5] == "expected a JSON object, got a list"
    assert reasons[6] == "no recipient.email: cannot check for duplicate sends"
    assert reasons[7] == "no event time: need event.at or order.shipped_at"
    assert reasons[9] == "order.shipped_at 'yesterday' is not an ISO 8601 timestamp"
    line_of = {bad["row"]: bad.get("line", bad["row"]) for bad in batch["bad_row_samples"]}
    assert line_of[4] == 5  # a blank line in the file: rows are counted, lines are named too
    findings = {f["code"]: f for f in data["files"][0]["findings"]}
    assert findings["OOPS005"]["message"].startswith("7 of 10 rows could not be fully checked: row 2 [r2]: ")
    assert findings["TRG002"]["data"]["batch"]["first_rows"] == [{"row": 8, "id": "r8", "line": 9}]


def test_bad_rows_in_the_generated_batch(tmp_path):
    rows = write_rows(tmp_path / "bad.jsonl", 2_000, bad=40)
    report = lint_batch(SHIPPED, rows, select=["TRG"], offline=True)
    assert report.batch.rows == 2_000 and report.batch.bad_rows == 40
    assert report.batch.rules["TRG002"].failed_rows > 900


# ---------------------------------------------------------------- replay by spread


def test_backfill_with_historical_send_times_is_a_replay_by_spread():
    rows = []
    for month in range(24):
        year, m = 2021 + month // 12, month % 12 + 1
        at = f"{year}-{m:02d}-15T10:00:00Z"
        rows.append(
            {
                "id": f"p{month}",
                "send_at": at.replace("10:00", "10:05"),
                "recipient": {"email": f"user{month}@example.com"},
                "event": {"type": "password_reset", "at": at},
            }
        )
    reset = CORPUS / "postmark" / "password-reset.source.html"
    report = lint_batch(reset, rows, select=["TRG"], offline=True)
    (finding,) = report.findings
    assert finding.code == "TRG006"
    assert finding.message.startswith(
        "The events of these 24 password resets spread over 1.9 years (2021-01-15 to 2022-12-15), more than 365 days"
    )
    assert "By year: 2021: 12, 2022: 12" in finding.message
    assert lint_batch(reset, rows[:6], select=["TRG"], offline=True).findings == []  # too few rows to judge


# ---------------------------------------------------------------- the Python API


def test_api_takes_any_iterable_and_a_base_context():
    rows = (
        {
            "id": f"x{i}",
            "order": {
                "id": f"A-{i}",
                "placed_at": "2019-06-01T00:00:00Z" if i % 4 == 0 else "2024-05-01T00:00:00Z",
                "status": "shipped",
            },
            "recipient": {"email": f"u{i}@example.com"},
        }
        for i in range(40)
    )
    base = {"send_at": SEND_AT, "event": {"type": "shipped"}}
    report = lint_batch(
        SHIPPED.read_text(encoding="utf-8"), rows, context=base, select=["TRG002", "TRG006"], offline=True
    )
    assert isinstance(report, BatchReport)
    assert report.batch.rows == 40 and report.batch.rules["TRG002"].failed_rows == 10
    assert [ref.row for ref in report.batch.rules["TRG002"].first_rows] == [1, 5, 9, 13, 17]
    assert [f.code for f in report.findings] == ["TRG002", "TRG006"]
    assert report.to_dict()["batch"]["rules"]["TRG002"]["failed_rows"] == 10
    assert report.exit_code == 1


def test_api_reports_rows_that_are_not_mappings():
    report = lint_batch(SHIPPED, [{"id": "ok"}, "nope", None], select=["TRG002"], offline=True)
    assert report.batch.bad_rows == 2
    assert [b.reason for b in report.batch.bad_samples] == [
        "expected a mapping, got str",
        "expected a mapping, got NoneType",
    ]


# ---------------------------------------------------------------- the engine side, with rules of our own

SEEN_CATEGORIES: list[str | None] = []


@rule(code="XBT001", name="marketing-without-unsubscribe", severity="warning", section="xbt", uses_context=True)
def per_category(email, context, options):
    """Reads only the category."""
    SEEN_CATEGORIES.append(context.category)
    if context.category == "marketing":
        yield Finding("marketing send", severity=Severity.WARNING)


@rule(code="XBT002", name="reads-raw-data", severity="info", section="xbt", uses_context=True)
def reads_raw(email, context, options):
    """Reads the raw data, so its results cannot be reused."""
    if context.data.get("vip"):
        yield Finding("vip")


@rule(code="XBT003", name="crashes-on-some-rows", severity="error", section="xbt", uses_context=True)
def crashes(email, context, options):
    """Crashes when a row says so."""
    if context.get("boom"):
        raise RuntimeError("boom")
    return []


@rule(code="XBT101", name="row-counter", severity="info", section="xbt", scope="batch", uses_context=True)
def row_counter(batch, context, options):
    """A batch rule that streams rows."""
    rows = flagged = 0
    while (row := (yield)) is not None:
        rows += 1
        flagged += any(f.code == "XBT001" for f in row.findings)
        if row.context.get("reject"):
            row.reject("asked to be rejected")
    yield Finding(f"{rows} rows, {flagged} marketing, {batch.bad_rows} bad so far")


@rule(code="XBT102", name="summary-only", severity="info", section="xbt", scope="batch")
def summary_only(batch, context, options):
    """A batch rule that only reads the summary at the end."""
    return [Finding(f"{batch.rows} rows, XBT001 failed {batch.rules['XBT001'].failed_rows}")]


REGISTRY = Registry([per_category, reads_raw, crashes, row_counter, summary_only])


@pytest.mark.parametrize("jobs", [1, 2])
def test_third_party_rules_in_a_batch(tmp_path, jobs):
    SEEN_CATEGORIES.clear()
    path = tmp_path / "rows.jsonl"
    with path.open("w") as handle:
        for i in range(3_000):
            row = {"id": f"r{i + 1}", "category": "marketing" if i % 3 == 0 else "transactional", "vip": i % 10 == 0}
            if i in (100, 2500):
                row["boom"] = True
            if i == 7:
                row["reject"] = True
            handle.write(json.dumps(row) + "\n")
    linter = Linter({}, registry=REGISTRY, offline=True, default_mode="template")
    report = lint_batch("<p>Hello</p>", path, linter=linter, jobs=jobs)
    summary = report.batch
    assert summary.rules["XBT001"].failed_rows == 1_000
    assert summary.rules["XBT002"].failed_rows == 300
    messages = {f.code: f.message for f in report.findings}
    assert messages["XBT101"] == "3000 rows, 1000 marketing, 1 bad so far"  # row 8; a crash is not a bad row
    assert messages["XBT102"] == "3000 rows, XBT001 failed 1000"
    assert messages["XBT001"].startswith("1,000 of 3,000 rows (33.3%); row 1 [r1]: marketing send")
    assert messages["OOPS001"].startswith(
        "rule XBT003 (crashes-on-some-rows) crashed on 2 rows (first: row 101): RuntimeError: boom"
    )
    assert summary.bad_rows == 1 and summary.bad_samples[0].reason == "asked to be rejected"
    assert report.exit_code == 2
    if jobs == 1:
        # the category rule ran once per category, not once per row
        assert len(SEEN_CATEGORIES) < 20


class _FailingState:
    """XBT201's mergeable state: fails on a row that says so."""

    def __init__(self, batch, context, options):
        self.rows = 0

    def add(self, row):
        if row.context.get("explode"):
            raise ValueError("cannot count this row")
        self.rows += 1

    def merge(self, later):
        merged = type(self)(None, None, None)
        merged.rows = self.rows + later.rows
        return merged

    def findings(self):
        yield Finding(f"{self.rows} rows counted")


class _CountingState(_FailingState):
    """XBT202's mergeable state: counts every row."""

    def add(self, row):
        self.rows += 1


def _state_rule(state_class):
    def check(batch, context, options):
        state = state_class(batch, context, options)
        while (row := (yield)) is not None:
            state.add(row)
        yield from state.findings()

    check.mergeable = state_class
    return check


failing_state = rule(code="XBT201", name="fails-on-a-row", severity="info", scope="batch", uses_context=True)(
    _state_rule(_FailingState)
)
counting_state = rule(code="XBT202", name="counts-rows", severity="info", scope="batch", uses_context=True)(
    _state_rule(_CountingState)
)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_batch_rule_that_fails_on_a_row_is_reported_and_the_others_go_on(tmp_path, jobs):
    path = tmp_path / "rows.jsonl"
    path.write_text(
        "".join(json.dumps({"id": f"r{n}", "explode": n == 4321}) + "\n" for n in range(1, 6001)), encoding="utf-8"
    )
    registry = Registry([per_category, failing_state, counting_state])  # a per-row rule: workers check the rows
    linter = Linter({}, registry=registry, offline=True, default_mode="template")
    report = lint_batch("<p>Hello</p>", path, linter=linter, jobs=jobs)
    messages = {f.code: f.message for f in report.findings}
    assert "XBT201" not in messages
    assert messages["XBT202"] == "6000 rows counted"
    assert messages["OOPS001"].startswith(
        "rule XBT201 (fails-on-a-row) crashed on 1 row (first: row 4321): ValueError: cannot count this row"
    )
    assert report.exit_code == 2


# ---------------------------------------------------------------- usage errors


def test_missing_contexts_file_is_exit_2(tmp_path):
    result = run_cli("batch", "--offline", str(SHIPPED), "--contexts", str(tmp_path / "nope.jsonl"))
    assert result.returncode == 2
    assert f"contexts file {tmp_path / 'nope.jsonl'}: no such file" in result.stderr.decode()


def test_naive_send_at_option_is_exit_2():
    result = run_cli(
        "batch",
        "--offline",
        str(SHIPPED),
        "--contexts",
        str(FIXTURES / "bad-rows.jsonl"),
        "--send-at",
        "2024-05-02 09:00",
    )
    assert result.returncode == 2
    assert "--send-at '2024-05-02 09:00' has no timezone" in result.stderr.decode()


def test_template_and_contexts_cannot_both_be_stdin():
    result = run_cli("batch", "-", "--contexts", "-", stdin=b"")
    assert result.returncode == 2 and "cannot both be read from stdin" in result.stderr.decode()


def test_unreadable_template_is_exit_2(tmp_path):
    code, data = batch_json(str(tmp_path / "missing.html"), "--contexts", str(FIXTURES / "bad-rows.jsonl"))
    assert code == 2
    assert data["files"][0]["findings"][0]["code"] == "OOPS004"


def test_empty_contexts_file_says_0_rows_and_exits_2(tmp_path):
    (tmp_path / "empty.jsonl").write_text("\n\n", encoding="utf-8")
    code, data = batch_json(str(SHIPPED), "--contexts", str(tmp_path / "empty.jsonl"), "--select", "TRG")
    assert code == 2 and data["batch"]["rows"] == 0
    (tmp_path / "none.jsonl").write_bytes(b"")
    result = run_cli("batch", "--offline", str(SHIPPED), "--contexts", str(tmp_path / "none.jsonl"), "--select", "TRG")
    assert result.returncode == 2
    out = result.stdout.decode()
    assert "Batch: 0 rows" in out and "All checks passed" not in out
    assert "0 rows; nothing was checked" in result.stderr.decode()


def test_generator_helper_is_reproducible():
    first = [row for row in batch_rows(50, duplicates=5, bad=4)]
    assert first == [row for row in batch_rows(50, duplicates=5, bad=4)]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["x"])
    assert sum(isinstance(row, str) for row in first) == 1


# ---------------------------------------------------------------- findings counted, not shown

SEEN_FINDINGS: list[tuple[int, list[str]]] = []


@rule(code="XBT201", name="reads-row-findings", severity="info", section="xbt", scope="batch", uses_context=True)
def reads_row_findings(batch, context, options):
    """A batch rule that reads the per-row rules' findings of every row."""
    while (row := (yield)) is not None:
        if row.findings:
            SEEN_FINDINGS.append((row.number, [f"{f.code} {f.message}" for f in row.findings]))


@pytest.mark.parametrize("jobs", [1, 2])
def test_rows_counted_without_text_still_show_full_findings(tmp_path, jobs):
    """Rows past the first few are checked without building message text; the
    report's example, and the findings a batch rule reads, are still the ones
    a single check of that row gives."""
    from rules.triggers import RULES as TRIGGER_RULES

    SEEN_FINDINGS.clear()
    rows = list(batch_rows(600))
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    linter = Linter(
        {},
        registry=Registry([*TRIGGER_RULES, reads_row_findings]),
        offline=True,
        default_mode="template",
        select=["TRG001", "TRG002", "XBT201"],
    )
    report = lint_batch(SHIPPED, path, linter=linter, jobs=jobs)
    assert report.batch.rules["TRG001"].failed_rows == 300
    assert len(SEEN_FINDINGS) == 300
    single = Linter({}, offline=True, default_mode="template", select=["TRG001", "TRG002"])
    for number, messages in SEEN_FINDINGS[:3] + SEEN_FINDINGS[-3:]:
        one = single.lint(SHIPPED.read_text(encoding="utf-8"), context=rows[number - 1])
        assert messages == [f"{f.code} {f.message}" for f in one.findings]
        assert all(message.split(" ", 1)[1] for message in messages)
    example = next(f for f in report.findings if f.code == "TRG001")
    assert example.message.startswith("300 of 600 rows (50.0%); row 2 [r000002]: Shipping notice for an event ")
    assert example.data["event_type"] == "shipped"
