"""Adopting oopslint on a template repository and in CI: baseline, changed lines,
statistics, quiet output and extra report files (the CLI run in-process)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from oopslint_testing import CORPUS, FIXTURES

from oopslint.cli import main

BAD = FIXTURES / "template" / "leemunroe" / "newsletter.test-marker.html"
CLEAN = CORPUS / "mailgun" / "action.source.html"


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    import os

    before = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["check", "--offline", "--no-cache", "--color", "never", *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        os.chdir(before)
    return code, out.getvalue(), err.getvalue()


def test_statistics_counts_per_code_most_frequent_first():
    code, out, _ = run("--statistics", str(BAD))
    rows = [line.split("\t") for line in out.splitlines() if "\t" in line]
    assert code == 1
    assert ["1", "TPL003 ", "[error] test-marker"] in [[r[0].strip(), r[1], r[2]] for r in rows]
    counts = [int(r[0]) for r in rows]
    assert counts == sorted(counts, reverse=True)
    assert f"Found {sum(counts)} problems in 1 file" in out


def test_quiet_prints_findings_only_and_nothing_when_clean():
    code, out, _ = run("-q", str(BAD))
    assert code == 1 and "TPL003" in out and "Found" not in out
    code, out, _ = run("-q", "--select", "TPL003", str(CLEAN))
    assert (code, out) == (0, "")


def test_baseline_records_then_reports_only_new_findings_stable_across_line_moves(tmp_path):
    template = tmp_path / "newsletter.html"
    shutil.copy(BAD, template)
    baseline = tmp_path / "oopslint-baseline.json"
    code, out, err = run("--baseline", str(baseline), str(template))
    assert code == 0 and "records" in err
    recorded = json.loads(baseline.read_text())
    assert recorded["tool"] == "oopslint" and {e["code"] for e in recorded["findings"]} >= {"TPL003"}
    assert all(e["path"] == "newsletter.html" for e in recorded["findings"])

    # lines move: ten new lines at the top, nothing old comes back
    html = template.read_text()
    template.write_text(html.replace("<head>", "<head>\n" + "<!-- moved -->\n" * 10, 1))
    code, out, err = run("--baseline", str(baseline), str(template))
    assert code == 0 and out.startswith("All checks passed (1 file).")

    # a new problem is reported, and only it
    template.write_text(template.read_text().replace("<p>Hi there</p>", '<p>Hi there</p><a href="#">Shop</a>', 1))
    code, out, _ = run("--baseline", str(baseline), "--format", "json", str(template))
    codes = [f["code"] for f in json.loads(out)["files"][0]["findings"]]
    assert code == 1 and codes == ["TPL005"]


def test_update_baseline_needs_a_baseline_and_a_broken_baseline_is_exit_2(tmp_path):
    code, _, err = run("--update-baseline", str(CLEAN))
    assert code == 2 and "--update-baseline needs --baseline FILE" in err
    broken = tmp_path / "baseline.json"
    broken.write_text("{not json")
    code, _, err = run("--baseline", str(broken), str(CLEAN))
    assert code == 2 and f"baseline {broken}: not a baseline file" in err and "Traceback" not in err


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
            "PATH": "/usr/bin:/bin",
            "HOME": str(cwd),
        },
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_base_keeps_the_change_s_own_findings_and_demotes_the_rest(tmp_path):
    repo = tmp_path / "templates"
    repo.mkdir()
    git("init", "-q", "-b", "main", cwd=repo)
    template = repo / "newsletter.html"
    shutil.copy(BAD, template)
    git("add", ".", cwd=repo)
    git("commit", "-q", "-m", "templates", cwd=repo)
    template.write_text(template.read_text().replace("<p>Hi there</p>", '<p>Hi there</p><a href="#">Shop</a>', 1))

    code, out, _ = run("--diff-base", "HEAD", "--format", "json", str(template), cwd=repo)
    findings = json.loads(out)["files"][0]["findings"]
    new = [f for f in findings if f["code"] == "TPL005"]
    old = [f for f in findings if f["code"] == "TPL003"]
    assert new and new[0]["severity"] == "error" and "outside_diff" not in new[0]["data"]
    assert old and old[0]["severity"] == "info" and old[0]["data"]["severity_in_diff"] == "error"
    assert code == 1  # the change's own error still fails

    code, out, _ = run("--diff-base", "HEAD", "--diff-mode", "drop", "--format", "json", str(template), cwd=repo)
    assert {f["code"] for f in json.loads(out)["files"][0]["findings"]} == {"TPL005"}

    code, _, err = run("--diff-base", "no-such-ref", str(template), cwd=repo)
    assert code == 2 and "--diff-base" in err and "Traceback" not in err


def test_extra_reports_in_one_run(tmp_path):
    sarif, junit = tmp_path / "out.sarif", tmp_path / "out.xml"
    code, out, _ = run("--report", f"sarif={sarif}", "--report", f"junit={junit}", "--format", "github", str(BAD))
    assert code == 1 and "::error file=" in out
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert "<testsuites" in junit.read_text()
    code, _, err = run("--report", "yaml=out.yaml", str(BAD))
    assert code == 2 and "write it as FORMAT=FILE" in err
