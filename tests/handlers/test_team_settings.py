"""/idea settings: a workspace admin sets the triage channel, PMs and digest defaults in Slack."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import DigestSubscription, TeamSettings
from tests.flows import GOOD, cards, open_modal, share_idea, submit_keeping_my_words, together, wait_until
from tests.slack_requests import buttons


def save_settings(bot, slack, values, user="UADMIN"):
    form = open_modal(bot, slack, "settings", user=user)
    return bot.slack.submit_view(form, values, user=user)


def test_an_admins_settings_replace_the_env_defaults_for_that_workspace(make_bot, slack, engine):
    bot = make_bot(triage_channel="CENV", pm_user_ids=frozenset({"UENVPM"}))
    slack.users["UADMIN"] = {"is_admin": True}
    reply = save_settings(bot, slack, {"triage_channel": "CNEWTRIAGE", "pm_user_ids": ["UPM2"],
                                       "digest_weekday": "4", "digest_time": "16:30"})
    assert reply.status == 200 and reply.body == ""

    bot.slack.command("Add a CSV export", user="U1")
    view = slack.wait_for("views.open", 2)[-1].args["view"]
    submit_keeping_my_words(bot, view, GOOD, user="U1")
    posted = [c.args for c in slack.wait_for("chat.postMessage", 2) if c.args["channel"].startswith("C")]
    assert [p["channel"] for p in posted] == ["CNEWTRIAGE"]

    # The env's PM is no longer one; the admin-chosen one is.
    move = buttons(posted[0]["blocks"])["idea_move_discovery"]
    bot.slack.press(move, user="UENVPM", channel="CNEWTRIAGE")
    assert "Only product managers" in slack.wait_for("response_url")[0].args["text"]
    assert "<#CNEWTRIAGE>" in slack.calls("response_url")[0].args["text"]
    opened = len(slack.calls("views.open"))
    bot.slack.press(move, user="UPM2", channel="CNEWTRIAGE")
    slack.wait_for("views.open", opened + 1)

    # Digests default to the workspace's day and time.
    bot.slack.command("digest here", user="UPM2", channel="CPRODUCT")
    assert "Friday at 16:30" in slack.wait_for("response_url", 2)[-1].args["text"]
    with Session(engine) as session:
        subscription = session.scalar(select(DigestSubscription))
        assert (subscription.weekday, subscription.minute_of_day) == (4, 990)
    assert cards(slack) == []  # the env's triage channel got nothing


def test_only_admins_and_owners_change_settings(bot, slack):
    bot.slack.command("settings", user="U2")
    assert "Only workspace admins and owners" in slack.wait_for("response_url")[0].args["text"]
    assert slack.calls("views.open") == []


@pytest.mark.parametrize(("values", "field"), [
    ({"triage_channel": "UALICE"}, "triage_channel"),        # a person, not a channel
    ({"triage_channel": "D0DIRECT"}, "triage_channel"),      # a direct message: PMs would never see the cards
    ({"triage_channel": "general"}, "triage_channel"),       # a name
    ({"pm_user_ids": ["UPM2", "CPRODUCT"]}, "pm_user_ids"),  # a channel among the people
    ({"pm_user_ids": ["upm2"]}, "pm_user_ids"),
])
def test_a_forged_channel_or_person_in_the_settings_is_a_field_error_and_nothing_is_saved(bot, slack, engine,
                                                                                         values, field):
    slack.users["UADMIN"] = {"is_admin": True}
    reply = save_settings(bot, slack, values)
    assert reply.status == 200 and reply.json()["response_action"] == "errors"
    assert list(reply.json()["errors"]) == [field]
    with Session(engine) as session:
        assert session.scalar(select(TeamSettings)) is None


def test_settings_written_by_hand_with_names_still_open_as_a_form(bot, slack, engine):
    """A row written by hand (a channel's name, someone's name among the ids): Slack refuses a picker holding
    anything but an id, so the form opens with what a picker can hold, rather than not at all."""
    with Session(engine) as session, session.begin():
        session.add(TeamSettings(team_id="T1", triage_channel="#product", pm_user_ids="UPM2, bob",
                                 updated_by="UADMIN"))
    slack.users["UADMIN"] = {"is_admin": True}
    form = open_modal(bot, slack, "settings", user="UADMIN")
    assert all(call.ok for call in slack.calls("views.open"))
    elements = {b["block_id"]: b["element"] for b in form["blocks"] if b.get("type") == "input"}
    assert elements["pm_user_ids"]["initial_users"] == ["UPM2"]
    assert "initial_conversation" not in elements["triage_channel"]


def test_the_triage_channel_picker_offers_channels_only(bot, slack):
    slack.users["UADMIN"] = {"is_admin": True}
    form = open_modal(bot, slack, "settings", user="UADMIN")
    picker = next(b["element"] for b in form["blocks"] if b.get("block_id") == "triage_channel")
    assert sorted(picker["filter"]["include"]) == ["private", "public"]


@pytest.mark.parametrize(("channel", "state", "words"), [
    ("CSECRET", {"exists": False}, "/invite @outcome-bot"),  # private, and the bot is not in it
    ("COLD", {"is_archived": True}, "archived"),
    ("CPUBLIC", {"is_member": False}, None),                 # public: joined, nothing to say
    ("CMEMBER", {}, None),
])
def test_the_admin_hears_when_outcome_bot_cannot_post_in_the_triage_channel_chosen(bot, slack, engine, channel,
                                                                                  state, words):
    slack.users["UADMIN"] = {"is_admin": True}
    slack.channels[channel] = state
    reply = save_settings(bot, slack, {"triage_channel": channel})
    assert reply.status == 200 and reply.body == ""
    with Session(engine) as session:
        assert session.scalar(select(TeamSettings.triage_channel)) == channel
    if words is None:
        wait_until(lambda: slack.calls("conversations.info"))
        wait_until(lambda: slack.channels.get(channel, {}).get("is_member", True))  # a public one is joined
        bot.deliver()
        assert [c for c in slack.calls("chat.postMessage") if c.args["channel"] == "UADMIN"] == []
        return
    [told] = slack.wait_for("chat.postMessage")
    assert told.args["channel"] == "UADMIN" and f"<#{channel}>" in told.args["text"] and words in told.args["text"]


@pytest.mark.parametrize(("env_pms", "deciders", "hint"), [
    (frozenset(), {"UADMIN"}, "admins and owners"),          # nothing configured: admins and owners decide
    (frozenset({"UENVPM"}), {"UENVPM"}, "PM_USER_IDS"),       # the environment's PMs, as the README says
])
def test_emptying_the_product_managers_falls_back_as_the_form_says(make_bot, slack, env_pms, deciders, hint):
    bot = make_bot(triage_channel="CTRIAGE", pm_user_ids=env_pms)
    slack.users["UADMIN"] = {"is_admin": True}
    assert save_settings(bot, slack, {"pm_user_ids": ["UPM2"]}).body == ""
    form = open_modal(bot, slack, "settings", user="UADMIN")
    [pms] = [b for b in form["blocks"] if b.get("block_id") == "pm_user_ids"]
    assert pms["element"]["initial_users"] == ["UPM2"] and hint in pms["hint"]["text"]
    assert bot.slack.submit_view(form, {"pm_user_ids": []}, user="UADMIN").body == ""

    card = share_idea(bot, slack)
    move = buttons(card["blocks"])["idea_move_discovery"]
    for user in ("UPM2", "UADMIN", "UENVPM"):
        opened, refused = len(slack.calls("views.open")), len(slack.calls("response_url"))
        bot.slack.press(move, user=user, channel="CTRIAGE")
        wait_until(lambda o=opened, r=refused: len(slack.calls("views.open")) > o
                   or len(slack.calls("response_url")) > r)
        assert (len(slack.calls("views.open")) > opened) == (user in deciders), user


def test_saving_the_form_untouched_keeps_following_the_environment(make_bot, slack, engine):
    """The form shows what the workspace set itself: saved as it opened, it copies neither TRIAGE_CHANNEL
    nor PM_USER_IDS into the workspace, so changing them later still reaches it."""
    bot = make_bot(triage_channel="CENV", pm_user_ids=frozenset({"UENVPM"}))
    slack.users["UADMIN"] = {"is_admin": True}
    form = open_modal(bot, slack, "settings", user="UADMIN")
    fields = {b["block_id"]: b for b in form["blocks"] if b.get("type") == "input"}
    assert "initial_conversation" not in fields["triage_channel"]["element"]
    assert "initial_users" not in fields["pm_user_ids"]["element"]
    assert "TRIAGE_CHANNEL" in fields["triage_channel"]["hint"]["text"]
    assert bot.slack.submit_view(form, {}, user="UADMIN").body == ""
    with Session(engine) as session:
        [own] = session.scalars(select(TeamSettings)).all()
    assert (own.triage_channel, own.pm_user_ids) == (None, None)


def test_two_admins_saving_the_first_settings_at_once_both_get_through(bot, slack, engine):
    """Neither has a row to update yet: the database decides, and the later save is what stays."""
    for admin in ("UADMIN", "UADMIN2"):
        slack.users[admin] = {"is_admin": True}
    forms = [open_modal(bot, slack, "settings", user=admin) for admin in ("UADMIN", "UADMIN2")]
    for attempt in range(5):  # the race is real only when both inserts meet; repeat to give it the chance
        with Session(engine) as session:
            session.query(TeamSettings).delete()
            session.commit()
        replies = together(*(
            lambda form=form, admin=admin, n=n: bot.slack.submit_view(
                form, {"triage_channel": f"CTRIAGE{n}", "pm_user_ids": [f"UPM{n}"]}, user=admin)
            for n, (form, admin) in enumerate(zip(forms, ("UADMIN", "UADMIN2"), strict=True))
        ))
        assert [(reply.status, reply.body) for reply in replies] == [(200, "")] * 2, attempt
        with Session(engine) as session:
            [own] = session.scalars(select(TeamSettings)).all()
            assert (own.triage_channel, own.pm_user_ids) in {("CTRIAGE0", "UPM0"), ("CTRIAGE1", "UPM1")}
