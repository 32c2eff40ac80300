"""The email model: one parse, positions that point at the line the user edits."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from oopslint_testing import FIXTURES

from oopslint import Email, InputError
from oopslint.templating import MASK_CHAR


def test_text_segments_keep_source_line_and_column():
    html = "<html><body>\n  <p>Hello <b>world</b>,</p>\n  <p>Second&nbsp;line</p>\n</body></html>"
    email = Email.parse(html)
    texts = [(s.text, email.segment_span(s, 0, len(s.text))) for s in email.segments]
    assert texts[0][0] == "Hello "
    assert (texts[0][1].line, texts[0][1].column) == (2, 6)
    world = next(s for s in email.segments if s.text == "world")
    span = email.segment_span(world, 0, 5)
    assert (span.line, span.column, span.end_column) == (2, 15, 20)
    second = next(s for s in email.segments if s.text.startswith("Second"))
    assert second.text == "Second\u00a0line"
    # "line" starts after the 6-character entity, and the column says so
    span = email.segment_span(second, 7, 11)
    assert (span.line, span.column) == (3, 18)


def test_zero_width_characters_are_removed_and_positions_survive():
    html = "<p>Shipped on Aug&zwnj; 28,&#8203; 2016 to Ber\u00adlin</p>"
    email = Email.parse(html)
    segment = email.segments[0]
    assert segment.text == "Shipped on Aug 28, 2016 to Berlin"
    index = segment.text.index("2016")
    span = email.segment_span(segment, index, index + 4)
    assert html[span.column - 1 : span.end_column - 1] == "2016"
    index = segment.text.index("Berlin")
    span = email.segment_span(segment, index, index + 6)
    assert html[span.column - 1 : span.end_column - 1] == "Ber\u00adlin"


def test_hidden_text_and_preheader_are_marked(corpus):
    email = Email.parse(corpus / "postmark" / "receipt.source.html")
    assert email.preheader.startswith("This is a receipt for your recent purchase")
    preheader = [s for s in email.segments if s.preheader]
    assert preheader and all(s.hidden for s in preheader)
    assert "This is a receipt" not in email.visible_text


def test_inline_hidden_preheader_on_inlined_email(corpus):
    email = Email.parse(corpus / "leemunroe" / "email.inlined.html")
    assert email.preheader == "This is preheader text. Some clients will show this text as a preview."


def test_head_style_script_and_comments_are_not_visible_text():
    html = (
        "<html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<!-- hidden note --><script>var a='x'</script><p>Seen</p></body></html>"
    )
    email = Email.parse(html)
    assert [s.text for s in email.segments if s.kind == "text"] == ["Seen"]
    assert email.comments[0].text.strip() == "hidden note"


def test_links_and_images_with_their_places():
    html = (
        "<html><body style=\"background:url('https://cdn.example/bg.png')\">\n"
        '<table background="https://cdn.example/tile.png"><tr><td>\n'
        '<a href="https://shop.example/sale?a=1&amp;b=2"><img src="https://cdn.example/hero.jpg" alt="Sale"></a>\n'
        '<map><area href="https://shop.example/map" alt="Map"></map>\n'
        '<!--[if mso]><v:roundrect href="https://shop.example/vml" style="x"><v:fill src="https://cdn.example/vml.png"/></v:roundrect><![endif]-->\n'
        "</td></tr></table></body></html>"
    )
    email = Email.parse(html)
    links = {link.url: link for link in email.links}
    assert set(links) == {"https://shop.example/sale?a=1&b=2", "https://shop.example/map", "https://shop.example/vml"}
    sale = links["https://shop.example/sale?a=1&b=2"]
    assert (sale.span.line, sale.span.column) == (3, 10)
    assert sale.image_alts == ["Sale"]
    assert links["https://shop.example/vml"].kind == "vml"
    kinds = {image.url: image.kind for image in email.images}
    assert kinds == {
        "https://cdn.example/bg.png": "css",
        "https://cdn.example/tile.png": "background",
        "https://cdn.example/hero.jpg": "img",
        "https://cdn.example/vml.png": "vml",
    }


def test_merge_tags_are_masked_in_text_and_found_in_hrefs():
    html = '<p>Hi {{ first_name }}, use *|COUPON|*</p><a href="https://x.example/%7B%7Btoken%7D%7D">Go</a>'
    email = Email.parse(html)
    segment = email.segments[0]
    assert segment.raw == "Hi {{ first_name }}, use *|COUPON|*"
    assert segment.text == "Hi " + MASK_CHAR * len("{{ first_name }}") + ", use " + MASK_CHAR * len("*|COUPON|*")
    assert [t.dialect for t in segment.tokens] == ["jinja", "mailchimp"]
    assert email.links[0].templated


def test_lang_is_inherited_from_ancestors():
    email = Email.parse('<html lang="en"><body><p>Hello</p><div lang="de"><p>Hallo</p></div></body></html>')
    langs = {s.text: s.lang for s in email.segments}
    assert langs == {"Hello": "en", "Hallo": "de"}
    assert email.lang == "en"


def test_code_pre_and_translate_no_are_marked_to_skip_spelling():
    email = Email.parse('<p>Run <code>pip instal</code></p><p translate="no">Acme Frobnitz</p><pre>x</pre>')
    skipped = {s.text for s in email.segments if s.skip_spelling}
    assert skipped == {"pip instal", "Acme Frobnitz", "x"}


def test_eml_positions_point_into_the_file(tmp_path):
    message = EmailMessage()
    message["Subject"] = "Your order has shipped"
    message["From"] = "Acme Shop <orders@acme.example>"
    message["To"] = "ada@example.com"
    message["List-Unsubscribe"] = "<https://acme.example/u/1>"
    message.set_content("Plain text part")
    message.add_alternative("<html><body>\n<p>Hello there</p>\n</body></html>\n", subtype="html", cte="8bit")
    path = tmp_path / "shipped.eml"
    path.write_bytes(bytes(message))
    email = Email.parse(path)
    assert email.kind == "eml"
    assert email.subject == "Your order has shipped"
    assert email.header("List-Unsubscribe") == "<https://acme.example/u/1>"
    assert email.text_part.strip() == "Plain text part"
    segment = next(s for s in email.segments if s.text == "Hello there")
    span = email.segment_span(segment, 0, 5)
    lines = path.read_text().splitlines()
    assert lines[span.line - 1][span.column - 1 : span.column + 4] == "Hello"
    subject_span = email.subject_span
    assert lines[subject_span.line - 1][subject_span.column - 1 :] == "Your order has shipped"


def test_email_message_object_is_accepted():
    message = EmailMessage()
    message["Subject"] = "Hi"
    message.set_content("<p>Body</p>", subtype="html")
    email = Email.parse(message)
    assert email.subject == "Hi"
    assert email.visible_text == "Body"


@pytest.mark.parametrize(
    "data, encoding",
    [
        ("<p>Grüße</p>".encode(), "utf-8"),
        (b"\xef\xbb\xbf" + "<p>Grüße</p>".encode(), "utf-8"),
        ('<meta charset="iso-8859-1"><p>Grüße</p>'.encode("latin-1"), "iso-8859-1"),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252"><p>Grüße</p>'.encode("cp1252"),
            "windows-1252",
        ),
    ],
)
def test_encodings_are_detected(data, encoding):
    email = Email.parse(data)
    assert "Grüße" in email.visible_text
    assert email.replaced_bytes == 0


def test_undecodable_bytes_are_replaced_and_counted():
    email = Email.parse(b"<p>Caf\xe9 au lait</p>\n<p>ok</p>")
    assert email.replaced_bytes == 1
    assert "Caf\ufffd au lait" in email.visible_text


@pytest.mark.parametrize(
    "data, message",
    [(b"", "empty"), (b"   \n", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary")],
)
def test_unreadable_input_raises_a_clear_error(data, message):
    with pytest.raises(InputError, match=message):
        Email.parse(data)


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        Email.parse(tmp_path / "missing.html")


def test_ten_thousand_nested_tables_parse_without_recursion():
    html = "<table><tr><td>" * 10000 + "deep" + "</td></tr></table>" * 10000
    email = Email.parse(html)
    assert email.visible_text == "deep"
    assert len(email.elements) == 30000


def test_truncated_html_still_parses():
    email = Email.parse('<html><body><p>Cut off <a href="https://x.example/a">link te')
    assert email.links[0].url == "https://x.example/a"
    assert "link te" in email.visible_text


def test_stylesheets_and_fonts_in_style_are_not_images(corpus):
    # the Postmark templates load Google Fonts with @import url(...)
    source = (corpus / "postmark" / "receipt.source.html").read_text(encoding="utf-8")
    assert '@import url("https://fonts.googleapis.com/' in source
    font_face = (
        "@font-face { font-family: Brand; src: url('https://cdn.acme.example/brand.woff2') format('woff2'); }\n"
        ".hero { background: url('https://cdn.acme.example/hero.png'); }\n"
    )
    html = source.replace("<style", "<style>" + font_face + "</style>\n<style", 1)
    email = Email.parse(html)
    css_images = [image.url for image in email.images if image.kind == "css"]
    assert css_images == ["https://cdn.acme.example/hero.png"]
    hero = next(image for image in email.images if image.url.endswith("hero.png"))
    line = html.splitlines()[hero.span.line - 1]
    assert line[hero.span.column - 1 : hero.span.end_column - 1] == "https://cdn.acme.example/hero.png"


def test_a_folded_subject_points_at_the_line_it_is_on(tmp_path):
    # a long Subject header folded onto a second line, as mail tools write it
    source = (FIXTURES / "template" / "eml" / "newsletter.one-click.eml").read_bytes()
    head, _, rest = source.partition(b"\nSubject: ")
    _, _, rest = rest.partition(b"\n")
    path = tmp_path / "folded.eml"
    path.write_bytes(head + b"\nSubject: Your weekly digest from Acme:\n new arrivals and a recieved coupon\n" + rest)
    email = Email.parse(path)
    assert email.subject == "Your weekly digest from Acme: new arrivals and a recieved coupon"
    segment = email.subject_segment
    index = segment.text.index("recieved")
    span = email.segment_span(segment, index, index + len("recieved"))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[span.line - 1][span.column - 1 : span.end_column - 1] == "recieved"
    assert lines[span.line - 1].startswith(" new arrivals")
    first = email.segment_span(segment, 0, 4)
    assert lines[first.line - 1][first.column - 1 : first.end_column - 1] == "Your"


def test_a_subject_from_the_api_has_no_place():
    email = Email.parse("<p>Hello</p>", subject="Hello there")
    assert email.subject_segment is not None
    assert email.segment_span(email.subject_segment, 0, 5) is None


def test_renders_sharing_a_stylesheet_keep_their_own_places(corpus):
    # renders of one template share their <style> text, and what is read from it once;
    # each render's images still point at its own lines
    source = (corpus / "postmark" / "receipt.source.html").read_text(encoding="utf-8")
    hero = ".hero { background: url('https://cdn.acme.example/hero.png'); }\n"
    template = source.replace("<style", "<style>" + hero + "</style>\n<style", 1)
    template = template.replace("</style>", "\n" + hero + "</style>", 2)
    lines_of_images: list[list[int]] = []
    for padding in ("", "<!-- a -->\n<!-- b -->\n<!-- c -->\n"):
        html = padding + template
        email = Email.parse(html)
        places = [image.span for image in email.images if image.url.endswith("hero.png")]
        assert len(places) == 3
        lines = html.splitlines()
        for span in places:
            line = lines[span.line - 1]
            assert line[span.column - 1 : span.end_column - 1] == "https://cdn.acme.example/hero.png"
        lines_of_images.append([span.line for span in places])
    assert lines_of_images[1] == [number + 3 for number in lines_of_images[0]]


def test_a_class_hidden_by_one_stylesheet_is_visible_under_another(corpus):
    source = (corpus / "postmark" / "receipt.source.html").read_text(encoding="utf-8")
    body = '<p class="promo">Half price on your next order</p>'
    hiding = source.replace("</style>", ".promo { display: none; }\n</style>", 1).replace("</body>", body + "</body>")
    showing = source.replace("</body>", body + "</body>")
    for html, hidden in ((hiding, True), (showing, False), (hiding, True)):
        email = Email.parse(html)
        (promo,) = [s for s in email.segments if s.text == "Half price on your next order"]
        assert promo.hidden is hidden


def test_attribute_places_are_those_a_second_read_of_the_start_tag_gives():
    # the places are worked out when first asked for, from the tag the scanner
    # read; odd spellings (upper case, a slash, unusual spaces) must agree too
    from oopslint._scan import attribute_spans

    sources = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(FIXTURES.rglob("*.html"))]
    sources.append('<DIV CLASS="a"><Img\tSRC=x.png ALT = "b"/><a\xa0href="y">z</a><İmg src="q"><td/ id=1 >')
    checked = 0
    for html in sources:
        email = Email.parse(html)
        for element in email.elements:
            if element.in_comment:
                continue
            # read again from the start tag alone (no tag name given)
            assert element.attr_spans == attribute_spans(html, element.start, element.end), element
            checked += 1
    assert checked > 1000
    spans = Email.parse('<p><Img\tSRC=x.png ALT = "b"/></p>').find("img")[0].attr_spans
    assert spans == {"src": (12, 17), "alt": (25, 26)}
    # the same tag elsewhere in another email: its own places
    moved = Email.parse('<div><p><Img\tSRC=x.png ALT = "b"/></p></div>').find("img")[0].attr_spans
    assert moved == {"src": (17, 22), "alt": (30, 31)}


def test_the_scanner_builds_the_elements_its_constructor_would(monkeypatch):
    import oopslint._scan as scan

    html = (FIXTURES / "corpus" / "postmark" / "receipt.source.html").read_text(encoding="utf-8")

    def described(email):
        def ref(element):
            return None if element is None else element.index

        return [
            (
                e.tag, e.attrs, e.start, e.end, ref(e.parent), [c.index for c in e.children], e.index, e.hidden,
                e.lang, e.skip_spelling, e.in_head, e.in_comment, ref(e.block), ref(e.link), e.close_end,
                e.attr_spans,
            )
            for e in email.elements
        ]  # fmt: skip

    assert scan._FAST_ELEMENTS
    fast = described(Email.parse(html))
    monkeypatch.setattr(scan, "_FAST_ELEMENTS", False)
    assert described(Email.parse(html)) == fast


def test_repeated_start_tags_get_the_same_attributes_each_their_own():
    tag = '<a HREF="https://x.example/?a=1&amp;b=2" title=&quot;hi&quot; href="second" data-x>'
    email = Email.parse(f"<p>{tag}one</a> {tag}two</a></p>")
    first, second = email.find("a")
    expected = {"href": "https://x.example/?a=1&b=2", "title": '"hi"', "data-x": ""}
    assert first.attrs == second.attrs == expected
    assert first.attrs is not second.attrs
    first.attrs["href"] = "changed"
    assert Email.parse(f"<p>{tag}</a></p>").find("a")[0].attrs == expected


def test_template_code_between_attributes_is_not_read_as_attributes_or_text():
    html = (
        '<html lang="en"><body>\n'
        '<table><tr><td{% if wide %} width="600"{% endif %} style="color:#333333">Thanks, {{ name }}.</td>\n'
        '<th\n  <% if (locals.wide) { %> width="<%= width %>"<% } %> align="left">Total</th>\n'
        '<td {{ cell_attrs }} class="price">$10</td></tr></table>\n'
        '<a href="{{ url }}" class="btn {% if big %}big{% endif %}" {% if dark %}style="color:#fff"{% endif %}>Go</a>\n'
        "</body></html>"
    )
    email = Email.parse(html)
    cells = [(e.tag, e.attrs) for e in email.elements if e.tag in ("td", "th", "a")]
    assert cells == [
        ("td", {"style": "color:#333333"}),
        ("th", {"align": "left"}),
        ("td", {"class": "price"}),
        ("a", {"href": "{{ url }}", "class": "btn {% if big %}big{% endif %}"}),
    ]
    assert [s.text for s in email.segments if s.kind == "text" and s.text.strip()] == [
        f"Thanks, {MASK_CHAR * len('{{ name }}')}.",
        "Total",
        "$10",
        "Go",
    ]
    th = next(e for e in email.elements if e.tag == "th")
    start, end = th.attr_spans["align"]
    assert html[start:end] == "left"
    (link,) = email.links
    assert link.url == "{{ url }}" and link.templated
