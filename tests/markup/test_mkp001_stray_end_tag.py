"""MKP001 stray-end-tag."""

from __future__ import annotations

CLEAN = [
    "postmark/receipt.source.html",
    "mailgun/action.source.html",
    "leemunroe/email.source.html",
    "postmark/welcome.inlined.html",
    "mailgun/billing.inlined.html",
]


def test_div_closed_inside_a_cell_it_was_not_opened_in(mail):
    text = mail.text("postmark/receipt.source.html")
    text = text.replace('<table class="email-body_inner"', '<div class="card">\n<table class="email-body_inner"', 1)
    text = mail.insert_after(text, '<td class="content-cell">', "</div>")
    [finding] = mail.findings(mail.lint(text, select="MKP001"), "MKP001")
    assert finding.line == mail.line_of(text, '<td class="content-cell"></div>')
    assert finding.column == text.splitlines()[finding.line - 1].index("</div>") + 1
    card_line = mail.line_of(text, '<div class="card">')
    assert finding.message.startswith(
        f"Stray </div>: nothing to close here (its <div> on line {card_line} is outside this table cell)"
    )
    assert finding.data["tag"] == "div"


def test_stray_paragraph_end(mail):
    text = mail.text("mailgun/action.source.html")
    text = text.replace("</body>", "</p>\n</body>", 1)
    [finding] = mail.findings(mail.lint(text, select="MKP001"), "MKP001")
    assert "Stray </p>" in finding.message and "empty paragraph" in finding.message


def test_quiet_on_clean_corpus(mail):
    for name in CLEAN:
        assert mail.findings(mail.lint(name, select="MKP001"), "MKP001") == [], name
