"""The test helpers fail loudly on a report whose input was not read, so an
empty findings list can never pass on a file that was never linted."""

from __future__ import annotations

import pytest
from oopslint_testing import assert_read

import oopslint


def test_a_missing_file_fails_the_helpers_instead_of_finding_nothing(tmp_path, tpl):
    report = oopslint.lint(tmp_path / "welcome.html", config={"select": ["TPL"]})
    with pytest.raises(AssertionError, match="OOPS004 no such file"):
        assert_read(report)
    with pytest.raises(AssertionError, match="the input was not read"):
        tpl.findings(report, "TPL002")


def test_undecodable_bytes_fail_the_helpers_unless_the_test_allows_them():
    report = oopslint.lint(b"<html lang='en'><body><p>Caf\xe9 menu</p></body></html>", config={"select": ["TPL"]})
    with pytest.raises(AssertionError, match="OOPS003"):
        assert_read(report)
    assert assert_read(report, allow=("OOPS003",)) is report


def test_a_report_of_a_read_input_passes_through(tpl):
    report = tpl.lint("<html lang='en'><body><p>Hello</p></body></html>")
    assert tpl.findings(report, "TPL002") == []
