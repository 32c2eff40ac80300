"""The shared client in oopslint.http: cache, pacing, budget, SSRF guard,
credentials, cookies, the JSON API, the progress bar and its configuration."""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess
import time

import pytest

from oopslint import ConfigError, Linter, http

from .linkserver import FAST_HTTP, HANG, Reply, codes, make_linter, page

NETWORK = ("LNK001", "LNK002", "LNK003", "LNK004")

# Tests that count the requests a server received: a timeout no loaded machine
# reaches, so a slow answer is never retried and counted twice.
PATIENT = {"timeout": 30.0}


def run(coro):
    return asyncio.run(coro)


async def check_all(urls, **options):
    settings = {**FAST_HTTP, **options}
    async with http.session(settings, use_cache=False) as client:
        return await asyncio.gather(*(client.check(url) for url in urls))


# ------------------------------------------------------------------ cache and memory


def test_second_run_is_served_from_the_cache_with_zero_requests(tmp_path, server):
    urls = [server.route(f"/page{n}", Reply(200)) for n in range(5)]
    html = page(*urls)
    first = make_linter(tmp_path, select=NETWORK, use_cache=True, http=PATIENT).lint(html)
    assert first.findings == []
    assert len(server.requests) == 5
    second = make_linter(tmp_path, select=NETWORK, use_cache=True, http=PATIENT).lint(html)  # a new process, in effect
    assert second.findings == []
    assert len(server.requests) == 5
    assert (tmp_path / "links.sqlite3").is_file()


def test_no_cache_checks_again(tmp_path, server):
    url = server.route("/page", Reply(200))
    make_linter(tmp_path, select=NETWORK, use_cache=True, http=PATIENT).lint(page(url))
    make_linter(tmp_path, select=NETWORK, use_cache=False, http=PATIENT).lint(page(url))
    assert server.hits("/page") == 2


@pytest.mark.parametrize("replies", [(Reply(404),), (Reply(503),), (Reply(429),), (HANG,)])
def test_failures_are_not_cached(tmp_path, server, replies):
    url = server.route("/bad", *replies)
    http_options = {"timeout": 0.2, "retries": 0}
    make_linter(tmp_path, select=NETWORK, use_cache=True, http=http_options).lint(page(url))
    before = server.hits("/bad")
    report = make_linter(tmp_path, select=NETWORK, use_cache=True, http=http_options).lint(page(url))
    assert server.hits("/bad") > before
    assert report.findings  # still reported, freshly checked


def test_cache_entries_expire_after_the_ttl(tmp_path, server):
    url = server.route("/page", Reply(200))
    make_linter(tmp_path, select=NETWORK, use_cache=True, http={**PATIENT, "cache_ttl": 0.3}).lint(page(url))
    time.sleep(0.4)
    make_linter(tmp_path, select=NETWORK, use_cache=True, http={**PATIENT, "cache_ttl": 0.3}).lint(page(url))
    assert server.hits("/page") == 2


def test_cache_path_may_name_a_folder(tmp_path, server):
    url = server.route("/page", Reply(200))
    folder = tmp_path / "cache-folder"
    folder.mkdir()
    linter = Linter({"select": list(NETWORK), "http": FAST_HTTP}, cache_path=str(folder))
    linter.lint(page(url))
    assert (folder / "links.sqlite3").is_file()


def test_an_unwritable_cache_does_not_fail_the_run(tmp_path, server):
    url = server.route("/page", Reply(200))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    linter = Linter({"select": list(NETWORK), "http": FAST_HTTP}, cache_path=str(blocker / "links.sqlite3"))
    assert linter.lint(page(url)).findings == []


def test_one_linter_remembers_results_between_runs(tmp_path, server):
    url = server.route("/page", Reply(200))
    linter = make_linter(tmp_path, select=NETWORK, use_cache=False, http=PATIENT)
    linter.lint(page(url))
    linter.lint(page(url, url))
    assert server.hits("/page") == 1


