"""Rows checked a block at a time (``RowBlock``: ``check_block`` of a row checker,
``add_block`` of a batch rule's state) give the report rows checked one by one give."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from oopslint import Finding, Linter, SendContext, rule
from oopslint.batch import BatchRow, lint_batch, prepare_runner
from oopslint.batch import runner as runner_module
from oopslint.batch.rows import RowBlock
from oopslint.batch.runner import Runner
from oopslint.registry import Registry
from oopslint.rules.triggers.batch_rows import TriggerRows

from .helpers import SHIPPED, write_rows
from .test_batch_row_checker import _hostile_rows, _report
from .test_trg_batch import per_category

SEND_AT = "2024-05-02T09:00:00Z"


@pytest.fixture
def block_sizes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A file each worker process appends the size of every block TRG001-TRG004 decide to."""
    record = tmp_path / "blocks.txt"
    record.write_text("", encoding="utf-8")
    original = TriggerRows.check_block

    def spied(self: TriggerRows, block: RowBlock) -> Any:
        with record.open("a", encoding="utf-8") as out:
            out.write(f"{len(block)}\n")
        return original(self, block)

    monkeypatch.setattr(TriggerRows, "check_block", spied)
    return record


def _rows_in_blocks(record: Path) -> int:
    return sum(int(line) for line in record.read_text(encoding="utf-8").split())


def _row_by_row(monkeypatch: pytest.MonkeyPatch, run: Any) -> Any:
    """``run()`` with every row checked and fed one by one: the reference the blocks must match."""
    with monkeypatch.context() as patch:
        patch.setattr(runner_module, "_BLOCK_MIN", 10**9)
        return run()


def test_rows_of_every_shape_checked_in_blocks_report_what_they_report_row_by_row(
    tmp_path: Path, block_sizes: Path, monkeypatch: pytest.MonkeyPatch
):
    rows = _hostile_rows(tmp_path / "rows.jsonl", 9_000)

    def batch(jobs: int) -> dict[str, Any]:
        return _report(lint_batch(SHIPPED, str(rows), offline=True, send_at=SEND_AT, jobs=jobs, sample_size=12))

    reference = _row_by_row(monkeypatch, lambda: batch(1))
    assert _rows_in_blocks(block_sizes) == 0
    serial = batch(1)
    assert _rows_in_blocks(block_sizes) >= 8_000  # one process: every chunk once the rules have settled
    parallel = batch(2)
    assert _rows_in_blocks(block_sizes) >= 16_000  # and the workers
    assert serial == reference
    assert parallel == reference
    tallies = serial["batch"]["rules"]
    assert all(tallies[code]["failed_rows"] > 100 for code in ("TRG001", "TRG002", "TRG003", "TRG004"))
    assert serial["batch"]["bad_rows"] > 1_000  # naive, malformed and missing values, rows without a recipient
    codes = {finding["code"] for finding in serial["files"][0]["findings"]}
    assert {"TRG006", "TRG007"} <= codes


