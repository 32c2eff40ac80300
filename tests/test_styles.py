"""Computed styles, with and without the <style> block."""

from __future__ import annotations

from oopslint import Email
from oopslint.styles import parse_declarations, styles


def test_style_block_cascade_and_inline_view(corpus):
    email = Email.parse(corpus / "postmark" / "receipt.source.html")
    style_map = styles(email)
    masthead = next(e for e in email.elements if e.tag == "a" and "email-masthead_name" in e.classes)
    assert style_map.computed(masthead, "color") == "#A8AAAF"
    assert style_map.computed(masthead, "color", with_style_blocks=False) is None
    button = next(e for e in email.elements if e.tag == "a" and "button--green" in e.classes)
    assert style_map.computed(button, "background-color") == "#22BC66"


def test_inline_style_wins_and_color_inherits():
    html = (
        "<html><head><style>.box{color:#111111} p{color:#222222}</style></head><body>"
        '<div class="box" style="color:#333333"><span><b>x</b></span></div><p style="color:#444">y</p></body></html>'
    )
    email = Email.parse(html)
    style_map = styles(email)
    bold = email.find("b")[0]
    assert style_map.computed(bold, "color") == "#333333"  # as written: no serializer rewrites values
    assert style_map.computed(bold, "background-color") is None


def test_important_in_the_style_block_beats_normal_inline_styles():
    html = (
        "<html><head><style>p{color:#222222 !important} .keep{color:#999999 !important}"
        "@media (prefers-color-scheme: dark){p{color:#eeeeee !important}}</style></head><body>"
        '<p style="color:#444">y</p><p class="keep" style="color:#555 !important">z</p></body></html>'
    )
    email = Email.parse(html)
    style_map = styles(email)
    first, second = email.find("p")
    assert style_map.computed(first, "color") == "#222222"
    assert style_map.computed(first, "color", with_style_blocks=False) == "#444"
    assert style_map.computed(second, "color") == "#555"


def test_parse_declarations_keeps_the_last_value():
    assert parse_declarations("color: red; COLOR:blue;font-size:12px !important") == {
        "color": "blue",
        "font-size": "12px !important",
    }


def test_every_element_with_text_gets_painted_colours_in_every_profile(corpus):
    from oopslint.styles import PROFILES

    email = Email.parse(corpus / "postmark" / "receipt.source.html")
    style_map = styles(email)
    button = next(e for e in email.elements if e.tag == "a" and "button--green" in e.classes)
    painted = {p: style_map.paint(button, p) for p in PROFILES}
    assert (painted["full-css"].color.hex(), painted["full-css"].background.hex(), painted["full-css"].ratio) == (
        "#FFFFFF",
        "#22BC66",
        2.48,
    )
    assert painted["style-stripped"].color.hex() == "#0000EE"  # <style> gone: the browser's link colour
    assert painted["style-stripped"].background.hex() == "#FFFFFF"
    assert painted["full-css"].color_origin == "style-block"
    assert painted["dark-media"].background.hex() == "#22BC66"


def test_selectors_specificity_order_and_pseudo_classes():
    html = (
        "<html><head><style>#x p{color:#111111} div p.k{color:#222222} p{color:#333333} p.k{color:#444444}"
        "p:first-child{font-weight:bold} a:hover{color:#ff0000} td[bgcolor] span{color:#555555}"
        "@media only screen and (max-width:600px){p{color:#999999 !important}}"
        '@media screen{.m{color:#666666}}</style></head><body><div id="x"><p class="k">a</p><p class="m">b</p></div>'
        '<table><tr><td bgcolor="#fff"><span>c</span></td></tr></table><a href="https://e.example">d</a></body></html>'
    )
    email = Email.parse(html)
    style_map = styles(email)
    first, second = email.find("p")
    assert style_map.computed(first, "color") == "#111111"  # id beats classes
    assert style_map.computed(second, "color") == "#111111"  # .m has less specificity than #x p
    assert style_map.bold(first) and not style_map.bold(second)
    assert style_map.computed(email.find("span")[0], "color") == "#555555"
    assert style_map.computed(email.find("a")[0], "color") is None  # :hover never applies at rest


def test_computing_styles_fetches_nothing(tmp_path):
    """No fetch of any kind: @import of http:// or file:// stylesheets is read and never loaded."""
    import http.server
    import threading

    hits: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = b"p { color: #FFFFFF !important; }"
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    local_css = tmp_path / "evil.css"
    local_css.write_text("p { color: #FEFEFE !important; }")
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        html = (
            f'<html lang="en"><head><title>t</title><style>@import url("{base}/a.css"); @import "{base}/b.css";'
            f"@import url(file://{local_css}); p {{ color: #222222; background: url({base}/bg.png) #FFFFFF }}"
            f"@font-face {{ font-family: X; src: url({base}/font.woff) }}</style>"
            f'<link rel="stylesheet" href="{base}/c.css"></head><body><p>Hello there</p></body></html>'
        )
        import oopslint

        report = oopslint.lint(html, mode="template", config={"select": ["CTR"]})
        email = Email.parse(html)
        style_map = styles(email)
        paragraph = email.find("p")[0]
        assert style_map.computed(paragraph, "color") == "#222222"
        assert style_map.sheet.imports == [f'url("{base}/a.css")', f'"{base}/b.css"', f"url(file://{local_css})"]
        assert style_map.paint(paragraph, "full-css").fallback  # image behind, white fallback checked
        assert not [f for f in report.findings if f.code.startswith("CTR")]
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []


def test_renders_of_one_template_share_what_is_kept_with_their_styles(corpus):
    template = (corpus / "postmark" / "receipt.source.html").read_text(encoding="utf-8")
    first = Email.parse(template)
    # other words and another link address: what the cascade reads is the same
    render = Email.parse(
        template.replace("[Product Name]", "Acme Cloud").replace("{{action_url}}", "https://a.example/x")
    )
    # a class changed: the cascade reads another tree
    restyled = Email.parse(template.replace('class="purchase_footer"', 'class="purchase_total"', 1))
    computed: list[str] = []

    def compute(name: str):  # type: ignore[no-untyped-def]
        def work() -> list[str]:
            computed.append(name)
            return [name]

        return work

    kept = styles(first).template_memo("test.kept", compute("first"))
    assert styles(render).template_memo("test.kept", compute("render")) is kept
    assert styles(restyled).template_memo("test.kept", compute("restyled")) == ["restyled"]
    assert styles(first).template_memo("test.other-key", compute("other")) == ["other"]
    assert computed == ["first", "restyled", "other"]
