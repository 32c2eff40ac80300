"""Text in other languages: Spanish word forms, and paragraphs in a language
their markup does not name (a localized branch of a template)."""

from __future__ import annotations

import pytest

from .helpers import codes, lint, page

SPANISH_ORDER = (
    "<p>Hola Ana, gracias por tu compra. Tu pedido está en camino y llegará pronto.</p>\n"
    "<p>Puedes seguir el envío desde tu cuenta. Si tienes preguntas, escríbenos y te ayudaremos.</p>\n"
    "<p>Los productos que compraste ya fueron enviados; las facturas estarán disponibles mañana.</p>\n"
    "<p>¿Cuánto tarda la entrega? Normalmente recibirás tus paquetes en dos o tres días hábiles.</p>\n"
    "<p>Te esperamos en nuestras tiendas y en la web. Revisa tu carrito y nuestra política de privacidad.</p>\n"
)


def test_spanish_inflections_are_words_and_a_typo_is_still_found() -> None:
    html = page(SPANISH_ORDER, lang="es")
    assert lint(html).findings == []
    typo = page(SPANISH_ORDER.replace("Tu pedido está", "Tu pedidio está"), lang="es")
    (finding,) = codes(lint(typo), "TYP001")
    assert (finding.data["word"], finding.data["language"]) == ("pedidio", "es")
    assert finding.message == "Misspelled word 'pedidio': did you mean 'pedido'?"


@pytest.mark.parametrize(
    "form",
    [
        "preguntas",
        "ciudades",
        "canciones",
        "luces",
        "nuevas",
        "llegará",
        "podría",
        "tendrá",
        "puede",
        "tiene",
        "sigue",
        "pidió",
        "busqué",
        "enviándole",
        "escríbanos",
        "compraste",
        "recibirás",
        "estarán",
        "hay",
        "fue",
    ],
)
def test_spanish_forms_the_word_list_lacks(form: str) -> None:
    assert lint(page(f"<p>{form}</p>", lang="es")).findings == []


@pytest.mark.parametrize("typo", ["graciass", "pedidoss", "pedidio", "enviaremoss"])
def test_a_spanish_typo_is_no_form_of_a_listed_word(typo: str) -> None:
    assert [
        f.data["word"] for f in lint(page(f"<p>Muchas gracias por su pedido: {typo}.</p>", lang="es")).findings
    ] == [typo]


def test_a_paragraph_in_spanish_without_lang_is_read_as_spanish() -> None:
    html = page(
        "<p>Thank you for your order. It ships tomorow.</p>\n"
        "<div>{{#if spanish}}" + SPANISH_ORDER.replace("Tu pedido está", "Tu pedidio está") + "{{/if}}</div>",
        lang="en",
    )
    found = [(f.code, f.data["word"], f.data["language"]) for f in lint(html).findings]
    assert found == [("TYP001", "tomorow", "en"), ("TYP001", "pedidio", "es")]


def test_english_with_many_names_stays_english() -> None:
    html = page("<p>New in: the Vomero, Pegasus, Alphafly and Invincible in Zoomx foam for the trail.</p>", lang="en")
    unknown = {(f.data["word"], f.data["language"]) for f in codes(lint(html), "TYP002")}
    assert ("Zoomx", "en") in unknown and all(language == "en" for _, language in unknown)


def test_with_lang_attribute_off_everything_is_read_in_the_configured_languages() -> None:
    html = page(SPANISH_ORDER, lang=None)
    assert codes(lint(html, spelling={"lang_attribute": False}), "TYP002")
    assert lint(html).findings == []


def test_russian_case_and_person_forms_are_words_and_a_typo_in_a_stem_is_still_found() -> None:
    text = (
        "<p>Спасибо за ваш заказ. Статус заказа можно проверить в личном кабинете. Оплаты по заказу "
        "принимаются картой. Мы отправим посылку завтра, доставкой занимается наш партнёр. "
        "Вы можете отслеживать доставку.</p>\n"
    )
    assert lint(page(text, lang="ru")).findings == []
    typo = page(text.replace("Статус заказа", "Статус закза"), lang="ru")
    (finding,) = lint(typo).findings
    assert (finding.data["word"], finding.data["language"]) == ("закза", "ru")


MARKETING = {
    "fr": (
        "Bonjour Marie ! Merci de votre confiance. Cette semaine, profitez de réductions incroyables sur les "
        "chaussures, les t-shirts et les accessoires. Utilisez le code ETE20 pour obtenir 20 % de remise sur "
        "toute la boutique. L'offre se termine dimanche à minuit. Si vous avez déjà passé commande, consultez "
        "le suivi de votre livraison dans la rubrique Mes commandes. Notre service client est disponible du "
        "lundi au vendredi. Vous recevez cet e-mail car vous êtes inscrit à notre newsletter. Vous pouvez "
        "vous désabonner à tout moment."
    ),
    "de": (
        "Hallo Maria! Vielen Dank für Ihr Vertrauen. Diese Woche gibt es unglaubliche Rabatte auf Schuhe, "
        "T-Shirts und Accessoires. Mit dem Code SOMMER20 erhalten Sie 20 % Rabatt im gesamten Shop. Das "
        "Angebot endet am Sonntag um Mitternacht. Wenn Sie bereits bestellt haben, verfolgen Sie Ihre Sendung "
        "im Bereich Meine Bestellungen. Unser Kundenservice ist von Montag bis Freitag für Sie da. Sie "
        "erhalten diese E-Mail, weil Sie unseren Newsletter abonniert haben. Sie können sich jederzeit "
        "abmelden."
    ),
    "pt": (
        "Olá Maria! Obrigado pela sua confiança. Esta semana temos descontos incríveis em sapatos, camisetas "
        "e acessórios. Use o código VERAO20 para ganhar 20% de desconto em toda a loja. A promoção termina no "
        "domingo à meia-noite. Se você já fez sua compra, acompanhe a entrega na seção Meus pedidos. Nossa "
        "equipe de atendimento está disponível de segunda a sexta-feira. Você recebeu este e-mail porque se "
        "inscreveu em nossa newsletter. Você pode cancelar a inscrição a qualquer momento."
    ),
    "it": (
        "Ciao Maria! Grazie per la tua fiducia. Questa settimana ci sono sconti incredibili su scarpe, "
        "magliette e accessori. Usa il codice ESTATE20 per ottenere il 20% di sconto su tutto il negozio. La "
        "promozione termina domenica a mezzanotte. Se hai già effettuato un ordine, controlla la spedizione "
        "nella sezione I miei ordini. Il nostro servizio clienti è disponibile dal lunedì al venerdì. Ricevi "
        "questa email perché sei iscritto alla nostra newsletter. Puoi annullare l'iscrizione in qualsiasi "
        "momento."
    ),
    "nl": (
        "Hallo Maria! Bedankt voor je vertrouwen. Deze week hebben we ongelooflijke kortingen op schoenen, "
        "T-shirts en accessoires. Gebruik de code ZOMER20 voor 20% korting in de hele winkel. De actie "
        "eindigt zondag om middernacht. Heb je al besteld, volg dan je zending in het onderdeel Mijn "
        "bestellingen. Onze klantenservice is bereikbaar van maandag tot en met vrijdag. Je ontvangt deze "
        "e-mail omdat je bent ingeschreven voor onze nieuwsbrief. Je kunt je op elk moment afmelden."
    ),
}


@pytest.mark.parametrize("language", sorted(MARKETING))
def test_a_promotional_email_in_each_language_reads_clean(language: str) -> None:
    assert lint(page(f"<p>{MARKETING[language]}</p>", lang=language)).findings == []
