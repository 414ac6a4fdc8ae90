"""/idea settings: a workspace admin sets the triage channel, PMs and digest defaults in Slack."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import DigestSubscription
from tests.flows import GOOD, cards, open_modal, submit_keeping_my_words
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
