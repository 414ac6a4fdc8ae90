"""What people type every day, read as they meant it: `/idea ?`, one nudge or many, `digest on`, `stop`;
and the idea to merge into named as people name it (`idea 12`, `#12.`). Through signed requests."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import DigestSubscription, FeedbackChannel, NudgeOptOut
from tests.flows import decisions, share_idea, wait_until
from tests.handlers.test_close_the_loop import merge_via_card


def count(engine, model) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def form_opened(slack) -> str:
    return slack.wait_for("views.open")[0].args["view"]["callback_id"]


def replied(slack) -> str:
    return slack.wait_for("response_url")[0].args["text"]


# typed after /idea -> (what the bot does, what to look for)
SAID = {
    "?": (lambda bot, slack, engine, reply: reply.json()["text"], "How to use /idea"),
    "nudge off": (lambda bot, slack, engine, reply: count(engine, NudgeOptOut), 1),
    "Nudges stop.": (lambda bot, slack, engine, reply: count(engine, NudgeOptOut), 1),
    "okrs": (lambda bot, slack, engine, reply: form_opened(slack), "idea_okr"),
    "objectives": (lambda bot, slack, engine, reply: form_opened(slack), "idea_okr"),
    "setting": (lambda bot, slack, engine, reply: form_opened(slack), "idea_settings"),
    "digest on": (lambda bot, slack, engine, reply: replied(slack) and count(engine, DigestSubscription), 1),
    "digests here fri 9am": (lambda bot, slack, engine, reply: "Friday at 09:00" in replied(slack), True),
    "feedback on": (lambda bot, slack, engine, reply: replied(slack) and count(engine, FeedbackChannel), 1),
}


OPEN_A_FORM = {"okrs", "objectives", "setting"}


@pytest.mark.parametrize("typed", list(SAID))
def test_a_command_as_people_type_it_does_what_they_meant(make_bot, slack, engine, typed):
    bot = make_bot(pm_user_ids=frozenset({"UPM"}))
    slack.users["UPM"] = {"is_admin": True}  # settings are for admins
    reply = bot.slack.command(typed, user="UPM", channel="CPRODUCT")
    assert reply.status == 200
    observed, expected = SAID[typed]
    assert observed(bot, slack, engine, reply) == expected
    bot.finish_work()
    assert typed in OPEN_A_FORM or slack.calls("views.open") == []  # never the idea form, with the words as an ask


@pytest.mark.parametrize("typed", ["digest stop", "feedback stop"])
def test_stop_turns_it_off(bot, slack, engine, typed):
    verb = typed.split()[0]
    bot.slack.command(f"{verb} here", user="UPM", channel="CPRODUCT")
    wait_until(lambda: count(engine, DigestSubscription) + count(engine, FeedbackChannel) == 1)
    bot.slack.command(typed, user="UPM", channel="CPRODUCT")
    wait_until(lambda: count(engine, DigestSubscription) + count(engine, FeedbackChannel) == 0)
    assert slack.calls("views.open") == []


@pytest.mark.parametrize("target", ["idea 1", "Idea #1.", "No. 1", "#1", "\uff11"])
def test_the_idea_to_merge_into_is_read_as_people_name_it(bot, slack, engine, target):
    share_idea(bot, slack, user="U1", outcome="Finance closes the month a day sooner")
    dupe = share_idea(bot, slack, user="U3", outcome="Month end close takes one day less")
    assert merge_via_card(bot, slack, dupe, {"target": target, "reason": "Both ask for a faster close"}).body == ""
    [merged] = [d for d in decisions(engine) if d.to_stage == "merged"]
    assert merged.idea_id == 2
