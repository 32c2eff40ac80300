"""Values that used to crash the trigger rules: each is a context error (a bad
row in a batch) or a configuration error (exit 2), never OOPS001."""

from __future__ import annotations

import json

import pytest
from oopslint_testing import run_cli

from oopslint import ConfigError, Linter
from oopslint.batch import lint_batch

from .helpers import SHIPPED, codes, context, lint

HUGE_INT = 10**400
OUT_OF_RANGE = [float("inf"), float("nan"), HUGE_INT, -1e20]


def with_event_at(value):
    ctx = context("fresh")
    ctx["event"]["at"] = value
    return ctx


@pytest.mark.parametrize("value", OUT_OF_RANGE, ids=["1e309", "nan", "huge-int", "-1e20"])
def test_an_epoch_out_of_range_is_a_context_error_not_a_crash(value):
    report = lint(SHIPPED, with_event_at(value))
    assert "OOPS001" not in codes(report)
    (invalid,) = [f for f in report.findings if f.code == "OOPS005"]  # one bad value, one finding
    assert "event.at" in invalid.message and "is not a time" in invalid.message
    assert "TRG001 (stale-trigger)" in invalid.message and "TRG004 (impossible-timeline)" in invalid.message
    assert len(invalid.message) < 300  # a huge number is described, not printed


def test_an_epoch_out_of_range_on_the_command_line(tmp_path):
    ctx = tmp_path / "ctx.json"
    raw = json.dumps(with_event_at("PLACEHOLDER")).replace('"PLACEHOLDER"', "1e309")
    ctx.write_text(raw, encoding="utf-8")
    result = run_cli("check", str(SHIPPED), "--context", str(ctx), "--offline", "--select", "TRG,OOPS005")
    out = result.stdout.decode()
    assert out.count("OOPS005") == 1 and "event.at inf is not a time" in out
    assert "OOPS001" not in out and "crashed" not in out
    assert result.returncode == 1


def test_epochs_out_of_range_are_bad_rows_in_a_batch(tmp_path):
    good = with_event_at("2024-05-02T08:12:00Z")
    lines = [json.dumps({**good, "id": "good-1"})]
    for n, literal in enumerate(["1e309", "NaN", str(HUGE_INT)]):
        lines.append(json.dumps({**with_event_at("X"), "id": f"bad-{n}"}).replace('"X"', literal))
    lines.append(json.dumps({**good, "id": "good-2"}))
    rows = tmp_path / "rows.jsonl"
    rows.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = lint_batch(SHIPPED, rows, offline=True, select=["TRG"])
    assert "OOPS001" not in codes(report)
    summary = report.batch
    assert summary.rows == 5 and summary.bad_rows == 3
    assert all("is not a time" in bad.reason for bad in summary.bad_samples)


@pytest.mark.parametrize("max_age", ["99999999999d", "1000000w", 10**12, float("inf"), float("nan")])
def test_an_absurd_max_age_is_a_configuration_error(max_age):
    with pytest.raises(ConfigError) as raised:
        lint(SHIPPED, context("fresh"), config={"triggers": {"max_age": {"shipped": max_age}}})
    assert "max_age.shipped" in str(raised.value)


def test_an_absurd_max_age_exits_2_on_the_command_line(tmp_path):
    (tmp_path / "oopslint.toml").write_text('[triggers]\nmax_age = {shipped = "99999999999d"}\n', encoding="utf-8")
    ctx = tmp_path / "ctx.json"
    ctx.write_text(json.dumps(context("fresh")), encoding="utf-8")
    email = tmp_path / "shipped.html"
    email.write_bytes(SHIPPED.read_bytes())
    result = run_cli("check", str(email), "--context", str(ctx), "--offline", cwd=tmp_path)
    assert result.returncode == 2
    err = result.stderr.decode()
    assert "max_age.shipped" in err and "longer than 100 years" in err
    assert "crashed" not in result.stdout.decode()


@pytest.mark.parametrize("days", [1e12, float("inf"), float("nan")])
def test_an_absurd_old_order_days_is_a_configuration_error(days):
    with pytest.raises(ConfigError, match="old_order_days"):
        lint(SHIPPED, context("years-old"), config={"triggers": {"old_order_days": days}})


