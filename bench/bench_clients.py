"""CMP and MKP: crashes over every real email in the repository, and the speed of a whole
offline lint of the reference email, beside the `caniemail` npm package on the same emails.

    python bench/bench_clients.py [EMAIL]

Prints:
- crashes: emails of fixtures/ (corpus included) on which a CMP or MKP rule raised
  (target 0), and the same count for the peer;
- warm medians of a whole offline lint of the reference email (every rule, CMP and
  MKP included; target under 10 ms), of the same lint without CMP and MKP (and without
  CPN too: the differences are what those families add to the lint), of CMP+MKP alone,
  and of the CMP+MKP rules on already parsed emails; measured round robin, in wall time
  and in CPU time of this process (median and best), since wall time on a busy machine
  mostly measures the other processes;
- a floor from the same run: parsing the same email's HTML with lxml and its CSS
  (every <style> block and style="") with tinycss2, the least any CSS-aware checker does;
- the CMP+MKP rules round robin over the 30 distinct corpus emails (no email repeated
  back to back, so caches shared by emails of one template do not flatter the figure);
- findings per code on the 30 clean corpus emails: now by default, now with every
  opt-in (`report_graceful`, `report_partial`: what CMP reported before it judged
  reliance), and the counts recorded before that change;
- the peer, the `caniemail` npm package (the caniemail data with its own HTML and
  CSS checks), installed into a temporary folder at run time (never committed) and
  timed on the same email in the same run; skipped with a message when npm or node
  is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _timing import REFERENCE_EMAIL, ROOT, speed_probe

PEER_VERSION = "2.0.2"
# CMP and MKP findings on the 30 clean corpus emails before CMP judged whether the email relies
# on a feature (commit 4470ccb: every unsupported feature a warning, every partial one an info)
BEFORE = {"CMP001 warning": 221, "CMP002 info": 555, "CMP003 warning": 200, "MKP003 warning": 2}
TARGETS = ["apple-mail.*", "gmail.*", "outlook.*", "yahoo.*"]
PEER_SCRIPT = r"""
import { caniemail } from 'caniemail';
import { readFileSync } from 'node:fs';
const [emailPath, listPath, repeat] = process.argv.slice(2);
const clients = JSON.parse(process.env.TARGETS);
const html = readFileSync(emailPath, 'utf8');
for (let i = 0; i < 20; i++) caniemail({ clients, html });
const samples = [];
for (let i = 0; i < Number(repeat); i++) {
  const start = process.hrtime.bigint();
  caniemail({ clients, html: html + `<!-- ${i} -->` });
  samples.push(Number(process.hrtime.bigint() - start) / 1e6);
}
samples.sort((a, b) => a - b);
let crashes = 0;
const files = JSON.parse(readFileSync(listPath, 'utf8'));
for (const file of files) {
  try { caniemail({ clients, html: readFileSync(file, 'utf8') }); } catch { crashes += 1; }
}
console.log(JSON.stringify({ median: samples[Math.floor(samples.length / 2)], crashes, files: files.length }));
"""


def email_files() -> list[Path]:
    fixtures = ROOT / "fixtures"
    return sorted(p for p in fixtures.rglob("*") if p.suffix.lower() in (".html", ".htm", ".eml") and p.is_file())


def count_crashes(files: list[Path]) -> tuple[int, list[str]]:
    from oopslint.engine import Linter

    linter = Linter({"select": ["CMP", "MKP"]}, offline=True)
    crashed = []
    for path in files:
        try:
            report = linter.lint(path)
        except Exception as error:  # noqa: BLE001 - a crash is what is being counted
            crashed.append(f"{path.relative_to(ROOT)}: {type(error).__name__}: {error}")
            continue
        for finding in report.findings:
            if finding.data.get("crashed_rule"):
                crashed.append(f"{path.relative_to(ROOT)}: {finding.data['crashed_rule']}: {finding.message}")
    return len(crashed), crashed


def run_peer(email: Path, files: list[Path]) -> dict | str:
    if shutil.which("npm") is None or shutil.which("node") is None:
        return "peer skipped: npm or node is not installed"
    with tempfile.TemporaryDirectory(prefix="oopslint-peer-") as folder:
        install = subprocess.run(
            ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", folder, f"caniemail@{PEER_VERSION}"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if install.returncode != 0:
            return f"peer skipped: npm install caniemail@{PEER_VERSION} failed: {install.stderr.strip()[:300]}"
        script = Path(folder) / "bench.mjs"
        script.write_text(PEER_SCRIPT)
        listing = Path(folder) / "files.json"
        listing.write_text(json.dumps([str(f) for f in files]))
        run = subprocess.run(
            ["node", str(script), str(email), str(listing), "100"],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=folder,
            env={**os.environ, "TARGETS": json.dumps(TARGETS)},
        )
        if run.returncode != 0:
            return f"peer failed: {run.stderr.strip()[:300]}"
        return json.loads(run.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def corpus_counts(config: dict) -> dict[str, int]:
    from collections import Counter

    from oopslint.engine import Linter

    linter = Linter({"select": ["CMP", "MKP"], **config}, offline=True)
    counts: Counter[str] = Counter()
    for path in sorted((ROOT / "fixtures" / "corpus").rglob("*.html")):
        for finding in linter.lint(path).findings:
            counts[f"{finding.code} {finding.severity}"] += 1
    return dict(sorted(counts.items()))


def floor_job(html: str) -> Callable[[], object]:
    """lxml parse of the HTML and tinycss2 parse of every <style> block and style="" of it."""
    import re

    import tinycss2
    from lxml import html as lxml_html

    blocks = re.findall(r"<style\b[^>]*>(.*?)</style>", html, re.IGNORECASE | re.DOTALL)
    inline = re.findall(r"\bstyle=\"([^\"]*)\"", html)

    def job() -> None:
        lxml_html.document_fromstring(html)
        for css in blocks:
            tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True)
        for text in inline:
            tinycss2.parse_blocks_contents(text, skip_whitespace=True, skip_comments=True)

    return job


def main() -> None:
    email = Path(sys.argv[1]) if len(sys.argv) > 1 else REFERENCE_EMAIL
    html = email.read_text(encoding="utf-8")
    files = email_files()

    crashes, crashed = count_crashes(files)

    from oopslint.engine import Linter

    variants = [html + f"<!-- {i} -->" for i in range(400)]
    counter = iter(range(10**9))
    linters = {
        "whole offline lint (every rule)": Linter({}, offline=True),
        "whole lint without CMP and MKP": Linter({"ignore": ["CMP", "MKP"]}, offline=True),
        "whole lint without CMP, MKP and CPN": Linter({"ignore": ["CMP", "MKP", "CPN"]}, offline=True),
        "CMP + MKP alone (parse included)": Linter({"select": ["CMP", "MKP"]}, offline=True),
    }
    # the rules alone on fresh, already parsed emails (no per-email memo reused)
    from oopslint import Email, SendContext

    selected = linters["CMP + MKP alone (parse included)"]
    rules = [r for r in selected.registry if r.code.startswith(("CMP", "MKP"))]
    config = selected.config_for(None)
    options = {r.code: config.options_for(r) for r in rules}
    context = SendContext()
    parsed = [Email.parse(html + f"<!-- parsed {i} -->") for i in range(240)]
    fresh = iter(parsed)

    def rules_only() -> None:
        email = next(fresh)  # never one whose memo is already filled
        for rule in rules:
            list(rule.check(email, context, options[rule.code]))

    jobs: dict[str, Callable[[], object]] = {
        label: (lambda linter=linter: linter.lint(variants[next(counter) % len(variants)]))
        for label, linter in linters.items()
    }
    jobs["CMP + MKP rules only (email already parsed)"] = rules_only
    # the same rules over the distinct corpus emails, round robin
    corpus_emails = sorted((ROOT / "fixtures" / "corpus").rglob("*.html"))
    distinct = iter(
        [Email.parse(p.read_text(encoding="utf-8") + f"<!-- {i} -->") for i in range(8) for p in corpus_emails]
    )

    def rules_on_corpus() -> None:
        email = next(distinct)
        for rule in rules:
            list(rule.check(email, context, options[rule.code]))

    jobs["CMP + MKP rules only, 30 distinct corpus emails"] = rules_on_corpus
    jobs["floor: lxml parse + tinycss2 parse of its CSS"] = floor_job(html)
    # round robin, so a busy moment of the machine slows every measurement alike
    probe_before = speed_probe()
    wall: dict[str, list[float]] = {label: [] for label in jobs}
    cpu_samples: dict[str, list[float]] = {label: [] for label in jobs}
    for round_number in range(220):
        for label, job in jobs.items():
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            job()
            if round_number >= 20:  # warm-up rounds are not counted
                wall[label].append((time.perf_counter() - start_wall) * 1000)
                cpu_samples[label].append((time.process_time() - start_cpu) * 1000)
    probe_after = speed_probe()
    timings = {label: statistics.median(samples) for label, samples in wall.items()}
    cpu = {label: (statistics.median(samples), min(samples)) for label, samples in cpu_samples.items()}
    # the collector's occasional full passes land in few lints: the mean counts them, the median does not
    cpu_mean = {label: statistics.fmean(samples) for label, samples in cpu_samples.items()}
    findings = selected.lint(html).findings

    counts_now = corpus_counts({})
    counts_all = corpus_counts({"clients": {"report_graceful": True, "report_partial": True}})
    peer = run_peer(email, files)

    print(
        f"email: {email.relative_to(ROOT)} ({len(html.encode()) / 1024:.1f} KB); "
        f"CMP+MKP findings on it: {len(findings)} (targets {', '.join(TARGETS)})"
    )
    print(f"crashes over {len(files)} fixture and corpus emails: oopslint CMP+MKP {crashes}   (target 0)")
    for line in crashed:
        print(f"  {line}")
    for label, ms in timings.items():
        print(
            f"{label + ', warm median:':56} {ms:7.2f} ms   "
            f"(CPU time: median {cpu[label][0]:6.2f} ms, mean {cpu_mean[label]:6.2f} ms, best {cpu[label][1]:6.2f} ms)"
        )
    print(f"{'':56} (target: whole offline lint under 10 ms)")
    whole_cpu = cpu["whole offline lint (every rule)"][0]
    print(
        f"  CMP+MKP+CPN inside the whole lint (CPU medians, every rule minus the lint without them): "
        f"{whole_cpu - cpu['whole lint without CMP, MKP and CPN'][0]:5.2f} ms; "
        f"CMP+MKP: {whole_cpu - cpu['whole lint without CMP and MKP'][0]:5.2f} ms"
    )
    floor = cpu["floor: lxml parse + tinycss2 parse of its CSS"][0]
    print(
        f"  ratio CMP+MKP rules (CPU median) / floor (CPU median): "
        f"{cpu['CMP + MKP rules only (email already parsed)'][0] / floor:5.2f}x on the reference email, "
        f"{cpu['CMP + MKP rules only, 30 distinct corpus emails'][0] / floor:5.2f}x on the corpus round robin"
    )
    try:
        load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        load = "unknown"
    print(f"  load average during the run: {load} (2 cores is typical here; ratios are from the same run)")
    print(f"  {probe_before} before the timed rounds; {probe_after.split(': ', 1)[1]} after")
    print("findings on the 30 clean corpus emails (CMP and MKP selected):")
    codes = sorted(set(BEFORE) | set(counts_now) | set(counts_all))
    print(f"  {'code severity':18} {'before':>7} {'now':>7} {'now, every opt-in':>18}")
    for code in codes:
        print(f"  {code:18} {BEFORE.get(code, 0):7} {counts_now.get(code, 0):7} {counts_all.get(code, 0):18}")
    if isinstance(peer, str):
        print(peer)
    else:
        print(
            f"peer caniemail {PEER_VERSION} (npm), same email, warm median: {peer['median']:7.2f} ms   "
            f"crashes over the same {peer['files']} emails: {peer['crashes']}"
        )
        whole = timings["whole offline lint (every rule)"]
        print(
            f"  ratio peer / oopslint whole lint: {peer['median'] / whole:5.2f}x;  "
            f"peer / oopslint CMP+MKP: {peer['median'] / timings['CMP + MKP alone (parse included)']:5.2f}x"
        )


if __name__ == "__main__":
    main()
