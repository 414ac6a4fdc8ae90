import contextlib
import random
import re
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from models import Decision
from tests.fake_slack import validate_message
from ui.chunks import chunks
from ui.kit import age_words, clip, context, decided_by, escape, plain, quote, said_by


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


@pytest.mark.parametrize("hours, words", [
    # Today, yesterday or the day before, as each reader's Slack says it in their own time zone.
    (1, "<!date^1795474800^{date_pretty}|23 Nov 2026 UTC>"),
    (25, "<!date^1795388400^{date_pretty}|22 Nov 2026 UTC>"),
    (47, "<!date^1795309200^{date_pretty}|22 Nov 2026 UTC>"),
    (5 * 24 + 1, "5 days ago"), (20 * 24 + 1, "2 weeks ago"), (90 * 24 + 1, "3 months ago"),
])
def test_age_words(hours, words):
    now = datetime(2026, 11, 24, tzinfo=UTC)
    assert age_words(now - timedelta(hours=hours), now) == words


# Text and where each character as people see it starts (a Python index: Slack counts characters as Python does).
WHOLE_CHARACTERS = [
    pytest.param("ab👩\u200d👩\u200d👧cd", {0, 1, 2, 7, 8, 9}, id="family-emoji"),
    pytest.param("cafe\u0301 ok", {0, 1, 2, 3, 5, 6, 7, 8}, id="letter-and-accent"),
    pytest.param("x🇫🇷🇩🇪y", {0, 1, 3, 5, 6}, id="flags"),
    pytest.param("ok 👍🏽!", {0, 1, 2, 3, 5, 6}, id="skin-tone"),
    pytest.param("a❤\ufe0fb", {0, 1, 3, 4}, id="emoji-presentation"),
]


@pytest.mark.parametrize(("text", "starts"), WHOLE_CHARACTERS)
def test_clipping_never_cuts_an_emoji_or_a_letter_and_its_accent_apart(text, starts):
    """Slack counts characters, but people see an emoji family, a flag or an accented letter as one: cut
    inside it, a family loses a member, a flag turns into a letter in a box, an é into an e."""
    for limit in range(2, len(text)):
        for shown in (clip(text, limit), plain(text, limit)["text"]):
            body = shown.removesuffix("…")
            assert len(shown) <= limit and len(body) in starts, (limit, shown)
    for limit in range(len("&gt; ") + 2, len(text) + len("&gt; ")):
        first, *_ = chunks(text, limit)
        assert len(first) in starts | {len(text)}, (limit, first)


def test_a_letter_under_thousands_of_accents_is_still_cut_to_the_limit():
    zalgo = "a" + "\u0301" * 5000
    assert 80 <= len(clip(zalgo, 100)) <= 100 and all(len(piece) <= 3000 for piece in chunks(zalgo, 3000))


TOKENS = "*Idea #12* from <@U0123456789> in <#C0123456789> (<https://acme.slack.com/archives/C1/p17|original message>)"


@pytest.mark.parametrize("limit", range(2, len(TOKENS)))
def test_clipping_never_cuts_a_mention_or_a_link_in_half(limit):
    """A line with mentions and links clipped anywhere keeps each token whole or leaves it out: half of
    `<https://…|original message>` shows as raw text."""
    pieces = chunks(TOKENS, limit) if limit >= 60 else []  # a piece holds a token whole: the link is 52
    for shown in (clip(TOKENS, limit), *pieces):
        assert re.fullmatch(r"[^<>]*(<[^<>]*>[^<>]*)*", shown), (limit, shown)


LINK = "<https://acme.slack.com/archives/C1/p17|original message>"
FAMILY = "👩\u200d👩\u200d👧"
# What a digest's or a card's text is made of: words, lines, quoted lines, entities, mentions, links, emoji.
ATOMS = ["word", "longerword", " ", " ", "\n", "&amp;", "&lt;", "&gt;", "<@U0123456789>", "<#C0123456789>", LINK,
         FAMILY, "🇫🇷", "e\u0301", "👍🏽", "\n&gt; quoted words here", "😀"]
_mixed = random.Random(7)
CHUNKED = [
    pytest.param("", id="empty"),
    pytest.param("x" * 50, id="one-long-word"),
    pytest.param("\n" * 30, id="only-line-breaks"),
    pytest.param(quote("why " * 40), id="a-long-quote"),
    pytest.param("&amp;" * 20, id="only-entities"),
    pytest.param(FAMILY * 10, id="only-emoji"),
    pytest.param(LINK * 3, id="only-links"),
    pytest.param(TOKENS, id="tokens"),
    *(pytest.param("".join(_mixed.choice(ATOMS) for _ in range(_mixed.randint(5, 60))), id=f"mixed-{n}")
      for n in range(12)),
]


def _content(text: str) -> str:
    """What a reader gets from the text, whatever the line breaks, spaces and quote marks between pieces."""
    return re.sub(r"\s", "", text.replace("&gt;", ""))


@contextlib.contextmanager
def _within_seconds(seconds: float) -> Iterator[None]:
    """Fails the test, rather than hanging it, when the code under test loops."""
    def expired(*_: Any) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("text", CHUNKED)
def test_chunks_is_total_for_any_limit_and_keeps_what_it_can_whole(text):
    """Any limit from 1 ends, keeps every piece within it, loses nothing, and cuts an entity, a mention or
    link, or an emoji only when the limit is shorter than it."""
    for limit in (*range(1, 41), 60, 100, 3000):
        with _within_seconds(2):
            pieces = chunks(text, limit)
        assert all(len(piece) <= limit for piece in pieces), (limit, pieces)
        assert _content("".join(pieces)) == _content(text), (limit, pieces)
        for piece in pieces:
            if limit >= len("&amp;"):
                assert not re.search(r"&(a|am|amp|l|lt|g|gt)?$", piece), (limit, piece)
            if limit >= len(FAMILY):
                assert not piece[:1] or not (piece[0] in "\u200d\u0301" or "\U0001f3fb" <= piece[0] <= "\U0001f3ff"), (
                    limit, piece)
                assert not piece.endswith("\u200d"), (limit, piece)
            if limit >= len(LINK):
                assert re.fullmatch(r"[^<>]*(<[^<>]*>[^<>]*)*", piece), (limit, piece)


@pytest.mark.parametrize("count", [1, 9, 10, 11, 25])
def test_a_context_line_holds_any_number_of_facts_within_slacks_ten_elements(count):
    facts = [f"fact {n}" for n in range(count)]
    block = context(*facts)
    assert validate_message({"text": "t", "blocks": [block]}) == []
    shown = " · ".join(element["text"] for element in block["elements"])
    assert shown == " · ".join(facts)


@pytest.mark.parametrize(("via", "by", "to_stage", "said", "card"), [
    (None, "UPM", "shipped", "<@UPM> decided, and said why:", "decided by <@UPM>"),
    ("github", "@octocat", "shipped", "Closed in GitHub by @octocat:", "closed in GitHub by @octocat"),
    ("jira", "Jane <Doe>", "shipped", "Moved to Done in Jira by Jane &lt;Doe&gt;:",
     "moved to Done in Jira by Jane &lt;Doe&gt;"),
    ("github", "GitHub", "shipped", "Closed in GitHub:", "closed in GitHub"),  # no actor: not "GitHub in GitHub"
])
def test_a_decision_made_in_a_tracker_reads_as_what_was_done_there(via, by, to_stage, said, card):
    decision = Decision(idea_id=1, from_stage="delivery", to_stage=to_stage, reason="why", decided_by=by, via=via)
    assert (said_by(decision, "decided, and said why"), decided_by(decision)) == (said, card)
