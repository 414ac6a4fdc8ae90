"""/idea -> modal -> stored candidate -> confirmation and triage card, driven the way Slack drives it."""

from __future__ import annotations

import time

import pytest

from tests.fake_slack import validate_message
from tests.flows import GOOD, ideas, open_modal, share_idea, wait_until
from tests.slack_requests import buttons


def test_slash_command_opens_the_outcome_first_modal_with_the_ask(bot, slack):
    reply = bot.slack.command("Add a CSV export button to the reports page")
    assert reply.status == 200 and reply.body == ""
    call = slack.wait_for("views.open")[0]
    view = call.args["view"]
    assert call.args["trigger_id"].startswith("trigger-")
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == ["ask", "outcome", "problem", "evidence", "measure"]
    assert inputs["ask"]["element"]["initial_value"] == "Add a CSV export button to the reports page"
    assert not inputs["outcome"]["optional"] and not inputs["problem"]["optional"]
    assert inputs["evidence"]["optional"] and inputs["measure"]["optional"]
    assert "outcome" in inputs["outcome"]["hint"]["text"] and "output" in inputs["outcome"]["hint"]["text"]


def test_empty_command_opens_an_empty_modal(bot, slack):
    view = open_modal(bot, slack, text="")
    ask = next(b for b in view["blocks"] if b.get("block_id") == "ask")
    assert "initial_value" not in ask["element"]


def test_the_ask_is_kept_as_typed_not_as_slack_encodes_it(bot, slack, engine):
    """Slack sends `&`, `<` and `>` typed after a slash command as entities, as in a message's text."""
    view = open_modal(bot, slack, text="CSV export for R&amp;D, finance &lt;3 spreadsheets &amp;&amp; &gt; 5 tabs")
    ask = next(b for b in view["blocks"] if b.get("block_id") == "ask")["element"]["initial_value"]
    assert ask == "CSV export for R&D, finance <3 spreadsheets && > 5 tabs"
    assert bot.slack.submit_view(view, GOOD).body == ""
    assert ideas(engine)[0].ask == ask
    confirmation = slack.wait_for("chat.postMessage")[0].args
    assert "R&amp;D" in str(confirmation["blocks"]) and "&amp;amp;" not in str(confirmation["blocks"])


def test_submitting_stores_a_candidate_then_confirms_and_posts_a_triage_card(bot, slack, engine):
    view = open_modal(bot, slack, channel="CSALES")
    reply = bot.slack.submit_view(view, GOOD, user="U1")
    assert reply.status == 200 and reply.body == ""

    [idea] = ideas(engine)
    assert (idea.team_id, idea.requester_id, idea.stage) == ("T1", "U1", "candidate")
    assert idea.ask == "Add a CSV export button to the reports page"
    assert (idea.outcome, idea.problem, idea.evidence, idea.measure) == tuple(GOOD.values())
    assert idea.source_channel_id == "CSALES"

    dm = slack.wait_for("chat.postMessage", 2)
    by_channel = {call.args["channel"]: call.args for call in dm}
    assert GOOD["outcome"] in str(by_channel["U1"]["blocks"])
    card = by_channel["CTRIAGE"]
    card_text = str(card["blocks"])
    for expected in (GOOD["outcome"], GOOD["problem"], GOOD["evidence"], "<@U1>", "<#CSALES>", "Candidate"):
        assert expected in card_text
    assert set(buttons(card["blocks"])) == {"idea_move_discovery", "idea_move_parked", "idea_move_declined",
                                            "support_idea", "merge_idea"}
    wait_until(lambda: ideas(engine)[0].triage_message_ts is not None)
    assert ideas(engine)[0].triage_channel_id == "CTRIAGE"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("outcome", "", "needed"),
        ("outcome", "   \n  ", "needed"),
        ("outcome", "faster", "sentence"),
        ("problem", "slow reports", "sentence"),
        ("outcome", "结账更快", "sentence"),
        ("outcome", "x " * 600, "1,000"),
        ("problem", "word " * 401, "2,000"),
        ("evidence", "e" * 2001, "2,000"),
    ],
)
def test_bad_fields_are_refused_in_the_modal_and_nothing_is_stored(bot, slack, engine, field, value, message):
    view = open_modal(bot, slack)
    reply = bot.slack.submit_view(view, {**GOOD, field: value})
    assert reply.status == 200
    body = reply.json()
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == [field] and message in body["errors"][field]
    assert ideas(engine) == []
    assert slack.calls("chat.postMessage") == []


