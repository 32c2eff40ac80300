"""CTR002 low-contrast-dark-mode: text that passes in light mode and fails once darkened."""

from __future__ import annotations

import oopslint


def test_dark_stylesheet_that_darkens_backgrounds_but_not_text(ctr):
    name = "contrast/leemunroe/email.dark-background-only.html"
    found = ctr.findings(ctr.lint(name, "CTR002"), "CTR002")
    assert [(f.line, f.column) for f in found][:2] == [
        ctr.locate(name, "<p>Hi there"),
        ctr.locate(name, "<p>Sometimes you just want"),
    ]
    first = found[0]
    assert first.severity == oopslint.Severity.WARNING
    assert first.message == (
        "Low contrast in dark mode 'Hi there': #000000 on #2A2A2A is 1.46:1, below 4.5:1 "
        "for normal text (16px) in dark-media"
    )
    assert first.suggestion == "give this text its own colour in a prefers-color-scheme: dark rule"
    assert first.data["profiles"]["full-css"]["passes"] is True
    # text that already fails in light mode is CTR001's, reported once
    light = {(f.line, f.column) for f in ctr.findings(ctr.lint(name, "CTR001"), "CTR001")}
    assert light and not light & {(f.line, f.column) for f in found}


def test_quiet_without_dark_rules_and_on_a_clean_real_email(ctr):
    assert not ctr.findings(ctr.lint("corpus/leemunroe/email.source.html", "CTR002"), "CTR002")
    assert not ctr.findings(ctr.lint("corpus/mailgun/alert.source.html", "CTR002"), "CTR002")


def test_partial_inversion_lightens_dark_text_on_a_brand_coloured_button_it_keeps(ctr):
    html = (
        '<html lang="en"><title>t</title><body><table><tr><td bgcolor="#FFA500">'
        '<a href="https://example.com/deal" style="color:#1A1A1A;text-decoration:none">Get the deal</a>'
        "</td></tr></table></body></html>"
    )
    found = ctr.findings(
        ctr.lint(html, "CTR002", contrast={"profiles": ["full-css", "dark-partial", "dark-full"]}), "CTR002"
    )
    assert len(found) == 1 and found[0].data["failing"] == ["dark-partial"]
    assert "#FFA500" in found[0].message  # the orange is kept, the near-black text turned light


def test_dark_profiles_can_be_switched_off(ctr):
    name = "contrast/leemunroe/email.dark-background-only.html"
    report = ctr.lint(name, "CTR002", contrast={"profiles": ["full-css", "style-stripped"]})
    assert not ctr.findings(report, "CTR002")
