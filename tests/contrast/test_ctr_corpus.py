"""The CTR family on the 30 real emails: the 88 low-contrast spots axe-core reports there, nothing else as an error."""

from __future__ import annotations

import oopslint


def test_full_css_finds_exactly_the_88_spots_axe_core_reports(corpus):
    files = sorted(corpus.glob("*/*.html"))
    assert len(files) == 30
    total = 0
    for path in files:
        report = oopslint.lint(
            path, mode="template", config={"select": ["CTR"], "contrast": {"profiles": ["full-css"]}}
        )
        errors = [f for f in report.findings if f.severity == oopslint.Severity.ERROR]
        assert {f.code for f in errors} <= {"CTR001"}, path.name
        for finding in errors:
            painted = finding.data["profiles"]["full-css"]
            assert painted["ratio"] < painted["threshold"], (path.name, finding.message)
        total += len(errors)
    assert total == 88


def test_every_profile_on_the_corpus_raises_no_crash_and_no_unverifiable_guess(corpus):
    for path in sorted(corpus.glob("*/*.html")):
        report = oopslint.lint(path, mode="template", config={"select": ["CTR"]})
        assert not [f for f in report.findings if f.code.startswith("OOPS")], path.name
        assert not [f for f in report.findings if f.code == "CTR004"], path.name  # no images behind text there
