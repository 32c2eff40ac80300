"""Secrets never reach output: values read from ``${NAME}`` in configuration,
tokens a server echoes back or puts in a Location, URL passwords, in every
field of every output format and in their escaped forms."""

from __future__ import annotations

import io
import json
from urllib.parse import quote

import pytest
from oopslint_testing import run_cli

from oopslint import ConfigError
from oopslint.formats import FORMATS, get_writer

from .linkserver import Reply, codes, make_linter, page

NETWORK = ("LNK001", "LNK002", "LNK003", "LNK004")

#: a short value in a variable whose name says nothing about secrets
BEARER = "pz7-q4"
#: a token with characters that are percent-encoded in a URL and escaped in JSON
SESSION = 'Zx9+/k=Qp"L2m\\staging'


def every_output(report) -> dict[str, str]:
    outputs = {}
    for name in FORMATS:
        stream = io.StringIO()
        get_writer(name)(report, stream)
        outputs[name] = stream.getvalue()
    outputs["to_json"] = report.to_json()
    outputs["to_sarif"] = json.dumps(report.to_sarif())
    outputs["findings"] = repr(report.findings)
    return outputs


def shows(outputs: dict[str, str], secret: str) -> list[str]:
    forms = {secret, quote(secret, safe=""), quote(secret), json.dumps(secret)[1:-1], repr(secret)[1:-1]}
    return [name for name, text in outputs.items() if any(form in text for form in forms)]


def test_a_header_value_a_server_echoes_is_masked_whatever_the_variable_is_called(tmp_path, servers, monkeypatch):
    monkeypatch.setenv("STAGING_BEARER", BEARER)
    staging = servers.start("127.0.0.2")
    url = staging.route(
        "/private",
        handler=lambda request, n: Reply(
            401, reason=f"Unauthorized, {request.headers.get('authorization')} is not valid here"
        ),
    )
    hosts = {"127.0.0.2": {"headers": {"Authorization": "Bearer ${STAGING_BEARER}"}}}
    report = make_linter(tmp_path, select=NETWORK, http={"hosts": hosts}).lint(page(url))
    assert staging.requests[0].headers["authorization"] == f"Bearer {BEARER}"
    assert codes(report) == ["LNK003"]
    assert "Unauthorized, Bearer *** is not valid here" in report.findings[0].message
    outputs = every_output(report)
    assert shows(outputs, BEARER) == []
    assert all("Bearer ***" in text for text in outputs.values())


def test_a_token_a_server_puts_in_a_location_is_masked_in_every_field(tmp_path, servers, monkeypatch):
    monkeypatch.setenv("STAGING_BEARER", BEARER)
    monkeypatch.setenv("STAGING_SESSION", SESSION)
    staging, landing = servers.start("127.0.0.2"), servers.start("127.0.0.3")
    landing.route("/welcome", Reply(404))
    url = staging.route("/login", Reply(302, {"Location": landing.url(f"/welcome?session={quote(SESSION, safe='')}")}))
    hosts = {"127.0.0.2": {"headers": {"Authorization": "Bearer ${STAGING_BEARER}", "X-Session": "${STAGING_SESSION}"}}}
    report = make_linter(tmp_path, select=NETWORK, http={"hosts": hosts}).lint(page(url))
    assert codes(report) == ["LNK001"]
    broken = report.by_code("LNK001")[0]
    assert broken.data["final_url"] == landing.url("/welcome?session=***")
    assert broken.data["redirects"] == [landing.url("/welcome?session=***")]
    assert shows(every_output(report), SESSION) == []


def test_a_url_password_is_masked_everywhere(tmp_path, servers):
    server = servers.start("127.0.0.4")
    server.route("/reports", Reply(404))
    url = f"http://mailer:hunter2-pw@127.0.0.4:{server.port}/reports"
    report = make_linter(tmp_path, select=NETWORK).lint(page(url))
    assert codes(report) == ["LNK001"]
    finding = report.findings[0]
    assert finding.data["url"] == f"http://mailer:***@127.0.0.4:{server.port}/reports"
    assert "mailer:***@" in finding.snippet
    outputs = every_output(report)
    assert [name for name, text in outputs.items() if "hunter2" in text] == []
    assert all("mailer:***@" in text for text in outputs.values())


