"""LNK001-LNK004 against real misbehaving servers on 127.0.0.x."""

from __future__ import annotations

import shutil
import time

import pytest
from oopslint_testing import assert_read

from .linkserver import (
    FIXTURES,
    HANG,
    HUGE,
    RESET,
    Reply,
    codes,
    free_port,
    make_linter,
    page,
)

NETWORK = ("LNK001", "LNK002", "LNK003", "LNK004")


def lint_one(tmp_path, url, *, http=None, links=None, images=()):
    linter = make_linter(tmp_path, http=http, links=links, select=NETWORK)
    html = page(url) if url else page(images=images)
    return assert_read(linter.lint(html, path="email.html"))


def only(report, code):
    assert_read(report)
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1, [(f.code, f.message) for f in report.findings]
    return found[0]


# ------------------------------------------------------------------ fine


def test_200_is_fine_and_checked_with_one_head(tmp_path, server):
    url = server.route("/ok", Reply(200))
    report = lint_one(tmp_path, url)
    assert report.findings == []
    assert [r.method for r in server.requests] == ["HEAD"]
    assert "oopslint/" in server.requests[0].headers["user-agent"]
    assert server.requests[0].headers["user-agent"].startswith("Mozilla/5.0")


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirect_chains_on_one_site_end_fine_and_quiet(tmp_path, server, status):
    server.route("/old", Reply(status, {"Location": "/older"}))
    server.route("/older", Reply(status, {"Location": server.url("/new")}))
    server.route("/new", Reply(200))
    report = lint_one(tmp_path, server.url("/old"))
    assert report.findings == []
    assert server.hits("/new") == 1


def test_redirect_to_another_domain_is_info_with_final_url(tmp_path, servers):
    start, end = servers.start("127.0.0.2"), servers.start("127.0.0.3")
    end.route("/landing", Reply(200))
    url = start.route("/go", Reply(302, {"Location": end.url("/landing")}))
    finding = only(lint_one(tmp_path, url), "LNK004")
    assert str(finding.severity) == "info"
    assert finding.message == f"Link redirects to another domain: {url} -> {end.url('/landing')}"
    assert finding.data["redirects"] == [end.url("/landing")]


def test_click_tracking_wrapper_is_followed_and_destination_judged(tmp_path, servers):
    tracker, shop = servers.start("127.0.0.2"), servers.start("127.0.0.3")
    shop.route("/gone", Reply(404))
    wrapped = tracker.route("/ls/click", Reply(302, {"Location": shop.url("/gone")}))
    url = wrapped + "?upn=" + "abc123"
    report = lint_one(tmp_path, url)
    broken = only(report, "LNK001")
    assert broken.message == f"Broken link: 404 Not Found at {shop.url('/gone')} (1 redirect from {url})"
    assert "LNK004" not in codes(report)  # a broken destination is reported once, as broken


def test_meta_refresh_wrapper_is_followed(tmp_path, servers):
    tracker, shop = servers.start("127.0.0.2"), servers.start("127.0.0.3")
    shop.route("/product", Reply(200))
    body = f'<html><head><meta http-equiv="refresh" content="0; url={shop.url("/product")}"></head></html>'.encode()
    url = tracker.route("/c", Reply(200, body=body)) + "?u=" + "https%3A%2F%2Fshop.example%2Fproduct"
    finding = only(lint_one(tmp_path, url), "LNK004")
    assert finding.message == f"Click-tracking link leads to {shop.url('/product')}"


# ------------------------------------------------------------------ broken


def test_redirect_loop_is_broken(tmp_path, server):
    server.route("/a", Reply(302, {"Location": "/b"}))
    server.route("/b", Reply(302, {"Location": "/a"}))
    finding = only(lint_one(tmp_path, server.url("/a")), "LNK001")
    assert finding.message.startswith(
        f"Broken link: redirect loop: {server.url('/a')} -> {server.url('/b')} -> {server.url('/a')}"
    )
    assert finding.data["error"] == "redirect-loop"


def test_more_than_ten_redirects_is_broken(tmp_path, server):
    for n in range(12):
        server.route(f"/hop{n}", Reply(302, {"Location": f"/hop{n + 1}"}))
    server.route("/hop12", Reply(200))
    finding = only(lint_one(tmp_path, server.url("/hop0")), "LNK001")
    assert "more than 10 redirects" in finding.message
    assert server.hits("/hop11") == 0


