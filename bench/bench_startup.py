"""Cold start: `oopslint check --offline` of one file in a fresh interpreter, beside
importing the dependencies it genuinely needs, measured in the same run.

    python bench/bench_startup.py [EMAIL] [--runs N] [--compare OTHER_VENV/bin/python]

Target: under 0.25 s with `.pyc` present. Compiled bytecode is kept in a
PYTHONPYCACHEPREFIX folder of this run, so whether `.pyc` were there is known,
not guessed (this machine sets PYTHONDONTWRITEBYTECODE=1, so the source tree has none):

- with .pyc: every module (the standard library, the dependencies, oopslint and its rules) has one;
- without oopslint's .pyc: no ``.pyc`` of oopslint or its rules, as after an install that may
  not write bytecode; the command imports them from the code it kept in its cache folder;
- without oopslint's .pyc, first start: the same with that kept-code file removed before each
  run, so oopslint and its rules are compiled from source, and then compiled again to be kept
  (what the first start after such an install does, once);
- the floor: a fresh interpreter importing every module from outside oopslint that the
  offline check ends up with (standard library and third-party, found in this run), with .pyc;
- the declared dependencies (bs4, lxml, httpx, pyspellchecker, premailer, PyYAML, tinycss2),
  the floor the speed issue quoted, with .pyc;
- the check with .pyc but an empty oopslint cache folder (OOPSLINT_CACHE_DIR): the first run
  after an install, which parses the spelling and client data and writes what later runs read.

oopslint's cache folder is one of this run too: the first check fills it (the entry-point scan and
the passed registration check, the compiled regular expressions, dataclass methods and modules, the
spelling word table and the client data), as any first run does; the other check rows read it.

Runs are interleaved, so load on a shared machine falls on every command alike. Wall time and
CPU time (user + system of the child) are medians; ratios come from pairs of this run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import REFERENCE_EMAIL

DECLARED = ["bs4", "lxml.etree", "lxml.html", "httpx", "spellchecker", "premailer", "yaml", "tinycss2"]

# prints, as JSON, the modules from outside oopslint that an offline check leaves loaded
_LIST_MODULES = """
import json, sys
sys.argv = ["oopslint", "check", "--offline", "--no-cache", sys.argv[1]]
from oopslint.cli import main
try:
    main()
except SystemExit:
    pass
