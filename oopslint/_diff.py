"""``--diff-base REF``: put a pull request's own findings first.

Findings on lines the change touched keep their level; the others become
notices (``--diff-mode notice``, the default) or are dropped (``drop``).
Changed lines come from ``git diff --unified=0 REF`` in the repository of each
file, plus files git does not track yet (new in the change).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from .config import ConfigError
from .report import Finding, Report, Severity

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
MODES = ("notice", "drop")


def _git(args: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, encoding="utf-8", errors="replace"
        )
    except FileNotFoundError:
        raise ConfigError("--diff-base needs git, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise ConfigError("--diff-base: git did not answer within 60 s") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["git failed"])[-1]
        raise ConfigError(f"--diff-base: {reason}")
    return done.stdout


class ChangedLines:
    """The lines a change touched, per file (absolute paths)."""

    def __init__(self, base: str, start: Path):
        top = Path(_git(["rev-parse", "--show-toplevel"], start).strip())
        _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], top)
        self.lines: dict[Path, set[int]] = {}
        self.whole: set[Path] = set()
        current: Path | None = None
        for line in _git(
            ["diff", "--unified=0", "--no-color", "--no-ext-diff", "--relative", base, "--"], top
        ).splitlines():
            if line.startswith("+++ "):
                name = line[4:]
                current = None if name == "/dev/null" else (top / name[2:]).resolve()
                if current is not None:
                    self.lines.setdefault(current, set())
            elif line.startswith("@@") and current is not None:
                match = _HUNK.match(line)
                if match:
                    start_line, count = int(match.group(1)), int(match.group(2) or 1)
                    self.lines[current].update(range(start_line, start_line + count))
        for name in _git(["ls-files", "--others", "--exclude-standard"], top).splitlines():
            self.whole.add((top / name).resolve())

    def touched(self, path: str, line: int | None) -> bool:
        resolved = Path(path).resolve()
        if resolved in self.whole:
            return True
        changed = self.lines.get(resolved)
        if changed is None:
            return False
        return line is None or line in changed


def apply_diff(report: Report, base: str, mode: str, start: Path | None = None) -> int:
    """Demote or drop findings outside the changed lines; return how many."""
    if mode not in MODES:
        raise ConfigError(f"--diff-mode must be one of {', '.join(MODES)}, got {mode!r}")
    changed = ChangedLines(base, start or Path.cwd())
    moved = 0
    for result in report.files:
        kept: list[Finding] = []
        for finding in result.findings:
            if finding.code.startswith("OOPS") or changed.touched(finding.path or result.path, finding.line):
                kept.append(finding)
                continue
            moved += 1
            if mode == "notice":
                kept.append(
                    finding.with_(
                        severity=Severity.INFO,
                        data={**finding.data, "outside_diff": True, "severity_in_diff": str(finding.severity)},
                    )
                )
        result.findings = kept
    return moved
