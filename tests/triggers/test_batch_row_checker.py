"""The row hook (``check.row_checker``): a family's rules decided together on each
row of a batch, with the report a batch without the hook gives, field for field."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from oopslint import ConfigError, ContextError, Finding, Linter, SendContext, rule
from oopslint.batch import lint_batch
from oopslint.batch.rows import EventTimes
from oopslint.registry import Registry

from .helpers import SHIPPED, write_rows

SEND_AT = "2024-05-02T09:00:00Z"
TRG_PER_ROW = ("trg001_stale_trigger", "trg002_old_order", "trg003_status_mismatch", "trg004_impossible_timeline")


def _report(report: Any) -> dict[str, Any]:
    data = json.loads(report.to_json())
    data["batch"].pop("seconds", None)
    data["batch"].pop("rows_per_second", None)
    return data


def _hostile_rows(path: Path, count: int) -> Path:
    """Rows of every shape the TRG rules meet: good, naive, malformed, missing and odd values."""
    rng = random.Random(11)
    times = [
        "2024-05-01T10:00:00Z",
        "2024-05-01T10:00:00+02:00",
        "2019-01-01T00:00:00Z",
        "2024-05-03T10:00:00Z",
        "2024-05-01T10:00:00",
        "2024-02-30T10:00:00Z",
        "",
        None,
        1714550400,
        "not a date",
        {"a": 1},
    ]
    types = ["shipped", "delivered", "order_confirmation", "review_request", "password_reset", "", None, 5, "Shipped"]
    statuses = ["shipped", "cancelled", "pending", "delivered", "in_transit", "completed", "", None, "weird", 3]
    with path.open("w", encoding="utf-8") as out:
        for index in range(count):
            row: dict[str, Any] = {"id": f"h{index}", "recipient": {"email": rng.choice(["a@x.org", "b@x.org", ""])}}
            if rng.random() < 0.85:
                row["send_at"] = rng.choice(times[:4] if rng.random() < 0.9 else times)
            event: dict[str, Any] = {}
            if rng.random() < 0.9:
                event["type"] = rng.choice(types)
            if rng.random() < 0.5:
                event["at"] = rng.choice(times)
            row["event"] = event
            order = {
                key: rng.choice(times) for key in ("placed_at", "shipped_at", "delivered_at") if rng.random() < 0.7
            }
            if rng.random() < 0.8:
                order["status"] = rng.choice(statuses)
            order["id"] = f"A-{index % 97}"
            row["order"] = order
            out.write(json.dumps(row) + "\n")
    return path


@pytest.fixture
def without_trg_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    for name in TRG_PER_ROW:
        module = importlib.import_module(f"rules.triggers.{name}")
        check = next(
            value.check for value in vars(module).values() if hasattr(value, "check") and hasattr(value, "code")
        )
        monkeypatch.delattr(check, "row_checker")


@pytest.mark.parametrize("timezone", [None, "Europe/Berlin"])
@pytest.mark.parametrize("jobs", [1, 2])
def test_trg_rules_give_the_same_batch_report_with_and_without_their_row_checker(
    tmp_path: Path, request: pytest.FixtureRequest, jobs: int, timezone: str | None
) -> None:
    rows = _hostile_rows(tmp_path / "rows.jsonl", 1500)
    config = {"context": {"timezone": timezone}} if timezone else None
    options: dict[str, Any] = {"offline": True, "send_at": SEND_AT, "jobs": jobs, "select": ["TRG"], "config": config}
    fast = _report(lint_batch(SHIPPED, str(rows), **options))
    request.getfixturevalue("without_trg_hook")
    plain = _report(lint_batch(SHIPPED, str(rows), **options))
    assert fast == plain
    tallies = fast["batch"]["rules"]
    assert all(tallies[code]["failed_rows"] > 0 for code in ("TRG001", "TRG002", "TRG003", "TRG004"))
    assert fast["batch"]["bad_rows"] > 0


def test_the_migration_batch_is_the_same_with_and_without_the_row_checker(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    rows = write_rows(tmp_path / "rows.jsonl", 3000, duplicates=40, bad=30)
    config = {"triggers": {"event_types": {"parcel_handed_over": "shipped"}, "max_age": {"shipped": "5d"}}}
    fast = _report(lint_batch(SHIPPED, str(rows), offline=True, config=config))
    request.getfixturevalue("without_trg_hook")
    plain = _report(lint_batch(SHIPPED, str(rows), offline=True, config=config))
    assert fast == plain
    shown = [f for f in fast["files"][0]["findings"] if f["code"] == "TRG001"]
    assert shown and "Shipping notice for an event" in shown[0]["message"]  # the rows shown are told in full


@pytest.mark.parametrize("jobs", [1, 2])
def test_timestamps_without_offset_are_read_in_the_configured_timezone_by_every_trg_rule(
    tmp_path: Path, jobs: int
) -> None:
    """The same batch written with "Z" and without an offset, read with timezone
    UTC: the same report, TRG006's counts per year included."""
    aware = write_rows(tmp_path / "aware.jsonl", 3000, duplicates=40)
    naive = tmp_path / "naive.jsonl"
    naive.write_text(aware.read_text(encoding="utf-8").replace('Z"', '"'), encoding="utf-8")
    assert 'Z"' not in naive.read_text(encoding="utf-8")
    config = {"context": {"timezone": "UTC"}}
    with_offset = _report(lint_batch(SHIPPED, str(aware), offline=True, jobs=jobs, config=config))
    without = _report(lint_batch(SHIPPED, str(naive), offline=True, jobs=jobs, config=config))
    assert without["batch"].pop("contexts") != with_offset["batch"].pop("contexts")
    assert without == with_offset
    codes = {f["code"] for f in without["files"][0]["findings"]}
    assert {"TRG001", "TRG002", "TRG006", "TRG007"} <= codes
    assert without["batch"]["bad_rows"] == 0
    unset = _report(lint_batch(SHIPPED, str(naive), offline=True, jobs=jobs))
    assert unset["batch"]["bad_rows"] == unset["batch"]["rows"]  # no timezone: every row says so


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_oldest_event_is_found_when_it_comes_after_the_examples(
    tmp_path: Path, request: pytest.FixtureRequest, jobs: int
) -> None:
    """Stale rows that get older row by row, and rows with two impossible
    times: the oldest event time and every count, long after each rule's
    example rows are taken, are the ones the rules report without the hook."""
    rows = tmp_path / "rows.jsonl"
    newest = datetime.fromisoformat("2024-04-20T08:00:00+00:00")
    day = timedelta(days=1)
    with rows.open("w", encoding="utf-8") as out:
        for index in range(3000):
            placed = newest - index * day
            order = {"id": f"A-{index}", "status": "shipped", "placed_at": placed.isoformat()}
            if index % 3 == 0:  # shipped before placed and delivered before shipped: two TRG004 times
                order |= {"shipped_at": (placed - day).isoformat(), "delivered_at": (placed - 2 * day).isoformat()}
            else:
                order["shipped_at"] = (placed + day).isoformat()
            row = {"id": f"r{index}", "recipient": {"email": f"c{index}@example.com"}, "order": order}
            out.write(json.dumps(row) + "\n")
    options: dict[str, Any] = {"offline": True, "send_at": SEND_AT, "jobs": jobs, "select": ["TRG"]}
    fast = _report(lint_batch(SHIPPED, str(rows), **options))
    request.getfixturevalue("without_trg_hook")
    plain = _report(lint_batch(SHIPPED, str(rows), **options))
    assert fast == plain
    tallies = fast["batch"]["rules"]
    oldest_placed = newest - 2999 * day  # the last row's
    assert tallies["TRG001"]["failed_rows"] == 3000
    assert tallies["TRG001"]["oldest_event"] == (oldest_placed + day).isoformat()  # its shipment
    assert tallies["TRG002"]["oldest_event"] == oldest_placed.isoformat()
    assert tallies["TRG004"]["failed_rows"] == 1000
    assert tallies["TRG004"]["findings"] == 2000
    assert tallies["TRG004"]["oldest_event"] == (newest - 2997 * day - 2 * day).isoformat()  # row 2,998's delivery


