"""`/idea digest preview`: a channel's digest is shown to whoever asks there; the whole workspace's week (ideas
from private channels and DMs, the PMs' reasons), where no digest is set up, only to product managers."""

from __future__ import annotations

import time

import pytest

from tests.flows import share_idea

SECRET = "Payroll closes a day sooner for the acquisition team"


def reply(slack, n=1):
    return slack.wait_for("response_url", n)[n - 1].args


def test_a_channel_with_a_digest_shows_anyone_what_it_will_post(bot, slack):
    share_idea(bot, slack, channel="CPRODUCT", outcome=SECRET)
    bot.slack.command("digest here", user="UPM", channel="CPRODUCT")
    reply(slack)
    preview = bot.slack.command("digest preview", user="U2", channel="CPRODUCT").json()  # answered at once
    assert SECRET in str(preview["blocks"])


@pytest.mark.parametrize("channel", ["C1", "D0U2"], ids=["a channel without a digest", "a DM"])
def test_the_whole_workspaces_week_is_not_shown_to_someone_not_a_pm(bot, slack, channel):
    share_idea(bot, slack, channel="D0U1", outcome=SECRET)  # said in a DM
    answered = bot.slack.command("digest preview", user="U2", channel=channel).json()  # the PM list says: at once
    assert SECRET not in str(answered) and "product managers" in answered["text"]
    assert slack.calls("users.info") == []


def test_a_pm_still_sees_the_whole_workspaces_week_at_once(bot, slack):
    share_idea(bot, slack, channel="D0U1", outcome=SECRET)
    preview = bot.slack.command("digest preview", user="UPM", channel="C1").json()
    assert preview["response_type"] == "ephemeral" and SECRET in str(preview["blocks"])


@pytest.mark.parametrize("who, shown", [
    ({"is_admin": True}, True),
    ({"is_admin": True, "is_restricted": True}, False),  # a guest, whatever their rank
    ({"is_ultra_restricted": True}, False),
    ({}, False),
])
def test_with_no_pm_list_slack_is_asked_after_the_ack_who_may_see_it(make_bot, slack, who, shown):
    bot = make_bot(pm_user_ids=frozenset())
    share_idea(bot, slack, channel="GPRIVATE", outcome=SECRET)
    slack.users["UWHO"] = who
    slack.set_latency(2.5, "users.info")
    before = len(slack.calls("response_url"))
    started = time.monotonic()
    answered = bot.slack.command("digest preview", user="UWHO", channel="C1")
    assert answered.status == 200 and answered.body == "" and time.monotonic() - started < 1.0
    said = slack.wait_for("response_url", before + 1, timeout=10)[before].args
    assert (SECRET in str(said.get("blocks"))) is shown
    assert shown or "product managers" in said["text"]
