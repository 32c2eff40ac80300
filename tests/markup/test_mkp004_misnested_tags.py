"""MKP004 misnested-tags."""

from __future__ import annotations

from test_mkp001_stray_end_tag import CLEAN


def test_text_between_rows_and_overlapping_inline_tags(mail):
    text = mail.text("postmark/receipt.source.html")
    text = text.replace(
        '<table class="email-body_inner" align="center" width="570" cellpadding="0" cellspacing="0" '
        'role="presentation">',
        '<table class="email-body_inner" align="center" width="570" cellpadding="0" cellspacing="0" '
        'role="presentation">\nYour receipt',
        1,
    )
    text = mail.insert_after(text, "<h1>Hi {{name}},</h1>", "\n<p><b>Paid <i>in full</b></i></p>")
    found = mail.findings(mail.lint(text, select="MKP004"), "MKP004")
    assert [f.line for f in found] == [mail.line_of(text, "Your receipt"), mail.line_of(text, "<b>Paid")]
    assert found[0].message.startswith("Text directly inside <table> (line ")
    assert "browsers move it above the table, Outlook on Windows keeps it in place" in found[0].message
    assert found[1].message.startswith("</b> closes <b> while the <i> opened inside it")


def test_table_inside_paragraph_and_link_in_link(mail):
    text = mail.text("mailgun/action.source.html")
    text = text.replace(
        "</body>",
        "<p>Thanks!\n<table><tr><td>x</td></tr></table></p>\n"
        '<a href="https://a.example">Shop <a href="https://b.example">now</a></a>\n</body>',
        1,
    )
    found = mail.findings(mail.lint(text, select="MKP", config={"select": ["MKP"]}), "MKP004")
    assert [f.message.split(":")[0] for f in found] == [
        "<table> inside the <p> of line " + str(mail.line_of(text, "<p>Thanks!")),
        "A link inside the link opened on line " + str(mail.line_of(text, '<a href="https://a.example">')),
    ]
    report = mail.lint(text, select="MKP")
    assert mail.findings(report, "MKP001") == []  # the orphaned </p> and </a> are part of these findings


def test_template_loops_between_rows_are_fine(mail):
    # receipt.source.html has {{#each receipt_details}} between <tr>s
    assert "{{#each" in mail.text("postmark/receipt.source.html")
    for name in CLEAN:
        assert mail.findings(mail.lint(name, select="MKP004"), "MKP004") == [], name


def test_inline_end_tag_across_a_block_is_one_finding(mail):
    text = mail.text("mailgun/action.source.html")
    text = text.replace("</body>", '<span style="color: #d93025"><div>Payment failed</span></div>\n</body>', 1)
    report = mail.lint(text, select="MKP", config={"select": ["MKP"]})
    found = [f for f in report.findings if f.code in ("MKP001", "MKP002", "MKP004")]
    assert [f.code for f in found] == ["MKP004"]
    assert found[0].message.startswith("</span> cannot close the <span> of line ")
