"""oopslint's contrast rules (full-css profile) beside axe-core in headless Chromium.

    python bench/contrast_vs_axe.py [--axe DIR] [--json OUT] [FILES...]

Each fixture and corpus email is rendered in Debian's ``chromium`` (driven by
playwright with ``executable_path``; no browser is downloaded), with every
network request refused, at 1280x720 in light mode. axe-core's
``color-contrast`` and ``link-in-text-block`` rules run on the page; oopslint
runs CTR001 and CTR003 with ``profiles = ["full-css"]`` on the same HTML. The
elements each side fails are compared per email (every start tag is marked
with ``data-oopslint-index`` before rendering so the browser's elements map
back to oopslint's); disagreements are listed. Target: >= 95% of emails agree.

axe-core is installed with npm into a temporary folder for the run (or taken
from ``--axe DIR``, a folder holding ``axe.min.js``); it is never committed.
Needs: ``apt-get install -y chromium``, ``pip install playwright``, ``npm``.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _timing import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_RULES = ["color-contrast", "link-in-text-block"]

_COLLECT = """async () => {
  const result = await axe.run(document, {runOnly: {type: 'rule', values: %s}, resultTypes: ['violations']});
  const out = [];
  for (const rule of result.violations) {
    for (const node of rule.nodes) {
      let el = document.querySelector(node.target[0]);
      out.push({rule: rule.id, index: el ? el.getAttribute('data-oopslint-index') : null,
                html: node.html.slice(0, 120), summary: node.failureSummary.slice(0, 300)});
    }
  }
  return out;
}"""


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def default_files() -> list[Path]:
    files = sorted((ROOT / "fixtures" / "corpus").glob("*/*.html"))
    files += sorted((ROOT / "fixtures" / "contrast").glob("**/*.html"))
    return files


def install_axe(target: Path) -> Path:
    subprocess.run(
        ["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(target), "axe-core@4"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return target / "node_modules" / "axe-core" / "axe.min.js"


def mark_elements(html: str) -> tuple[str, dict[int, object]]:
    """The HTML with ``data-oopslint-index="N"`` in every start tag oopslint knows."""
    from oopslint import Email

    email = Email.parse(html)
    inserts: list[tuple[int, str]] = []
    for element in email.elements:
        if element.in_comment or element.tag.startswith("#"):
            continue
        at = element.start + 1 + len(element.tag)
        if html[element.start + 1 : at].lower() != element.tag:
            continue
        inserts.append((at, f' data-oopslint-index="{element.index}"'))
    out = []
    last = 0
    for at, text in sorted(inserts):
        out.append(html[last:at])
        out.append(text)
        last = at
    out.append(html[last:])
    return "".join(out), {e.index: e for e in email.elements}


def oopslint_failures(html: str) -> dict[int, str]:
    """Element index -> rule code, for CTR001/CTR003 findings in the full-css profile."""
    import oopslint
    from oopslint import Email

    email = Email.parse(html)
    starts = {email.position(e.start): e.index for e in email.elements}
    report = oopslint.lint(
        html, mode="template", config={"select": ["CTR001", "CTR003"], "contrast": {"profiles": ["full-css"]}}
    )
    out: dict[int, str] = {}
    for finding in report.findings:
        index = starts.get((finding.line, finding.column))
        if index is not None:
            out[index] = finding.code
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--axe", type=Path, help="folder with axe.min.js (default: npm install into a temp folder)")
    parser.add_argument("--json", type=Path, help="write the per-email comparison here")
    args = parser.parse_args()
    files = args.files or default_files()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="oopslint-axe-") as temp:
        axe_js = (args.axe / "axe.min.js") if args.axe else install_axe(Path(temp) / "npm")
        axe_source = axe_js.read_text(encoding="utf-8")
        rows = []
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                str(Path(temp) / "profile"),
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 720},
                color_scheme="light",
            )
            context.route("**/*", lambda route: route.abort())
            page = context.new_page()
            for path in files:
                html = path.read_text(encoding="utf-8")
                marked, elements = mark_elements(html)
                page.set_content(marked, wait_until="domcontentloaded")
                page.add_script_tag(content=axe_source)
                violations = page.evaluate(_COLLECT % json.dumps(AXE_RULES))
                axe_fail = {int(v["index"]): v for v in violations if v["index"] is not None}
                unmapped = [v for v in violations if v["index"] is None]
                ours = oopslint_failures(html)
                only_axe = sorted(set(axe_fail) - set(ours))
                only_ours = sorted(set(ours) - set(axe_fail))
                rel = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
                rows.append(
                    {
                        "file": rel,
                        "axe": len(violations),
                        "oopslint": len(ours),
                        "agree": not only_axe and not only_ours and not unmapped,
                        "only_axe": [
                            {
                                "index": i,
                                "line": html.count("\n", 0, elements[i].start) + 1,  # type: ignore[attr-defined]
                                "rule": axe_fail[i]["rule"],
                                "html": axe_fail[i]["html"],
                                "why": axe_fail[i]["summary"],
                            }
                            for i in only_axe
                        ],
                        "only_oopslint": [
                            {
                                "index": i,
                                "line": html.count("\n", 0, elements[i].start) + 1,  # type: ignore[attr-defined]
                                "code": ours[i],
                            }
                            for i in only_ours
                        ],
                        "unmapped": unmapped,
                    }
                )
            context.close()
    agree = sum(1 for row in rows if row["agree"])
    total_axe = sum(row["axe"] for row in rows)
    total_ours = sum(row["oopslint"] for row in rows)
    for row in rows:
        mark = "agree   " if row["agree"] else "DISAGREE"
        print(f"{mark} {row['file']:<58} axe {row['axe']:3d}  oopslint {row['oopslint']:3d}")
        for item in row["only_axe"]:
            print(f"    only axe      line {item['line']:4d} {item['rule']}: {_squash(item['html'])[:90]}")
            print(f"                  {_squash(item['why'])[:160]}")
        for item in row["only_oopslint"]:
            print(f"    only oopslint line {item['line']:4d} {item['code']}")
        for item in row["unmapped"]:
            print(f"    axe node not mapped: {item['rule']} {item['html'][:90]}")
    print(
        f"\n{agree}/{len(rows)} emails agree ({100 * agree / max(1, len(rows)):.1f}%, target >= 95%); "
        f"failing elements: axe {total_axe}, oopslint {total_ours}"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
