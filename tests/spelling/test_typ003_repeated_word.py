"""TYP003 repeated-word: A word is repeated ("the the")."""

from __future__ import annotations

from .helpers import codes, lint, page


def test_single_letters_repeat_only_when_they_are_words() -> None:
    html = page("<p>Press b b to go back. It is a a small step.</p>")
    assert [f.message for f in codes(lint(html), "TYP003")] == ["Repeated word 'a a'"]


def test_repeated_word_within_text_across_inline_tags_and_not_across_blocks() -> None:
    html = page(
        "<p>Your order is on the the way.</p>\n"
        "<p>Your order is on <b>the</b> <i>the</i> way.</p>\n"
        "<p>Sign in to <a href='#'>to your account</a>.</p>\n"
        "<table><tr><td>Total</td><td>Total</td></tr></table>\n"
        "<p>Total<br>Total</p>\n"
        "<p>The the end, and again: and, and more.</p>"
    )
    report = lint(html)
    found = [(f.line, f.data["word"]) for f in codes(report, "TYP003")]
    assert found == [(4, "the"), (5, "the"), (6, "to"), (9, "the")]


def test_allowed_repeats_option() -> None:
    html = page("<p>We sell sell sell every day.</p>")
    assert len(codes(lint(html), "TYP003")) == 2
    assert not codes(lint(html, spelling={"allowed_repeats": ["sell"]}), "TYP003")


def test_a_separator_between_two_links_is_not_a_repeat() -> None:
    html = page(
        '<p><a href="https://acme.example/u">Unsubscribe</a> - '
        '<a href="https://acme.example/p">Unsubscribe Preferences</a></p>\n'
        '<p><a href="https://acme.example/a">Terms</a> | <a href="https://acme.example/b">Terms of sale</a></p>\n'
        '<p><a href="https://acme.example/c">Help</a> <!-- footer --> &middot; <b>Help</b> centre</p>\n'
        '<p>Read <a href="https://acme.example/d">the</a>&nbsp;<b>the</b> guide.</p>'
    )
    found = [(f.line, f.data["word"]) for f in codes(lint(html), "TYP003")]
    assert found == [(7, "the")]
