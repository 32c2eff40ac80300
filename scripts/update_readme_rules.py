"""Regenerate the rule table in README.md from the installed rules' metadata.

python scripts/update_readme_rules.py
"""

from __future__ import annotations

import re
from pathlib import Path

from oopslint.cli import rules_markdown

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- rules-table:start -->", "<!-- rules-table:end -->"


def render(text: str) -> str:
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    return pattern.sub(lambda _: f"{START}\n{rules_markdown()}{END}", text)


if __name__ == "__main__":
    README.write_text(render(README.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"updated {README}")
