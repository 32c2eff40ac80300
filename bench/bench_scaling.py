"""How lint time, memory and output grow with the size of hostile and unlucky inputs.

    python bench/bench_scaling.py                 # 10 KB .. 20 MB, every shape (many minutes)
    python bench/bench_scaling.py --quick         # 10 KB .. 1 MB, about a minute
    python bench/bench_scaling.py --max-size 10MB --shape words --shape entities
    python bench/bench_scaling.py --shape dense-markup --select TPL,LNK,TYP,TRG   # the 0.1 rules only

Each (shape, size) is linted offline in template mode in a fresh Python process, which also
writes the text report into a counting sink. It prints wall time, peak memory above the
process's baseline, output bytes and findings, and the ratio of each to the previous size.
Beside each, in another fresh process of the same run, lxml parses the same bytes: its parse
time is the floor for time, and the memory its parsed tree holds (resident memory with the
tree alive, above the baseline) the reference for memory.

Targets: every stage is linear or n log n, so a 10x larger input costs at most ~12x in time
(the log-log slope of lint time over size, printed per shape, about 1.0); the largest input
lints in under 25x lxml's parse, with a peak under 4x lxml's tree; output size grows with the
number of findings, never with line length. A run that exceeds --timeout is shown as TIMEOUT
(the ratio is then a lower bound).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable

from _timing import CORPUS

SIZES = {"10KB": 10_000, "100KB": 100_000, "1MB": 1_000_000, "10MB": 10_000_000, "20MB": 20_000_000}


def _fill(unit: str, size: int, head: str = "<html><body><p>", tail: str = "</p></body></html>") -> str:
    room = max(size - len(head) - len(tail), len(unit))
    return head + (unit * (room // len(unit) + 1))[:room] + tail


def no_whitespace(size: int) -> str:
    """One long run of letters, dots and slashes without a space (a pasted token or blob)."""
    return _fill("Zm9vYmFyYmF6cXV4", size)


def entities(size: int) -> str:
    """Named and numeric character references, back to back."""
    return _fill("&amp;&eacute;&#8217;&#x2014;&nbsp;&zwnj;&lt;", size)


def words(size: int) -> str:
    """The same word repeated on one line: a repeated-word finding every other word."""
    return _fill("word ", size)


def suppressions(size: int) -> str:
    """Suppression comments, each covering an image without alt text on its next line."""
    return _fill(
        '<!-- oopslint-disable-next-line TPL004 -- spacer -->\n<img src="https://cdn.example.com/s.gif">\n',
        size,
        head='<html lang="en"><body>\n',
        tail="</body></html>",
    )


def _pseudo_word(n: int) -> str:
    consonants, vowels = "bcdfghjklmnpqrstvwxz", "aeiou"
    out = []
    while True:
        n, c = divmod(n, len(consonants))
        n, v = divmod(n, len(vowels))
        out.append(consonants[c] + vowels[v])
        if n == 0:
            break
    return "q" + "".join(out) + "x"


def unknown_words(size: int) -> str:
    """Distinct made-up words that no dictionary knows, in short paragraphs."""
    head, tail = '<html lang="en"><body>\n', "</body></html>"
    parts: list[str] = []
    length = len(head) + len(tail)
    n = 0
    while length < size:
        paragraph = "<p>" + " ".join(_pseudo_word(n + i) for i in range(12)) + ".</p>\n"
        n += 12
        parts.append(paragraph)
        length += len(paragraph)
    return head + "".join(parts) + tail


def dense_markup(size: int) -> str:
    """A real email's body (fixtures/corpus) repeated inside one document."""
    source = (CORPUS / "postmark" / "receipt.source.html").read_text(encoding="utf-8")
    start = source.index("<body")
    start = source.index(">", start) + 1
    end = source.index("</body>")
    head, body, tail = source[:start], source[start:end], source[end:]
    copies = max(1, (size - len(head) - len(tail)) // len(body))
    return head + body * copies + tail


SHAPES: dict[str, Callable[[int], str]] = {
    "no-whitespace": no_whitespace,
    "entities": entities,
    "words": words,
    "suppressions": suppressions,
    "unknown-words": unknown_words,
    "dense-markup": dense_markup,
}


class _CountingSink:
    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text)
        return len(text)

    def isatty(self) -> bool:
        return False


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure_one(shape: str, size: int, select: str = "") -> dict[str, float]:
    """Runs inside the child process: build the input, lint it, write the text report."""
    from oopslint.engine import Linter
    from oopslint.formats import text as text_format

    html = SHAPES[shape](size)
    linter = Linter({"select": select.split(",")} if select else {}, offline=True, mode="template")
    linter.lint("<html><body><p>warm up</p></body></html>")
    baseline_kb = _rss_kb()
    start = time.perf_counter()
    cpu = time.process_time()
    report = linter.lint(html)
    lint_cpu = time.process_time() - cpu
    lint_s = time.perf_counter() - start
    sink = _CountingSink()
    start = time.perf_counter()
    text_format.write(report, sink)  # type: ignore[arg-type]
    write_s = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "bytes": len(html.encode("utf-8")),
        "lint_s": lint_s,
        "lint_cpu_s": lint_cpu,
        "write_s": write_s,
        "peak_mb": max(0, peak_kb - baseline_kb) / 1024,
        "output_bytes": sink.bytes,
        "findings": len(report.findings),
    }


