"""The typo model behind the TYP rules: one language's words and frequencies.

Deciding that an unknown word is a *known misspelling* (an error) rather than
merely *unknown* (a warning) uses only frequencies and edit distance: the word
must have, at edit distance 1, a correction that is both frequent in the
language and far more likely than any other, where likelihood is the
candidate's frequency times how common that kind of slip is (a swapped or
doubled letter is common, a substitution between distant keys is not).
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TypeVar

from .english import EN_PREFIXES, british_variant, english_base, inflection_of
from .wordlists import WordEnds, WordFrequencies, available_languages, data_words, read_table

__all__ = [
    "Dictionary",
    "Verdict",
    "get_dictionary",
    "normalize_apostrophes",
    "primary_language",
    "ALLOWED_REPEATS",
]

#: A misspelling's best correction must beat the runner-up by this factor.
CONFIDENCE_RATIO = 10.0
#: ... or, for a less likely slip into one of the most common words, by this factor.
FUNCTION_WORD_RATIO = 20.0
#: A doubled or swapped letter must beat the runner-up by this factor to win
#: over reading the word as an inflection ("biling" is not "bile" + "ing").
STRONG_SLIP_RATIO = 3.0
#: The kind of slip must be at least this likely (see ``_slip_weight``).
MIN_SLIP_WEIGHT = 0.3
#: Suggestions at edit distance 2 are only looked for in words up to this long.
MAX_DISTANCE2_LENGTH = 9
#: Languages that write compounds as one word; unknown words made of two
#: listed words are accepted in them.
COMPOUNDING_LANGUAGES = frozenset(("de", "nl"))
#: Words longer than this are not checked at all (hashes, tokens, run-on URLs).
MAX_WORD_LENGTH = 40

_KEYBOARDS = {
    "qwerty": ("qwertyuiop", "asdfghjkl", "zxcvbnm"),
    "qwertz": ("qwertzuiopü", "asdfghjklöä", "yxcvbnm"),
    "azerty": ("azertyuiop", "qsdfghjklm", "wxcvbn"),
    "jcuken": ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю"),
}
_LAYOUT = {
    "en": "qwerty",
    "es": "qwerty",
    "it": "qwerty",
    "pt": "qwerty",
    "nl": "qwerty",
    "lv": "qwerty",
    "eu": "qwerty",
    "de": "qwertz",
    "fr": "azerty",
    "ru": "jcuken",
}
_V = TypeVar("_V")

_VOWELS = set("aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœаеёиоуыэюя")
#: Vowels a writer confuses with one another ("seperate"); "y" is left out:
#: "Lyft" is a brand, not a slip for "left".
_SWAPPABLE_VOWELS = _VOWELS - {"y", "ý", "ÿ"}
_APOSTROPHES = "'\u2019\u2018\u02bc\u2032`\u00b4"
_APOSTROPHE_TABLE = str.maketrans({**{c: "'" for c in _APOSTROPHES}, "\u2010": "-", "\u2011": "-"})

# Closed-class words that people run into their neighbour ("alot", "incase").
_SPLIT_GLUE: dict[str, frozenset[str]] = {
    "en": frozenset(
        "a an the i you he she it we they me him her us them my your his its our their "
        "and or but so if as than of at to in for with from by each".split()
    ),
}

# Repeated words that are grammatical ("that that", "nous nous").
ALLOWED_REPEATS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "that had is bye ha haha no so very really well now there blah knock chop tsk yeah "
        "hip bora walla can dum pom mahi tom".split()
    ),
    "de": frozenset("die der das dass sie".split()),
    "fr": frozenset("nous vous".split()),
    "nl": frozenset("dat die".split()),
    "es": frozenset(),
    "it": frozenset(),
    "pt": frozenset(),
}


def normalize_apostrophes(word: str) -> str:
    """Curly and other apostrophes become ``'``; Unicode hyphens become ``-``."""
    return word.translate(_APOSTROPHE_TABLE)


