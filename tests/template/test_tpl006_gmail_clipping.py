"""TPL006 gmail-clipping: The HTML is over (or close to) Gmail's ~102 KB clipping limit."""

from __future__ import annotations

import pytest

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
        f'from about line {clip_line} on behind "[Message clipped]", including the footer, the unsubscribe link'
    )
    assert found[0].data["bytes"] == len(data)


def test_close_to_the_limit_is_a_warning(tpl):
    found = tpl.findings(
        tpl.lint(CLIPPED, select="TPL006", options={"gmail_clip_kb": 120, "gmail_warn_kb": 100}), "TPL006"
    )
    assert [f.severity.name for f in found] == ["WARNING"]
    assert "close to Gmail's ~120 KB clipping limit (warning from 100 KB)" in found[0].message
    assert found[0].line is None


def test_click_tracking_counts_toward_the_limit(tpl):
    name = "leemunroe/email.source.html"
    assert tpl.findings(tpl.lint(name, select="TPL006"), "TPL006") == []
    tracked = tpl.lint(
        name, select="TPL006", options={"gmail_clip_kb": 10, "gmail_warn_kb": 9, "tracking_bytes_per_link": 600}
    )
    found = tpl.findings(tracked, "TPL006")
    assert [f.severity.name for f in found] == ["ERROR"]
    assert "(with 1.8 KB of click tracking for 3 links)" in found[0].message


def test_quiet_on_every_clean_corpus_email(tpl, corpus):
    for path in sorted(corpus.glob("*/*.html")):
        assert tpl.findings(tpl.lint(path, select="TPL006"), "TPL006") == [], path.name


def test_a_clip_limit_of_zero_is_a_configuration_error(tpl):
    import oopslint

    with pytest.raises(oopslint.ConfigError, match=r"gmail_clip_kb must be above 0, got 0"):
        tpl.lint(CLIPPED, select="TPL006", options={"gmail_clip_kb": 0})
