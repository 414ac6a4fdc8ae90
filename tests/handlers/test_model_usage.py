"""What the model costs is counted, and counting it never costs an answer: a usage that cannot be written (the
database refuses it) or that makes no sense (Infinity, 1e30) is logged and passed over, and the answer is used
once, never asked for again by a retried job."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot import coach
from bot.listening.detect import detect
from models import ModelUsage
from tests.flows import share_idea, wait_until
from tests.handlers.test_close_the_loop import dms
from tests.handlers.test_duplicates import SAME_NEED, confirmation, embedding_requests, same_need_requests
from tests.handlers.test_listening import message, say

BORDERLINE = "the rota screen on phones could be better"


@pytest.fixture
def coached(make_bot, model):
    return make_bot(openai_api_key="sk-test", openai_base_url=model.url, openai_timeout=1.0)


@pytest.fixture
def usage_unwritable(engine):
    """The table of token counts refuses every write (renamed away, as a database that refuses that insert)."""
    with engine.begin() as db:
        db.execute(text("ALTER TABLE model_usage RENAME TO model_usage_away"))
    yield
    with engine.begin() as db:
        db.execute(text("ALTER TABLE model_usage_away RENAME TO model_usage"))


def test_a_borderline_message_is_judged_once_when_its_tokens_cannot_be_recorded(coached, slack, model, caplog,
                                                                                 monkeypatch, usage_unwritable):
    monkeypatch.setattr(coach, "_logged", set())
    assert detect(BORDERLINE).is_borderline
    with caplog.at_level(logging.WARNING):
        say(coached, message(BORDERLINE))
        say(coached, message(BORDERLINE + " on the ward", user="U2", channel="C2"))
        coached.finish_work()
    assert len(model.requests) == 2  # one each: no job failed and asked again
    assert len(slack.calls("chat.postEphemeral")) == 2
    unrecorded = [r for r in caplog.records if "could not be recorded" in r.getMessage()]
    assert len(unrecorded) == 1  # logged once, not once per call
    assert not [r for r in caplog.records if r.name == "outcome_bot.sender" and r.levelno >= logging.WARNING]


def test_a_look_alike_is_found_by_the_model_when_its_tokens_cannot_be_recorded(coached, slack, model,
                                                                               usage_unwritable):
    model.answers["SameNeed"] = {"same_need": [1]}
    share_idea(coached, slack, user="U1")
    share_idea(coached, slack, user="U2", **SAME_NEED)
    wait_until(lambda: [m for m in dms(slack, "U2") if "is in as" in str(m["blocks"])])
    coached.finish_work()
    assert "looks like an idea we already have" in str(confirmation(slack, "U2")["blocks"])
    embedded = [text for request in embedding_requests(model) for text in request["input"]]
    assert len(embedded) == len(set(embedded)) == 2 and len(same_need_requests(model)) == 1


@pytest.mark.parametrize("usage", [
    pytest.param({"prompt_tokens": float("inf"), "completion_tokens": 30, "total_tokens": float("inf")}, id="infinity"),
    pytest.param({"prompt_tokens": 120, "completion_tokens": 10**30, "total_tokens": 10**30}, id="huge"),
    pytest.param({"prompt_tokens": -5, "completion_tokens": "many", "total_tokens": None}, id="nonsense"),
])
def test_a_usage_that_makes_no_sense_costs_no_answer_and_no_home(coached, slack, model, engine, usage):
    """An endpoint that reports Infinity, 1e30 or words for its tokens: the answer is used, the call is counted
    without tokens nobody could have spent, and a PM's Home still says what was spent."""
    model.usage = usage
    say(coached, message(BORDERLINE))
    model.answers["SameNeed"] = {"same_need": [1]}
    share_idea(coached, slack, user="U1")
    share_idea(coached, slack, user="U2", **SAME_NEED)
    wait_until(lambda: [m for m in dms(slack, "U2") if "is in as" in str(m["blocks"])])
    slack.wait_for("views.update", 2)  # each form's suggestion
    coached.deliver()
    assert len(slack.calls("chat.postEphemeral")) == 1
    assert "looks like an idea we already have" in str(confirmation(slack, "U2")["blocks"])
    asked = len(model.requests)

    def counted():
        with Session(engine) as session:
            return session.scalars(select(ModelUsage)).all()

    wait_until(lambda: [row.calls for row in counted()] == [asked])
    [row] = counted()
    assert 0 <= row.prompt_tokens <= asked * 120 and 0 <= row.completion_tokens <= asked * 30
    coached.slack.event({"type": "app_home_opened", "user": "UPM", "channel": "D1", "tab": "home"})
    assert f"{asked} calls" in str(slack.wait_for("views.publish")[0].args["view"]["blocks"])
