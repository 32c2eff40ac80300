"""Per-recipient coupon codes in a batch: each row's code judged, each
distinct code looked up once, concurrently, through one client."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from oopslint_testing import run_cli

import oopslint
from oopslint.batch import lint_batch

from .conftest import SEND_AT, file_config, promo, remote_config
from .providers import Answer, Seen, stripe_coupon, stripe_handler, stripe_promotion

PERSONAL = "<p>Your personal code: use code <strong>{{ coupon_code }}</strong> for 20% off at checkout.</p>"
STRIPE_KEY = "sk_test_51Hv0BatchSecretKeyValue"


def write_rows(path: Path, codes: list[str | None]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for number, code in enumerate(codes, start=1):
            row = {"id": f"r{number}", "recipient": {"email": f"reader{number}@example.org"}, "send_at": SEND_AT}
            if code is not None:
                row["coupon_code"] = code
            handle.write(json.dumps(row) + "\n")
    return path


def batch_findings(report: oopslint.Report, code: str) -> list[oopslint.Finding]:
    return [f for f in report.findings if f.code == code]


def test_each_row_code_is_judged_against_the_file_source(tmp_path):
    template = tmp_path / "promo.html"
    template.write_text(promo(PERSONAL), encoding="utf-8")
    rows = write_rows(tmp_path / "rows.jsonl", ["WINTER20", "NOPE99", "GONE50", "nope99", "WINTER20", None])
    report = lint_batch(template, rows, config=file_config(), offline=True)
    assert [f for f in report.findings if f.code.startswith("OOPS0") and f.code != "OOPS005"] == []
    [unknown] = batch_findings(report, "CPN001")
    assert unknown.message == ("2 of 6 rows (33.3%); row 2 [r2]: coupon code NOPE99 does not exist in coupons.csv")
    assert [r["row"] for r in unknown.data["batch"]["first_rows"]] == [2, 4]
    [used_up] = batch_findings(report, "CPN002")
    assert used_up.message.endswith("coupon code GONE50 has no redemptions left (100 of 100 used)")
    assert used_up.data["batch"]["rows"] == 1
    [not_checked] = batch_findings(report, "CPN007")
    assert "merge tag filled per recipient" in not_checked.message and not_checked.data["batch"]["rows"] == 1
    assert report.batch.rules["CPN001"].failed_rows == 2


def test_the_cli_fails_the_batch_on_an_unknown_code(tmp_path):
    template = tmp_path / "promo.html"
    template.write_text(promo(PERSONAL), encoding="utf-8")
    (tmp_path / "oopslint.toml").write_text(
        '[tool.oopslint]\nselect = ["CPN"]\n[tool.oopslint.coupons]\nsource = "file"\n'
        f"[tool.oopslint.coupons.file]\npath = {json.dumps(str(Path(file_config()['coupons']['file']['path'])))}\n",
        encoding="utf-8",
    )
    rows = write_rows(tmp_path / "rows.jsonl", ["WINTER20", "WINTER20", "NOPE99"])
    result = run_cli(
        "batch", str(template), "--contexts", str(rows), "--offline", "--config", str(tmp_path / "oopslint.toml")
    )
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 1, out + err
    assert "CPN001" in out and "coupon code NOPE99 does not exist in coupons.csv" in out
    assert "crashed" not in out + err


def test_a_template_without_codes_runs_the_coupon_rules_without_crashing(tmp_path):
    template = tmp_path / "promo.html"
    template.write_text(promo("<p>Thanks for reading.</p>"), encoding="utf-8")
    rows = write_rows(tmp_path / "rows.jsonl", [None] * 1500)
    report = lint_batch(template, rows, config=file_config(), offline=True)
    assert [f.message for f in report.findings if f.code.startswith(("CPN", "OOPS"))] == []
    assert all(report.batch.rules[code].crashed_rows == 0 for code in report.batch.rules if code.startswith("CPN"))


@pytest.fixture
def stripe_env(monkeypatch):
    monkeypatch.setenv("OOPSLINT_TEST_STRIPE", STRIPE_KEY)


class InFlight:
    """Wraps a provider handler: how many requests were answered at once."""

    def __init__(self, handler, delay: float):
        self.handler = handler
        self.delay = delay
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def __call__(self, seen: Seen):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(self.delay)
            answer = self.handler(seen)
        finally:
            with self.lock:
                self.now -= 1
        assert isinstance(answer, Answer)
        return answer


@pytest.mark.parametrize("jobs", [1, 2])
def test_distinct_codes_are_looked_up_once_concurrently_through_one_client(tmp_path, providers, stripe_env, jobs):
    codes = [f"READER{n:03d}" for n in range(40)]
    coupons = {"co_20": stripe_coupon("co_20", percent_off=20.0)}
    promotions = {code: stripe_promotion(code, "co_20") for code in codes[:30]}  # the last ten were never created
    counter = InFlight(stripe_handler(promotions, coupons, STRIPE_KEY), delay=0.05)
    provider = providers(counter)
    template = tmp_path / "promo.html"
    template.write_text(promo(PERSONAL), encoding="utf-8")
    # 120 rows name the 40 codes three times each, spread over the batch
    rows = write_rows(tmp_path / "rows.jsonl", codes * 3)
    config = remote_config(
        "stripe", {"api_key": "${OOPSLINT_TEST_STRIPE}", "base_url": provider.origin, "stripe_version": "2024-06-20"}
    )
    config["http"]["max_per_host"] = 4
    report = lint_batch(template, rows, config=config, jobs=jobs)
    [unknown] = batch_findings(report, "CPN001")
    assert unknown.message.startswith("30 of 120 rows (25.0%); row 31 [r31]: coupon code READER030")
    assert report.batch.rules["CPN001"].failed_rows == 30
    assert batch_findings(report, "CPN006") == [] and batch_findings(report, "CPN002") == []
    asked = [seen.query["code"][0] for seen in provider.seen if seen.path == "/v1/promotion_codes"]
    assert sorted(asked) == sorted(codes)  # one look-up per distinct code, with worker processes too
    assert 1 < counter.most <= 4  # concurrent, within the per-host limit of the batch's one client
    assert STRIPE_KEY not in json.dumps([f.to_dict() for f in report.findings])
