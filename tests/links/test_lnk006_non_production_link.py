"""LNK006 non-production-link: Link or image points at a non-production host."""

from __future__ import annotations

import pytest

from .offline_helpers import email_with, lint


@pytest.mark.parametrize(
    "url,severity,fragment",
    [
        ("http://localhost:3000/x", "error", "localhost is this computer"),
        ("http://127.0.0.1/x", "error", "127.0.0.1 is this computer (loopback)"),
        ("http://[::1]/x", "error", "::1 is this computer (loopback)"),
        ("http://10.1.2.3/x", "error", "10.1.2.3 is a private network address"),
        ("http://192.168.1.20/x", "error", "192.168.1.20 is a private network address"),
        ("http://169.254.169.254/latest", "error", "169.254.169.254 is a link-local address"),
        ("https://shop.local/x", "error", "shop.local is an internal name (.local)"),
        ("https://api.corp.internal/x", "error", "api.corp.internal is an internal name (.internal)"),
        ("https://acme.test/x", "error", "acme.test is an internal name (.test)"),
        ("https://intranet/x", "error", "intranet is a bare host name"),
        ("https://ab12-34.ngrok-free.app/x", "error", "development tunnel (ngrok-free.app)"),
        ("https://quiet-sun.trycloudflare.com/", "error", "development tunnel (trycloudflare.com)"),
        ("https://staging.acme.com/x", "error", "staging.acme.com looks like a staging host (staging.)"),
        ("https://shop-staging.acme.co.uk/x", "error", "looks like a staging host (shop-staging.)"),
        ("https://uat.acme.com/x", "error", "looks like a staging host (uat.)"),
        ("https://dev.acme.com/x", "warning", "dev.acme.com looks like a development or test host (dev.)"),
        ("https://www.example.org/x", "error", "www.example.org is a reserved example domain"),
        ("https://shop.example/x", "error", "shop.example is a reserved example domain"),
    ],
)
def test_non_production_hosts(url, severity, fragment):
    report = lint(email_with(f'<a href="{url}">Open</a>'), select=["LNK006"])
    (finding,) = report.findings
    assert str(finding.severity) == severity
    assert fragment in finding.message


@pytest.mark.parametrize(
    "url",
    [
        "https://dev.to/acme",
        "https://developer.apple.com/",
        "https://test.com/",
        "https://acme.com/staging-notes",
        "https://www.acme.co.uk/",
        "https://8.8.8.8/",
        "https://acme.dev/",
        "mailto:dev@staging.acme.com",
        "https://local-news.paper.com/",
    ],
)
def test_production_hosts_are_not_reported(url):
    assert lint(email_with(f'<a href="{url}">Open</a>'), select=["LNK006"]).findings == []


def test_placeholder_domains_are_a_warning_in_templates_and_allowed_hosts_are_exempt():
    html = email_with('<a href="https://example.com">Acme</a> <a href="https://dev.acme.com/x">Docs</a>')
    assert [str(f.severity) for f in lint(html, mode="template", select=["LNK006"]).findings] == ["warning", "warning"]
    assert lint(html, select=["LNK006"], links={"allowed_hosts": ["example.com", "*.acme.com"]}).findings == []


def test_non_production_host_in_a_templated_url_and_images():
    html = email_with(
        '<a href="https://staging.acme.com/{{ path }}">x</a>'
        '<td background="http://localhost/bg.png"></td>'
        "<div style=\"background-image:url('http://192.168.0.5/hero.jpg')\"></div>"
    )
    messages = [f.message for f in lint(html, mode="template", select=["LNK006"]).findings]
    assert messages == [
        "Link points at a non-production host: staging.acme.com looks like a staging host (staging.)",
        "Image points at a non-production host: localhost is this computer (localhost); "
        "it also uses http:// instead of https:// (LNK005)",
        "Image points at a non-production host: 192.168.0.5 is a private network address; "
        "it also uses http:// instead of https:// (LNK005)",
    ]
