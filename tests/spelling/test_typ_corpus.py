"""The TYP rules on real email: quiet on clean templates, and precise on real
misspellings injected into their text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import oopslint

from .helpers import FIXTURES, codes, lint, locate

# The only words of the clean corpus no dictionary knows: a person's surname in
# the Mailgun billing footer. Everything else there is a word, a name the
# sender uses, a merge tag or a placeholder.
EXPECTED_UNKNOWN = {
    ("mailgun/billing.inlined.html", "Munroe"),
    ("mailgun/billing.source.html", "Munroe"),
}


def test_clean_corpus_has_no_misspellings_and_only_genuinely_unknown_words(corpus: Path) -> None:
    files = sorted(corpus.glob("*/*.html"))
    assert len(files) == 30
    unknown = set()
    for path in files:
        report = lint(path)
        name = path.relative_to(corpus).as_posix()
        assert not [f for f in report.findings if f.code != "TYP002"], (
            name,
            [(f.code, f.line, f.message) for f in report.findings if f.code != "TYP002"],
        )
        unknown |= {(name, f.data["word"]) for f in codes(report, "TYP002")}
    assert unknown == EXPECTED_UNKNOWN


def test_clean_corpus_in_rendered_mode_has_no_spelling_errors(corpus: Path) -> None:
    for path in sorted(corpus.glob("*/*.source.html")):
        report = lint(path, mode="rendered")
        assert not codes(report, "TYP001") and not codes(report, "TYP003"), path


# (corpus file, original text, text with the misspelling, the misspelled word, its correction)
INJECTED = [
    ("postmark/dunning.source.html", "questions", "questons", "questons", "questions"),
    ("postmark/dunning.source.html", "because", "becuase", "becuase", "because"),
    ("postmark/dunning.source.html", "subscription", "subscripton", "subscripton", "subscription"),
    ("postmark/password-reset.source.html", "password", "pasword", "pasword", "password"),
    ("postmark/password-reset.source.html", "security", "securtiy", "securtiy", "security"),
    ("postmark/password-reset-help.source.html", "received", "recieved", "recieved", "received"),
    ("postmark/password-reset-help.source.html", "ignore", "ignroe", "ignroe", "ignore"),
    ("postmark/trial-expired.source.html", "business", "buisness", "buisness", "business"),
    ("postmark/trial-expiring.source.html", "available", "availble", "availble", "available"),
    ("postmark/user-invitation.source.html", "invited", "invtied", "invtied", "invited"),
    ("postmark/welcome.source.html", "getting", "geting", "geting", "getting"),
    ("postmark/invoice.source.html", "purchase", "purchse", "purchse", "purchase"),
    ("postmark/comment-notification.source.html", "comment", "commnet", "commnet", "comment"),
    ("mailgun/action.source.html", "confirm", "confrim", "confrim", "confirm"),
    ("mailgun/action.source.html", "address", "adress", "adress", "address"),
    ("mailgun/billing.source.html", "Questions", "Qeustions", "Qeustions", "Questions"),
    ("leemunroe/email.source.html", "button", "buton", "buton", "button"),
    ("postmark/example.source.html", "started", "strated", "strated", "started"),
]


@pytest.mark.parametrize("name, original, typo, word, correction", INJECTED, ids=[row[2] for row in INJECTED])
def test_misspelling_injected_into_corpus_text_is_found_in_place(
    corpus: Path, name: str, original: str, typo: str, word: str, correction: str
) -> None:
    html = (corpus / name).read_text(encoding="utf-8")
    report_clean = lint(html)
    # the first occurrence a reader sees as a word (not in a tag, a comment or an address)
    email = oopslint.Email.parse(html)
    pattern = re.compile(rf"(?<![\w@./]){original}(?![\w@]|\.\w)")
    segment, match = next((s, m) for s in email.reading_segments() for m in [pattern.search(s.text)] if m)
    offset = segment.offset(match.start())
    broken = html[:offset] + typo + html[offset + len(original) :]
    report = lint(broken)
    found = codes(report, "TYP001")
    assert len(found) == len(codes(report_clean, "TYP001")) + 1
    finding = next(f for f in found if f.data["word"] == word)
    line = broken.count("\n", 0, offset) + 1
    column = offset - (broken.rfind("\n", 0, offset) + 1) + 1
    assert (finding.line, finding.column, finding.end_column) == (line, column, column + len(typo))
    assert finding.data["correction"] == correction
    assert f"did you mean '{correction}'" in finding.message
    assert finding.severity == oopslint.Severity.ERROR


def test_receipt_fixture_typos_in_preheader_alt_text_link_and_body() -> None:
    path = FIXTURES / "postmark" / "receipt-typos.html"
    text = path.read_text(encoding="utf-8")
    report = lint(path)
    misspelled = {(f.data["word"], f.line, f.column, f.data["correction"]) for f in codes(report, "TYP001")}
    assert misspelled == {
        ("lgoo", *locate(text, "lgoo"), "logo"),  # alt text of the masthead logo
        ("reciept", *locate(text, "reciept"), "receipt"),  # body text
        ("paymnet", *locate(text, "paymnet"), "payment"),  # inside a link
        ("recrods", *locate(text, "recrods"), "records"),
    }
    alt = next(f for f in codes(report, "TYP001") if f.data["word"] == "lgoo")
    assert "in alt text" in alt.message
    # the preheader is read too; "recipt" has two likely corrections, so it is a warning
    (unknown,) = codes(report, "TYP002")
    assert (unknown.data["word"], unknown.line, unknown.column) == ("recipt", *locate(text, "recipt"))
    assert "in the preheader" in unknown.message
    assert unknown.data["suggestions"][0] == "receipt"
    # "our <a>our support team</a>": a doubled word across an inline tag
    (repeated,) = codes(report, "TYP003")
    assert (repeated.line, repeated.column) == locate(text, "our support team")
    assert repeated.message == "Repeated word 'our our'"
    assert report.exit_code == 1


def test_subject_misspelling_in_an_eml_points_at_the_header_line() -> None:
    path = FIXTURES / "postmark" / "receipt-subject-typo.eml"
    text = path.read_text(encoding="utf-8")
    report = lint(path)
    (finding,) = codes(report, "TYP001")
    assert finding.message == "Misspelled word 'reciept' in the subject: did you mean 'receipt'?"
    assert (finding.line, finding.column) == locate(text, "reciept")
    assert finding.end_column == finding.column + len("reciept")


def test_subject_given_through_the_api_is_checked_without_a_place(corpus: Path) -> None:
    report = lint(corpus / "postmark" / "receipt.source.html", subject="Your reciept from Acme")
    (finding,) = codes(report, "TYP001")
    assert finding.line is None and "in the subject" in finding.message


def test_zero_width_characters_are_removed_and_the_place_still_points_at_the_source() -> None:
    path = FIXTURES / "mailgun" / "alert-typos.html"
    text = path.read_text(encoding="utf-8")
    report = lint(path)
    found = {f.data["word"]: f for f in codes(report, "TYP001")}
    assert set(found) == {"upgrdae", "dont"}
    upgrade = found["upgrdae"]
    place = locate(text, "upg&zwnj;rdae")
    assert (upgrade.line, upgrade.column) == place
    assert upgrade.end_column == place.column + len("upg&zwnj;rdae")
    assert upgrade.data["correction"] == "upgrade"
    assert found["dont"].data["correction"] == "don't"
    # "acc&#8203;ount" reads "account": no finding
    assert not codes(report, "TYP002")
