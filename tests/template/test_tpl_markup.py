"""TPL004 alt text, TPL005 dead hrefs, TPL006 Gmail clipping, TPL009 lang, TPL010 preheader."""

from __future__ import annotations

import pytest

# ------------------------------------------------------------------ TPL004 image-missing-alt

IMAGES = "mailgun/alert.images.html"


def test_logo_without_alt_is_reported_but_spacer_and_pixel_are_not(tpl):
    found = tpl.findings(tpl.lint(IMAGES, select="TPL004"), "TPL004")
    assert len(found) == 1
    assert (found[0].line, found[0].column) == tpl.locate(IMAGES, '<img src="https://cdn.mailgun.example/email/logo')
    assert found[0].message == (
        "Image logo-mailgun@2x.png has no alt attribute: screen readers read out its file name, and readers "
        "who block images see nothing in its place"
    )
    assert found[0].severity.name == "WARNING"
    assert found[0].suggestion == 'add alt="…" describing the image, or alt="" if it is decorative'


def test_linked_image_without_alt_names_the_link_problem(tpl):
    html = tpl.text("postmark/receipt.rendered.html").replace(
        "\n                Acme\n              </a>",
        '<img src="https://acme.example/logo.png" width="94"></a>', 1)
    found = tpl.findings(tpl.lint(html, mode="rendered", select="TPL004"), "TPL004")
    assert [f.message for f in found] == [
        "Linked image logo.png has no alt attribute: the link has no name for screen readers, and readers who "
        "block images see an empty link"
    ]
    assert found[0].data["linked"] is True
    assert found[0].severity.name == "ERROR"  # a link with no name: one finding, at error level


@pytest.mark.parametrize(
    "img",
    [
        '<img src="https://acme.example/divider.png" alt="">',
        '<img src="https://acme.example/o.gif" width="1" height="1">',
        '<img src="https://acme.example/o.gif" style="width:1px;height:1px;border:0">',
        '<img src="https://acme.example/o.gif" width="0" height="0">',
        '<img src="https://acme.example/divider.png" role="presentation">',
        '<img src="https://acme.example/hero.png" aria-label="Spring sale: 30% off">',
        '<img src="https://acme.example/mobile.png" style="display:none">',
    ],
)
def test_images_that_need_no_alt(tpl, img):
    html = tpl.text("postmark/receipt.rendered.html").replace("<h1>Hi Ada,</h1>", f"{img}<h1>Hi Ada,</h1>", 1)
    assert tpl.findings(tpl.lint(html, mode="rendered", select="TPL004"), "TPL004") == []


# ------------------------------------------------------------------ TPL005 dead-href

DEAD = "postmark/user-invitation.dead-links.html"


def test_dead_links_in_a_real_template(tpl):
    found = tpl.findings(tpl.lint(DEAD, select="TPL005"), "TPL005")
    assert [(f.line, f.column) for f in found] == [
        tpl.locate(DEAD, '#" class="f-fallback button"'),
        tpl.locate(DEAD, "javascript:openChat()"),
        tpl.locate(DEAD, '">help documentation'),
    ]
    assert [f.message for f in found] == [
        'Link "Set up account" points at "#": a placeholder that goes nowhere',
        'Link "live chat" uses a javascript: URL: mail clients strip scripts, so the link does nothing and spam '
        "filters notice it",
        'Link "help documentation" has an empty href: it goes nowhere',
    ]
    assert {f.severity.name for f in found} == {"ERROR"}


def test_templated_hrefs_of_the_clean_template_are_fine(tpl, tmp_path):
    clean = tpl.text(DEAD)
    clean = clean.replace('href="#" class', 'href="{{action_url}}" class').replace(
        'href="javascript:openChat()"', 'href="{{live_chat_url}}"').replace('href=""', 'href="{{help_url}}"')
    assert tpl.findings(tpl.lint(clean, select="TPL005"), "TPL005") == []


