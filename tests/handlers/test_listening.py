"""Listening in channels and the message shortcut, through signed events and interactions."""

from __future__ import annotations

import itertools
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models import Nudge, NudgeWindow, utcnow
from tests.flows import GOOD, cards, decisions, ideas, open_modal, wait_until
from tests.slack_requests import buttons
from ui.listening import OPTED_OUT

REQUEST = "could we add a CSV export to the reports page? finance keeps rebuilding it by hand"
_ts = itertools.count(1)


def message(text=REQUEST, *, user="U1", channel="C1", **extra):
    event = {"type": "message", "channel": channel, "channel_type": "channel", "user": user, "text": text,
             "ts": f"1700001000.{next(_ts):06d}", "event_ts": "1700001000.000001"}
    return {**event, **extra}


def say(bot, event, **kwargs):
    reply = bot.slack.event(event, **kwargs)
    assert reply.status == 200
    return event


def nudges(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Nudge))


def test_a_request_in_a_channel_gets_a_private_nudge_in_its_thread(bot, slack, engine):
    event = say(bot, message())
    nudge = slack.wait_for("chat.postEphemeral")[0].args
    assert (nudge["channel"], nudge["user"], nudge["thread_ts"]) == ("C1", "U1", event["ts"])
    assert set(buttons(nudge["blocks"])) == {"nudge_share", "nudge_dismiss", "nudge_opt_out"}
    assert "outcome" in nudge["text"]
    assert nudges(engine) == 1


def test_a_request_shared_with_a_screenshot_gets_a_nudge_too(bot, slack, engine):
    """A file attached (subtype file_share) is still a person's new message, in their words."""
    event = say(bot, message(subtype="file_share", files=[{"id": "F1", "name": "reports.png"}]))
    nudge = slack.wait_for("chat.postEphemeral")[0].args
    assert (nudge["channel"], nudge["user"], nudge["thread_ts"]) == ("C1", "U1", event["ts"])
    assert nudges(engine) == 1


@pytest.mark.parametrize(
    "event",
    [
        message("thanks for the quick fix yesterday, works great now"),
        message("deployed 4.2 to staging, shout if anything looks off"),
        message(REQUEST, bot_id="B1"),
        message(REQUEST, subtype="bot_message"),
        message(REQUEST, subtype="message_changed"),
        message(REQUEST, subtype="message_deleted"),
        message(REQUEST, subtype="channel_join"),
        message(REQUEST, thread_ts="1700000999.000001"),
        message(REQUEST, subtype="file_share", thread_ts="1700000999.000001"),
        message(REQUEST, subtype="thread_broadcast", thread_ts="1700000999.000001"),
        message(REQUEST, channel_type="im", channel="D1"),
        message(REQUEST, channel_type="mpim", channel="G1"),
        message(REQUEST, channel="CTRIAGE"),
        message(REQUEST, user="UBOT"),
        message("Reminder: could we add a CSV export to the reports page?", user="USLACKBOT"),
    ],
    ids=["thanks", "status", "bot-id", "bot-message", "edit", "delete", "join", "thread-reply", "file-in-a-thread",
         "reply-also-sent-to-channel", "dm", "group-dm",
         "triage-channel", "the-bot-itself", "slackbot"],
)
def test_silence_for_chatter_bots_edits_threads_and_dms(bot, slack, engine, event):
    say(bot, event)
    bot.finish_work()
    assert slack.calls("chat.postEphemeral") == [] and nudges(engine) == 0


