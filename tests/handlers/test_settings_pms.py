"""/idea settings: product managers are this workspace's own people. After the form is acked, each newly picked
PM is looked up; a guest, someone of another organisation, an app or a deactivated account is taken off the list
and the admin who saved is told, once, who and why. When Slack does not say, nobody is taken off."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import TeamSettings
from tests.flows import open_modal, share_idea, wait_until
from tests.slack_requests import buttons

# What users.info says of each person picked (this workspace is T1), and what the admin is told of them.
PICKED = {
    "UGUEST": ({"is_restricted": True}, "is a guest"),
    "USTRANGER": ({"is_stranger": True, "team_id": "T9OTHER"}, "is from another organisation"),
    "UAPP": ({"is_bot": True}, "is an app"),
    "UGONE": ({"deleted": True}, "is deactivated"),
    "UMEMBER": ({}, None),
}
# Each alone: more ways Slack describes someone who cannot be a PM here, and people who can.
ALONE = {
    "single-channel guest": ({"is_ultra_restricted": True}, "is a guest"),
    "admin of another workspace": ({"is_admin": True, "team_id": "T9OTHER"}, "is from another organisation"),
    "guest of another organisation": ({"is_restricted": True, "team_id": "T9OTHER"}, "is from another organisation"),
    "app's user": ({"is_app_user": True}, "is an app"),
    "deactivated guest": ({"deleted": True, "is_restricted": True}, "is deactivated"),
    "member": ({}, None),
    "admin here": ({"is_admin": True}, None),
    "grid member of this workspace": ({"team_id": "T9ORG", "enterprise_user": {"id": "W1", "enterprise_id": "E1",
                                                                              "teams": ["T9ORG", "T1"]}}, None),
}


def listed(engine) -> set[str]:
    with Session(engine) as session:
        return set(filter(None, (session.scalar(select(TeamSettings.pm_user_ids)) or "").split(",")))


def told_admin(slack) -> list[str]:
    return [c.args["text"] for c in slack.calls("chat.postMessage") if c.args["channel"] == "UADMIN"]


def pick(bot, slack, pms: list[str], user: str = "UADMIN"):
    form = open_modal(bot, slack, "settings", user=user)  # the admin is looked up (and remembered) here
    return form, bot.slack.submit_view(form, {"pm_user_ids": pms}, user=user)


@pytest.fixture
def admin(slack):
    slack.users["UADMIN"] = {"is_admin": True}


def test_only_this_workspaces_own_people_stay_listed_and_the_admin_hears_once_who_did_not(bot, slack, engine, admin):
    slack.users.update({user: described for user, (described, _) in PICKED.items()})
    _, reply = pick(bot, slack, sorted(PICKED))
    assert reply.status == 200 and reply.body == ""
    [told] = slack.wait_for("chat.postMessage")
    bot.finish_work()
    assert listed(engine) == {"UMEMBER"}
    assert told_admin(slack) == [told.args["text"]]
    for user, (_, why) in PICKED.items():
        assert (f"<@{user}> {why}" in told.args["text"]) == (why is not None), user
    assert "<@UMEMBER>" not in told.args["text"]


@pytest.mark.parametrize("who", list(ALONE))
def test_each_kind_of_outsider_is_left_off_and_named_with_why(bot, slack, engine, admin, who):
    described, why = ALONE[who]
    slack.users["UPICKED"] = described
    pick(bot, slack, ["UPICKED"])
    if why is None:
        wait_until(lambda: len(slack.calls("users.info")) == 2)  # the admin, then the person picked
        bot.finish_work()
        assert listed(engine) == {"UPICKED"} and told_admin(slack) == []
        return
    [told] = slack.wait_for("chat.postMessage")
    assert f"<@UPICKED> {why}" in told.args["text"] and "With none left" in told.args["text"]
    assert listed(engine) == set()


def test_slackbot_is_an_app(bot, slack, engine, admin):
    pick(bot, slack, ["USLACKBOT", "UMEMBER"])
    assert "<@USLACKBOT> is an app" in slack.wait_for("chat.postMessage")[0].args["text"]
    assert listed(engine) == {"UMEMBER"}


@pytest.mark.parametrize(("failure", "picked"), [
    ({"error": "ratelimited", "status": 429, "headers": {"Retry-After": "30"}}, sorted(PICKED)),
    ({"error": "internal_error", "status": 500}, sorted(PICKED)),
    ({"error": "service_unavailable", "status": 503}, sorted(PICKED)),
    ({"mode": "drop"}, sorted(PICKED)),
    ({"mode": "hang", "hang_seconds": 30.0}, ["UGUEST"]),  # the client's timeout ends it: one person will do
])
@pytest.mark.refusals_expected
def test_when_slack_does_not_describe_them_everyone_stays_listed_and_nothing_is_said(bot, slack, engine, admin,
                                                                                      failure, picked):
    slack.users.update({user: described for user, (described, _) in PICKED.items()})
    form = open_modal(bot, slack, "settings", user="UADMIN")
    slack.fail("users.info", times=None, **failure)
    reply = bot.slack.submit_view(form, {"pm_user_ids": picked}, user="UADMIN")
    assert reply.status == 200 and reply.body == ""
    wait_until(lambda: len([c for c in slack.calls("users.info") if c.injected or c.unanswered]) >= len(picked),
               timeout=30)
    bot.finish_work()
    assert listed(engine) == set(picked)
    assert told_admin(slack) == []


def test_the_form_is_answered_at_once_however_slowly_slack_describes_the_pms(bot, slack, engine, admin):
    slack.users["UGUEST"] = {"is_restricted": True}
    form = open_modal(bot, slack, "settings", user="UADMIN")
    slack.set_latency(2.5, "users.info")
    started = time.monotonic()
    reply = bot.slack.submit_view(form, {"pm_user_ids": ["UGUEST", "UMEMBER"]}, user="UADMIN")
    assert reply.status == 200 and reply.body == ""
    assert time.monotonic() - started < 1.0
    assert listed(engine) == {"UGUEST", "UMEMBER"}  # saved as picked; the check comes after
    [told] = slack.wait_for("chat.postMessage", timeout=15)
    assert "<@UGUEST> is a guest" in told.args["text"]
    assert listed(engine) == {"UMEMBER"}


@pytest.mark.parametrize(("later", "stays"), [
    (["UPM3"], {"UPM3"}),                       # the guest is no longer listed: nothing to take off, nothing said
    (["UGUEST", "UPM3"], {"UPM3"}),             # still listed: taken off, the later pick kept
])
def test_a_later_save_meanwhile_is_kept(bot, slack, engine, admin, later, stays):
    """The check after the first save ends after a second save: it takes off only the person it found, and only
    if still listed, rather than writing back the list it started from."""
    slack.users["UGUEST"] = {"is_restricted": True}
    first = open_modal(bot, slack, "settings", user="UADMIN")
    second = open_modal(bot, slack, "settings", user="UADMIN")
    slack.set_latency(1.5, "users.info")
    assert bot.slack.submit_view(first, {"pm_user_ids": ["UGUEST", "UMEMBER"]}, user="UADMIN").body == ""
    wait_until(lambda: len(slack.calls("users.info")) >= 2)  # the check has asked about the guest
    slack.set_latency(0.0, "users.info")
    assert bot.slack.submit_view(second, {"pm_user_ids": later}, user="UADMIN").body == ""
    bot.finish_work()
    assert listed(engine) == stays
    assert len(told_admin(slack)) == ("UGUEST" in later)


def test_people_already_listed_are_not_asked_about_again(bot, slack, engine, admin):
    form, _ = pick(bot, slack, ["UMEMBER"])
    wait_until(lambda: len(slack.calls("users.info")) == 2)
    asked = len(slack.calls("users.info"))
    assert bot.slack.submit_view(form, {"pm_user_ids": ["UMEMBER", "UPM3"]}, user="UADMIN").body == ""
    wait_until(lambda: len(slack.calls("users.info")) > asked)
    assert [c.args["user"] for c in slack.calls("users.info")[asked:]] == ["UPM3"]


def test_a_guest_left_off_cannot_decide(make_bot, slack, engine, admin):
    """The point of it all: the guest picked by a slip does not move ideas; the member picked with them does."""
    bot = make_bot(triage_channel="CTRIAGE", pm_user_ids=frozenset())
    slack.users["UGUEST"] = {"is_restricted": True}
    pick(bot, slack, ["UGUEST", "UMEMBER"])
    slack.wait_for("chat.postMessage")
    move = buttons(share_idea(bot, slack)["blocks"])["idea_move_discovery"]
    bot.slack.press(move, user="UGUEST", channel="CTRIAGE")
    assert "Only product managers" in slack.wait_for("response_url")[0].args["text"]
