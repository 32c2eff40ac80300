"""The TYP rules through the command line, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from oopslint_testing import run_cli

from .helpers import FIXTURES, locate


def test_check_reports_misspellings_with_place_and_correction_and_exits_1() -> None:
    path = FIXTURES / "postmark" / "receipt-typos.html"
    result = run_cli("check", "--select", "TYP", str(path))
    out = result.stdout.decode()
    assert result.returncode == 1, result.stderr.decode()
    line, column = locate(path.read_text(encoding="utf-8"), "reciept")
    assert (
        f"receipt-typos.html:{line}:{column}: TYP001 [error] Misspelled word 'reciept': did you mean 'receipt'?" in out
    )
    assert "= help: replace with 'receipt'" in out
    assert "Found 6 problems in 1 file (4 errors, 2 warnings)." in out


def test_json_output_carries_the_correction(tmp_path: Path) -> None:
    path = FIXTURES / "postmark" / "receipt-subject-typo.eml"
    result = run_cli("check", "--select", "TYP", "--format", "json", str(path))
    assert result.returncode == 1
    (finding,) = json.loads(result.stdout)["files"][0]["findings"]
    assert finding["code"] == "TYP001" and finding["rule"] == "misspelled-word"
    assert (finding["line"], finding["column"]) == locate(path.read_text(encoding="utf-8"), "reciept")
    assert finding["data"] == {"word": "reciept", "correction": "receipt", "language": "en"}


def test_clean_real_email_passes(corpus: Path) -> None:
    result = run_cli("check", "--select", "TYP", str(corpus / "postmark" / "welcome.source.html"))
    assert result.returncode == 0, result.stdout.decode()
    assert "All checks passed" in result.stdout.decode()


def test_project_words_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "email.html").write_text("<p>Welcome to Zorblax.</p>", encoding="utf-8")
    first = run_cli("check", "--select", "TYP", "--fail-on", "warning", "email.html", cwd=tmp_path)
    assert first.returncode == 1 and "Unknown word 'Zorblax'" in first.stdout.decode()
    (tmp_path / "pyproject.toml").write_text('[tool.oopslint.spelling]\nwords = ["Zorblax"]\n', encoding="utf-8")
    second = run_cli("check", "--select", "TYP", "--fail-on", "warning", "email.html", cwd=tmp_path)
    assert second.returncode == 0, second.stdout.decode()


def test_unknown_language_in_config_is_a_clear_error_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "email.html").write_text("<p>Hello there.</p>", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.oopslint.spelling]\nlanguages = ["klingon"]\n', encoding="utf-8")
    result = run_cli("check", "email.html", cwd=tmp_path)
    err = result.stderr.decode()
    assert result.returncode == 2
    assert "pyproject.toml: spelling.languages: no dictionary for 'klingon'; pyspellchecker ships: ar, de, en" in err
    assert "Traceback" not in err and "crashed" not in result.stdout.decode()


def test_explain_prints_the_rule_documentation_and_options() -> None:
    result = run_cli("explain", "TYP001")
    out = result.stdout.decode()
    assert result.returncode == 0
    assert out.startswith("TYP001 misspelled-word")
    for part in (
        "What it does",
        "Why is this bad?",
        "Example",
        "Use instead",
        "Options ([tool.oopslint.spelling]):",
        'languages = ["en"]',
        "flag_words = {}",
    ):
        assert part in out
