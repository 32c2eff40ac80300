"""Redaction: every field of every output format, and the escaped forms a
secret takes inside messages (repr, JSON, percent-encoding)."""

from __future__ import annotations

import io
import json
from urllib.parse import quote

import pytest

from oopslint import Config, Finding, Report, Severity
from oopslint._redact import redact
from oopslint.formats import FORMATS, get_writer
from oopslint.report import FileResult, Span

SECRET = 'Tk/9+x="q\\w\u00e9-staging'


@pytest.fixture
def referenced(monkeypatch):
    monkeypatch.setenv("STAGING_BEARER", SECRET)
    Config.from_mapping(
        {"http": {"hosts": {"api.shop.example": {"headers": {"Authorization": "Bearer ${STAGING_BEARER}"}}}}}
    )
    return SECRET


def escaped_forms(secret: str) -> dict[str, str]:
    return {
        "repr": repr(secret)[1:-1],
        "bytes repr": repr(secret.encode("utf-8", "backslashreplace"))[2:-1],
        "json": json.dumps(secret)[1:-1],
        "json ascii": json.dumps(secret, ensure_ascii=True)[1:-1],
        "percent": quote(secret, safe=""),
        "percent path": quote(secret),
        "percent lower": quote(secret, safe="").replace("%2F", "%2f").replace("%3D", "%3d"),
        "repr of json": repr(json.dumps(secret))[2:-2],
    }


def test_escaped_forms_of_a_referenced_value_are_masked(referenced):
    for name, form in escaped_forms(referenced).items():
        assert redact(f"Illegal header value b'Bearer {form}'") == "Illegal header value b'Bearer ***'", name


def test_a_value_ending_in_a_newline_is_masked_in_its_repr(monkeypatch):
    monkeypatch.setenv("STAGING_BEARER", "abc-123-def\n")
    Config.from_mapping({"http": {"hosts": {"x.example": {"headers": {"Authorization": "Bearer ${STAGING_BEARER}"}}}}})
    assert redact("Illegal header value b'Bearer abc-123-def\\n'") == "Illegal header value b'Bearer ***'"


def test_a_short_value_is_masked_only_as_a_whole_word(monkeypatch):
    monkeypatch.setenv("SHORT_PIN", "4711")
    Config.from_mapping({"http": {"hosts": {"x.example": {"headers": {"X-Pin": "${SHORT_PIN}"}}}}})
    assert redact("pin 4711 refused; order 947112 kept") == "pin *** refused; order 947112 kept"


@pytest.mark.parametrize(
    "url, shown",
    [
        ("https://user:pa55word@shop.example/", "https://user:***@shop.example/"),
        ("ftp://:pa55word@files.example/x", "ftp://:***@files.example/x"),
        ("http:\\\\user:pa55word@shop.example/", "http:\\\\user:***@shop.example/"),
        ("http:user:pa55word@shop.example/", "http:user:***@shop.example/"),
        ("redis://default:pa55word@cache.example:6379/0", "redis://default:***@cache.example:6379/0"),
    ],
)
def test_url_passwords_are_masked(url, shown):
    assert redact(f"Broken link at {url} (404)") == f"Broken link at {shown} (404)"


def test_an_address_without_a_password_is_left_alone():
    text = "Write to support@shop.example or see https://user@shop.example/ and mailto:a@b.example"
    assert redact(text) == text


def test_every_writer_redacts_every_field_of_a_report_it_did_not_get_from_the_engine(referenced):
    url = f"https://shop.example/cb?t={quote(referenced, safe='')}"
    finding = Finding(
        message=f"server said {referenced!r}",
        span=Span(2, 1, 2, 5),
        snippet=f'<a href="{url}">',
        suggestion=f"use {json.dumps(referenced)}",
        severity=Severity.ERROR,
        code="LNK001",
        rule="broken-link",
        data={"final_url": url, "redirects": [url, "https://u:pw1234@shop.example/"], "nested": {"k": referenced}},
        path="welcome.html",
    )
    report = Report(files=[FileResult(path="welcome.html", findings=[finding])], extra={"note": referenced})
    for name in FORMATS:
        stream = io.StringIO()
        get_writer(name)(report, stream)
        text = stream.getvalue()
        for form_name, form in escaped_forms(referenced).items():
            assert form not in text, (name, form_name)
        assert "pw1234" not in text, name
    assert report.findings[0] is finding  # the caller's report is not changed
    for text in (report.to_json(), json.dumps(report.to_sarif())):
        assert all(form not in text for form in escaped_forms(referenced).values())


def test_a_batch_report_in_json_is_redacted(referenced, tmp_path):
    from oopslint import lint_batch

    template = tmp_path / "receipt.html"
    template.write_text('<!doctype html><html lang="en"><body><p>Hi {{ name }}</p></body></html>\n')
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"name": "Ann"}) + "\n" + "{not json\n")
    report = lint_batch(template, rows)
    report.batch.path = f"https://shop.example/?t={referenced}"
    for text in (report.to_json(), json.dumps(report.to_dict())):
        assert all(form not in text for form in escaped_forms(referenced).values())
