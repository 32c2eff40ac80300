"""[tool.oopslint.spelling]: project words, word lists, flag-words, skipped
elements, acronyms, languages; bad values are configuration errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import oopslint
from oopslint import ConfigError, Linter

from .helpers import codes, lint, locate, page, words

BRAND = page("<p>Welcome to Zorblax. Your Quibbl plan renews today with Frobnitz support.</p>")


def test_project_words_are_case_insensitive() -> None:
    assert sorted(words(lint(BRAND), "TYP002")) == ["Frobnitz", "Quibbl", "Zorblax"]
    report = lint(BRAND, spelling={"words": ["zorblax", "QUIBBL", "Frobnitz"]})
    assert not report.findings


def test_word_list_files_are_read_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "words").mkdir()
    (tmp_path / "words" / "brand.txt").write_text(
        "# our brand\nZorblax Quibbl  # product names\n\nFrobnitz\n", encoding="utf-8"
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.oopslint]\nselect = ["TYP"]\n[tool.oopslint.spelling]\ndictionaries = ["words/brand.txt"]\n',
        encoding="utf-8",
    )
    email = tmp_path / "email.html"
    email.write_text(BRAND, encoding="utf-8")
    report = Linter(default_mode="template").lint(email, path=str(email))
    assert not report.findings


def test_missing_word_list_is_a_clear_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"spelling\.dictionaries: word list .*missing\.txt.* not found"):
        lint(BRAND, spelling={"dictionaries": [str(tmp_path / "missing.txt")]})


def test_skip_tags_and_classes() -> None:
    html = page('<p>Hello.</p><address>Zorblax Str. 4</address><p class="legal">Quibbl GmbH</p>')
    assert sorted(words(lint(html), "TYP002")) == ["Quibbl", "Zorblax"]
    report = lint(html, spelling={"skip_tags": ["address"], "skip_classes": ["legal"]})
    assert not report.findings


def test_max_acronym_length() -> None:
    html = page("<p>Ask the QORB team or the QORBVEX team.</p>")
    assert not lint(html).findings
    shouting = page("<p>ASK THE QORB TEAM OR THE QORBVEX TEAM NOW</p>")
    assert words(lint(shouting), "TYP002") == ["QORBVEX"]
    assert words(lint(shouting, spelling={"max_acronym_length": 7}), "TYP002") == []
    assert words(lint(shouting, spelling={"max_acronym_length": 3}), "TYP002") == ["QORB", "QORBVEX"]


def test_min_word_length() -> None:
    html = page("<p>Teh cat.</p>")
    assert words(lint(html), "TYP001") == ["Teh"]
    assert not lint(html, spelling={"min_word_length": 4}).findings


def test_max_suggestions() -> None:
    html = page("<p>Your parcle ships.</p>")
    (finding,) = codes(lint(html, spelling={"max_suggestions": 1}), "TYP002")
    assert len(finding.data["suggestions"]) == 1
    (finding,) = codes(lint(html, spelling={"max_suggestions": 0}), "TYP002")
    assert finding.data["suggestions"] == [] and "did you mean" not in finding.message


@pytest.mark.parametrize(
    "spelling, message",
    [
        ({"languages": ["xx"]}, r"spelling\.languages: no dictionary for 'xx'; pyspellchecker ships: ar, de, en"),
        ({"languages": []}, r"spelling\.languages must name at least one language"),
        ({"flag_words": {"two words": "x"}}, r"spelling\.flag-words: 'two words'"),
        ({"flag_words": {"teh": 1}}, r"spelling\.flag-words: 'teh' = 1"),
        ({"max_acronym_length": -1}, r"spelling\.max-acronym-length must be a whole number >= 0"),
    ],
)
def test_bad_option_values_are_configuration_errors(spelling: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        lint(BRAND, spelling=spelling)


def test_unknown_option_and_wrong_type_are_rejected_by_the_config_loader() -> None:
    with pytest.raises(ConfigError, match="unknown option 'word' in \\[spelling\\]"):
        lint(BRAND, spelling={"word": ["x"]})
    with pytest.raises(ConfigError, match="spelling.words must be a list"):
        lint(BRAND, spelling={"words": "Zorblax"})


def test_languages_from_lang_attributes_in_a_mixed_email() -> None:
    html = (
        '<!DOCTYPE html>\n<html lang="en">\n<body>\n'
        "<p>Thank you for your order.</p>\n"
        '<p lang="de">Vielen Dank für Ihre Bestellung. Sie wird morgen versendet.</p>\n'
        "<p lang=\"fr-CA\">Merci pour votre commande, nous l'avons bien reçue aujourd'hui.</p>\n"
        '<div lang="es"><p>Gracias por su pedido. Lo enviaremos mañana.</p></div>\n'
        '<p lang="it">Grazie per il tuo ordine, la spedizione è gratuita.</p>\n'
        "</body>\n</html>\n"
    )
    report = lint(html)
    assert not report.findings, [f.message for f in report.findings]
    # the same text read as English is full of unknown words
    assert len(codes(lint(html, spelling={"lang_attribute": False}), "TYP002")) > 10


def test_misspelling_in_a_german_paragraph_is_checked_against_german() -> None:
    html = page('<p lang="de">Vielen Dank für Ihre Bestelung.</p>')
    (finding,) = codes(lint(html), "TYP002")
    assert finding.data["word"] == "Bestelung" and finding.data["language"] == "de"
    assert finding.data["suggestions"][0] == "Bestellung"


def test_configured_languages_apply_to_text_without_lang() -> None:
    html = page("<p>Thank you. Vielen Dank für Ihre Bestellung.</p>", lang=None)
    assert codes(lint(html), "TYP002")
    assert not lint(html, spelling={"languages": ["en", "de-DE"]}).findings


def test_text_in_a_language_without_dictionary_is_reported_as_not_checked() -> None:
    html = page('<p>Thanks!</p>\n<p lang="pl">Dziękujemy za zamówienie.</p>\n<p lang="pl">Do zobaczenia.</p>')
    report = lint(html)
    (finding,) = codes(report, "TYP005")
    assert finding.severity == oopslint.Severity.INFO
    assert (finding.line, finding.column) == locate(html, "Dziękujemy")
    assert finding.data == {"language": "pl", "words": 5}
    assert not codes(report, "TYP002")
    assert report.exit_code == 0


def test_an_edited_word_list_is_read_again(tmp_path: Path) -> None:
    words_file = tmp_path / "brand.txt"
    words_file.write_text("Zorblax Quibbl Frobnitz\n", encoding="utf-8")
    spelling = {"dictionaries": [str(words_file)]}
    assert not lint(BRAND, spelling=spelling).findings
    words_file.write_text("Zorblax Quibbl\n# Frobnitz no longer\n", encoding="utf-8")
    assert words(lint(BRAND, spelling=spelling), "TYP002") == ["Frobnitz"]
