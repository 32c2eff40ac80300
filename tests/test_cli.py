"""The command line as a user runs it: output, exit codes, bad input, bad config."""

from __future__ import annotations

import json
import os

import pytest
from oopslint_testing import run_cli
from test_plugins import install_plugin

LOUD = '<html lang="en"><body>\n<h1>HUGE SALE TODAY</h1>\n<p>Hi</p></body></html>\n'


@pytest.fixture
def plugin_env(tmp_path) -> dict[str, str]:
    return install_plugin(tmp_path / "site")


def check(*args, **kwargs):
    result = run_cli("check", *args, **kwargs)
    assert b"Traceback" not in result.stderr, result.stderr.decode()
    return result


def test_version_and_help():
    # a real process: `python -m oopslint` is how the command starts
    assert run_cli("--version", subprocess_=True).stdout.decode().startswith("oopslint ")
    result = run_cli(subprocess_=True)
    assert result.returncode == 2
    assert "check" in result.stderr.decode()


def test_exit_codes_follow_the_fail_level(tmp_path, plugin_env):
    email = tmp_path / "loud.html"
    email.write_text(LOUD)
    clean = check(str(email), "--select", "ACME", env=plugin_env)
    assert clean.returncode == 0  # warnings do not fail by default
    assert "loud.html:2:1: ACME001 [warning] Headline is all capitals" in clean.stdout.decode()
    failing = check(str(email), "--select", "ACME", "--fail-on", "warning", env=plugin_env)
    assert failing.returncode == 1


def test_unknown_rule_in_select_is_a_usage_error(tmp_path):
    email = tmp_path / "a.html"
    email.write_text(LOUD)
    result = check(str(email), "--select", "ZZZ999")
    assert result.returncode == 2
    assert "'ZZZ999' matches no rule" in result.stderr.decode()


def test_bad_argument_is_exit_2():
    result = run_cli("check", "--format", "yaml", "x.html")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr.decode()