def test_one_url_in_many_emails_and_rules_is_fetched_once(tmp_path, server):
    url = server.route("/shared", Reply(200))
    html = page(url, url) + f'<img src="{url}" alt="">'
    report = make_linter(tmp_path, select=NETWORK, http=PATIENT).lint_many(
        [(html, f"e{n}.html", None, None) for n in range(5)]
    )
    assert report.findings == []
    assert server.hits("/shared") == 1


# ------------------------------------------------------------------ pacing and budget


def test_per_host_concurrency_limit(tmp_path, server):
    urls = [server.route(f"/slow{n}", Reply(200, delay=0.2)) for n in range(6)]
    started = time.monotonic()
    run(check_all(urls, max_per_host=2))
    assert time.monotonic() - started >= 0.55  # three rounds of two


def test_global_concurrency_limit(tmp_path, servers):
    hosts = [servers.start(f"127.0.0.{n}") for n in (2, 3, 4)]
    urls = [host.route("/slow", Reply(200, delay=0.2)) for host in hosts]
    started = time.monotonic()
    run(check_all(urls, max_concurrency=1))
    assert time.monotonic() - started >= 0.55


def test_min_interval_between_requests_to_one_host(tmp_path, servers):
    one, other = servers.start("127.0.0.2"), servers.start("127.0.0.3")
    urls = [one.route(f"/p{n}", Reply(200)) for n in range(4)] + [other.route("/p", Reply(200))]
    started = time.monotonic()
    run(check_all(urls, min_interval=0.15))
    assert time.monotonic() - started >= 0.4  # 3 gaps on one host; the other host does not wait


def test_a_url_queued_while_the_host_answers_slowly_goes_out_at_its_turn_not_after_the_answer(server):
    # The first check to a host is in flight when more URLs to that host arrive
    # (a second rule, a second email, a long email's later links): the next one
    # goes out once the interval has passed, not when the first answer is back.
    arrived: dict[str, float] = {}

    def slow(request, n):
        arrived[request.path] = time.monotonic()
        return Reply(200, delay=0.6)

    urls = [server.route(f"/slow{n}", handler=slow) for n in range(3)]

    async def scenario():
        settings = {**FAST_HTTP, "min_interval": 0.05, "timeout": 30.0}
        async with http.session(settings, use_cache=False) as client:
            first = asyncio.ensure_future(client.check(urls[0]))
            await asyncio.sleep(0.15)  # it went out and waits for its answer
            later = await client.check_all(urls[1:])
            return [await first, *later]

    results = run(scenario())
    assert [result.status for result in results] == [200, 200, 200]
    assert arrived["/slow1"] - arrived["/slow0"] < 0.45  # before the first answer (0.6 s)
    # an interval apart, not an answer apart; the server notes each arrival when its own
    # loop gets to it, a few milliseconds either way (the gate's interval is tested on the
    # client's clock in test_links_pacing.py)
    assert 0.04 <= arrived["/slow2"] - arrived["/slow1"] < 0.45


def test_a_429_holds_back_the_whole_host(tmp_path, server):
    server.route("/a", Reply(429, {"Retry-After": "1"}), Reply(200))
    server.route("/b", Reply(200, delay=0.0))
    results = run(check_all([server.url("/a"), server.url("/b")], max_per_host=1))
    assert all(r.ok for r in results)


def test_the_time_budget_caps_the_run(tmp_path, server):
    url = server.route("/slow", HANG)
    started = time.monotonic()
    report = make_linter(tmp_path, select=NETWORK, http={"timeout": 5.0, "budget": 0.5}).lint(page(url))
    assert time.monotonic() - started < 2
    finding = report.findings[0]
    assert finding.code == "LNK003"
    assert finding.message == "Could not verify link: the 0.5 s time budget for network checks ran out"


