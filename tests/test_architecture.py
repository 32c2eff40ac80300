"""The directions of the house plan that code can check: who may import what."""

from __future__ import annotations

import ast
from pathlib import Path

from oopslint_testing import ROOT

PACKAGE = ROOT / "oopslint"


def _imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every ``from X import name`` in a file, relative imports resolved."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(parts[: len(parts) - node.level])
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.extend((module, alias.name) for alias in node.names)
    return found


def test_batch_uses_only_the_public_parts_of_the_engine_and_context():
    private = [
        f"{path.name}: from {module} import {name}"
        for path in sorted((PACKAGE / "batch").glob("*.py"))
        for module, name in _imports(path)
        if module.startswith("oopslint") and not module.startswith("oopslint.batch") and name.startswith("_")
    ]
    assert private == []


def test_the_engine_never_imports_a_rule():
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for module, _ in _imports(path)
        if module.startswith("oopslint.rules") or module == "rules"
    ]
    assert offenders == []
