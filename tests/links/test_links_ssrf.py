"""The SSRF guard and LNK006 judge IPv6 forms that embed an IPv4 address by
that address, and redirects are followed where a browser would go."""

from __future__ import annotations

import asyncio
import ssl
import subprocess

import pytest

from oopslint import Linter, http

from .linkserver import FAST_HTTP, Reply, codes, make_linter, page

NETWORK = ("LNK001", "LNK002", "LNK003", "LNK004")

#: 127.0.0.1 and 10.0.0.1 written as IPv6 addresses that ip.is_global calls global
EMBEDDED_PRIVATE = [
    ("64:ff9b::7f00:1", "127.0.0.1", "NAT64"),
    ("64:ff9b::a00:1", "10.0.0.1", "NAT64"),
    ("2002:7f00:1::", "127.0.0.1", "6to4"),
    ("2002:a9fe:a9fe::1", "169.254.169.254", "6to4"),
    ("::127.0.0.1", "127.0.0.1", "IPv4-compatible"),
    ("::ffff:0:127.0.0.1", "127.0.0.1", "IPv4-translated"),
    ("::ffff:0:a00:1", "10.0.0.1", "IPv4-translated"),
]


def check(urls, **options):
    async def run():
        async with http.session({**FAST_HTTP, **options}, use_cache=False) as client:
            return await asyncio.gather(*(client.check(url) for url in urls))

    return asyncio.run(run())


@pytest.mark.parametrize("address, ipv4, form", EMBEDDED_PRIVATE)
def test_the_guard_judges_the_embedded_ipv4_address(address, ipv4, form):
    assert http.embedded_ipv4(address) is not None and str(http.embedded_ipv4(address)[0]) == ipv4
    assert not http.is_public_address(address)
    (result,) = check([f"http://[{address}]:9/admin"], allow_private=False)
    assert result.error == "blocked"
    assert result.detail.startswith(f"{address} ")
    assert "a private or local address; not connecting" in result.detail


@pytest.mark.parametrize(
    "address", ["64:ff9b::808:808", "2002:808:808::1", "::ffff:0:8.8.8.8", "::ffff:8.8.8.8", "2606:4700:4700::1111"]
)
def test_public_addresses_in_those_forms_stay_public(address):
    assert http.is_public_address(address)


@pytest.mark.parametrize("address, ipv4, form", EMBEDDED_PRIVATE)
def test_lnk006_reports_the_embedded_address(tmp_path, address, ipv4, form):
    report = Linter({"select": ["LNK006"]}, offline=True).lint(page(f"http://[{address}]/orders/1001"))
    assert codes(report) == ["LNK006"]
    assert f"{address} ({ipv4} in {form} form) is " in report.findings[0].message
    assert report.findings[0].severity.name == "ERROR"


def test_lnk006_leaves_a_public_address_in_nat64_form_alone():
    report = Linter({"select": ["LNK006"]}, offline=True).lint(page("http://[64:ff9b::808:808]/orders/1001"))
    assert codes(report) == []


# ------------------------------------------------------------------ Location as browsers read it


@pytest.mark.parametrize(
    "location",
    ["http:\\\\{host}/gone", "http:\\/{host}/gone", "\\\\{host}/gone", "http:/\\{host}/gone", "http:\\\\{host}/go\tne"],
)
def test_a_location_a_browser_reads_as_another_host_is_followed_there(tmp_path, servers, location):
    staging, landing = servers.start("127.0.0.2"), servers.start("127.0.0.3")
    landing.route("/gone", Reply(404))
    hop = location.format(host=f"127.0.0.3:{landing.port}")
    url = staging.route("/out", Reply(302, {"Location": hop}))
    report = make_linter(tmp_path, select=NETWORK).lint(page(url))
    assert codes(report) == ["LNK001"]
    assert report.findings[0].data["final_url"] == landing.url("/gone")
    assert landing.hits("/gone") >= 1
    assert {r.path for r in staging.requests} == {"/out"}


def test_the_guard_stops_a_backslash_location_to_a_private_address(servers):
    staging, internal = servers.start("127.0.0.2"), servers.start("127.0.0.3")
    internal.route("/admin", Reply(200))
    url = staging.route("/out", Reply(302, {"Location": f"http:\\\\127.0.0.3:{internal.port}/admin"}))
    (result,) = check([url], allow_private=False, hosts={"127.0.0.2": {"allow_private": True}})
    assert result.error == "blocked"
    assert result.final_url == internal.url("/admin")
    assert internal.requests == []


@pytest.fixture(scope="module")
def tls_context(tmp_path_factory) -> ssl.SSLContext:
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
            "/CN=127.0.0.2",
            "-addext",
            "subjectAltName=IP:127.0.0.2",
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(folder / "cert.pem"), str(folder / "key.pem"))
    return context


@pytest.mark.parametrize("location", ["http:{host}/gone", "http:\\\\{host}/gone", "http:/{host}/gone"])
def test_a_scheme_relative_location_from_https_is_not_called_leaving_the_web(tmp_path, servers, tls_context, location):
    secure, landing = servers.start("127.0.0.2", tls=tls_context), servers.start("127.0.0.3")
    landing.route("/gone", Reply(404))
    url = secure.route("/out", Reply(302, {"Location": location.format(host=f"127.0.0.3:{landing.port}")}))
    report = make_linter(tmp_path, select=NETWORK, http={"hosts": {"127.0.0.2": {"verify_tls": False}}}).lint(page(url))
    assert codes(report) == ["LNK001"]
    assert report.findings[0].data["final_url"] == landing.url("/gone")
    assert landing.hits("/gone") >= 1


def test_http_path_on_an_http_page_stays_relative_as_in_a_browser(tmp_path, server):
    server.route("/a/127.0.0.3/gone", Reply(200))
    url = server.route("/a/out", Reply(302, {"Location": "http:127.0.0.3/gone"}))
    (result,) = check([url])
    assert result.ok and result.final_url == server.url("/a/127.0.0.3/gone")


@pytest.mark.parametrize("location", ["https:", "http://300.1.1.1/welcome"])
def test_a_redirect_no_browser_can_follow_is_a_broken_link(tmp_path, servers, location):
    shop = servers.start("127.0.0.2")
    url = shop.route("/welcome", Reply(302, {"Location": location}))
    report = make_linter(tmp_path, select=NETWORK).lint(page(url))
    assert codes(report) == ["LNK001"]
    assert report.findings[0].message.startswith("Broken link: redirected to an address no browser can open (")
    assert report.findings[0].data["error"] == "invalid-redirect"


@pytest.mark.parametrize(
    "host, ipv4",
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
    ],
)
def test_lnk006_reads_a_numeric_host_as_a_browser_does(host, ipv4):
    report = Linter({"select": ["LNK006"]}, offline=True).lint(page(f"http://{host}/orders/1001"))
    assert codes(report) == ["LNK006"]
    assert f"{host} ({ipv4}) is " in report.findings[0].message


@pytest.mark.parametrize("host", ["1.1", "shop.acme.com", "8.8.8.8", "shop.acme.123"])
def test_lnk006_leaves_public_numeric_hosts_and_names_alone(host):
    assert codes(Linter({"select": ["LNK006"]}, offline=True).lint(page(f"http://{host}/orders/1001"))) == []
