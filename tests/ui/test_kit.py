from datetime import UTC, datetime, timedelta

import pytest

from ui.kit import age_words, clip, escape, quote


@pytest.mark.parametrize(
    "text, escaped",
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U123> & <#C1|x>", "&lt;@U123&gt; &amp; &lt;#C1|x&gt;"),
        ("&amp;", "&amp;amp;"),
        ("plain :tada: مرحبا *bold*", "plain :tada: مرحبا *bold*"),
    ],
)
def test_escape_makes_user_text_inert(text, escaped):
    assert escape(text) == escaped


@pytest.mark.parametrize("limit", range(2, 30))
def test_clip_never_splits_an_entity_and_respects_the_limit(limit):
    clipped = clip(escape("a&<b>" * 20), limit)
    assert len(clipped) <= limit
    body = clipped.removesuffix("…")
    assert body.count("&") == body.count(";")


def test_clip_leaves_short_text_alone():
    assert clip("short", 10) == "short"


def test_quote_quotes_every_line_and_escapes():
    assert quote("one\n\n<!here>") == "&gt; one\n&gt;\n&gt; &lt;!here&gt;"


@pytest.mark.parametrize(
    "days, words", [(0, "today"), (1, "yesterday"), (5, "5 days ago"), (20, "2 weeks ago"), (90, "3 months ago")]
)
def test_age_words(days, words):
    now = datetime(2026, 11, 24, tzinfo=UTC)
    assert age_words(now - timedelta(days=days, hours=1), now) == words