def test_mailto_without_address_and_fragments_are_left_to_the_link_rules(tpl, corpus):
    # LNK008 and LNK011 own these; TPL005 must not report the same link twice
    assert tpl.findings(tpl.lint(corpus / "mailgun" / "billing.source.html", select="TPL005"), "TPL005") == []
    html = tpl.text("postmark/receipt.rendered.html").replace(
        "<h1>Hi Ada,</h1>", '<h1>Hi Ada,</h1><p><a href="#faq">FAQ</a></p>', 1)
    assert tpl.findings(tpl.lint(html, mode="rendered", select="TPL005"), "TPL005") == []


# ------------------------------------------------------------------ TPL006 gmail-clipping

CLIPPED = "leemunroe/newsletter.clipped.html"


def test_newsletter_over_the_clipping_limit(tpl):
    found = tpl.findings(tpl.lint(CLIPPED, select="TPL006"), "TPL006")
    assert len(found) == 1
    data = tpl.path(CLIPPED).read_bytes()
    # where byte 104,448 (102 KB) falls, counted independently
    clip_line = data[: 102 * 1024].count(b"\n") + 1
    assert found[0].line == clip_line
    assert found[0].severity.name == "ERROR"
    assert found[0].message.startswith(
        f"The HTML is {len(data) / 1024:.1f} KB, over Gmail's ~102 KB clipping limit: Gmail hides everything "
        f"from about line {clip_line} on behind \"[Message clipped]\", including the footer, the unsubscribe link"
    )
    assert found[0].data["bytes"] == len(data)


def test_close_to_the_limit_is_a_warning(tpl):
    found = tpl.findings(tpl.lint(CLIPPED, select="TPL006", options={"gmail_clip_kb": 120, "gmail_warn_kb": 100}),
                         "TPL006")
    assert [f.severity.name for f in found] == ["WARNING"]
    assert "close to Gmail's ~120 KB clipping limit (warning from 100 KB)" in found[0].message
    assert found[0].line is None


def test_click_tracking_counts_toward_the_limit(tpl):
    name = "leemunroe/email.source.html"
    assert tpl.findings(tpl.lint(name, select="TPL006"), "TPL006") == []
    tracked = tpl.lint(name, select="TPL006", options={"gmail_clip_kb": 10, "gmail_warn_kb": 9,
                                                      "tracking_bytes_per_link": 600})
    found = tpl.findings(tracked, "TPL006")
    assert [f.severity.name for f in found] == ["ERROR"]
    assert "(with 1.8 KB of click tracking for 3 links)" in found[0].message


def test_quiet_on_every_clean_corpus_email(tpl, corpus):
    for path in sorted(corpus.glob("*/*.html")):
        assert tpl.findings(tpl.lint(path, select="TPL006"), "TPL006") == [], path.name


# ------------------------------------------------------------------ TPL009 missing-lang


def test_real_inlined_mailgun_email_without_lang(tpl):
    name = "mailgun/action.inlined.html"
    found = tpl.findings(tpl.lint(name, select="TPL009"), "TPL009")
    assert len(found) == 1
    assert (found[0].line, found[0].column) == tpl.locate(name, "<html")
    assert found[0].message == (
        "<html> has no lang attribute: screen readers cannot tell which language to read the email in"
    )
    assert found[0].severity.name == "WARNING"


@pytest.mark.parametrize("name", ["mailgun/action.source.html", "mailgun/action.wrapper-lang.html",
                                  "leemunroe/email.source.html"])
def test_lang_on_html_or_on_a_wrapper_around_all_text(tpl, name):
    assert tpl.findings(tpl.lint(name, select="TPL009"), "TPL009") == []


def test_lang_on_a_wrapper_that_leaves_text_outside(tpl):
    body = '<body class="body" style="background-color:#f4f4f4;">'
    html = tpl.text("mailgun/action.wrapper-lang.html").replace(
        body, body + '<p style="font-size:12px">View this email in your browser</p>', 1)
    found = tpl.findings(tpl.lint(html, select="TPL009"), "TPL009")
    assert [f.message for f in found] == [
        "<html> has no lang attribute (a lang on an inner element covers only part of the text): screen readers "
        "cannot tell which language to read the email in"
    ]


