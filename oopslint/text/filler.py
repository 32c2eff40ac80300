"""Filler text: copy that stands in for real copy and was never replaced.

Recognised:

- lorem ipsum and the Latin it is made of, also passages that never say
  "lorem ipsum" ("Duis aute irure dolor in reprehenderit ...", "Class aptent
  taciti sociosqu ad litora torquent ...", Cicero's "Sed ut perspiciatis unde
  omnis iste natus error ...");
- the "Far far away, behind the word mountains, far from the countries
  Vokalia and Consonantia ..." blind text and "Li Europan lingues ...";
- themed generators: "Bacon ipsum dolor amet ...", "Cupcake ipsum ...",
  "Hipster ipsum ..." (any "<word> ipsum").

``find_filler(text)`` returns the filler passages of one run of text;
``filler_segments(email)`` the segments of every run of visible text that holds
filler. A rule that reports filler (TPL002) and a rule that must not read it
as prose (the spelling rules) use the same test, so they always agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

try:  # hashlib's own BLAKE2b, without loading OpenSSL's bindings (hashlib's import) on every start
    from _blake2 import blake2b
except ImportError:  # an interpreter built without it
    from hashlib import blake2b

from .runs import text_runs

if TYPE_CHECKING:
    from ..email import Email

__all__ = [
    "Filler",
    "FILLER_SIGNATURE",
    "THEMED_IPSUM",
    "BLIND_TEXT",
    "find_filler",
    "filler_segments",
    "is_filler_word",
    "is_themed_ipsum",
]

#: The openings of lorem ipsum; one of them in a run makes the run filler.
FILLER_SIGNATURE = re.compile(
    r"\b(?:lorem\s+ipsum|ipsum\s+dolor|dolor\s+sit\s+amet|consectetur\s+adipiscing|sed\s+do\s+eiusmod)\b", re.I
)
#: "Bacon ipsum", "Cupcake ipsum", "Hipster Ipsum": themed filler generators.
THEMED_IPSUM = re.compile(r"\b(?!lorem\b)[A-Za-z][A-Za-z'’-]{1,24}\s+ipsum\b", re.I)
#: Sentences of the German "Blindtext" and of "Li Europan lingues".
BLIND_TEXT = re.compile(
    r"\bfar\s+far\s+away,?\s+behind\s+the\s+word\s+mountains\b|\bvokalia\s+and\s+consonantia\b"
    r"|\bthere\s+live\s+the\s+blind\s+texts\b|\bseparated\s+they\s+live\s+in\s+bookmarksgrove\b"
    r"|\ba\s+small\s+river\s+named\s+duden\b|\bthe\s+big\s+oxmox\b|\blittle\s+blind\s+text\b"
    r"|\bli\s+europan\s+lingues\b",
    re.I,
)

# The Latin of lorem ipsum generators and of the Cicero passage they come from.
_LATIN = frozenset(
    """lorem ipsum dolor sit amet consectetur consectetuer adipiscing adipisicing elit sed do eiusmod tempor
    incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris
    nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum eu fugiat
    nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id
    est laborum class aptent taciti sociosqu litora torquent per conubia nostra inceptos himenaeos curabitur
    vestibulum mauris nunc pellentesque maecenas vivamus fusce integer donec suspendisse aenean morbi etiam
    praesent phasellus proin quisque nam cras vitae risus lacus tellus ligula tortor sapien turpis arcu massa
    eros odio felis augue metus purus neque lectus nibh diam urna justo erat libero quam orci leo ante mi dui
    sem nisl eget vel nec ac at a semper tincidunt ultrices facilisis malesuada fermentum porttitor sagittis
    dignissim vulputate condimentum pharetra efficitur ullamcorper viverra blandit lobortis faucibus hendrerit
    elementum accumsan rhoncus venenatis volutpat mollis imperdiet euismod sollicitudin gravida aliquam
    aliquet feugiat placerat egestas finibus interdum luctus bibendum cursus dapibus dictum fringilla iaculis
    lacinia laoreet maximus ornare posuere pretium pulvinar sodales suscipit tempus tristique varius vehicula
    auctor convallis congue molestie rutrum scelerisque ultricies primis cubilia curae habitant senectus netus
    fames turpis potenti habitasse platea dictumst montes nascetur ridiculus mus natoque penatibus magnis dis
    parturient quisque nullam vivamus sociis odio sollicitudin perspiciatis unde omnis iste natus error
    voluptatem accusantium doloremque laudantium totam rem aperiam eaque ipsa quae ab illo inventore veritatis
    quasi architecto beatae dicta explicabo nemo ipsam quia voluptas aspernatur aut odit fugit consequuntur
    magni dolores eos ratione sequi nesciunt porro quisquam dolorem adipisci numquam eius modi tempora incidunt
    magnam quaerat minima nostrum exercitationem ullam corporis laboriosam aliquid commodi consequatur autem
    eum iure nihil molestiae illum vero accusamus iusto dignissimos ducimus blanditiis praesentium voluptatum
    deleniti atque corrupti quos quas molestias excepturi occaecati cupiditate provident similique mollitia
    animi dolorum fuga harum quidem rerum facilis expedita distinctio tempore cum soluta nobis eligendi optio
    cumque impedit quo minus maxime placeat facere possimus assumenda repellendus temporibus quibusdam
    officiis debitis necessitatibus saepe eveniet voluptates repudiandae recusandae itaque earum hic tenetur
    sapiente delectus reiciendis voluptatibus maiores alias perferendis doloribus asperiores repellat
    tellus lacus mattis ligula sed eget orci tincidunt nibh dictum""".split()
)
# Latin filler words that are also everyday English (or other languages'
# everyday) words: they count toward a passage, but never decide one.
_SHARED = frozenset(
    """a ad at do et ex in id est non per sit sem mi leo ante error alias minus nemo hic rem cum quo
    class magna dolore vero modi nostra animi culpa quasi""".split()
)
_DISTINCT_LATIN = _LATIN - _SHARED
_LOWER_WORD = re.compile(r"[a-z]{2,}")
_SIGNATURE_NEEDLES = ("ipsum", "dolor", "amet", "consectetur", "eiusmod")
_BLIND_NEEDLES = ("mountains", "vokalia", "blind", "bookmarksgrove", "duden", "oxmox", "europan")
_ANY_NEEDLE = re.compile("|".join(_SIGNATURE_NEEDLES + _BLIND_NEEDLES))
_WORD = re.compile(r"[A-Za-z]+")
_SENTENCE = re.compile(r"[^.!?;\n\x00]+")
_MIN_WORDS = 3
_MIN_SHARE = 0.75
_MIN_DISTINCT = 2


@dataclass(frozen=True)
class Filler:
    """A filler passage: ``text[start:end]`` of the run it was found in."""

    start: int
    end: int
    kind: str  # "lorem-ipsum", "themed-ipsum", "blind-text", or "latin" (a passage of lorem ipsum's Latin)


def is_themed_ipsum(phrase: str) -> bool:
    """For a match of :data:`THEMED_IPSUM`: "Bacon ipsum" is a themed
    generator's, "Vestibulum ipsum" is lorem ipsum's own Latin."""
    return phrase.split()[0].lower() not in _LATIN


def is_filler_word(word: str, *, everyday: bool = False) -> bool:
    """True for a word of lorem ipsum's Latin that is not also an everyday word
    (with ``everyday``, for those too: "dolore", "magna", "culpa")."""
    lowered = word.lower()
    return lowered in _LATIN and (everyday or lowered not in _SHARED)


def find_filler(text: str) -> list[Filler]:
    """The filler passages of one run of text, in order.

    Signature phrases ("lorem ipsum", "bacon ipsum", "behind the word
    mountains") are passages of their own; a sentence that is mostly the
    Latin of lorem ipsum (three words or more, three in four of them Latin,
    two of them no everyday word) is a passage too.
    """
    found: list[Filler] = []
    lowered = text.lower()
    # cheap substring and word tests first: most text holds no filler at all
    if any(needle in lowered for needle in _SIGNATURE_NEEDLES):
        found.extend(Filler(m.start(), m.end(), "lorem-ipsum") for m in FILLER_SIGNATURE.finditer(text))
    if "ipsum" in lowered:
        found.extend(
            Filler(m.start(), m.end(), "themed-ipsum")
            for m in THEMED_IPSUM.finditer(text)
            if is_themed_ipsum(m.group())
        )
    if any(needle in lowered for needle in _BLIND_NEEDLES):
        found.extend(Filler(m.start(), m.end(), "blind-text") for m in BLIND_TEXT.finditer(text))
    if _has_latin(lowered):
        for sentence in _SENTENCE.finditer(text):
            words = list(_WORD.finditer(sentence.group()))
            if len(words) < _MIN_WORDS:
                continue
            latin = [w.group().lower() for w in words if w.group().lower() in _LATIN]
            distinct = {w for w in latin if w not in _SHARED}
            if len(latin) >= _MIN_SHARE * len(words) and len(distinct) >= _MIN_DISTINCT:
                start = sentence.start() + words[0].start()
                end = sentence.start() + words[-1].end()
                if not any(f.start < end and start < f.end for f in found):
                    found.append(Filler(start, end, "latin"))
    found.sort(key=lambda f: (f.start, f.end))
    return found


def _has_latin(lowered: str) -> bool:
    """Two different words of lorem ipsum's own Latin (a fast pre-check)."""
    return len(_DISTINCT_LATIN.intersection(_LOWER_WORD.findall(lowered))) >= _MIN_DISTINCT


# the answer of the pre-check for an email's text: renders of one template repeat it
# (kept under a digest of the text, not the text: an email's copy is not held after it is gone)
_MAY_HOLD: dict[bytes, bool] = {}
_MAY_HOLD_ENTRIES = 64


def _may_hold_filler(everything: str) -> bool:
    key = blake2b(everything.encode("utf-8", "surrogatepass"), digest_size=20).digest()
    known = _MAY_HOLD.get(key)
    if known is None:
        known = bool(_ANY_NEEDLE.search(everything)) or _has_latin(everything)
        if len(_MAY_HOLD) >= _MAY_HOLD_ENTRIES:
            _MAY_HOLD.clear()
        _MAY_HOLD[key] = known
    return known


def filler_segments(email: Email) -> frozenset[int]:
    """``id()`` of every segment in a run of visible text (see
    :func:`~oopslint.text.text_runs`) that holds filler: such text is
    placeholder copy, not prose to proofread."""
    return email.memo("oopslint.text.filler", _filler_segments)


def _filler_segments(email: Email) -> frozenset[int]:
    subject = email.subject_segment
    pieces = [segment.text for segment in email.segments] + ([subject.text] if subject is not None else [])
    everything = "\n".join(pieces).lower()
    if not _may_hold_filler(everything):
        return frozenset()  # the common case: one pass over the email's text, no runs built
    ids: set[int] = set()
    for run in text_runs(email):
        if find_filler(run.text):
            ids.update(id(segment) for segment in run.segments)
    return frozenset(ids)