# ------------------------------------------------------------------ SSRF guard


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]:9/",
        "http://0.0.0.0:9/",
        "http://10.0.0.1/",
        "http://[::1]:9/",
        "http://localhost:9/",
    ],
)
def test_private_addresses_are_never_connected_to(url):
    (result,) = run(check_all([url], allow_private=False))
    assert result.error == "blocked"
    assert "private or local address; not connecting" in result.detail


def test_allow_private_per_host(server):
    url = server.route("/ok", Reply(200))
    (result,) = run(check_all([url], allow_private=False, hosts={"127.0.0.1": {"allow_private": True}}))
    assert result.ok


# ------------------------------------------------------------------ credentials and cookies


def test_headers_per_host_come_from_the_environment_and_stay_on_their_host(tmp_path, servers, monkeypatch):
    monkeypatch.setenv("LNK_STAGING_TOKEN", "s3cr3t-staging-token")
    staging, elsewhere = servers.start("127.0.0.2"), servers.start("127.0.0.3")
    elsewhere.route("/landing", Reply(200))
    staging.route(
        "/private",
        handler=lambda request, n: (
            Reply(200) if request.headers.get("authorization") == "Bearer s3cr3t-staging-token" else Reply(401)
        ),
    )
    staging.route("/out", Reply(302, {"Location": elsewhere.url("/landing")}))
    hosts = {"127.0.0.2": {"headers": {"Authorization": "Bearer ${LNK_STAGING_TOKEN}"}}}
    report = make_linter(tmp_path, select=NETWORK, http={"hosts": hosts}).lint(
        page(staging.url("/private"), staging.url("/out"), elsewhere.url("/landing"))
    )
    assert codes(report) == ["LNK004"]  # the redirect to another host; /private worked with its token
    assert all("authorization" not in r.headers for r in elsewhere.requests)
    assert "s3cr3t-staging-token" not in report.to_json()


def test_a_missing_environment_variable_is_named_not_guessed(tmp_path, server, monkeypatch):
    monkeypatch.delenv("LNK_MISSING_TOKEN", raising=False)
    url = server.route("/private", Reply(200))
    hosts = {"127.0.0.1": {"headers": {"Authorization": "Bearer ${LNK_MISSING_TOKEN}"}}}
    report = make_linter(tmp_path, select=NETWORK, http={"hosts": hosts}).lint(page(url))
    assert [f.message for f in report.findings] == [
        "Could not verify link: the Authorization header for 127.0.0.1 needs the environment variable "
        "LNK_MISSING_TOKEN, which is not set"
    ]
    assert server.requests == []


def test_url_credentials_are_not_forwarded_to_another_host(servers):
    first, second = servers.start("127.0.0.2"), servers.start("127.0.0.3")
    second.route("/next", Reply(200))
    first.route("/start", Reply(302, {"Location": second.url("/next")}))
    url = first.url("/start").replace("http://", "http://user:pass@")
    (result,) = run(check_all([url]))
    assert result.ok
    assert first.requests[0].headers["authorization"].startswith("Basic ")
    assert "authorization" not in second.requests[0].headers


def test_cookies_live_for_one_redirect_chain_only(server):
    def gate(request, n):
        if "visited=1" in request.headers.get("cookie", ""):
            return Reply(200)
        return Reply(302, {"Location": "/gate", "Set-Cookie": "visited=1; Path=/"})

    server.route("/gate", handler=gate)
    server.route("/other", Reply(200))
    first, second = run(check_all([server.url("/gate"), server.url("/other")], max_per_host=1))
    assert first.ok and first.error is None  # the cookie dance is not a redirect loop
    other = [r for r in server.requests if r.path == "/other"]
    assert other and all("cookie" not in r.headers for r in other)


# ------------------------------------------------------------------ TLS


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(folder / "key.pem"),
            "-out",
            str(folder / "cert.pem"),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return folder / "cert.pem", folder / "key.pem"


