"""What people read, read as they would: each message says which idea, what happened and why, in sentences
that are right for every case (a notification on a lock screen included)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.decisions import Triage
from bot.digests.compose import Digest, Pulse
from bot.stats import Stats
from models import Decision, Idea, Stage
from ui import cards, decisions, home, loop
from ui.digests import digest_messages
from ui.trackers import tracker_news

NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)


def an_idea(**overrides) -> Idea:
    values = {"id": 2, "team_id": "T1", "requester_id": "U1", "ask": "Add a CSV export button",
              "outcome": "Finance closes the month a day sooner", "problem": "Finance rebuilds the report by hand",
              "evidence": None, "measure": None, "stage": Stage.DISCOVERY, "source_channel_id": "C1",
              "source_message_ts": None, "source_permalink": None, "submitted_by": None, "created_at": NOW,
              "looks_like_id": None, "objective": None, "objective_id": None, "merged_into_id": None}
    return Idea(**{**values, **overrides})


def a_decision(to: str, **overrides) -> Decision:
    values = {"idea_id": 2, "from_stage": Stage.CANDIDATE, "to_stage": to, "reason": "Three teams & counting",
              "decided_by": "UPM", "decided_at": NOW, "revisit_on": None, "result": None, "measured": None}
    return Decision(**{**values, **overrides})


@pytest.mark.parametrize(("to", "extra", "requester_hears", "supporter_hears"), [
    (Stage.DISCOVERY, {}, "Your idea #2 is now in discovery: Three teams &amp; counting",
     "The idea you supported #2 is now in discovery: Three teams &amp; counting"),
    (Stage.MERGED, {"merged_into_id": 1}, "Your idea #2 is now merged into #1: Three teams &amp; counting",
     "The idea you supported #2 is now merged into #1: Three teams &amp; counting"),
    (Stage.REVIEWED, {"result": "partly"}, "The outcome of your idea #2 was reviewed (partly met): Three teams "
     "&amp; counting", "The outcome of the idea you supported #2 was reviewed (partly met): Three teams &amp; "
     "counting"),
])
def test_a_notices_notification_names_the_idea_what_happened_and_why(to, extra, requester_hears, supporter_hears):
    idea = an_idea(stage=to, merged_into_id=extra.get("merged_into_id"))
    decision = a_decision(to, result=extra.get("result"))
    assert decisions.decision_notice(idea, decision)["text"] == requester_hears
    assert decisions.decision_notice(idea, decision, supporter=True)["text"] == supporter_hears


def test_a_review_is_told_as_what_was_learned_not_as_a_decision():
    """The requester who answered the check-in is not told they "decided"; what they wrote is what was learned."""
    review = a_decision(Stage.REVIEWED, from_stage=Stage.SHIPPED, decided_by="U1", result="met",
                        revisit_on=date(2027, 1, 11))
    said = str(decisions.decision_notice(an_idea(stage=Stage.REVIEWED), review)["blocks"])
    assert "<@U1> recorded it, and what we learned:" in said and "decided" not in said


def stats(**overrides) -> Stats:
    values = {"ideas": 1, "with_outcome_and_problem": 1, "by_stage": {Stage.CANDIDATE: 1},
              "median_days_to_first_decision": None, "median_days_discovery_to_delivery": None, "shipped": 0,
              "reviewed": 0, "results": {}, "in_delivery_or_later": 0, "tied_to_objective": 0}
    return Stats(**{**values, **overrides})


@pytest.mark.parametrize(("figures", "line", "reads"), [
    ({}, -1, "• Outcome hit rate: n/a (no outcome reviewed yet)"),
    ({"shipped": 2, "reviewed": 2, "results": {"met": 1, "missed": 1}}, -1,
     "• Outcome hit rate: 50% met (1 of 2), 0 partly, 1 missed"),
    ({"median_days_to_first_decision": 0.0}, 2, "• Median time from submission to a first decision: under a day"),
    ({"median_days_to_first_decision": 1.0}, 2, "• Median time from submission to a first decision: 1 day"),
    ({"median_days_discovery_to_delivery": 3.5}, 3, "• Median time from discovery to delivery: 3.5 days"),
])
def test_the_metrics_read_as_sentences(figures, line, reads):
    assert home.stats_lines(stats(**figures))[line] == reads


@pytest.mark.parametrize(("count", "reads"), [(1, "1 idea · "), (2, "2 ideas · ")])
def test_the_stage_count_under_the_metrics_counts_in_words(count, reads):
    said = home.stats_message(stats(ideas=count))["blocks"][-1]["elements"][0]["text"]
    assert said.startswith(reads)


def digest_text(digest: Digest) -> str:
    [message] = digest_messages(digest)
    return "\n".join(block["text"]["text"] for block in message["blocks"] if block["type"] == "section")


def test_a_digest_quotes_each_reason_as_a_quote_under_who_gave_it():
    """A `>` in the middle of a line is not a quote in Slack: it showed as a stray "&gt;" after the name."""
    reason = "Three teams asked\nand the evidence holds"
    moved = (an_idea(stage=Stage.DISCOVERY), a_decision(Stage.DISCOVERY, reason=reason))
    said = digest_text(Digest(NOW - timedelta(days=7), NOW, to_discovery=[moved], pulse=Pulse(1, 1, None)))
    assert "<@UPM> said why:\n&gt; Three teams asked\n&gt; and the evidence holds" in said
    assert ": &gt;" not in said


def test_a_shipped_idea_in_the_digest_says_when_its_outcome_is_checked_and_a_review_what_was_learned():
    shipped = (an_idea(stage=Stage.SHIPPED), a_decision(Stage.SHIPPED, revisit_on=date(2026, 12, 28)))
    reviewed = (an_idea(id=3, stage=Stage.REVIEWED), a_decision(Stage.REVIEWED, result="met", decided_by="U1"))
    said = digest_text(Digest(NOW - timedelta(days=7), NOW, shipped=[shipped], reviewed=[reviewed],
                              pulse=Pulse(0, 0, None)))
    assert "we ask whether the outcome happened on 28 Dec 2026" in said
    assert "<@U1> said what we learned:\n&gt; Three teams" in said


@pytest.mark.parametrize(("days", "period"), [(7, "23 Nov – 30 Nov"), (0.1, "30 Nov")])
def test_a_digest_names_its_period_once_when_it_is_one_day(days, period):
    """`/idea digest now` twice in a day made "Product digest 30 Nov – 30 Nov"."""
    message = digest_messages(Digest(NOW - timedelta(days=days), NOW, pulse=Pulse(1, 1, None)))[0]
    assert message["text"].startswith(f"Product digest {period}:")
    assert message["blocks"][0]["text"]["text"] == f"Product digest · {period}"


@pytest.mark.parametrize(("waiting", "reads"), [(1, "1 candidate waits for a first decision, oldest first."),
                                                (3, "3 candidates wait for a first decision, oldest first.")])
def test_a_pms_queue_says_what_waits_for_them(waiting, reads):
    ideas = [an_idea(id=n, stage=Stage.CANDIDATE) for n in range(1, waiting + 1)]
    view = home.home_view([], 0, NOW, triage=Triage(ideas, waiting, []))
    assert reads in str(view["blocks"][1])


def test_the_look_alike_hint_on_a_card_quotes_the_other_ideas_outcome():
    card = cards.triage_card(an_idea(id=3, stage=Stage.CANDIDATE), looks_like=an_idea(id=1))
    assert "Looks like #1 \u201cFinance closes the month a day sooner\u201d: merge it there" in str(card["blocks"])


def test_the_review_form_does_not_tell_the_requester_filling_it_that_the_requester_will_read_it():
    """Both the PM and the requester are asked whether the outcome happened: the form is worded for either."""
    hint = str(loop.review_modal(an_idea(stage=Stage.SHIPPED), "met")["blocks"])
    assert "everyone who asked for it and the digest will read it" in hint and "the requester" not in hint


@pytest.mark.parametrize(("stage", "words"), [
    (Stage.DELIVERY, "still *in delivery*"),
    (Stage.SHIPPED, "still *shipped*"),
    (Stage.REVIEWED, "still *outcome reviewed*"),
])
def test_tracker_news_names_the_stage_in_words(stage, words):
    said = str(tracker_news(an_idea(stage=stage, tracker_key="57"), "reopened", "octocat", "GitHub")["blocks"])
    assert words in said
