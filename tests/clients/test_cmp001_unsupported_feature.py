"""CMP001 unsupported-feature: caniemail's "not supported" in a targeted client."""

from __future__ import annotations

from oopslint_testing import run_cli

from oopslint.report import Severity

RECEIPT = "postmark/receipt.source.html"
FLEX = '<div style="display: flex; gap: 12px">'


def _with_flex(mail) -> str:
    text = mail.text(RECEIPT)
    text = mail.insert_after(text, "<h1>Hi {{name}},</h1>", f"\n{FLEX}<span>A</span></div>")
    return mail.insert_after(text, "<body>", f"\n    {FLEX}<span>B</span></div>")


def test_flex_layout_is_one_finding_naming_every_line_and_outlook_releases(mail):
    text = _with_flex(mail)
    found = mail.by_feature(mail.lint(text, select="CMP001"), "css-display-flex")
    assert len(found) == 1
    finding = found[0]
    lines = [mail.line_of(text, FLEX, 0), mail.line_of(text, FLEX, 1)]
    assert finding.line == lines[0]
    assert finding.data["lines"] == lines
    assert finding.severity == Severity.WARNING
    assert finding.message.startswith(
        "display:flex (css-display-flex) is not supported in Outlook (Windows 2007, 2010, 2013, 2016, 2019; "
        "Windows Mail)"
    )
    assert f"used on lines {lines[0]}, {lines[1]}" in finding.message
    assert finding.data["feature"] == "css-display-flex"
    assert finding.data["clients"][:2] == ["outlook.windows", "outlook.windows-mail"]
    assert finding.data["versions"]["outlook.windows"] == ["2007", "2010", "2013", "2016", "2019"]
    assert "https://www.caniemail.com/features/css-display-flex/" in finding.suggestion


def test_targets_decide_which_clients_are_judged(mail):
    text = _with_flex(mail)
    apple = mail.lint(text, select="CMP001", clients={"targets": ["apple-mail.*"]})
    assert mail.by_feature(apple, "css-display-flex") == []
    outlook = mail.lint(text, select="CMP001", clients={"targets": ["outlook.windows"]})
    [finding] = mail.by_feature(outlook, "css-display-flex")
    assert finding.data["clients"] == ["outlook.windows"]


def test_teams_that_must_support_outlook_make_it_an_error(mail):
    text = _with_flex(mail)
    report = mail.lint(text, select="CMP", config={"severity": {"CMP001": "error"}})
    [flex] = mail.by_feature(report, "css-display-flex")
    assert flex.severity == Severity.ERROR
    # @media degrades gracefully: not reported by default, and never with CMP001's severity
    assert mail.by_feature(report, "css-at-media") == []
    report = mail.lint(text, select="CMP", clients={"report_graceful": True}, config={"severity": {"CMP001": "error"}})
    [media] = mail.by_feature(report, "css-at-media")
    assert media.code == "CMP003" and media.severity == Severity.INFO


def test_css_inside_mso_conditional_is_judged_only_against_outlook_on_windows(mail):
    text = mail.text("mailgun/action.source.html")
    # a :link rule Gmail ignores but Outlook on Windows reads: fine inside <!--[if mso]>
    mso = "<!--[if mso]><style>a:link { color: #348eda; } .cta { display: flex; }</style><![endif]-->"
    text = text.replace("</head>", mso + "\n</head>", 1)
    report = mail.lint(text, select="CMP")
    assert mail.by_feature(report, "css-pseudo-class-link") == []
    [flex] = mail.by_feature(report, "css-display-flex")
    assert flex.data["clients"] == ["outlook.windows"]


def test_client_hacks_and_vendor_properties_are_not_reported(mail):
    text = mail.text("mailgun/action.source.html")
    hacks = [
        "<style>",
        ".ExternalClass, .ExternalClass p { line-height: 100%; }",
        "#outlook a { padding: 0; }",
        "u + .body .gmail-fix { display: none; }",
        "#MessageViewBody a { color: inherit; }",
        "[data-ogsc] .dark-text { color: #ffffff !important; }",
        "</style>",
    ]
    text = text.replace("</head>", "\n".join(hacks) + "\n</head>", 1)
    hack_lines = {mail.line_of(text, hack) for hack in hacks[1:-1]}
    # with every graceful and partial feature reported too, the hacks are still not
    report = mail.lint(text, select="CMP", clients={"report_graceful": True, "report_partial": True})
    assert report.findings
    assert [f for f in report.findings if hack_lines & set(f.data.get("lines", []))] == []


