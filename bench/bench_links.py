"""Link-check speed: 1,000 unique URLs over 20 hosts, each answering after 50 ms.

oopslint's network rules (LNK001-LNK004, default settings apart from
``allow_private`` for the loopback test hosts) and LinkChecker 10.x (default
settings) check the same page against the same local server in the same run;
the script prints both times and the ratio. Targets: oopslint under 2.5 s,
at least 5x faster than LinkChecker.

    .venv/bin/python bench/bench_links.py            # installs LinkChecker into the venv if missing
    .venv/bin/python bench/bench_links.py --urls 200 --skip-peer

The server is a separate process (127.0.0.1 .. 127.0.0.20, one port) so its
work is not counted against either checker.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HOSTS = 20
DELAY = 0.05

SERVER = r"""
import asyncio, json, sys
DELAY = float(sys.argv[1]); HOSTS = int(sys.argv[2])
counts = {}
async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            agent = next((l.split(":", 1)[1].strip() for l in lines[1:] if l.lower().startswith("user-agent:")), "")
            who = "oopslint" if "oopslint" in agent else "linkchecker" if "LinkChecker" in agent else "other"
            if target == "/__stats":
                body = json.dumps(counts).encode()
            else:
                counts[who] = counts.get(who, 0) + 1
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


def start_server() -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(DELAY), str(HOSTS)], stdout=subprocess.PIPE, text=True
    )
    port = int(process.stdout.readline())
    return process, port


def stats(port: int) -> dict[str, int]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__stats", timeout=5) as response:
        return json.loads(response.read())


def make_page(port: int, count: int) -> str:
    links = "\n".join(
        f'<p><a href="http://127.0.0.{i % HOSTS + 1}:{port}/product/{i}">Product {i}</a></p>' for i in range(count)
    )
    return f'<!doctype html>\n<html lang="en"><head><title>links</title></head><body>\n{links}\n</body></html>\n'


def run_oopslint(html: str, cache_path: str | None) -> tuple[float, int]:
    from oopslint import Linter

    config = {"select": ["LNK001", "LNK002", "LNK003", "LNK004"], "http": {"allow_private": True, "progress": False}}
    linter = Linter(config, use_cache=cache_path is not None, cache_path=cache_path)
    started = time.perf_counter()
    report = linter.lint(html, path="bench.html")
    elapsed = time.perf_counter() - started
    return elapsed, len(report.findings)


def linkchecker_command() -> list[str] | None:
    here = Path(sys.executable).parent
    found = here / "linkchecker"
    if not found.exists():
        print("installing LinkChecker 10.x into this venv for the comparison ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "linkchecker>=10,<11"], check=False)
    if found.exists():
        return [str(found)]
    which = shutil.which("linkchecker")
    return [which] if which else None


def run_linkchecker(command: list[str], html: str) -> tuple[float, str]:
    folder = tempfile.mkdtemp(prefix="oopslint-bench-")
    os.chmod(folder, 0o755)  # LinkChecker drops root privileges to "nobody"
    page = Path(folder) / "page.html"
    page.write_text(html, encoding="utf-8")
    os.chmod(page, 0o644)
    started = time.perf_counter()
    result = subprocess.run(
        [
            *command,
            "--check-extern",
            "--recursion-level=1",
            "--no-status",
            "--no-warnings",
            "-o",
            "text",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    summary = re.search(r"That's it\.\s*(.*?checked\.)", result.stdout, re.S)
    shutil.rmtree(folder, ignore_errors=True)
    return elapsed, " ".join(summary.group(1).split()) if summary else result.stdout[-300:] + result.stderr[-300:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=1000)
    parser.add_argument("--skip-peer", action="store_true", help="do not run LinkChecker")
    args = parser.parse_args()

    server, port = start_server()
    try:
        html = make_page(port, args.urls)
        cold, problems = run_oopslint(html, None)
        after_oopslint = stats(port).get("oopslint", 0)
        print(
            f"oopslint     {args.urls} URLs on {HOSTS} hosts, {DELAY * 1000:.0f} ms each: {cold:.2f} s "
            f"({after_oopslint} requests, {problems} findings)  target < 2.50 s"
        )
        with tempfile.TemporaryDirectory() as cache_folder:
            cache_file = str(Path(cache_folder) / "links.sqlite3")
            run_oopslint(html, cache_file)
            warm, _ = run_oopslint(html, cache_file)
        print(
            f"oopslint     second run from the cache: {warm:.2f} s "
            f"({stats(port).get('oopslint', 0) - 2 * after_oopslint} requests)"
        )
        if args.skip_peer:
            return 0
        command = linkchecker_command()
        if command is None:
            print("LinkChecker is not installed and could not be installed; no ratio", file=sys.stderr)
            return 1
        version = subprocess.run([*command, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
        peer, summary = run_linkchecker(command, html)
        print(f"{version}: {peer:.2f} s ({summary}; {stats(port).get('linkchecker', 0)} requests)")
        print(f"ratio        oopslint is {peer / cold:.1f}x faster than LinkChecker  target >= 5x")
    finally:
        server.terminate()
        server.wait(5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
