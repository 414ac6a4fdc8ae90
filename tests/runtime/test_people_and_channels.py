"""People and channels change under the bot: requesters deactivated or gone, triage and digest channels
archived or changed. What PMs see of it is true, nothing is retried forever, and it recovers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.digests.runs import schedule_of
from bot.digests.schedule import next_run
from models import DigestSubscription, make_sessions, utcnow
from runtime.scheduled import owe_due_digests
from tests.flows import GOOD, decisions, ideas, share_idea, wait_until
from tests.handlers.test_team_settings import save_settings
from tests.handlers.test_triage import decide, open_home
from tests.runtime.test_delivery import share
from tests.slack_requests import buttons


def slack_calls(slack, method, **args):
    return [c for c in slack.calls(method) if all(c.args.get(k) == v for k, v in args.items())]


@pytest.mark.parametrize(("gone", "words"), [
    ("deactivated", "<@U1> is deactivated"),
    ("left", "<@U1> is not in this workspace any more"),
])
@pytest.mark.refusals_expected
def test_a_decision_nobody_could_tell_the_requester_is_shown_as_undelivered_once(bot, slack, engine, gone, words):
    """The DM is refused, and so is the private note in the channel it falls back to: PMs are told the
    requester never heard, not that it "went to its next recipient"; it is tried once, and the rest flows."""
    card = share_idea(bot, slack, user="U1")
    if gone == "deactivated":
        slack.users["U1"] = {"deleted": True}
    else:  # left the workspace (or a Slack Connect partner disconnected): Slack no longer knows them
        slack.fail("chat.postMessage", "user_not_found", match={"channel": "U1"}, times=None)
        slack.fail("chat.postEphemeral", "user_not_found", match={"user": "U1"}, times=None)
    assert decide(bot, slack, card["blocks"], "idea_move_discovery").body == ""
    wait_until(lambda: slack_calls(slack, "chat.postEphemeral", user="U1"))
    share_idea(bot, slack, user="U2")  # nothing waits behind the requester who is gone
    bot.sender.drain(20, retries_too=True)

    assert [d.to_stage for d in decisions(engine)] == ["discovery"]
    assert len([c for c in slack_calls(slack, "chat.postMessage", channel="U1") if not c.ok]) == 1
    assert len(slack_calls(slack, "chat.postEphemeral", user="U1")) == 1
    home = open_home(bot, slack, "UPM")
    top = home["blocks"][0]["text"]["text"]
    assert "1 message could not be delivered" in top and words in top, top
    assert "went to its next recipient" not in top and "went elsewhere" not in top

    bot.slack.press(buttons(home["blocks"])["deliveries_retry"], user="UPM", view={**home, "id": "VHOME"})
    wait_until(lambda: len(slack_calls(slack, "chat.postEphemeral", user="U1")) == 2)
    bot.sender.drain(20, retries_too=True)
    top = open_home(bot, slack, "UPM")["blocks"][0]["text"]["text"]
    assert "1 message could not be delivered" in top and words in top, top  # tried again, still one


@pytest.mark.parametrize("posted_first", [False, True], ids=["never-posted", "posted-then-archived"])
@pytest.mark.refusals_expected
def test_cards_follow_the_triage_channel_an_admin_moves_to_after_the_old_one_was_archived(bot, slack, engine,
                                                                                         posted_first):
    slack.users["UADMIN"] = {"is_admin": True}
    if posted_first:
        card = share_idea(bot, slack, user="U1")
        slack.channels["CTRIAGE"] = {"is_archived": True}
    else:
        slack.channels["CTRIAGE"] = {"is_archived": True}
        share(bot, slack)
        wait_until(lambda: slack_calls(slack, "chat.postMessage", channel="CTRIAGE"))
        bot.deliver()
    assert save_settings(bot, slack, {"triage_channel": "CNEW"}).body == ""
    if posted_first:  # a decision redraws the card: the archived channel refuses, the new one shows it
        assert decide(bot, slack, card["blocks"], "idea_move_discovery").body == ""
    else:  # the card that failed: a PM presses Try again once the new channel is set
        home = open_home(bot, slack, "UPM")
        bot.slack.press(buttons(home["blocks"])["deliveries_retry"], user="UPM", view={**home, "id": "VHOME"})
    wait_until(lambda: slack.messages("CNEW"), timeout=10)
    bot.sender.drain(20, retries_too=True)
    [moved] = slack.messages("CNEW")
    assert GOOD["outcome"] in str(moved["blocks"])
    assert ("In discovery" in str(moved["blocks"])) is posted_first
    assert (ideas(engine)[0].triage_channel_id, ideas(engine)[0].triage_message_ts) == ("CNEW", moved["ts"])
    assert "could not be delivered" not in str(open_home(bot, slack, "UPM")["blocks"])


@pytest.mark.parametrize(("state", "words"), [
    ({"is_archived": True}, "<#CDIGEST> is archived"),
    ({"exists": False}, "I can't see <#CDIGEST>"),  # deleted, or private and the bot was removed
])
@pytest.mark.refusals_expected
def test_a_digest_whose_channel_is_gone_stops_and_pms_hear_it_once(bot, slack, engine, state, words):
    bot.slack.command("digest here", user="UPM", channel="CDIGEST")
    slack.wait_for("response_url")
    slack.channels["CDIGEST"] = state
    sessions = make_sessions(engine)
    with sessions() as session:
        schedule = schedule_of(session.scalar(select(DigestSubscription)))
    due = next_run(schedule, utcnow())
    for week in range(3):  # the scheduler's ticks, week after week
        owe_due_digests(sessions, None, due + timedelta(weeks=week, seconds=30), bot.sender.wake)
        bot.sender.drain(20, retries_too=True)

    assert len(slack_calls(slack, "chat.postMessage", channel="CDIGEST")) == 1  # tried once, not every week
    with sessions() as session:
        assert session.scalar(select(DigestSubscription)) is None
    top = open_home(bot, slack, "UPM")["blocks"][0]["text"]["text"]
    assert "1 message could not be delivered" in top and words in top, top
    assert "digest is stopped" in top and "`/idea digest here`" in top


@pytest.mark.parametrize(("error", "words"), [
    ("restricted_action", "a workspace setting keeps outcome-bot from posting in <#CTRIAGE>"),
    ("ekm_access_denied", "<#CTRIAGE> is locked by your Enterprise Key Management admins"),
    ("team_access_not_granted", "outcome-bot has not been given access to the workspace of <#CTRIAGE>"),
])
def test_refusals_a_pm_can_act_on_are_said_in_words(bot, slack, engine, error, words):
    slack.fail("chat.postMessage", error, match={"channel": "CTRIAGE"}, times=None)
    share(bot, slack)
    wait_until(lambda: slack_calls(slack, "chat.postMessage", channel="CTRIAGE"))
    bot.deliver()
    top = open_home(bot, slack, "UPM")["blocks"][0]["text"]["text"]
    assert words in top and "Slack said" not in top, top
