"""Another workspace can never read or change this one's ideas, whatever ids its payloads carry."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Decision, Idea, Objective, Support
from tests.flows import share_idea, wait_until
from tests.slack_requests import buttons


def counts(engine) -> tuple[int, int, int, str]:
    with Session(engine) as session:
        return (
            session.scalar(select(func.count()).select_from(Decision)),
            session.scalar(select(func.count()).select_from(Support)),
            session.scalar(select(func.count()).select_from(Objective)),
            session.scalar(select(Idea.stage).where(Idea.id == 1)),
        )


@pytest.mark.parametrize(
    "action_id, value",
    [
        ("idea_move_discovery", "1:candidate"),
        ("merge_idea", "1:candidate"),
        ("support_idea", "1"),
        ("review_met", "1"),
        ("review_not_yet", "1"),
    ],
)
def test_buttons_from_another_team_change_nothing(bot, slack, engine, action_id, value):
    share_idea(bot, slack, user="U1")
    before = counts(engine)
    reply = bot.slack.press({"action_id": action_id, "value": value, "block_id": "b"}, user="UPM", team="T2")
    assert reply.status == 200
    wait_until(lambda: slack.calls("response_url"))
    assert len(slack.calls("views.open")) == 1  # only the intake form of the setup
    assert counts(engine) == before


@pytest.mark.parametrize(
    "callback, metadata, values",
    [
        ("idea_decision", '{"idea": 1, "from": "candidate", "to": "discovery", "origin": "message"}',
         {"reason": "Team B forging a decision on team A's idea"}),
        ("idea_merge", '{"idea": 1, "from": "candidate"}', {"target": "1", "reason": "Forged merge from team B"}),
        ("idea_support", '{"idea": 1}', {"evidence": "forged"}),
        ("idea_review", '{"idea": 1, "result": "met"}', {"measured": "x", "learning": "Forged review from team B"}),
    ],
)
def test_forged_submissions_from_another_team_change_nothing(bot, slack, engine, callback, metadata, values):
    card = share_idea(bot, slack, user="U1")
    assert buttons(card["blocks"])
    before = counts(engine)
    blocks = [{"type": "input", "block_id": name, "element": {"type": "plain_text_input", "action_id": name}}
              for name in values]
    view = {"type": "modal", "callback_id": callback, "private_metadata": metadata, "blocks": blocks}
    reply = bot.slack.submit_view(view, values, user="UPM", team="T2")
    assert reply.status == 200 and reply.json()["response_action"] == "errors"
    assert counts(engine) == before


def test_lists_home_stats_and_export_only_show_the_callers_team(bot, slack, engine):
    share_idea(bot, slack, user="U1", outcome="Team A's secret outcome for finance")
    answers = [bot.slack.command(words, user="U1", team="T2").body for words in ("list", "stats")]
    bot.slack.event({"type": "app_home_opened", "user": "UPM", "channel": "D1", "tab": "home"}, team="T2")
    seen = str(answers) + str(slack.wait_for("views.publish")[0].args)
    assert "secret outcome" not in seen and "1 of 1" not in seen
