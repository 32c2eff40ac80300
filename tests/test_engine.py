"""The engine: selection, crash isolation, async and network rules, suppressions, severities."""

from __future__ import annotations

import asyncio
import threading

import pytest

from oopslint import Config, ConfigError, Finding, Linter, Severity, rule
from oopslint.registry import Registry

HTML = """<html lang="en"><body>
<p>Hello friend</p>
<img src="https://cdn.example/a.png">
<a href="https://shop.example/">Shop</a>
</body></html>
"""


@rule(code="TST001", name="every-image", severity="warning", section="testing", options={"label": "image"})
def every_image(email, context, options):
    """Reports every image."""
    for image in email.images:
        yield Finding(f"{options.label} {image.url}", span=image.span)


@rule(code="TST002", name="always-crashes", severity="error", section="testing")
def always_crashes(email, context, options):
    """Crashes."""
    raise ValueError("boom")
    yield  # pragma: no cover


@rule(code="TST003", name="slow-network", severity="error", section="testing", network=True)
async def slow_network(email, context, options):
    """Pretends to check links."""
    await asyncio.sleep(0.01)
    return [Finding(f"checked {link.url}", span=link.span) for link in email.links]


@rule(code="TST004", name="needs-send-time", severity="warning", section="testing", uses_context=True)
def needs_send_time(email, context, options):
    """Reads a timestamp from the context."""
    placed = context.time("order_placed_at")
    if placed is not None:
        yield Finding(f"placed {placed.date()}", severity=Severity.INFO)


@rule(code="TST005", name="rendered-only", severity="error", section="testing", modes=("rendered",))
def rendered_only(email, context, options):
    """Runs only on rendered mail."""
    yield Finding("rendered check ran")


@rule(
    code="TST006",
    name="counts-frozen-objects",
    severity="info",
    section="testing",
    network=True,
    options={"sleep": 0.0},
)
async def counts_frozen_objects(email, context, options):
    """Reports how many objects the collector leaves out of its passes while network rules run."""
    import gc

    if options.sleep:
        LONG_CHECK_RUNNING.set()
    await asyncio.sleep(options.sleep)
    return [Finding(f"frozen {gc.get_freeze_count()}")]


LONG_CHECK_RUNNING = threading.Event()

REGISTRY = Registry([every_image, always_crashes, slow_network, needs_send_time, rendered_only])


def linter(**kwargs) -> Linter:
    kwargs.setdefault("config", {})
    return Linter(registry=REGISTRY, **kwargs)


def codes(report) -> list[str]:
    return [f.code for f in report.findings]


def test_a_crashing_rule_becomes_a_finding_and_others_still_report():
    report = linter().lint(HTML)
    crash = [f for f in report.findings if f.code == "OOPS001"]
    assert len(crash) == 1
    assert "TST002 (always-crashes) crashed: ValueError: boom" in crash[0].message
    assert "TST001" in codes(report) and "TST003" in codes(report)
    assert report.exit_code == 2
    assert not report.ok


def test_findings_carry_rule_metadata_position_and_snippet():
    report = linter(select=["TST001"]).lint(HTML, path="x.html")
    (finding,) = report.findings
    assert (finding.code, finding.rule, finding.severity) == ("TST001", "every-image", Severity.WARNING)
    assert (finding.line, finding.column) == (3, 11)
    assert finding.snippet == '<img src="https://cdn.example/a.png">'
    assert finding.message == "image https://cdn.example/a.png"
    assert finding.path == "x.html"


def test_rule_options_come_from_their_config_section():
    report = linter(config={"select": ["TST001"], "testing": {"label": "picture"}}).lint(HTML)
    assert report.findings[0].message.startswith("picture ")


def test_offline_skips_network_rules_and_counts_unchecked_urls():
    report = linter(offline=True, select=["TST"]).lint(HTML)
    assert "TST003" not in codes(report)
    assert report.skipped_network_rules == ["TST003"]
    assert report.unchecked_urls == 2
    assert report.to_dict()["summary"]["offline"] == {"skipped_rules": ["TST003"], "unchecked_urls": 2}


def test_network_rules_run_inside_an_already_running_event_loop():
    async def main():
        return await linter(select=["TST003"]).alint(HTML)

    report = asyncio.run(main())
    assert codes(report) == ["TST003"]

    async def sync_call_inside_loop():
        return linter(select=["TST003"]).lint(HTML)

    assert codes(asyncio.run(sync_call_inside_loop())) == ["TST003"]