@pytest.mark.parametrize("status,text", [(404, "404 Not Found"), (410, "410 Gone")])
def test_404_and_410_are_broken_with_status_and_url(tmp_path, server, status, text):
    url = server.route("/missing", Reply(status))
    report = lint_one(tmp_path, url)
    finding = only(report, "LNK001")
    assert finding.message == f"Broken link: {text} at {url}"
    assert str(finding.severity) == "error"
    assert (finding.line, finding.column) == (3, 13)
    assert report.exit_code == 1
    # HEAD said no; GET confirmed it before calling the link broken
    assert [r.method for r in server.requests] == ["HEAD", "GET"]


def test_500_then_200_on_retry_is_fine(tmp_path, server):
    url = server.route("/flaky", Reply(500), Reply(500), Reply(200))
    assert lint_one(tmp_path, url).findings == []
    assert server.hits("/flaky") == 3


def test_503_always_is_broken_after_retries(tmp_path, server):
    url = server.route("/down", Reply(503))
    finding = only(lint_one(tmp_path, url), "LNK001")
    assert finding.message == f"Broken link: 503 Service Unavailable after 3 attempts at {url}"
    assert finding.data["attempts"] == 3


def test_429_with_retry_after_then_200_ends_fine(tmp_path, server):
    url = server.route("/busy", Reply(429, {"Retry-After": "1"}), Reply(200))
    started = time.monotonic()
    report = lint_one(tmp_path, url)
    assert report.findings == []
    assert time.monotonic() - started >= 0.9  # it waited as asked
    assert server.hits("/busy") == 2


def test_429_with_http_date_retry_after_is_honoured(tmp_path, server):
    from email.utils import formatdate

    url = server.route("/busy", Reply(429, {"Retry-After": formatdate(time.time() + 1, usegmt=True)}), Reply(200))
    assert lint_one(tmp_path, url).findings == []
    assert server.hits("/busy") == 2


def test_429_forever_could_not_verify_never_broken(tmp_path, server):
    url = server.route("/busy", Reply(429))
    report = lint_one(tmp_path, url)
    finding = only(report, "LNK003")
    assert str(finding.severity) == "warning"
    assert finding.message.startswith(f"Could not verify link: 429 Too Many Requests after 3 attempts at {url}")
    assert "LNK001" not in codes(report)
    assert report.exit_code == 0


def test_retry_after_beyond_the_budget_is_not_waited_for(tmp_path, server):
    url = server.route("/busy", Reply(429, {"Retry-After": "120"}))
    started = time.monotonic()
    report = lint_one(tmp_path, url)
    assert time.monotonic() - started < 2
    assert codes(report) == ["LNK003"]
    assert server.hits("/busy") == 1


def test_head_405_falls_back_to_get(tmp_path, server):
    server.route("/page", handler=lambda request, n: Reply(405) if request.method == "HEAD" else Reply(200))
    assert lint_one(tmp_path, server.url("/page")).findings == []
    assert [r.method for r in server.requests] == ["HEAD", "GET"]


def test_host_that_refuses_head_gets_get_only_afterwards(tmp_path, server):
    handler = lambda request, n: Reply(405) if request.method == "HEAD" else Reply(200)  # noqa: E731
    for name in ("a", "b", "c"):
        server.route(f"/{name}", handler=handler)
    linter = make_linter(tmp_path, select=NETWORK, http={"max_per_host": 1})
    assert linter.lint(page(server.url("/a"), server.url("/b"), server.url("/c"))).findings == []
    assert server.hits(method="HEAD") == 1
    assert server.hits(method="GET") == 3


def test_403_on_head_and_get_could_not_verify(tmp_path, server):
    url = server.route("/private", Reply(403))
    report = lint_one(tmp_path, url)
    finding = only(report, "LNK003")
    assert finding.message == (
        f"Could not verify link: 403 Forbidden at {url}; the site refuses automated checks, so check it in a browser"
    )
    assert [r.method for r in server.requests] == ["HEAD", "GET"]


def test_linkedin_999_could_not_verify(tmp_path, server):
    url = server.route("/company/acme", Reply(999))
    finding = only(lint_one(tmp_path, url), "LNK003")
    assert "LinkedIn refuses automated checks" in finding.message


