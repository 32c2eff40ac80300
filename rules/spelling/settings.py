"""``[tool.oopslint.spelling]``: the options every TYP rule declares, their
validation, and the sender whose name and domain are never typos."""

from __future__ import annotations

import copy
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oopslint import ConfigError, Email, SendContext

from .dictionary import normalize_apostrophes, primary_language
from .wordlists import available_languages, read_word_file

__all__ = [
    "OPTIONS",
    "OPTION_DOCS",
    "Settings",
    "settings_from_options",
    "cached_settings",
    "settings_and_key",
    "options_key",
    "sender_sources",
    "sender_words",
    "fold",
]

OPTIONS: dict[str, Any] = {
    "languages": ["en"],
    "lang_attribute": True,
    "words": [],
    "dictionaries": [],
    "flag_words": {},
    "sender": "",
    "skip_tags": [],
    "skip_classes": [],
    "max_acronym_length": 5,
    "min_word_length": 3,
    "max_suggestions": 3,
    "allowed_repeats": [],
}
OPTION_DOCS: dict[str, str] = {
    "languages": "dictionaries for text without a lang attribute (any of pyspellchecker's: ar de en es eu fa fr it lv nl pt ru)",
    "lang_attribute": "check text in the language its lang attribute names, or that its words plainly are "
    "(a paragraph of Spanish in an English email); false: always use `languages`",
    "words": "project words that are always right (brand, product and people names); case-insensitive",
    "dictionaries": "word-list files, one or more words a line, # comments; relative to the config file",
    "flag_words": 'words that are always wrong here, with their correction: {"e-mail" = "email", "Github" = "GitHub"}',
    "sender": 'the From of your sends, e.g. "Acme Shop <news@acme.example>"; its name and domain words are always right',
    "skip_tags": "extra element names whose text is not checked (code, pre, kbd, samp, var, tt always are)",
    "skip_classes": "class names whose elements' text is not checked (notranslate always is)",
    "max_acronym_length": "words in capitals up to this many letters are acronyms and not checked",
    "min_word_length": "shorter words are not checked",
    "max_suggestions": "suggestions listed for an unknown word",
    "allowed_repeats": 'words that may be doubled on purpose, besides the built-in ones ("that that", "had had")',
}


@dataclass(frozen=True)
class Settings:
    languages: tuple[str, ...]
    lang_attribute: bool
    words: frozenset[str]
    flag_exact: Mapping[str, str]
    flag_folded: Mapping[str, str]
    skip_tags: frozenset[str]
    skip_classes: frozenset[str]
    max_acronym_length: int
    min_word_length: int
    max_suggestions: int
    allowed_repeats: frozenset[str]
    word_files: tuple[tuple[str, int, int], ...] = ()  # path, size, mtime of each word list read


# ---------------------------------------------------------------- settings

_word_files: dict[tuple[str, int, int], frozenset[str]] = {}


def _load_word_file(path: Path, key: str) -> tuple[tuple[str, int, int], frozenset[str]]:
    try:
        stat = path.stat()
    except OSError:
        raise ConfigError(f"spelling.{key}: word list {str(path)!r} not found") from None
    cache_key = (str(path), stat.st_size, stat.st_mtime_ns)
    words = _word_files.get(cache_key)
    if words is None:
        try:
            words = frozenset(fold(w) for w in read_word_file(path))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"spelling.{key}: cannot read word list {str(path)!r} ({exc})") from None
        _word_files[cache_key] = words
    return cache_key, words


def fold(word: str) -> str:
    return normalize_apostrophes(word.strip()).lower()


def _string_list(options: Mapping[str, Any], key: str) -> list[str]:
    value = options.get(key, OPTIONS[key])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"spelling.{key} must be a list of strings, got {value!r}")
    return list(value)


