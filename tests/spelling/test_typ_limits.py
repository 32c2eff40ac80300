"""Emails with more spelling findings than anyone reads: the first ones are listed, the rest counted."""

from __future__ import annotations

from oopslint.rules.spelling.checker import MAX_LISTED, WINDOW
from oopslint.rules.spelling.typ002_unknown_word import SUGGESTED_WORDS_PER_EMAIL

from .helpers import CORPUS, codes, lint

RECEIPT = CORPUS / "postmark" / "receipt.source.html"
ANCHOR = "<p>Thanks for using [Product Name]."


def receipt_with(paragraphs: str) -> str:
    html = RECEIPT.read_text(encoding="utf-8")
    assert ANCHOR in html
    return html.replace(ANCHOR, paragraphs + "\n" + ANCHOR, 1)


def made_up(count: int) -> list[str]:
    """Distinct words no dictionary knows and no frequent word is one slip from."""
    consonants, vowels = "bcdfghjklmnpqrstvwxz", "aeiou"
    out = []
    for n in range(count):
        syllables = []
        while True:
            n, c = divmod(n, len(consonants))
            n, v = divmod(n, len(vowels))
            syllables.append(consonants[c] + vowels[v])
            if n == 0:
                break
        out.append("q" + "".join(syllables) + "x")
    return out


def test_repeated_words_past_the_limit_are_one_finding_with_their_count() -> None:
    count = MAX_LISTED + 2_000
    html = receipt_with("<p>" + "word " * count + "</p>")
    report = lint(html, select="TYP003")
    repeated = codes(report, "TYP003")
    listed, summary = repeated[:-1], repeated[-1]
    assert len(listed) == MAX_LISTED
    assert all(f.message == "Repeated word 'word word'" for f in listed)
    # the summary sits at the first repeat not listed, one word after the last listed
    assert summary.line == listed[-1].line and summary.column == listed[-1].column + len("word ")
    more = count - 1 - MAX_LISTED - 1
    assert summary.message == (
        f"Repeated word 'word word' (and {more:,} more repeated words after it, not listed: "
        f"at most {MAX_LISTED:,} are reported per email)"
    )
    assert summary.data["not_listed"] == more + 1
    assert str(summary.severity) == "warning"


def test_misspellings_past_the_limit_keep_the_email_failing() -> None:
    html = receipt_with("<p>" + "You will recieve it. " * (MAX_LISTED + 5) + "</p>")
    report = lint(html, select="TYP001")
    misspelled = codes(report, "TYP001")
    assert len(misspelled) == MAX_LISTED + 1
    assert misspelled[-1].message.startswith(
        "Misspelled word 'recieve' (and 4 more misspelled words after it, not listed: at most"
    )
    assert str(misspelled[-1].severity) == "error" and report.exit_code == 1


def test_unknown_words_get_suggestions_up_to_a_limit_and_say_so_past_it() -> None:
    extra = 40
    unknown = made_up(MAX_LISTED + extra)
    # a real typo with suggestions among the first words, and the same one past the suggestion limit
    unknown[3] = unknown[SUGGESTED_WORDS_PER_EMAIL + 3] = "delivey"
    paragraphs = "\n".join("<p>" + " ".join(unknown[i : i + 12]) + ".</p>" for i in range(0, len(unknown), 12))
    report = lint(receipt_with(paragraphs), select="TYP002")
    found = codes(report, "TYP002")
    by_word = {f.data["word"]: f for f in found[:-1]}
    assert len(found) == MAX_LISTED + 1
    assert by_word["delivey"].message.startswith("Unknown word 'delivey': did you mean ")
    assert by_word["delivey"].message.endswith("? (2 times)")
    past = found[SUGGESTED_WORDS_PER_EMAIL + 5]
    assert past.message == (
        f"Unknown word '{past.data['word']}' (no suggestions past the first "
        f"{SUGGESTED_WORDS_PER_EMAIL:,} unknown words of an email)"
    )
    # distinct words past the limit: one finding at the first of them, counting the rest
    summary = found[-1]
    last_listed = unknown.index(found[-2].data["word"])
    assert unknown.index(summary.data["word"]) > last_listed
    not_listed = summary.data["not_listed"]
    assert 1 < not_listed <= len(unknown) - last_listed
    assert summary.message == (
        f"Unknown word '{summary.data['word']}' (and {not_listed - 1} more occurrences of unknown words after it, "
        f"not listed: at most {MAX_LISTED:,} are reported per email)"
    )


def test_a_run_longer_than_the_reading_window_is_read_like_a_short_one() -> None:
    # one paragraph of more than WINDOW words: a repeat whose two words fall in two windows
    # (the first word is the last of window one) is still found, and so is a typo after it
    filler = "we ship your order today " * (WINDOW // 5 - 1) + "we ship your order"
    html = receipt_with(f"<p>{filler} the the end. {filler} You will recieve it.</p>")
    report = lint(html)
    assert [f.message for f in codes(report, "TYP003")] == ["Repeated word 'the the'"]
    assert [f.message for f in codes(report, "TYP001")] == ["Misspelled word 'recieve': did you mean 'receive'?"]
    assert not codes(report, "TYP002")