@pytest.mark.parametrize(
    "value, fault",
    [
        (BEARER + "\n", "a line break"),
        ("pz7\r\nX-Injected: 1", "a line break"),
        ("pz7-q4-ü", "a character that is not ASCII"),
    ],
)
def test_a_header_value_that_is_not_one_line_of_ascii_is_a_configuration_error(
    tmp_path, server, monkeypatch, value, fault
):
    monkeypatch.setenv("STAGING_BEARER", value)
    url = server.route("/private", Reply(200))
    hosts = {"127.0.0.1": {"headers": {"Authorization": "Bearer ${STAGING_BEARER}"}}}
    with pytest.raises(ConfigError) as caught:
        make_linter(tmp_path, select=NETWORK, http={"hosts": hosts}).lint(page(url))
    message = str(caught.value)
    assert "Authorization header (read from ${STAGING_BEARER})" in message and fault in message
    assert "pz7" not in message
    assert server.requests == []


def test_a_header_value_with_a_newline_exits_2_naming_the_header_not_the_value(tmp_path, server):
    url = server.route("/private", Reply(200))
    email = tmp_path / "welcome.html"
    email.write_text(page(url))
    (tmp_path / "oopslint.toml").write_text(
        'select = ["LNK"]\n[http]\nallow_private = true\nprogress = false\ndns_probe_hosts = ["localhost"]\n'
        '[http.hosts."127.0.0.1".headers]\nAuthorization = "Bearer ${STAGING_BEARER}"\n'
    )
    for fmt in ("text", "json"):
        result = run_cli(
            "check", str(email), "--no-cache", "--format", fmt, cwd=tmp_path, env={"STAGING_BEARER": BEARER + "\n"}
        )
        stderr = result.stderr.decode()
        assert result.returncode == 2, stderr
        assert "Authorization header (read from ${STAGING_BEARER}) has a line break" in stderr
        assert "Traceback" not in stderr and "OOPS001" not in result.stdout.decode()
        assert BEARER not in stderr + result.stdout.decode()
    assert server.requests == []


def test_a_header_value_added_by_a_rule_is_checked_when_it_is_sent(server, monkeypatch):
    import asyncio

    from oopslint import http

    from .linkserver import FAST_HTTP

    monkeypatch.setenv("SHOP_KEY", "k1\n")
    url = server.route("/v1/coupons", Reply(200, body=b"{}"))

    async def fetch():
        async with http.session(FAST_HTTP, use_cache=False) as client:
            return await client.get_json(url, headers={"X-Api-Key": "${SHOP_KEY}"})

    with pytest.raises(ConfigError, match=r"X-Api-Key header \(read from \$\{SHOP_KEY\}\) has a line break"):
        asyncio.run(fetch())
    assert server.requests == []


def test_a_literal_header_value_that_is_not_ascii_is_a_configuration_error(tmp_path, server):
    url = server.route("/private", Reply(200))
    hosts = {"127.0.0.1": {"headers": {"X-Team": "Zürich office"}}}
    with pytest.raises(
        ConfigError,
        match=r'hosts."127.0.0.1".headers: the value of the X-Team header has a character '
        r"that is not ASCII",
    ):
        make_linter(tmp_path, select=NETWORK, http={"hosts": hosts}).lint(page(url))
    assert server.requests == []


def test_a_token_in_a_location_is_not_written_to_the_link_cache(tmp_path, servers, monkeypatch):
    monkeypatch.setenv("STAGING_SESSION", SESSION)
    staging, landing = servers.start("127.0.0.2"), servers.start("127.0.0.3")
    landing.route("/welcome", Reply(200))
    url = staging.route("/login", Reply(302, {"Location": landing.url(f"/welcome?session={quote(SESSION, safe='')}")}))
    hosts = {"127.0.0.2": {"headers": {"X-Session": "${STAGING_SESSION}"}}}
    first = make_linter(tmp_path, select=("LNK001",), use_cache=True, http={"hosts": hosts}).lint(page(url))
    assert first.findings == []
    stored = (tmp_path / "links.sqlite3").read_bytes()
    assert quote(SESSION, safe="").encode() not in stored and b"session=***" in stored
    again = make_linter(tmp_path, select=("LNK001",), use_cache=True, http={"hosts": hosts}).lint(page(url))
    assert again.findings == [] and staging.hits("/login") == 1
