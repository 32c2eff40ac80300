"""What the TYP rules never flag, and how words are read: possessives,
contractions, hyphens, curly apostrophes, capitals, names."""

from __future__ import annotations

import pytest

import oopslint

from .helpers import CORPUS, codes, lint, locate, page, words

NEVER_FLAGGED = [
    ("merge tags", "<p>Hi {{fname}}, your code is {{ coupon_code }} and *|MERGE1|* %%FirstName%%.</p>"),
    ("glued to a merge tag", "<p>Hello {{first}}xqzt and {{count}}pcs left.</p>"),
    ("urls", "<p>Visit https://acme.example/recieve-offer or www.acmme-shop.com/dashbord today.</p>"),
    ("email addresses", "<p>Write to suport@acmme.example or @acmmeshop.</p>"),
    ("domains and files", "<p>Go to acmmeshop.com or open recieve.pdf and index.htmll.</p>"),
    ("paths", "<p>Open /acount/setings or ~/Dcuments/file.</p>"),
    ("hex colours and hashtags", "<p>Colour #fe3a2b, #fff and #summersael.</p>"),
    ("numbers and units", "<p>12px 3x 2nd 100% 1,000 4.5kg 10am v2 3D 24/7</p>"),
    ("digits and underscores", "<p>SKU123 order_id AB12CD x86 mp3</p>"),
    ("mixed case", "<p>Get it on iPhone, eBay, PayPal, YouTube, JavaScript, McDonald and WordPress.</p>"),
    ("acronyms", "<p>See the FAQ, ask HR, RSVP via SMS, pay by ACH, NYSE and NASDQ news.</p>"),
    ("codes in capitals", "<p>Use code SAVEBIGG at checkout, or FREESHIPP on orders over 50.</p>"),
    ("acronyms side by side in alt text", '<img src="https://acme.example/cep.png" alt="CEP Vs. UXP">'),
    ("an address split by markup", "<p>Email <span>district1@bikeaction</span><span>.org</span> to help.</p>"),
    ("borrowed words", "<p>We keep the status quo at the Cosmic Cafe, and vice versa.</p>"),
    ("tech words", "<p>Read the Adobe Tech Blog, join a dev meetup or a hackathon, and grab the ebook.</p>"),
    (
        "placeholders",
        "<p>Thanks for using [Product Nmae]. The {prodct} team. Dear &lt;frist name&gt;, %FRISTNAME%.</p>",
    ),
    (
        "code elements",
        "<p>Run <code>npm instal</code>, <kbd>Ctlr</kbd>, <samp>eror</samp>, <var>lenght</var>.</p><pre>recieve\nteh</pre>",
    ),
    ("translate=no", '<p><span translate="no">Recieve Acmme</span></p>'),
    ("notranslate class", '<p><span class="notranslate">Recieve Acmme</span></p>'),
    ("spellcheck=false", '<p spellcheck="false">Recieve Acmme</p>'),
    ("data-oopslint-skip", "<p data-oopslint-skip>Recieve Acmme</p>"),
    ("brand marks", "<p>Try Zorblax\u2122 and Quibbl\u00ae today.</p>"),
    ("hidden text", '<p>Hello.</p><div style="display:none">recieve teh</div><p>Bye.</p>'),
    (
        "contractions and possessives",
        "<p>Don't wait: it's your customers' choice, we'll ship today's order, you’re set, O’Brien’s too.</p>",
    ),
    ("british spellings", "<p>Your favourite colour, organised by our centre, travelled far; we apologise.</p>"),
    ("inflections", "<p>Unsubscribing, reactivated, subscribers, rescheduled and reordering all work.</p>"),
    ("hyphenated words", "<p>A one-time, well-known, follow-up sign-up for re-enter and double-check.</p>"),
    (
        "email vocabulary",
        "<p>Check your inbox, preheader, webinar, wishlist, signup, login, checkout and dropdown.</p>",
    ),
    ("lorem ipsum (reported by TPL rules)", "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>"),
    ("grammatical doubling", "<p>He said that that was fine, and she had had enough. Bye bye!</p>"),
]


@pytest.mark.parametrize("body", [b for _, b in NEVER_FLAGGED], ids=[name for name, _ in NEVER_FLAGGED])
def test_never_flagged(body: str) -> None:
    report = lint(page(body))
    assert not report.findings, [(f.code, f.message) for f in report.findings]


def test_sender_name_and_domain_words_from_the_from_header() -> None:
    eml = (
        "From: Zorblax Quibbl <news@mail.frobnitz-widgets.example>\r\n"
        "Subject: News from Zorblax\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + page("<p>Zorblax and Quibbl send Frobnitz news. Also Wibblex.</p>")
    )
    report = lint(eml.encode())
    assert words(report, "TYP002") == ["Wibblex"]


