"""LNK005 insecure-link: Link or image uses http:// instead of https://."""

from __future__ import annotations

import pytest
from oopslint_testing import assert_read

from oopslint import Linter

from .offline_helpers import OFFLINE, email_with, lint


@pytest.mark.parametrize("name", ["action", "alert"])
def test_clean_mailgun_emails_are_quiet_apart_from_plain_http(corpus, name):
    report = Linter({"select": OFFLINE}, mode="rendered", offline=True).lint_paths(
        [str(corpus / "mailgun" / f"{name}.source.html")]
    )
    assert {f.code for f in report.findings} <= {"LNK005"}


def test_insecure_link_with_suggestion_and_position():
    report = lint(email_with('<p><a href="http://shop.acme.com/sale">Sale</a></p>'), select=["LNK005"])
    (finding,) = report.findings
    assert (finding.line, finding.column, finding.suggestion) == (3, 13, "https://shop.acme.com/sale")


def test_insecure_link_checks_the_literal_part_of_a_templated_url():
    html = email_with(
        '<a href="http://{{ domain }}/orders">Orders</a> <a href="{{ url }}">x</a> '
        '<a href="https://{{ domain }}/x">y</a>'
    )
    assert [f.message for f in lint(html, mode="template", select=["LNK005"]).findings] == [
        "Insecure link: http://{{ domain }}/orders uses http://; use https://"
    ]


def test_https_links_and_images_are_not_insecure():
    html = email_with('<img src="https://cdn.acme.com/a.png" alt=""><a href="https://acme.com">A</a>')
    assert lint(html, select=["LNK005"]).findings == []


def test_http_image_sources_are_insecure_too():
    html = email_with(
        '<img src="http://cdn.acme.com/a.png" alt="">\n'
        '<td background="http://cdn.acme.com/bg.png"></td>\n'
        '<a href="https://acme.com">A</a>'
    )
    assert [(f.line, f.column, f.message, f.suggestion) for f in lint(html, select=["LNK005"]).findings] == [
        (3, 11, "Insecure image: http://cdn.acme.com/a.png uses http://; use https://", "https://cdn.acme.com/a.png"),
        (4, 17, "Insecure image: http://cdn.acme.com/bg.png uses http://; use https://", "https://cdn.acme.com/bg.png"),
    ]


def test_http_image_in_a_real_template_is_reported_at_its_src(corpus):
    source = (corpus / "mailgun" / "action.source.html").read_text(encoding="utf-8")
    html = source.replace(
        '<td class="content">',
        '<td class="content"><img src="http://cdn.mailgun.com/logo.png" alt="Mailgun" width="120">',
        1,
    )
    assert html != source
    report = lint(html, select=["LNK005"])
    images = [f for f in report.findings if f.data["url"] == "http://cdn.mailgun.com/logo.png"]
    line = html[: html.index('<img src="http://cdn.mailgun')].count("\n") + 1
    assert [(f.line, f.message) for f in images] == [
        (line, "Insecure image: http://cdn.mailgun.com/logo.png uses http://; use https://")
    ]


def test_http_placeholder_link_gets_one_finding_that_names_both_problems(corpus):
    path = corpus / "postmark" / "receipt.source.html"
    report = assert_read(
        Linter({"select": ["LNK005", "LNK006"]}, mode="template", offline=True).lint_paths([str(path)])
    )
    at_button = [(f.code, f.message) for f in report.findings if f.line == 474]
    assert at_button == [
        (
            "LNK006",
            "Link points at a placeholder: example.com is a reserved example domain, a placeholder "
            "rather than a real site; it also uses http:// instead of https:// (LNK005)",
        )
    ]


def test_an_allowed_host_is_production_so_plain_http_to_it_is_insecure():
    html = email_with('<a href="http://dev.acme.com/orders">Orders</a>')
    report = lint(html, select=["LNK005", "LNK006"], links={"allowed_hosts": ["dev.acme.com"]})
    assert [(f.code, f.message) for f in report.findings] == [
        ("LNK005", "Insecure link: http://dev.acme.com/orders uses http://; use https://")
    ]
    without = lint(html, select=["LNK005", "LNK006"])
    assert [f.code for f in without.findings] == ["LNK006"]
    assert without.findings[0].message.endswith("; it also uses http:// instead of https:// (LNK005)")
