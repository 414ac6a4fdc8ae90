"""The coach against a local OpenAI-compatible server: how long trouble rests the model, and that it comes back."""

from __future__ import annotations

import socket
import time

import openai
import pytest

from bot.coach import Coach
from bot.model_health import Health
from tests.fake_openai import FakeOpenAI

REST = 0.4


def coach_at(url: str, timeout: float = 0.5) -> Coach:
    client = openai.OpenAI(api_key="sk-test", base_url=url, timeout=timeout, max_retries=0)
    return Coach(client=client, model="local-model", record_usage=lambda *_: None, deadline=timeout,
                 health=Health(outage_rest=REST))


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def hang(fake: FakeOpenAI) -> None:
    fake.delay = 5


def fail(fake: FakeOpenAI) -> None:
    fake.status = 503


@pytest.mark.parametrize("trouble", [hang, fail], ids=["timeout", "server-errors"])
def test_after_trouble_the_model_rests_then_is_asked_again(model, trouble):
    coach = coach_at(model.url)
    trouble(model)
    assert coach.confirm_request("T1", "could we add dark mode") is None
    asked = len(model.requests)
    started = time.monotonic()
    assert coach.confirm_request("T1", "could we add dark mode") is None
    assert time.monotonic() - started < 0.1 and len(model.requests) == asked  # resting: not asked, not waited on
    model.delay, model.status = 0, 200
    time.sleep(REST + 0.1)
    assert coach.confirm_request("T1", "could we add dark mode") is True  # the rest is over: asked, and answers


def test_a_refused_connection_rests_every_kind_of_call_and_longer_each_time_in_a_row():
    coach = coach_at(closed_port_url())
    for rest in (REST, 2 * REST):
        started = time.monotonic()
        assert coach.confirm_request("T1", "could we add dark mode") is None
        assert coach.health.resting("embeddings") and coach.health.resting("chat")
        time.sleep(max(0.0, started + rest - 0.15 - time.monotonic()))
        assert coach.health.resting("chat")  # not over before its time
        time.sleep(0.3)
        assert coach.health.resting("chat") is None


def test_an_endpoint_without_embeddings_does_not_rest_the_chat(model):
    """Embeddings failing with server errors rest the embeddings only: the model still judges, by words."""
    coach = coach_at(model.url)
    model.embeddings_status = 500
    assert coach.embed("T1", ["dark mode"]) is None
    assert coach.health.resting("embeddings") and coach.health.resting("chat") is None
    assert coach.confirm_request("T1", "could we add dark mode") is True
