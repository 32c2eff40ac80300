"""The mergeable-state hook of the batch rules (TRG006, TRG007): states fed
partition by partition and folded in input order give exactly the findings of
one state fed every row, wherever the partitions are cut (no cluster needed)."""

from __future__ import annotations

import json

import pytest
from triggers.helpers import SHIPPED, batch_rows

from oopslint import Linter
from oopslint.batch import BatchRow, lint_batch
from oopslint.batch.dask_backend import mergeable_state
from oopslint.batch.runner import Runner

SEND_AT = "2024-05-02T09:00:00Z"


def prepared_runner(sample_size: int = 5) -> Runner:
    from datetime import datetime

    from oopslint.batch import prepare_runner

    linter = Linter({"select": ["TRG"]}, offline=True, default_mode="template")
    runner = prepare_runner(
        linter, SHIPPED, str(SHIPPED), None, datetime.fromisoformat(SEND_AT), sample_size, batch_rules=False
    )
    assert isinstance(runner, Runner)
    return runner


def folded_findings(runner: Runner, code: str, rows: list[dict], cuts: list[int]) -> list[dict]:
    rule = next(rule for rule in runner.batch_rules if rule.code == code)
    options = runner.config.options_for(rule)
    state_class = mergeable_state(rule)
    bounds = [0, *cuts, len(rows)]
    folded = None
    for start, end in zip(bounds, bounds[1:]):
        state = state_class(runner.summary, runner.job.context, options)
        if hasattr(state, "keep_firsts"):
            state.keep_firsts()
        for number in range(start + 1, end + 1):
            state.add(BatchRow(number, None, None, runner.context(rows[number - 1])))
        folded = state if folded is None else folded.merge(state)
    assert folded is not None
    return [json.loads(json.dumps(f.to_dict(), default=str)) for f in folded.findings()]


@pytest.fixture(scope="module")
def duplicated_rows() -> list[dict]:
    return [row for row in batch_rows(600, old_share=0.3, duplicates=60) if isinstance(row, dict)]


@pytest.mark.parametrize("code", ["TRG006", "TRG007"])
@pytest.mark.parametrize("cuts", [[], [1], [299, 300, 301], [50, 120, 333, 598], list(range(7, 600, 7))])
def test_partition_states_fold_to_the_whole_batch(duplicated_rows, code, cuts):
    runner = prepared_runner()
    whole = folded_findings(runner, code, duplicated_rows, [])
    assert whole, f"{code} should fire on this batch"
    assert folded_findings(runner, code, duplicated_rows, cuts) == whole


def test_folded_duplicates_name_the_first_rows_of_the_batch(duplicated_rows, tmp_path):
    runner = prepared_runner(sample_size=8)
    [finding] = folded_findings(runner, "TRG007", duplicated_rows, list(range(10, 600, 10)))
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in duplicated_rows), encoding="utf-8")
    report = lint_batch(SHIPPED, path, select=["TRG007"], offline=True, send_at=SEND_AT, sample_size=8)
    [local] = [f for f in report.findings if f.code == "TRG007"]
    assert finding["message"] == local.message
    assert finding["data"]["samples"] == json.loads(json.dumps(local.data["samples"]))
    rows = [sample["row"] for sample in finding["data"]["samples"]]
    assert rows == sorted(rows) and len(rows) == 8
    # every sample repeats an earlier row, most of them from an earlier partition of 10 rows
    assert all(s["first_row"] < s["row"] for s in finding["data"]["samples"])
    assert any((s["first_row"] - 1) // 10 < (s["row"] - 1) // 10 for s in finding["data"]["samples"])