def test_tls_errors_are_broken_and_named(tmp_path, servers, self_signed):
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, self_signed))
    secure = servers.start("127.0.0.1", tls=context)
    url = secure.route("/", Reply(200))
    report = make_linter(tmp_path, select=NETWORK).lint(page(url))
    assert codes(report) == ["LNK001"]
    assert report.findings[0].message.startswith(
        f"Broken link: TLS error talking to 127.0.0.1:{secure.port}: certificate verify failed: self-signed certificate at {url}"
    )
    trusted = make_linter(tmp_path, select=NETWORK, http={"ca_bundle": str(self_signed[0])}).lint(page(url))
    assert trusted.findings == []
    unverified = make_linter(tmp_path, select=NETWORK, http={"hosts": {"127.0.0.1": {"verify_tls": False}}}).lint(
        page(url)
    )
    assert unverified.findings == []


# ------------------------------------------------------------------ the JSON API for other rules


def test_get_json_with_secret_header_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("LNK_API_KEY", "key-1234567890")
    server.route(
        "/v1/coupons/SAVE10",
        handler=lambda request, n: (
            Reply(200, {"Content-Type": "application/json"}, b'{"code": "SAVE10", "active": true}')
            if request.headers.get("x-api-key") == "key-1234567890"
            else Reply(401)
        ),
    )

    async def main():
        async with http.session(FAST_HTTP, use_cache=False):
            return await http.client().get_json(
                server.url("/v1/coupons/SAVE10"), headers={"X-Api-Key": "${LNK_API_KEY}"}
            )

    assert run(main()) == {"code": "SAVE10", "active": True}


def test_http_errors_name_the_status_and_hide_query_and_credentials(server):
    server.route("/v1/coupons", Reply(404))

    async def main():
        async with http.session(FAST_HTTP, use_cache=False) as client:
            await client.get_json(server.url("/v1/coupons").replace("http://", "http://user:pw@") + "?api_key=abc123")

    with pytest.raises(http.HttpError) as caught:
        run(main())
    assert str(caught.value) == f"GET {server.url('/v1/coupons')} answered 404 Not Found"
    assert caught.value.status == 404 and caught.value.kind == "status"
    assert "abc123" not in str(caught.value) and "pw" not in str(caught.value)


def test_post_json_is_retried_only_when_the_server_did_nothing(server):
    server.route("/v1/redeem", Reply(503), Reply(200, {"Content-Type": "application/json"}, b'{"ok": true}'))
    server.route("/v1/charge", Reply(500), Reply(200))

    async def main():
        async with http.session(FAST_HTTP, use_cache=False) as client:
            redeemed = await client.post_json(server.url("/v1/redeem"), {"code": "SAVE10"})
            with pytest.raises(http.HttpError):
                await client.post_json(server.url("/v1/charge"), {"amount": 1})
            return redeemed

    assert run(main()) == {"ok": True}
    assert server.hits("/v1/redeem") == 2
    assert server.hits("/v1/charge") == 1


def test_responses_that_are_not_json_or_too_large(server):
    server.route("/html", Reply(200, body=b"<html>not json</html>"))
    server.route("/big", Reply(200, body=b"[" + b"1," * 5000 + b"1]"))

    async def main():
        async with http.session(FAST_HTTP, use_cache=False) as client:
            with pytest.raises(http.HttpError) as not_json:
                await client.get_json(server.url("/html"))
            with pytest.raises(http.HttpError) as too_big:
                await client.request("GET", server.url("/big"), max_bytes=1000)
            return not_json.value, too_big.value

    not_json, too_big = run(main())
    assert not_json.kind == "json" and too_big.kind == "too-large"


def test_client_outside_a_session_says_how_to_get_one():
    with pytest.raises(RuntimeError, match="outside a lint run"):
        http.client()