def test_a_retried_event_nudges_once(bot, slack, engine):
    event = message()
    say(bot, event, event_id="EvSAME")
    say(bot, event, event_id="EvSAME", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    bot.finish_work()
    assert len(slack.calls("chat.postEphemeral")) == 1 and nudges(engine) == 1


def test_simultaneous_deliveries_of_one_event_nudge_once(bot, slack, engine):
    event = message()
    senders = [threading.Thread(target=say, args=(bot, event), kwargs={"event_id": "EvRACE"}) for _ in range(4)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    bot.finish_work()
    assert len(slack.calls("chat.postEphemeral")) == 1 and nudges(engine) == 1


def test_at_most_one_nudge_per_person_and_channel_an_hour(bot, slack, engine):
    say(bot, message())
    say(bot, message("would be great if the dashboard remembered my filters"))
    say(bot, message(channel="C2"))
    say(bot, message(user="U2"))
    bot.finish_work()
    assert sorted((c.args["channel"], c.args["user"]) for c in slack.calls("chat.postEphemeral")) == [
        ("C1", "U1"), ("C1", "U2"), ("C2", "U1")]


def test_an_hour_later_the_same_person_may_be_nudged_again(bot, slack, engine):
    say(bot, message())
    slack.wait_for("chat.postEphemeral")
    with Session(engine) as session, session.begin():
        session.execute(update(NudgeWindow).values(last_nudged_at=utcnow() - timedelta(minutes=61)))
    say(bot, message("any chance we could get dark mode in the mobile app?"))
    slack.wait_for("chat.postEphemeral", 2)
    assert nudges(engine) == 2


@pytest.mark.parametrize("ago", [timedelta(minutes=61), -timedelta(days=400)])
def test_a_window_an_hour_old_or_dated_ahead_holds_nobody_off(bot, slack, engine, ago):
    """Dated ahead: written by hand, or by a process whose clock ran ahead; it would hold until then."""
    with Session(engine) as session, session.begin():
        session.add(NudgeWindow(team_id="T1", user_id="U1", channel_id="C1", last_nudged_at=utcnow() - ago))
    say(bot, message())
    slack.wait_for("chat.postEphemeral")
    assert nudges(engine) == 1


def test_dont_ask_me_again_is_remembered(bot, slack, engine):
    say(bot, message())
    nudge = slack.wait_for("chat.postEphemeral")[0].args
    bot.slack.press(buttons(nudge["blocks"])["nudge_opt_out"], user="U1", message_ts=None)
    reply = slack.wait_for("response_url")[0].args
    assert reply["text"] == OPTED_OUT and reply["replace_original"] is True
    say(bot, message(channel="C9"))
    bot.finish_work()
    assert len(slack.calls("chat.postEphemeral")) == 1


def test_nudges_can_be_turned_off_and_on_again(bot, slack, engine):
    assert bot.slack.command("nudges off", user="U1").json()["text"] == OPTED_OUT
    assert "Nudges are on" in bot.slack.command("nudges on", user="U1").json()["text"]
    say(bot, message(channel="C8"))
    slack.wait_for("chat.postEphemeral")


def test_nudges_alone_says_the_setting_and_opens_no_form(bot, slack, engine):
    assert "Nudges are on" in bot.slack.command("nudges", user="U1").json()["text"]
    bot.slack.command("nudges off", user="U1")
    assert "Nudges are off for you" in bot.slack.command("NUDGES", user="U1").json()["text"]
    assert "Nudges are on" in bot.slack.command("nudges", user="U2").json()["text"]  # each person's own
    bot.finish_work()
    assert slack.calls("views.open") == []


def test_not_a_request_just_removes_the_nudge(bot, slack, engine):
    say(bot, message())
    nudge = slack.wait_for("chat.postEphemeral")[0].args
    bot.slack.press(buttons(nudge["blocks"])["nudge_dismiss"], user="U1")
    assert slack.wait_for("response_url")[0].args["delete_original"] is True


def test_share_the_outcome_opens_the_form_on_the_message_and_links_the_idea(bot, slack, engine):
    event = say(bot, message("<!here> could we add a CSV export to reports? <@U7> & finance agree", channel="CSALES"))
    nudge = slack.wait_for("chat.postEphemeral")[0].args
    bot.slack.press(buttons(nudge["blocks"])["nudge_share"], user="U1")
    view = slack.wait_for("views.open")[0].args["view"]
    ask = next(b for b in view["blocks"] if b.get("block_id") == "ask")["element"]["initial_value"]
    assert ask == "@here could we add a CSV export to reports? @u7 & finance agree"  # as the channel showed it
    assert slack.wait_for("response_url")[0].args["delete_original"] is True

    assert bot.slack.submit_view(view, GOOD, user="U1").body == ""
    [idea] = ideas(engine)
    assert (idea.requester_id, idea.submitted_by, idea.source_channel_id, idea.source_message_ts) == (
        "U1", None, "CSALES", event["ts"])
    permalink = slack.wait_for("chat.getPermalink")[0].args
    assert (permalink["channel"], permalink["message_ts"]) == ("CSALES", event["ts"])
    wait_until(lambda: cards(slack))
    link = f"https://acme.slack.com/archives/CSALES/p{event['ts'].replace('.', '')}"
    assert ideas(engine)[0].source_permalink == link
    assert link in str(cards(slack)[0]["blocks"])


def test_the_form_keeps_the_words_as_typed_not_as_slack_encodes_them(bot, slack, engine):
    """Slack sends `&`, `<` and `>` in a message's text as entities: the form shows what was typed."""
    say(bot, message("could we add a CSV export for R&amp;D? finance &lt;3 spreadsheets", channel="CSALES"))
    nudge = slack.wait_for("chat.postEphemeral")[0].args
    bot.slack.press(buttons(nudge["blocks"])["nudge_share"], user="U1")
    original = {"user": "U1", "ts": "1700002000.000300", "text": "we need SSO &amp; SCIM before the bank signs"}
    assert bot.slack.message_shortcut(original, user="U2", channel="CSALES").status == 200
    asks = [next(b for b in call.args["view"]["blocks"] if b.get("block_id") == "ask")["element"]["initial_value"]
            for call in slack.wait_for("views.open", 2)]
    assert sorted(asks) == ["could we add a CSV export for R&D? finance <3 spreadsheets",
                            "we need SSO & SCIM before the bank signs"]


def test_a_nudge_whose_form_slack_would_not_open_stays_to_press_again(bot, slack, engine):
    """Slack refused the form (a trigger that expired, an outage): the invitation is kept, with its buttons, and
    the person is told to press it again, rather than told to try again under a nudge that is gone."""
    event = say(bot, message(channel="CSALES"))
    nudge = slack.wait_for("chat.postEphemeral")[0].args
    slack.fail("views.open", "expired_trigger_id")
    bot.slack.press(buttons(nudge["blocks"])["nudge_share"], user="U1", channel="CSALES")
    wait_until(lambda: [c for c in slack.calls("response_url") if c.args.get("text")])
    bot.deliver()
    [said] = [c.args for c in slack.calls("response_url") if c.args.get("text")]
    assert "press *Share the outcome* again" in said["text"] and said.get("replace_original") is False
    assert not [c for c in slack.calls("response_url") if c.args.get("delete_original")]

    bot.slack.press(buttons(nudge["blocks"])["nudge_share"], user="U1", channel="CSALES")
    view = slack.wait_for("views.open", 2)[-1].args["view"]
    assert "could we add a CSV export" in str(view["blocks"])
    wait_until(lambda: [c for c in slack.calls("response_url") if c.args.get("delete_original")])
    assert bot.slack.submit_view(view, GOOD, user="U1").body == ""
    assert [(i.requester_id, i.source_message_ts) for i in ideas(engine)] == [("U1", event["ts"])]


def test_someone_else_cannot_use_a_nudge(bot, slack, engine):
    say(bot, message())
    nudge = slack.wait_for("chat.postEphemeral")[0].args
    bot.slack.press(buttons(nudge["blocks"])["nudge_share"], user="U2")
    assert "expired" in slack.wait_for("response_url")[0].args["text"]
    assert slack.calls("views.open") == []


def test_decisions_on_an_idea_from_a_message_are_told_in_its_thread(bot, slack, engine):
    event = say(bot, message(channel="CSALES"))
    nudge = slack.wait_for("chat.postEphemeral")[0].args
    bot.slack.press(buttons(nudge["blocks"])["nudge_share"], user="U1")
    bot.slack.submit_view(slack.wait_for("views.open")[0].args["view"], GOOD, user="U1")
    wait_until(lambda: cards(slack))
    card = cards(slack)[0]
    bot.slack.press(buttons(card["blocks"])["idea_move_discovery"], user="UPM", channel="CTRIAGE")
    bot.slack.submit_view(slack.wait_for("views.open", 2)[-1].args["view"],
                          {"reason": "Finance loses a day every month to this"}, user="UPM")
    wait_until(lambda: [c for c in slack.calls("chat.postMessage") if c.args.get("thread_ts")])
    [reply] = [c.args for c in slack.calls("chat.postMessage") if c.args.get("thread_ts")]
    assert (reply["channel"], reply["thread_ts"]) == ("CSALES", event["ts"])
    assert "<@U1>" in str(reply["blocks"]) and "Finance loses a day every month to this" in str(reply["blocks"])
    assert [d.to_stage for d in decisions(engine)] == ["discovery"]


def test_turn_into_idea_credits_the_author_and_tells_both(bot, slack, engine):
    original = {"user": "U1", "ts": "1700002000.000100", "text": "we really need SSO with Okta before the bank signs"}
    assert bot.slack.message_shortcut(original, user="U2", channel="CSALES").status == 200
    view = slack.wait_for("views.open")[0].args["view"]
    assert "<@U1>" in str(view["blocks"])
    bot.slack.submit_view(view, GOOD, user="U2")
    [idea] = ideas(engine)
    assert (idea.requester_id, idea.submitted_by, idea.ask, idea.source_message_ts) == (
        "U1", "U2", original["text"], original["ts"])
    bot.deliver()  # the confirmation, the word to the author and the card go out in any order
    dms = {c.args["channel"]: str(c.args["blocks"]) for c in slack.calls("chat.postMessage")}
    assert "credited to them" in dms["U2"] and "<@U2> turned" in dms["U1"]
    assert "shared by <@U2>" in str(cards(slack)[0]["blocks"])


@pytest.mark.parametrize(("sharer", "move", "heard"), [
    ("U2", "idea_move_discovery", "The idea you shared #1 is now in discovery"),
    ("U2", "idea_move_declined", "The idea you shared #1 is now declined"),
    ("UPM", "idea_move_discovery", None),  # a PM who shared it and decided it is not told what they did
])
def test_whoever_turned_a_message_into_an_idea_hears_its_decisions(bot, slack, engine, sharer, move, heard):
    """Their confirmation promised "You will both hear": the author in their message's thread, the one who
    pressed (mentioned nowhere there) by DM, once, told it is the idea they shared."""
    original = {"user": "U1", "ts": "1700002000.000600", "text": "we really need SSO with Okta before the bank signs"}
    bot.slack.message_shortcut(original, user=sharer, channel="CSALES")
    assert bot.slack.submit_view(slack.wait_for("views.open")[0].args["view"], GOOD, user=sharer).body == ""
    wait_until(lambda: cards(slack))
    bot.slack.press(buttons(cards(slack)[0]["blocks"])[move], user="UPM", channel="CTRIAGE")
    bot.slack.submit_view(slack.wait_for("views.open", 2)[-1].args["view"],
                          {"reason": "Finance loses a day every month to this"}, user="UPM")
    bot.finish_work()
    assert "You will both hear" in str(dms_of(bot, slack, sharer)[0]["blocks"])
    told = [dm for dm in dms_of(bot, slack, sharer) if "Finance loses a day" in dm["text"]]
    if heard is None:
        assert told == []
        return
    [notice] = told
    assert notice["text"].startswith(heard) and "Your idea" not in notice["text"] + str(notice["blocks"])
    thread = [c.args for c in slack.calls("chat.postMessage") if c.args.get("thread_ts") == original["ts"]]
    assert len(thread) == 1 and "<@U1>" in str(thread[0]["blocks"])


def test_whoever_turned_a_message_into_an_idea_is_not_sent_to_a_list_without_it(bot, slack, engine):
    """The idea is the author's: it is on their `/idea list`, not the presser's, so the presser's confirmation
    does not send them looking there, and says where its news will come."""
    original = {"user": "U1", "ts": "1700002000.000700", "text": "we really need SSO with Okta before the bank signs"}
    bot.slack.message_shortcut(original, user="U2", channel="CSALES")
    assert bot.slack.submit_view(slack.wait_for("views.open")[0].args["view"], GOOD, user="U2").body == ""
    wait_until(lambda: dms_of(bot, slack, "U2"))
    [confirmation] = dms_of(bot, slack, "U2")
    assert "See all your ideas with `/idea list`" not in str(confirmation["blocks"])
    assert "<@U1>'s `/idea list`" in str(confirmation["blocks"])
    outcome = GOOD["outcome"]
    assert outcome not in str(bot.slack.command("list", user="U2").json())
    assert outcome in str(bot.slack.command("list", user="U1").json())


def dms_of(bot, slack, user):
    bot.deliver()
    return [c.args for c in slack.calls("chat.postMessage") if c.args["channel"] == user]


@pytest.mark.parametrize(
    "original",
    [
        {"user": "UZAP", "bot_id": "BZAP", "subtype": "bot_message", "text": "New review: please add dark mode"},
        {"user": "UWF", "bot_id": "BWF", "text": "Workflow: please add dark mode to the iOS app"},
        {"user": "UBOT", "bot_id": "BBOT", "text": "Idea #4 is in: please add dark mode"},
        {"bot_id": "BHOOK", "subtype": "bot_message", "text": "please add dark mode"},
        # Slackbot's reminders and custom responses come with its user id and no bot_id, as if a person's.
        {"user": "USLACKBOT", "text": "Reminder: please add dark mode to the iOS app."},
    ],
    ids=["integration", "workflow", "this-bot", "webhook", "slackbot"],
)
def test_turn_into_idea_on_a_bots_message_credits_the_person_who_pressed(bot, slack, engine, original):
    """No person wrote it, so nobody else is credited (nor sent a word): the one who pressed asked."""
    original = {**original, "ts": "1700002000.000400"}
    assert bot.slack.message_shortcut(original, user="U2", channel="CSALES").status == 200
    view = slack.wait_for("views.open")[0].args["view"]
    assert "credited as the requester" not in str(view["blocks"])
    assert bot.slack.submit_view(view, GOOD, user="U2").body == ""
    [idea] = ideas(engine)
    assert (idea.requester_id, idea.submitted_by, idea.source_message_ts) == ("U2", None, original["ts"])
    bot.finish_work()
    assert {c.args["channel"] for c in slack.calls("chat.postMessage")} == {"U2", "CTRIAGE"}


@pytest.mark.parametrize(
    "original, ask",
    [
        ({"bot_id": "BZD", "subtype": "bot_message", "text": "",
          "attachments": [{"fallback": "New ticket", "title": "Ticket #881 from Acme",
                           "text": "Please add SSO with Okta &amp; SCIM"}]},
         "Ticket #881 from Acme\nPlease add SSO with Okta & SCIM"),
        ({"bot_id": "BWF", "text": "",
          "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Request:* dark mode for iOS"}}]},
         "*Request:* dark mode for iOS"),
        ({"user": "U1", "text": "could we add dark mode?",
          "attachments": [{"title": "Dark mode in the wild", "text": "A blog post"}]},
         "could we add dark mode?"),
    ],
    ids=["attachments-only", "blocks-only", "a-person-and-a-link-preview"],
)
def test_turn_into_idea_reads_words_where_the_message_keeps_them(bot, slack, engine, original, ask):
    """An integration's words may sit in attachments or blocks alone; a person's are their text."""
    bot.slack.message_shortcut({**original, "ts": "1700002000.000500"}, user="U2", channel="CSALES")
    view = slack.wait_for("views.open")[0].args["view"]
    assert next(b for b in view["blocks"] if b.get("block_id") == "ask")["element"].get("initial_value") == ask