@pytest.mark.parametrize(
    ("attribute", "message", "suggestion"),
    [
        ('lang="en_US"', 'lang="en_US" on <html> is not a language tag like "en" or "pt-BR" (did you mean "en-US"?)',
         'lang="en-US"'),
        ('lang="english"', 'lang="english" on <html> is not a language tag like "en" or "pt-BR"',
         'lang="en" (a BCP 47 language tag)'),
        ('lang=""', "<html> has an empty lang: screen readers fall back to the reader's default language",
         'lang="en" (or the email\'s language)'),
    ],
)
def test_invalid_language_tags(tpl, attribute, message, suggestion):
    html = tpl.text("mailgun/action.source.html").replace('<html lang="en"', f"<html {attribute}", 1)
    found = tpl.findings(tpl.lint(html, select="TPL009"), "TPL009")
    assert [(f.message, f.suggestion) for f in found] == [(message, suggestion)]


def test_valid_language_tags_and_templated_lang(tpl):
    for value in ("pt-BR", "zh-Hant-TW", "sr-Latn", "es-419", "{{ locale }}"):
        html = tpl.text("mailgun/action.source.html").replace('<html lang="en"', f'<html lang="{value}"', 1)
        assert tpl.findings(tpl.lint(html, select="TPL009"), "TPL009") == [], value


def test_template_partials_are_not_checked_but_rendered_fragments_are(tpl):
    partial = '<table role="presentation"><tr><td class="footer">Acme, LLC · 1234 Street Rd.</td></tr></table>'
    assert tpl.findings(tpl.lint(partial, mode="template", select="TPL009"), "TPL009") == []
    found = tpl.findings(tpl.lint(partial, mode="rendered", select="TPL009"), "TPL009")
    assert [f.message for f in found] == [
        "The email has no <html> element with a lang attribute: screen readers cannot tell which language to read "
        "the email in"
    ]


# ------------------------------------------------------------------ TPL010 missing-preheader


def test_real_template_without_preheader(tpl):
    name = "postmark/comment-notification.source.html"
    found = tpl.findings(tpl.lint(name, select="TPL010"), "TPL010")
    assert len(found) == 1
    assert (found[0].line, found[0].column) == tpl.locate(name, "<body>")
    assert found[0].severity.name == "INFO"
    assert found[0].message.startswith(
        'No preheader: inboxes will preview the first text of the email instead: here, "[Product Name] …'
    )


def test_spacer_only_preheader_counts_as_none(tpl):
    # Mailgun's source has an empty preheader div followed by &nbsp;&zwnj; filler
    found = tpl.findings(tpl.lint("mailgun/alert.source.html", select="TPL010"), "TPL010")
    assert [f.data["first_text"] for f in found] == [
        "Warning: You're approaching your limit. Please upgrade. You…"
    ]


@pytest.mark.parametrize("name", ["postmark/receipt.source.html", "postmark/receipt.rendered.html",
                                  "leemunroe/email.source.html", "eml/newsletter.one-click.eml"])
def test_quiet_when_there_is_a_preheader(tpl, name):
    assert tpl.findings(tpl.lint(name, select="TPL010"), "TPL010") == []


def test_templated_preheader_counts(tpl):
    html = tpl.text("postmark/comment-notification.source.html").replace(
        "<body>", '<body>\n    <span class="preheader">{{ preheader }}</span>', 1)
    assert tpl.findings(tpl.lint(html, select="TPL010"), "TPL010") == []


def test_a_clip_limit_of_zero_is_a_configuration_error(tpl):
    import oopslint

    with pytest.raises(oopslint.ConfigError, match=r"gmail_clip_kb must be above 0, got 0"):
        tpl.lint(CLIPPED, select="TPL006", options={"gmail_clip_kb": 0})
