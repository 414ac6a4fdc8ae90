"""When Slack refuses what a person asked for (a form that will not open, a file it will not take, a
channel the bot cannot post in), the person hears it, with what to do; and the same form delivered
several times at once is one idea and no error."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import DigestSubscription, FeedbackChannel, Idea
from tests.flows import GOOD, open_modal, share_idea, wait_until
from tests.handlers.test_close_the_loop import ship
from tests.slack_requests import buttons

FORM_FAILED = "Slack could not open the form just now"


@pytest.mark.parametrize("error", ["expired_trigger_id", "internal_error"])
@pytest.mark.parametrize("button", ["idea_move_discovery", "merge_idea", "support_idea", "add_objective"])
@pytest.mark.refusals_expected
def test_a_form_slack_will_not_open_is_said_under_the_button(make_bot, slack, engine, error, button):
    bot = make_bot(pm_user_ids=frozenset({"UPM"}))
    card = share_idea(bot, slack, user="U1")
    home = bot.slack.event({"type": "app_home_opened", "user": "UPM", "channel": "D1", "tab": "home"})
    assert home.status == 200
    pressed = buttons(card["blocks"]) | buttons(slack.wait_for("views.publish")[-1].args["view"]["blocks"])
    slack.fail("views.open", error, times=1)
    bot.slack.press(pressed[button], user="U2" if button == "support_idea" else "UPM", channel="CTRIAGE")
    assert FORM_FAILED in slack.wait_for("response_url")[0].args["text"]


TYPED = "Add a CSV export for <finance> & R&D ```code``` <@U2> " + "word " * 1000


@pytest.mark.parametrize("failure", [
    {"error": "expired_trigger_id"},
    {"error": "ratelimited", "status": 429, "headers": {"Retry-After": "30"}},
    {"error": "internal_error", "status": 503},
    {"mode": "drop", "times": 2},
], ids=["expired", "429", "503", "dropped"])
@pytest.mark.refusals_expected
def test_an_idea_form_slack_will_not_open_gives_back_what_was_typed(bot, slack, engine, failure):
    """The words after `/idea` are gone from the person's message box once sent: nothing of them is lost."""
    slack.fail("views.open", **{"times": 1, **failure})
    reply = bot.slack.command(TYPED)
    assert reply.status == 200 and reply.body == ""
    said = slack.wait_for("response_url")[0].args
    assert said["response_type"] == "ephemeral" and FORM_FAILED in said["text"]
    shown = said["text"].split("```", 1)[1].rsplit("```", 1)[0]
    assert shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("\u200b", "") == TYPED.strip()
    assert "<@U2>" not in said["text"] and "&lt;finance&gt; &amp; R&amp;D" in said["text"]
    assert session_count(engine, Idea) == 0


@pytest.mark.parametrize("typed", ["Fences ```` like *these* and _those_", "`inline` at the ends`",
                                   "``double`` and ````` five"])
@pytest.mark.refusals_expected
def test_backticks_typed_never_close_the_block_the_words_are_given_back_in(bot, slack, typed):
    """Four backticks, or one next to the block's own fence, would end the code block early, and the rest
    would be read as formatting (`*these*` losing its stars): the words come back whole, in one block."""
    slack.fail("views.open", "expired_trigger_id", times=1)
    assert bot.slack.command(typed).status == 200
    said = slack.wait_for("response_url")[0].args["text"]
    assert said.count("```") == 2 and not said.split("```")[1].startswith("`") and not said.endswith("````")
    assert said.split("```")[1].replace("\u200b", "") == typed


@pytest.mark.refusals_expected
def test_a_form_from_a_message_that_will_not_open_says_so_without_quoting_it(bot, slack):
    slack.fail("views.open", "expired_trigger_id", times=1)
    bot.slack.interaction({"type": "message_action", "callback_id": "idea_from_message", "team": {"id": "T1"},
                           "user": {"id": "U1"}, "channel": {"id": "C1"}, "trigger_id": "trigger-m",
                           "response_url": slack.response_url(),
                           "message": {"type": "message", "user": "U3", "ts": "1700000000.000200",
                                       "text": "could we get dark mode"}})
    said = slack.wait_for("response_url")[0].args["text"]
    assert FORM_FAILED in said and "dark mode" not in said


def session_count(engine, model):
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.mark.refusals_expected
def test_a_review_form_and_the_settings_form_say_so_too(make_bot, slack, engine):
    bot = make_bot(pm_user_ids=frozenset({"UPM"}))
    blocks = ship(bot, slack, share_idea(bot, slack, user="U1"))
    slack.fail("views.open", "expired_trigger_id", times=2)
    bot.slack.press(buttons(blocks)["review_met"], user="UPM", channel="CTRIAGE")
    assert FORM_FAILED in slack.wait_for("response_url")[0].args["text"]
    slack.users["UADMIN"] = {"is_admin": True}
    bot.slack.command("settings", user="UADMIN")
    assert FORM_FAILED in slack.wait_for("response_url", 2)[1].args["text"]


