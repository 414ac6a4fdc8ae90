"""A database that refuses connections, or stops answering, still gets every Slack request answered in
time with a clear word, /healthz says 503 within seconds, and everything recovers by itself."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from models import make_engine
from tests.flows import GOOD

DOWN = "can't reach its database just now"


@pytest.fixture(params=["refused", "silent"])
def dead_database(request) -> Iterator[str]:
    """A PostgreSQL URL whose server refuses connections, or accepts them and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        if request.param == "silent":
            listener.listen(100)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{listener.getsockname()[1]}/test"


def timed(call):
    started = time.monotonic()
    reply = call()
    return reply, time.monotonic() - started


def test_every_request_is_answered_in_time_while_the_database_is_away(make_bot, slack, dead_database):
    bot = make_bot(on_engine=make_engine(dead_database))
    answers = []

    listed, took = timed(lambda: bot.slack.command("list"))
    answers.append(took)
    assert listed.status == 200 and DOWN in listed.json()["text"]

    opened, took = timed(lambda: bot.slack.command("Add a CSV export"))
    answers.append(took)
    assert opened.status == 200
    assert DOWN in slack.wait_for("response_url")[0].args["text"]  # told straight, without the database

    button = {"action_id": "idea_move_discovery", "value": "1:candidate", "block_id": "b"}
    pressed, took = timed(lambda: bot.slack.press(button, user="UPM"))
    answers.append(took)
    assert pressed.status == 200
    assert DOWN in slack.wait_for("response_url", 2)[1].args["text"]

    decision = {"type": "modal", "callback_id": "idea_decision", "private_metadata": '{"idea": 1, "from": '
                '"candidate", "to": "discovery", "origin": "message"}', "blocks": [
                    {"type": "input", "block_id": "reason", "element": {"type": "plain_text_input",
                                                                        "action_id": "reason"}}]}
    decided, took = timed(lambda: bot.slack.submit_view(decision, {"reason": "Three teams asked for it"},
                                                        user="UPM"))
    answers.append(took)
    assert decided.json()["response_action"] == "errors" and DOWN in decided.json()["errors"]["reason"]

    support = {**decision, "callback_id": "idea_support", "private_metadata": '{"idea": 1}', "blocks": [
        {"type": "input", "block_id": "evidence", "element": {"type": "plain_text_input", "action_id": "evidence"}}]}
    supported, took = timed(lambda: bot.slack.submit_view(support, {"evidence": "me too"}, user="U2"))
    answers.append(took)
    assert DOWN in supported.json()["errors"]["evidence"]

    health, took = timed(lambda: bot.slack.get("/healthz"))
    answers.append(took)
    assert health.status == 503
    assert max(answers) < 3.0  # Slack's deadline, every time


def test_an_idea_typed_while_the_database_was_away_is_kept_in_the_form(make_bot, slack, dead_database):
    bot = make_bot(on_engine=make_engine(dead_database))
    view = {"type": "modal", "callback_id": "idea_intake", "private_metadata": "{}", "blocks": [
        {"type": "input", "block_id": name, "element": {"type": "plain_text_input", "action_id": name}}
        for name in ("ask", "outcome", "problem", "evidence", "measure")]}
    reply = bot.slack.submit_view(view, {**GOOD, "outcome": "Finance closes the month a day sooner"})
    assert reply.json()["response_action"] == "errors"  # the form stays open, with everything typed
    assert DOWN in str(reply.json()["errors"])


def test_it_recovers_by_itself_when_the_database_comes_back(make_bot, slack, tmp_path):
    from alembic import command

    from tests.conftest import alembic_config

    folder = tmp_path / "not-yet"
    url = f"sqlite:///{folder}/outcomes.db"
    bot = make_bot(on_engine=make_engine(url))
    assert DOWN in bot.slack.command("list").json()["text"]
    folder.mkdir()
    command.upgrade(alembic_config(url), "head")
    deadline = time.monotonic() + 10
    while DOWN in (bot.slack.command("list").json() or {}).get("text", ""):
        assert time.monotonic() < deadline, "never recovered"
        time.sleep(0.5)
    assert bot.slack.get("/healthz").status == 200


def test_words_typed_after_the_command_while_the_database_is_away_are_given_back(make_bot, slack, dead_database):
    """The form cannot open without the database; the person's message box no longer holds what they typed
    after `/idea`: it comes back to them, as typed, with the word that the database is away."""
    bot = make_bot(on_engine=make_engine(dead_database))
    typed = "Let finance export the *monthly* report to CSV <!channel>"
    assert bot.slack.command(typed).status == 200
    said = slack.wait_for("response_url")[0].args["text"]
    assert DOWN in said and "```Let finance export the *monthly* report to CSV @channel```" in said
    assert "<!channel>" not in said
    assert not slack.calls("views.open")
