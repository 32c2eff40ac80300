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


def test_a_rule_needs_only_what_a_third_party_rule_can_use():
    rules = ROOT / "rules"
    offenders = []
    for path in sorted(rules.rglob("*.py")):
        family = path.relative_to(rules).parts[0]
        for module, name in _imports(path):
            if module.startswith("rules."):
                if not module.startswith(f"rules.{family}"):
                    offenders.append(f"{path.relative_to(ROOT)}: imports another family ({module})")
            elif module.startswith("oopslint"):
                private = any(part.startswith("_") for part in module.split(".")) or name.startswith("_")
                if private:
                    offenders.append(f"{path.relative_to(ROOT)}: from {module} import {name}")
    assert offenders == []