def test_mode_selects_rules():
    assert "TST005" in codes(linter(select=["TST005"]).lint(HTML))
    assert "TST005" not in codes(linter(select=["TST005"], mode="template").lint(HTML))


def test_select_ignore_and_extend_select_by_code_prefix_and_name():
    assert set(codes(linter(config={"select": ["TST"], "ignore": ["always-crashes", "TST003"]}).lint(HTML))) == {
        "TST001",
        "TST005",
    }
    assert set(codes(linter(config={"select": ["TST001"], "extend-select": ["TST005"]}).lint(HTML))) == {
        "TST001",
        "TST005",
    }


def test_severity_overrides_by_code_and_prefix_most_specific_wins():
    config = {"select": ["TST001", "TST005"], "severity": {"TST": "info", "TST005": "warning"}}
    report = linter(config=config).lint(HTML)
    levels = {f.code: f.severity for f in report.findings}
    assert levels == {"TST001": Severity.INFO, "TST005": Severity.WARNING}


def test_fail_on_decides_ok_and_exit_code():
    report = linter(config={"select": ["TST001"]}).lint(HTML)
    assert report.ok and report.exit_code == 0
    report = linter(config={"select": ["TST001"], "fail-on": "warning"}).lint(HTML)
    assert not report.ok and report.exit_code == 1


def test_per_file_ignores_match_globs(tmp_path):
    config = {"select": ["TST001"], "per-file-ignores": {"legacy/*.html": ["TST001"]}}
    report = linter(config=config).lint(HTML, path="legacy/old.html")
    assert report.findings == []
    report = linter(config=config).lint(HTML, path="new/fresh.html")
    assert codes(report) == ["TST001"]


def test_one_linter_applies_per_file_ignores_to_each_path_it_lints():
    config = {"select": ["TST001"], "per-file-ignores": {"legacy/*.html": ["TST001"]}}
    lint = linter(config=config)
    for path, expected in (("legacy/old.html", []), ("new/fresh.html", ["TST001"]), ("legacy/older.html", [])):
        assert codes(lint.lint(HTML, path=path)) == expected


def test_a_naive_timestamp_in_the_context_is_a_clear_error_not_a_crash():
    report = linter(select=["TST004"]).lint(HTML, context={"order": {"placed_at": "2024-01-02T10:00:00"}})
    (finding,) = report.findings
    assert finding.code == "OOPS005"
    assert "has no timezone" in finding.message
    report = linter(select=["TST004"]).lint(HTML, context={"order": {"placed_at": "2024-01-02T10:00:00Z"}})
    assert [f.message for f in report.findings] == ["placed 2024-01-02"]


@pytest.mark.parametrize(
    "config, message",
    [
        ({"selectt": ["TST"]}, "unknown key 'selectt'"),
        ({"select": ["NOPE"]}, "'NOPE' matches no rule"),
        ({"fail-on": "fatal"}, "choose error, warning or info"),
        ({"mode": "draft"}, "choose template or rendered"),
        ({"testing": {"lable": "x"}}, "unknown option 'lable' in [testing]; valid options: label"),
        ({"testing": {"label": 3}}, "testing.label must be a string"),
        ({"dialects": ["jinja", "smarty"]}, "unknown merge-tag dialect 'smarty'"),
        ({"severity": {"TST001": "loud"}}, "is not a level"),
    ],
)
def test_bad_configuration_is_an_error_naming_the_key(config, message):
    with pytest.raises(ConfigError) as raised:
        Config.from_mapping(config, registry=REGISTRY)
    assert message in str(raised.value)


def test_config_file_is_found_by_walking_up(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.oopslint]\nselect = ["TST001"]\n[tool.oopslint.testing]\nlabel = "pic"\n'
    )
    folder = tmp_path / "emails" / "2026"
    folder.mkdir(parents=True)
    (folder / "a.html").write_text(HTML)
    report = Linter(registry=REGISTRY).lint_paths([str(folder / "a.html")])
    assert [f.message.split()[0] for f in report.findings] == ["pic"]


