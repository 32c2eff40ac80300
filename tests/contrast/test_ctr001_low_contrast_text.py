"""CTR001 low-contrast-text: the corpus's real low-contrast spots, profiles, positions and data."""

from __future__ import annotations

import json

from oopslint_testing import run_cli

import oopslint


def test_reports_the_postmark_receipts_real_low_contrast_spots(ctr):
    name = "corpus/postmark/receipt.source.html"
    found = ctr.findings(ctr.lint(name, "CTR001"), "CTR001")
    assert [(f.line, f.column, f.data["profiles"]["full-css"]["ratio"]) for f in found] == [
        (*ctr.locate(name, '<a href="https://example.com" class="f-fallback email-masthead_name"'), 2.1),
        (*ctr.locate(name, '<a href="http://example.com" class="f-fallback button button--green"'), 2.48),
        (*ctr.locate(name, '<p class="f-fallback">Description'), 3.58),
        (*ctr.locate(name, '<p class="f-fallback">Amount'), 3.58),
        (*ctr.locate(name, '<p class="f-fallback sub align-center">'), 2.1),
    ]
    button = found[1]
    assert button.severity == oopslint.Severity.ERROR
    assert (
        "#FFFFFF on #22BC66 is 2.48:1, below 4.5:1 for normal text (16px) in full-css, default-link-colour"
        in button.message
    )
    # every failing profile is in the data, dark ones included; the message names the light ones
    assert button.data["failing"] == ["full-css", "default-link-colour", "dark-media", "dark-partial", "dark-full"]
    # painted colours of every profile travel with the finding, for the visual report
    assert set(button.data["profiles"]) == set(oopslint.styles.PROFILES)
    assert button.data["profiles"]["style-stripped"]["color"] == "#0000EE"
    suggested = button.data["suggested_color"]
    assert suggested and suggested != "#FFFFFF" and button.suggestion.startswith(f"use {suggested}")
    assert (
        oopslint.colors.contrast_ratio(oopslint.colors.parse_color(suggested), oopslint.colors.parse_color("#22BC66"))
        >= 4.5
    )


def test_red_button_and_small_print_thresholds(ctr):
    found = ctr.findings(ctr.lint("corpus/postmark/trial-expiring.source.html", "CTR001"), "CTR001")
    ratios = sorted(f.data["profiles"]["full-css"]["ratio"] for f in found)
    assert ratios[:1] == [2.1] and all(r < 4.5 for r in ratios)
    example = ctr.findings(ctr.lint("corpus/postmark/example.source.html", "CTR001"), "CTR001")
    ratios = [f.data["profiles"]["full-css"]["ratio"] for f in example]
    assert 2.99 in ratios and 2.48 in ratios  # the red and the green button


def test_mailgun_and_leemunroe_footers(ctr):
    mailgun = ctr.findings(ctr.lint("corpus/mailgun/action.inlined.html", "CTR001"), "CTR001")
    assert {f.data["profiles"]["full-css"]["ratio"] for f in mailgun} >= {2.63}
    lee = ctr.findings(ctr.lint("corpus/leemunroe/email.source.html", "CTR001"), "CTR001")
    assert len(lee) == 5 and {f.data["profiles"]["full-css"]["ratio"] for f in lee} == {2.46}


def test_link_coloured_only_in_style_is_reported_for_clients_that_strip_it(ctr):
    name = "contrast/postmark/welcome.link-colour-in-style.html"
    found = [f for f in ctr.findings(ctr.lint(name, "CTR001"), "CTR001") if "Do this Next" in f.message]
    assert len(found) == 1
    finding = found[0]
    assert (finding.line, finding.column) == ctr.locate(name, '<a href="{{action_url}}" class="f-fallback button"')
    assert finding.message == (
        "Link 'Do this Next': its colour #FFFFFF is set only in <style>; clients that strip <style> paint it in "
        "their default link colour: #0000EE on #3869D4 is 1.85:1, below 4.5:1 for normal text (16px)"
    )
    assert finding.suggestion.startswith('inline the colour on the link (style="color: #FFFFFF"; premailer does it)')
    # the same email with the colour inlined is fine in that client
    fixed = (
        ctr.path(name)
        .read_text()
        .replace(
            'class="f-fallback button" target="_blank"',
            'class="f-fallback button" target="_blank" style="color: #FFFFFF"',
        )
    )
    assert not [f for f in ctr.findings(ctr.lint(fixed, "CTR001"), "CTR001") if "Do this Next" in f.message]


def test_client_link_colour_is_configurable(ctr):
    name = "contrast/postmark/welcome.link-colour-in-style.html"
    report = ctr.lint(name, "CTR001", contrast={"link_colours": {"style-stripped": "#FFFFFF"}})
    assert not [f for f in ctr.findings(report, "CTR001") if "Do this Next" in f.message]