def measure_lxml(shape: str, size: int) -> dict[str, float]:
    """Runs inside another child: lxml's parse of the same bytes, and its tree's memory."""
    import lxml.etree

    data = SHAPES[shape](size).encode("utf-8")
    lxml.etree.fromstring(b"<html><body><p>warm up</p></body></html>", lxml.etree.HTMLParser())
    baseline_kb = _rss_kb()
    start = time.perf_counter()
    cpu = time.process_time()
    tree = lxml.etree.fromstring(data, lxml.etree.HTMLParser(huge_tree=True))
    parse_cpu = time.process_time() - cpu
    parse_s = time.perf_counter() - start
    tree_mb = max(0, _rss_kb() - baseline_kb) / 1024
    elements = sum(1 for _ in tree.iter())
    return {"parse_s": parse_s, "parse_cpu_s": parse_cpu, "tree_mb": tree_mb, "elements": elements}


def _slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of log(time) over log(size)."""
    xs = [math.log(x) for x, _ in points]
    ys = [math.log(max(y, 1e-6)) for _, y in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread if spread else float("nan")


def run_child(
    shape: str, size: int, timeout: float, flag: str = "--child", select: str = ""
) -> dict[str, float] | None:
    command = [sys.executable, __file__, flag, shape, str(size)] + (["--select", select] if select else [])
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env={**os.environ, "PYTHONHASHSEED": "0"}
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise SystemExit(f"{shape} {size}: child failed\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _parse_size(text: str) -> int:
    text = text.strip().upper()
    if text in SIZES:
        return SIZES[text]
    for suffix, factor in (("MB", 1_000_000), ("KB", 1_000), ("B", 1)):
        if text.endswith(suffix):
            return int(float(text[: -len(suffix)]) * factor)
    return int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="sizes up to 1 MB only")
    parser.add_argument("--max-size", default=None, help="largest size to run (e.g. 1MB, 10MB)")
    parser.add_argument("--shape", action="append", choices=sorted(SHAPES), help="run only these shapes")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run before it counts as a hang")
    parser.add_argument("--no-lxml", action="store_true", help="leave out the lxml reference")
    parser.add_argument("--select", help="lint with these rules only (e.g. TPL,LNK,TYP,TRG); default every rule")
    parser.add_argument("--child", nargs=2, metavar=("SHAPE", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--lxml-child", nargs=2, metavar=("SHAPE", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_one(args.child[0], int(args.child[1]), args.select or "")))
        return
    if args.lxml_child:
        print(json.dumps(measure_lxml(args.lxml_child[0], int(args.lxml_child[1]))))
        return

    cap = _parse_size(args.max_size) if args.max_size else (1_000_000 if args.quick else max(SIZES.values()))
    sizes = [(label, size) for label, size in SIZES.items() if size <= cap]
    shapes = args.shape or list(SHAPES)
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores shared); lint s is wall time, CPU s beside it")
    print(
        f"{'shape':<14} {'size':>6} {'lint s':>8} {'CPU s':>7} {'write s':>8} {'x time':>7} {'x size':>7} "
        f"{'peak MB':>8} {'x mem':>6} {'output KB':>10} {'findings':>9} {'lxml s':>7} {'x lxml':>7} "
        f"{'tree MB':>8} {'peak/tree':>9}"
    )
    worst = 0.0
    summaries: list[str] = []
    for shape in shapes:
        previous: dict[str, float] | None = None
        points: list[tuple[float, float]] = []
        last: tuple[str, dict[str, float], dict[str, float] | None] | None = None
        for label, size in sizes:
            result = run_child(shape, size, args.timeout, select=args.select or "")
            if result is None:
                print(f"{shape:<14} {label:>6} {'TIMEOUT':>8} (over {args.timeout:.0f} s)")
                break
            reference = None if args.no_lxml else run_child(shape, size, args.timeout, "--lxml-child")
            total = result["lint_s"] + result["write_s"]
            time_ratio = size_ratio = mem_ratio = ""
            if previous is not None:
                prev_total = previous["lint_s"] + previous["write_s"]
                ratio = total / max(prev_total, 1e-6)
                time_ratio = f"{ratio:.1f}x"
                size_ratio = f"{result['bytes'] / previous['bytes']:.1f}x"
                if previous["peak_mb"] >= 1:
                    mem_ratio = f"{result['peak_mb'] / previous['peak_mb']:.1f}x"
                # normalise to a 10x step so 10 MB -> 20 MB compares with the target too
                step = result["bytes"] / previous["bytes"]
                if prev_total >= 0.05:
                    worst = max(worst, ratio * 10 / step)
            if result["bytes"] >= 90_000:
                points.append((result["bytes"], result["lint_cpu_s"]))
            floor = ""
            if reference is not None:
                floor = (
                    f" {reference['parse_s']:7.3f} {result['lint_cpu_s'] / max(reference['parse_cpu_s'], 1e-6):6.1f}x"
                    f" {reference['tree_mb']:8.1f} {result['peak_mb'] / max(reference['tree_mb'], 0.1):8.1f}x"
                )
            print(
                f"{shape:<14} {label:>6} {result['lint_s']:8.2f} {result['lint_cpu_s']:7.2f} {result['write_s']:8.2f} "
                f"{time_ratio:>7} {size_ratio:>7} {result['peak_mb']:8.1f} {mem_ratio:>6} "
                f"{result['output_bytes'] / 1024:10.0f} {int(result['findings']):9d}{floor}"
            )
            previous = result
            last = (label, result, reference)
        if last is not None:
            label, result, reference = last
            line = f"{shape:<14} log-log slope of CPU time over size (100 KB up): "
            line += f"{_slope(points):.2f}" if len(points) >= 2 else "n/a"
            if reference is not None:
                line += (
                    f"; at {label}: {result['lint_cpu_s'] / max(reference['parse_cpu_s'], 1e-6):.1f}x lxml's parse "
                    f"(target < 25x), peak {result['peak_mb']:.0f} MB = "
                    f"{result['peak_mb'] / max(reference['tree_mb'], 0.1):.1f}x lxml's tree of "
                    f"{reference['tree_mb']:.0f} MB (target < 4x)"
                )
            summaries.append(line)
    print()
    for line in summaries:
        print(line)
    print(f"worst time growth, normalised to a 10x larger input: {worst:.1f}x  (target at most ~12x; slope ~1.0)")


if __name__ == "__main__":
    main()
