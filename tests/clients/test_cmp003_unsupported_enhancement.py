"""CMP003 unsupported-enhancement: @media, :hover and friends that degrade gracefully (opt-in)."""

from __future__ import annotations

from oopslint.report import Severity

RECEIPT = "postmark/receipt.source.html"


GRACEFUL = {"report_graceful": True}


def test_media_queries_are_quiet_by_default(mail):
    report = mail.lint(RECEIPT, select="CMP", clients={"targets": ["outlook.windows"]})
    assert mail.by_feature(report, "css-at-media") == []
    assert mail.findings(report, "CMP003") == []


def test_media_queries_on_request_are_info_naming_outlook_on_windows(mail):
    text = mail.text(RECEIPT)
    report = mail.lint(text, select="CMP", clients={"targets": ["outlook.windows"], **GRACEFUL})
    [media] = mail.by_feature(report, "css-at-media")
    assert media.code == "CMP003" and media.severity == Severity.INFO
    assert media.message.startswith(
        "@media (css-at-media) is ignored in Outlook (Windows 2007, 2010, 2013, 2016, 2019)"
    )
    assert media.data["lines"] == [mail.line_of(text, "@media", n) for n in range(text.count("@media"))]
    # what only lives inside @media is not a separate CMP001 finding
    assert all(f.code != "CMP001" or f.data["feature"] != "css-pseudo-class-hover" for f in report.findings)


def test_hover_rule_is_an_enhancement_not_a_broken_feature(mail):
    text = mail.text("mailgun/action.source.html")
    text = text.replace("</head>", "<style>a.button:hover { background-color: #2d6fc0; }</style>\n</head>", 1)
    report = mail.lint(text, select="CMP", clients={"targets": ["gmail.ios"]})
    assert mail.by_feature(report, "css-pseudo-class-hover") == []
    report = mail.lint(text, select="CMP", clients={"targets": ["gmail.ios"], **GRACEFUL})
    [hover] = mail.by_feature(report, "css-pseudo-class-hover")
    assert hover.code == "CMP003"
    assert hover.data["clients"] == ["gmail.ios"]


def test_quiet_for_a_client_that_supports_media_queries(mail):
    report = mail.lint(RECEIPT, select="CMP003", clients={"targets": ["apple-mail.macos"], **GRACEFUL})
    assert mail.findings(report, "CMP003") == []


def test_what_every_email_needs_and_the_accessibility_rules_ask_for_is_never_reported(mail):
    # a doctype, <body>, lang= and role="presentation" are in every clean corpus email; ACC004
    # and TPL009 ask for role and lang, so advice against them would contradict those rules
    report = mail.lint("postmark/receipt.source.html", select="CMP", clients={**GRACEFUL, "report_partial": True})
    features = {f.data["feature"] for f in report.findings}
    assert not features & {"html-doctype", "html-body", "html-role", "html-lang"}
    assert "css-at-media" in features  # a real enhancement is still reported