@pytest.mark.parametrize(
    "content, message",
    [
        ("[tool.oopslint]\nselectt = ['TPL']\n", "unknown key 'selectt' in [tool.oopslint]; valid keys:"),
        ("[tool.oopslint]\nfail-on = 'loud'\n", "fail-on: 'loud' is not a level; choose error, warning or info"),
        ("[tool.oopslint\nselect = [", "invalid TOML"),
    ],
)
def test_broken_config_is_exit_2_with_the_key_named(tmp_path, content, message):
    (tmp_path / "pyproject.toml").write_text(content)
    (tmp_path / "a.html").write_text(LOUD)
    result = check("a.html", cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr.decode()


def test_explicit_config_file_overrides_discovery(tmp_path, plugin_env):
    (tmp_path / "a.html").write_text(LOUD)
    (tmp_path / "strict.toml").write_text("select = ['ACME']\nfail-on = 'warning'\n")
    result = check("a.html", "--config", "strict.toml", cwd=tmp_path, env=plugin_env)
    assert result.returncode == 1
    missing = check("a.html", "--config", "nope.toml", cwd=tmp_path)
    assert missing.returncode == 2 and "nope.toml: configuration file not found" in missing.stderr.decode()


def test_folders_globs_and_stdin(tmp_path, plugin_env):
    (tmp_path / "emails" / "nested").mkdir(parents=True)
    (tmp_path / "emails" / "a.html").write_text(LOUD)
    (tmp_path / "emails" / "nested" / "b.hbs").write_text(LOUD)
    (tmp_path / "emails" / "notes.md").write_text("# not an email")
    folder = check("emails", "--select", "ACME", "--format", "json", cwd=tmp_path, env=plugin_env)
    paths = sorted(f["path"] for f in json.loads(folder.stdout)["files"])
    assert paths == [os.path.join("emails", "a.html"), os.path.join("emails", "nested", "b.hbs")]
    globbed = check("emails/**/*.hbs", "--select", "ACME", "--format", "json", cwd=tmp_path, env=plugin_env)
    assert [f["path"] for f in json.loads(globbed.stdout)["files"]] == ["emails/nested/b.hbs"]
    piped = check("-", "--select", "ACME", "--format", "json", stdin=LOUD.encode(), env=plugin_env)
    data = json.loads(piped.stdout)
    assert data["files"][0]["path"] == "<stdin>"
    assert data["files"][0]["findings"][0]["code"] == "ACME001"


def test_empty_folder_says_so(tmp_path):
    result = check(str(tmp_path))
    assert result.returncode == 0
    assert "no email files found" in result.stderr.decode()


def test_rules_and_explain():
    listed = run_cli("rules").stdout.decode()
    assert "OOPS001" in listed
    data = json.loads(run_cli("rules", "--format", "json").stdout)
    assert all({"code", "name", "summary", "severity", "network"} <= set(row) for row in data)
    for row in data:
        explained = run_cli("explain", row["code"])
        assert explained.returncode == 0
        assert explained.stdout.decode().startswith(f"{row['code']} {row['name']}")
    by_name = run_cli("explain", "unused-suppression")
    assert by_name.stdout.decode().startswith("OOPS002 unused-suppression")
    unknown = run_cli("explain", "XYZ123")
    assert unknown.returncode == 2 and "no rule named 'XYZ123'" in unknown.stderr.decode()


def test_output_file(tmp_path):
    (tmp_path / "a.html").write_text(LOUD)
    result = check("a.html", "--format", "sarif", "-o", "out.sarif", cwd=tmp_path)
    assert result.stdout == b""
    assert json.loads((tmp_path / "out.sarif").read_text())["version"] == "2.1.0"


# ----------------------------------------------------------------- bad input


def test_missing_empty_and_binary_files_are_exit_2_and_nothing_else_is_lost(tmp_path, plugin_env):
    (tmp_path / "good.html").write_text(LOUD)
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    result = check(
        "good.html",
        "empty.html",
        "image.html",
        "missing.html",
        "--select",
        "ACME",
        "--format",
        "json",
        cwd=tmp_path,
        env=plugin_env,
    )
    assert result.returncode == 2
    files = {f["path"]: f["findings"] for f in json.loads(result.stdout)["files"]}
    assert files["good.html"][0]["code"] == "ACME001"
    assert files["empty.html"][0]["message"] == "file is empty"
    assert files["image.html"][0]["message"] == "looks like a binary file, not HTML or an email"
    assert files["missing.html"][0]["message"] == "no such file"
    assert {f[0]["code"] for name, f in files.items() if name != "good.html"} == {"OOPS004"}


def test_invalid_utf8_is_linted_with_a_warning(tmp_path):
    (tmp_path / "latin.html").write_bytes(b'<html lang="fr"><body>\n<p>Caf\xe9 cr\xe8me</p></body></html>')
    result = check("latin.html", "--select", "OOPS", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0
    (finding,) = json.loads(result.stdout)["files"][0]["findings"]
    assert finding["code"] == "OOPS003"
    assert finding["line"] == 2
    assert "2 byte sequence(s) are not valid utf-8 and were replaced" in finding["message"]


def test_truncated_and_deeply_nested_html(tmp_path):
    (tmp_path / "cut.html").write_text('<html lang="en"><body><table><tr><td><p>Half an em')
    (tmp_path / "deep.html").write_text('<html lang="en"><body>' + "<table><tr><td>" * 10000 + "deep")
    result = check("cut.html", "deep.html", "--offline", cwd=tmp_path)
    assert result.returncode in (0, 1)
    assert "All checks passed" in result.stdout.decode() or "Found" in result.stdout.decode()


def test_an_eml_without_html_part_is_unreadable(tmp_path):
    (tmp_path / "plain.eml").write_text("From: a@example.com\nSubject: hi\nContent-Type: text/plain\n\nJust text\n")
    result = check("plain.eml", cwd=tmp_path)
    assert result.returncode == 2
    assert "no text/html part" in result.stdout.decode()


def test_bad_context_file_is_exit_2(tmp_path):
    (tmp_path / "a.html").write_text(LOUD)
    (tmp_path / "ctx.json").write_text("{not json")
    result = check("a.html", "--context", "ctx.json", cwd=tmp_path)
    assert result.returncode == 2
    assert "ctx.json: invalid JSON at line 1" in result.stderr.decode()


def test_no_color_when_not_a_tty_and_color_when_forced(tmp_path, plugin_env):
    (tmp_path / "a.html").write_text(LOUD)
    plain = check("a.html", "--select", "ACME", cwd=tmp_path, env=plugin_env)
    assert b"\x1b[" not in plain.stdout
    forced = check("a.html", "--select", "ACME", "--color", "always", cwd=tmp_path, env=plugin_env)
    assert b"\x1b[" in forced.stdout


def test_a_20_mb_email_is_linted_and_reported_not_dropped(tmp_path, corpus):
    # the classic way an email reaches 20 MB: a screenshot pasted in as a data: URL
    source = (corpus / "leemunroe" / "email.inlined.html").read_text()
    blob = "iVBORw0KGgo" + "A" * (20 * 1024 * 1024)
    huge = source.replace("<table", f'<img alt="Screenshot" src="data:image/png;base64,{blob}"><table', 1)
    (tmp_path / "huge.html").write_text(huge)
    result = check("huge.html", "--offline", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr.decode()
    findings = json.loads(result.stdout)["files"][0]["findings"]
    clip = [f for f in findings if f["code"] == "TPL006"]
    assert clip and clip[0]["severity"] == "error"
    assert all(len(f["snippet"] or "") <= 2000 for f in findings)


def test_an_internal_error_names_where_it_was_raised_without_a_traceback() -> None:
    """A bug with an empty message (a bare ``assert``) still tells its reporter
    where it happened, with no directories of the machine it ran on."""
    import subprocess
    import sys

    program = (
        "import sys, oopslint.cli as cli\n"
        "def broken(args):\n"
        "    assert args is None\n"
        "cli._cmd_rules = broken\n"
        "sys.exit(cli.main(['rules']))\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "OOPSLINT_DEBUG"}
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2
    assert "oopslint: internal error: AssertionError (raised in <string>:3 in broken)" in result.stderr
    assert "Set OOPSLINT_DEBUG=1 for a traceback" in result.stderr
    assert "Traceback" not in result.stderr
