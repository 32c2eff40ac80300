"""TPL002 placeholder-text: filler and editor copy, with the false positives it must avoid."""

from __future__ import annotations

import pytest

import oopslint

WELCOME = "postmark/welcome.placeholders.html"
RENDERED = "postmark/receipt.rendered.html"


def _paragraph(tpl, text: str) -> str:
    """The rendered receipt with one more paragraph of copy after the greeting."""
    html = tpl.text(RENDERED)
    return html.replace("<h1>Hi Ada,</h1>", f"<h1>Hi Ada,</h1>\n                        <p>{text}</p>", 1)


def test_editor_copy_and_filler_in_a_real_template(tpl):
    report = tpl.lint(WELCOME, mode="template", select="TPL002")
    errors = [f for f in tpl.findings(report, "TPL002") if f.severity.name == "ERROR"]
    assert [(f.line, f.column) for f in errors] == [
        tpl.locate(WELCOME, "Your headline here"),
        tpl.locate(WELCOME, "Lorem ipsum"),
        tpl.locate(WELCOME, "[Insert screenshot of the dashboard]"),
    ]
    assert [f.message for f in errors] == [
        "Placeholder text 'Your headline here' in the body text: template placeholder copy",
        "Placeholder text 'Lorem ipsum' in the body text: filler text that was never replaced",
        "Placeholder text '[Insert screenshot of the dashboard]' in the body text: an instruction to the author, "
        "not copy for the recipient",
    ]
    # lorem ipsum is reported once per paragraph, not once per Latin word
    assert sum("Lorem" in f.message or "dolor" in f.message for f in errors) == 1
    assert report.exit_code == 1


def test_bracketed_placeholders_are_warnings_in_template_mode(tpl):
    name = "postmark/receipt.source.html"
    found = tpl.findings(tpl.lint(name, mode="template", select="TPL002"), "TPL002")
    assert {f.severity.name for f in found} == {"WARNING"}
    assert [f.data["text"] for f in found] == [
        "[Product Name]",
        "[Product Name]",
        "[Credit Card Statement Name]",
        "[Product Name]",
        "[Company Name, LLC]",
    ]
    first = found[0]
    assert (first.line, first.column) == tpl.locate(name, "[Product Name]")
    assert first.message == (
        "Placeholder text '[Product Name]' in the body text: a bracketed placeholder; "
        "replace it with the real value before this template is sent"
    )


def test_bracketed_placeholder_is_an_error_in_rendered_mode(tpl):
    name = "postmark/receipt.unfilled-brackets.html"
    found = tpl.findings(tpl.lint(name, mode="rendered", select="TPL002"), "TPL002")
    assert len(found) == 1
    assert found[0].severity.name == "ERROR"
    assert (found[0].line, found[0].column) == tpl.locate(name, "[Product Name]")
    assert found[0].message == (
        "Placeholder text '[Product Name]' in the body text: a bracketed placeholder: recipients will see it as typed"
    )


def test_quiet_on_a_fully_rendered_real_email(tpl):
    assert tpl.findings(tpl.lint(RENDERED, mode="rendered"), "TPL002") == []


@pytest.mark.parametrize(
    ("copy", "expected"),
    [
        ("Hi FNAME, your order is ready.", "FNAME"),
        ("Your code saves $XX.XX on your next order.", "$XX.XX"),
        ("Call us on XXX-XXX-XXXX any time.", "XXX-XXX-XXXX"),
        ("Save XX% this weekend.", "XX%"),
        ("TODO: add the tracking link", "TODO"),
        ("Snippet text here", "Snippet text here"),
        ("Text goes here", "Text goes here"),
        ("Double-click to edit", "Double-click to edit"),
        ("(add a photo of the team here)", "(add a photo of the team here)"),
        ("Contact [Your Company] today.", "[Your Company]"),
        ("We’ll try again in [x] days.", "[x]"),
        ("Reach us at [email address].", "[email address]"),
    ],
)
def test_placeholder_kinds_are_reported_in_rendered_mail(tpl, copy, expected):
    html = _paragraph(tpl, copy)
    found = tpl.findings(tpl.lint(html, mode="rendered", select="TPL002"), "TPL002")
    assert [f.data["text"] for f in found] == [expected]
    assert found[0].severity.name == "ERROR"
    assert (found[0].line, found[0].column) == tpl.locate(html, expected)


