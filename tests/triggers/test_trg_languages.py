"""Shipping notices in other languages: the event and the printed dates are read there too."""

from __future__ import annotations

import oopslint

from .helpers import FIXTURES

GERMAN = FIXTURES / "versandt-de.html"
SEND = {"send_at": "2026-11-23T09:00:00Z"}


def lint(html: str, context=SEND):
    return oopslint.lint(html, context=context, offline=True, config={"select": ["TRG"]})


def test_a_fresh_german_shipping_notice_is_quiet():
    assert lint(GERMAN.read_text()).findings == []


def test_a_german_order_date_years_old_is_stale_read_day_first():
    html = GERMAN.read_text().replace("vom 12.11.2026", "vom 12.11.2019")
    (finding,) = lint(html).findings
    assert finding.code == "TRG005"
    assert finding.message.startswith("Order date '12.11.2019' is 7.0 years before the send time")
    line = next(i for i, text in enumerate(html.splitlines(), 1) if "12.11.2019" in text)
    assert (finding.line, finding.column) == (line, html.splitlines()[line - 1].index("12.11.2019") + 1)
    assert finding.data["event_type"] == "shipped"


def test_german_french_and_spanish_phrases_name_the_event():
    cases = {
        "<p>Ihre Bestellung wurde versandt. Bestellt am 03.02.2020.</p>": "shipped",
        "<p>Votre commande a été expédiée. Commande du 03/02/2020.</p>": "shipped",
        "<p>Tu pedido ha sido entregado. Pedido del 03/02/2020.</p>": "delivered",
    }
    for body, kind in cases.items():
        findings = lint(
            f'<html lang="{"de" if "Ihre" in body else "fr" if "Votre" in body else "es"}"><body>{body}</body></html>'
        ).findings
        assert [f.code for f in findings] == ["TRG005"], body
        assert findings[0].data["event_type"] == kind, body


def test_a_promise_in_german_is_not_news():
    html = '<html lang="de"><body><p>Wir benachrichtigen Sie, sobald Ihre Bestellung versandt wurde. Bestellt am 03.02.2020.</p></body></html>'
    assert lint(html).findings == []
