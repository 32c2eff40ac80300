"""oopslint.text: what several rule families read, as a rule would use it."""

from __future__ import annotations

from oopslint_testing import CORPUS

import oopslint
from oopslint.text import (
    EVENT_PHRASE_PATTERNS,
    filler_segments,
    find_filler,
    is_hedged,
    place_of,
    printed_dates,
    text_runs,
)

SHIPPED = CORPUS.parent / "triggers" / "postmark" / "shipped-2016.html"


def test_text_runs_join_inline_pieces_and_map_back_to_the_source():
    html = '<html lang="en"><body>\n<p>Hi <b>Ada</b>, your order</p>\n<img src="a.png" alt="Acme logo">\n</body></html>'
    email = oopslint.Email.parse(html, subject="Your order")
    runs = text_runs(email)
    assert [(run.text, run.where) for run in runs] == [
        ("Your order", "subject"),
        ("Hi Ada, your order", "body text"),
        ("Acme logo", "alt text"),
    ]
    span = runs[1].span(email, runs[1].text.index("Ada"), runs[1].text.index("Ada") + 3)
    assert (span.line, span.column, span.end_column) == (2, 10, 13)
    assert text_runs(email) is runs  # computed once per email
    assert place_of(runs[2].segments[0]) == "alt text"


def test_find_filler_names_each_kind():
    kinds = {
        text: [f.kind for f in find_filler(text)]
        for text in (
            "Lorem ipsum dolor sit amet.",
            "Duis aute irure dolor in reprehenderit in voluptate velit esse.",
            "Far far away, behind the word mountains, far from the countries Vokalia and Consonantia.",
            "Bacon ipsum dolor amet pancetta.",
            "Your order has shipped and will arrive on Tuesday.",
        )
    }
    assert list(kinds.values()) == [
        ["lorem-ipsum", "lorem-ipsum"],
        ["latin"],
        ["blind-text", "blind-text"],
        ["themed-ipsum", "lorem-ipsum"],
        [],
    ]


def test_filler_segments_are_the_segments_of_runs_with_filler():
    email = oopslint.Email.parse('<html lang="en"><body><p>Lorem <b>ipsum</b> dolor</p><p>Hello</p></body></html>')
    ids = filler_segments(email)
    assert sorted(s.text for s in email.segments if id(s) in ids) == [" dolor", "Lorem ", "ipsum"]


def test_printed_dates_of_a_real_shipping_notice():
    email = oopslint.Email.parse(SHIPPED)
    found = [(d.kind, d.text) for d in printed_dates(email)]
    assert ("order", "Aug 21, 2016") in found and ("ship", "aug 28, 2016") in found
    assert printed_dates(email) is printed_dates(email)


def test_event_phrases_in_seven_languages_and_hedges():
    shipped = EVENT_PHRASE_PATTERNS["shipped"]
    for text in (
        "Your order has shipped",
        "Ihre Bestellung wurde versandt",
        "Votre commande a été expédiée",
        "Tu pedido ha sido enviado",
        "Il tuo ordine è stato spedito",
        "Je bestelling is verzonden",
        "Seu pedido foi enviado",
    ):
        assert shipped.search(text), text
    promise = "We'll email you once it has shipped"
    assert is_hedged(promise, promise.index("has shipped"))
    assert not is_hedged("Good news: it has shipped", len("Good news: it "))


def test_event_phrases_of_a_repeated_text_are_found_again_and_are_the_callers_own() -> None:
    from oopslint.text import event_phrases

    text = "Good news: your order has shipped and is on its way."
    first = event_phrases(text)
    assert [kind for kind, _ in first] == ["shipped", "shipped"]
    first.clear()
    again = event_phrases("".join(["Good news: your order has shipped ", "and is on its way."]))
    assert [(kind, match.group()) for kind, match in again] == [
        ("shipped", "has shipped"),
        ("shipped", "is on its way"),
    ]