def test_turn_into_idea_on_a_long_message_keeps_its_start_and_says_so(bot, slack, engine):
    original = {"user": "U1", "ts": "1700002000.000200", "text": "word " * 900}
    bot.slack.message_shortcut(original, user="U1")
    view = slack.wait_for("views.open")[0].args["view"]
    assert "longer than the 3,000 characters" in str(view["blocks"])
    assert bot.slack.submit_view(view, GOOD, user="U1").body == ""
    wait_until(lambda: ideas(engine))
    assert ideas(engine)[0].ask == original["text"].strip()


def test_a_form_forged_to_name_a_message_credits_no_one_else_and_posts_in_no_thread(bot, slack, engine):
    view = open_modal(bot, slack, "Add SSO", channel="C1")
    forged = {**view, "private_metadata": json.dumps({"channel": "CSALES", "ts": "1700002000.000100",
                                                       "author": "UCEO"})}
    assert bot.slack.submit_view(forged, GOOD, user="U1").body == ""
    [idea] = ideas(engine)
    assert (idea.requester_id, idea.submitted_by, idea.source_message_ts) == ("U1", None, None)
    bot.finish_work()
    assert not [c for c in slack.calls("chat.postMessage") if c.args["channel"] == "UCEO" or c.args.get("thread_ts")]
    assert slack.calls("chat.getPermalink") == []
