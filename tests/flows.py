"""Steps people take in Slack, shared by the end-to-end tests."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from models import Decision, Idea

_forms = itertools.count(1)
GOOD = {
    "outcome": "Finance closes the month a day sooner",
    "problem": "Finance rebuilds the monthly report by hand from three exports",
    "evidence": "Three finance leads asked in the last quarter",
    "measure": "Close takes four days instead of five",
}


def open_modal(bot: Any, slack: Any, text: str = "Add a CSV export button to the reports page", **kwargs: Any) -> dict:
    """The form a command opens: the views.open it causes, not an earlier one still the last by the
    time the command's own opens after its ack."""
    opened = len(slack.calls("views.open"))
    reply = bot.slack.command(text, **kwargs)
    assert reply.status == 200
    return slack.wait_for("views.open", opened + 1)[opened].args["view"]


def share_idea(bot: Any, slack: Any, *, user: str = "U1", channel: str = "C1", **values: str) -> dict:
    """Shares an idea through /idea and the modal; returns the triage card as posted."""
    cards_before = len(cards(slack))
    reply = submit_keeping_my_words(bot, open_modal(bot, slack, channel=channel), {**GOOD, **values}, user=user)
    assert reply.status == 200 and reply.body == "", reply.body
    wait_until(lambda: len(cards(slack)) > cards_before)
    bot.deliver()  # the confirmation and the card go out in any order: have both gone
    return cards(slack)[-1]


def submit_keeping_my_words(bot: Any, view: dict, values: dict, **kwargs: Any) -> Any:
    """Submits; when the form nudges that the outcome reads like an output, submits again unchanged."""
    reply = bot.slack.submit_view(view, values, **kwargs)
    if reply.body and reply.json().get("response_action") == "update":
        # The same view again (Slack keeps a modal's id across updates); one id per form, not per test.
        again = {**reply.json()["view"], "id": kwargs.pop("view_id", None) or view.get("id") or f"VN{next(_forms)}"}
        reply = bot.slack.submit_view(again, values, view_id=again["id"], **kwargs)
    return reply


def cards(slack: Any) -> list[dict]:
    """Triage cards posted so far, each with the ts Slack gave it."""
    posted = slack.calls("chat.postMessage")
    return [{**c.args, "ts": c.response.get("ts")} for c in posted if c.args["channel"] == "CTRIAGE"]


def ideas(engine: Engine) -> list[Idea]:
    with Session(engine) as session:
        return list(session.scalars(select(Idea).order_by(Idea.id)))


def decisions(engine: Engine) -> list[Decision]:
    with Session(engine) as session:
        return list(session.scalars(select(Decision).order_by(Decision.id)))


def wait_until(condition: Callable[[], object], timeout: float = 5.0) -> None:
    """Work after the ack happens on Bolt's thread; wait for its effect rather than guess a sleep."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def together(*steps: Callable[[], Any]) -> list[Any]:
    """Runs each step on its own thread, all released at the same moment (two people, or two processes, acting
    at once); their results, in order."""
    results: list[Any] = [None] * len(steps)
    start = threading.Barrier(len(steps))

    def run(n: int) -> None:
        start.wait()
        results[n] = steps[n]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(steps))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