def test_the_migration_batch_in_blocks_reports_what_it_reports_row_by_row(
    tmp_path: Path, block_sizes: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "rows.jsonl"
    write_rows(path, 12_000, duplicates=300, bad=60)

    def batch(jobs: int) -> dict[str, Any]:
        return _report(lint_batch(SHIPPED, str(path), offline=True, send_at=SEND_AT, jobs=jobs))

    reference = _row_by_row(monkeypatch, lambda: batch(1))
    serial = batch(1)
    parallel = batch(2)
    assert _rows_in_blocks(block_sizes) >= 20_000
    assert serial == reference
    assert parallel == reference
    serial = reference
    assert serial["batch"]["rules"]["TRG002"]["failed_rows"] == 5_813  # old orders, but the bad and repeated rows
    duplicate = next(f for f in serial["files"][0]["findings"] if f["code"] == "TRG007")
    assert duplicate["data"]["extra_copies"] == 240


# ---------------------------------------------------------------- a third-party state with add_block

BLOCK_FED: list[int] = []


class _BlockState:
    """Counts rows; fails on a row marked ``explode`` (``add`` too, unless ``add_fails`` is false)."""

    add_fails = True

    def __init__(self, batch: Any, context: Any, options: Any):
        self.rows = 0
        self.blocks = 0

    def add(self, row: BatchRow) -> None:
        if row.context.get("explode") and self.add_fails:
            raise ValueError("cannot count this row")
        if row.context.get("reject"):
            row.reject("asked to be rejected")
        self.rows += 1

    def add_block(self, block: RowBlock) -> None:
        self.blocks += 1
        for index, (explode, reject) in enumerate(block.values(("explode", "reject"))):
            if explode:
                raise ValueError("cannot count this row")
            if reject:
                block.reject(index, "asked to be rejected")
            self.rows += 1

    def merge(self, later: _BlockState) -> _BlockState:
        merged = type(self)(None, None, None)
        merged.rows = self.rows + later.rows
        merged.blocks = self.blocks + later.blocks
        return merged

    def findings(self) -> Any:
        BLOCK_FED.append(self.blocks)
        yield Finding(f"{self.rows} rows counted")


class _OnlyAddBlockFails(_BlockState):
    add_fails = False


def _state_rule(code: str, name: str, state_class: type) -> Any:
    def check(batch: Any, context: SendContext, options: Any) -> Any:
        state = state_class(batch, context, options)
        while (row := (yield)) is not None:
            state.add(row)
        yield from state.findings()

    check.mergeable = state_class  # type: ignore[attr-defined]
    return rule(code=code, name=name, severity="info", scope="batch", uses_context=True)(check)


def _batch(path: Path, state_class: type, jobs: int) -> tuple[dict[str, str], Any]:
    registry = Registry([per_category, _state_rule("XBT211", "counts-in-blocks", state_class)])
    linter = Linter({}, registry=registry, offline=True, default_mode="template")
    report = lint_batch("<p>Hello</p>", path, linter=linter, jobs=jobs)
    return {f.code: f.message for f in report.findings}, report


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_state_fed_in_blocks_counts_and_rejects_rows_as_one_fed_row_by_row(tmp_path: Path, jobs: int):
    path = tmp_path / "rows.jsonl"
    path.write_text(
        "".join(json.dumps({"id": f"r{n}", "reject": n % 1000 == 7}) + "\n" for n in range(1, 6001)),
        encoding="utf-8",
    )
    BLOCK_FED.clear()
    messages, report = _batch(path, _BlockState, jobs)
    assert messages["XBT211"] == "6000 rows counted"
    assert report.batch.bad_rows == 6
    assert [(bad.row, bad.id, bad.reason) for bad in report.batch.bad_samples] == [
        (n, f"r{n}", "asked to be rejected") for n in (7, 1007, 2007, 3007, 4007, 5007)
    ]
    assert BLOCK_FED[-1] > 0  # fed by blocks, by the workers or by the one process


@pytest.mark.parametrize(("state_class", "first_row"), [(_BlockState, 4321), (_OnlyAddBlockFails, 4001)])
def test_a_state_whose_add_block_fails_is_reported_at_the_row_it_fails_on(
    tmp_path: Path, state_class: type, first_row: int
):
    """The block is fed again row by row to a fresh state to find the row; when
    ``add`` does not fail on any (a fault of ``add_block`` alone), the block's first row."""
    path = tmp_path / "rows.jsonl"
    path.write_text(
        "".join(json.dumps({"id": f"r{n}", "explode": n == 4321}) + "\n" for n in range(1, 6001)), encoding="utf-8"
    )
    messages, report = _batch(path, state_class, jobs=2)
    assert "XBT211" not in messages
    assert messages["OOPS001"].startswith(
        f"rule XBT211 (counts-in-blocks) crashed on 1 row (first: row {first_row}): ValueError: cannot count this row"
    )
    assert report.exit_code == 2


# ---------------------------------------------------------------- RowBlock


def test_a_row_block_reads_each_row_as_its_context_does() -> None:
    prototype = SendContext(fields={"email": "recipient.address"}, strict=True)
    data: list[Any] = [
        {"id": "r1", "recipient": {"address": "a@x.org"}, "order": {"id": "A-1"}},
        {"id": "", "order": {"id": "A-2"}},
        {"order": {"id": ["not", "an", "id"]}},
    ]
    block = RowBlock(prototype, [10, 11, 12], [3, 5, None], data)
    assert len(block) == 3
    names = ("email", "order.id", "missing")
    assert block.values(names) == [prototype.with_data(item).values(names) for item in data]
    assert block.values(names) is block.values(names)  # read once
    assert [block.id(index) for index in range(3)] == ["r1", "A-2", None]
    assert block.context(1) is block.context(1) and block.context(1).data is data[1]
    row = block.row(2)
    assert (row.number, row.line, row.context) == (12, None, block.context(2))
    row.reject("from the row")
    block.reject(0, "first")
    block.reject(0, "second")
    block.take_row_rejections()
    assert block.rejections == {0: "first", 2: "from the row"}
    computed: list[int] = []
    assert block.memo("key", lambda b: computed.append(1) or len(b)) == 3
    assert block.memo("key", lambda b: computed.append(1) or 0) == 3 and computed == [1]


def test_a_row_block_of_rows_that_are_not_plain_dicts_reads_them_through_their_contexts() -> None:
    class Row(dict):  # type: ignore[type-arg]
        pass

    from types import MappingProxyType

    prototype = SendContext(strict=True)
    data = [MappingProxyType({"send_at": "2024-05-01T10:00:00Z"}), Row(send_at="2024-05-02T10:00:00Z")]
    block = RowBlock(prototype, [1, 2], [1, 2], data)
    assert block.values(("send_at",)) == [("2024-05-01T10:00:00Z",), ("2024-05-02T10:00:00Z",)]


def test_duplicate_sends_in_a_block_are_keyed_as_row_by_row() -> None:
    """TRG007's add_block writes the common key inline; any other key goes the
    way add() goes. Both give the same keys, repeats and rejections."""
    from oopslint.batch.results import BatchSummary
    from oopslint.rules.triggers.trg007_duplicate_send import DuplicateState

    def row(email: Any, order_id: Any, kind: Any = "shipped") -> dict[str, Any]:
        return {"recipient": {"email": email}, "event": {"type": kind}, "order": {"id": order_id}}

    data = [
        row(" Ada@Example.com ", "A-1"),
        row("ada@example.com", "A-1", "Shipped "),  # a repeat: case and blanks do not count
        row("ada@example.com", 1),
        row("ada@example.com", 1.0),  # the same number
        row("ada@example.com", True),
        row("ada@example.com", "A\x001"),  # NUL in a text: keyed by its repr
        row("ada@example.com", "A\x001"),
        row("ada@example.com", "\ud800"),  # a lone surrogate
        row("ada@example.com", "\ud800"),
        row("ada@example.com", None),
        row("ada@example.com", "\x01"),  # not the same as an absent order id
        row("ada@example.com", {"nested": 1}),
        row("ada@example.com", {"nested": 1}),
        row(42, "A-1"),
        row("", "A-1"),
        {"order": {"id": "A-1"}},
    ]
    options = {"duplicate_key": ["event_type", "event_id", "order_id", "event_at"], "show_recipients": True}
    prototype = SendContext(strict=True, brief=True)
    by_rows = DuplicateState(BatchSummary("rows"), prototype, options)
    rejected_by_rows = {}
    for index, item in enumerate(data):
        batch_row = BatchRow(index + 1, None, index + 1, prototype.with_data(item))
        by_rows.add(batch_row)
        if batch_row._rejections:
            rejected_by_rows[index] = batch_row._rejections[0]
    by_block = DuplicateState(BatchSummary("rows"), prototype, options)
    block = RowBlock(prototype, list(range(1, len(data) + 1)), list(range(1, len(data) + 1)), data)
    by_block.add_block(block)
    assert sorted(by_block.seen.items()) == sorted(by_rows.seen.items())
    assert (
        block.rejections
        == rejected_by_rows
        == {
            14: "no recipient.email: cannot check for duplicate sends",
            15: "no recipient.email: cannot check for duplicate sends",
        }
    )
    [found] = by_block.findings()
    assert found.to_dict() == next(by_rows.findings()).to_dict()
    assert found.data["extra_copies"] == 6
    assert [(s["row"], s["first_row"]) for s in found.data["samples"]] == [(2, 1), (4, 3), (5, 3), (7, 6), (9, 8)]


@pytest.mark.parametrize(
    "order_ids",
    [
        [f"A-{n}" for n in range(300)],  # every key new: added to the chunk's index at once
        [f" a-{n % 150} " if n % 2 else f"A-{n % 150}" for n in range(300)],  # repeats within the block
        [f"A-{n}" if n != 7 else "A\x00-7" for n in range(300)],  # NUL in one text
        [f"A-{n}" if n != 7 else "A-\ud800" for n in range(300)],  # a lone surrogate
        [None] * 300,  # a key field absent on every row
        [f"A-{n}" if n % 3 else None for n in range(300)],  # absent on some rows
    ],
    ids=["new", "repeats", "nul", "surrogate", "absent", "some-absent"],
)
def test_a_block_of_text_keys_is_keyed_a_field_at_a_time_as_row_by_row(order_ids: list[Any]) -> None:
    from oopslint.batch.results import BatchSummary
    from oopslint.rules.triggers.trg007_duplicate_send import DuplicateState

    data = [
        {"recipient": {"email": f"Customer{n % 200}@Example.com"}, "event": {"type": "shipped"}, "order": {"id": oid}}
        for n, oid in enumerate(order_ids)
    ]
    options = {"duplicate_key": ["event_type", "event_id", "order_id", "event_at"], "show_recipients": True}
    prototype = SendContext(strict=True, brief=True)
    by_rows = DuplicateState(BatchSummary("rows"), prototype, options)
    for index, item in enumerate(data):
        by_rows.add(BatchRow(index + 1, None, index + 1, prototype.with_data(item)))
    by_block = DuplicateState(BatchSummary("rows"), prototype, options)
    by_block.add_block(RowBlock(prototype, list(range(1, 301)), list(range(1, 301)), data))
    assert sorted(by_block.seen.items()) == sorted(by_rows.seen.items())
    assert [f.to_dict() for f in by_block.findings()] == [f.to_dict() for f in by_rows.findings()]


@pytest.mark.parametrize(
    ("event", "order", "columns"),
    [
        ({"type": "shipped"}, {"placed_at": "P", "shipped_at": "S"}, True),  # the migration story
        ({"type": "shipped", "at": "S"}, {}, True),  # the event's own time, no order dates
        ({"type": "delivered"}, {"placed_at": "P", "delivered_at": "S"}, True),
        ({"type": "password_reset", "at": "S"}, {"placed_at": "P"}, True),  # not an order: its date does not count
        ({"type": "shipped"}, {"shipped_at": "S"}, True),
        # a type of no known kind, on a template that says none: its order date counts, but is never stale
        ({"type": "weekly_digest"}, {"placed_at": "P", "shipped_at": "S"}, True),
        ({"type": "shipped"}, {}, True),  # nothing to judge
        ({"type": "shipped", "at": "S?"}, {"placed_at": "P"}, False),  # an event time on some rows only
    ],
)
def test_replayed_batches_in_blocks_count_as_row_by_row(event: dict, order: dict, columns: bool) -> None:
    """TRG006's add_block counts the common block a field at a time; it matches add() row by row."""
    from datetime import UTC, datetime, timedelta

    from oopslint.rules.triggers.facts import block_times
    from oopslint.rules.triggers.trg006_replayed_batch import ReplayState

    send_at = datetime(2024, 5, 2, 9, tzinfo=UTC)
    data = []
    for n in range(400):
        placed = send_at - timedelta(days=(n * 37) % 2000, minutes=n)
        shipped = placed + timedelta(hours=20 + n % 90)
        values = {"P": placed.isoformat(), "S": shipped.isoformat(), "S?": shipped.isoformat() if n % 2 else None}
        data.append(
            {
                "send_at": send_at.isoformat(),
                "recipient": {"email": f"c{n}@example.com"},
                "event": {key: values.get(value, value) for key, value in event.items()},
                "order": {key: values[value] for key, value in order.items()},
            }
        )
    template = SHIPPED if event["type"] != "weekly_digest" else "<p>Your weekly digest</p>"
    runner = prepare_runner(
        Linter({"select": ["TRG"]}, offline=True, default_mode="template"), template, "digest.html", None, send_at, 5
    )
    assert isinstance(runner, Runner)
    rule = next(rule for rule in runner.batch_rules if rule.code == "TRG006")
    options = runner.config.options_for(rule)
    prototype = runner.prototype
    by_rows = ReplayState(runner.summary, runner.job.context, options)
    by_block = ReplayState(runner.summary, runner.job.context, options)
    for index, item in enumerate(data):
        by_rows.add(BatchRow(index + 1, None, index + 1, prototype.with_data(item)))
    block = RowBlock(prototype, list(range(1, 401)), list(range(1, 401)), data)
    assert by_block._add_columns(block_times(block)) is columns
    if not columns:
        by_block.add_block(block)
    counted = ("judged", "stale", "uses_orders", "kinds", "days", "stale_days")
    assert {name: getattr(by_block, name) for name in counted} == {name: getattr(by_rows, name) for name in counted}
    assert [list(c) for c in (by_block.days, by_block.stale_days)] == [
        list(c) for c in (by_rows.days, by_rows.stale_days)
    ]
    assert [f.to_dict() for f in by_block.findings()] == [f.to_dict() for f in by_rows.findings()]


def test_trg001_to_trg004_decide_a_block_as_they_decide_each_row(tmp_path: Path) -> None:
    """TriggerRows.check_block decides the common row inline, any other through
    the per-row path: the same outcome for every row of a block of every shape."""
    path = _hostile_rows(tmp_path / "rows.jsonl", 3_000)
    data = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    migration = tmp_path / "migration.jsonl"
    write_rows(migration, 1_000)
    data += [json.loads(line) for line in migration.read_text(encoding="utf-8").splitlines()]
    runner = prepare_runner(Linter({}, offline=True, default_mode="template"), SHIPPED, str(SHIPPED), None, None, 5)
    assert isinstance(runner, Runner)
    checker = next(entry.checker for entry in runner.row_rules if entry.checker is not None)
    numbers = list(range(1, len(data) + 1))
    one_by_one = [checker(runner.prototype.with_data(item)) for item in data]
    block = checker.check_block(RowBlock(runner.prototype, numbers, numbers, data))
    assert block == one_by_one
    decided = [outcome for outcome in block if outcome]
    assert sum(1 for outcome in decided if "TRG004" in outcome) > 100
    assert sum(1 for outcome in decided if set(outcome) == {"TRG001", "TRG002"}) > 400