def test_epoch_seconds_give_the_report_iso_timestamps_give(tmp_path: Path) -> None:
    aware = write_rows(tmp_path / "aware.jsonl", 2000, duplicates=20)
    epoch = tmp_path / "epoch.jsonl"
    with epoch.open("w", encoding="utf-8") as out:
        for line in aware.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            row["send_at"] = int(datetime.fromisoformat(row["send_at"]).timestamp())
            row["order"] = {
                key: int(datetime.fromisoformat(value).timestamp()) if key.endswith("_at") else value
                for key, value in row["order"].items()
            }
            out.write(json.dumps(row) + "\n")
    iso = _report(lint_batch(SHIPPED, str(aware), offline=True))
    seconds = _report(lint_batch(SHIPPED, str(epoch), offline=True))
    assert seconds["batch"].pop("contexts") != iso["batch"].pop("contexts")
    assert seconds == iso
    assert seconds["batch"]["rules"]["TRG001"]["failed_rows"] > 900  # about every second row is stale


# ---------------------------------------------------------------- a third-party family with the hook

CALLS: dict[str, int] = {"late": 0, "discount": 0, "checker": 0}


class AcmeRows:
    """Decides ACME201 and ACME202 on a row; leaves odd rows to the rules."""

    def __init__(self, email: Any, context: SendContext, options: Mapping[str, Mapping[str, Any]]):
        self.cutoff = datetime.fromisoformat(options["ACME201"]["cutoff"]) if "ACME201" in options else None
        if "ACME202" in options and options["ACME202"]["max_discount"] < 0:
            raise ConfigError("max_discount must be zero or more")
        self.max_discount = options["ACME202"]["max_discount"] if "ACME202" in options else None

    def __call__(self, context: SendContext) -> dict[str, list[Finding] | EventTimes | None] | None:
        CALLS["checker"] += 1
        send_raw, discount, marker = context.values(("send_at", "discount", "marker"))
        if marker == "explode":
            raise RuntimeError("a checker bug on one row")
        if marker == "whole-row":
            return None
        out: dict[str, list[Finding] | EventTimes | None] = {}
        if self.cutoff is not None and send_raw is not None:
            send_at = datetime.fromisoformat(send_raw)
            if send_at > self.cutoff:
                out["ACME201"] = EventTimes((send_at,))
        if self.max_discount is not None and discount is not None:
            if not isinstance(discount, int):
                out["ACME202"] = None  # the rule says what is wrong with it
            elif discount > self.max_discount:
                out["ACME202"] = [Finding("")]
        return out