sys.stdout.flush()
names = sorted(
    name for name in sys.modules
    if not name.startswith(("oopslint", "__", "_distutils_hack", "_virtualenv"))
    and "editable" not in name
)
sys.stderr.write("MODULES " + json.dumps(names) + "\\n")
"""


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    # run from a neutral folder: `python -m oopslint` in a checkout would import that checkout's
    # oopslint whichever venv's python runs it, and --compare would time the same code twice
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        command, env=env, cwd=tempfile.gettempdir(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _own_dirs() -> list[Path]:
    import importlib.util

    dirs = []
    for name in ("oopslint", "oopslint.rules"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            dirs.extend(Path(p).resolve() for p in spec.submodule_search_locations)
    return dirs


def _pyc_count(prefix: Path, dirs: list[Path]) -> int:
    total = 0
    for own in dirs:
        mirrored = prefix / str(own).lstrip(os.sep)
        if mirrored.exists():
            total += sum(1 for _ in mirrored.rglob("*.pyc"))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("email", nargs="?", default=str(REFERENCE_EMAIL))
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument(
        "--compare",
        metavar="PYTHON",
        help="also time the check with this interpreter (another checkout's venv: before/after pairs in one run)",
    )
    args = parser.parse_args()
    email = str(Path(args.email).resolve())

    base_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    work = Path(tempfile.mkdtemp(prefix="oopslint-startup-"))
    with_pyc, without_own = work / "with", work / "without-own"
    own = mine = _own_dirs()
    if args.compare:  # the other checkout's package folders too: its "without .pyc" row leaves them out
        listed_dirs = subprocess.run(
            [
                args.compare,
                "-c",
                "import json, sys\nsys.path.insert(0, sys.argv[1])\nimport bench_startup as b\n"
                "print(json.dumps([str(d) for d in b._own_dirs()]))",
                str(Path(__file__).resolve().parent),
            ],
            cwd=tempfile.gettempdir(),
            capture_output=True,
            text=True,
            check=True,
        )
        own = [*own, *(Path(d) for d in json.loads(listed_dirs.stdout))]

    cache_dir = work / "oopslint-cache"
    empty_caches = work / "empty-caches"

    def env(prefix: Path, write: bool, cache: Path = cache_dir) -> dict[str, str]:
        out = {**base_env, "PYTHONPYCACHEPREFIX": str(prefix), "OOPSLINT_CACHE_DIR": str(cache)}
        if not write:
            out["PYTHONDONTWRITEBYTECODE"] = "1"
        return out

    check = [sys.executable, "-m", "oopslint", "check", "--offline", "--no-cache", email]
    _run(check, env(with_pyc, True))  # the first run: .pyc and oopslint's cache folder written
    listed = subprocess.run(
        [sys.executable, "-c", _LIST_MODULES, email],
        env=env(with_pyc, True),
        cwd=tempfile.gettempdir(),
        capture_output=True,
        text=True,
    )
    line = next(x for x in listed.stderr.splitlines() if x.startswith("MODULES "))
    modules = json.loads(line[len("MODULES ") :])
    importable = [m for m in modules if not m.startswith("_") or m in sys.builtin_module_names]
    floor_code = "".join(f"\ntry:\n    import {m}\nexcept Exception:\n    pass" for m in importable)
    floor = [sys.executable, "-c", floor_code]
    declared = [sys.executable, "-c", "import " + ", ".join(DECLARED)]
    bare = [sys.executable, "-c", "pass"]
    third_party = sorted(
        {m.split(".")[0] for m in modules} - set(sys.stdlib_module_names) - set(sys.builtin_module_names)
    )

    # write every .pyc once, then copy the folder without oopslint's own
    baseline = [args.compare, "-m", "oopslint", "check", "--offline", "--no-cache", email] if args.compare else None
    compare_cache = work / "compare-cache"  # the other checkout keeps its own cache folder
    for command in (check, floor, declared, bare):
        _run(command, env(with_pyc, True))
    if baseline:
        _run(baseline, env(with_pyc, True, compare_cache))
        _run(baseline, env(with_pyc, True, compare_cache))
    shutil.copytree(with_pyc, without_own)
    for own_dir in own:
        shutil.rmtree(without_own / str(own_dir).lstrip(os.sep), ignore_errors=True)
    present, absent = _pyc_count(with_pyc, mine), _pyc_count(without_own, mine)

    # the same cache folder without the command's kept module code (removed before each run)
    no_kept_code = work / "no-kept-code"
    shutil.copytree(cache_dir, no_kept_code)

    def drop_kept_code() -> None:
        for kept in (no_kept_code / "code").glob("modules-*"):
            kept.unlink()

    runs_with_empty_caches = iter(range(args.runs))
    cases = {
        "check, with .pyc": (check, env(with_pyc, False)),
        "check, without oopslint's .pyc": (check, env(without_own, False)),
        "check, no oopslint .pyc, first start": (check, env(without_own, False, no_kept_code)),
        "check, .pyc, empty cache folder": (check, None),
        "floor: its dependencies": (floor, env(with_pyc, False)),
        "declared dependencies": (declared, env(with_pyc, False)),
        **(
            {
                "--compare check, with .pyc": (baseline, env(with_pyc, False, compare_cache)),
                "--compare check, without its .pyc": (baseline, env(without_own, False, compare_cache)),
            }
            if baseline
            else {}
        ),
        "bare python -c pass": (bare, env(with_pyc, False)),
    }
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, (command, environment) in cases.items():
            if environment is None:  # a new empty folder each time
                environment = env(with_pyc, False, empty_caches / str(next(runs_with_empty_caches)))
            if environment["OOPSLINT_CACHE_DIR"] == str(no_kept_code):
                drop_kept_code()
            samples[name].append(_run(command, environment))
    shutil.rmtree(work, ignore_errors=True)

    wall = {name: statistics.median(s[0] for s in runs) for name, runs in samples.items()}
    cpu = {name: statistics.median(s[1] for s in runs) for name, runs in samples.items()}
    load = os.getloadavg()
    print(
        f"email: {Path(email).name}; {args.runs} interleaved runs; load average {load[0]:.1f} on {os.cpu_count()} cores"
    )
    print(f"oopslint's own .pyc: {present} files present in the 'with' runs, {absent} in the 'without' runs")
    print(
        f"modules from outside oopslint the offline check loads: {len(modules)}; third-party: {', '.join(third_party)}"
    )
    print(f"{'':38}{'wall (median)':>15}{'CPU (median)':>15}{'CPU (min)':>13}")
    for name in cases:
        low = min(s[1] for s in samples[name])
        print(f"{name:38}{wall[name] * 1000:12.0f} ms{cpu[name] * 1000:12.0f} ms{low * 1000:10.0f} ms")
    floor_name = "floor: its dependencies"
    if baseline:
        compared = "--compare check, with .pyc"
        print(
            f"check / --compare check: {wall['check, with .pyc'] / wall[compared]:.2f}x wall, "
            f"{cpu['check, with .pyc'] / cpu[compared]:.2f}x CPU ({args.compare})"
        )
        without, compared_without = "check, without oopslint's .pyc", "--compare check, without its .pyc"
        print(
            f"without .pyc, check / --compare check: {wall[without] / wall[compared_without]:.2f}x wall, "
            f"{cpu[without] / cpu[compared_without]:.2f}x CPU"
        )
    for name in ("check, with .pyc", "check, without oopslint's .pyc", "check, no oopslint .pyc, first start"):
        print(
            f"{name} / floor: {wall[name] / wall[floor_name]:.2f}x wall, {cpu[name] / cpu[floor_name]:.2f}x CPU; "
            f"above the floor: {(cpu[name] - cpu[floor_name]) * 1000:.0f} ms CPU"
        )
    print("target: check with .pyc under 250 ms (on an idle machine; read CPU time when loaded)")


if __name__ == "__main__":
    main()