def test_font_size_fallback_chain_is_not_a_missing_feature(mail):
    # mailgun writes font-size:16px;font-size:1rem;font-size:max(16px,1rem): Outlook keeps 16px
    report = mail.lint("mailgun/action.source.html", select="CMP001")
    assert mail.by_feature(report, "css-unit-rem") == []
    assert mail.by_feature(report, "css-function-max") == []


def test_unknown_target_is_a_configuration_error_naming_the_families(mail, tmp_path):
    (tmp_path / "oopslint.toml").write_text('[clients]\ntargets = ["gmial.*"]\n')
    (tmp_path / "receipt.html").write_text(mail.text(RECEIPT))
    result = run_cli("check", "--offline", "--select", "CMP", "receipt.html", cwd=tmp_path)
    assert result.returncode == 2
    err = result.stderr.decode() + result.stdout.decode()
    assert "'gmial.*' names no client in the caniemail data" in err
    assert "Traceback" not in err


def test_clean_corpus_exits_zero_by_default():
    result = run_cli("check", "--offline", "--select", "CMP,MKP", "fixtures/corpus/")
    assert result.returncode == 0, result.stdout.decode()[-2000:]
    assert " CMP001 [error]" not in result.stdout.decode()


def test_quiet_on_clean_corpus_for_clients_that_support_it(mail):
    for name in ("postmark/welcome.inlined.html", "mailgun/billing.inlined.html", "leemunroe/email.inlined.html"):
        report = mail.lint(name, select="CMP001", clients={"targets": ["apple-mail.*"]})
        assert mail.findings(report, "CMP001") == [], name


def test_markup_hidden_from_outlook_is_not_judged_against_it(mail):
    text = mail.text("mailgun/action.source.html")
    hidden = '<!--[if !mso]><!--><div style="display: flex">Shop</div><!--<![endif]-->'
    text = text.replace("</body>", hidden + "\n</body>", 1)
    report = mail.lint(text, select="CMP001", clients={"targets": ["outlook.windows", "gmail.*"]})
    assert mail.by_feature(report, "css-display-flex") == []
    report = mail.lint(text, select="CMP001", clients={"targets": ["outlook.*"]})
    [flex] = mail.by_feature(report, "css-display-flex")
    assert "outlook.windows" not in flex.data["clients"] and "outlook.windows-mail" in flex.data["clients"]


def test_unclosed_comment_block_is_reported_not_a_crash(mail):
    text = mail.text("mailgun/action.source.html").replace(
        "</head>", "<style>/* dark mode\n.a{color:red}</style>\n</head>", 1
    )
    report = mail.lint(text, select="CMP", config={"select": ["CMP", "MKP"]})
    assert not [f for f in report.findings if f.data.get("crashed_rule")]
    assert any(f.code == "MKP009" and "a /* comment is never closed" in f.message for f in report.findings)


INLINED = "postmark/welcome.inlined.html"


def _in_body(mail, name: str, markup: str) -> str:
    text = mail.text(name)
    start = text.index("<body")
    anchor = text[start : text.index(">", start) + 1]
    return mail.insert_after(text, anchor, "\n" + markup)


def test_what_the_email_relies_on_fires_with_line_and_clients(mail):
    bad = {
        "image-svg": ('<img src="https://cdn.example.com/logo.svg" width="120" alt="Acme">', "gmail.desktop-webmail"),
        "html-video": ('<video src="https://cdn.example.com/tour.mp4" width="560"></video>', "gmail.desktop-webmail"),
        "css-variables": ('<p style="color: var(--brand)">Your trial ends soon</p>', "outlook.windows"),
        "css-position": ('<div style="position: absolute; top: 0">SALE</div>', "gmail.desktop-webmail"),
        "css-display-grid": ('<div style="display: grid; grid-template-columns: 1fr 1fr">A B</div>', "outlook.windows"),
    }
    for slug, (markup, client) in bad.items():
        text = _in_body(mail, INLINED, markup)
        [finding] = mail.by_feature(mail.lint(text, select="CMP001"), slug)
        assert finding.line == mail.line_of(text, markup), slug
        assert finding.severity == Severity.WARNING, slug
        assert client in finding.data["clients"], (slug, finding.data["clients"])


def test_style_only_link_colour_is_relied_on_where_style_is_dropped(mail):
    text = mail.text("postmark/receipt.source.html")
    report = mail.lint(text, select="CMP001", clients={"targets": ["gmail.mobile-webmail"]})
    [style] = mail.by_feature(report, "html-style")
    assert style.line == mail.line_of(text, "<style")
    assert style.data["clients"] == ["gmail.mobile-webmail"]
    assert "the email relies on it for " in style.message and ", color, display" in style.message
    assert "color: #3869D4 on <a> (line " in " ".join(style.data["relies_on"])
    assert any(effect.startswith("display: none on <span>") for effect in style.data["relies_on"])
    assert "Inline these" in style.suggestion
    # the message names properties, not lines or counts: a baseline keeps matching it as the email changes
    moved = text.replace("<body>", '<body>\n\n\n<p>Hello</p><a href="{{action_url}}">More</a>', 1)
    report = mail.lint(moved, select="CMP001", clients={"targets": ["gmail.mobile-webmail"]})
    [again] = mail.by_feature(report, "html-style")
    assert again.message == style.message


