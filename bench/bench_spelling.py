"""Spelling speed: the TYP rules against pyspellchecker used the obvious way.

    .venv/bin/python bench/bench_spelling.py [--peer-words N]        # targets 1-3
    .venv/bin/python bench/bench_spelling.py --target unknown-words  # 4
    .venv/bin/python bench/bench_spelling.py --target growth         # 5
    .venv/bin/python bench/bench_spelling.py --target flood          # 6
    .venv/bin/python bench/bench_spelling.py --target all

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
4. 60,000 distinct made-up words (no dictionary knows them), every one seen for
   the first time in a fresh process: the TYP rules on the parsed email, per
   distinct word, against a plain set look-up of the same words and
   pyspellchecker's ``unknown()`` over them, in the same process. Target: a
   small fraction of the 0.5 ms per word the full one-edit search cost
   (< 50 us per word).
5. Growth of a whole offline lint of ``word word word ...`` (a repeated-word
   finding per word) from 10 KB to 100 KB to 1 MB, each in a fresh process,
   against the growth of ``str.split()`` plus a set look-up of the same text.
   Target: at most ~12x per 10x.
6. A 20 MB ``word word ...`` email (4 million repeats), whole offline lint and
   text report in a fresh process, against the 2 MB one and against
   ``str.split()`` plus a set look-up: time and peak memory grow linearly, the
   findings stay bounded (10,000 listed per rule and one that counts the rest).

Times are CPU seconds of the process (wall beside them: the machine is shared).
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


# ---------------------------------------------------------------- 4-6: fresh processes


def _child(target: str, *args: str) -> dict:
    """Run ``--child TARGET ARGS`` in a fresh interpreter; its last stdout line is JSON."""
    import json

    done = subprocess.run(
        [sys.executable, __file__, "--child", target, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{target} {args}: child failed\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _unknown_words_child(count: int) -> dict:
    from bench_scaling import _pseudo_word

    from oopslint import Email, SendContext
    from oopslint.rule import RuleOptions
    from oopslint.rules.spelling import dictionary

    made_up = [_pseudo_word(n) for n in range(count)]
    paragraphs = "".join("<p>" + " ".join(made_up[i : i + 12]) + ".</p>\n" for i in range(0, count, 12))
    html = '<html lang="en"><body>\n' + paragraphs + "</body></html>"
    rules = typ_rules()
    options = RuleOptions(dict(rules[0].options))
    context = SendContext(mode="template")
    english = dictionary.get_dictionary("en")
    run_rules(rules, Email.parse("<p>warm up</p>"), context, options)
    email = Email.parse(html)
    list(email.reading_segments())
    cpu, wall = time.process_time(), time.perf_counter()
    findings = run_rules(rules, email, context, options)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    # the floors, on the same words in the same process
    listed = english.frequencies
    set_cpu = time.process_time()
    for _ in range(10):
        missing = sum(1 for w in made_up if w not in listed)
    set_cpu = (time.process_time() - set_cpu) / 10
    from spellchecker import SpellChecker

    peer = SpellChecker()
    peer_cpu = time.process_time()
    peer_unknown = len(peer.unknown(made_up))
    peer_cpu = time.process_time() - peer_cpu
    return {
        "words": count,
        "cpu": cpu,
        "wall": wall,
        "findings": findings,
        "set_cpu": set_cpu,
        "missing": missing,
        "peer_cpu": peer_cpu,
        "peer_unknown": peer_unknown,
    }


def _lint_words_child(size: int) -> dict:
    from bench_scaling import _CountingSink, words

    from oopslint.engine import Linter
    from oopslint.formats import text as text_format
    from oopslint.rules.spelling import dictionary

    html = words(size)
    linter = Linter({}, offline=True, mode="template")
    linter.lint("<html><body><p>warm up</p></body></html>")
    base_mb = _peak_mb()
    cpu, wall = time.process_time(), time.perf_counter()
    report = linter.lint(html)
    sink = _CountingSink()
    text_format.write(report, sink)  # type: ignore[arg-type]
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = _peak_mb() - base_mb
    del report
    listed = dictionary.get_dictionary("en").frequencies
    floor = time.process_time()
    known = sum(1 for w in html.split() if w in listed)
    floor = time.process_time() - floor
    return {
        "size": size,
        "cpu": cpu,
        "wall": wall,
        "peak_mb": peak,
        "output_bytes": sink.bytes,
        "floor_cpu": floor,
        "findings": len(linter.lint(html).findings) if size <= 100_000 else -1,
        "known": known,
    }


def target_unknown_words(count: int) -> None:
    r = _child("unknown-words", str(count))
    per_word = r["cpu"] / r["words"] * 1e6
    print(
        f"4. {r['words']:,} distinct unknown words, first sight, fresh process: TYP rules {r['cpu']:.2f} s CPU "
        f"({r['wall']:.2f} s wall), {per_word:.1f} us per word (target < 50 us), {r['findings']:,} findings"
    )
    print(
        f"   floor: set look-up of the same words {r['set_cpu'] * 1000:.1f} ms ({r['set_cpu'] / r['words'] * 1e6:.2f} us "
        f"per word)  ->  ratio {r['cpu'] / r['set_cpu']:.0f}x; SpellChecker.unknown() {r['peer_cpu'] * 1000:.0f} ms  ->  "
        f"ratio {r['cpu'] / r['peer_cpu']:.1f}x"
    )


def target_growth() -> None:
    rows = [_child("lint-words", str(size)) for size in (10_000, 100_000, 1_000_000)]
    print("5. whole offline lint of `word word ...` (fresh process each), CPU s:")
    previous = None
    for r in rows:
        line = (
            f"   {r['size'] // 1000:>5} KB  lint+report {r['cpu']:7.3f} s ({r['wall']:.2f} s wall)  "
            f"split+set floor {r['floor_cpu'] * 1000:7.2f} ms  peak {r['peak_mb']:6.1f} MB"
        )
        if previous is not None:
            line += (
                f"  growth {r['cpu'] / previous['cpu']:.1f}x (target <= 12x; floor "
                f"{r['floor_cpu'] / max(previous['floor_cpu'], 1e-9):.1f}x)"
            )
        print(line)
        previous = r


def target_flood() -> None:
    small, big = _child("lint-words", str(2_000_000)), _child("lint-words", str(20_000_000))
    print("6. `word word ...`, whole offline lint and text report (fresh process each):")
    for r in (small, big):
        print(
            f"   {r['size'] // 1_000_000:>3} MB  {r['cpu']:6.2f} s CPU ({r['wall']:.1f} s wall)  peak +{r['peak_mb']:.0f} MB  "
            f"report {r['output_bytes'] / 1024:.0f} KB  split+set floor {r['floor_cpu']:.2f} s  ->  ratio "
            f"{r['cpu'] / r['floor_cpu']:.0f}x"
        )
    print(
        f"   20 MB / 2 MB: time {big['cpu'] / small['cpu']:.1f}x, memory {big['peak_mb'] / max(small['peak_mb'], 1):.1f}x, "
        f"report {big['output_bytes'] / small['output_bytes']:.2f}x (target: time and memory <= ~12x, report bounded)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer-words", type=int, default=8, help="unknown words the peer corrects on the big email")
    parser.add_argument(
        "--target",
        choices=["reference", "unknown-words", "growth", "flood", "all"],
        default="reference",
        help="reference: 1-3 (default); unknown-words: 4; growth: 5; flood: 6",
    )
    parser.add_argument("--unknown-words", type=int, default=60_000, help="distinct words for target 4")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import json

        kind, value = args.child[0], int(args.child[1])
        result = _unknown_words_child(value) if kind == "unknown-words" else _lint_words_child(value)
        print(json.dumps(result))
        return
    if args.target in ("unknown-words", "all"):
        target_unknown_words(args.unknown_words)
    if args.target in ("growth", "all"):
        target_growth()
    if args.target in ("flood", "all"):
        target_flood()
    if args.target in ("reference", "all"):
        reference_targets(args)


def reference_targets(args: argparse.Namespace) -> None:

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
                loaded._neighbours.clear()
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
