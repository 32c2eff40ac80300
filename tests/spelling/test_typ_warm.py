"""A long-lived Linter reads renders of one template the way it read the first:
the words it already found right never hide a typo, a flag-word, a repeat or a
name in a later email."""

from __future__ import annotations

import oopslint

from .helpers import CORPUS, FIXTURES, locate


def _typ(report: oopslint.Report) -> list[tuple[str, str, int | None, int | None, str]]:
    return [(f.code, f.data["word"], f.line, f.column, f.message) for f in report.findings if f.code.startswith("TYP")]


def test_a_warm_linter_reports_what_a_fresh_one_reports() -> None:
    typos = (FIXTURES / "postmark" / "receipt-typos.html").read_text(encoding="utf-8")
    clean = (CORPUS / "postmark" / "receipt.source.html").read_text(encoding="utf-8")
    fresh = _typ(oopslint.Linter({"select": ["TYP"]}, mode="template").lint(typos, path="typos.html"))
    assert fresh, "the typo fixture has typos"
    warm = oopslint.Linter({"select": ["TYP"]}, mode="template")
    warm.lint(clean, path="clean.html")  # every word of the clean receipt is now known to be right
    for render in range(3):
        assert _typ(warm.lint(typos + f"<!-- render {render} -->", path="typos.html")) == fresh


def test_words_found_right_still_report_flags_repeats_and_typos_in_later_emails() -> None:
    clean = (CORPUS / "postmark" / "receipt.source.html").read_text(encoding="utf-8")
    linter = oopslint.Linter({"select": ["TYP"], "spelling": {"flag_words": {"e-mail": "email"}}}, mode="template")
    linter.lint(clean.replace("</body>", "<p>Write-up of your e-mail receipt, the receipt.</p></body>"), path="a.html")
    # each in a block of its own, of words all found right before but for the one reported
    later = clean.replace(
        "</body>", "<p>Your receipt, the the write-up.</p><p>Send it by e-mail.</p><p>We recieve it.</p></body>"
    )
    report = linter.lint(later, path="b.html")
    found = {(f.code, f.data["word"], (f.line, f.column)) for f in report.findings if f.code.startswith("TYP")}
    assert ("TYP003", "the", locate(later, "the the", offset=4)) in found
    assert ("TYP004", "e-mail", locate(later, "e-mail.")) in found
    assert ("TYP001", "recieve", locate(later, "recieve")) in found