def test_background_image_with_a_solid_fallback_is_checked_against_it(ctr):
    name = "contrast/mailgun/action.hero-images.html"
    found = ctr.findings(ctr.lint(name, "CTR001"), "CTR001")
    hero = [f for f in found if "New arrivals" in f.message]
    assert len(hero) == 1
    assert "(checked against the solid fallback colour under a background image)" in hero[0].message
    assert (hero[0].line, hero[0].column) == ctr.locate(name, '<p style="color: #F4F4F4')


def test_profiles_are_chosen_in_config(ctr):
    name = "contrast/postmark/welcome.link-colour-in-style.html"
    only_full = ctr.lint(name, "CTR001", contrast={"profiles": ["full-css"]})
    assert not [f for f in ctr.findings(only_full, "CTR001") if "Do this Next" in f.message]
    assert all(set(f.data["profiles"]) == {"full-css"} for f in ctr.findings(only_full, "CTR001"))


def test_unknown_profile_is_a_configuration_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.oopslint.contrast]\nprofiles = ["outlook-2007"]\n')
    (tmp_path / "mail.html").write_text('<html lang="en"><title>x</title><body><p>Hello</p></body></html>')
    result = run_cli("check", "mail.html", "--offline", cwd=tmp_path)
    assert result.returncode == 2
    assert "outlook-2007" in result.stderr.decode() and "full-css" in result.stderr.decode()


def test_ratios_are_never_rounded_up_across_the_threshold(ctr):
    # #777777 on white is 4.478:1: shown as 4.47, and it fails
    html = (
        '<html lang="en"><head><title>t</title></head><body><p style="color:#777777">Small grey print</p></body></html>'
    )
    found = ctr.findings(ctr.lint(html, "CTR001", contrast={"profiles": ["full-css"]}), "CTR001")
    assert len(found) == 1 and "4.47:1, below 4.5:1" in found[0].message
    passing = html.replace("#777777", "#767676")  # 4.54:1
    assert not ctr.findings(ctr.lint(passing, "CTR001"), "CTR001")


def test_large_text_thresholds_from_pt_em_and_percent(ctr):
    # #949494 on white is 3.03:1: fails normal text, passes large text
    cases = {
        "font-size:24px": 0,
        "font-size:18pt": 0,
        "font-size:14pt;font-weight:bold": 0,
        "font-size:150%": 0,
        "font-size:1.5em": 0,
        "font-size:18px;font-weight:700": 1,
        "font-size:23px": 1,
        "font-size:14pt": 1,
    }
    for style, expected in cases.items():
        html = f'<html lang="en"><title>t</title><body><p style="color:#949494;{style}">Large heading text</p></body></html>'
        assert len(ctr.findings(ctr.lint(html, "CTR001"), "CTR001")) == expected, style


def test_colour_syntaxes_and_alpha_blending(ctr):
    template = '<html lang="en"><title>t</title><body style="background:#FFFFFF"><p style="color:{}">Some words here</p></body></html>'
    failing = [
        "#aaa",
        "#aaaf",
        "#aaaaaa",
        "#aaaaaaff",
        "rgb(170,170,170)",
        "rgb(170 170 170 / 100%)",
        "hsl(0, 0%, 66.7%)",
        "hsla(0 0% 66.7% / 1)",
        "darkgray",
        "rgba(0,0,0,0.3)",
        "#00000050",
    ]
    for colour in failing:
        assert len(ctr.findings(ctr.lint(template.format(colour), "CTR001"), "CTR001")) == 1, colour
    for colour in ["#333", "rgba(0,0,0,0.9)", "black", "not-a-colour", "rgb(1,2", "currentColor", "inherit"]:
        assert not ctr.findings(ctr.lint(template.format(colour), "CTR001"), "CTR001"), colour


def test_presentational_attributes_and_inheritance(ctr):
    html = (
        '<html lang="en"><title>t</title><body bgcolor="#222222" text="#333333" link="#444444">'
        '<table><tr><td><p>Body text in the body colour</p><a href="https://example.com/x">A linked phrase</a>'
        '<font color="#FFFFFF">White words on dark</font></td></tr></table></body></html>'
    )
    found = ctr.findings(ctr.lint(html, "CTR001", contrast={"profiles": ["full-css"]}), "CTR001")
    assert [f.data["profiles"]["full-css"]["color"] for f in found] == ["#333333", "#444444"]
    assert all(f.data["profiles"]["full-css"]["background"] == "#222222" for f in found)


def test_clean_real_email_with_good_contrast_is_quiet(ctr):
    # Mailgun's source alert keeps its colours in <style>; its footer is the only low-contrast text
    report = ctr.lint("corpus/postmark/receipt.source.html", "CTR001", contrast={"profiles": ["style-stripped"]})
    assert not ctr.findings(report, "CTR001")


def test_json_output_carries_profiles(ctr, tmp_path):
    result = run_cli(
        "check",
        "--offline",
        "--select",
        "CTR001",
        "--format",
        "json",
        str(ctr.path("corpus/postmark/receipt.source.html")),
    )
    assert result.returncode == 1
    finding = json.loads(result.stdout)["files"][0]["findings"][0]
    assert finding["code"] == "CTR001" and finding["data"]["profiles"]["full-css"]["ratio"] == 2.1
