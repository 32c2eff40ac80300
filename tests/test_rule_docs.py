"""Every built-in rule documents itself the same way, so `oopslint explain` is always useful."""

from __future__ import annotations

import pytest

from oopslint.registry import default_registry

BUILT_IN = [r for r in default_registry() if r.origin.startswith("oopslint.rules")]


def test_every_family_is_registered_through_entry_points():
    prefixes = {r.prefix for r in BUILT_IN}
    assert {"TPL", "LNK", "TYP", "TRG"} <= prefixes


@pytest.mark.parametrize("rule", BUILT_IN, ids=lambda r: r.code)
def test_rule_docs_follow_what_why_example_use_instead(rule):
    for section in ("What it does", "Why is this bad?", "Example", "Use instead"):
        assert section in rule.doc, f"{rule.code} docs lack {section!r}"
    assert rule.summary and not rule.summary.endswith(".")
    for option in rule.options:
        assert rule.option_docs.get(option), f"{rule.code} option {option!r} is undocumented"