@pytest.mark.parametrize(
    "outcome, problem",
    [
        ("财务部门每月能提前一天完成结账", "财务每个月都要从三个导出文件手工重建月度报表"),
        ("経理が月末の締めを一日早く終えられる", "経理は毎月三つのエクスポートから手作業で報告を作り直している"),
        ("Finance closes the month 一天 sooner", "Finance rebuilds the report 手工 every month"),
    ],
    ids=["chinese", "japanese", "mixed"],
)
def test_a_sentence_in_a_script_without_spaces_is_a_sentence(bot, slack, engine, outcome, problem):
    """Chinese and Japanese put no spaces between words: a sentence there is not "a word or two"."""
    reply = bot.slack.submit_view(open_modal(bot, slack), {**GOOD, "outcome": outcome, "problem": problem})
    assert reply.body == "", reply.body
    assert [(i.outcome, i.problem) for i in ideas(engine)] == [(outcome, problem)]


def test_the_same_submission_twice_makes_one_idea(bot, slack, engine):
    view = open_modal(bot, slack)
    for _ in range(2):
        assert bot.slack.submit_view(view, GOOD, view_id="VSAME").status == 200
    bot.finish_work()
    assert len(ideas(engine)) == 1
    assert len(slack.calls("chat.postMessage")) == 2


def test_without_a_triage_channel_no_card_is_posted(make_bot, slack, engine):
    bot = make_bot(triage_channel=None)
    bot.slack.submit_view(open_modal(bot, slack), GOOD)
    bot.finish_work()
    assert [c.args["channel"] for c in slack.calls("chat.postMessage")] == ["U1"]
    assert len(ideas(engine)) == 1


def test_slack_failures_after_storing_lose_nothing(bot, slack, engine):
    view = open_modal(bot, slack, channel="CSALES")
    slack.fail("chat.postMessage", error="channel_not_found", times=None)
    bot.slack.submit_view(view, GOOD)
    ephemeral = slack.wait_for("chat.postEphemeral")[0].args
    assert (ephemeral["channel"], ephemeral["user"]) == ("CSALES", "U1")
    assert len(ideas(engine)) == 1


def test_list_shows_the_callers_ideas_with_stage_and_age(bot, slack, engine):
    for user in ("U1", "U2"):
        bot.slack.submit_view(open_modal(bot, slack), {**GOOD, "outcome": f"Outcome that {user} wants to happen"},
                              user=user)
    reply = bot.slack.command("list", user="U1").json()  # answered at once, from the database alone
    text = str(reply["blocks"])
    assert "Outcome that U1 wants to happen" in text and "U2" not in text
    assert "Candidate" in text and "submitted <!date^" in text  # the reader's Slack says "today" in their zone
    assert reply.get("response_type", "ephemeral") == "ephemeral"


def test_list_for_someone_with_no_ideas_says_how_to_start(bot, slack):
    assert "/idea" in bot.slack.command("list", user="UNEW").json()["text"]


def test_help_is_ephemeral_usage(bot):
    reply = bot.slack.command("help")
    assert reply.status == 200
    body = reply.json()
    assert "/idea list" in body["blocks"][0]["text"]["text"]
    assert body.get("response_type", "ephemeral") == "ephemeral"


def test_an_ask_longer_than_the_field_opens_the_form_and_the_idea_keeps_all_of_it(bot, slack, engine):
    ask = " ".join(f"word{n}" for n in range(1400))  # about 8,000 characters: a slash command is posted nowhere
    view = open_modal(bot, slack, text=ask)
    field = next(b for b in view["blocks"] if b.get("block_id") == "ask")["element"]
    assert field["initial_value"] == ask[:3000] and "kept with the idea" in str(view["blocks"])
    assert len(view["private_metadata"]) < 200
    assert bot.slack.submit_view(view, GOOD).body == ""
    assert ideas(engine)[0].ask == ask


def test_app_home_lists_the_viewers_ideas(bot, slack):
    bot.slack.submit_view(open_modal(bot, slack), GOOD, user="U1")
    bot.slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    view = slack.wait_for("views.publish")[0].args
    assert view["user_id"] == "U1"
    assert view["view"]["type"] == "home"
    assert GOOD["outcome"] in str(view["view"]["blocks"])


