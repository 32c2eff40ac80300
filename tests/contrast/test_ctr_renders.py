"""Renders of one template share their computed styles (while a Linter keeps one of
them); each is still judged on its own markup."""

from __future__ import annotations

import oopslint
from oopslint import Email
from oopslint.styles import styles


class _Renders:
    """One Linter for a batch of renders, as a sender lints them."""

    def __init__(self, ctr) -> None:  # type: ignore[no-untyped-def]
        self.ctr = ctr
        self.linter = oopslint.Linter({"select": ["CTR"]}, offline=True, mode="template")
        self.count = 0

    def lint(self, html: str, code: str) -> list[oopslint.Finding]:
        self.count += 1  # each render parsed anew, never answered from the parse cache
        return self.ctr.findings(self.linter.lint(html + f"<!-- render {self.count} -->"), code)


def _receipt(ctr) -> str:  # type: ignore[no-untyped-def]
    return ctr.path("corpus/postmark/receipt.source.html").read_text(encoding="utf-8")


def _texts(findings) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.message.split("'")[1] for f in findings]


def test_a_render_with_other_styles_gets_its_own_verdicts(ctr):
    renders = _Renders(ctr)
    template = _receipt(ctr)
    greeting = "<p>Thanks for using [Product Name]."
    faint = template.replace(greeting, '<p style="color: #DDDDDD">Thanks for using [Product Name].')
    renamed = template.replace("[Product Name]", "Acme Cloud")
    first = renders.lint(template, "CTR001")
    before = _texts(first)
    assert not any(text.startswith("Thanks for using") for text in before)
    found = _texts(renders.lint(faint, "CTR001"))
    assert [text for text in found if text.startswith("Thanks for using")] == [
        "Thanks for using [Product Name]. This e…"
    ]
    assert _texts(renders.lint(template, "CTR001")) == before
    # the same markup with other words: the same verdicts
    again = renders.lint(renamed, "CTR001")
    assert [(f.line, f.column, f.data) for f in again] == [(f.line, f.column, f.data) for f in first]


def test_a_selector_on_the_link_address_tells_renders_apart(ctr):
    renders = _Renders(ctr)
    template = _receipt(ctr).replace("</style>", 'a[href$="/unsubscribe"] { color: #E4E4E4; }</style>', 1)
    help_render = template.replace("{{support_url}}", "https://example.com/help")
    leave_render = template.replace("{{support_url}}", "https://example.com/unsubscribe")
    assert "support team" not in _texts(renders.lint(help_render, "CTR001"))
    assert "support team" in _texts(renders.lint(leave_render, "CTR001"))
    assert "support team" not in _texts(renders.lint(help_render, "CTR001"))


def test_an_image_in_a_vml_shape_in_one_render_only(ctr):
    renders = _Renders(ctr)

    def render(fill: str) -> str:
        return (
            '<html lang="en"><title>t</title><body><!--[if gte mso 9]><v:rect '
            f'stroke="false" style="width:600px"><v:fill {fill} /><v:textbox><![endif]-->'
            '<div><p style="color:#333333">Over VML</p></div>'
            "<!--[if gte mso 9]></v:textbox></v:rect><![endif]--></body></html>"
        )

    solid, image = render('on="true"'), render('type="frame" src="https://cdn.example.com/bg.jpg"')
    assert not renders.lint(solid, "CTR004")
    found = renders.lint(image, "CTR004")
    assert len(found) == 1 and "Over VML" in found[0].message
    assert not renders.lint(solid, "CTR004")


def test_painted_backgrounds_belong_to_the_email_painted(ctr):
    template = _receipt(ctr)
    first, second = Email.parse(template), Email.parse(template.replace("{{total}}", "$9.99"))
    for email in (first, second):
        button = next(e for e in email.elements if e.tag == "a" and "button--green" in e.classes)
        painted = styles(email).paint(button, "full-css")
        assert any(painted.background_element is element for element in email.elements)
        assert painted.background_element is styles(email).background(button)[3]
        assert painted.background_element.tag == "a"  # the button paints its own background