def settings_from_options(options: Mapping[str, Any]) -> Settings:
    """Validate the ``[tool.oopslint.spelling]`` values a rule received."""
    available = available_languages()
    languages: list[str] = []
    for code in _string_list(options, "languages"):
        language = primary_language(code)
        if language not in available:
            raise ConfigError(
                f"spelling.languages: no dictionary for {code!r}; pyspellchecker ships: {', '.join(available)}"
            )
        if language not in languages:
            languages.append(language)
    if not languages:
        raise ConfigError('spelling.languages must name at least one language, e.g. ["en"]')
    words = {fold(w) for w in _string_list(options, "words") for w in w.split()}
    files = []
    for name in _string_list(options, "dictionaries"):
        path = options.path(name) if hasattr(options, "path") else Path(name)
        file_key, listed = _load_word_file(Path(path), "dictionaries")
        files.append(file_key)
        words |= listed
    flag_exact: dict[str, str] = {}
    flag_folded: dict[str, str] = {}
    flags = options.get("flag_words", {})
    if not isinstance(flags, Mapping):
        raise ConfigError(f"spelling.flag-words must be a table of word = correction, got {flags!r}")
    for wrong, right in flags.items():
        if not isinstance(right, str) or not str(wrong).strip() or len(str(wrong).split()) != 1:
            raise ConfigError(
                f"spelling.flag-words: {wrong!r} = {right!r}; each key is one word and each value its correction (a string)"
            )
        wrong = normalize_apostrophes(str(wrong).strip())
        if wrong != wrong.lower():
            flag_exact[wrong] = right  # "Github" = "GitHub" matches that spelling only
        else:
            flag_folded[wrong] = right
    numbers = {}
    for key in ("max_acronym_length", "min_word_length", "max_suggestions"):
        value = options.get(key, OPTIONS[key])
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"spelling.{key.replace('_', '-')} must be a whole number >= 0, got {value!r}")
        numbers[key] = value
    return Settings(
        languages=tuple(languages),
        lang_attribute=bool(options.get("lang_attribute", True)),
        words=frozenset(words),
        flag_exact=flag_exact,
        flag_folded=flag_folded,
        skip_tags=frozenset(t.lower() for t in _string_list(options, "skip_tags")),
        skip_classes=frozenset(_string_list(options, "skip_classes")),
        max_acronym_length=numbers["max_acronym_length"],
        min_word_length=max(1, numbers["min_word_length"]),
        max_suggestions=numbers["max_suggestions"],
        allowed_repeats=frozenset(fold(w) for w in _string_list(options, "allowed_repeats")),
        word_files=tuple(files),
    )


# validated settings and their key, per set of option values: every TYP rule
# gets its own copy of the same options on every email, so they are compared
# by value (one dict comparison) rather than keyed by a repr built each time
_settings: list[tuple[dict[str, Any], Any, Settings, str]] = []
_settings_lock = threading.Lock()


def cached_settings(options: Mapping[str, Any]) -> Settings:
    """:func:`settings_from_options`, validated once per set of options (every
    TYP rule asks for them on every email); read again when a word list changed."""
    return settings_and_key(options)[0]


def settings_and_key(options: Mapping[str, Any]) -> tuple[Settings, str]:
    """:func:`cached_settings` and the :func:`options_key` of these options."""
    values = dict(options)
    base_dir = getattr(options, "base_dir", None)
    for known, known_dir, settings, key in reversed(_settings):
        if known == values and known_dir == base_dir:
            if all(_unchanged(file_key) for file_key in settings.word_files):
                return settings, key
            break
    settings = settings_from_options(options)
    key = options_key(options)
    with _settings_lock:
        if len(_settings) >= 32:
            _settings.clear()
        _settings.append((copy.deepcopy(values), base_dir, settings, key))
    return settings, key


def _unchanged(file_key: tuple[str, int, int]) -> bool:
    path, size, mtime = file_key
    try:
        stat = os.stat(path)
    except OSError:
        return False
    return (stat.st_size, stat.st_mtime_ns) == (size, mtime)


def options_key(options: Mapping[str, Any]) -> str:
    return repr(sorted((k, repr(v)) for k, v in options.items())) + repr(getattr(options, "base_dir", None))


# ---------------------------------------------------------------- sender

_NAME_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")


def sender_sources(email_: Email, context: SendContext | None, configured: str) -> list[str]:
    """The From of the send: the .eml header, the context's ``from`` or
    ``sender`` (a string or a ``{name, email}`` table), and the ``sender`` option."""
    sources: list[str] = []
    header = email_.header("From")
    if header:
        sources.append(header)
    if context is not None:
        for key in ("from", "sender"):
            value = context.get(key)
            if isinstance(value, Mapping):
                name = value.get("name")
                address = value.get("email") or value.get("address")
                if name or address:
                    import email.utils  # here: most emails name no sender, and the package is large

                    sources.append(email.utils.formataddr((str(name or ""), str(address or ""))))
            elif value:
                sources.append(str(value))
    if configured:
        sources.append(configured)
    return sources


def sender_words(sources: Iterable[str]) -> frozenset[str]:
    """Words of the From names and of the sender domains ("Acme Shop",
    acme-shop.example): a brand's own name is never a typo."""
    words: set[str] = set()
    for source in sources:
        if "@" in source:
            import email.utils  # here: most emails name no sender, and the package is large

            name, address = email.utils.parseaddr(source)
        else:
            name, address = source, ""
        words.update(fold(w) for w in _NAME_WORD.findall(name))
        if "@" in address:
            domain = address.rsplit("@", 1)[1]
            for label in domain.split("."):
                words.add(fold(label))
                words.update(fold(part) for part in label.split("-") if part)
    words.discard("")
    return frozenset(words)