@pytest.mark.refusals_expected
def test_an_export_slack_will_not_take_is_said_by_dm(bot, slack, engine):
    share_idea(bot, slack)
    slack.fail("files.getUploadURLExternal", "not_allowed_token_type", times=None)
    bot.slack.command("export", user="UPM")
    wait_until(lambda: any("could not send you the export" in str(c.args.get("text"))
                           for c in slack.calls("chat.postMessage") if c.args["channel"] == "UPM"))


def test_digest_now_in_a_private_channel_without_the_bot_asks_for_an_invitation(bot, slack, engine):
    slack.channels["CSECRET"] = {"is_private": True, "is_member": False}
    bot.slack.command("digest now", user="UPM", channel="CSECRET")
    assert "/invite @outcome-bot" in slack.wait_for("response_url")[0].args["text"]
    bot.finish_work()
    assert [c for c in slack.calls("chat.postMessage") if c.args["channel"] == "CSECRET"] == []


@pytest.mark.parametrize(("command", "method", "error", "status"), [
    ("digest here", "conversations.info", "ratelimited", 429),
    ("digest here", "conversations.join", "internal_error", 500),
    ("feedback here", "conversations.info", "service_unavailable", 503),
    ("feedback here", "conversations.join", "ratelimited", 429),
])
def test_slack_busy_while_checking_the_channel_says_try_again_not_invite_me(bot, slack, engine, command, method,
                                                                            error, status):
    """A public channel the bot can join: Slack being busy or down for a moment is no reason to ask for an
    invitation, and nothing is set up that the bot could not act on."""
    slack.channels["CPUBLIC"] = {"is_member": False}
    slack.fail(method, error, status=status, headers={"Retry-After": "1"} if status == 429 else None, times=1)
    bot.slack.command(command, user="UPM", channel="CPUBLIC")
    said = slack.wait_for("response_url")[0].args["text"]
    assert "/invite" not in said and "try again" in said, said
    bot.finish_work()
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(DigestSubscription)) == 0
        assert session.scalar(select(func.count()).select_from(FeedbackChannel)) == 0


def test_the_same_form_delivered_several_times_at_once_makes_one_idea_and_no_error(bot, slack, engine, caplog):
    view = open_modal(bot, slack)
    replies: list = []
    start = threading.Barrier(6)

    def deliver() -> None:
        start.wait()
        replies.append(bot.slack.submit_view(view, GOOD, view_id="VTWICE"))

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    with caplog.at_level(logging.INFO):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        bot.finish_work()
    assert [(r.status, r.body) for r in replies] == [(200, "")] * 6
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Idea)) == 1
    assert not any(record.exc_info for record in caplog.records)
    assert len([c for c in slack.calls("chat.postMessage") if c.args["channel"] == "U1"]) == 1


def test_the_words_fit_what_was_pressed(bot, slack, engine):
    share_idea(bot, slack, user="U1")
    element = {"type": "static_select", "action_id": "set_objective", "block_id": "objective_1",
               "options": [{"text": {"type": "plain_text", "text": "No objective"}, "value": "none"}]}
    bot.slack.select(element, "none", user="U2", channel="CTRIAGE")
    assert "Only product managers can add or change objectives" in slack.wait_for("response_url")[0].args["text"]
    support = {"type": "modal", "callback_id": "idea_support", "private_metadata": '{"idea": 1}', "blocks": [
        {"type": "input", "block_id": "evidence", "element": {"type": "plain_text_input", "action_id": "evidence"}}]}
    reply = bot.slack.submit_view(support, {"evidence": "me too"}, user="U1").json()  # a forged +1 on one's own
    assert "It's your idea" in reply["errors"]["evidence"]


ADMIN_VERBS = ["digest here", "digest now", "digest off", "feedback here", "feedback off", "okr", "export", "settings"]


@pytest.mark.parametrize("verb", ADMIN_VERBS)
@pytest.mark.parametrize("slack_says", ["nothing", "not an admin"])
@pytest.mark.refusals_expected
def test_with_no_pm_list_an_admin_is_not_told_only_pms_when_slack_did_not_say(make_bot, slack, engine, verb,
                                                                             slack_says):
    """Without PM_USER_IDS, admins and owners decide, and only Slack knows who they are: Slack down is
    said as that, not as "only product managers can"."""
    bot = make_bot(pm_user_ids=frozenset())
    if slack_says == "nothing":
        slack.fail("users.info", "internal_error", status=503, times=None)
    else:
        slack.users["UADMIN"] = {"is_admin": False}
    bot.slack.command(verb, user="UADMIN", channel="CPRODUCT")
    said = slack.wait_for("response_url")[0].args
    assert said["response_type"] == "ephemeral"
    if slack_says == "nothing":
        assert said["text"].startswith("Slack did not say just now") and "Only" not in said["text"]
    else:
        assert said["text"].startswith("Only")
    bot.finish_work()
    assert slack.calls("views.open") == [] and slack.calls("chat.postMessage") == []
    assert session_count(engine, DigestSubscription) == 0 and session_count(engine, FeedbackChannel) == 0