@pytest.mark.parametrize(
    "copy",
    [
        "Our todo list app now syncs to your phone.",
        "Your TODO list app just got faster.",
        "Visa ending XXXX-XXXX-XXXX-4242 was charged.",
        "The hoodie now comes in XXL and XXX-Large.",
        "Watch Super Bowl XXX highlights.",
        "Download the report [PDF] or read the summary [1].",
        "[Read more] about the new plans or [Watch video].",
        "See our sample size chart and dummy-proof setup guide.",
        "Love, Anna xxx",
        "Tickets for the 2025 tour: on sale now.",
        "Your text messages are end-to-end encrypted.",
    ],
)
def test_ordinary_copy_is_not_a_placeholder(tpl, copy):
    html = _paragraph(tpl, copy)
    assert tpl.findings(tpl.lint(html, mode="rendered", select="TPL002"), "TPL002") == []


def test_merge_tags_never_count_as_placeholders(tpl):
    html = _paragraph(tpl, "Hi {{ first_name }}, your [[coupon_code]] expires on *|EXPIRES|*.")
    assert tpl.findings(tpl.lint(html, mode="template", select="TPL002"), "TPL002") == []


def test_tbd_is_a_warning_and_can_be_allowed(tpl):
    html = _paragraph(tpl, "Workshop venue: TBD")
    found = tpl.findings(tpl.lint(html, mode="rendered", select="TPL002"), "TPL002")
    assert [(f.data["text"], f.severity.name) for f in found] == [("TBD", "WARNING")]
    allowed = tpl.lint(html, mode="rendered", select="TPL002", options={"placeholder_allow": ["tbd"]})
    assert tpl.findings(allowed, "TPL002") == []


def test_example_copy_in_a_real_boilerplate(tpl):
    name = "leemunroe/email.source.html"
    template = tpl.findings(tpl.lint(name, mode="template", select="TPL002"), "TPL002")
    assert [(f.data["text"], f.data["where"], f.severity.name) for f in template] == [
        ("This is preheader text", "preheader", "WARNING")
    ]
    assert (template[0].line, template[0].column) == tpl.locate(name, "This is preheader text")
    rendered = tpl.findings(tpl.lint(name, mode="rendered", select="TPL002"), "TPL002")
    assert [f.severity.name for f in rendered] == ["ERROR"]


def test_placeholders_in_alt_text_and_split_by_inline_markup(tpl):
    html = _paragraph(tpl, "Your <strong>text</strong> here")
    html = html.replace("</h1>", '</h1>\n<img src="https://acme.example/hero.png" alt="Lorem ipsum hero">', 1)
    found = tpl.findings(tpl.lint(html, mode="rendered", select="TPL002"), "TPL002")
    assert sorted((f.data["where"], f.data["text"]) for f in found) == [
        ("alt text", "Lorem ipsum"),
        ("body text", "Your text here"),
    ]
    split = next(f for f in found if f.data["text"] == "Your text here")
    assert (split.line, split.column) == tpl.locate(html, "Your <strong>")
    assert (split.end_line, split.end_column) == tpl.locate(html, "here</p>", offset=4)


def test_extra_patterns_from_configuration(tpl):
    html = _paragraph(tpl, "Offer ends on DATE_GOES_HERE.")
    options = {"placeholder_patterns": [r"\b[A-Z_]+_GOES_HERE\b"]}
    found = tpl.findings(tpl.lint(html, mode="rendered", select="TPL002", options=options), "TPL002")
    assert [(f.data["text"], f.data["kind"]) for f in found] == [("DATE_GOES_HERE", "custom")]


