"""`/idea stats` over rows another tool (or an older version) wrote: ideas in a late stage with no history, a
review recorded twice or with the stage left behind, decisions dated before their idea. Each figure counts ideas
as a person would, and no span runs backwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from models import Decision, utcnow
from tests.handlers.test_data_written_by_others import written_by_hand
from tests.handlers.test_triage import REASON


def stats_lines(bot) -> list[str]:
    reply = bot.slack.command("stats", user="U2")
    assert reply.status == 200
    return reply.json()["blocks"][0]["text"]["text"].splitlines()


def decided(engine, idea_id: int, to_stage: str, *, ago: timedelta, result: str | None = None,
            from_stage: str = "shipped") -> None:
    with Session(engine) as session:
        session.add(Decision(team_id="T1", idea_id=idea_id, from_stage=from_stage, to_stage=to_stage, reason=REASON,
                             decided_by="UPM", result=result, decided_at=utcnow() - ago))
        session.commit()


def test_an_idea_imported_as_reviewed_without_its_history_counts_as_shipped_and_reviewed(bot, engine):
    """Counted by review decisions, it was in neither: 'reviewed: 0% (0 of 1)' with one reviewed, one shipped."""
    written_by_hand(engine, stage="reviewed")
    written_by_hand(engine, stage="shipped")
    lines = stats_lines(bot)
    assert "• Shipped ideas whose outcome was reviewed: 50% (1 of 2)" in lines
    assert "• Outcome hit rate: n/a (no review says met, partly or missed)" in lines


def test_a_review_whose_stage_was_left_at_shipped_is_one_idea_not_two(bot, engine):
    """Counted as a shipped idea and again as a review: '50% (1 of 2)' for the one idea there is."""
    idea_id = written_by_hand(engine, stage="Shipped")
    decided(engine, idea_id, "reviewed", ago=timedelta(hours=1), result="met")
    lines = stats_lines(bot)
    assert "• Shipped ideas whose outcome was reviewed: 100% (1 of 1)" in lines
    assert "• Outcome hit rate: 100% met (1 of 1), 0 partly, 0 missed" in lines


@pytest.mark.parametrize("to_stage", ["reviewed", " Reviewed "])
def test_an_outcome_recorded_twice_counts_once_as_last_recorded(bot, engine, to_stage):
    """Two review rows for one idea (another tool logged it again) made two reviewed ideas out of one."""
    idea_id = written_by_hand(engine, stage="reviewed")
    decided(engine, idea_id, to_stage, ago=timedelta(days=3), result="met")
    decided(engine, idea_id, to_stage, ago=timedelta(days=1), result="missed")
    lines = stats_lines(bot)
    assert "• Shipped ideas whose outcome was reviewed: 100% (1 of 1)" in lines
    assert "• Outcome hit rate: 0% met (0 of 1), 0 partly, 1 missed" in lines


def test_a_decision_dated_before_its_idea_was_submitted_is_no_negative_wait(bot, engine):
    """An idea imported with today's date and its decisions with theirs waited minus 28 days: the median of that and
    a real 1-day wait said 'under a day'."""
    imported = written_by_hand(engine, stage="discovery")  # submitted 2 days ago, as written_by_hand writes it
    decided(engine, imported, "discovery", ago=timedelta(days=30), from_stage="candidate")
    waited = written_by_hand(engine, stage="discovery")
    decided(engine, waited, "discovery", ago=timedelta(days=1), from_stage="candidate")
    assert "• Median time from submission to a first decision: 1 day" in stats_lines(bot)


def test_discovery_and_delivery_written_out_of_order_give_no_negative_cycle(bot, engine):
    """Twice into discovery and twice into delivery, interleaved: the latest discovery and the earliest delivery
    after any discovery made a span that ran backwards."""
    idea_id = written_by_hand(engine, stage="delivery")
    for to_stage, days_ago in (("discovery", 20), ("delivery", 16), ("discovery", 12), ("delivery", 4)):
        decided(engine, idea_id, to_stage, ago=timedelta(days=days_ago), from_stage="candidate")
    lines = stats_lines(bot)
    assert not [line for line in lines if "discovery to delivery" in line and "under a day" in line], lines


@pytest.mark.parametrize("ahead", [timedelta(days=400), timedelta(days=3_000_000)])
def test_a_decision_dated_in_the_future_has_not_happened_yet(bot, engine, ahead):
    """A tool with its clock wrong dated a decision next year (or in 9999): the median wait was half of that, or
    '2.91343e+06 days'. A first decision, or a delivery, is one made by now."""
    ahead = min(ahead, datetime(9999, 12, 31, tzinfo=UTC) - utcnow())
    dated_ahead = written_by_hand(engine, stage="delivery")
    decided(engine, dated_ahead, "discovery", ago=timedelta(days=1), from_stage="candidate")
    decided(engine, dated_ahead, "delivery", ago=-ahead, from_stage="discovery")
    first_ahead = written_by_hand(engine, stage="discovery")
    decided(engine, first_ahead, "discovery", ago=-ahead, from_stage="candidate")
    lines = stats_lines(bot)
    assert "• Median time from submission to a first decision: 1 day" in lines
    assert "• Median time from discovery to delivery: n/a (nothing has reached delivery from discovery)" in lines
