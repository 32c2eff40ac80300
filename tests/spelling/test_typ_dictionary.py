"""The typo model and the dictionaries behind it."""

from __future__ import annotations

import dataclasses
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from spellchecker import SpellChecker

from oopslint.rules.spelling import wordlists
from oopslint.rules.spelling.dictionary import Dictionary, get_dictionary
from oopslint.rules.spelling.wordlists import available_languages

# Real misspellings (and their one clear correction), none of them in the word list.
MISSPELLINGS = {
    "recieve": "receive",
    "teh": "the",
    "foy": "for",
    "hte": "the",
    "adn": "and",
    "untill": "until",
    "definately": "definitely",
    "seperate": "separate",
    "occured": "occurred",
    "begining": "beginning",
    "adress": "address",
    "acount": "account",
    "pasword": "password",
    "paymnet": "payment",
    "reciept": "receipt",
    "unsubcribe": "unsubscribe",
    "sucessful": "successful",
    "becuase": "because",
    "accomodate": "accommodate",
    "goverment": "government",
    "existance": "existence",
    "truely": "truly",
    "imediately": "immediately",
    "buisness": "business",
    "sincerly": "sincerely",
    "managment": "management",
    "thier": "their",
    "confrim": "confirm",
    "invocie": "invoice",
    "cusomer": "customer",
    "biling": "billing",
    "dont": "don't",
    "youre": "you're",
    "alot": "a lot",
    "thankyou": "thank you",
    "visitted": "visited",
    "makeing": "making",
    "buton": "button",
    "availble": "available",
    "neccessary": "necessary",
}
# Not in the list, but no single clear correction: warnings, never errors.
AMBIGUOUS = ["wierd", "shiped", "servce", "delivey", "regars", "rember"]
# Valid words the list lacks, or forms of listed words: never misspellings.
VALID = [
    "colour",
    "favourite",
    "organisation",
    "centre",
    "travelled",
    "apologise",
    "subscribers",
    "unsubscribing",
    "reactivating",
    "copiers",
    "horribly",
    "preheader",
    "webinar",
    "signup",
    "inbox",
    "wishlist",
    "gmail",
    "mailgunners",
    "customers'",
    "o'brien's",
]


@pytest.mark.parametrize("typed, meant", sorted(MISSPELLINGS.items()))
def test_known_misspellings_get_their_one_clear_correction(typed: str, meant: str) -> None:
    verdict = get_dictionary("en").classify(typed)
    assert (verdict.kind, verdict.correction) == ("misspelling", meant)


@pytest.mark.parametrize("typed", AMBIGUOUS)
def test_unclear_misspellings_are_unknown_with_suggestions(typed: str) -> None:
    english = get_dictionary("en")
    assert english.classify(typed).kind == "unknown"
    assert english.suggestions(typed)


@pytest.mark.parametrize("word", VALID)
def test_valid_words_and_forms_are_known(word: str) -> None:
    english = get_dictionary("en")
    assert english.lists(word) or english.classify(word).kind == "known"


def test_suggestions_look_two_edits_away_for_short_words_only() -> None:
    english = get_dictionary("en")
    assert english.suggestions("tommorow")[0] == "tomorrow"
    assert english.suggestions("qzxwvbnmlkjhgfq") == ()


def test_every_language_pyspellchecker_ships_is_available() -> None:
    shipped = sorted(
        p.name[: -len(".json.gz")]
        for p in (Path(sys.modules["spellchecker"].__file__).parent / "resources").glob("*.json.gz")
    )
    assert list(available_languages()) == shipped
    assert set(SpellChecker.languages()) <= set(shipped)


@pytest.mark.parametrize(
    "language, word, typo, correction",
    [
        ("de", "bestellung", "bestelung", "bestellung"),
        ("fr", "commande", "comande", "commande"),
        ("es", "pedido", "pedidio", "pedido"),
        ("it", "ordine", "ordnie", "ordine"),
        ("pt", "pedido", "pedidio", "pedido"),
        ("nl", "bestelling", "bestleling", "bestelling"),
        ("ru", "спасибо", "спасибл", "спасибо"),
    ],
)
def test_other_languages_know_their_words_and_suggest_corrections(
    language: str, word: str, typo: str, correction: str
) -> None:
    dictionary = get_dictionary(language)
    assert dictionary.classify(word).kind == "known"
    assert dictionary.classify(typo).kind != "known"
    assert correction in dictionary.suggestions(typo, 5)


def test_each_dictionary_is_loaded_once_per_process() -> None:
    assert get_dictionary("en") is get_dictionary("en")


def test_preprocessed_dictionary_is_cached_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OOPSLINT_CACHE_DIR", str(tmp_path))
    start = time.perf_counter()
    fresh = wordlists.read_prepared("en")
    cold = time.perf_counter() - start
    (cached_file,) = (tmp_path / "spelling").glob("en-*.marshal")
    start = time.perf_counter()
    again = wordlists.read_prepared("en")
    warm = time.perf_counter() - start
    assert again["frequencies"] == fresh["frequencies"]
    assert again["frequent_floor"] == fresh["frequent_floor"]
    assert warm < cold
    # a damaged cache file is ignored and rewritten
    cached_file.write_bytes(b"not marshal data")
    assert wordlists.read_prepared("en")["frequencies"] == fresh["frequencies"]