def test_a_bad_pattern_is_a_configuration_error_not_a_crash(tpl):
    with pytest.raises(
        oopslint.ConfigError,
        match=r"\[tool.oopslint.template\] placeholder_patterns: "
        r"'\(unclosed' is not a valid regular expression",
    ):
        tpl.lint(RENDERED, mode="rendered", select="TPL002", options={"placeholder_patterns": ["(unclosed"]})


def test_a_bad_pattern_in_a_config_file_exits_2_with_a_message(cli, tpl, tmp_path):
    (tmp_path / "oopslint.toml").write_text('[template]\ntest_marker_patterns = ["[unclosed"]\n', encoding="utf-8")
    email = tmp_path / "receipt.html"
    email.write_text(tpl.text(RENDERED), encoding="utf-8")
    result = cli("check", str(email), "--offline", cwd=tmp_path)
    assert result.returncode == 2
    output = (result.stdout + result.stderr).decode()
    assert "test_marker_patterns: '[unclosed' is not a valid regular expression" in output
    assert "Traceback" not in output


@pytest.mark.parametrize(
    "subject",
    [
        "[Price Drop] Your saved items are cheaper",
        "[Time Sensitive] Confirm your seat",
        "[Event] Join us Thursday",
        "[Reminder] Your trial ends soon",
        "[Photo: Jane Doe] Behind the scenes",
    ],
)
def test_subject_tags_in_brackets_are_not_placeholders(tpl, subject):
    found = tpl.findings(tpl.lint(RENDERED, mode="rendered", select="TPL002", subject=subject), "TPL002")
    assert found == []


def test_editor_copy_must_stand_alone_to_count(tpl):
    html = _paragraph(tpl, "Click here to edit your profile and notification settings.")
    assert tpl.findings(tpl.lint(html, mode="rendered", select="TPL002"), "TPL002") == []
    html = _paragraph(tpl, "Click to edit text")
    assert [f.data["text"] for f in tpl.findings(tpl.lint(html, mode="rendered", select="TPL002"), "TPL002")] == [
        "Click to edit text"
    ]


def test_date_placeholder_from_the_rule_documentation(tpl):
    html = _paragraph(tpl, "Your code expires on XX/XX.")
    found = tpl.findings(tpl.lint(html, mode="rendered", select="TPL002"), "TPL002")
    assert [f.data["text"] for f in found] == ["XX/XX"]


# ---------------------------------------------------------------- filler variants

FILLER_PARAGRAPHS = {
    "Duis aute": "Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur.",
    "Class aptent": "Class aptent taciti sociosqu ad litora torquent per conubia nostra, per inceptos himenaeos.",
    "Sed ut": "Sed ut perspiciatis unde omnis iste natus error sit voluptatem accusantium doloremque laudantium.",
    "Far far away": "Far far away, behind the word mountains, far from the countries Vokalia and Consonantia, "
    "there live the blind texts.",
    "Bacon ipsum": "Bacon ipsum dolor amet pancetta andouille kielbasa, turducken shankle picanha.",
    "Cupcake ipsum": "Cupcake ipsum dolor sit amet chocolate cake gummies.",
}


def filler_email(tpl) -> str:
    """Postmark's welcome template with one paragraph of each kind of filler
    after its first paragraph."""
    html = tpl.text("postmark/welcome.source.html")
    extra = "".join(f"\n                        <p>{text}</p>" for text in FILLER_PARAGRAPHS.values())
    marker = "<p>Thanks for trying [Product Name]."
    assert marker in html
    return html.replace(marker, extra.lstrip() + "\n                        " + marker, 1)


