"""Public templates (fixtures/sendwithus, Apache 2.0) linted with every offline
rule: each mistake they ship with is one finding, from the rule that owns it."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from oopslint_testing import FIXTURES, assert_read

from oopslint import Linter

TEMPLATES = FIXTURES / "sendwithus"
LINK_RULES = ("TPL005", "LNK005", "LNK007")


def _lint(name: str):
    path = TEMPLATES / name
    return assert_read(Linter({}, mode="template", offline=True).lint(path))


def _lines_with(name: str, pattern: str) -> list[int]:
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    lines = [text.count("\n", 0, match.start()) + 1 for match in re.finditer(pattern, text)]
    assert lines, f"{pattern!r} is not in {name}"
    return lines


@pytest.mark.parametrize(
    "name", ["airmail-confirm.html", "cleave-survey.html", "mantra-activation.html", "plain-jane.html"]
)
def test_a_link_that_goes_nowhere_is_one_finding(name):
    report = _lint(name)
    places = Counter((f.line, f.column) for f in report.findings if f.code in LINK_RULES)
    assert places and max(places.values()) == 1
    dead = sorted(f.line for f in report.findings if f.code == "TPL005")
    assert dead == sorted(_lines_with(name, r'href="(?:#|http://)?"'))
    assert not [f for f in report.findings if f.code in ("LNK005", "LNK007") and f.line in dead]


def test_vml_buttons_with_a_bare_http_scheme_are_dead_hrefs_not_insecure_links():
    report = _lint("cleave-survey.html")
    vml = [f for f in report.findings if f.code == "TPL005" and "<v:rect>" in f.message]
    assert len(vml) == 10
    assert vml[0].message == 'Link <v:rect> is just "http://" with no address after it: it goes nowhere'


def test_a_preheader_of_stand_in_copy_is_one_placeholder():
    (finding,) = [f for f in _lint("mantra-activation.html").findings if f.code == "TPL002"]
    assert (finding.line, finding.data["text"], finding.data["also"]) == (
        160,
        "Snippet text here",
        ["lorem ipsum", "dummy text"],
    )


def test_bacon_ipsum_latin_is_filler_not_misspelled():
    report = _lint("plain-jane.html")
    assert [f.data["text"] for f in report.findings if f.code == "TPL002"][0] == "Bacon ipsum"
    assert [f for f in report.findings if f.code == "TYP001"] == []
    read_as_words = {f.data["word"].lower() for f in report.findings if f.code.startswith("TYP")}
    assert not read_as_words & {"officia", "laboris", "tempor", "dolore", "magna"}


def test_a_bold_link_in_plain_text_is_distinguishable():
    report = _lint("airmail-confirm.html")
    assert _lines_with("airmail-confirm.html", r"<b><a href=\"#\">Get in touch</a></b>") == [306]
    assert [f for f in report.findings if f.code == "CTR003"] == []
