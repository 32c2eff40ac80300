"""The HTML report in a real headless Chromium: the email renders, markers sit on the elements
with findings, clicking a finding scrolls to its marker, and a hostile email runs nothing."""

from __future__ import annotations

import io
import os
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from oopslint_testing import CORPUS, FIXTURES, ROOT

import oopslint
from oopslint.formats import get_writer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("OOPSLINT_TEST_ARTIFACTS", ROOT / ".test-artifacts"))
BAD = FIXTURES / "template" / "leemunroe" / "newsletter.test-marker.html"


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (scripts/setup-test-deps installs it)")
        pytest.skip("chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield launched
        launched.close()


class Recorder:
    """A server on 127.0.0.1 that records every path a page asks for."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        recorder = self

        class Handle(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                recorder.paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/gif")
                self.end_headers()
                self.wfile.write(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handle)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def write_report(tmp_path: Path, *paths: Path) -> Path:
    report = oopslint.Linter(offline=True, default_mode="template", use_cache=False).lint_paths([str(p) for p in paths])
    target = tmp_path / "report.html"
    with target.open("w", encoding="utf-8") as stream:
        get_writer("html")(report, stream)
    return target


def test_report_shows_each_email_with_markers_and_clicking_a_finding_scrolls_to_it(browser, tmp_path):
    target = write_report(tmp_path, BAD, CORPUS / "postmark" / "receipt.source.html")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(target.as_uri())
    page.wait_for_function("() => document.getElementById('frame-1').contentDocument.querySelector('.oopslint-marker')")
    assert page.locator("iframe.preview").count() == 2
    assert page.locator("#frame-0").get_attribute("sandbox") == "allow-same-origin"
    marker_count = page.evaluate(
        "() => document.getElementById('frame-0').contentDocument.querySelectorAll('.oopslint-marker').length"
    )
    assert marker_count >= 3
    heading = page.evaluate(
        "() => document.getElementById('frame-0').contentDocument.querySelector('h1').getAttribute('data-oopslint')"
    )
    item = page.locator("#email-0 ol.findings li", has_text="TPL003")
    assert heading.split() == [item.get_attribute("data-marker")]  # the test marker sits on the <h1>

    footer = page.locator("#email-1 ol.findings li").last
    footer.click()
    assert "active" in (footer.get_attribute("class") or "")
    focused = page.locator("#frame-1").get_attribute("data-focused")
    assert focused == footer.get_attribute("data-marker")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "html-report.png"), full_page=False)
    assert (ARTIFACTS / "html-report.png").stat().st_size > 10_000
    page.close()


HOSTILE = """<!DOCTYPE html><html lang="en"><head><title>Hi</title>
<meta http-equiv="refresh" content="0;url={origin}/refresh">
<script>fetch('{origin}/script'); top.document.title = 'pwned';</script></head>
<body><p>Hello {{{{ name }}}}</p>
<img src="{origin}/remote-image.gif" alt="logo">
<img src="x" onerror="fetch('{origin}/onerror')" alt="">
<a id="js" href="javascript:fetch('{origin}/javascript-link')">Click here</a>
</iframe><script>fetch('{origin}/breakout')</script>
<div title='" onload="fetch(&quot;{origin}/quote&quot;)'>&quot; srcdoc=&quot;&lt;script&gt;fetch('{origin}/srcdoc')&lt;/script&gt;</div>
</script><script>fetch('{origin}/json-breakout')</script>
<svg><script>fetch('{origin}/svg')</script></svg>
<form action="{origin}/form"><button id="submit">Go</button></form>
</body></html>"""


def test_a_hostile_email_runs_nothing_and_loads_nothing_until_asked(browser, tmp_path):
    recorder = Recorder()
    try:
        email = tmp_path / "hostile.html"
        email.write_text(HOSTILE.format(origin=recorder.origin))
        target = write_report(tmp_path, email)
        page = browser.new_page()
        page.goto(target.as_uri())
        page.wait_for_timeout(1500)
        assert page.title() == "oopslint report"
        assert page.locator("iframe").count() == 1
        assert page.evaluate("() => document.querySelectorAll('script').length") == 2  # our data and our code
        frame = page.frame_locator("#frame-0")
        frame.locator("#js").click()
        frame.locator("#submit").click()
        page.wait_for_timeout(800)
        assert recorder.paths == [], recorder.paths
        assert page.locator("ol.findings li").count() >= 1

        page.locator("button[data-images]").click()
        page.wait_for_timeout(1200)
        assert recorder.paths == ["/remote-image.gif"], recorder.paths
        page.close()
    finally:
        recorder.close()


def test_contrast_findings_show_the_email_as_the_failing_profile_paints_it(tmp_path):
    finding = oopslint.Finding(
        "Low contrast",
        span=oopslint.Span(3, 1, 3, 10),
        code="CTR001",
        rule="low-contrast-text",
        severity=oopslint.Severity.ERROR,
        path="mail.html",
        data={
            "failing": ["style-stripped"],
            "profiles": {
                "full-css": {"color": "#222222", "background": "#ffffff", "passes": True},
                "style-stripped": {"color": "#0000ee", "background": "#000000", "passes": False},
            },
        },
    )
    html = "<html><head><style>a{color:#fff}</style></head><body>\n<p>\n<a href='https://x.example'>Shop</a></p></body></html>"
    report = oopslint.Report(files=[oopslint.report.FileResult("mail.html", [finding])])
    stream = io.StringIO()
    get_writer("html")(report, stream, sources={"mail.html": html})
    page = stream.getvalue()
    assert 'data-variant="style-stripped"' in page
    assert '[data-oopslint~=\\"1\\"]{color:#0000ee!important;background-color:#000000!important}' in page
    assert "a{color:#fff}" in page  # as written keeps the style block
