"""The report formats CI systems read: JUnit XML, GitLab Code Quality, a Markdown job summary."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET

from oopslint_testing import CORPUS, FIXTURES

import oopslint
from oopslint.formats import get_writer

BAD = FIXTURES / "template" / "leemunroe" / "newsletter.test-marker.html"
CLEAN = CORPUS / "mailgun" / "action.source.html"


def lint(*paths, select=None):
    linter = oopslint.Linter(offline=True, default_mode="template", use_cache=False, select=select)
    return linter.lint_paths([str(p) for p in paths])


def render(report, name, **options):
    stream = io.StringIO()
    get_writer(name)(report, stream, **options)
    return stream.getvalue()


def test_junit_one_suite_per_file_each_finding_a_failure_clean_files_pass():
    report = lint(BAD, CLEAN, select=["TPL003", "TPL005"])
    root = ET.fromstring(render(report, "junit"))
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    bad, clean = suites[str(BAD)], suites[str(CLEAN)]
    failures = bad.findall("testcase/failure")
    assert len(failures) == len(report.files[0].findings) == int(bad.get("failures"))
    assert any(case.get("name").startswith("TPL003 test-marker:") for case in bad.iter("testcase"))
    assert clean.get("failures") == "0" and len(clean.findall("testcase")) == 1
    assert root.get("failures") == str(len(report))


def test_gitlab_code_quality_fingerprints_survive_moved_lines(tmp_path):
    moved = tmp_path / "newsletter.html"
    moved.write_text(BAD.read_text().replace("<head>", "<head>\n\n\n\n", 1))
    original = json.loads(render(lint(BAD), "gitlab"))
    shifted = json.loads(render(lint(moved), "gitlab"))
    assert original and {i["severity"] for i in original} <= {"major", "minor", "info"}
    marker = next(i for i in original if i["check_name"].startswith("TPL003"))
    assert marker["location"]["path"] == str(BAD) and marker["severity"] == "major"
    # the same problems, four lines lower: same fingerprints once the path is the same
    assert [i["location"]["lines"]["begin"] + 4 for i in original if i["location"]["lines"]["begin"] > 5] == [
        i["location"]["lines"]["begin"] for i in shifted if i["location"]["lines"]["begin"] > 9
    ]
    assert len({i["fingerprint"] for i in original}) == len(original)


def test_markdown_summary_counts_and_links_codes_to_their_docs():
    report = lint(BAD, CLEAN, select=["TPL003", "TPL005"])
    text = render(report, "markdown", docs_base="https://github.com/acme/oopslint/blob/v1")
    assert text.startswith("## oopslint\n")
    counts = report.counts
    assert f"| {counts['error']} | {counts['warning']} | {counts['info']} |" in text
    assert f"### `{BAD}`" in text and f"`{CLEAN}`" not in text
    rule = oopslint.Linter().registry.get("TPL003")
    module = rule.origin.replace("oopslint.rules.", "rules/").replace(".", "/") + ".py"
    assert f"[TPL003](https://github.com/acme/oopslint/blob/v1/{module})" in text
