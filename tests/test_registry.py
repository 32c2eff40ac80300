"""The registry stops loudly (exit 2, a clear message, no traceback) on a rule a
package defines but does not register, on two rules with one code, and on two
rules of one section that disagree about an option's default."""

from __future__ import annotations

import importlib
import os
import sys
import textwrap
from pathlib import Path

import pytest
from oopslint_testing import run_cli

from oopslint.registry import Registry, RegistryError, default_registry

RULE = textwrap.dedent(
    '''
    from oopslint import Finding, rule

    @rule(code="{code}", name="{name}", summary="Headline is all capitals",
          severity="warning", section="acme", options={options})
    def check(email, context, options):
        """What it does
        Flags headlines written in capitals.
        """
        for element in email.find("h1"):
            yield Finding("Headline is all capitals", span=email.element_span(element))
    '''
)


def install(site: Path, modules: dict[str, str], init: str, entry_point: str) -> dict[str, str]:
    """A rule package laid out as pip installs it: modules, __init__, dist-info."""
    package = site / "acme_oopslint"
    package.mkdir(parents=True)
    for name, text in modules.items():
        (package / f"{name}.py").write_text(text)
    (package / "__init__.py").write_text(init)
    dist = site / "acme_oopslint-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-oopslint\nVersion: 1.0\n")
    lines = entry_point if "=" in entry_point else f"acme = {entry_point}"
    (dist / "entry_points.txt").write_text(f"[oopslint.rules]\n{lines}\n")
    (dist / "RECORD").write_text("")
    return {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}


def rule_module(code: str, name: str, options: str = "{}") -> str:
    return RULE.format(code=code, name=name, options=options)


@pytest.fixture
def in_process(monkeypatch):
    """Load the registry in this process with the package of ``install`` on the path."""

    def load(env: dict[str, str]) -> str:
        monkeypatch.syspath_prepend(env["PYTHONPATH"].split(os.pathsep)[0])
        importlib.invalidate_caches()
        with pytest.raises(RegistryError) as caught:
            Registry.from_entry_points()
        return str(caught.value)

    yield load
    for name in [m for m in sys.modules if m == "acme_oopslint" or m.startswith("acme_oopslint.")]:
        del sys.modules[name]


def assert_stops(result, message: str) -> None:
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert message in err
    assert "Traceback" not in err


def test_a_package_with_every_rule_in_its_list_registers(tmp_path):
    env = install(
        tmp_path / "site",
        {"acme001_shouting": rule_module("ACME001", "shouting-headline")},
        "from .acme001_shouting import check\nRULES = [check]\n",
        "acme_oopslint:RULES",
    )
    listed = run_cli("rules", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "ACME001  shouting-headline" in listed.stdout.decode()


def test_a_rule_defined_but_left_out_of_rules_stops_the_cli(tmp_path):
    env = install(
        tmp_path / "site",
        {
            "acme001_shouting": rule_module("ACME001", "shouting-headline"),
            "acme002_whispering": rule_module("ACME002", "whispering-headline"),
        },
        "from .acme001_shouting import check\nRULES = [check]\n",
        "acme_oopslint:RULES",
    )
    for args in (("rules",), ("check", "--offline", str(tmp_path / "missing.html"))):
        assert_stops(
            run_cli(*args, env=env),
            "oopslint: plugin 'acme': rule ACME002 (whispering-headline) is defined in "
            "acme_oopslint.acme002_whispering but not registered; add it to acme_oopslint:RULES",
        )


def test_two_rules_with_one_code_stop_the_registry(tmp_path, in_process):
    env = install(
        tmp_path / "site",
        {
            "acme001_shouting": rule_module("ACME001", "shouting-headline"),
            "acme001_again": rule_module("ACME001", "shouting-again"),
        },
        "from .acme001_shouting import check as a\nfrom .acme001_again import check as b\nRULES = [a, b]\n",
        "acme_oopslint:RULES",
    )
    assert in_process(env) == (
        "ACME001 is claimed twice: by acme_oopslint.acme001_shouting and by acme_oopslint.acme001_again"
    )


def test_a_plugin_rule_cannot_take_a_built_in_code(tmp_path, in_process):
    env = install(
        tmp_path / "site",
        {"lnk": rule_module("LNK005", "insecure-acme-link")},
        "from .lnk import check\nRULES = [check]\n",
        "acme_oopslint:RULES",
    )
    assert in_process(env).startswith("LNK005 is claimed twice")


def test_two_defaults_for_one_option_of_a_section_stop_the_registry(tmp_path, in_process):
    env = install(
        tmp_path / "site",
        {
            "acme001_shouting": rule_module("ACME001", "shouting-headline", '{"min_length": 8}'),
            "acme002_whispering": rule_module("ACME002", "whispering-headline", '{"min_length": 12}'),
        },
        "from .acme001_shouting import check as a\nfrom .acme002_whispering import check as b\nRULES = [a, b]\n",
        "acme_oopslint:RULES",
    )
    assert in_process(env).startswith(
        "option 'min_length' of [acme] has two defaults: 8 in ACME001 "
        "(acme_oopslint.acme001_shouting) and 12 in ACME002 (acme_oopslint.acme002_whispering)"
    )


def test_the_same_default_in_two_rules_of_a_section_is_fine():
    rules = [r for r in default_registry() if r.section == "spelling"]
    assert len(rules) == 5
    assert len(Registry(rules)) == 5


def test_every_built_in_family_lists_all_its_rules():
    import importlib

    by_family: dict[str, list[str]] = {}
    for rule in default_registry():
        if rule.origin.startswith("oopslint.rules."):
            by_family.setdefault(rule.origin.split(".")[2], []).append(rule.code)
    for family, codes in by_family.items():
        listed = [r.code for r in importlib.import_module(f"oopslint.rules.{family}").RULES]
        assert sorted(listed) == sorted(codes)
        for code in codes:  # one module a rule, named by its code
            rule = default_registry().get(code)
            assert rule.origin.split(".")[-1].startswith(code.lower() + "_"), rule.origin


def test_two_entry_points_may_each_register_one_rule_of_one_module(tmp_path, monkeypatch):
    both = rule_module("ACME001", "shouting-headline") + rule_module("ACME002", "whispering-headline").replace(
        "def check(", "def check_two("
    )
    env = install(
        tmp_path / "site",
        {"rules": both},
        "",
        "acme = acme_oopslint.rules:check\nacme2 = acme_oopslint.rules:check_two",
    )
    monkeypatch.syspath_prepend(env["PYTHONPATH"].split(os.pathsep)[0])
    importlib.invalidate_caches()
    try:
        codes = [rule.code for rule in Registry.from_entry_points() if rule.code.startswith("ACME")]
    finally:
        for name in [m for m in sys.modules if m == "acme_oopslint" or m.startswith("acme_oopslint.")]:
            del sys.modules[name]
    assert codes == ["ACME001", "ACME002"]