def test_style_whose_rules_are_also_inlined_is_not_relied_on(mail):
    for name in ("postmark/receipt.inlined.html", "mailgun/action.source.html", "leemunroe/email.inlined.html"):
        report = mail.lint(name, select="CMP001", clients={"targets": ["gmail.mobile-webmail"]})
        assert mail.by_feature(report, "html-style") == [], name


def test_what_degrades_gracefully_is_quiet_unless_asked_for(mail):
    graceful = (
        '<table role="presentation"><tr><td bgcolor="#1f2937" style="background-image: url(https://cdn.example.com/hero.jpg);'
        ' border-radius: 8px; box-shadow: 0 1px 2px #999">Spring sale</td></tr></table>'
    )
    text = _in_body(mail, INLINED, graceful)
    text = text.replace("</head>", "<style>a:hover { text-decoration: underline; }</style>\n</head>", 1)
    slugs = {"css-background-image", "css-border-radius", "css-box-shadow", "css-pseudo-class-hover"}
    report = mail.lint(text, select="CMP")
    assert not {f.data["feature"] for f in report.findings} & slugs
    report = mail.lint(text, select="CMP", clients={"report_graceful": True})
    found = {f.data["feature"]: f for f in report.findings}
    assert slugs <= set(found)
    assert {found[slug].code for slug in slugs} == {"CMP003"}
    assert mail.line_of(text, "border-radius: 8px") in found["css-border-radius"].data["lines"]


def test_background_image_without_a_colour_behind_it_is_relied_on(mail):
    markup = '<td style="background-image: url(https://cdn.example.com/hero.jpg); color: #ffffff">Spring sale</td>'
    text = _in_body(mail, INLINED, f'<table role="presentation"><tr>{markup}</tr></table>')
    [finding] = mail.by_feature(mail.lint(text, select="CMP001"), "css-background-image")
    assert finding.line == mail.line_of(text, markup)
    assert "outlook.windows" in finding.data["clients"]


def test_max_width_held_by_a_fixed_width_cell_is_not_reported(mail):
    held = '<table role="presentation" width="600"><tr><td><div style="max-width: 600px">Hi</div></td></tr></table>'
    loose = '<div style="max-width: 600px; margin: 0 auto">Hi</div>'
    report = mail.lint(_in_body(mail, INLINED, held), select="CMP001", clients={"targets": ["outlook.windows"]})
    assert mail.by_feature(report, "css-max-width") == []
    text = _in_body(mail, INLINED, loose)
    report = mail.lint(text, select="CMP001", clients={"targets": ["outlook.windows"]})
    [finding] = mail.by_feature(report, "css-max-width")
    assert finding.line == mail.line_of(text, loose)


def test_clean_corpus_is_quiet_but_for_real_reliance_on_style(mail):
    for path in sorted(mail.corpus.rglob("*.html")):
        report = mail.lint(path, select="CMP001")
        features = {f.data["feature"] for f in mail.findings(report, "CMP001")}
        expected = {"html-style"} if path.name.endswith(".source.html") and "mailgun" not in path.parts else set()
        assert features == expected, (path.name, features)


def test_renders_of_a_template_each_name_their_own_lines_for_what_style_gives(mail):
    import oopslint

    text = mail.text("postmark/receipt.source.html")
    moved = text.replace("<body>", "<body>\n\n\n", 1)
    linter = oopslint.Linter(
        {"select": ["CMP001"], "clients": {"targets": ["gmail.mobile-webmail"]}}, offline=True, mode="template"
    )
    effects = []
    for html in (text, moved, text + "<!-- again -->"):
        [style] = mail.by_feature(linter.lint(html), "html-style")
        effects.append(style.data["relies_on"])
    first, shifted, again = effects
    assert again == first
    link = next(effect for effect in first if effect.startswith("color: #3869D4 on <a> (line "))
    line = int(link.rsplit("line ", 1)[1].rstrip(")"))
    assert link.replace(f"(line {line})", f"(line {line + 3})") in shifted
    assert link.replace(f"(line {line})", f"(line {line + 3})") == next(
        effect for effect in shifted if effect.startswith("color: #3869D4 on <a>")
    )
