"""Spelling speed: the TYP rules against pyspellchecker used the obvious way.

    .venv/bin/python bench/bench_spelling.py [--peer-words N]

1. The TYP rules on the reference email (postmark/receipt.source.html), warm:
   target under 3 ms median.
2. A 5,000-word email (real corpus words) with 200 unknown long tokens (half
   random letters, half two real words glued by a stray letter), each
   word seen for the first time (verdict and suggestion caches emptied, the
   dictionary loaded): target under 100 ms.
Beside each, the peer: ``SpellChecker().unknown()`` over the same words plus
``correction()`` for every unknown word. ``correction()`` on a long unknown
word takes about a second, so on the big email the peer is timed on
``--peer-words`` unknown words (default 8) and the total is extrapolated.
3. Loading the English dictionary: pyspellchecker's gzip JSON (``SpellChecker()``)
   against oopslint's cached form, and the cost of the TYP rules in a cold
   ``oopslint check`` (with the cache warm).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time

from _timing import CORPUS, REFERENCE_EMAIL, median_ms

REFERENCE = REFERENCE_EMAIL
WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")


def typ_rules():
    from oopslint.registry import default_registry

    return [rule for rule in default_registry() if rule.code.startswith("TYP")]


def run_rules(rules, email, context, options) -> int:
    return sum(1 for rule in rules for _ in rule.check(email, context, options))


def reader_words(email) -> list[str]:
    """The words a naive checker would look at: every letter run of what a reader sees."""
    return [w for segment in email.reading_segments() for w in WORD.findall(segment.text)]


def naive_peer(checker, words: list[str], limit: int | None = None) -> tuple[float, int, int]:
    """Seconds for unknown() over all words plus correction() per unknown word
    (on the first ``limit`` of them); returns (seconds, unknown count, corrected count)."""
    start = time.perf_counter()
    unknown = sorted(checker.unknown(words))
    corrected = unknown if limit is None else unknown[:limit]
    for word in corrected:
        checker.correction(word)
    return time.perf_counter() - start, len(unknown), len(corrected)


def big_email(seed: int = 7) -> str:
    from oopslint import Email

    rng = random.Random(seed)
    vocabulary: list[str] = []
    for path in sorted(CORPUS.glob("*/*.source.html")):
        vocabulary += reader_words(Email.parse(path))
    body = [rng.choice(vocabulary) for _ in range(4800)]
    letters = "bcdfghjklmnpqrstvwxzaeiou"
    long_words = sorted({w.lower() for w in vocabulary if len(w) >= 6 and w.isalpha()})
    for n in range(200):
        if n % 2:
            # word-like: two real words glued by a stray letter ("paymentqreceipt")
            token = rng.choice(long_words) + rng.choice("qxz") + rng.choice(long_words)
        else:
            token = "".join(rng.choice(letters) for _ in range(rng.randint(12, 18)))
        body.insert(rng.randrange(len(body)), token)
    paragraphs = [" ".join(body[i : i + 50]) for i in range(0, len(body), 50)]
    return '<html lang="en"><body>' + "".join(f"<p>{p}.</p>\n" for p in paragraphs) + "</body></html>"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-words", type=int, default=8, help="unknown words the peer corrects on the big email")
    args = parser.parse_args()

    from spellchecker import SpellChecker

    from oopslint import Email, SendContext
    from oopslint.rule import RuleOptions
    from oopslint.rules.spelling import checker, dictionary, wordlists

    rules = typ_rules()
    options = RuleOptions(dict(rules[0].options))
    context = SendContext(mode="template")
    dictionary.get_dictionary("en")
    start = time.perf_counter()
    peer_checker = SpellChecker()
    peer_load = time.perf_counter() - start

    # 1. the reference email, warm
    html = REFERENCE.read_text(encoding="utf-8")
    emails = [Email.parse(html + f"<!-- {i} -->") for i in range(300)]
    counter = iter(range(10**9))
    for _ in range(20):
        run_rules(rules, emails[next(counter) % len(emails)], context, options)
    ours = median_ms(lambda: run_rules(rules, emails[next(counter) % len(emails)], context, options), 280)
    reference_words = reader_words(emails[0])
    peer = median_ms(lambda: naive_peer(peer_checker, reference_words), 30)
    findings = run_rules(rules, emails[0], context, options)
    print(
        f"1. {REFERENCE.name} ({len(reference_words)} words), TYP rules warm: {ours:.2f} ms median "
        f"(target < 3 ms; {findings} findings)"
    )
    print(f"   peer SpellChecker unknown()+correction(): {peer:.2f} ms median  ->  ratio {peer / ours:.1f}x")

    # 2. 5,000 words with 200 unknown long tokens, every word seen for the first time
    big = big_email()
    big_emails = [Email.parse(big + f"<!-- {i} -->") for i in range(10)]

    def timed(email, forget: bool) -> tuple[float, int]:
        if forget:
            checker._fine_tokens.clear()
            for loaded in dictionary._dictionaries.values():
                loaded._verdicts.clear()
                loaded._suggestions.clear()
        start = time.perf_counter()
        count = run_rules(rules, email, context, options)
        return (time.perf_counter() - start) * 1000, count

    first_sight = [timed(email, True) for email in big_emails[:5]]
    seen = [timed(email, False) for email in big_emails[5:]]
    cold_words = statistics.median(ms for ms, _ in first_sight)
    warm_big = statistics.median(ms for ms, _ in seen)
    count = first_sight[0][1]
    words = reader_words(big_emails[0])
    seconds, unknown, corrected = naive_peer(peer_checker, words, args.peer_words)
    unknown_only, _, _ = naive_peer(peer_checker, words, 0)
    per_word = (seconds - unknown_only) / max(corrected, 1)
    peer_total = unknown_only + per_word * unknown
    print(
        f"2. {len(words)} words, 200 unknown long tokens, first sight: {cold_words:.1f} ms median "
        f"(target < 100 ms; {count} findings); all words seen before: {warm_big:.1f} ms"
    )
    print(
        f"   peer SpellChecker unknown() over {len(words)} words: {unknown_only * 1000:.1f} ms; correction(): "
        f"{per_word * 1000:.0f} ms per unknown word (timed on {corrected} of {unknown}), "
        f"{peer_total:.1f} s extrapolated  ->  ratio {peer_total * 1000 / cold_words:.0f}x"
    )

    # 3. dictionary loading and the cold CLI
    with tempfile.TemporaryDirectory() as folder:
        os.environ["OOPSLINT_CACHE_DIR"] = folder
        start = time.perf_counter()
        wordlists.read_prepared("en")
        first = time.perf_counter() - start
        loads = []
        for _ in range(5):
            start = time.perf_counter()
            wordlists.read_prepared("en")
            loads.append(time.perf_counter() - start)
        cached = statistics.median(loads)
        env = dict(os.environ, OOPSLINT_CACHE_DIR=folder, NO_COLOR="1")
        command = [sys.executable, "-m", "oopslint", "check", "--offline", "--no-cache", str(REFERENCE)]

        def cli(extra: list[str]) -> float:
            times = []
            for _ in range(5):
                start = time.perf_counter()
                subprocess.run(command + extra, env=env, capture_output=True, check=False)
                times.append(time.perf_counter() - start)
            return statistics.median(times)

        with_typ = cli([])
        without_typ = cli(["--ignore", "TYP"])
    print(
        f"3. English dictionary: SpellChecker() {peer_load * 1000:.0f} ms; oopslint first load (gzip JSON, "
        f"writes the cache) {first * 1000:.0f} ms; from the cache {cached * 1000:.0f} ms  ->  ratio "
        f"{peer_load / cached:.1f}x"
    )
    print(
        f"   cold `oopslint check --offline` of {REFERENCE.name}: {with_typ * 1000:.0f} ms with TYP, "
        f"{without_typ * 1000:.0f} ms without (target for the whole run < 500 ms)"
    )


if __name__ == "__main__":
    main()