@pytest.mark.parametrize(
    "context",
    [
        {"from": "Zorblax Quibbl <news@frobnitz.example>"},
        {"from": {"name": "Zorblax Quibbl", "email": "news@frobnitz.example"}},
        {"sender": "Zorblax Quibbl <news@frobnitz.example>"},
    ],
)
def test_sender_words_from_the_send_context(context: dict) -> None:
    html = page("<p>Zorblax and Quibbl send Frobnitz news. Also Wibblex.</p>")
    assert sorted(words(lint(html), "TYP002")) == ["Frobnitz", "Quibbl", "Wibblex", "Zorblax"]
    assert words(lint(html, context=context), "TYP002") == ["Wibblex"]


@pytest.mark.parametrize(
    "sender", ["Zorblax Quibbl <hello@frobnitz.example>", '"Zorblax Quibbl" <hello@frobnitz.example>']
)
def test_sender_words_from_configuration(sender: str) -> None:
    html = page("<p>Zorblax and Quibbl send Frobnitz news.</p>")
    assert not lint(html, spelling={"sender": sender}).findings


def test_sender_given_as_a_name_only() -> None:
    html = page("<p>Zorblax and Quibbl send Frobnitz news.</p>")
    assert words(lint(html, spelling={"sender": "Zorblax Quibbl"}), "TYP002") == ["Frobnitz"]


def test_non_breaking_hyphens_join_words() -> None:
    html = page("<p>Reply to this e&#8209;mail for a follow\u2010up, or double&#8209;chekc it.</p>")
    report = lint(html)
    (finding,) = report.findings
    assert (finding.code, finding.data["word"], finding.data["correction"]) == ("TYP001", "chekc", "check")
    assert (finding.line, finding.column) == locate(html, "chekc")


def test_misspellings_inside_hyphenated_words_point_at_the_part() -> None:
    html = page("<p>Please double-chekc the follow-up.</p>")
    report = lint(html)
    (finding,) = codes(report, "TYP001")
    assert (finding.line, finding.column) == locate(html, "chekc")
    assert finding.data == {"word": "chekc", "correction": "check", "language": "en"}


def test_case_of_the_correction_follows_the_word() -> None:
    html = page("<p>Recieve it now.</p><p>WELCOME TO OUR SPRNG SALE</p>")
    report = lint(html)
    assert [(f.data["word"], f.data["correction"]) for f in codes(report, "TYP001")] == [
        ("Recieve", "Receive"),
        ("SPRNG", "SPRING"),
    ]


def test_capitalised_word_that_may_be_a_name_is_a_warning() -> None:
    html = page(
        "<p>Thanks for shopping at Shopp today.</p>\n"  # after a lower-case word
        "<p>Hi Guido, your order shipped.</p>\n"  # after a greeting
        "<p>Signed, Lee Munroe and Shopp Smith.</p>\n"  # next to another capitalised word
        "<p>Shopp now and save.</p>"  # starts a sentence: an error
    )
    report = lint(html)
    found = [(f.line, f.data["word"], f.severity.name) for f in codes(report, "TYP001")]
    assert found == [(4, "Shopp", "WARNING"), (5, "Guido", "WARNING"), (6, "Shopp", "WARNING"), (7, "Shopp", "ERROR")]
    assert "if it is a name" in codes(report, "TYP001")[0].message
    assert codes(report, "TYP001")[-1].data["correction"] == "Shop"


def test_missing_apostrophes_and_run_together_words() -> None:
    html = page("<p>We dont know, thats why alot of you say thankyou.</p>")
    report = lint(html)
    assert [(f.data["word"], f.data["correction"]) for f in codes(report, "TYP001")] == [
        ("dont", "don't"),
        ("thats", "that's"),
        ("alot", "a lot"),
        ("thankyou", "thank you"),
    ]


def test_curly_apostrophes_read_like_straight_ones() -> None:
    report = lint(page("<p>We’ll ship it; it’s what you’ve ordered, isn’t it? Dont’ worry.</p>"))
    assert not codes(report, "TYP002")


def test_unknown_words_are_reported_once_with_suggestions_and_a_count() -> None:
    html = page("<p>Your parcle ships today.</p><p>Track the parcle here. The Parcle arrives soon.</p>")
    report = lint(html)
    (finding,) = codes(report, "TYP002")
    assert (finding.line, finding.column) == locate(html, "parcle")
    assert finding.data["occurrences"] == 3
    assert "parcel" in finding.data["suggestions"]
    assert finding.message.endswith("(3 times)")
    assert "add it to [tool.oopslint.spelling] words" in finding.suggestion


def test_title_attribute_and_link_text_are_read() -> None:
    html = page('<p><a href="https://acme.example" title="Opne your acount">Veiw your order</a></p>')
    report = lint(html)
    found = {(f.data["word"], f.data["correction"]) for f in codes(report, "TYP001")}
    assert found == {("acount", "account"), ("Veiw", "View")}
    title = next(f for f in codes(report, "TYP001") if f.data["word"] == "acount")
    assert "in a title attribute" in title.message