# ------------------------------------------------------------------ progress and configuration


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal(tmp_path, server, monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    urls = [server.route(f"/p{n}", Reply(200)) for n in range(12)]
    make_linter(tmp_path, select=NETWORK, http={"progress": True}).lint(page(*urls))
    out = terminal.getvalue()
    assert "oopslint: checking links [" in out and "12/12" in out
    assert out.endswith("\r\x1b[K")  # the line is cleared afterwards


def test_no_progress_bar_for_a_handful_or_off_a_terminal(tmp_path, server, monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    urls = [server.route(f"/p{n}", Reply(200)) for n in range(3)]
    make_linter(tmp_path, select=NETWORK, http={"progress": True}).lint(page(*urls))
    assert terminal.getvalue() == ""


@pytest.mark.parametrize(
    "options,message",
    [
        ({"timeout": -1}, "[http] timeout must be a number above 0, got -1"),
        ({"retries": 1.5}, "http.retries must be a whole number, got 1.5"),
        ({"max_per_host": 0}, "[http] max_per_host must be a whole number of 1 or more, got 0"),
        ({"hosts": {"shop.example": {"timeot": 3}}}, "unknown option 'timeot' in [http] hosts.\"shop.example\""),
        ({"hosts": {"shop.example": {"headers": {"Bad Header": "x"}}}}, "'Bad Header' is not a valid header name"),
        ({"ca_bundle": "/no/such/file.pem"}, "[http] ca_bundle: '/no/such/file.pem' is not a file"),
    ],
)
def test_bad_http_options_are_configuration_errors(tmp_path, server, options, message):
    url = server.route("/ok", Reply(200))
    with pytest.raises(ConfigError) as caught:
        make_linter(tmp_path, select=NETWORK, http=options).lint(page(url))
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "links,message",
    [
        ({"accept": ["20x"]}, "[links] accept: '20x' is not a status code"),
        ({"exclude": ["("]}, "[links] exclude: '(' is not a valid regular expression"),
        ({"remap": ["only-one-part"]}, "[links] remap: 'only-one-part' must be \"REGEX REPLACEMENT\""),
    ],
)
def test_bad_links_options_are_configuration_errors(tmp_path, server, links, message):
    url = server.route("/ok", Reply(200))
    with pytest.raises(ConfigError) as caught:
        make_linter(tmp_path, select=NETWORK, links=links).lint(page(url))
    assert message in str(caught.value)


def test_exclude_and_include_patterns(tmp_path, server):
    skipped = server.route("/skip/me", Reply(404))
    kept = server.route("/skip/but-check", Reply(404))
    report = make_linter(tmp_path, select=NETWORK, links={"exclude": ["/skip/"], "include": ["but-check"]}).lint(
        page(skipped, kept)
    )
    assert [f.data["url"] for f in report.findings] == [kept]
    assert server.hits("/skip/me") == 0


def test_per_host_overrides_pick_the_most_specific_entry(servers):
    # The answer comes after 0.5 s: a 0.1 s timeout always fires first, a 30 s one
    # never does, however loaded the machine; so which entry applied is certain.
    slow = servers.start("127.0.0.2")
    slow.route("/wait", Reply(200, delay=0.5))
    host_wins = run(
        check_all(
            [slow.url("/wait")],
            timeout=0.1,
            retries=0,
            hosts={"127.0.0.2": {"timeout": 30.0}, f"127.0.0.2:{slow.port + 1}": {"timeout": 0.1}},
        )
    )
    assert host_wins[0].ok  # the host entry, not the base, nor the entry for another port
    port_wins = run(
        check_all(
            [slow.url("/wait")],
            timeout=30.0,
            retries=0,
            hosts={"127.0.0.2": {"timeout": 30.0}, f"127.0.0.2:{slow.port}": {"timeout": 0.1}},
        )
    )
    assert port_wins[0].error == "timeout"  # host:port is more specific than host
    wildcard_wins = run(
        check_all(
            [slow.url("/wait")],
            timeout=30.0,
            retries=0,
            hosts={"*.0.0.2": {"timeout": 0.1}, "*.0.2": {"timeout": 30.0}, "*.0.0.2:1": {"timeout": 0.1}},
        )
    )
    assert wildcard_wins[0].error == "timeout"  # the longest matching suffix wins