def primary_language(code: str | None) -> str | None:
    """``"en-GB"`` -> ``"en"``; None or blank -> None."""
    if not code:
        return None
    code = code.strip().replace("_", "-").lower()
    return code.split("-", 1)[0] or None


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a dictionary makes of one lowercase word.

    ``kind`` is ``"known"``, ``"misspelling"`` (``correction`` is set) or
    ``"unknown"``.
    """

    kind: str
    correction: str | None = None
    #: known words one edit away, most likely first; None when the verdict
    #: did not need them (an unknown word without a frequent neighbour):
    #: :meth:`Dictionary.suggestions` looks them up when a finding shows them
    candidates: tuple[str, ...] | None = ()


KNOWN = Verdict("known")


@dataclass(eq=False)
class Dictionary:
    """One language's words with frequencies, and the typo model over them."""

    language: str
    #: a dict, or the :class:`WordFrequencies` of a word table (which loads faster)
    frequencies: dict[str, int] | WordFrequencies
    frequent_floor: int = 0
    function_words: frozenset[str] = frozenset()
    alphabet: str = ""
    has_apostrophes: bool = False
    #: the first and last four letters of the listed words (a set, or the
    #: :class:`WordEnds` of a word table, which becomes a set when first asked)
    prefixes: AbstractSet[str] = field(default_factory=set)
    suffixes: AbstractSet[str] = field(default_factory=set)
    _adjacent: dict[str, frozenset[str]] = field(default_factory=dict)
    _verdicts: dict[str, Verdict] = field(default_factory=dict)
    _suggestions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _neighbours: dict[str, tuple[str, ...]] = field(default_factory=dict)  # found by the full one-edit search
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: the frequent words and every string one deletion away from one (see
    #: ``_may_have_frequent_neighbour``), built on demand
    _frequent_keys: frozenset[str] | None = None
    _apostrophe_free: frozenset[str] = frozenset()
    _misses: int = 0
    _longest_function_word: int = 0

    @classmethod
    def build(cls, language: str, prepared: dict, common: Iterable[str] = (), terms: Iterable[str] = ()) -> Dictionary:
        frequencies: dict[str, int] | WordFrequencies = prepared["frequencies"]
        # email vocabulary counts as frequent; product and format names are only known
        for word in common:
            word = word.lower()
            frequencies[word] = max(frequencies.get(word, 0), prepared["boost"])
        for word in terms:
            frequencies.setdefault(word.lower(), prepared["floor_count"] or 1)
        long_words = [word for word in (*common, *terms) if len(word) >= 4]
        prefixes = _ends(prepared["prefixes"], [word[:4].lower() for word in long_words])
        suffixes = _ends(prepared["suffixes"], [word[-4:].lower() for word in long_words])
        layout = _KEYBOARDS.get(_LAYOUT.get(language, ""), ())
        positions = {ch: (row, col) for row, keys in enumerate(layout) for col, ch in enumerate(keys)}
        adjacent = {
            ch: frozenset(
                other for other, (r, c) in positions.items() if other != ch and abs(r - row) <= 1 and abs(c - col) <= 1
            )
            for ch, (row, col) in positions.items()
        }
        return cls(
            language=language,
            frequencies=frequencies,
            frequent_floor=prepared["frequent_floor"],
            function_words=frozenset(prepared["function_words"]),
            alphabet=prepared["alphabet"],
            has_apostrophes=prepared["has_apostrophes"],
            prefixes=prefixes,
            suffixes=suffixes,
            _adjacent=adjacent,
        )

    # ------------------------------------------------------------ lookups

    def __contains__(self, word: str) -> bool:
        return word in self.frequencies

    def lists(self, word: str) -> bool:
        """Cheap test: listed, or an inflection, spelling variant or elision of
        a listed word. :meth:`classify` may still accept more."""
        return word in self.frequencies or self._is_variant(word)

    def _remember(self, cache: dict[str, _V], word: str, value: _V, limit: int) -> None:
        """Keep ``value`` for ``word`` in one of the per-word caches, emptied
        when it passes ``limit`` (a batch sees endless words)."""
        with self._lock:
            if len(cache) > limit:
                cache.clear()
            cache[word] = value

    def classify(self, word: str) -> Verdict:
        """The verdict on a lowercase word with normalized apostrophes; cached."""
        verdict = self._verdicts.get(word)
        if verdict is None:
            verdict = self._classify(word)
            self._remember(self._verdicts, word, verdict, 200_000)
        return verdict

    def _classify(self, word: str) -> Verdict:
        frequencies = self.frequencies
        if word in frequencies:
            return KNOWN
        if len(word) > MAX_WORD_LENGTH:
            return Verdict("unknown")
        if self._is_variant(word):
            return KNOWN
        if not self._may_have_frequent_neighbour(word):
            return self._classify_without_frequent_neighbour(word)
        candidates = self._distance1(word)
        if self.language == "en" and english_base(word, frequencies):
            # an inflection the list lacks, unless a doubled or swapped letter
            # explains it far better: "biling" is "billing", not "bile" + "ing"
            strong = self._strong_slip(word, candidates)
            if strong is None:
                return KNOWN
            return Verdict("misspelling", strong, tuple(c for c, _ in candidates))
        correction = self._confident(word, candidates)
        if correction is not None:
            return Verdict("misspelling", correction, tuple(c for c, _ in candidates))
        split = self._function_word_split(word)
        if split:
            return Verdict("misspelling", split, (split, *(c for c, _ in candidates)))
        if self._is_compound(word) or self._is_prefixed(word):
            return KNOWN
        return Verdict("unknown", None, tuple(c for c, _ in candidates))

    def _classify_without_frequent_neighbour(self, word: str) -> Verdict:
        """The verdict of :meth:`_classify` for a word with no frequent word
        and no apostrophe form one edit away. Then no slip explains it well
        enough to be a misspelling (a correction must be frequent), so the
        full and slower look-up of its rare neighbours is left to
        :meth:`suggestions`, for the words a finding shows."""
        if self.language == "en" and english_base(word, self.frequencies):
            return KNOWN
        split = self._function_word_split(word)
        if split:
            return Verdict("misspelling", split, (split, *(c for c, _ in self._distance1(word))))
        if self._is_compound(word) or self._is_prefixed(word):
            return KNOWN
        return Verdict("unknown", None, None)

    # ------------------------------------------------------------ the frequent-neighbour filter

    #: Words classified the slow way before the filter is built (about 0.2 s
    #: for English): an email with a few hundred unknown words never pays for
    #: it, and their suggestions come with the search; a page of them does, once.
    FILTER_AFTER_MISSES = 1_000

    def _may_have_frequent_neighbour(self, word: str) -> bool:
        """False only when no word one edit away is frequent and no listed
        word is ``word`` with an apostrophe put in: then :meth:`_classify`
        cannot find a misspelling. True may be wrong (the exact search decides).

        A frequent word ``w`` one edit away is ``word`` minus a letter, or
        shares a one-deletion form with ``word``: ``word`` minus a letter
        equals ``w`` minus one (a substitution at that place, or two swapped
        letters), or ``word`` is ``w`` minus one (a letter left out). So one
        set, the frequent words and their one-deletion forms (about 160,000
        strings for English), answers with ``len(word) + 1`` look-ups. It is
        built once per dictionary, after ``FILTER_AFTER_MISSES`` words were
        searched the slow way, so a few typos in one email never pay for it."""
        keys = self._frequent_keys
        if keys is None:
            self._misses += 1
            if self._misses <= self.FILTER_AFTER_MISSES:
                return True
            keys = self._build_frequent_keys()
        if word in keys or word in self._apostrophe_free:
            return True
        for i in range(len(word)):
            if word[:i] + word[i + 1 :] in keys:
                return True
        return False

    def _build_frequent_keys(self) -> frozenset[str]:
        with self._lock:
            if self._frequent_keys is None:
                floor = self.frequent_floor
                listed = _plain(self.frequencies)
                frequent = [w for w, count in listed.items() if count >= floor and len(w) <= MAX_WORD_LENGTH + 1]
                keys = set(frequent)
                keys.update(w[:i] + w[i + 1 :] for w in frequent for i in range(len(w)))
                # listed words with one apostrophe, written without it ("dont" for "don't")
                if self.has_apostrophes:
                    self._apostrophe_free = frozenset(w.replace("'", "") for w in listed if w.count("'") == 1)
                self._frequent_keys = frozenset(keys)
            return self._frequent_keys

    # ------------------------------------------------------------ variants

    def _is_variant(self, word: str) -> bool:
        """A possessive, an elision or a British spelling of a listed word."""
        known = self.frequencies
        if word.endswith("'s") and word[:-2] in known:
            return True
        if word.endswith("'") and word[:-1] in known:
            return True
        if self.language == "en":
            return british_variant(word, known)
        if self.language == "es":
            from .spanish import spanish_base  # imported for Spanish text only

            if spanish_base(word, known):
                return True
        elif self.language == "ru":
            from .russian import russian_base

            if russian_base(word, known):
                return True
        if "'" in word:
            # elision: l'ordine, qu'il, dell'ordine, d'accord
            head, _, tail = word.partition("'")
            if len(head) <= 6 and tail in known:
                return True
        return False

    def _is_compound(self, word: str) -> bool:
        """Two listed words run together: "storewide", "cashback" (both parts
        frequent, in English) or "Kundenservice" (in languages that write
        compounds as one word, with a linking s too)."""
        known = self.frequencies
        if self.language == "en":
            floor = self.frequent_floor
            return any(
                known.get(word[:cut], 0) >= floor and known.get(word[cut:], 0) >= floor
                for cut in range(3, len(word) - 2)
            )
        if self.language not in COMPOUNDING_LANGUAGES:
            return False
        for cut in range(4, len(word) - 3):
            head, tail = word[:cut], word[cut:]
            if tail in known and (head in known or (head[-1] == "s" and head[:-1] in known)):
                return True
        return False

    def _is_prefixed(self, word: str) -> bool:
        if self.language != "en" or not word.startswith(EN_PREFIXES):
            return False
        for prefix in EN_PREFIXES:
            if word.startswith(prefix):
                rest = word[len(prefix) :].lstrip("-")
                if len(rest) >= 5 and rest in self.frequencies:
                    return True
        return False

    def _function_word_split(self, word: str) -> str | None:
        """ "alot" -> "a lot", "thankyou" -> "thank you", "aswell" -> "as well":
        two of the most common words, one of them an article, pronoun,
        conjunction or preposition. ("lookup" and "runtime" are compounds.)"""
        glue = _SPLIT_GLUE.get(self.language)
        if not glue or len(word) < 4 or "'" in word:
            return None
        top = self.function_words
        longest = self._longest_function_word
        if not longest:
            longest = self._longest_function_word = max(map(len, top), default=0)
        # both halves are function words, so neither is longer than the longest one
        for cut in range(max(1, len(word) - longest), min(len(word) - 1, longest + 1)):
            head, tail = word[:cut], word[cut:]
            if head in top and tail in top and (head in glue or tail in glue) and (len(head) > 1 or head in glue):
                return f"{head} {tail}"
        return None

    # ------------------------------------------------------------ edits

    def _edits1(self, word: str, positions: Iterable[int] | None = None) -> set[str]:
        """Strings one deletion, swap, substitution or insertion away, with
        the edit at one of ``positions`` (split points; default: anywhere)."""
        letters = self.alphabet
        indexes = range(len(word) + 1) if positions is None else positions
        splits = [(word[:i], word[i:]) for i in indexes]
        edits = {left + right[1:] for left, right in splits if right}
        edits.update(left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1)
        edits.update(left + ch + right[1:] for left, right in splits if right for ch in letters)
        edits.update(left + ch + right for left, right in splits for ch in letters)
        if self.has_apostrophes:
            edits.update(left + "'" + right for left, right in splits if left and right)
        edits.discard(word)
        return edits

    def _edit_positions(self, word: str) -> Iterable[int]:
        """Where an edit can turn ``word`` into a listed word. An edit at split
        point 4 or later keeps the first four letters, one at n-5 or earlier
        the last four; ends that start or end no listed word rule those out."""
        n = len(word)
        if n < 6:
            return range(n + 1)
        known_start = word[:4] in self.prefixes
        known_end = word[-4:] in self.suffixes
        if known_start and known_end:
            return range(n + 1)
        return [i for i in range(n + 1) if (known_start or i <= 3) and (known_end or i >= n - 5)]

    def _distance1(self, word: str) -> list[tuple[str, float]]:
        """Known words one edit away, most likely first, with their scores."""
        frequencies = self.frequencies
        positions = self._edit_positions(word)
        if not positions:
            return []
        found = frequencies.keys() & self._edits1(word, positions)
        scored = [(c, frequencies[c] * self._slip_weight(word, c)) for c in found]
        scored.sort(key=lambda item: (-item[1], item[0]))
        return scored

    def _slip_weight(self, typed: str, meant: str) -> float:
        """How common the slip from ``meant`` to ``typed`` is (one edit apart)."""
        i = 0
        limit = min(len(typed), len(meant))
        while i < limit and typed[i] == meant[i]:
            i += 1
        if len(meant) == len(typed) + 1:  # a letter left out
            missing = meant[i]
            if missing == "'":
                if meant.endswith("'s") and i == len(meant) - 2 and meant[:-2] not in self.function_words:
                    return 0.05  # "butchers" is likelier a plural than a possessive without its apostrophe
                return 5.0  # "dont", "youre", "thats"
            if (i > 0 and meant[i - 1] == missing) or (i + 1 < len(meant) and meant[i + 1] == missing):
                weight = 1.0  # "adress", "shiped"
            else:
                weight = 0.3
        elif len(meant) == len(typed) - 1:  # a letter too many
            extra = typed[i]
            if (i > 0 and typed[i - 1] == extra) or (i + 1 < len(typed) and typed[i + 1] == extra):
                weight = 1.0  # "untill"
            elif (i > 0 and self._near(typed[i - 1], extra)) or (
                i + 1 < len(typed) and self._near(typed[i + 1], extra)
            ):
                weight = 0.4
            elif extra in _VOWELS and i < len(typed) - 1:
                weight = 0.3
            elif extra in _VOWELS:
                weight = 0.15  # a vowel after the end: loanwords ("matcha", "latte") more than slips
            else:
                weight = 0.15
        else:
            if i + 1 < len(typed) and typed[i] == meant[i + 1] and typed[i + 1] == meant[i]:
                return 1.0  # swapped letters, also at the start ("hte")
            a, b = typed[i], meant[i]
            if _base_letter(a) == _base_letter(b):
                return 1.0  # only the accent differs
            if a in _SWAPPABLE_VOWELS and b in _SWAPPABLE_VOWELS:
                weight = 0.5
            elif self._near(a, b):
                weight = 0.5
            elif not self._adjacent:
                weight = 0.3
            else:
                weight = 0.1
        # slips in the first letter are rare; the reader sees them at once
        return weight * 0.15 if i == 0 else weight

    def _near(self, a: str, b: str) -> bool:
        return b in self._adjacent.get(a, ())

    def _confident(self, word: str, scored: list[tuple[str, float]]) -> str | None:
        if not scored:
            return None
        for candidate, weight in scored:
            # a missing apostrophe: "dont", "youre", "thats" (not "does" -> "doe's")
            if "'" in candidate and candidate.replace("'", "") == word and weight >= self.frequencies[candidate]:
                return candidate
        best, best_score = scored[0]
        count = self.frequencies[best]
        if len(word) < 3 or count < self.frequent_floor or inflection_of(word, best):
            return None
        runner_up = scored[1][1] if len(scored) > 1 else 0.0
        if best_score >= MIN_SLIP_WEIGHT * count - 1e-9:
            return best if best_score >= CONFIDENCE_RATIO * runner_up else None
        # a less likely slip, but into one of the most common words ("foy your")
        if (
            best in self.function_words
            and best_score >= 0.1 * count - 1e-9
            and best_score >= FUNCTION_WORD_RATIO * runner_up
        ):
            return best
        return None

    def _strong_slip(self, word: str, scored: list[tuple[str, float]]) -> str | None:
        """A doubled, undoubled or swapped letter into a frequent word, clearly
        ahead of the rest: "biling" -> "billing" although "bile" + "ing" parses."""
        if not scored:
            return None
        best, best_score = scored[0]
        count = self.frequencies[best]
        if count < self.frequent_floor or best_score < count - 1e-9 or inflection_of(word, best):
            return None
        runner_up = scored[1][1] if len(scored) > 1 else 0.0
        return best if best_score >= STRONG_SLIP_RATIO * runner_up else None

    # ------------------------------------------------------------ suggestions

    def suggestions(self, word: str, limit: int = 3, *, deep: bool = True) -> tuple[str, ...]:
        """Up to ``limit`` likely corrections, cached: distance 1 first; when
        there is none and ``deep`` is true, distance 2 among frequent words,
        for words up to ``MAX_DISTANCE2_LENGTH`` letters (a few ms each)."""
        cached = self._suggestions.get(word)
        if cached is not None:
            return cached[:limit]
        found = list(self.neighbours(word))
        if not found:
            if not deep:
                return ()
            if len(word) <= MAX_DISTANCE2_LENGTH:
                found = self._distance2(word)
        result = tuple(found[:10])
        self._remember(self._suggestions, word, result, 50_000)
        return result[:limit]

    def neighbours(self, word: str) -> tuple[str, ...]:
        """Known words one edit away (and a split into two words), most likely
        first. A word classified without the full one-edit search (see
        :meth:`_may_have_frequent_neighbour`) has it done here, once: TYP002
        asks for a word's suggestions and then whether it had any neighbour."""
        candidates = self.classify(word).candidates
        if candidates is None:
            candidates = self._neighbours.get(word)
            if candidates is None:
                candidates = tuple(c for c, _ in self._distance1(word))
                self._remember(self._neighbours, word, candidates, 50_000)
        return candidates

    def _distance2(self, word: str) -> list[str]:
        frequencies = self.frequencies
        floor = self.frequent_floor
        found: dict[str, int] = {}
        for edit in self._edits1(word):
            # one more deletion or swap after any first edit
            for i in range(len(edit)):
                for candidate in (
                    edit[:i] + edit[i + 1 :],
                    edit[:i] + edit[i + 1 : i + 2] + edit[i : i + 1] + edit[i + 2 :],
                ):
                    count = frequencies.get(candidate)
                    if count is not None and count >= floor:
                        found[candidate] = count
        found.pop(word, None)
        return sorted(found, key=lambda c: (-found[c], c))


def _plain(frequencies: Mapping[str, int]) -> Mapping[str, int]:
    """A dict to walk whole: a word table's is built once."""
    return frequencies.as_dict() if isinstance(frequencies, WordFrequencies) else frequencies


def _base_letter(ch: str) -> str:
    decomposed = unicodedata.normalize("NFD", ch)
    return decomposed[0] if decomposed else ch


_dictionaries: dict[str, Dictionary] = {}
_load_lock = threading.Lock()


def _ends(known: AbstractSet[str], extra: list[str]) -> AbstractSet[str]:
    """``known`` and ``extra`` in one set (a :class:`WordEnds` stays one, still not a set)."""
    if isinstance(known, WordEnds):
        return known.with_extra(extra)
    return {*known, *extra}


def get_dictionary(language: str) -> Dictionary:
    """The dictionary of a language pyspellchecker ships, loaded once per process.

    Raises LookupError for a language without a dictionary."""
    dictionary = _dictionaries.get(language)
    if dictionary is not None:
        return dictionary
    with _load_lock:
        dictionary = _dictionaries.get(language)
        if dictionary is None:
            if language not in available_languages():
                raise LookupError(f"no dictionary for language {language!r}")
            prepared = read_table(language)
            common = data_words(f"{language}-common.txt")
            terms = data_words("terms.txt")
            dictionary = Dictionary.build(language, prepared, common, terms)
            _dictionaries[language] = dictionary
    return dictionary
