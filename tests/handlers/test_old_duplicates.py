"""A big workspace's older open ideas are still found alike: a duplicate of an idea filed years ago, with
hundreds of newer open ideas since, is offered for support on intake, matched by a feedback channel, and
ranked first among Attach to #N's choices."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert

from models import Idea, Stage, utcnow
from tests.flows import GOOD, share_idea, wait_until
from tests.handlers.test_close_the_loop import dms
from tests.handlers.test_duplicates import SAME_NEED, confirmation
from tests.handlers.test_feedback import integration_post, listen_here, open_home, settled
from tests.scale import sentence

OLDEST = {"ask": "Add a CSV export button to the reports page", "outcome": GOOD["outcome"], "problem": GOOD["problem"]}


def workspace(engine, open_ideas: int = 800) -> int:
    """`open_ideas` open ideas, the first (the one the tests ask for again) the oldest by years; the id of it."""
    rng, now = random.Random(7), utcnow()
    rows = [{"team_id": "T1", "requester_id": "U9", **OLDEST, "stage": Stage.DISCOVERY, "source_channel_id": "C1",
             "created_at": now - timedelta(days=1000), "updated_at": now - timedelta(days=1000)}]
    rows += [{"team_id": "T1", "requester_id": f"U{n:04d}", "ask": sentence(rng, 9), "outcome": sentence(rng),
              "problem": sentence(rng, 12), "stage": (Stage.CANDIDATE, Stage.DISCOVERY, Stage.PARKED)[n % 3],
              "source_channel_id": "C1", "created_at": now - timedelta(days=900 - n), "updated_at": now}
             for n in range(open_ideas - 1)]
    with engine.begin() as db:
        db.execute(insert(Idea), rows)
    return 1


def test_a_duplicate_of_the_oldest_open_idea_is_offered_for_support(bot, slack, engine):
    oldest = workspace(engine)
    card = share_idea(bot, slack, user="U2", **SAME_NEED)
    wait_until(lambda: dms(slack, "U2"))
    assert f"*#{oldest}*" in str(confirmation(slack, "U2")["blocks"])
    assert f"Looks like #{oldest}" in str(card["blocks"])


def test_a_customer_asking_for_the_oldest_open_idea_is_matched_to_it(bot, slack, engine):
    oldest = workspace(engine)
    listen_here(bot, slack)
    bot.slack.event(integration_post("Score 2: please add a CSV export button to the reports page, month end hurts."))
    [insight] = settled(bot, engine, 1)
    assert (insight.state, insight.idea_id) == ("attached", oldest)


def test_attach_offers_the_oldest_open_idea_first_when_it_is_the_closest(bot, slack, engine):
    """A request the matcher leaves in the inbox (a PDF export is not the CSV one): its Attach to #N choices start
    with the idea nearest to it, however many open ideas came after that one."""
    oldest = workspace(engine)
    listen_here(bot, slack)
    bot.slack.event(integration_post("Please add a PDF export to the reports page."))
    [insight] = settled(bot, engine, 1)
    assert insight.state == "inbox"
    blocks = open_home(bot, slack)["blocks"]
    [attach] = [e for b in blocks for e in b.get("elements", [])
                if isinstance(e, dict) and e.get("action_id") == "inbox_attach"]
    assert attach["options"][0]["value"] == str(oldest)