@rule(
    code="ACME201",
    name="late-send",
    summary="Sent after the campaign's cutoff",
    severity="warning",
    section="acme",
    uses_context=True,
    options={"cutoff": "2024-05-02T00:00:00+00:00"},
)
def late_send(email: Any, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Flags rows sent after the cutoff.
    """
    CALLS["late"] += 1
    at = context.time("send_at")
    if at is not None and at > datetime.fromisoformat(options["cutoff"]):
        yield Finding("" if context.brief else f"sent {at.isoformat()}, after the cutoff", data={"event_at": at})


@rule(
    code="ACME202",
    name="big-discount",
    summary="Discount above the maximum",
    severity="error",
    section="acme",
    uses_context=True,
    options={"max_discount": 50},
)
def big_discount(email: Any, context: SendContext, options: Any) -> Iterator[Finding]:
    """What it does
    Flags rows whose discount is above the maximum.
    """
    CALLS["discount"] += 1
    if options["max_discount"] < 0:
        raise ConfigError("max_discount must be zero or more")
    discount = context.get("discount")
    if discount is None:
        return
    if not isinstance(discount, int):
        raise ContextError(f"discount {discount!r} is not a whole number")
    if discount > options["max_discount"]:
        yield Finding("" if context.brief else f"discount {discount}% is above {options['max_discount']}%")


def _acme_rows(path: Path) -> Path:
    rows = []
    for index in range(400):
        row: dict[str, Any] = {"id": f"r{index}", "send_at": f"2024-05-0{1 + index % 3}T10:00:00+00:00"}
        row["discount"] = [10, 80, "lots", None][index % 4]
        if index % 50 == 7:
            row["marker"] = "explode"
        elif index % 50 == 9:
            row["marker"] = "whole-row"
        rows.append(json.dumps(row))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _acme_batch(rows: Path, hooked: bool, jobs: int = 1, config: dict | None = None) -> dict[str, Any]:
    for function in (late_send.check, big_discount.check):
        if hooked:
            function.row_checker = AcmeRows  # type: ignore[attr-defined]
        elif hasattr(function, "row_checker"):
            del function.row_checker  # type: ignore[attr-defined]
    for key in CALLS:
        CALLS[key] = 0
    linter = Linter(config or {}, registry=Registry([late_send, big_discount]), offline=True)
    return _report(lint_batch("<p>Your order</p>", str(rows), linter=linter, jobs=jobs))


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_plugin_family_decided_by_its_row_checker_reports_what_its_rules_report(tmp_path: Path, jobs: int) -> None:
    rows = _acme_rows(tmp_path / "rows.jsonl")
    plain = _acme_batch(rows, hooked=False, jobs=jobs)
    fast = _acme_batch(rows, hooked=True, jobs=jobs)
    assert fast == plain
    tallies = fast["batch"]["rules"]
    assert tallies["ACME201"]["failed_rows"] == 266
    assert tallies["ACME202"]["failed_rows"] == 100
    assert fast["batch"]["bad_rows"] == 100  # "lots": the rule's own ContextError, run by the rule itself
    messages = {f["code"]: f["message"] for f in fast["files"][0]["findings"]}
    assert "after the cutoff" in messages["ACME201"] and "above 50%" in messages["ACME202"]


def test_the_row_checker_decides_most_rows_and_leaves_the_rest_to_the_rules(tmp_path: Path) -> None:
    rows = _acme_rows(tmp_path / "rows.jsonl")
    _acme_batch(rows, hooked=True)
    assert CALLS["checker"] == 400
    # rules run for the rows shown in full, the rows the checker left (a whole row, a
    # crash of the checker, a discount that is not a number), and nothing else
    assert CALLS["late"] < 40
    assert 100 <= CALLS["discount"] < 140
    _acme_batch(rows, hooked=False)
    assert CALLS["checker"] == 0 and CALLS["late"] > 0 and CALLS["discount"] > 0


def test_a_factory_that_refuses_the_options_leaves_the_rules_to_report_them(tmp_path: Path) -> None:
    rows = _acme_rows(tmp_path / "rows.jsonl")
    with pytest.raises(ConfigError, match="max_discount must be zero or more"):
        _acme_batch(rows, hooked=True, config={"acme": {"max_discount": -1}})
    assert CALLS["checker"] == 0