def test_suppression_comments():
    html = """<html lang="en"><body>
<!-- oopslint-disable-next-line TST001 -->
<img src="https://cdn.example/1.png">
<img src="https://cdn.example/2.png">
<!-- oopslint-disable every-image -- legacy footer -->
<img src="https://cdn.example/3.png">
<!-- oopslint-enable -->
<img src="https://cdn.example/4.png">
<!-- oopslint-disable-next-line TST001 -->
<p>nothing here</p>
<!-- oopslint-disable-next-line NOPE123 -->
</body></html>"""
    report = linter(select=["TST001"]).lint(html)
    messages = [(f.code, f.line, f.message) for f in report.findings]
    assert ("TST001", 4, "image https://cdn.example/2.png") in messages
    assert ("TST001", 8, "image https://cdn.example/4.png") in messages
    assert not any("1.png" in m or "3.png" in m for _, _, m in messages)
    unused = [(line, message) for code, line, message in messages if code == "OOPS002"]
    assert (9, "oopslint-disable-next-line TST001 suppressed nothing") in unused
    assert (11, "oopslint-disable-next-line names 'NOPE123', which matches no rule") in unused
    assert all(f.severity == Severity.INFO for f in report.findings if f.code == "OOPS002")


def test_file_level_suppression():
    html = "<!-- oopslint-disable-file TST001 -->\n" + HTML
    assert linter(select=["TST001"]).lint(html).findings == []


def test_suppression_of_a_skipped_network_rule_is_not_reported_unused():
    html = "<!-- oopslint-disable-file TST003 -->\n" + HTML
    report = linter(select=["TST003"], offline=True).lint(html)
    assert report.findings == []


def test_batch_of_emails_shares_one_parse():
    lint = linter(select=["TST001"])
    first = lint.lint(HTML)
    email_cache_size = len(lint._emails)
    second = lint.lint(HTML)
    assert len(lint._emails) == email_cache_size == 1
    assert codes(first) == codes(second)


def test_call_rule_gives_findings_a_context_error_or_a_crash():
    from oopslint import ContextError, Email, RuleOptions, SendContext
    from oopslint.engine import RuleCrash, call_rule

    email = Email.parse(HTML)
    found = call_rule(every_image, email, SendContext(), RuleOptions({"label": "image"}))
    assert [(f.code, f.rule, f.severity, f.message) for f in found] == [
        ("TST001", "every-image", Severity.WARNING, "image https://cdn.example/a.png")
    ]
    crash = call_rule(always_crashes, email, SendContext(), {})
    assert isinstance(crash, RuleCrash)
    assert crash.detail.startswith("ValueError: boom (at test_engine.py:")
    assert crash.finding().message.startswith("rule TST002 (always-crashes) crashed: ValueError: boom")
    strict = SendContext(data={"order": {"placed_at": "2024-05-01T10:00:00"}})
    problem = call_rule(needs_send_time, email, strict, {})
    assert isinstance(problem, ContextError) and "has no timezone" in str(problem)
    checked = call_rule(slow_network, email, SendContext(), {})  # an async rule, run to completion
    assert [f.message for f in checked] == ["checked https://shop.example/"]


def test_the_hook_runs_what_lint_runs_and_lets_a_caller_run_rules_itself():
    lint = linter(offline=True)
    expected = lint.lint(HTML, path="a.html")
    jobs = lint.prepare([(HTML, "a.html", None, None)])
    lint.run(jobs)
    assert lint.report(jobs).to_dict() == expected.to_dict()

    jobs = lint.prepare([(HTML, "a.html", None, None)])
    (job,) = jobs
    lint.run(jobs, exclude=[every_image])
    assert "TST001" not in [f.code for f in job.findings]
    job.add(
        [Finding("counted elsewhere", code="TST001", rule="every-image", severity=Severity.WARNING)], ran=[every_image]
    )
    assert [f.message for f in lint.report(jobs).by_code("TST001")] == ["counted elsewhere"]


def test_an_unreadable_input_is_a_job_that_runs_nothing(tmp_path):
    lint = linter()
    (job,) = lint.prepare([(tmp_path / "missing.html", None, None, None)])
    assert job.failed and job.email is None
    lint.run([job])
    report = lint.report([job])
    assert report.exit_code == 2
    assert [(f.code, f.message) for f in report.findings] == [("OOPS004", "no such file")]


def _promises_no_await(email, context, options):
    return True


@rule(code="TST010", name="idle-async", severity="warning", section="testing")
async def idle_async(email, context, options):
    """An async rule with nothing to await: one finding per link."""
    for link in email.links:
        yield Finding(f"saw {link.url}", span=link.span)


