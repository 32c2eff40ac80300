"""The GitHub Action (action.yml), its lint step run locally as a runner would run it:
GITHUB_* variables set, annotations on stdout, a job summary, SARIF valid against the 2.1.0 schema."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml
from oopslint_testing import CORPUS, FIXTURES, ROOT, readable_alert

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
SCHEMA = json.loads((FIXTURES / "sarif" / "sarif-schema-2.1.0.json").read_text())
BAD = FIXTURES / "template" / "leemunroe" / "newsletter.test-marker.html"


def lint_step(tmp_path: Path, workspace: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    """Run the action's lint step with the inputs' defaults overridden, as the runner does."""
    step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "lint")
    env = dict(os.environ)
    for name, spec in ACTION["inputs"].items():
        value = inputs.get(name.replace("-", "_"), spec.get("default", ""))
        if "${{" in str(value):
            value = ""  # expressions such as the PR base are empty outside a pull request
        env[f"INPUT_{name.upper().replace('-', '_')}"] = str(value)
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env.update(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTION_PATH": str(ROOT),
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_ACTION_REPOSITORY": "acme/oopslint",
            "GITHUB_ACTION_REF": "v0.2.0",
            "RUNNER_TEMP": str(tmp_path),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "NO_COLOR": "1",
            "OOPSLINT_CACHE_DIR": str(tmp_path / "cache"),
        }
    )
    assert step["shell"] == "bash"
    for name in ACTION["inputs"]:
        if name != "python":  # used by the install step
            assert f"INPUT_{name.upper().replace('-', '_')}" in step["env"], f"{name} is not passed to the step"
    summary.write_text("# earlier step\n")
    done = subprocess.run(
        ["bash", "-c", step["run"]], cwd=workspace, env=env, capture_output=True, text=True, timeout=300
    )
    return done, summary, output


def test_action_declares_its_inputs_and_passes_them_only_through_the_environment():
    assert set(ACTION["inputs"]) >= {"paths", "config", "fail-on", "offline", "args", "sarif", "diff-base"}
    assert ACTION["runs"]["using"] == "composite"
    for step in ACTION["runs"]["steps"]:
        assert "${{ inputs." not in step["run"], "inputs must reach the shell as environment variables"


def test_annotations_summary_sarif_and_exit_code(tmp_path):
    workspace = tmp_path / "repo"
    (workspace / "emails").mkdir(parents=True)
    shutil.copy(BAD, workspace / "emails" / "newsletter.html")
    shutil.copy(CORPUS / "mailgun" / "alert.source.html", workspace / "emails" / "alert.html")
    done, summary, output = lint_step(tmp_path, workspace, paths="emails", offline="true", sarif="oopslint.sarif")
    assert done.returncode == 1, done.stderr
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert any(
        line.startswith("::error file=emails/newsletter.html,line=") and "title=TPL003 test-marker::" in line
        for line in annotations
    )
    assert all(line.split(" ", 1)[0] in ("::error", "::warning", "::notice") for line in annotations)
    text = summary.read_text()
    assert text.startswith("# earlier step\n## oopslint\n")  # appended, not overwritten
    assert "### `emails/newsletter.html`" in text
    assert "(https://github.com/acme/oopslint/blob/v0.2.0/rules/" in text
    assert output.read_text() == "exit-code=1\n"
    sarif = json.loads((workspace / "oopslint.sarif").read_text())
    jsonschema.validate(sarif, SCHEMA)
    results = sarif["runs"][0]["results"]
    assert any(r["ruleId"] == "TPL003" for r in results)


def test_a_clean_run_passes_and_fail_on_is_honoured(tmp_path):
    workspace = tmp_path / "repo"
    workspace.mkdir()
    (workspace / "alert.html").write_text(readable_alert(), encoding="utf-8")
    done, _, output = lint_step(tmp_path, workspace, offline="true")
    assert done.returncode == 0, done.stdout + done.stderr
    assert output.read_text() == "exit-code=0\n"
    done, _, output = lint_step(tmp_path, workspace, offline="true", fail_on="warning")
    assert done.returncode == 1 and output.read_text().endswith("exit-code=1\n")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_pull_request_annotations_on_changed_lines_first(tmp_path):
    workspace = tmp_path / "repo"
    workspace.mkdir()
    run = lambda *a: subprocess.run(
        ["git", *a],
        cwd=workspace,
        check=True,
        capture_output=True,  # noqa: E731
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@e.x",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@e.x",
        },
    )
    run("init", "-q")
    shutil.copy(BAD, workspace / "newsletter.html")
    run("add", ".")
    run("commit", "-q", "-m", "base")
    base = subprocess.run(["git", "rev-parse", "HEAD"], cwd=workspace, capture_output=True, text=True).stdout.strip()
    page = workspace / "newsletter.html"
    page.write_text(page.read_text().replace("<p>Hi there</p>", '<p>Hi there</p><a href="#">Shop</a>', 1))
    run("commit", "-q", "-am", "change")
    done, _, _ = lint_step(tmp_path, workspace, offline="true", diff_base=base)
    lines = done.stdout.splitlines()
    assert any(line.startswith("::error ") and "TPL005" in line for line in lines)
    assert any(line.startswith("::notice ") and "TPL003" in line for line in lines)
