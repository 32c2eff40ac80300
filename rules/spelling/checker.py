"""Read an email the way its reader does and collect spelling issues.

The TYP rules share one pass per email: each rule asks :func:`analyze` for the
issues of its kind, and the pass runs once per email and configuration.
"""

from __future__ import annotations

import operator
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from oopslint import Email, SendContext
from oopslint.text import filler_segments, is_filler_word

from .dictionary import (
    ALLOWED_REPEATS,
    Dictionary,
    get_dictionary,
    normalize_apostrophes,
    primary_language,
)
from .settings import (
    OPTION_DOCS,
    OPTIONS,
    Settings,
    sender_sources,
    sender_words,
    settings_and_key,
)
from .tokens import SENTENCE_BREAK, Token, has_digit_or_underscore, iter_tokens, words_of
from .wordlists import available_languages

__all__ = ["Issue", "Analysis", "analyze", "match_case", "OPTIONS", "OPTION_DOCS", "MAX_LISTED"]

#: Issues of one kind listed per email (for unknown words: distinct words);
#: the rest are counted and reported as one finding at the first of them, so
#: a page of "word word word ..." costs time and memory in proportion to its
#: length and its report stays readable.
MAX_LISTED = 10_000
#: Words of one run (the inline text of a block) checked at a time.
WINDOW = 50_000
#: Runs up to this many characters are first read as a list of words, to settle
#: the common run whose words are all known at once (longer ones go by window).
_QUICK_RUN_CHARACTERS = 100_000

# Capitalised words that say nothing about their neighbour being a name.
#: lang="und" names no language (MJML's default): read with the configured ones.
_UNDETERMINED = "und"
_APOSTROPHES = ("'", "\u2019")
_NOT_NAMES = frozenset("i a the your our my this these those we you it".split())
_ABBREVIATION = re.compile(r"[b-df-hj-np-tv-xzB-DF-HJ-NP-TV-XZ]+$")
_TAG = re.compile(r"<[^>]*>")
_ADDRESS_JOINS = frozenset((".", "@"))
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_SPACE_ENTITY = re.compile(r"&(?:nbsp|#160|#xa0|ensp|emsp|thinsp);?", re.I)
_BREAK_TAGS = re.compile(r"<(?:br|img|hr|input|button|select|textarea)\b", re.I)

# Reading a run in another language (see _Reader._in_its_language): at least this many
# words, at most this share known in the language it is marked with, at least this
# share known in the other, and by this margin; the first words of a long run decide.
_LANGUAGE_MIN_WORDS = 6
_LANGUAGE_KNOWN_HERE = 0.7
_LANGUAGE_KNOWN_THERE = 0.8
_LANGUAGE_MARGIN = 0.25
_LANGUAGE_SAMPLE = 200


@dataclass(eq=False)
class Issue:
    """One spelling problem: ``segment.text[start:end]`` is the word."""

    kind: str  # "misspelling", "unknown", "repeated", "flagged", "unsupported-language"
    segment: Any
    start: int
    end: int
    word: str
    correction: str | None = None
    language: str | None = None
    maybe_name: bool = False
    dictionary: Dictionary | None = None
    lookup: str = ""  # the form looked up: lower case, straight apostrophes
    count: int = 1


@dataclass
class Analysis:
    issues: list[Issue] = field(default_factory=list)
    #: per kind, the first issue past ``MAX_LISTED``; its ``count`` is how many
    #: were not listed (for unknown words: occurrences of words not listed)
    unlisted: dict[str, Issue] = field(default_factory=dict)

    def of(self, kind: str) -> list[Issue]:
        return [issue for issue in self.issues if issue.kind == kind]


# ---------------------------------------------------------------- the pass

# Tokens found right, per configuration and sender, then per languages: shared
# by the emails of a batch, so each distinct word is judged once.
_fine_tokens: dict[tuple, dict[tuple[str, ...] | None, set[str]]] = {}
_cache_lock = threading.Lock()