def test_brands_and_loanwords_are_not_called_misspellings() -> None:
    # "Lyft" is not a slip for "left" ("y" is no vowel a writer swaps for "e"), and a vowel
    # after the end of a word ("matcha", "latte") is a loanword more often than a slip
    html = page(
        "<p>Lyft riders save 20% this week.</p>\n<p>Try the new matcha smoothie bowl.</p>\n"
        "<p>Plese confirm your adress.</p>"
    )
    report = lint(html)
    assert [(f.data["word"], f.severity.name) for f in codes(report, "TYP001")] == [
        ("Plese", "ERROR"),
        ("adress", "ERROR"),
    ]
    assert "Lyft" in words(report, "TYP002")


def test_text_tpl002_reports_as_filler_is_not_spell_checked():
    """Every paragraph TPL002 calls filler (Latin without "lorem ipsum", blind
    text, bacon ipsum) is left out of spelling; a real typo beside it is found."""
    source = (CORPUS / "postmark" / "welcome.source.html").read_text(encoding="utf-8")
    filler = [
        "Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur.",
        "Class aptent taciti sociosqu ad litora torquent per conubia nostra, per inceptos himenaeos.",
        "Far far away, behind the word mountains, far from the countries Vokalia and Consonantia, there live "
        "the blind texts. Separated they live in Bookmarksgrove right at the coast of the Semantics.",
        "Bacon ipsum dolor amet pancetta andouille kielbasa, turducken shankle picanha.",
    ]
    marker = "<p>Thanks for trying [Product Name]."
    html = source.replace(
        marker, "".join(f"<p>{p}</p>\n" for p in filler) + "<p>Your acount is ready.</p>\n" + marker, 1
    )
    report = oopslint.lint(html, mode="template", config={"select": ["TYP", "TPL002"]})
    filler_lines = {f.line for f in report.findings if f.code == "TPL002" and f.data["kind"] != "bracket"}
    assert len(filler_lines) == 4
    typos = [f for f in report.findings if f.code.startswith("TYP")]
    assert not [f for f in typos if f.line in filler_lines]
    assert [(f.code, f.data["word"]) for f in typos] == [("TYP001", "acount")]
    assert (typos[0].line, typos[0].column) == locate(html, "acount")


def test_lorem_latin_in_themed_filler_is_not_a_typo_but_the_same_word_in_real_copy_is():
    """Themed generators mix lorem ipsum's Latin into paragraphs of their own
    words ("... sausage officia elit sirloin ..."): after the "Bacon ipsum"
    TPL002 reports, those words are filler, not misspellings of "official"."""
    source = (CORPUS / "postmark" / "welcome.source.html").read_text(encoding="utf-8")
    marker = "<p>Thanks for trying [Product Name]."
    themed = (
        "<p>Bacon ipsum dolor amet labore in exercitation prosciutto, consequat chuck excepteur short loin.</p>\n"
        "<p>Alcatra chicken jowl, biltong porchetta tri-tip sausage officia elit sirloin pork chop quis turkey.</p>\n"
        "<ul><li>Ut sirloin incididunt, beef ribs tempor meatloaf reprehenderit brisket pork</li>\n"
        "<li>Flank laboris ball tip ground round turkey turducken, excepteur drumstick</li></ul>\n"
        "<p>I set up a profile where I can followw your orders.</p>\n"
    )
    report = oopslint.lint(source.replace(marker, themed + marker, 1), mode="template", config={"select": ["TYP"]})
    assert [f.data["word"] for f in report.findings if f.code == "TYP001"] == ["followw"]
    assert not {"officia", "tempor", "laboris"} & {f.data.get("word") for f in report.findings}
    # without filler anywhere in the email, the same words are read as English
    plain = "<p>Our officia store has a tempor sale for laboris day.</p>\n"
    report = oopslint.lint(source.replace(marker, plain + marker, 1), mode="template", config={"select": ["TYP"]})
    assert sorted(f.data["word"] for f in report.findings if f.code == "TYP001") == ["laboris", "officia", "tempor"]


@pytest.mark.parametrize(
    "text",
    [
        "<p>Bendin' the rules and rockin' all night: nothin' but fun.</p>",
        "<p>We’re lovin’ it, and you’re goin’ to love it too.</p>",
    ],
)
def test_dropped_g_forms_are_not_misspellings(text):
    assert codes(lint(page(text)), "TYP001") == [] and codes(lint(page(text)), "TYP002") == []


def test_dropped_g_needs_the_apostrophe_and_a_real_ing_word():
    report = lint(page("<p>We are rockin the summer, and wrekin' nothing.</p>"))
    assert words(report, "TYP001") + words(report, "TYP002") == ["rockin", "wrekin"]


def test_lang_und_is_read_in_the_configured_languages():
    """MJML writes lang="und" (no language given): spelling still reads the text."""
    html = page("<p>You will recieve a receipt by email.</p>", lang="und")
    report = lint(html)
    assert codes(report, "TYP005") == []
    (typo,) = codes(report, "TYP001")
    assert (typo.data["word"], typo.data["language"]) == ("recieve", "en")
    german = lint(page("<p>Ihre Bestellung wurde heute versandt.</p>", lang="und"), spelling={"languages": ["de"]})
    assert german.findings == []
    assert codes(lint(page("<p>Ihre Bestellung wurde heute versandt.</p>", lang="und")), "TYP002") != []