@rule(code="TST011", name="awaits-after-all", severity="warning", section="testing")
async def awaits_after_all(email, context, options):
    """Promises to finish without awaiting, then awaits."""
    await asyncio.sleep(0)
    return [Finding(f"slept near {image.url}", span=image.span) for image in email.images]


@rule(code="TST012", name="idle-crash", severity="warning", section="testing")
async def idle_crash(email, context, options):
    """Crashes without awaiting."""
    raise ValueError("idle boom")


idle_async.check.finishes_without_awaiting = _promises_no_await
awaits_after_all.check.finishes_without_awaiting = _promises_no_await
idle_crash.check.finishes_without_awaiting = _promises_no_await


def _codes_and_messages(report):
    return [(f.code, f.line, f.message) for f in report.findings]


def test_async_rules_that_promise_not_to_await_report_as_they_do_in_an_event_loop():
    registry = Registry([every_image, idle_async, idle_crash, awaits_after_all])
    plain = Linter(registry=registry).lint(HTML)

    async def in_loop():
        return await Linter(registry=registry).alint(HTML)

    looped = asyncio.run(in_loop())
    assert _codes_and_messages(plain) == _codes_and_messages(looped)
    codes = [f.code for f in plain.findings]
    assert codes.count("TST010") == 1 and codes.count("TST011") == 1 and "TST001" in codes
    crash = next(f for f in plain.findings if f.code == "OOPS001")
    assert "TST012" in crash.message and "idle boom" in crash.message
    # without the rule that awaits, no event loop is needed and the findings are the same
    idle_only = Registry([every_image, idle_async, idle_crash])
    assert _codes_and_messages(Linter(registry=idle_only).lint(HTML)) == [
        item for item in _codes_and_messages(plain) if item[0] != "TST011"
    ]


def test_the_collector_is_restored_after_a_lint_and_left_off_when_the_application_turned_it_off():
    import gc

    html = "<html><body><p>Hello there, see you soon.</p></body></html>"
    assert gc.isenabled()
    Linter({}, offline=True).lint(html)
    assert gc.isenabled()
    gc.disable()
    try:
        Linter({}, offline=True).lint(html)
        assert not gc.isenabled()
    finally:
        gc.enable()


def freeze_counter() -> Linter:
    return Linter(config={}, registry=Registry([counts_frozen_objects]))


def _frozen_during(report) -> int:
    (message,) = [f.message for f in report.findings if f.code == "TST006"]
    return int(message.split()[1])


def test_network_checks_run_with_the_parsed_objects_out_of_the_collectors_passes_and_hand_them_back():
    import gc

    assert gc.get_freeze_count() == 0
    report = freeze_counter().lint(HTML)
    assert _frozen_during(report) > 1000  # the parsed email, and everything imported
    assert gc.get_freeze_count() == 0

    async def sync_call_inside_loop():
        return freeze_counter().lint(HTML)

    assert _frozen_during(asyncio.run(sync_call_inside_loop())) > 1000
    assert gc.get_freeze_count() == 0


def test_objects_the_application_froze_stay_frozen_and_nothing_more_is_frozen():
    import gc

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        report = freeze_counter().lint(HTML)
        # frozen objects may still be freed (by reference counting, or a cache dropping an
        # entry), never added to: a freeze now would add the Linter and the parsed email
        assert frozen // 2 < _frozen_during(report) <= frozen
        assert frozen // 2 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()


def test_concurrent_lints_share_one_freeze_and_the_last_to_finish_hands_it_back():
    import gc

    reports = {}

    def lint(name: str, sleep: float) -> None:
        linter = Linter(config={"testing": {"sleep": sleep}}, registry=Registry([counts_frozen_objects]))
        reports[name] = linter.lint(HTML)

    threads = [threading.Thread(target=lint, args=("long", 1.0)), threading.Thread(target=lint, args=("short", 0.0))]
    LONG_CHECK_RUNNING.clear()
    threads[0].start()
    assert LONG_CHECK_RUNNING.wait(30)  # the long one is in its network stage, objects frozen
    threads[1].start()
    threads[1].join()
    assert gc.get_freeze_count() > 1000  # the short one finished first: the long one still runs frozen
    threads[0].join()
    assert _frozen_during(reports["short"]) > 1000 and _frozen_during(reports["long"]) > 1000
    assert gc.get_freeze_count() == 0


def test_an_async_lint_leaves_the_collector_alone():

    async def main():
        return await freeze_counter().alint(HTML)

    assert _frozen_during(asyncio.run(main())) == 0