def analyze(email_: Email, context: SendContext | None, options: Mapping[str, Any]) -> Analysis:
    """All spelling issues of an email under these options; computed once."""
    settings, options_id = settings_and_key(options)
    sources = sender_sources(email_, context, str(options.get("sender") or ""))
    key = (options_id, tuple(sources), settings.word_files)
    # one store per email (email.memo), holding the analyses of the few option
    # sets and senders a batch's rows use with this template
    per_email: dict[tuple, Analysis] = email_.memo("oopslint.rules.spelling.analyses", lambda _email: {})
    with _cache_lock:
        if key in per_email:
            return per_email[key]
        fine = _fine_tokens.get(key)
        if fine is None:
            if len(_fine_tokens) > 16:
                _fine_tokens.clear()
            fine = _fine_tokens[key] = {}
    analysis = _Reader(email_, settings, sender_words(sources), fine).run()
    with _cache_lock:
        if len(per_email) > 8:
            per_email.clear()
        per_email[key] = analysis
    return analysis


@dataclass(eq=False)
class _Run:
    """Segments read as one stretch of text: the inline pieces of a block."""

    segments: list[Any]
    languages: tuple[str, ...] | None  # None: no dictionary for the language
    language: str | None


class _Reader:
    def __init__(
        self, email_: Email, settings: Settings, senders: frozenset[str], fine: dict[tuple[str, ...] | None, set[str]]
    ):
        self.email = email_
        self.settings = settings
        self.known_words = settings.words | senders
        self.issues: list[Issue] = []
        self._skipped_elements: dict[int, bool] = {}
        self._fine = fine
        self._unsupported: dict[str, Issue] = {}
        self._unknown: dict[tuple[str, str | None], Issue] = {}  # first place of each unknown word
        self._listed: dict[str, int] = {}
        self._unlisted: dict[str, Issue] = {}
        self._dictionaries_for: dict[tuple[str, ...], list[Dictionary]] = {}
        self._languages_of: dict[str | None, tuple[tuple[str, ...] | None, str | None]] = {}

    def run(self) -> Analysis:
        for run in self._runs():
            self._read_run(run)
        self.issues.extend(self._unknown.values())
        self.issues.extend(self._unsupported.values())
        return Analysis(self.issues, self._unlisted)

    def _counted_only(self, kind: str) -> bool:
        """Past ``MAX_LISTED`` issues of a kind (not unknown words), count one more without building it."""
        past = self._unlisted.get(kind)
        if past is None:
            return False
        past.count += 1
        return True

    def _add(self, issue: Issue) -> None:
        """List an issue, or count it once ``MAX_LISTED`` of its kind are listed."""
        kind = issue.kind
        if kind == "unknown":
            key = (issue.lookup, issue.language)
            first = self._unknown.get(key)
            if first is not None:
                first.count += 1
                return
            if len(self._unknown) < MAX_LISTED:
                self._unknown[key] = issue
                return
        else:
            listed = self._listed.get(kind, 0)
            if listed < MAX_LISTED:
                self._listed[kind] = listed + 1
                self.issues.append(issue)
                return
        first = self._unlisted.get(kind)
        if first is None:
            self._unlisted[kind] = issue
        else:
            first.count += 1

    # ------------------------------------------------------------ runs

    def _skipped(self, segment: Any) -> bool:
        if segment.skip_spelling:
            return True
        element = segment.element
        if element is None or not (self.settings.skip_tags or self.settings.skip_classes):
            return False
        cached = self._skipped_elements.get(id(element))
        if cached is None:
            cached = any(
                node.tag in self.settings.skip_tags or any(c in self.settings.skip_classes for c in node.classes)
                for node in (element, *element.ancestors())
            )
            self._skipped_elements[id(element)] = cached
        return cached

    def _languages_for(self, segment: Any) -> tuple[tuple[str, ...] | None, str | None]:
        code = segment.lang if self.settings.lang_attribute else None
        found = self._languages_of.get(code)
        if found is None:
            found = self._languages_of[code] = self._languages_of_code(code)
        return found

    def _languages_of_code(self, code: str | None) -> tuple[tuple[str, ...] | None, str | None]:
        defaults = self.settings.languages
        language = primary_language(code)
        if language is None or language == _UNDETERMINED:
            return defaults, defaults[0]
        if language not in available_languages():
            return None, code
        return (language, *[d for d in defaults if d != language]), language

    def _runs(self) -> Iterable[_Run]:
        current: _Run | None = None
        previous = None
        for segment in self.email.reading_segments():
            if self._skipped(segment):
                if current is not None:
                    yield current
                current, previous = None, None
                continue
            languages, language = self._languages_for(segment)
            joins = (
                current is not None
                and segment.kind == "text"
                and previous is not None
                and previous.kind == "text"
                and segment.block is previous.block
                and segment.preheader == previous.preheader
                and current.language == language
                and not self._break_between(previous, segment)
            )
            if joins:
                assert current is not None
                current.segments.append(segment)
            else:
                if current is not None:
                    yield current
                current = _Run([segment], languages, language)
            previous = segment
        if current is not None:
            yield current

    def _is_filler(self, run: _Run) -> bool:
        """The run is filler text, by the test TPL002 reports filler with: the
        text run (its block) holds lorem ipsum or another filler text."""
        in_filler = filler_segments(self.email)
        return any(id(segment) in in_filler for segment in run.segments)

    def _break_between(self, before: Any, after: Any) -> bool:
        if before.source == "header" or after.source == "header":
            return True
        end = before.offset(len(before.text))
        start = after.start
        return start < end or bool(_BREAK_TAGS.search(self.email.html, end, start))

    # ------------------------------------------------------------ words

    def _read_run(self, run: _Run) -> None:
        if run.languages is not None and (self._is_filler(run) or self._all_fine(run)):
            return  # lorem ipsum and other filler: placeholder copy, which TPL002 reports
        if run.languages is not None and self.settings.lang_attribute:
            run = self._in_its_language(run)
        # a run is read in windows of WINDOW words that overlap by one word on each
        # side (the neighbours a name or a repeat is judged by): a page without a
        # block break is never held as one list of tokens
        words: list[tuple[Any, Token]] = []
        first = 0
        for segment in run.segments:
            for token in iter_tokens(segment.text):
                words.append((segment, token))
                if len(words) > WINDOW + first:
                    self._read_words(run, words, first, len(words) - 1)
                    words = words[-2:]
                    first = 1
        self._read_words(run, words, first, len(words))

    def _in_its_language(self, run: _Run) -> _Run:
        """A run written in another language than the one it is marked with (a
        localized branch of a template with no ``lang`` of its own), read in
        that language: most of its words are unknown here and nearly all are
        words there. Only languages its words point to are tried."""
        assert run.languages is not None
        words = [w for w in words_of(" ".join(s.text for s in run.segments)) if w.isalpha() and len(w) > 1]
        words = words[:_LANGUAGE_SAMPLE]
        if len(words) < _LANGUAGE_MIN_WORDS:
            return run
        marked = self._dictionaries(run.languages)
        known_here = sum(self._known(w, marked) for w in words) / len(words)
        if known_here > _LANGUAGE_KNOWN_HERE:
            return run
        best: tuple[float, str] | None = None
        from .hints import language_hints  # only for a run that reads as another language

        for code in language_hints(words, run.languages):
            share = sum(self._known(w, self._dictionaries((code,))) for w in words) / len(words)
            if share >= _LANGUAGE_KNOWN_THERE and share - known_here >= _LANGUAGE_MARGIN:
                best = max(best or (share, code), (share, code))
        if best is None:
            return run
        code = best[1]
        return _Run(run.segments, (code, *[c for c in run.languages if c != code]), code)

    def _all_fine(self, run: _Run) -> bool:
        """Every word of the run was found right before and none follows itself:
        the run holds no issue. Renders of one template repeat most of their
        text, so most runs are settled here by set and list operations, without
        a step per word."""
        languages = run.languages
        fine = self._fine.get(languages)
        if not fine or languages is None or len(fine) > 100_000:
            return False  # nothing known yet, or the set is due to be cleared (in _read_words)
        segments = run.segments
        if len(segments) == 1:
            text = segments[0].text
            if len(text) > _QUICK_RUN_CHARACTERS:
                return False
            words = words_of(text)
        else:
            words = []
            size = 0
            for segment in segments:
                size += len(segment.text)
                if size > _QUICK_RUN_CHARACTERS:
                    return False
                words += words_of(segment.text)
        if not fine.issuperset(words):
            dictionaries = self._dictionaries(languages)
            for word in set(words).difference(fine):
                if has_digit_or_underscore(word):
                    continue  # never checked
                if not self._settled(word, dictionaries):
                    return False
                fine.add(word)
        lowered = list(map(str.lower, words))
        return not any(map(operator.eq, lowered, islice(lowered, 1, None)))

    def _dictionaries(self, languages: tuple[str, ...]) -> list[Dictionary]:
        found = self._dictionaries_for.get(languages)
        if found is None:
            found = self._dictionaries_for[languages] = [get_dictionary(code) for code in languages]
        return found

    def _settled(self, word: str, dictionaries: list[Dictionary]) -> bool:
        """The word is right wherever it stands: no flag-word, and listed (or,
        hyphenated, each of its parts is), so no reading of it reports anything."""
        text = normalize_apostrophes(word)
        settings = self.settings
        if settings.flag_exact or settings.flag_folded:
            for piece in (text, *text.split("-")) if "-" in text else (text,):
                bare = piece[:-2] if piece.endswith("'s") else piece
                if bare in settings.flag_exact or bare.lower() in settings.flag_folded:
                    return False
        if self._known(text, dictionaries):
            return True
        return "-" in text and all(self._known(piece, dictionaries) for piece in text.split("-"))

    def _read_words(self, run: _Run, words: list[tuple[Any, Token]], first: int, last: int) -> None:
        """Check ``words[first:last]``; the words around them are their context."""
        checked = words[first:last] if first or last < len(words) else words
        if run.languages is None:
            self._note_unsupported(run, checked)
            return
        if not any(token.checkable for _, token in checked):
            return
        dictionaries = self._dictionaries(run.languages)
        shouting = self._is_shouting(checked)
        fine = self._fine.setdefault(run.languages, set())
        if len(fine) > 100_000:
            fine.clear()
        for index in range(first, last):
            token = words[index][1]
            if token.checkable and token.text not in fine:
                self._check_token(run, dictionaries, words, index, shouting, fine)
        self._find_repeats(run, words, dictionaries, max(first, 1), last)

    def _note_unsupported(self, run: _Run, words: list[tuple[Any, Token]]) -> None:
        count = sum(1 for _, token in words if token.checkable)
        if not count:
            return
        code = run.language or ""
        issue = self._unsupported.get(code.lower())
        if issue is None:
            segment, token = next((s, t) for s, t in words if t.checkable)
            self._unsupported[code.lower()] = Issue(
                "unsupported-language", segment, token.start, token.end, token.text, language=code, count=count
            )
        else:
            issue.count += count

    @staticmethod
    def _is_shouting(words: list[tuple[Any, Token]]) -> bool:
        letters = [t.text for _, t in words if t.checkable and len(t.text) > 1]
        if len(letters) < 4:
            return False  # "CEP vs. UXP": acronyms side by side, not a shouted line
        upper = sum(1 for w in letters if w.isupper())
        return upper * 10 >= len(letters) * 6

    def _check_token(
        self,
        run: _Run,
        dictionaries: list[Dictionary],
        words: list[tuple[Any, Token]],
        index: int,
        shouting: bool,
        fine: set[str],
    ) -> None:
        segment, token = words[index]
        if index and words[index - 1][0] is not segment and self._gap(words, index) in _ADDRESS_JOINS:
            return  # the end of an address markup splits: "info@acme</span><span>.org"
        text = normalize_apostrophes(token.text)
        if self._flagged(segment, token, text):
            return
        if self._known(text, dictionaries):
            fine.add(token.text)
            return
        if self._dropped_g(segment, token, text, dictionaries):
            return
        if is_filler_word(text, everyday=True) and filler_segments(self.email):
            return  # lorem ipsum's Latin, mixed into themed filler that TPL002 reports where it starts
        pieces = text.split("-")
        offset = 0
        for piece in pieces:
            self._check_word(
                dictionaries, words, index, segment, token.start + offset, piece, shouting, len(pieces) > 1
            )
            offset += len(piece) + 1

    def _dropped_g(self, segment: Any, token: Token, text: str, dictionaries: list[Dictionary]) -> bool:
        """Colloquial "-in'" for "-ing" ("Bendin'", "rockin’"): written on
        purpose, not a misspelling, when the "-ing" word is known. Without the
        apostrophe ("rockin") the word is still checked."""
        if not text.lower().endswith("in") or segment.text[token.end : token.end + 1] not in _APOSTROPHES:
            return False
        return self._known(text + "g", dictionaries)

    def _flagged(self, segment: Any, token: Token, text: str) -> bool:
        """Report project flag-words: the whole token, else its hyphenated parts."""
        settings = self.settings
        if not settings.flag_exact and not settings.flag_folded:
            return False
        pieces = [(0, text)]
        if "-" in text:
            offset = 0
            for piece in text.split("-"):
                pieces.append((offset, piece))
                offset += len(piece) + 1
        found = False
        for position, (offset, piece) in enumerate(pieces):
            bare = piece[:-2] if piece.endswith("'s") else piece
            correction = settings.flag_exact.get(bare)
            if correction is None:
                correction = settings.flag_folded.get(bare.lower())
            if correction is None:
                continue
            start = token.start + offset
            self._add(
                Issue(
                    "flagged",
                    segment,
                    start,
                    start + len(bare),
                    token.text[offset : offset + len(bare)],
                    correction=correction or None,
                )
            )
            found = True
            if position == 0:
                break  # the whole token is flagged; its parts need no report of their own
        return found

    def _known(self, word: str, dictionaries: list[Dictionary]) -> bool:
        folded = word.lower()
        if folded in self.known_words:
            return True
        if folded.endswith("'s") and folded[:-2] in self.known_words:
            return True
        # the primary language's verdict covers its lists() (and is cached)
        if dictionaries[0].classify(folded).kind == "known":
            return True
        return any(d.lists(folded) for d in dictionaries[1:])

    def _check_word(
        self,
        dictionaries: list[Dictionary],
        words: list[tuple[Any, Token]],
        index: int,
        segment: Any,
        start: int,
        word: str,
        shouting: bool,
        part: bool,
    ) -> None:
        """Report one word (a whole token or a part of a hyphenated one) that
        is not listed as it stands."""
        settings = self.settings
        letters = word.replace("'", "")
        if len(letters) < settings.min_word_length:
            return
        capitals = letters.isupper() and len(letters) > 1
        if capitals:
            # an ACRONYM, or a CODE in ordinary text: reported only when it is
            # a clear misspelling, or when the whole text is in capitals
            if len(letters) <= settings.max_acronym_length and not shouting:
                return
        elif word[1:] != word[1:].lower():
            return  # iPhone, PayPal, McDonald
        if len(letters) <= 4 and _ABBREVIATION.match(letters):
            return  # no vowel at all: an abbreviation such as "pkg", "Hrs", "mgmt"
        if part and self._known(word, dictionaries):
            return  # a listed part of a hyphenated word
        folded = word.lower()
        primary = dictionaries[0]
        verdict = primary.classify(folded)
        if capitals and verdict.kind != "misspelling" and (not shouting or len(letters) <= settings.max_acronym_length):
            return
        capitalized = word[:1].isupper()
        maybe_name = capitalized and not word.isupper() and self._maybe_name(words, index)
        if verdict.kind == "misspelling" and (" " not in (verdict.correction or "") or word.islower()):
            self._add(
                Issue(
                    "misspelling",
                    segment,
                    start,
                    start + len(word),
                    word,
                    correction=match_case(verdict.correction or "", word),
                    language=primary.language,
                    maybe_name=maybe_name,
                    dictionary=primary,
                    lookup=folded,
                )
            )
        elif len(word) <= 4 and segment.text[start + len(word) : start + len(word) + 1] == ".":
            return  # an abbreviation: "Str.", "Nr.", "Dept."
        else:
            self._add(
                Issue(
                    "unknown",
                    segment,
                    start,
                    start + len(word),
                    word,
                    language=primary.language,
                    maybe_name=maybe_name,
                    dictionary=primary,
                    lookup=folded,
                )
            )

    def _maybe_name(self, words: list[tuple[Any, Token]], index: int) -> bool:
        """A capitalised word is perhaps a name when it follows a lower-case
        word or a greeting ("shop at Acmeshop", "Hi Guido") or stands next to
        another capitalised word ("Lee Munroe") in the same sentence."""
        if index > 0 and not any(ch in SENTENCE_BREAK for ch in self._gap(words, index)):
            previous = words[index - 1][1].text
            if previous[:1].islower() or previous[:1].isupper() and previous.lower() not in _NOT_NAMES:
                return True
        if index + 1 < len(words) and not any(ch in SENTENCE_BREAK for ch in self._gap(words, index + 1)):
            following = words[index + 1][1].text
            if following[:1].isupper() and following.lower() not in _NOT_NAMES:
                return True
        return False

    def _gap(self, words: list[tuple[Any, Token]], index: int) -> str:
        """What a reader sees between a word and the one before it in the run."""
        segment, token = words[index]
        previous_segment, previous = words[index - 1]
        if previous_segment is segment:
            return segment.text[previous.end : token.start]
        # whitespace between inline tags makes no segment of its own: read the source
        between = self.email.html[previous_segment.offset(len(previous_segment.text)) : segment.start]
        between = _TAG.sub("", _COMMENT.sub("", between))
        spacing = " " if between.strip(" \t\r\n") != between or "&nbsp;" in between or "&#160;" in between else ""
        shown = _SPACE_ENTITY.sub(" ", between).strip()
        if shown:
            spacing += shown + " "  # text with no word in it between the two ("Unsubscribe</a> - <a>Unsubscribe")
        return previous_segment.text[previous.end :] + spacing + segment.text[: token.start]

    # ------------------------------------------------------------ repeats

    def _find_repeats(
        self, run: _Run, words: list[tuple[Any, Token]], dictionaries: list[Dictionary], start: int, stop: int
    ) -> None:
        allowed = self.settings.allowed_repeats | ALLOWED_REPEATS.get(run.language or "", frozenset())
        for index in range(start, stop):
            segment, token = words[index]
            previous_segment, previous = words[index - 1]
            if not (token.checkable and previous.checkable):
                continue
            first, second = previous.text.lower(), token.text.lower()
            if first != second or not first.isalpha() or normalize_apostrophes(first) in allowed:
                continue
            if len(first) == 1 and first not in dictionaries[0].function_words:
                continue  # "a a" and "I I" are slips, "b b" is a list or a key
            gap = self._gap(words, index)
            if not gap or not gap.isspace():
                continue
            if self._counted_only("repeated"):
                continue
            self._add(
                Issue(
                    "repeated",
                    segment,
                    token.start,
                    token.end,
                    token.text,
                    correction=previous.text,
                    language=run.language,
                )
            )


def match_case(correction: str, typed: str) -> str:
    if typed.isupper() and len(typed) > 1:
        return correction.upper()
    if typed[:1].isupper():
        return correction[:1].upper() + correction[1:]
    return correction
