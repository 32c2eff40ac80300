"""MKP003 duplicate-attribute."""

from __future__ import annotations


def test_second_class_on_a_real_postmark_cell(mail):
    # the published Postmark receipt really has this: the purchase_item class never applies
    text = mail.text("postmark/receipt.source.html")
    [finding] = mail.findings(mail.lint(text, select="MKP003"), "MKP003")
    needle = '<td class="align-right" width="20%" class="purchase_item">'
    assert finding.line == mail.line_of(text, needle)
    assert finding.column == text.splitlines()[finding.line - 1].index('class="purchase_item"') + 1
    assert finding.message == "<td> has class= twice: clients keep the first one and ignore this one"


def test_second_style_attribute(mail):
    text = mail.text("mailgun/action.source.html")
    text = text.replace("</body>", '<p style="margin: 0"\n   style="color: #d93025">Payment failed</p>\n</body>', 1)
    [finding] = mail.findings(mail.lint(text, select="MKP003"), "MKP003")
    first_line = mail.line_of(text, '<p style="margin: 0"')
    assert (
        finding.message == f"<p> has style= twice: clients keep the first one on line {first_line} and ignore this one"
    )


def test_same_value_twice_and_clean_emails_are_quiet(mail):
    # receipt.inlined.html repeats xmlns with the same value: nothing changes
    for name in ("postmark/receipt.inlined.html", "mailgun/action.source.html", "leemunroe/email.source.html"):
        assert mail.findings(mail.lint(name, select="MKP003"), "MKP003") == [], name


def test_the_corpus_carries_exactly_the_defect_its_readme_names(mail):
    # fixtures/corpus/README.md: the Postmark receipt and invoice sources, and no other email
    found = {
        str(path.relative_to(mail.corpus)): [f.line for f in mail.findings(mail.lint(path, select="MKP003"), "MKP003")]
        for path in sorted(mail.corpus.rglob("*.html"))
    }
    assert {name: lines for name, lines in found.items() if lines} == {
        "postmark/invoice.source.html": [523],
        "postmark/receipt.source.html": [502],
    }
    assert "postmark/receipt.source.html` (line 502)" in (mail.corpus / "README.md").read_text()
