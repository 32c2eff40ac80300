"""The batch rules' chunk states as worker processes send them (pickled, only
the used slots of TRG007's index, its first rows packed) fold to exactly the
state of one process fed every row; JSON Lines read in blocks of lines for the
workers give the same rows, numbers and lines as read row by row."""

from __future__ import annotations

import json
import pickle
from datetime import datetime
from pathlib import Path

import pytest

from oopslint import Linter
from oopslint.batch import BatchRow, iter_context_rows, lint_batch, prepare_runner
from oopslint.batch.dask_backend import mergeable_state
from oopslint.batch.parallel import CHUNK_ROWS
from oopslint.batch.readers import LineBlock, parse_json_row
from oopslint.batch.runner import Runner
from triggers.helpers import SHIPPED, batch_rows

SEND_AT = "2024-05-02T09:00:00Z"


def prepared_runner(sample_size: int) -> Runner:
    linter = Linter({"select": ["TRG"]}, offline=True, default_mode="template")
    runner = prepare_runner(
        linter, SHIPPED, str(SHIPPED), None, datetime.fromisoformat(SEND_AT), sample_size, batch_rules=False
    )
    assert isinstance(runner, Runner)
    return runner


def findings(state) -> list[dict]:
    return [json.loads(json.dumps(f.to_dict(), default=str)) for f in state.findings()]


def fold_as_workers_send(
    runner: Runner, code: str, rows: list[dict], cuts: list[int], hint: int | None, again: bool = False
) -> list[dict]:
    """Feed a fresh state per chunk, send each through pickle as a worker does,
    and absorb them in chunk order as the reading process does. ``again``: the
    states keep no first rows; the reading process gives them the rows again."""
    rule = next(rule for rule in runner.batch_rules if rule.code == code)
    options = runner.config.options_for(rule)
    bounds = [0, *cuts, len(rows)]
    folded = None
    for start, end in zip(bounds, bounds[1:]):
        state = mergeable_state(rule)(runner.summary, runner.job.context, options)
        if hasattr(state, "keep_firsts") and not again:
            state.keep_firsts()
        for number in range(start + 1, end + 1):
            state.add(BatchRow(number, None, None, runner.context(rows[number - 1])))
        state = pickle.loads(pickle.dumps(state, pickle.HIGHEST_PROTOCOL))
        if again and hasattr(state, "rows_again"):
            asked = []

            def fetch(number: int, first=start, last=end, asked=asked) -> BatchRow | None:
                asked.append(number)
                assert first < number <= last, "only rows of this chunk are asked for"
                return BatchRow(number, None, None, runner.context(rows[number - 1]))

            state.rows_again(fetch)
        if folded is None:
            folded = state
            if hint is not None and hasattr(folded, "expect"):
                folded.expect(hint)
        else:
            folded.absorb(state)
    assert folded is not None
    return findings(folded)


def whole(runner: Runner, code: str, rows: list[dict]) -> list[dict]:
    rule = next(rule for rule in runner.batch_rules if rule.code == code)
    state = mergeable_state(rule)(runner.summary, runner.job.context, runner.config.options_for(rule))
    for number, row in enumerate(rows, 1):
        state.add(BatchRow(number, None, None, runner.context(row)))
    return findings(state)


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    """A realistic batch with repeats, one order sent 300 times across the whole
    batch (its copies pass the 255 the index counts), and rows without any id."""
    rows = [row for row in batch_rows(900, old_share=0.3, duplicates=90) if isinstance(row, dict)]
    flood = json.loads(json.dumps(rows[5]))
    for index in range(7, len(rows), 3):
        rows[index] = {**json.loads(json.dumps(flood)), "id": f"flood-{index}"}
    for index in range(4, len(rows), 50):
        rows[index].pop("id", None)
        rows[index]["order"].pop("id", None)
    return rows


@pytest.mark.parametrize("code", ["TRG006", "TRG007"])
@pytest.mark.parametrize("cuts", [[], [1], [449, 450, 451], list(range(13, 890, 13)), list(range(1, 890))])
@pytest.mark.parametrize("hint", [None, 5, 1_000_000])
def test_pickled_chunk_states_fold_to_the_whole_batch(rows, code, cuts, hint):
    runner = prepared_runner(sample_size=8)
    expected = whole(runner, code, rows)
    assert expected, f"{code} should fire on this batch"
    assert fold_as_workers_send(runner, code, rows, cuts, hint) == expected


@pytest.mark.parametrize("cuts", [[449, 450, 451], list(range(13, 890, 13)), list(range(1, 890))])
def test_chunk_states_given_their_rows_again_fold_to_the_whole_batch(rows, cuts):
    runner = prepared_runner(sample_size=8)
    assert fold_as_workers_send(runner, "TRG007", rows, cuts, 900, again=True) == whole(runner, "TRG007", rows)


