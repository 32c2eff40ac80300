"""oopslint in a send pipeline: the README's smtplib and ESP examples run as written against a local
SMTP server, parts given as html=/text=/subject=, a deadline against a server that hangs, and one
Linter shared by 8 threads."""

from __future__ import annotations

import functools
import re
import socket
import threading
import time
import types
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from oopslint_testing import CORPUS, ROOT

import oopslint

README = (ROOT / "README.md").read_text(encoding="utf-8")
GOOD_HTML = (
    '<!DOCTYPE html><html lang="en"><head><title>Your receipt</title></head><body>'
    "<p>Hi Ada, thanks for your order. Your receipt is attached.</p></body></html>"
)
BAD_HTML = GOOD_HTML.replace("Hi Ada", "Hi {{ first_name }}")


def readme_block(marker: str) -> str:
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    return next(block for block in blocks if marker in block)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.hostname, controller.port
    controller.stop()


def message(html: str, subject: str = "Your receipt") -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "shop@acme.example", "ada@example.com", subject
    msg.set_content("Hi Ada, thanks for your order.")
    msg.add_alternative(html, subtype="html")
    return msg


def test_readme_smtplib_example_sends_a_good_email_and_blocks_a_bad_one(smtp_server):
    inbox, host, port = smtp_server
    namespace: dict = {}
    exec(readme_block("smtplib.SMTP"), namespace)  # the README's example, as written
    namespace["linter"] = oopslint.Linter({"select": ["TPL001", "TPL003"]}, offline=True)
    namespace["send"](message(GOOD_HTML), host, port)
    assert len(inbox.messages) == 1 and b"Your receipt" in inbox.messages[0]

    with pytest.raises(oopslint.PreflightError) as blocked:
        namespace["send"](message(BAD_HTML), host, port)
    assert len(inbox.messages) == 1, "a bad email must not reach the SMTP server"
    assert "TPL001" in str(blocked.value) and blocked.value.report.failing


def test_readme_esp_example_posts_only_after_preflight_passes():
    posted: list[dict] = []

    class Esp:
        def post(self, path: str, json: dict) -> None:
            posted.append(json)

    code = readme_block("esp.post")
    # the example as written; preflight runs offline with the rules this test is about
    offline = types.SimpleNamespace(
        preflight=functools.partial(oopslint.preflight, offline=True, config={"select": ["TPL001", "TPL003"]})
    )
    base = {"esp": Esp(), "oopslint": offline, "subject": "Your receipt", "text": "Hi Ada"}
    exec(code, {**base, "html": GOOD_HTML})
    assert len(posted) == 1 and posted[0]["html"] == GOOD_HTML
    with pytest.raises(oopslint.PreflightError):
        exec(code, {**base, "html": BAD_HTML, "subject": "[TEST] Your receipt"})
    assert len(posted) == 1


def test_parts_as_html_text_and_subject():
    report = oopslint.lint(
        html=GOOD_HTML, text="Hi Ada", subject="[TEST] Spring news", offline=True, config={"select": ["TPL003"]}
    )
    [finding] = report.findings
    assert finding.code == "TPL003" and "subject" in finding.message.lower()
    with pytest.raises(TypeError, match="not both"):
        oopslint.lint(GOOD_HTML, html=GOOD_HTML)
    with pytest.raises(TypeError, match="give the email to lint"):
        oopslint.lint()


def test_preflight_error_reads_well_in_a_log():
    with pytest.raises(oopslint.PreflightError) as blocked:
        oopslint.preflight(html=BAD_HTML.replace("thanks", "{{ thanks }}"), offline=True, config={"select": ["TPL001"]})
    lines = str(blocked.value).splitlines()
    assert lines[0] == "2 problem(s) block this send:"
    assert all(line.startswith("  TPL001 line 1: ") for line in lines[1:])


class Hang(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_HEAD(self):
        time.sleep(30)

    do_GET = do_HEAD


def test_deadline_ends_the_run_against_a_server_that_hangs():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hang)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/order/1001"
        html = GOOD_HTML.replace("</p>", f' <a href="{url}">View your order</a></p>')
        config = {"select": ["LNK"], "http": {"allow_private": True, "timeout": 20.0, "budget": 60.0}}
        started = time.monotonic()
        report = oopslint.lint(html, config=config, deadline=2, path="receipt.html")
        elapsed = time.monotonic() - started
        assert elapsed < 2.5, elapsed
        codes = {f.code for f in report.findings}
        assert "LNK003" in codes or "OOPS006" in codes, [(f.code, f.message) for f in report.findings]
        assert "LNK001" not in codes  # unfinished is never "broken", and never a pass
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(oopslint.ConfigError, match="deadline must be a positive number"):
        oopslint.lint(GOOD_HTML, deadline=0)


def test_one_linter_shared_by_8_threads_gives_the_sequential_results():
    paths = sorted(CORPUS.glob("*/*.html"))[:16]
    linter = oopslint.Linter(offline=True, default_mode="template", use_cache=False)
    expected = {p: [f.to_dict() for f in linter.lint(Path(p)).findings] for p in paths}
    results: dict = {}
    errors: list[BaseException] = []

    def work(share: list[Path]) -> None:
        try:
            for _ in range(3):
                for p in share:
                    results.setdefault(p, []).append([f.to_dict() for f in linter.lint(Path(p)).findings])
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(paths[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for p in paths:
        assert all(run == expected[p] for run in results[p]), p
