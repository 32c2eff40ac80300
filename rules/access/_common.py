"""What the ACC rules share: the vague link phrases of the seven languages TRG
reads (English, German, French, Spanish, Italian, Dutch, Portuguese)."""

from __future__ import annotations

import re
import unicodedata

from oopslint import Email, SendContext

VAGUE_LINK_PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "click here",
        "click",
        "here",
        "tap here",
        "press here",
        "read more",
        "learn more",
        "more",
        "more info",
        "more information",
        "find out more",
        "see more",
        "continue reading",
        "continue",
        "details",
        "link",
        "this link",
        "this",
        "go",
        "open",
        "view",
    ),
    "de": (
        "hier klicken",
        "klicken sie hier",
        "klick hier",
        "hier",
        "mehr",
        "mehr erfahren",
        "weiterlesen",
        "mehr lesen",
        "mehr infos",
        "mehr informationen",
        "details",
        "link",
        "dieser link",
    ),
    "fr": (
        "cliquez ici",
        "cliquer ici",
        "ici",
        "en savoir plus",
        "lire la suite",
        "plus",
        "voir plus",
        "plus d'infos",
        "plus d'informations",
        "lien",
        "ce lien",
    ),
    "es": (
        "haga clic aquí",
        "haz clic aquí",
        "clic aquí",
        "click aquí",
        "pulse aquí",
        "pulsa aquí",
        "aquí",
        "leer más",
        "más información",
        "saber más",
        "más",
        "ver más",
        "enlace",
        "este enlace",
    ),
    "it": (
        "clicca qui",
        "fai clic qui",
        "clicca",
        "qui",
        "leggi di più",
        "scopri di più",
        "di più",
        "altro",
        "continua a leggere",
        "link",
        "questo link",
    ),
    "nl": (
        "klik hier",
        "hier",
        "lees meer",
        "meer lezen",
        "meer",
        "meer info",
        "meer informatie",
        "lees verder",
        "link",
        "deze link",
    ),
    "pt": (
        "clique aqui",
        "clica aqui",
        "aqui",
        "leia mais",
        "saiba mais",
        "mais",
        "ver mais",
        "continue lendo",
        "link",
        "este link",
    ),
}
_ALL_PHRASES = frozenset(_p for phrases in VAGUE_LINK_PHRASES.values() for _p in phrases)
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)


def normalise(text: str) -> str:
    """Lower case, NFC, whitespace collapsed, arrows and punctuation at the edges dropped."""
    text = unicodedata.normalize("NFC", " ".join(text.split())).lower().replace("\u2019", "'")
    return _EDGE_PUNCTUATION.sub("", text)


def is_vague(text: str, extra: frozenset[str] = frozenset()) -> bool:
    phrase = normalise(text)
    return bool(phrase) and (phrase in _ALL_PHRASES or phrase in extra)


def is_partial(email: Email, context: SendContext) -> bool:
    """A template partial (no <html>, no <body>): whole-document rules stay quiet."""
    return context.mode == "template" and email.html_element is None and email.body_element is None


__all__ = ["VAGUE_LINK_PHRASES", "normalise", "is_vague", "is_partial"]
