"""A third-party plugin registers through the same entry-point group as the built-in rules."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

from oopslint_testing import run_cli

PLUGIN = textwrap.dedent(
    '''
    from oopslint import Finding, rule

    @rule(code="ACME001", name="no-shouting-subject", summary="Headline is all capitals",
          severity="warning", section="acme", options={"min_length": 8})
    def no_shouting(email, context, options):
        """What it does
        Flags headlines written in capitals.

        Why is this bad?
        Capitals read as shouting and trip spam filters.
        """
        for element in email.find("h1"):
            text = " ".join(s.text for s in email.segments if s.element is element)
            if len(text) >= options.min_length and text.isupper():
                yield Finding(f"Headline is all capitals: {text!r}", span=email.element_span(element))
    '''
)


def install_plugin(site: Path) -> dict[str, str]:
    """Lay out the plugin as pip would install it: a package and its dist-info."""
    (site / "acme_oopslint").mkdir(parents=True)
    (site / "acme_oopslint" / "__init__.py").write_text(PLUGIN)
    dist = site / "acme_oopslint-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-oopslint\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[oopslint.rules]\nacme = acme_oopslint\n")
    (dist / "RECORD").write_text("")
    return {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}


def test_out_of_tree_plugin_is_listed_explained_configured_and_reports(tmp_path):
    env = install_plugin(tmp_path / "site")
    listed = run_cli("rules", env=env)
    assert listed.returncode == 0
    assert "ACME001  no-shouting-subject" in listed.stdout.decode()

    explained = run_cli("explain", "ACME001", env=env)
    assert "Capitals read as shouting" in explained.stdout.decode()

    email = tmp_path / "loud.html"
    email.write_text('<html lang="en"><body>\n<h1>HUGE SALE TODAY</h1>\n<p>Hi</p></body></html>')
    result = run_cli("check", str(email), "--select", "ACME", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)["files"][0]["findings"]
    assert [(f["code"], f["line"], f["message"]) for f in findings] == [
        ("ACME001", 2, "Headline is all capitals: 'HUGE SALE TODAY'")
    ]

    (tmp_path / "oopslint.toml").write_text("select = ['ACME']\n[acme]\nmin_length = 40\n")
    quiet = run_cli("check", str(email), "--format", "json", env=env, cwd=tmp_path)
    assert json.loads(quiet.stdout)["files"][0]["findings"] == []


def test_a_broken_plugin_is_named_not_a_traceback(tmp_path):
    site = tmp_path / "site"
    env = install_plugin(site)
    (site / "acme_oopslint" / "__init__.py").write_text("raise ImportError('missing acme_sdk')\n")
    result = run_cli("rules", env=env)
    assert result.returncode == 2
    err = result.stderr.decode()
    assert "plugin 'acme' (acme_oopslint) failed to load: ImportError: missing acme_sdk" in err
    assert "Traceback" not in err