def test_an_unknown_configured_timezone_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigError) as raised:
        lint(SHIPPED, context("naive-timestamp"), config={"context": {"timezone": "Mars/Olympus"}})
    assert "timezone" in str(raised.value) and "Mars/Olympus" in str(raised.value)
    (tmp_path / "oopslint.toml").write_text('[context]\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    email = tmp_path / "shipped.html"
    email.write_bytes(SHIPPED.read_bytes())
    ctx = tmp_path / "ctx.json"
    ctx.write_text(json.dumps(context("fresh")), encoding="utf-8")
    result = run_cli("check", str(email), "--context", str(ctx), "--offline", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown timezone 'Mars/Olympus'" in result.stderr.decode()
    batch = run_cli("batch", str(email), "--contexts", str(ctx), "--offline", cwd=tmp_path)
    assert batch.returncode == 2 and "unknown timezone 'Mars/Olympus'" in batch.stderr.decode()


def test_a_known_timezone_still_reads_naive_timestamps():
    report = lint(SHIPPED, context("naive-timestamp"), config={"context": {"timezone": "Europe/Berlin"}})
    assert "OOPS005" not in codes(report)


DEEP_JSON = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("suffix, text", [(".json", DEEP_JSON), (".yaml", DEEP_JSON)])
def test_a_context_file_nested_100000_deep_is_a_context_error(tmp_path, suffix, text):
    ctx = tmp_path / f"ctx{suffix}"
    ctx.write_text(text, encoding="utf-8")
    report = Linter({"select": ["TRG"]}, offline=True).lint(SHIPPED, context=ctx)
    assert [f.code for f in report.findings] == ["OOPS005"]
    assert "nested too deeply" in report.findings[0].message
    result = run_cli("check", str(SHIPPED), "--context", str(ctx), "--offline")
    assert result.returncode == 2
    assert "nested too deeply" in result.stderr.decode() and "internal error" not in result.stderr.decode()


@pytest.mark.parametrize("layout", ["jsonl", "json-array"])
def test_a_row_nested_100000_deep_is_a_bad_row_and_the_others_are_checked(tmp_path, layout):
    good = [
        json.dumps({**context("fresh"), "id": f"row-{n}", "recipient": {"email": f"r{n}@example.com"}})
        for n in range(3)
    ]
    deep = '{"a":' * 100_000 + '"x]}\\"' + '"' + "}" * 100_000
    if layout == "jsonl":
        rows = tmp_path / "rows.jsonl"
        rows.write_text("\n".join([good[0], deep, good[1], good[2]]) + "\n", encoding="utf-8")
    else:
        rows = tmp_path / "rows.json"
        rows.write_text("[" + good[0] + "," + deep + ",\n" + good[1] + "," + good[2] + "]\n", encoding="utf-8")
    report = lint_batch(SHIPPED, rows, offline=True, select=["TRG"])
    summary = report.batch
    assert summary.rows == 4 and summary.checked == 3 and summary.bad_rows == 1
    assert summary.bad_samples[0].row == 2 and "nested too deeply" in summary.bad_samples[0].reason


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        253402300799,
        -62135596800,
    ],
)
@pytest.mark.parametrize("field", ["send_at", "event.at", "order.placed_at", "order.shipped_at", "order.delivered_at"])
def test_dates_at_the_ends_of_the_calendar_do_not_crash_the_rules(value, field):
    ctx = context("fresh")
    ctx.setdefault("order", {})
    section, _, name = field.rpartition(".")
    (ctx[section] if section else ctx)[name] = value
    assert "OOPS001" not in codes(lint(SHIPPED, ctx))


@pytest.mark.parametrize("minutes", [1e20, float("inf"), float("nan")])
def test_an_absurd_clock_skew_is_a_configuration_error(minutes):
    with pytest.raises(ConfigError, match="clock_skew_minutes"):
        lint(SHIPPED, context("fresh"), config={"triggers": {"clock_skew_minutes": minutes}})
