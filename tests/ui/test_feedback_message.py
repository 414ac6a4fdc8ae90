"""Reading a feedback channel's message as Slack delivers it: whose it is, and its words wherever they sit."""

import pytest

from ui.feedback import read_feedback_message

BASE = {"type": "message", "channel": "CFEED", "ts": "1700000000.000100"}


@pytest.mark.parametrize(("event", "author", "words"), [
    ({"user": "U7", "text": "please add dark mode"}, "U7", "please add dark mode"),
    ({"subtype": "bot_message", "bot_id": "B9", "username": "AppFollow", "text": "Score 2: add a widget"},
     "AppFollow", "Score 2: add a widget"),
    ({"bot_id": "B9", "bot_profile": {"name": "Zendesk"}, "text": "New ticket",
      "attachments": [{"title": "Ticket #1", "text": "Please add SSO.", "fallback": "ignored when text is there"}]},
     "Zendesk", "New ticket\nTicket #1\nPlease add SSO."),
    ({"bot_id": "B9", "text": "Add an export", "blocks": [{"type": "section", "text": {"type": "mrkdwn",
                                                                                   "text": "Add an export"}}]},
     "B9", "Add an export"),  # the fallback text repeats the blocks: read once
    ({"subtype": "bot_message", "bot_id": "B9", "text": "", "blocks": [
        {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
            {"type": "text", "text": "NPS 6: "}, {"type": "link", "url": "https://x.example", "text": "calendar"},
            {"type": "text", "text": " sync please"}]}]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "via Delighted"}]}]},
     "B9", "NPS 6: calendar sync please\nvia Delighted"),
    ({"subtype": "file_share", "user": "U7", "text": "screenshot: we need bulk edit"}, "U7",
     "screenshot: we need bulk edit"),
    ({"subtype": "bot_message", "bot_id": "B9", "text": "R&amp;D wants &lt;b&gt; tags &amp;amp; more",
      "attachments": [{"text": "Q&amp;A: add SSO"}],
      "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Q&amp;A: add SSO"}},
                 {"type": "header", "text": {"type": "plain_text", "text": "Tom &amp; Jerry"}}]},
     "B9", "R&D wants <b> tags &amp; more\nQ&A: add SSO\nTom &amp; Jerry"),  # Slack's entities, undone once
    ({"user": "U7", "text": "<@U9> &amp; I: add <https://x.example|SSO> &lt;3", "blocks": [
        {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
            {"type": "user", "user_id": "U9"}, {"type": "text", "text": " & I: add "},
            {"type": "link", "url": "https://x.example", "text": "SSO"}, {"type": "text", "text": " <3"}]}]}]},
     "U7", "<@U9> & I: add SSO <3"),  # the text Slack renders from the rich text is not read a second time
    ({"user": "U7", "text": "x", "blocks": [{"type": "rich_text", "elements": [{"type": "rich_text_section",
                                                                            "elements": [
        {"type": "broadcast", "range": "here"}, {"type": "text", "text": " "}, {"type": "user", "user_id": "U9"},
        {"type": "text", "text": " asks for SSO in "}, {"type": "channel", "channel_id": "C12"},
        {"type": "text", "text": ", "}, {"type": "user", "user_id": "U9>|<!channel"},
        {"type": "channel", "channel_id": 12}, {"type": "broadcast", "range": "all>"}]}]}]},
     "U7", "<!here> <@U9> asks for SSO in <#C12>,"),  # people and channels as Slack's tokens; garbled ids as blanks
])
def test_words_and_author(event, author, words):
    read = read_feedback_message({**BASE, **event}, bot_user_id="UBOT", bot_id="BBOT")
    assert read is not None and (read.author, read.text) == (author, words)


@pytest.mark.parametrize("event", [
    {"user": "UBOT", "text": "my own digest"},
    {"bot_id": "BBOT", "subtype": "bot_message", "text": "my own post"},
    {"subtype": "message_changed", "message": {"text": "edited"}},
    {"subtype": "message_deleted"},
    {"subtype": "channel_join", "user": "U7", "text": "<@U7> has joined"},
    {"user": "U7", "text": "a reply", "thread_ts": "1699999999.000001"},
    {"subtype": "thread_broadcast", "user": "U7", "text": "a reply, also sent to the channel",
     "thread_ts": "1699999999.000001"},
    {"user": "U7", "text": "   "},
    {"user": "U7", "text": 42, "attachments": "not a list", "blocks": [None, "x"]},
])
def test_what_is_never_read(event):
    assert read_feedback_message({**BASE, **event}, bot_user_id="UBOT", bot_id="BBOT") is None
