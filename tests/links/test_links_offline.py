"""LNK005-LNK011: the checks that read the email only (and so run with --offline)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from oopslint import Linter
from oopslint_testing import assert_read

from .linkserver import FIXTURES

OFFLINE = ["LNK005", "LNK006", "LNK007", "LNK008", "LNK009", "LNK010", "LNK011"]


def lint(html: str, *, mode: str = "rendered", links: dict | None = None, select=OFFLINE):
    config: dict = {"select": list(select)}
    if links:
        config["links"] = links
    return assert_read(Linter(config, mode=mode, offline=True).lint(html, path="email.html"))


def email_with(body: str) -> str:
    return f'<!doctype html>\n<html lang="en"><body>\n{body}\n</body></html>\n'


def found(report) -> list[tuple[str, str, str]]:
    assert_read(report)
    return [(f.code, str(f.severity), f.message) for f in report.findings]


# ------------------------------------------------------------------ a realistic bad email


def test_every_offline_rule_fires_on_a_real_template_with_injected_faults():
    report = Linter({"select": OFFLINE}, mode="template", offline=True).lint_paths(
        [str(FIXTURES / "postmark" / "welcome-bad-links.html")])
    assert [(f.code, f.line, f.column, str(f.severity), f.message) for f in report.findings] == [
        ("LNK006", 447, 26, "warning",
         "Link points at a placeholder: example.com is a reserved example domain, a placeholder rather than a real site"),
        ("LNK006", 462, 62, "error", "Link points at a non-production host: localhost is this computer (localhost)"),
        ("LNK006", 463, 35, "error",
         "Image points at a non-production host: staging.acme.com looks like a staging host (staging.)"),
        ("LNK007", 480, 56, "error",
         "Malformed link: www.acme.com/getting-started has no https://, so it is read as a relative path"),
        ("LNK007", 480, 130, "error",
         "Malformed link: unknown scheme htps: in htps://acme.com/pricing; did you mean https://?"),
        ("LNK005", 480, 189, "warning", "Insecure link: http://acme.com/blog uses http://; use https://"),
        ("LNK011", 481, 83, "warning", 'Link #login-details points at nothing: no element has id="login-details"'),
        ("LNK008", 527, 77, "error", "Malformed mailto: address 'support@acme': has no top-level domain after the @ (acme)"),
        ("LNK009", 527, 268, "error",
         "Malformed tel: number '1-800-ACME-HELP': contains letters (ACMEHELP); phones dial digits only, "
         "so write the number in digits"),
        ("LNK010", 528, 57, "warning", "Link text shows acme.com but the link goes to acme-support.net"),
    ]
    assert report.exit_code == 1
    assert [f.suggestion for f in report.findings if f.suggestion] == [
        "https://www.acme.com/getting-started", "https://acme.com/pricing", "https://acme.com/blog"]


# ------------------------------------------------------------------ clean real emails


def _summary(report) -> Counter:
    return Counter((f.code, str(f.severity), f.message) for f in report.findings)


def test_clean_corpus_templates_give_no_error(corpus):
    report = Linter({"select": OFFLINE}, mode="template", offline=True).lint_paths(
        sorted(str(p) for p in corpus.glob("*/*.html")))
    assert [f for f in report.findings if str(f.severity) == "error"] == []
    assert report.exit_code == 0
    # what is really there: placeholder example.com links, plain-http links, one empty mailto:
    assert {code for code, _, _ in _summary(report)} == {"LNK005", "LNK006", "LNK008"}
    placeholder = "Link points at a placeholder: example.com is a reserved example domain, a placeholder rather than a real site"
    assert _summary(report)[("LNK006", "warning", placeholder)] == 32
    assert _summary(report)[("LNK008", "warning", 'mailto: link has no address, so it opens an empty draft '
                                                  '(the text says "support@acme.inc")')] == 2
    assert {m for c, _, m in _summary(report) if c == "LNK005"} == {
        f"Insecure link: {url} uses http://; use https://"
        for url in ("http://htmlemail.io", "http://htmlemail.io/blog", "http://twitter.com/mail_gun",
                    "http://www.mailgun.com", "http://www.mailgun.com/")
    }


def test_clean_corpus_rendered_mail_errors_only_on_what_would_really_break(corpus):
    report = Linter({"select": OFFLINE}, mode="rendered", offline=True).lint_paths(
        sorted(str(p) for p in corpus.glob("*/*.html")))
    errors = Counter((f.code, f.message.split(":")[0]) for f in report.findings if str(f.severity) == "error")
    # sent as is, example.com links and an address-less mailto: would reach readers
    assert errors == Counter({("LNK006", "Link points at a placeholder"): 32, ("LNK008", "mailto"): 2})


@pytest.mark.parametrize("name", ["action", "alert"])
def test_clean_mailgun_emails_are_quiet_apart_from_plain_http(corpus, name):
    report = Linter({"select": OFFLINE}, mode="rendered", offline=True).lint_paths(
        [str(corpus / "mailgun" / f"{name}.source.html")])
    assert {f.code for f in report.findings} <= {"LNK005"}


# ------------------------------------------------------------------ LNK005 insecure-link


def test_insecure_link_with_suggestion_and_position():
    report = lint(email_with('<p><a href="http://shop.acme.com/sale">Sale</a></p>'), select=["LNK005"])
    finding, = report.findings
    assert (finding.line, finding.column, finding.suggestion) == (3, 13, "https://shop.acme.com/sale")


def test_insecure_link_checks_the_literal_part_of_a_templated_url():
    html = email_with('<a href="http://{{ domain }}/orders">Orders</a> <a href="{{ url }}">x</a> '
                      '<a href="https://{{ domain }}/x">y</a>')
    assert [f.message for f in lint(html, mode="template", select=["LNK005"]).findings] == [
        "Insecure link: http://{{ domain }}/orders uses http://; use https://"]


def test_insecure_images_and_https_are_not_insecure_links():
    html = email_with('<img src="http://cdn.acme.com/a.png" alt=""><a href="https://acme.com">A</a>')
    assert lint(html, select=["LNK005"]).findings == []


# ------------------------------------------------------------------ LNK006 non-production-link


@pytest.mark.parametrize("url,severity,fragment", [
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
])
def test_non_production_hosts(url, severity, fragment):
    report = lint(email_with(f'<a href="{url}">Open</a>'), select=["LNK006"])
    finding, = report.findings
    assert str(finding.severity) == severity
    assert fragment in finding.message


@pytest.mark.parametrize("url", [
    "https://dev.to/acme", "https://developer.apple.com/", "https://test.com/", "https://acme.com/staging-notes",
    "https://www.acme.co.uk/", "https://8.8.8.8/", "https://acme.dev/", "mailto:dev@staging.acme.com",
    "https://local-news.paper.com/",
])
def test_production_hosts_are_not_reported(url):
    assert lint(email_with(f'<a href="{url}">Open</a>'), select=["LNK006"]).findings == []


def test_placeholder_domains_are_a_warning_in_templates_and_allowed_hosts_are_exempt():
    html = email_with('<a href="https://example.com">Acme</a> <a href="https://dev.acme.com/x">Docs</a>')
    assert [str(f.severity) for f in lint(html, mode="template", select=["LNK006"]).findings] == ["warning", "warning"]
    assert lint(html, select=["LNK006"], links={"allowed_hosts": ["example.com", "*.acme.com"]}).findings == []


def test_non_production_host_in_a_templated_url_and_images():
    html = email_with('<a href="https://staging.acme.com/{{ path }}">x</a>'
                      '<td background="http://localhost/bg.png"></td>'
                      '<div style="background-image:url(\'http://192.168.0.5/hero.jpg\')"></div>')
    messages = [f.message for f in lint(html, mode="template", select=["LNK006"]).findings]
    assert messages == [
        "Link points at a non-production host: staging.acme.com looks like a staging host (staging.)",
        "Image points at a non-production host: localhost is this computer (localhost)",
        "Image points at a non-production host: 192.168.0.5 is a private network address",
    ]


# ------------------------------------------------------------------ LNK007 malformed-url


@pytest.mark.parametrize("url,message,suggestion", [
    ("/account", "Relative link /account: an email has no address to resolve it against; use an absolute https:// URL", None),
    ("account.html", "Relative link account.html: an email has no address", None),
    ("www.acme.com", "Malformed link: www.acme.com has no https://, so it is read as a relative path", "https://www.acme.com"),
    ("acme.com/sale", "Malformed link: acme.com/sale has no https://", "https://acme.com/sale"),
    ("//acme.com/sale", "Protocol-relative link //acme.com/sale: an email has no page to take http or https from", "https://acme.com/sale"),
    ("http//acme.com", "Malformed link: http//acme.com is missing the ':' after http", "http://acme.com"),
    ("https:/acme.com", "Malformed link: https:/acme.com needs // after https:", "https://acme.com"),
    ("https:///acme.com", "Malformed link: https:///acme.com has too many slashes after https:", "https://acme.com"),
    ("htps://acme.com", "Malformed link: unknown scheme htps: in htps://acme.com; did you mean https://?", "https://acme.com"),
    ("htttp://acme.com", "did you mean http://?", "http://acme.com"),
    ("https://acme..com/x", "Malformed link: the host 'acme..com' has an empty part (two dots in a row)", None),
    ("https://ac me.com/x", "has characters a domain name cannot have", None),
    ("https://acme.com:99999/", "Malformed link: https://acme.com:99999/ cannot be parsed", None),
    ("https:///", "Malformed link: https:/// has too many slashes", "https://"),
    ("https://acme.com/a b", "Malformed link: 'https://acme.com/a b' contains whitespace", "https://acme.com/a%20b"),
    ("https:\\\\acme.com", "needs // after https:", None),
    ("javascript:void(0)", "javascript: link: email clients remove scripts, so this link does nothing", None),
    ("file:///C:/Users/me/offer.pdf", "Malformed link: file:///C:/Users/me/offer.pdf is a file on the sender's computer", None),
    ("C:\\Users\\me\\offer.pdf", "is a path on the sender's computer", None),
    ("", "Empty link: the href has no address", None),
])
def test_malformed_urls(url, message, suggestion):
    finding, = lint(email_with(f'<a href="{url}">Open</a>'), select=["LNK007"]).findings
    assert message in finding.message
    if suggestion:
        assert finding.suggestion == suggestion


@pytest.mark.parametrize("url", [
    "https://acme.com/", "https://xn--bcher-kva.example/", "https://bücher.de/", "https://acme.com:8443/x?y=1#z",
    "mailto:a@b.co", "tel:+1555", "sms:+1555", "#top", "https://[2001:db8::1]/", "webcal://acme.com/cal.ics",
    "whatsapp://send?text=hi", "itms-apps://itunes.apple.com/app/id1", "ftp://files.acme.com/x",
    "https://sub_domain.acme.com/", "myapp://open/offer",
])
def test_well_formed_urls_are_not_reported(url):
    assert lint(email_with(f'<a href="{url}">Open</a>'), select=["LNK007"]).findings == []


def test_relative_urls_are_fine_with_a_base_and_images_are_checked_too():
    assert lint(email_with('<base href="https://acme.com/"><a href="/account">x</a>'), select=["LNK007"]).findings == []
    finding, = lint(email_with('<img src="images/logo.png" alt="Acme">'), select=["LNK007"]).findings
    assert finding.message.startswith("Relative image source images/logo.png")
    assert lint(email_with('<img src="cid:logo" alt=""><img src="data:image/png;base64,AAAA" alt="">'),
                select=["LNK007"]).findings == []


def test_empty_href_is_a_warning_in_a_template_and_merge_tags_are_not_judged():
    html = email_with('<a href="">Open</a> <a href="{{ url }}">x</a> <a href="{{ base }}/path">y</a>')
    assert found(lint(html, mode="template", select=["LNK007"])) == [
        ("LNK007", "warning", "Empty link: the href has no address")]


# ------------------------------------------------------------------ LNK008 malformed-mailto


@pytest.mark.parametrize("url,message,suggestion", [
    ("mailto:support@acme", "Malformed mailto: address 'support@acme': has no top-level domain after the @ (acme)", None),
    ("mailto:support.acme.com", "'support.acme.com': has no @", None),
    ("mailto:a@@acme.com", "has more than one @", None),
    ("mailto:a@b.com;c@d.com", "separates addresses with ';' where mailto: uses ','", "mailto:a@b.com,c@d.com"),
    ("mailto:Acme Support <support@acme.com>", "has a display name", "mailto:support@acme.com"),
    ("mailto:sup port@acme.com", "contains a space", "mailto:support@acme.com"),
    ("mailto:.support@acme.com", "has characters an address cannot have before the @", None),
    ("mailto:support@acme..com", "has an invalid domain (acme..com)", None),
    ("mailto:@acme.com", "has nothing before the @", None),
    ("mailto://support@acme.com", "has '//' after mailto:", "mailto:support@acme.com"),
    ("mailto:ok@acme.com?cc=bad-address", "'bad-address': has no @", None),
])
def test_malformed_mailto(url, message, suggestion):
    finding, = lint(email_with(f'<a href="{url}">Email us</a>'), select=["LNK008"]).findings
    assert message in finding.message
    assert finding.suggestion == suggestion


@pytest.mark.parametrize("url", [
    "mailto:support@acme.com", "mailto:a@acme.com,b@acme.co.uk", "mailto:support@acme.com?subject=Hi%20there&body=x",
    "mailto:?to=support@acme.com&subject=Hi", "mailto:%22john%20doe%22@acme.com", "mailto:jörg@bücher.de",
    "mailto:first.last+tag@sub.acme.io", "mailto:{{ support_email }}",
])
def test_good_mailto_links_are_not_reported(url):
    assert lint(email_with(f'<a href="{url}">Email us</a>'), mode="template", select=["LNK008"]).findings == []


def test_mailto_without_address():
    html = email_with('<a href="mailto:">support@acme.com</a>')
    assert found(lint(html, select=["LNK008"])) == [
        ("LNK008", "error", 'mailto: link has no address, so it opens an empty draft (the text says "support@acme.com")')]
    assert found(lint(html, mode="template", select=["LNK008"]))[0][1] == "warning"


# ------------------------------------------------------------------ LNK009 malformed-tel


@pytest.mark.parametrize("url,message", [
    ("tel:1-800-FLOWERS", "contains letters (FLOWERS); phones dial digits only"),
    ("tel:", "has no number"),
    ("tel:+1-555+123", "has a '+' that is not at the start"),
    ("tel:12", "is too short to be a phone number"),
    ("tel:+1234567890123456", "has more than 15 digits"),
    ("tel:+1 (555) 123_4567", "contains characters a phone cannot dial (_)"),
    ("tel://+15551234567", "has '//' after tel:"),
    ("sms:+1555ABC", "contains letters (ABC)"),
])
def test_malformed_tel(url, message):
    finding, = lint(email_with(f'<a href="{url}">Call</a>'), select=["LNK009"]).findings
    assert message in finding.message


@pytest.mark.parametrize("url", [
    "tel:+1-555-123-4567", "tel:+44 20 7946 0958", "tel:(555)%20123-4567", "tel:555.123.4567", "tel:911",
    "tel:+15551234567;ext=42", "tel:+15551234567,,42", "tel:+1 555 123 4567 x42", "sms:+15551234567?body=Hi",
    "sms:?body=Tell%20a%20friend", "tel:*123#",
])
def test_good_phone_links_are_not_reported(url):
    assert lint(email_with(f'<a href="{url}">Call</a>'), select=["LNK009"]).findings == []


# ------------------------------------------------------------------ LNK010 link-text-mismatch


@pytest.mark.parametrize("href,text,message", [
    ("https://acme-login.net/", "www.acme.com", "Link text shows www.acme.com but the link goes to acme-login.net"),
    ("https://evil.example.net/", "https://paypal.com/signin", "Link text shows paypal.com but the link goes to evil.example.net"),
    ("https://acme.com/", "acme.shop", "Link text shows acme.shop but the link goes to acme.com"),
    ("mailto:sales@acme.com", "support@acme.com", "Link text shows support@acme.com but the mailto: link writes to sales@acme.com"),
])
def test_link_text_mismatch(href, text, message):
    findings = lint(email_with(f'<a href="{href}">{text}</a>'), select=["LNK010"]).findings
    if message is None:
        assert findings == []
    else:
        assert [f.message for f in findings] == [message]


@pytest.mark.parametrize("href,text", [
    ("https://www.acme.com/sale", "acme.com"),
    ("https://shop.acme.co.uk/", "www.acme.co.uk"),
    ("https://acme.com/", "Visit acme.com today"),
    ("https://github.com/acme/tool/blob/main/setup.py", "setup.py"),
    ("https://acme.com/", "Node.js"),
    ("https://acme.us12.list-manage.com/track/click?u=1&id=2", "www.acme.com"),
    ("https://click.acme-mail.com/ls/click?upn=abc", "shop.acme.com"),
    ("mailto:Support@Acme.com", "support@acme.com"),
    ("{{ url }}", "www.acme.com"),
    ("https://acme.com/", "{{ shop_domain }}"),
])
def test_matching_or_unjudgeable_link_text_is_not_reported(href, text):
    assert lint(email_with(f'<a href="{href}">{text}</a>'), mode="template", select=["LNK010"]).findings == []


# ------------------------------------------------------------------ LNK011 missing-fragment-target


def test_fragment_targets():
    html = email_with('<a href="#details">Details</a> <a href="#Terms">Terms</a> <a href="#top">Top</a> '
                      '<a href="#faq">FAQ</a> <a href="#">x</a> <a href="#{{ anchor }}">y</a>'
                      '<table id="details"></table><p id="terms"></p><a name="faq"></a>')
    report = lint(html, mode="template", select=["LNK011"])
    assert found(report) == [
        ("LNK011", "warning", 'Link #Terms points at nothing: no element has id="Terms" (there is id="terms")')]
    assert report.findings[0].suggestion == "#terms"


# ------------------------------------------------------------------ options and --offline


def test_exclude_skips_a_url_for_every_lnk_rule():
    html = email_with('<a href="http://localhost:8080/preview">Preview</a>')
    assert lint(html, select=["LNK"], links={"exclude": ["^http://localhost:8080/"]}).findings == []


def test_offline_run_from_the_command_line(cli, tmp_path):
    result = cli("check", "--offline", "--select", "LNK", "--format", "json",
                 str(FIXTURES / "postmark" / "welcome-bad-links.html"))
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["summary"]["offline"] == {"skipped_rules": ["LNK001", "LNK002", "LNK003", "LNK004"], "unchecked_urls": 6}
    assert {f["code"] for f in data["files"][0]["findings"]} == {
        "LNK005", "LNK006", "LNK007", "LNK008", "LNK009", "LNK010", "LNK011"}


def test_explain_prints_the_rule_documentation(cli):
    result = cli("explain", "LNK001")
    assert result.returncode == 0
    out = result.stdout.decode()
    assert "broken-link" in out and "What it does" in out and "Use instead" in out


def test_mailto_without_address_in_the_real_mailgun_billing_template(corpus):
    report = Linter({"select": ["LNK008"]}, mode="template", offline=True).lint_paths(
        [str(corpus / "mailgun" / "billing.source.html")])
    assert [(f.code, str(f.severity), f.message, f.suggestion) for f in report.findings] == [
        ("LNK008", "warning", 'mailto: link has no address, so it opens an empty draft (the text says "support@acme.inc")',
         "mailto:support@acme.inc"),
    ]


def test_fragment_links_in_a_rendered_real_receipt():
    html = (FIXTURES.parent / "template" / "postmark" / "receipt.rendered.html").read_text()
    html = html.replace('<table class="purchase"', '<table id="items" class="purchase"', 1)
    html = html.replace("<h1>Hi Ada,</h1>", '<h1>Hi Ada,</h1><p><a href="#items">Your items</a> · '
                        '<a href="#top">Back to top</a> · <a href="#faq">FAQ</a></p>', 1)
    report = lint(html, select=["LNK011"])
    assert found(report) == [("LNK011", "warning", 'Link #faq points at nothing: no element has id="faq"')]
    line = next(i for i, text in enumerate(html.splitlines(), 1) if 'href="#faq"' in text)
    assert report.findings[0].line == line


def test_fragment_target_that_may_come_from_a_partial_could_not_be_verified():
    html = (FIXTURES.parent / "corpus" / "postmark" / "receipt.source.html").read_text().replace(
        "<h1>Hi {{name}},</h1>", '<h1>Hi {{name}},</h1><p><a href="#faq">FAQ</a></p>{{> faq_section}}', 1)
    report = lint(html, mode="template", select=["LNK011"])
    assert [str(f.severity) for f in report.findings] == ["info"]
    assert "could not be verified" in report.findings[0].message