def test_bot_challenge_page_could_not_verify(tmp_path, server):
    body = b"<html><title>Just a moment...</title><script src='/cdn-cgi/challenge-platform/x.js'></script></html>"
    url = server.route("/shop", Reply(503, {"Server": "cloudflare", "cf-mitigated": "challenge"}, body))
    report = lint_one(tmp_path, url)
    finding = only(report, "LNK003")
    assert "Cloudflare bot check" in finding.message
    assert server.hits("/shop") == 2  # no retries against a challenge


def test_accept_option_turns_a_status_into_fine(tmp_path, server):
    url = server.route("/company/acme", Reply(999))
    assert lint_one(tmp_path, url, links={"accept": [999]}).findings == []
    assert lint_one(tmp_path, url, links={"accept": ["990..=999"]}).findings == []


def test_timeout_is_broken_after_retries(tmp_path, server):
    url = server.route("/slow", HANG)
    started = time.monotonic()
    finding = only(lint_one(tmp_path, url, http={"timeout": 0.3, "retries": 1}), "LNK001")
    assert finding.message == f"Broken link: no response within 0.3 s after 2 attempts at {url}"
    assert time.monotonic() - started < 3


def test_connection_reset_is_broken(tmp_path, server):
    url = server.route("/reset", RESET)
    finding = only(lint_one(tmp_path, url), "LNK001")
    assert finding.message.startswith("Broken link: connection reset by 127.0.0.1:")
    assert finding.data["error"] == "reset"


