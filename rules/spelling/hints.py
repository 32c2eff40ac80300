"""Signs that a run of words is in another language than its markup says: the
languages worth a look (see ``checker._Reader._in_its_language``)."""

from __future__ import annotations

import re

from .wordlists import available_languages

__all__ = ["language_hints"]

# Frequent words of a language that are no English words, and its letters English
# lacks: two signs (two such words, or one and such a letter) make that language
# worth a look (its dictionary is loaded only then). Scripts tell the rest.
_HINTS = {
    "es": frozenset(
        "el los las del por para una este esta está están es en que pero muy más también nuestro usted su sus y"
        " como al lo se si un de".split()
    ),
    "fr": frozenset(
        "le les des est et une pour qui dans pas sur vous nous du au avec votre être très en ce cette je il un de si"
        " peut".split()
    ),
    "de": frozenset(
        "der die das und ist nicht ein eine zu den mit ich für auf dem sich auch wir von ihre sie es".split()
    ),
    "it": frozenset("il di che è per non sono della gli questo questa ma si da nel alla anche suo tuo un una".split()),
    "pt": frozenset("os um uma para com não do da em no na por seu sua você está são também que".split()),
    "nl": frozenset("de het een en van dat niet op te voor zijn ik je die er maar ook wij uw".split()),
    "eu": frozenset("eta ez bat da du dira ere baina hau zer dago izan".split()),
    "lv": frozenset("un ir ar uz par kas ka tas vai jūs mēs arī nav".split()),
}
_LETTERS = {
    "es": re.compile("[ñáíóú¿¡]"),
    "fr": re.compile("[èêàçùûôîïœë]"),
    "de": re.compile("[äöüß]"),
    "it": re.compile("[àèìòù]"),
    "pt": re.compile("[ãõçâêôá]"),
    "lv": re.compile("[āēīūčšžģķļņ]"),
}
_SCRIPTS = (
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("fa", re.compile(r"[\u0600-\u06ff]")),
)


def language_hints(words: list[str], marked: tuple[str, ...]) -> list[str]:
    """The languages ``words`` point to, other than those the run is marked with."""
    lowered = [w.lower() for w in words]
    text = " ".join(lowered)
    available = available_languages()
    out = []
    for code, hints in _HINTS.items():
        if code in marked or code not in available:
            continue
        letters = _LETTERS.get(code)
        signs = sum(w in hints for w in lowered) + (1 if letters is not None and letters.search(text) else 0)
        if signs >= 2:
            out.append(code)
    for code, script in _SCRIPTS:
        if code not in marked and code in available and sum(bool(script.match(w)) for w in words) * 2 > len(words):
            out.append(code)
    return out
