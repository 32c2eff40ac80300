"""Split reader-visible text into words, and set aside what is never a typo.

Never words: masked merge tags and anything glued to them, URLs, email
addresses, domains and file names, paths, hex colours and hashtags, numbers
and anything with a digit or an underscore in it (``12px``, ``2nd``,
``SKU123``), bracketed placeholders (``[Product Name]``, ``{name}``,
``<first name>``), and brand-marked words (``Acme™``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from oopslint.templating import MASK_CHAR

__all__ = ["Token", "tokenize", "iter_tokens", "words_of", "has_digit_or_underscore", "SENTENCE_BREAK"]

# a chunk (a run of non-space) holding an address-like character, a brand mark,
# a masked merge tag, or a dot inside it ("acme.com", not "done.")
# (anchored at the start of a chunk and lazy up to the first such character, so
# a long chunk without one costs one pass, not a backtrack from every position)
_SPECIAL_CHUNK = re.compile(r"(?<!\S)\S*?(?:[@\\=/#:\u2122\u00ae\u2120\ufffc]|\.(?=\S))\S*")
_DIGIT_OR_UNDERSCORE = re.compile(r"[\d_]")
# letters, digits and underscores, joined by single apostrophes or hyphens
# (U+2010 and the non-breaking U+2011 are hyphens too)
_WORD = re.compile(r"\w+(?:['\u2019\u02bc\u2010\u2011-]\w+)*")
_PLACEHOLDER = re.compile(
    r"\[[^\[\]\n]{1,80}\]|\{[^{}\n]{1,80}\}|<[^<>\n]{1,80}>|%%?[A-Za-z_][\w.]{0,60}%%?|\$\{[^}\n]{1,80}\}"
)
_PLACEHOLDER_START = re.compile(r"[\[{<%$]")
_URL_START = re.compile(r"(?:^|[^\w])(?:[a-z][a-z0-9+.\-]*://|www\.|mailto:|tel:|sms:)", re.I)
_DOMAIN_OR_FILE = re.compile(r"^[\w\-]+(?:\.[\w\-]+)*\.[a-z][a-z0-9]{1,23}$")
_EDGE_PUNCT = "\"'()[]{}<>.,;:!?\u2018\u2019\u201c\u201d\u00ab\u00bb\u2026*_~"
_BRAND_MARKS = "\u2122\u00ae\u2120"  # ™ ® ℠
#: Characters after which the next word starts a sentence.
SENTENCE_BREAK = frozenset('.!?:;\u2026\u2022|\u00b7\u2013\u2014"\u201c\u201d(\u00ab\u00bb\u00bf\u00a1')


@dataclass(slots=True)
class Token:
    """One word-like token at ``text[start:end]`` of a segment.

    ``checkable`` is False for tokens that are never spelling mistakes (see the
    module docstring); they still separate words for the repeated-word check.
    """

    start: int
    end: int
    text: str
    checkable: bool = True


def _placeholder_spans(text: str) -> Iterator[tuple[int, int]]:
    if not _PLACEHOLDER_START.search(text):
        return iter(())
    return (m.span() for m in _PLACEHOLDER.finditer(text))


def _skip_chunk(chunk: str) -> bool:
    """Whole chunks that are addresses, not words."""
    if "@" in chunk or "\\" in chunk or "=" in chunk:
        return True
    core = chunk.strip(_EDGE_PUNCT)
    if not core:
        return False
    if core[0] == "#":
        return True
    if ("://" in chunk or "www." in chunk.lower() or ":" in core) and _URL_START.search(chunk):
        return True
    if "/" in core:
        # "and/or" is words; "/account/settings", "example.com/x", "a/b/c" are paths
        return core[0] in "/~" or "." in core or core.count("/") > 1 or "//" in core
    if "." in core and _DOMAIN_OR_FILE.match(core):
        return True
    return False


def has_digit_or_underscore(word: str) -> bool:
    """A token with a digit or an underscore is never checked (``12px``, ``SKU_1``)."""
    return _DIGIT_OR_UNDERSCORE.search(word) is not None


def words_of(text: str) -> list[str]:
    """The text of every token :func:`iter_tokens` gives, in order, without their places."""
    return _WORD.findall(text)


def tokenize(text: str) -> list[Token]:
    """Word tokens of a segment's (masked) text, left to right."""
    return list(iter_tokens(text))


_END = (1 << 62, 1 << 62, False, False)


def iter_tokens(text: str) -> Iterator[Token]:
    """:func:`tokenize`, one token at a time: a long text is never held as a list."""
    # placeholder spans and the chunks with an address-like character come left
    # to right, like the tokens: walk all three once
    placeholders = iter(_placeholder_spans(text))
    held = next(placeholders, (1 << 62, 1 << 62))
    chunks = (
        (m.start(), m.end(), _skip_chunk(m.group()), _has_brand_mark(m.group())) for m in _SPECIAL_CHUNK.finditer(text)
    )
    special = next(chunks, _END)
    for m in _WORD.finditer(text):
        start, end = m.span()
        word = m.group()
        checkable = word.isalpha() or not _DIGIT_OR_UNDERSCORE.search(word)
        while special[1] <= start:
            special = next(chunks, _END)
        if special[0] <= start:
            _, _, skip_all, branded = special
            if skip_all or branded:
                checkable = False
            elif (start > 0 and text[start - 1] == MASK_CHAR) or (end < len(text) and text[end] == MASK_CHAR):
                checkable = False
        while held[1] <= start:
            held = next(placeholders, (1 << 62, 1 << 62))
        if checkable and held[0] <= start:
            checkable = False
        yield Token(start, end, word, checkable)


def _has_brand_mark(chunk: str) -> bool:
    return any(mark in chunk for mark in _BRAND_MARKS)
