"""Spanish word forms the word list lacks.

pyspellchecker's Spanish list holds lemmas: "pregunta" but not "preguntas",
"poder" but not "puede", "llegar" but not "llegará". A form is known here when
undoing a regular ending (plural, feminine, a verb's person, tense or mood, an
attached pronoun as in "escríbanos") leads to a listed word, allowing the stem
changes of common verbs (puede/poder, tiene/tener, pide/pedir, sigue/seguir)
and the irregular future stems (podrá/poder, tendrá/tener, hará/hacer); the
forms of ser, estar, ir, haber and a few others that share nothing with their
infinitive are listed outright. A typo rarely undoes into a listed word, so it
is still reported.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

__all__ = ["spanish_base"]

# forms that share nothing (or too little) with their infinitive
_IRREGULAR = frozenset(
    """
    soy eres es somos sois son era eras éramos erais eran fui fuiste fue fuimos fuisteis fueron sea seas seamos
    sean fuera fueras fuéramos fueran sido siendo estoy estás está estamos estáis están estuve estuvo estuvimos
    estuvieron esté estés estén voy vas va vamos vais van iba ibas íbamos iban vaya vayas vayamos vayan yendo
    he has ha hemos habéis han hay había habían hubo haya hayas hayamos hayan habrá habrán habría
    hago hace hacemos hacen hice hizo hicimos hicieron haga hagan haz hecho
    tengo tiene tienes tienen tuve tuvo tuvimos tuvieron tenga tengas tengan ten
    puedo puedes puede pueden pude pudo pudimos pudieron pueda puedas puedan pudiera pudieran pudiendo
    digo dices dice decimos dicen dije dijo dijimos dijeron diga digas digan di dicho diciendo
    veo ves ve vemos ven vi vio vimos vieron vea veas vean visto
    doy das da damos dan di dio dimos dieron dé des den
    sé sabes sabe sabemos saben supe supo supimos supieron sepa sepas sepan
    quiero quieres quiere queremos quieren quise quiso quisimos quisieron quiera quieras quieran
    vengo vienes viene venimos vienen vine vino vinimos vinieron venga vengas vengan ven viniendo
    pongo pones pone ponemos ponen puse puso pusimos pusieron ponga pongas pongan pon puesto
    salgo sales sale salimos salen salga salgas salgan sal
    oigo oyes oye oímos oyen oyó oyeron oiga oigan
    traigo trae traen traje trajo trajeron traiga traigan
    conozco conozca conozcan ofrezco ofrezca ofrezcan agradezco agradezca
    abierto cubierto devuelto escrito muerto resuelto roto vuelto impreso
    qué cómo cuándo dónde adónde cuánto cuánta cuántos cuántas quién quiénes cuál cuáles
    """.split()
)

# (ending, what replaces it) on the way back to an infinitive: person, tense and mood
_VERB_ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # future and conditional: the infinitive is all there
    ("éis", ("",)),
    ("ás", ("",)),
    ("á", ("",)),
    ("é", ("",)),
    ("emos", ("",)),
    ("án", ("",)),
    ("ía", ("",)),
    ("ías", ("",)),
    ("íamos", ("",)),
    ("íais", ("",)),
    ("ían", ("",)),
    # present, preterite, imperfect, subjunctive, imperative, gerund, participle
    ("o", ("ar", "er", "ir")),
    ("as", ("ar",)),
    ("a", ("ar", "er", "ir")),
    ("amos", ("ar",)),
    ("áis", ("ar",)),
    ("an", ("ar", "er", "ir")),
    ("es", ("er", "ir", "ar")),
    ("e", ("er", "ir", "ar")),
    ("emos", ("er", "ar")),
    ("éis", ("er", "ar")),
    ("en", ("er", "ir", "ar")),
    ("imos", ("ir", "er")),
    ("ís", ("ir",)),
    ("é", ("ar",)),
    ("aste", ("ar",)),
    ("ó", ("ar",)),
    ("asteis", ("ar",)),
    ("aron", ("ar",)),
    ("í", ("er", "ir")),
    ("iste", ("er", "ir")),
    ("ió", ("er", "ir")),
    ("isteis", ("er", "ir")),
    ("ieron", ("er", "ir")),
    ("aba", ("ar",)),
    ("abas", ("ar",)),
    ("ábamos", ("ar",)),
    ("abais", ("ar",)),
    ("aban", ("ar",)),
    ("ía", ("er", "ir")),
    ("ías", ("er", "ir")),
    ("íamos", ("er", "ir")),
    ("íais", ("er", "ir")),
    ("ían", ("er", "ir")),
    ("ara", ("ar",)),
    ("aras", ("ar",)),
    ("áramos", ("ar",)),
    ("aran", ("ar",)),
    ("ase", ("ar",)),
    ("asen", ("ar",)),
    ("iera", ("er", "ir")),
    ("ieras", ("er", "ir")),
    ("iéramos", ("er", "ir")),
    ("ieran", ("er", "ir")),
    ("iese", ("er", "ir")),
    ("iesen", ("er", "ir")),
    ("ad", ("ar",)),
    ("ed", ("er",)),
    ("id", ("ir",)),
    ("ando", ("ar",)),
    ("iendo", ("er", "ir")),
    ("yendo", ("er", "ir")),
    ("ado", ("ar",)),
    ("ada", ("ar",)),
    ("ados", ("ar",)),
    ("adas", ("ar",)),
    ("ido", ("er", "ir")),
    ("ida", ("er", "ir")),
    ("idos", ("er", "ir")),
    ("idas", ("er", "ir")),
)
# irregular future and conditional stems
_FUTURE_STEMS = {
    "podr": "poder",
    "tendr": "tener",
    "saldr": "salir",
    "vendr": "venir",
    "pondr": "poner",
    "habr": "haber",
    "sabr": "saber",
    "querr": "querer",
    "dir": "decir",
    "har": "hacer",
    "cabr": "caber",
    "valdr": "valer",
}
_ENCLITICS = ("nos", "los", "las", "les", "me", "te", "se", "os", "lo", "la", "le")
_PLAIN = str.maketrans("áéíóú", "aeiou")
# stem changes of the present: the changed vowel back to the infinitive's
_STEM_CHANGES = (("ue", "o"), ("ie", "e"), ("i", "e"), ("ie", "i"), ("ue", "u"), ("zc", "c"), ("g", ""), ("j", "g"))


def spanish_base(word: str, known: Mapping[str, int]) -> bool:
    """``word`` (lower case) is a form of a listed Spanish word."""
    if word in _IRREGULAR:
        return True
    if len(word) < 3:
        return False
    return any(candidate in known for candidate in _bases(word))


def _bases(word: str) -> Iterator[str]:
    yield from _nominal(word)
    yield from _verbal(word)
    for pronoun in _ENCLITICS:
        # "escríbanos", "enviándole", "dígamelo": the pronouns off, the stress mark with them
        if word.endswith(pronoun) and len(word) - len(pronoun) >= 3:
            rest = word[: -len(pronoun)]
            for inner in _ENCLITICS:
                if rest.endswith(inner) and len(rest) - len(inner) >= 3:
                    yield from _verbal(rest[: -len(inner)].translate(_PLAIN))
            plain = rest.translate(_PLAIN)
            yield plain
            yield from _verbal(plain)


def _nominal(word: str) -> Iterator[str]:
    """Plural and feminine forms back to the listed singular masculine one."""
    if word.endswith("ces"):
        yield word[:-3] + "z"  # luces -> luz
    if word.endswith("es"):
        stem = word[:-2]
        yield stem  # ciudades -> ciudad
        # canciones -> canción, exámenes -> examen: the stress mark moves with the syllable
        for plain, marked in (("on", "ón"), ("en", "én"), ("an", "án"), ("in", "ín"), ("es", "és")):
            if stem.endswith(plain):
                yield stem[: -len(plain)] + marked
        yield stem.translate(_PLAIN)
    if word.endswith("s") and word[-2] in "aeiouáéíóú":
        yield word[:-1]  # preguntas -> pregunta (an -s plural follows a vowel: "graciass" is no word)
        if word.endswith("as"):
            yield word[:-2] + "o"  # nuevas -> nuevo
    if word.endswith("a"):
        yield word[:-1] + "o"  # nueva -> nuevo


def _verbal(word: str) -> Iterator[str]:
    """Infinitives a verb form may come from."""
    for ending, infinitives in _VERB_ENDINGS:
        if not word.endswith(ending) or len(word) - len(ending) < 2:
            continue
        stem = word[: -len(ending)]
        for infinitive in infinitives:
            if not infinitive:
                if stem.endswith(("ar", "er", "ir")):
                    yield stem  # llegará -> llegar
                elif stem in _FUTURE_STEMS:
                    yield _FUTURE_STEMS[stem]  # podrá -> poder
                continue
            yield stem + infinitive
            plain = stem.translate(_PLAIN)
            if plain != stem:
                yield plain + infinitive
            for changed, original in _STEM_CHANGES:
                at = stem.rfind(changed)
                if at >= 0:
                    yield stem[:at] + original + stem[at + len(changed) :] + infinitive  # puede -> poder
            # spelling kept before the ending: busqué -> buscar, pagué -> pagar, empecé -> empezar
            if stem.endswith("qu"):
                yield stem[:-2] + "c" + infinitive
            elif stem.endswith("gu"):
                yield stem[:-1] + infinitive
            elif stem.endswith("c"):
                yield stem[:-1] + "z" + infinitive