def test_hostile_text_round_trips_without_pinging_anyone(bot, slack, engine):
    hostile = "Stop <!channel> and <!here>, ask <@U999> & see <https://evil.example|this> :tada: مرحبا"
    bot.slack.submit_view(open_modal(bot, slack, text=hostile), {**GOOD, "outcome": hostile, "problem": hostile})
    assert ideas(engine)[0].outcome == hostile
    for call in slack.wait_for("chat.postMessage", 2):
        sent = str(call.args["blocks"]) + call.args["text"]
        for raw in ("<!channel>", "<!here>", "<@U999>", "<https://evil"):
            assert raw not in sent
        assert "&lt;!channel&gt;" in sent and "&amp;" in sent and "مرحبا" in sent and ":tada:" in sent


def test_the_longest_allowed_text_still_fits_slack(bot, slack, engine):
    long = {"ask": "&" * 3000, "outcome": "<!channel> " * 90, "problem": "ok& " * 500, "evidence": "&" * 2000,
            "measure": "<" * 1000}
    view = open_modal(bot, slack, text="&" * 3000)
    assert bot.slack.submit_view(view, long).status == 200
    slack.wait_for("chat.postMessage", 2)
    assert validate_message(bot.slack.command("list").json()) == []
    assert len(ideas(engine)) == 1  # and the fixture checks Slack refused nothing


@pytest.mark.parametrize("signed, age", [(False, 0), (True, 10 * 60)])
def test_unsigned_or_stale_requests_are_refused(bot, slack, signed, age):
    reply = bot.slack.form({"command": "/idea", "text": "", "team_id": "T1", "user_id": "U1"},
                           signed=signed, timestamp=int(time.time()) - age)
    assert reply.status == 401
    assert slack.calls("views.open") == []


def test_health_check_touches_the_database(bot, engine):
    reply = bot.slack.get("/healthz")
    assert (reply.status, reply.json()) == (200, {"ok": True})


@pytest.mark.parametrize("typed", ["help?", "Help.", "HELP!", " help\u00a0", "\u200bhelp", "help\n", "\thelp ?",
                                   "\uff48\uff45\uff4c\uff50\uff1f", "help\u3002"])
def test_a_verb_typed_with_punctuation_or_invisible_characters_is_still_the_verb(bot, slack, typed):
    """`/idea help?` is a question about the bot, not an idea called "help?"."""
    reply = bot.slack.command(typed)
    assert reply.status == 200 and reply.json()["text"] == "How to use /idea", reply.body
    bot.finish_work()
    assert slack.calls("views.open") == []


@pytest.mark.parametrize("typed", ["help me export csv", "list view for reports", "export to PDF",
                                   "settings page redesign", "Stats, dashboards and alerts",
                                   "\u200bList view 👨\u200d👩\u200d👧 for families."])
def test_a_verb_word_followed_by_more_words_is_an_idea(bot, slack, typed):
    view = open_modal(bot, slack, text=typed)
    ask = next(b for b in view["blocks"] if b.get("block_id") == "ask")["element"]["initial_value"]
    assert ask == typed.lstrip("\u200b")


@pytest.mark.parametrize("sent, shown", [
    ("Export for <#C123|finance> like <@U1|ana> asked", "Export for #finance like @ana asked"),
    ("See <https://x.example/a?b=1&amp;c=2|the brief> and <https://x.example>",
     "See the brief (https://x.example/a?b=1&c=2) and https://x.example"),
    ("Ask <!subteam^S1|@design> and <!here>, mail <mailto:a@b.example|a@b.example>",
     "Ask @design and @here, mail a@b.example"),
    ("Ping <@U2> about it :tada: 👍", "Ping <@U2> about it :tada: 👍"),  # no name to show: kept as sent
    ("R&amp;D wants &lt;b&gt; tags", "R&D wants <b> tags"),
], ids=["channel-and-person", "links", "group-and-here", "bare-mention", "entities"])
def test_channels_people_and_links_picked_in_the_command_are_asked_as_they_read(bot, slack, engine, sent, shown):
    """Slack sends what was picked from its menus as tokens; the form shows the words the person saw."""
    view = open_modal(bot, slack, text=sent)
    assert next(b for b in view["blocks"] if b.get("block_id") == "ask")["element"]["initial_value"] == shown
    assert bot.slack.submit_view(view, GOOD).body == ""
    assert ideas(engine)[0].ask == shown


@pytest.mark.parametrize("channel, said", [("CSALES", " in <#CSALES>"), ("D0BOT", " in a direct message")])
def test_the_card_says_where_the_idea_was_shared_and_a_dm_is_no_channel(bot, slack, channel, said):
    """`<#D…>` shows the PMs an unknown channel: an idea typed in a DM says so."""
    card = share_idea(bot, slack, channel=channel)
    assert f"from <@U1>{said}" in card["blocks"][0]["text"]["text"] and "<#D" not in str(card["blocks"])
