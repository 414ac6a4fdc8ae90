"""Digest runs under a clock the tests control: the schedule, the missed-run rule, exactly once."""

import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from bot.digest_runs import CLAIM_TTL, post_now, run_due_digests, subscribe
from bot.schedule import Schedule
from bot.settings import Settings
from bot.slack import digest_poster, make_client
from models import DigestRun, make_sessions

MONDAY_9 = datetime(2026, 11, 30, 9, tzinfo=UTC)  # 09:00 in London in winter


@pytest.fixture
def sessions(engine):
    return make_sessions(engine)


@pytest.fixture
def post(slack):
    client = make_client(Settings(slack_bot_token="xoxb-test", slack_api_url=slack.url))
    return digest_poster(client)


def subscribed(sessions, channel="CDIGEST", weekday=0, minute=540, tz="Europe/London", team="T1"):
    with sessions.begin() as session:
        return subscribe(session, team_id=team, channel_id=channel, schedule=Schedule(weekday, minute, tz),
                         only_this_channel=False, created_by="UPM").id


def posts(slack, channel="CDIGEST"):
    return [c for c in slack.calls("chat.postMessage") if c.args["channel"] == channel and c.ok]


def runs(sessions):
    with sessions() as session:
        return list(session.scalars(select(DigestRun).order_by(DigestRun.id)))


def test_posts_when_due_and_only_once(sessions, post, slack):
    subscribed(sessions)
    assert run_due_digests(sessions, post, MONDAY_9 - timedelta(minutes=1)) == 0  # last week's is over a day old
    slack.reset()
    assert run_due_digests(sessions, post, MONDAY_9 + timedelta(seconds=30)) == 1
    assert run_due_digests(sessions, post, MONDAY_9 + timedelta(minutes=1)) == 0
    assert run_due_digests(sessions, post, MONDAY_9 + timedelta(hours=5)) == 0
    [message] = posts(slack)
    assert message.args["text"].startswith("Product digest")
    posted = [r for r in runs(sessions) if r.posted_at]
    assert [(r.period_start, r.period_end, r.message_ts) for r in posted] == [
        (MONDAY_9 - timedelta(days=7), MONDAY_9, message.response["ts"])]


def test_the_next_period_starts_where_the_last_digest_ended(sessions, post, slack):
    subscribed(sessions)
    run_due_digests(sessions, post, MONDAY_9)
    run_due_digests(sessions, post, MONDAY_9 + timedelta(days=7))
    assert [(r.period_start, r.period_end) for r in runs(sessions) if r.posted_at][-1] == (
        MONDAY_9, MONDAY_9 + timedelta(days=7))


def test_a_missed_run_posts_once_within_a_day_and_is_skipped_after(sessions, post, slack, caplog):
    subscribed(sessions)
    assert run_due_digests(sessions, post, MONDAY_9 + timedelta(hours=23)) == 1
    other = subscribed(sessions, channel="CLATE")
    with caplog.at_level(logging.WARNING, logger="bot.digest_runs"):
        for hours in (25, 26, 30):
            assert run_due_digests(sessions, post, MONDAY_9 + timedelta(hours=hours)) == 0
    assert posts(slack, "CLATE") == []
    assert [r.message for r in caplog.records].count(
        f"digest for subscription {other} due {MONDAY_9} was missed by more than a day: skipped") == 1


def test_a_claim_left_by_a_crashed_process_expires_and_is_retried(sessions, post, slack):
    subscription = subscribed(sessions)
    slack.fail("chat.postMessage", error="fatal_error", times=1)  # the "crash": claimed, never posted
    assert run_due_digests(sessions, post, MONDAY_9) == 0
    assert run_due_digests(sessions, post, MONDAY_9 + CLAIM_TTL - timedelta(seconds=1)) == 0
    assert run_due_digests(sessions, post, MONDAY_9 + CLAIM_TTL + timedelta(seconds=1)) == 1
    assert len(posts(slack)) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(DigestRun).where(
            DigestRun.subscription_id == subscription)) == 1


def test_two_schedulers_at_once_post_once(sessions, post, slack):
    subscribed(sessions)
    results: list[int] = []
    start = threading.Barrier(4)

    def scheduler() -> None:
        start.wait()
        results.append(run_due_digests(sessions, post, MONDAY_9 + timedelta(seconds=5)))

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 0, 0, 1] and len(posts(slack)) == 1


def test_a_rate_limit_is_retried_after_retry_after_and_posts_once(sessions, post, slack):
    subscribed(sessions)
    slack.fail("chat.postMessage", error="ratelimited", status=429, headers={"Retry-After": "1"}, times=1)
    assert run_due_digests(sessions, post, MONDAY_9) == 1
    attempts = slack.calls("chat.postMessage")
    assert [(c.ok, c.error) for c in attempts] == [(False, "ratelimited"), (True, None)]


def test_one_channel_failing_does_not_stop_the_others(sessions, post, slack):
    subscribed(sessions, channel="CGONE")
    subscribed(sessions, channel="CFINE")
    slack.fail("chat.postMessage", error="channel_not_found", times=1)
    assert run_due_digests(sessions, post, MONDAY_9) == 1
    assert len(posts(slack, "CFINE")) == 1


def test_posting_now_counts_as_the_channels_previous_digest(sessions, post, slack):
    subscription = subscribed(sessions)
    wednesday = MONDAY_9 + timedelta(days=2)
    assert post_now(sessions, post, subscription, wednesday)
    run_due_digests(sessions, post, MONDAY_9 + timedelta(days=7))
    assert [(r.period_start, r.period_end) for r in runs(sessions) if r.posted_at] == [
        (wednesday - timedelta(days=7), wednesday), (wednesday, MONDAY_9 + timedelta(days=7))]


def test_subscribing_again_changes_the_schedule(sessions):
    first = subscribed(sessions)
    again = subscribed(sessions, weekday=4, minute=960, tz="America/New_York")
    assert first == again
    with sessions() as session:
        from models import DigestSubscription

        stored = session.get(DigestSubscription, first)
        assert (stored.weekday, stored.minute_of_day, stored.timezone) == (4, 960, "America/New_York")
        session.execute(update(DigestSubscription).values(weekday=0))