def test_folded_copies_are_capped_and_samples_are_the_first_repeats_in_row_order(rows):
    runner = prepared_runner(sample_size=8)
    [finding] = fold_as_workers_send(runner, "TRG007", rows, list(range(10, 890, 10)), 900)
    data = finding["data"]
    assert data["max_copies"] == 255 and "up to 255+ to one recipient" in finding["message"]
    samples = data["samples"]
    assert [s["row"] for s in samples] == sorted(s["row"] for s in samples) and len(samples) == 8
    assert all(s["first_row"] < s["row"] for s in samples)
    # most repeats cross a cut of 10 rows: their first rows come from earlier chunks
    assert any((s["first_row"] - 1) // 10 < (s["row"] - 1) // 10 for s in samples)
    # a repeated row without id or order id is shown without id, as on one process
    assert [s for s in samples if s["id"] is None] or all(rows[s["row"] - 1].get("id") for s in samples)


def test_chunk_state_sends_only_its_used_slots(rows):
    runner = prepared_runner(sample_size=5)
    rule = next(rule for rule in runner.batch_rules if rule.code == "TRG007")
    state = mergeable_state(rule)(runner.summary, runner.job.context, runner.config.options_for(rule))
    state.keep_firsts()
    for number, row in enumerate(rows[:100], 1):
        state.add(BatchRow(number, None, None, runner.context(row)))
    sent = pickle.loads(pickle.dumps(state))
    keys, first_rows, copies = sent.seen.packed()
    assert len(keys) == len(set(keys)) == state.seen.used < state.seen.size
    assert sorted(zip(keys, first_rows, copies)) == sorted(state.seen.items())
    # the first row of each key keeps its id and address through the packing
    for number, (the_id, address) in state.firsts.items():
        assert sent.first_of(number) == (the_id, address)
    assert sent.first_of(10_000) is None


LINES = [
    "\ufeff" + json.dumps({"id": "a", "recipient": {"email": "a@example.com"}}) + "\r\n",
    "\n",
    "   \t \n",
    '{"id": "broken", "order": {\n',
    json.dumps({"id": "b"}) + "\n",
    "[1, 2]\n",
    "\n",
    json.dumps({"id": "c", "note": "caf\u00e9 \u2028 line"}) + "\n",
    json.dumps({"id": "d"}),  # no newline at the end
]


@pytest.mark.parametrize("size", [1, 2, 3, 100])
def test_blocks_of_lines_give_the_rows_read_one_by_one(tmp_path, size):
    path = tmp_path / "rows.jsonl"
    path.write_bytes("".join(LINES).encode("utf-8"))
    one_by_one = [
        (number, line, text)
        for number, line, _data, _error, text in iter_context_rows(path, with_text=True, parse_json=False)
    ]
    blocks = list(iter_context_rows(path, with_text=True, parse_json=False, blocks=size))
    assert all(isinstance(block, LineBlock) for block in blocks)
    assert [item for block in blocks for item in block.items()] == one_by_one
    assert sum(block.rows for block in blocks) == len(one_by_one) == 6
    # decoded in one loop per block: each row as parse_json_row reads its line
    decoded = [(number, line, *parse_json_row(text)) for number, line, text in one_by_one]
    from_blocks = []
    for block in blocks:
        rows, unreadable = block.parsed()
        from_blocks += [(number, line, data, None) for number, line, data in rows]
        from_blocks += [(number, line, None, error) for number, line, _none, error in unreadable]
    assert sorted(from_blocks, key=lambda item: item[0]) == decoded
    assert [item[3] is None for item in decoded] == [True, False, True, False, True, True]
    # other formats are read row by row as before
    csv_path = tmp_path / "rows.csv"
    csv_path.write_text("id,recipient.email\nr1,a@example.com\n", encoding="utf-8")
    [row] = iter_context_rows(csv_path, with_text=True, parse_json=False, blocks=size)
    assert row[:2] == (1, 2) and row[2]["id"] == "r1"


def test_workers_reading_blocks_report_bad_rows_by_row_and_line_as_one_process(tmp_path):
    rows = [json.dumps(row) if isinstance(row, dict) else row for row in batch_rows(4_500, duplicates=200, bad=40)]
    text = "\ufeff" + "".join(row + ("\n\n" if n % 97 == 0 else "\n") for n, row in enumerate(rows))
    path: Path = tmp_path / "rows.jsonl"
    path.write_text(text, encoding="utf-8")
    serial = lint_batch(SHIPPED, path, offline=True, send_at=SEND_AT, jobs=1, sample_size=12)
    parallel = lint_batch(SHIPPED, path, offline=True, send_at=SEND_AT, jobs=2, sample_size=12)

    def plain(report) -> tuple:
        batch = report.batch
        found = [json.loads(json.dumps(f.to_dict(), default=str)) for f in report.findings]
        return batch.rows, batch.checked, batch.bad_rows, [b.to_dict() for b in batch.bad_samples], found

    assert plain(parallel) == plain(serial)
    assert serial.batch.rows == 4_500 and serial.batch.bad_rows >= 40
    assert any(b.line is not None and b.line > b.row for b in serial.batch.bad_samples[1:])


def test_workers_show_repeats_of_rows_from_earlier_chunks_as_one_process(tmp_path):
    """Every repeat is the first row of its key in a later chunk of the workers:
    the reading process reads those rows again to show their ids and recipients."""
    rows = [row for row in batch_rows(3 * CHUNK_ROWS) if isinstance(row, dict)]
    for later, earlier in [
        (CHUNK_ROWS + 100, 9),
        (CHUNK_ROWS + 101, CHUNK_ROWS - 1),
        (2 * CHUNK_ROWS + 5, CHUNK_ROWS + 7),
    ]:
        rows[later] = {**json.loads(json.dumps(rows[earlier])), "id": f"again-{later}"}
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    reports = [lint_batch(SHIPPED, path, offline=True, send_at=SEND_AT, jobs=jobs, select=["TRG"]) for jobs in (1, 2)]
    [serial, parallel] = [[f for f in report.findings if f.code == "TRG007"] for report in reports]
    assert [f.to_dict() for f in parallel] == [f.to_dict() for f in serial]
    samples = serial[0].data["samples"]
    assert [(s["row"], s["first_row"], s["id"]) for s in samples] == [
        (CHUNK_ROWS + 101, 10, f"again-{CHUNK_ROWS + 100}"),
        (CHUNK_ROWS + 102, CHUNK_ROWS, f"again-{CHUNK_ROWS + 101}"),
        (2 * CHUNK_ROWS + 6, CHUNK_ROWS + 8, f"again-{2 * CHUNK_ROWS + 5}"),
    ]
    assert all(s["recipient"].endswith("@example.com") and "***" in s["recipient"] for s in samples)


@pytest.mark.parametrize(
    "line",
    [
        '{"id": "r1", "recipient": {"email": "a@example.com"}}\n',
        '{"id": "r1"}  \t\r\n',
        '{"id": "r1"} trailing\n',
        '{"id": "r1"}{"id": "r2"}\n',
        '{"id": "r1"}\u2028\n',
        '{"id": "r1", }\n',
        '{"id": \n',
        "\ufeff{}\n",
        ' {"id": "leading space"}\n',
        "[1, 2]\n",
        '"text"\n',
        "{" * 100_000 + "\n",
        '{"a": NaN, "b": 1e400}\n',
        '{"id": 123456789012345678901234567890, "n": -9999999999999999999, "u": 18446744073709551615}\n',
        '{"price": 0.1, "tiny": 5e-324, "big": 1.7976931348623157e308, "neg": -0.0, "e": 1E5}\n',
        '{"a": "\\ud800 lone surrogate", "b": "\\u0000"}\n',
        '{"a": "raw \x01 control"}\n',
        '{"a": 1, "a": 2}\n',
        '{"a": [' * 2000 + "]}" * 2000 + "\n",
    ],
)
def test_rows_read_as_json_loads_reads_them(line):
    try:
        expected = json.loads(line)
    except RecursionError:
        expected = "nested"
    except ValueError:
        expected = "invalid"
    value, error = parse_json_row(line)
    rows, unreadable = LineBlock(1, 1, [line], 1).parsed()
    if error is None:
        assert rows == [(1, 1, value)] and not unreadable
    else:
        assert unreadable == [(1, 1, None, error)] and not rows
    if isinstance(expected, dict):
        assert (value, error) == (expected, None) or (repr(value), error) == (repr(expected), None)
    elif expected == "nested":
        assert value is None and error == "invalid JSON: nested too deeply"
    elif expected == "invalid":
        assert value is None and error.startswith("invalid JSON")
    else:
        assert value is None and error.startswith("expected a JSON object")


def test_a_block_reads_each_line_as_json_loads_does_even_beside_a_number_beyond_64_bits():
    """Lines are decoded by orjson where it is installed, which reads an integer
    beyond 64 bits as a float: a block holding one is read by json instead."""
    lines = ['{"id": "r1", "n": 1}\n', '{"id": "r2", "n": 123456789012345678901}\n', '{"id": "r3", "n": 0.5}\n']
    rows, unreadable = LineBlock(1, 1, lines, 3).parsed()
    assert not unreadable
    assert [data for _number, _line, data in rows] == [json.loads(line) for line in lines]
    assert type(rows[1][2]["n"]) is int and rows[1][2]["n"] == 123456789012345678901
