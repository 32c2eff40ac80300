"""Renders of one template share their computed styles; each is still judged on its own markup."""

from __future__ import annotations

from oopslint import Email
from oopslint.styles import styles


def _receipt(ctr) -> str:  # type: ignore[no-untyped-def]
    return ctr.path("corpus/postmark/receipt.source.html").read_text(encoding="utf-8")


def _texts(findings) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.message.split("'")[1] for f in findings]


def test_a_render_with_other_styles_gets_its_own_verdicts(ctr):
    template = _receipt(ctr)
    greeting = "<p>Thanks for using [Product Name]."
    faint = template.replace(greeting, '<p style="color: #DDDDDD">Thanks for using [Product Name].')
    renamed = template.replace("[Product Name]", "Acme Cloud")
    first = ctr.findings(ctr.lint(template, "CTR001"), "CTR001")
    before = _texts(first)
    assert not any(text.startswith("Thanks for using") for text in before)
    found = _texts(ctr.findings(ctr.lint(faint, "CTR001"), "CTR001"))
    assert [text for text in found if text.startswith("Thanks for using")] == [
        "Thanks for using [Product Name]. This e…"
    ]
    assert _texts(ctr.findings(ctr.lint(template, "CTR001"), "CTR001")) == before
    # the same markup with other words: the same verdicts
    again = ctr.findings(ctr.lint(renamed, "CTR001"), "CTR001")
    assert [(f.line, f.column, f.data) for f in again] == [(f.line, f.column, f.data) for f in first]


def test_a_selector_on_the_link_address_tells_renders_apart(ctr):
    template = _receipt(ctr).replace("</style>", 'a[href$="/unsubscribe"] { color: #E4E4E4; }</style>', 1)
    help_render = template.replace("{{support_url}}", "https://example.com/help")
    leave_render = template.replace("{{support_url}}", "https://example.com/unsubscribe")
    assert "support team" not in _texts(ctr.findings(ctr.lint(help_render, "CTR001"), "CTR001"))
    assert "support team" in _texts(ctr.findings(ctr.lint(leave_render, "CTR001"), "CTR001"))
    assert "support team" not in _texts(ctr.findings(ctr.lint(help_render, "CTR001"), "CTR001"))


def test_a_vml_shape_in_one_render_only(ctr):
    body = '<div><p style="color:#333333">Over VML</p></div>'
    plain = f'<html lang="en"><title>t</title><body>{body}</body></html>'
    shaped = (
        '<html lang="en"><title>t</title><body><!--[if gte mso 9]><v:rect fill="true" '
        'stroke="false" style="width:600px"><v:fill type="frame" src="https://cdn.example.com/bg.jpg" /><v:textbox>'
        f"<![endif]-->{body}<!--[if gte mso 9]></v:textbox></v:rect><![endif]--></body></html>"
    )
    assert not ctr.findings(ctr.lint(plain, "CTR004"), "CTR004")
    found = ctr.findings(ctr.lint(shaped, "CTR004"), "CTR004")
    assert len(found) == 1 and "Over VML" in found[0].message
    assert not ctr.findings(ctr.lint(plain, "CTR004"), "CTR004")


def test_painted_backgrounds_belong_to_the_email_painted(ctr):
    template = _receipt(ctr)
    first, second = Email.parse(template), Email.parse(template.replace("{{total}}", "$9.99"))
    for email in (first, second):
        button = next(e for e in email.elements if e.tag == "a" and "button--green" in e.classes)
        painted = styles(email).paint(button, "full-css")
        assert any(painted.background_element is element for element in email.elements)
        assert painted.background_element is styles(email).background(button)[3]
        assert painted.background_element.tag == "a"  # the button paints its own background
