"""The first look-alike check after a restart embeds the team's whole pool of open ideas (up to 600 texts of up to
2,000 characters). It is asked for in batches every endpoint takes, what each batch brings is kept, and a pool
that takes longer than the model's deadline is finished by the next checks instead of making one person wait."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from models import Idea, utcnow
from models.idea import Stage
from tests.flows import GOOD, open_modal, share_idea, submit_keeping_my_words, wait_until
from tests.handlers.test_close_the_loop import dms
from tests.handlers.test_duplicates import IMPORT, SAME_NEED, confirmation, embedding_requests, same_need_requests

LONG = " Finance copies every figure by hand from three exports into the monthly workbook." * 25


def seed_pool(engine, ideas: int) -> None:
    """Open ideas older than any shared in the test, each some 2,000 characters long."""
    with Session(engine) as session, session.begin():
        session.add_all(Idea(team_id="T1", requester_id=f"U{n + 100}", stage=Stage.CANDIDATE,
                             ask=f"Warehouse team {n} badge printer.{LONG}",
                             outcome=f"Warehouse team {n} prints visitor badges unaided",
                             problem=f"Warehouse team {n} waits at reception for visitor badges",
                             created_at=utcnow() - timedelta(days=1, minutes=n)) for n in range(ideas))


def confirmed(slack, user: str) -> bool:
    return any("is in as" in str(m["blocks"]) for m in dms(slack, user))


@pytest.mark.parametrize("inputs, chars", [
    pytest.param(2048, 300_000, id="openai-300k-tokens-of-cjk-text"),  # about a token a character
    pytest.param(32, 1_200_000, id="text-embeddings-inference-32-inputs"),
])
def test_a_pool_bigger_than_the_endpoint_takes_is_embedded_in_batches(make_bot, slack, model, engine, inputs, chars):
    coached = make_bot(openai_api_key="sk-test", openai_base_url=model.url, openai_timeout=5.0)
    model.embedding_inputs, model.embedding_chars = inputs, chars
    model.answers["SameNeed"] = {"same_need": [1]}
    share_idea(coached, slack, user="U1")
    seed_pool(engine, 600)
    share_idea(coached, slack, user="U2", **SAME_NEED)
    wait_until(lambda: confirmed(slack, "U2"), timeout=20)
    assert "looks like an idea we already have" in str(confirmation(slack, "U2")["blocks"])
    asked = embedding_requests(model)
    assert all(len(r["input"]) <= inputs and sum(map(len, r["input"])) <= chars for r in asked)  # none refused
    embedded = [text for request in asked for text in request["input"]]
    assert len(embedded) == len(set(embedded)) == 601  # the new idea and the whole pool (600), once each
    assert same_need_requests(model)

    share_idea(coached, slack, user="U3", **IMPORT)
    wait_until(lambda: confirmed(slack, "U3"), timeout=20)
    assert len(embedding_requests(model)[-1]["input"]) == 1  # the pool was kept: only the newest idea is asked for


def share(bot, slack, user: str, values: dict) -> float:
    """Shares an idea; seconds from its submit to its confirmation (which waits for the look-alike check)."""
    view = open_modal(bot, slack)
    started = time.monotonic()
    assert submit_keeping_my_words(bot, view, {**GOOD, **values}, user=user).body == ""
    wait_until(lambda: confirmed(slack, user), timeout=30)
    return time.monotonic() - started


def test_a_pool_slower_to_embed_than_the_deadline_is_finished_by_the_next_checks(make_bot, slack, model, engine):
    """Each batch takes 0.9 s, the pool thirteen batches: the first check stops at the deadline (the words pick
    what the model compares), keeping what came; the next one carries on, and nothing is asked for twice."""
    coached = make_bot(openai_api_key="sk-test", openai_base_url=model.url, openai_timeout=1.5)
    share_idea(coached, slack, user="U1")
    seed_pool(engine, 200)
    model.embedding_delay = 0.9
    assert share(coached, slack, "U2", SAME_NEED) < 9  # not the 12 s of every batch in a row
    assert len(embedding_requests(model)) == 2
    model.embedding_delay = 0.0
    share(coached, slack, "U3", IMPORT)
    assert len(embedding_requests(model)[-1]["input"]) > 1  # the rest of the pool
    share(coached, slack, "U4", {**IMPORT, "outcome": "Finance loads budget figures from spreadsheets at once"})
    assert len(embedding_requests(model)[-1]["input"]) == 1  # the pool is whole: only the newest idea is asked for
    embedded = [text for request in embedding_requests(model) for text in request["input"]]
    assert len(embedded) == len(set(embedded)) == 201 + 3  # the pool and each new idea, each asked for once