def test_lorem_variants_are_filler_once_per_paragraph(tpl):
    html = filler_email(tpl)
    found = [
        f
        for f in tpl.findings(tpl.lint(html, mode="template", select="TPL002"), "TPL002")
        if f.data["kind"] != "bracket"
    ]
    assert [(f.line, f.column, f.message, f.severity.name) for f in found] == [
        (
            *tpl.locate(html, "Duis aute"),
            "Placeholder text 'Duis aute irure' in the body text: filler text that was never replaced",
            "ERROR",
        ),
        (
            *tpl.locate(html, "Class aptent"),
            "Placeholder text 'Class aptent taciti' in the body text: filler text that was never replaced",
            "ERROR",
        ),
        (
            *tpl.locate(html, "Sed ut"),
            "Placeholder text 'Sed ut perspiciatis' in the body text: filler text that was never replaced",
            "ERROR",
        ),
        (
            *tpl.locate(html, "Far far away"),
            "Placeholder text 'Far far away, behind the word mountains' in the "
            'body text: filler text (the "Far far away" blind text) that was never replaced',
            "ERROR",
        ),
        (
            *tpl.locate(html, "Bacon ipsum"),
            "Placeholder text 'Bacon ipsum' in the body text: "
            "filler text from an ipsum generator that was never replaced",
            "ERROR",
        ),
        (
            *tpl.locate(html, "Cupcake ipsum"),
            "Placeholder text 'Cupcake ipsum' in the body text: "
            "filler text from an ipsum generator that was never replaced",
            "ERROR",
        ),
    ]
    assert [f.data["kind"] for f in found] == [
        "lorem-ipsum",
        "lorem-ipsum",
        "lorem-ipsum",
        "blind-text",
        "themed-ipsum",
        "themed-ipsum",
    ]


def test_a_lorem_paragraph_with_latin_ipsum_inside_is_one_finding(tpl):
    html = _paragraph(tpl, "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Vestibulum ipsum sed massa.")
    found = tpl.findings(tpl.lint(html, mode="rendered", select="TPL002"), "TPL002")
    assert [f.data["text"] for f in found] == ["Lorem ipsum"]


@pytest.mark.parametrize(
    "text",
    [
        "Error codes are listed in the appendix, in order.",
        "Our Magna Carta exhibit opens in June, and the Via Appia tour is back.",
        "Our summer sale has a minimum order of $20; items ship per order.",
        "Duis, our cat, loves the new tempor collection.",
    ],
)
def test_english_with_a_few_latin_looking_words_is_not_filler(tpl, text):
    html = _paragraph(tpl, text)
    assert tpl.findings(tpl.lint(html, mode="rendered", select="TPL002"), "TPL002") == []


def test_a_second_render_of_a_template_gets_its_own_places(tpl):
    # renders of one template share their text; each finding still points into its own render
    name = "postmark/receipt.source.html"
    html = tpl.text(name)
    first = tpl.findings(tpl.lint(html, mode="template", select="TPL002"), "TPL002")
    moved = tpl.findings(tpl.lint("<!-- render 2 -->\n\n" + html, mode="template", select="TPL002"), "TPL002")
    assert first and [(f.message, f.line + 2, f.column) for f in first] == [
        (f.message, f.line, f.column) for f in moved
    ]
    custom = {"placeholder_patterns": [r"\bProduct Name\b"]}
    again = tpl.findings(tpl.lint(html, mode="template", select="TPL002", options=custom), "TPL002")
    assert len(again) == len(first)  # the custom pattern finds nothing an earlier one has not


def test_stand_in_copy_is_one_finding_per_sentence_but_each_value_to_fill_is_its_own(tpl):
    html = _paragraph(
        tpl,
        "Snippet text here lorem ipsum is dummy text. Headline goes here. "
        "Thanks, [Sender Name] and the [Product Name] team.",
    )
    found = tpl.findings(tpl.lint(html, mode="rendered", select="TPL002"), "TPL002")
    assert [f.data["text"] for f in found] == [
        "Snippet text here",
        "Headline goes here",
        "[Sender Name]",
        "[Product Name]",
    ]
    first = found[0]
    assert (first.line, first.column) == tpl.locate(html, "Snippet text here")
    assert first.message == (
        "Placeholder text 'Snippet text here' in the body text: template placeholder copy "
        "(in the same sentence: 'lorem ipsum', 'dummy text')"
    )
    assert first.data["also"] == ["lorem ipsum", "dummy text"]
    assert {f.severity.name for f in found} == {"ERROR"}
