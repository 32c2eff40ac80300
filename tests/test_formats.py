"""Every writer, checked against the contracts other tools rely on."""

from __future__ import annotations

import io
import json

from oopslint import Finding, Linter, rule
from oopslint.formats import get_writer
from oopslint.registry import Registry

HTML = '<html lang="en"><body>\n<p>Hello</p>\n<img src="https://cdn.example/a,b:c.png">\n</body></html>\n'


@rule(code="FMT001", name="image-seen", severity="error", section="fmt")
def image_seen(email, context, options):
    """What it does: reports images."""
    for image in email.images:
        yield Finding(
            f"image 100% seen\nsecond line {image.url}",
            span=image.span,
            suggestion="remove it",
            data={"url": image.url},
        )


@rule(code="FMT002", name="info-note", severity="info", section="fmt")
def info_note(email, context, options):
    """What it does: a file-level note."""
    yield Finding("file-level note")


def report():
    return Linter({}, registry=Registry([image_seen, info_note])).lint(HTML, path="emails/welcome.html")


def render(fmt: str, **options) -> str:
    out = io.StringIO()
    get_writer(fmt)(report(), out, **options)
    return out.getvalue()


def test_json_follows_the_contract_exactly():
    data = json.loads(render("json"))
    assert data["version"] == 1
    assert data["summary"] == {"files": 1, "error": 1, "warning": 0, "info": 1}
    (file,) = data["files"]
    assert file["path"] == "emails/welcome.html"
    # file-level findings (no line) sort before line findings
    assert file["findings"][0]["line"] is None
    first = file["findings"][1]
    assert list(first) == [
        "code",
        "rule",
        "severity",
        "message",
        "line",
        "column",
        "end_line",
        "end_column",
        "snippet",
        "suggestion",
        "data",
    ]
    assert first["code"] == "FMT001" and first["severity"] == "error" and first["line"] == 3
    assert first["snippet"] == '<img src="https://cdn.example/a,b:c.png">'
    assert first["data"] == {"url": "https://cdn.example/a,b:c.png"}


def test_text_shows_location_code_source_caret_help_and_summary():
    text = render("text")
    assert "emails/welcome.html:3:11: FMT001 [error] image 100% seen" in text
    assert '3 | <img src="https://cdn.example/a,b:c.png">' in text
    caret_line = [line for line in text.splitlines() if "^" in line][0]
    assert caret_line.index("^") == text.splitlines()[text.splitlines().index(caret_line) - 1].index("https")
    assert "= help: remove it" in text
    assert "emails/welcome.html: FMT002 [info] file-level note" in text
    assert text.rstrip().endswith("Found 2 problems in 1 file (1 error, 1 info).")
    assert "\x1b[" not in text
    assert "\x1b[" in render("text", color=True)


def test_github_annotations_escape_data_and_properties():
    lines = render("github").splitlines()
    assert lines[1] == (
        "::error file=emails/welcome.html,line=3,col=11,endLine=3,endColumn=40,title=FMT001 image-seen"
        "::image 100%25 seen%0Asecond line https://cdn.example/a,b:c.png%0Aremove it"
    )
    assert lines[0] == "::notice file=emails/welcome.html,title=FMT002 info-note::file-level note"


def test_sarif_is_2_1_0_with_rule_metadata_github_accepts():
    data = json.loads(render("sarif"))
    assert data["version"] == "2.1.0"
    assert data["$schema"].endswith("sarif-2.1.0.json")
    run = data["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "oopslint" and driver["rules"]
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids))
    for descriptor in driver["rules"]:
        assert descriptor["shortDescription"]["text"]
        assert descriptor["defaultConfiguration"]["level"] in ("error", "warning", "note")
    results = run["results"]
    assert [r["level"] for r in results] == ["note", "error"]
    location = results[1]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "emails/welcome.html"
    assert location["region"]["startLine"] == 3 and location["region"]["startColumn"] == 11
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    for result in results:
        if "ruleIndex" in result:
            assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_html_report_escapes_content():
    page = render("html")
    assert page.startswith("<!DOCTYPE html>")
    assert "&lt;img src=" in page
    assert "FMT001" in page


def test_report_api_helpers():
    r = report()
    assert r.counts == {"error": 1, "warning": 0, "info": 1}
    assert not r.ok
    assert json.loads(r.to_json())["version"] == 1
    assert r.to_sarif()["version"] == "2.1.0"
    assert [f.code for f in r.by_code("FMT0")] == ["FMT002", "FMT001"]