def test_an_unwritable_cache_folder_only_costs_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("OOPSLINT_CACHE_DIR", str(blocker))
    prepared = wordlists.read_prepared("fa")
    assert len(prepared["frequencies"]) > 10_000
    assert blocker.read_text() == "not a folder"


def test_an_unknown_language_has_no_dictionary() -> None:
    with pytest.raises(LookupError):
        get_dictionary("xx")


def test_cli_start_does_not_parse_the_gzip_json_when_the_cache_is_warm(tmp_path: Path) -> None:
    code = (
        "import json, time\n"
        "from oopslint.rules.spelling.dictionary import get_dictionary\n"
        "loads = json.loads\n"
        "calls = []\n"
        "json.loads = lambda *a, **k: calls.append(1) or loads(*a, **k)\n"
        "get_dictionary('en')\n"
        "print(len(calls))\n"
    )
    env = {"OOPSLINT_CACHE_DIR": str(tmp_path), "PATH": ""}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert (first.stdout.strip(), second.stdout.strip()) == ("1", "0")


def _copy(dictionary: Dictionary, *, filter_after: int) -> Dictionary:
    """The same word list with empty caches, building its frequent-neighbour filter after ``filter_after`` words."""
    copy = dataclasses.replace(
        dictionary, _verdicts={}, _suggestions={}, _frequent_keys=None, _misses=0, _lock=threading.Lock()
    )
    copy.FILTER_AFTER_MISSES = filter_after  # type: ignore[misc]
    return copy


def _words_to_judge(dictionary: Dictionary, rng: random.Random, count: int) -> list[str]:
    """Words of the corpus emails, one-edit slips of listed words, and strings of random letters."""
    found = {
        w.lower()
        for path in sorted((Path(__file__).resolve().parents[2] / "fixtures" / "corpus").glob("*/*.source.html"))
        for w in re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", path.read_text(encoding="utf-8", errors="replace"))
    }
    words = list(dictionary.frequencies)
    common = words[:30_000]
    letters = dictionary.alphabet
    sample = set(rng.sample(sorted(found), min(count // 3, len(found)))) if dictionary.language == "en" else set()
    while len(sample) < count:
        word = rng.choice(common if rng.random() < 0.5 else words)
        i = rng.randrange(len(word))
        edit = rng.randrange(5)
        if edit == 0:
            word = word[:i] + word[i + 1 :]
        elif edit == 1:
            word = word[:i] + rng.choice(letters) + word[i + 1 :]
        elif edit == 2:
            word = word[:i] + rng.choice(letters) + word[i:]
        elif edit == 3:
            word = word.replace("'", "") + rng.choice(letters)
        else:
            word = "".join(rng.choice(letters) for _ in range(rng.randint(3, 14)))
        if len(word) > 1:
            sample.add(word)
    return sorted(sample)


@pytest.mark.parametrize("language", ["en", "de", "fr"])
def test_the_frequent_neighbour_filter_never_changes_a_verdict_or_a_suggestion(language: str) -> None:
    # the filter skips the full one-edit search for words no frequent word is one edit away
    # from: verdicts and suggestions must be those of the full search, word for word
    loaded = get_dictionary(language)
    exhaustive, filtered = _copy(loaded, filter_after=10**9), _copy(loaded, filter_after=0)
    words = _words_to_judge(loaded, random.Random(11), 2_000 if language == "en" else 1_000)
    skipped = 0
    for word in words:
        full, fast = exhaustive.classify(word), filtered.classify(word)
        assert (fast.kind, fast.correction) == (full.kind, full.correction), word
        if fast.kind != "known":
            assert filtered.neighbours(word) == exhaustive.neighbours(word), word
            assert filtered.suggestions(word, 5, deep=False) == exhaustive.suggestions(word, 5, deep=False), word
        skipped += fast.candidates is None
    assert filtered._frequent_keys is not None and exhaustive._frequent_keys is None
    assert skipped > len(words) // 10  # the filter did spare the full search for many words


def test_a_words_one_edit_search_is_done_once_for_its_suggestions_and_its_neighbours(monkeypatch):
    # TYP002 asks for a word's suggestions, then whether it has any neighbour:
    # a word judged without the full search has that search done once, not twice
    from oopslint.rules.spelling.dictionary import get_dictionary

    dictionary = get_dictionary("en")
    for built_lazily in ("_frequent_keys", "_apostrophe_free"):  # as they were, for the tests after this one
        monkeypatch.setattr(dictionary, built_lazily, getattr(dictionary, built_lazily))
    dictionary._build_frequent_keys()  # words with no frequent neighbour are judged without the full search
    word = "zqxwvbplmtk"
    for cache in (dictionary._verdicts, dictionary._suggestions, dictionary._neighbours):
        cache.pop(word, None)
    searched: list[str] = []
    search = dictionary._distance1
    monkeypatch.setattr(dictionary, "_distance1", lambda w, *rest: searched.append(w) or search(w, *rest))
    assert dictionary.classify(word).candidates is None
    assert dictionary.suggestions(word, 3, deep=False) == ()
    assert dictionary.neighbours(word) == () and dictionary.neighbours(word) == ()
    assert searched == [word]
