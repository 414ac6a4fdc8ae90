"""The optional outcome coach against a local server that speaks the OpenAI API."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import coach
from bot.listening.detect import detect
from models import Decision, Idea, ModelUsage, utcnow
from tests.flows import GOOD, ideas, share_idea, submit_keeping_my_words, wait_until
from tests.handlers.test_listening import message, say
from tests.scale import seed_workspace
from tests.slack_requests import buttons

ASK = "Add a CSV export button to the reports page <!channel>"
READ = "Add a CSV export button to the reports page @channel"  # the ask as the person saw it when typing
BORDERLINE = "the rota screen on phones could be better"
CLEAR = "could we add a CSV export to the reports page? finance keeps rebuilding it by hand"
CHATTER = ["thanks all, great session today!", "lunch at 12?", "deployed 4.2 to staging", "lol"]


@pytest.fixture
def coached(make_bot, model):
    return make_bot(openai_api_key="sk-test", openai_base_url=model.url, openai_timeout=1.0)


def input_block(view, name):
    return next(b for b in view["blocks"] if b.get("block_id", "").split(".")[0] == name)


def test_the_suggestion_arrives_after_the_modal_opens_and_fills_only_blanks(coached, slack, model):
    assert coached.slack.command(ASK).status == 200
    opened = slack.wait_for("views.open")[0].args["view"]
    update = slack.wait_for("views.update")[0].args
    assert update["view_id"].startswith("V") and update["hash"]
    suggested = update["view"]
    assert "Finance closes the month a day sooner" in str(suggested["blocks"])
    assert input_block(suggested, "ask")["element"]["initial_value"] == READ
    assert "initial_value" not in input_block(opened, "outcome")["element"]

    # The person typed their own problem, then takes the suggestion: only the blank outcome is filled.
    typed = {**suggested, "id": update["view_id"], "hash": "h2",
             "state": {"values": {input_block(suggested, "outcome")["block_id"]: {"outcome": {"value": None}},
                                  input_block(suggested, "problem")["block_id"]: {"problem": {"value": "My words"}}}}}
    coached.slack.press(buttons(suggested["blocks"])["use_suggestion"], view=typed)
    used = slack.wait_for("views.update", 2)[1].args["view"]
    assert input_block(used, "outcome")["element"]["initial_value"] == "Finance closes the month a day sooner"
    assert input_block(used, "problem")["element"]["initial_value"] == "My words"


def test_the_prompt_keeps_peoples_text_out_of_the_system_message(coached, slack, model):
    coached.slack.command(ASK)
    slack.wait_for("views.update")
    [request] = model.requests
    system, user = request["messages"]
    assert system["role"] == "system" and ASK not in system["content"] and "<!channel>" not in system["content"]
    assert user["role"] == "user" and f"<request>\n{READ}\n</request>" in user["content"]
    assert request["response_format"]["type"] == "json_schema"


def test_the_modal_opens_at_once_when_the_model_takes_twenty_seconds(coached, slack, model):
    model.delay = 20
    assert coached.slack.command(ASK).status == 200
    slack.wait_for("views.open")
    assert model.completed == 0
    coached.finish_work()  # the model call gives up at its deadline
    assert slack.calls("views.update") == []


@pytest.mark.parametrize("failure", ["status", "malformed", "empty"])
def test_model_failures_fall_back_silently_and_are_logged_once(coached, slack, model, caplog, monkeypatch, failure):
    monkeypatch.setattr(coach, "_logged", set())  # what earlier tests in this process logged is not this test's
    if failure == "status":
        model.status = 500
    elif failure == "empty":  # well-formed, and says nothing: no suggestion to offer
        model.answers["OutcomeSuggestion"] = {"outcome": "  ", "problem": ""}
    else:
        model.malformed = True
    with caplog.at_level(logging.WARNING, logger="bot.coach"):
        coached.slack.command(ASK)
        wait_until(lambda: any("outcome coach" in record.message for record in caplog.records))
        for _ in range(2):  # after the failure: a server error has rested the model, and that is no news
            coached.slack.command(ASK)
        coached.finish_work()
    assert len(slack.calls("views.open")) == 3 and slack.calls("views.update") == []
    assert slack.calls("chat.postEphemeral") == [] and slack.calls("response_url") == []
    assert len(model.requests) >= 2
    assert sum("outcome coach" in record.message for record in caplog.records) == 1


@pytest.mark.parametrize("answer", [
    ("text/html", b"<html><body>Sign in to continue</body></html>"),  # a proxy's or a portal's page
    ("application/json", b"{}"),
    ("application/json", b'{"choices": null, "data": null}'),
])
def test_an_answer_that_is_no_completion_falls_back_to_the_heuristics(coached, slack, model, engine, caplog, answer):
    share_idea(coached, slack, user="U1")
    suggested = len(slack.wait_for("views.update"))
    model.raw = answer
    with caplog.at_level(logging.WARNING, logger="bot.coach"):
        card = share_idea(coached, slack, user="U2", outcome="Finance closes the month a day sooner, every month")
        coached.finish_work()  # nothing left to retry: the model's answer is a failure like any other
    assert len(ideas(engine)) == 2 and "Finance closes the month a day sooner, every month" in str(card["blocks"])
    assert any("your idea" in str(m.args).lower() for m in slack.calls("chat.postMessage")
               if m.args["channel"] in ("U2", "DU2"))
    assert len(slack.calls("views.update")) == suggested  # no suggestion from a page that is not one
    assert not [r for r in caplog.records if r.exc_info]


def test_chatter_never_reaches_the_model_and_clear_cases_never_cost_a_call(coached, slack, model):
    assert all(detect(text).score < 1.0 for text in CHATTER) and not detect(CLEAR).is_borderline
    for text in CHATTER:
        say(coached, message(text))
    say(coached, message(CLEAR, channel="C7"))
    coached.finish_work()
    assert model.requests == []
    assert len(slack.calls("chat.postEphemeral")) == 1


@pytest.mark.parametrize("verdict, nudged", [(True, 1), (False, 0)])
def test_a_borderline_message_is_confirmed_by_the_model(coached, slack, model, verdict, nudged):
    assert detect(BORDERLINE).is_borderline
    model.answers["RequestVerdict"] = {"is_feature_request": verdict}
    say(coached, message(BORDERLINE))
    coached.finish_work()
    assert len(model.requests) == 1 and "<message>" in model.requests[0]["messages"][1]["content"]
    assert len(slack.calls("chat.postEphemeral")) == nudged


@pytest.mark.parametrize("verdict, nudged", [(True, 1), (False, 0)])
def test_a_retried_borderline_message_asks_the_model_once(coached, slack, model, verdict, nudged):
    """Slack delivers an event again when our answer was slow: the model was asked already, whatever it said."""
    model.answers["RequestVerdict"] = {"is_feature_request": verdict}
    event = message(BORDERLINE)
    say(coached, event, event_id="EvBORDER")
    coached.deliver()
    say(coached, event, event_id="EvBORDER", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    coached.finish_work()
    assert len(model.requests) == 1
    assert len(slack.calls("chat.postEphemeral")) == nudged


def test_without_a_key_nothing_calls_a_model_or_mentions_one(bot, slack, model):
    bot.slack.command(ASK)
    say(bot, message(BORDERLINE))
    bot.finish_work()
    assert model.requests == [] and slack.calls("views.update") == []
    assert "openai" not in str([c.args for c in slack.calls()]).lower()


def test_token_use_is_recorded_per_team_and_day_and_shown_to_pms(coached, slack, model, engine):
    coached.slack.command(ASK)
    slack.wait_for("views.update")
    with Session(engine) as session:
        [row] = session.scalars(select(ModelUsage))
        assert (row.team_id, row.calls, row.prompt_tokens, row.completion_tokens) == ("T1", 1, 120, 30)
    coached.slack.event({"type": "app_home_opened", "user": "UPM", "channel": "D1", "tab": "home"})
    assert "1 calls, 150 tokens today" in str(slack.wait_for("views.publish")[0].args["view"]["blocks"])


@pytest.mark.parametrize("broken", ["malformed", "prose"])
def test_tokens_spent_on_an_answer_that_cannot_be_read_are_still_counted(coached, slack, model, engine, broken):
    """The endpoint bills an answer we could not parse as much as one we could: the count must say so."""
    model.malformed = broken == "malformed"
    model.structured = "ignored" if broken == "prose" else model.structured
    coached.slack.command(ASK)
    slack.wait_for("views.open")
    coached.finish_work()
    with Session(engine) as session:
        rows = session.scalars(select(ModelUsage)).all()
    assert [(r.team_id, r.calls, r.prompt_tokens, r.completion_tokens) for r in rows] == [("T1", 1, 120, 30)]


def test_the_digest_intro_is_written_only_from_its_decisions(make_bot, slack, model, engine):
    bot = make_bot(openai_api_key="sk-test", openai_base_url=model.url, openai_timeout=1.0, digest_summary=True)
    card = share_idea(bot, slack, outcome="Finance closes the month a day sooner")
    model.requests.clear()
    bot.slack.press(buttons(card["blocks"])["idea_move_discovery"], user="UPM", channel="CTRIAGE")
    view = slack.wait_for("views.open", 2)[-1].args["view"]
    bot.slack.submit_view(view, {"reason": "Finance loses a day & more every month"}, user="UPM")
    slack.wait_for("chat.update")
    model.answers["DigestIntro"] = {"paragraph": "One idea moved <!here>,\x00 with its reason below.\x1b"}
    bot.slack.command("digest now", user="UPM", channel="CPRODUCT")
    posted = next(c.args for c in slack.wait_for("chat.postMessage", 4) if c.args["channel"] == "CPRODUCT")
    assert "One idea moved &lt;!here&gt;, with its reason below." in str(posted["blocks"])
    [request] = [r for r in model.requests if r["response_format"]["json_schema"]["name"] == "DigestIntro"]
    assert "Finance loses a day & more every month" in request["messages"][1]["content"]
    assert "Finance loses" not in request["messages"][0]["content"]


def test_a_week_of_hundreds_of_decisions_still_gets_its_intro(make_bot, slack, model, engine):
    """Three hundred decisions this week, each with a long reason: shown whole they would overflow a small
    model's context (a 400, and the paragraph silently missing). The model is shown how many of each kind and
    as many as fit, and the digest opens with its paragraph."""
    bot = make_bot(openai_api_key="sk-test", openai_base_url=model.url, openai_timeout=1.0, digest_summary=True)
    seed_workspace(engine, ideas=300, supports=0, insights=0, objectives=0, subscriptions=0)
    with engine.begin() as db:
        db.execute(update(Decision).values(decided_at=utcnow() - timedelta(hours=2),
                                           reason="because the numbers say so " * 60))
    model.context_chars = 16_000  # about 4,000 tokens: a small local model's
    model.answers["DigestIntro"] = {"paragraph": "A very busy week for the roadmap."}
    bot.slack.command("digest now", user="UPM", channel="CPRODUCT")
    posted = next(c.args for c in slack.wait_for("chat.postMessage", timeout=20) if c.args["channel"] == "CPRODUCT")
    assert "A very busy week for the roadmap." in str(posted["blocks"])
    [request] = [r for r in model.requests if r["response_format"]["json_schema"]["name"] == "DigestIntro"]
    shown = request["messages"][1]["content"]
    assert "in all: " in shown and "shipped" in shown and "more decisions not shown" in shown


def test_an_outcome_that_reads_like_an_output_gets_one_gentle_nudge(bot, slack, engine):
    bot.slack.command("Add a CSV export")
    view = slack.wait_for("views.open")[0].args["view"]
    first = bot.slack.submit_view(view, {**GOOD, "outcome": "Add a CSV export button to the reports page"},
                                  view_id="VOUT").json()
    assert first["response_action"] == "update" and "sounds like something to build" in str(first["view"])
    assert ideas(engine) == []
    again = bot.slack.submit_view({**first["view"], "id": "VOUT"},
                                  {**GOOD, "outcome": "Add a CSV export button to the reports page"}, view_id="VOUT")
    assert again.body == ""
    with Session(engine) as session:
        assert session.scalar(select(Idea.outcome)) == "Add a CSV export button to the reports page"


def test_a_suggestion_for_an_ask_longer_than_its_field_still_says_all_of_it_is_kept(coached, slack, model, engine):
    """The form shows the start of a long ask and says the idea keeps all of it; the versions the suggestion
    and "Use it" bring say so too, and the idea keeps every word."""
    ask = " ".join(f"word{n}" for n in range(2000))
    assert coached.slack.command(ask).status == 200
    kept = "whole of it is kept with the idea"
    assert kept in str(slack.wait_for("views.open")[0].args["view"]["blocks"])
    update = slack.wait_for("views.update")[0].args
    suggested = update["view"]
    assert kept in str(suggested["blocks"])
    typed = {**suggested, "id": update["view_id"], "hash": "h2", "state": {"values": {
        input_block(suggested, "ask")["block_id"]: {"ask": {"value": input_block(suggested, "ask")["element"][
            "initial_value"]}}}}}
    coached.slack.press(buttons(suggested["blocks"])["use_suggestion"], view=typed)
    used = slack.wait_for("views.update", 2)[1].args["view"]
    assert kept in str(used["blocks"])
    filled = {**used, "id": update["view_id"], "hash": "h3"}
    assert coached.slack.submit_view(filled, {**GOOD, "ask": input_block(used, "ask")["element"]["initial_value"]}
                                     ).body == ""
    assert ideas(engine)[0].ask == ask


def test_a_suggestion_with_characters_nobody_can_store_or_see_is_taken_without_them(coached, slack, model, engine):
    """A model may answer a NUL (PostgreSQL stores none in text) or other control characters: they never reach
    the form, so "Use it" and submitting as it is store the idea, rather than refuse a character nobody can see."""
    model.answers["OutcomeSuggestion"] = {"outcome": "Finance\x00 closes the month\x1b a day sooner\x07",
                                          "problem": "Finance\x00 rebuilds the\x0c report by hand\r\nevery month"}
    assert coached.slack.command(ASK).status == 200
    update = slack.wait_for("views.update")[0].args
    suggested = update["view"]
    typed = {**suggested, "id": update["view_id"], "hash": "h2", "state": {"values": {}}}
    coached.slack.press(buttons(suggested["blocks"])["use_suggestion"], view=typed)
    used = slack.wait_for("views.update", 2)[1].args["view"]
    reply = submit_keeping_my_words(coached, {**used, "id": update["view_id"]}, {}, view_id=update["view_id"])
    assert reply.body == "", reply.body
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", json.dumps([suggested, used], ensure_ascii=False))
    assert input_block(used, "outcome")["element"]["initial_value"] == "Finance closes the month a day sooner"
    problem = input_block(used, "problem")["element"]["initial_value"]
    assert problem == "Finance rebuilds the report by hand\nevery month"
    assert ideas(engine)[0].outcome == "Finance closes the month a day sooner"