def test_refused_port_is_broken(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/shop"
    finding = only(lint_one(tmp_path, url), "LNK001")
    assert finding.message == f"Broken link: connection refused by 127.0.0.1:{url.split(':')[2].split('/')[0]} at {url}"
    assert finding.data["attempts"] == 1  # a refused port is not retried


def test_dns_failure_is_broken_when_dns_works(tmp_path):
    finding = only(lint_one(tmp_path, "https://no-such-host.invalid/page"), "LNK001")
    assert (
        finding.message
        == "Broken link: DNS lookup failed: no-such-host.invalid does not exist at https://no-such-host.invalid/page"
    )


def test_dns_failure_without_any_working_dns_could_not_verify(tmp_path):
    report = lint_one(tmp_path, "https://no-such-host.invalid/page", http={"dns_probe_hosts": ["also-missing.invalid"]})
    finding = only(report, "LNK003")
    assert "DNS finds no host at all on this machine" in finding.message


def test_huge_body_is_not_downloaded(tmp_path, server):
    url = server.route("/download", Reply(405), HUGE)
    started = time.monotonic()
    assert lint_one(tmp_path, url).findings == []
    assert time.monotonic() - started < 3
    assert server.bytes_sent < 64 * 1024 * 1024  # of 10 GB offered


def test_broken_image(tmp_path, server):
    url = server.route("/logo.png", Reply(404))
    report = lint_one(tmp_path, None, images=(url,))
    finding = only(report, "LNK002")
    assert finding.message == f"Broken image: 404 Not Found at {url}"


# ------------------------------------------------------------------ SSRF


def test_redirect_into_loopback_is_refused_without_allow_private(tmp_path, servers):
    public = servers.start("127.0.0.2")
    secret = servers.start("127.0.0.1")
    secret.route("/admin", Reply(200))
    url = public.route("/innocent", Reply(302, {"Location": secret.url("/admin")}))
    http = {"allow_private": False, "hosts": {"127.0.0.2": {"allow_private": True}}}
    report = lint_one(tmp_path, url, http=http)
    finding = only(report, "LNK003")
    assert "127.0.0.1 is a private or local address; not connecting" in finding.message
    assert finding.data["final_url"] == secret.url("/admin")
    assert secret.requests == []
    assert "LNK001" not in codes(report)


def test_name_that_resolves_to_loopback_is_refused(tmp_path, server):
    url = server.route("/x", Reply(200)).replace("127.0.0.1", "localhost")
    report = lint_one(tmp_path, url, http={"allow_private": False, "hosts": {}})
    # LNK006 (offline) reports localhost itself; the network rules stay quiet about it
    assert report.findings == []
    assert server.requests == []


# ------------------------------------------------------------------ templated URLs


def test_template_mode_skips_merge_tag_urls_and_checks_a_literal_host(tmp_path, server):
    server.route("/", Reply(404))
    html = page("{{ action_url }}", server.url("/{{ path }}"))
    report = make_linter(tmp_path, select=NETWORK, mode="template").lint(html)
    assert report.findings == []  # the host answered: reachable, whatever the path will be
    assert [r.path for r in server.requests] == ["/", "/"]


def test_templated_link_with_an_unreachable_host_is_reported(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/orders/{{{{ order_id }}}}"
    report = make_linter(tmp_path, select=NETWORK, mode="template").lint(page(url))
    finding = only(report, "LNK001")
    assert finding.message.startswith(f"Unreachable host in templated link {url}: connection refused by 127.0.0.1:")


# ------------------------------------------------------------------ realistic emails


def _remap_fixture(shop, cdn, go, social):
    return [
        f"^https://www\\.acme-shop\\.com {shop.origin}",
        f"^https://cdn\\.acme-shop\\.com {cdn.origin}",
        f"^https://go\\.acme-mail\\.com {go.origin}",
        f"^https://www\\.linkedin\\.com {social.origin}",
    ]


def test_real_email_with_broken_links_and_images(tmp_path, servers):
    shop, cdn, go, social = (servers.start(f"127.0.0.{n}") for n in (2, 3, 4, 5))
    shop.route("/unsubscribe", Reply(200))
    shop.route("/blog/spring", Reply(200))
    cdn.route("/img/spring-banner.jpg", Reply(200))
    go.route("/r/spring", Reply(302, {"Location": shop.url("/blog/spring")}))
    social.route("/company/acme-shop", Reply(999))
    path = tmp_path / "broken-links.html"
    shutil.copy(FIXTURES / "leemunroe" / "broken-links.html", path)
    linter = make_linter(tmp_path, select=NETWORK, links={"remap": _remap_fixture(shop, cdn, go, social)})
    report = linter.lint_paths([str(path)])
    found = [(f.code, f.line, f.column, f.message) for f in report.findings]
    assert found == [
        ("LNK002", 307, 23, f"Broken image: 404 Not Found at {cdn.url('/img/logo-2019.png')}"),
        ("LNK001", 323, 47, f"Broken link: 404 Not Found at {shop.url('/spring-sale')}"),
        ("LNK004", 332, 62, f"Link redirects to another domain: {go.url('/r/spring')} -> {shop.url('/blog/spring')}"),
        (
            "LNK003",
            351,
            37,
            f"Could not verify link: 999 Request denied at {social.url('/company/acme-shop')}; "
            "LinkedIn refuses automated checks, so check it in a browser",
        ),
    ]
    assert report.exit_code == 1
    # every unique URL once, whatever the number of rules asking
    assert shop.hits("/unsubscribe") == 1


def test_clean_corpus_emails_have_no_network_findings(tmp_path, server, corpus):
    for path in ("/", "/blog", "/mail_gun", "/activecampaign/mustachio"):
        server.route(path, Reply(200))
    linter = make_linter(
        tmp_path, select=NETWORK, mode="template", links={"remap": [f"^https?://[^/]+ {server.origin}"]}
    )
    report = linter.lint_paths(sorted(str(p) for p in corpus.glob("*/*.html")))
    assert report.findings == []
    # every literal URL of 30 emails checked once each; merge-tag URLs skipped
    paths = [r.path for r in server.requests]
    assert sorted(paths) == ["/", "/activecampaign/mustachio", "/blog", "/mail_gun"]


def test_redirect_that_leaves_the_web_is_where_the_link_goes(tmp_path, server):
    url = server.route("/app", Reply(302, {"Location": "itms-apps://apps.apple.com/app/id123"}))
    report = lint_one(tmp_path, url)
    assert codes(report) == ["LNK004"]
    assert (
        report.findings[0].message == f"Link redirects to another domain: {url} -> itms-apps://apps.apple.com/app/id123"
    )


def test_4xx_after_a_same_site_redirect_names_the_final_url(tmp_path, server):
    server.route("/old-sale", Reply(301, {"Location": "/sale-2019"}))
    server.route("/sale-2019", Reply(410))
    finding = only(lint_one(tmp_path, server.url("/old-sale")), "LNK001")
    assert finding.message == (
        f"Broken link: 410 Gone at {server.url('/sale-2019')} (1 redirect from {server.url('/old-sale')})"
    )


def test_an_address_that_cannot_be_fetched_is_left_to_malformed_url_or_dead_href(tmp_path):
    linter = make_linter(tmp_path, select=("LNK", "TPL005"))
    report = linter.lint(page("https://", "https://acme..com/x"))
    assert sorted(codes(report)) == ["LNK007", "TPL005"]
