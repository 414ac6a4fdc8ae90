"""Digest runs under a clock the tests control: the schedule, the missed-run rule, exactly once, through
the sender to the fake Slack."""

import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from bot.digests.runs import CLAIM_TTL, claim_due, subscribe
from bot.digests.schedule import Schedule
from models import DigestRun, DigestSubscription, make_sessions
from runtime.scheduled import owe_due_digests, owe_now

MONDAY_9 = datetime(2026, 11, 30, 9, tzinfo=UTC)  # 09:00 in London in winter


@pytest.fixture
def sessions(engine):
    return make_sessions(engine)


@pytest.fixture
def post(sessions, sender):
    """Runs the scheduler's digest job at a given time; returns how many it owed, once they are delivered."""

    def run(now: datetime) -> int:
        owed = owe_due_digests(sessions, None, now, sender.wake)
        sender.drain(retries_too=True)
        return owed

    return run


def subscribed(sessions, channel="CDIGEST", weekday=0, minute=540, tz="Europe/London", team="T1",
               now=MONDAY_9 - timedelta(days=2)):
    with sessions.begin() as session:
        return subscribe(session, team_id=team, channel_id=channel, schedule=Schedule(weekday, minute, tz),
                         only_this_channel=False, created_by="UPM", now=now).id


def posts(slack, channel="CDIGEST"):
    return [c for c in slack.calls("chat.postMessage") if c.args["channel"] == channel and c.ok]


def runs(sessions):
    with sessions() as session:
        return list(session.scalars(select(DigestRun).order_by(DigestRun.id)))


def test_posts_when_due_and_only_once(sessions, post, slack):
    subscribed(sessions)
    assert post(MONDAY_9 - timedelta(minutes=1)) == 0  # last week's is over a day old
    slack.reset()
    assert post(MONDAY_9 + timedelta(seconds=30)) == 1
    assert post(MONDAY_9 + timedelta(minutes=1)) == 0
    assert post(MONDAY_9 + timedelta(hours=5)) == 0
    [message] = posts(slack)
    assert message.args["text"].startswith("Product digest")
    posted = [r for r in runs(sessions) if r.posted_at]
    assert [(r.period_start, r.period_end, r.message_ts) for r in posted] == [
        (MONDAY_9 - timedelta(days=7), MONDAY_9, message.response["ts"])]


def test_the_next_period_starts_where_the_last_digest_ended(sessions, post, slack):
    subscribed(sessions)
    post(MONDAY_9)
    post(MONDAY_9 + timedelta(days=7))
    assert [(r.period_start, r.period_end) for r in runs(sessions) if r.posted_at][-1] == (
        MONDAY_9, MONDAY_9 + timedelta(days=7))


def test_a_missed_run_posts_once_within_a_day_and_is_skipped_after(sessions, post, slack, caplog):
    subscribed(sessions)
    assert post(MONDAY_9 + timedelta(hours=23)) == 1
    other = subscribed(sessions, channel="CLATE")
    with caplog.at_level(logging.WARNING, logger="bot.digests.runs"):
        for hours in (25, 26, 30):
            assert post(MONDAY_9 + timedelta(hours=hours)) == 0
    assert posts(slack, "CLATE") == []
    assert [r.message for r in caplog.records].count(
        f"digest for subscription {other} due {MONDAY_9} was missed by more than a day: skipped") == 1


@pytest.mark.parametrize(("first", "then", "posted"), [
    (None, (0, 540), 0),  # subscribed at 09:30 for Mondays 09:00: the next digest is next Monday's
    (None, (0, 600), 1),  # for 10:00: today's, half an hour later
    ((2, 540), (0, 540), 0),  # moved from Wednesdays to Mondays 09:00 at 09:30
    ((0, 540), (0, 540), 1),  # asked again with the same times while today's is owed: it stays owed
])
def test_a_schedule_starts_with_its_next_time_as_the_reply_says(sessions, post, slack, first, then, posted):
    subscribing = MONDAY_9 + timedelta(minutes=30)
    if first is not None:
        subscribed(sessions, weekday=first[0], minute=first[1])
    subscribed(sessions, weekday=then[0], minute=then[1], now=subscribing)
    assert post(subscribing + timedelta(minutes=1)) + post(MONDAY_9 + timedelta(hours=1, minutes=1)) == posted
    assert post(MONDAY_9 + timedelta(days=7, hours=1, minutes=1)) == 1


def test_a_claim_left_by_a_crashed_process_expires_and_is_retried(sessions, post, slack):
    subscription = subscribed(sessions)
    with sessions.begin() as session:  # the "crash": claimed, never owed
        assert claim_due(session, subscription, MONDAY_9, MONDAY_9) is not None
    assert post(MONDAY_9) == 0
    assert post(MONDAY_9 + CLAIM_TTL - timedelta(seconds=1)) == 0
    assert post(MONDAY_9 + CLAIM_TTL + timedelta(seconds=1)) == 1
    assert len(posts(slack)) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(DigestRun).where(
            DigestRun.subscription_id == subscription, DigestRun.period_end == MONDAY_9)) == 1


def test_two_schedulers_at_once_post_once(sessions, post, slack):
    subscribed(sessions)
    results: list[int] = []
    start = threading.Barrier(4)

    def scheduler() -> None:
        start.wait()
        results.append(post(MONDAY_9 + timedelta(seconds=5)))

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 0, 0, 1] and len(posts(slack)) == 1


def test_a_rate_limit_is_retried_after_retry_after_and_posts_once(sessions, post, slack):
    subscribed(sessions)
    slack.fail("chat.postMessage", error="ratelimited", status=429, headers={"Retry-After": "1"}, times=1)
    assert post(MONDAY_9) == 1
    attempts = slack.calls("chat.postMessage")
    assert [(c.ok, c.error) for c in attempts] == [(False, "ratelimited"), (True, None)]
    assert attempts[1].at - attempts[0].at >= 1.0  # Slack said to wait a second, and it was waited


def test_one_channel_failing_does_not_stop_the_others(sessions, post, slack):
    subscribed(sessions, channel="CGONE")
    subscribed(sessions, channel="CFINE")
    slack.channels["CGONE"] = {"exists": False}
    assert post(MONDAY_9) == 2
    assert len(posts(slack, "CFINE")) == 1 and posts(slack, "CGONE") == []


def test_a_bad_schedule_row_never_stops_other_channels(sessions, post, slack):
    from models import DigestSubscription

    broken = subscribed(sessions, channel="CBROKEN")
    subscribed(sessions, channel="CFINE")
    with sessions.begin() as session:
        session.execute(update(DigestSubscription).where(DigestSubscription.id == broken).values(minute_of_day=6039))
    assert post(MONDAY_9) == 2  # the broken one at the default time, Monday 09:00
    assert len(posts(slack, "CFINE")) == 1 and len(posts(slack, "CBROKEN")) == 1


def test_posting_now_counts_as_the_channels_previous_digest(sessions, post, slack):
    subscription = subscribed(sessions)
    wednesday = MONDAY_9 + timedelta(days=2)
    assert owe_now(sessions, None, subscription, wednesday)
    post(MONDAY_9 + timedelta(days=7))
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


@pytest.mark.parametrize(("tz", "period"), [
    ("Pacific/Tongatapu", "23 Nov – 30 Nov"),  # UTC+13: Monday 09:00 is Sunday 20:00 UTC
    ("Pacific/Honolulu", "23 Nov – 30 Nov"),   # UTC-10: Monday 09:00 is Monday 19:00 UTC
    ("America/Los_Angeles", "23 Nov – 30 Nov"),
])
def test_a_digest_names_its_week_by_the_dates_where_it_was_scheduled(sessions, post, slack, tz, period):
    """"Monday 09:00" in Tonga posts on Sunday in UTC: the headline says Monday's date, as the channel lives it."""
    from zoneinfo import ZoneInfo

    monday_9 = datetime(2026, 11, 30, 9, tzinfo=ZoneInfo(tz)).astimezone(UTC)
    subscribed(sessions, tz=tz, now=monday_9 - timedelta(days=2))
    assert post(monday_9) == 1
    [message] = posts(slack)
    assert f"Product digest {period}" in message.args["text"] or f"· {period}" in str(message.args["blocks"])


def test_digest_now_just_after_the_scheduled_time_is_not_followed_by_the_same_week_again(sessions, post, slack):
    """A PM types `digest now` at 09:00:20, before the scheduler's tick of that minute: the scheduled
    digest would repeat the whole week the channel has just read. It is passed over; next week's follows."""
    subscription = subscribed(sessions)
    assert owe_now(sessions, None, subscription, MONDAY_9 + timedelta(seconds=20))
    assert post(MONDAY_9 + timedelta(seconds=45)) == 0
    assert post(MONDAY_9 + timedelta(days=7)) == 1
    assert [(r.period_start, r.period_end) for r in runs(sessions) if r.posted_at] == [
        (MONDAY_9 + timedelta(seconds=20) - timedelta(days=7), MONDAY_9 + timedelta(seconds=20)),
        (MONDAY_9 + timedelta(seconds=20), MONDAY_9 + timedelta(days=7))]


def test_digest_now_typed_while_the_scheduled_digest_is_being_written_posts_the_week_once(sessions, slack, sender):
    """The scheduler claimed 09:00's run and is writing it (the model's paragraph takes seconds) when a PM types
    `digest now`: no digest is owed yet, so theirs is; the scheduled one, taken after it, would say the same
    week again, and is not posted."""
    subscription = subscribed(sessions)
    typed = []

    def slow_paragraph(team_id, digest):
        if not typed:
            typed.append(owe_now(sessions, None, subscription, MONDAY_9 + timedelta(seconds=20)))
        return "What the week was about"

    assert owe_due_digests(sessions, slow_paragraph, MONDAY_9 + timedelta(seconds=10), sender.wake) == 0
    sender.drain(retries_too=True)
    assert typed == [True] and len(posts(slack)) == 1
    assert post_again_next_week(sessions, sender, slack) == 2


def test_the_scheduled_tick_while_digest_now_is_being_written_posts_the_week_once(sessions, slack, sender):
    """The other way round: `digest now` is being written when the scheduler's tick claims 09:00's run and owes
    it; the PM's, taken after it, would repeat that week, and is not posted (they hear one is on its way)."""
    subscription = subscribed(sessions)
    ticked = []

    def slow_paragraph(team_id, digest):
        if not ticked:
            ticked.append(owe_due_digests(sessions, None, MONDAY_9 + timedelta(seconds=30), sender.wake))
        return "What the week was about"

    assert not owe_now(sessions, slow_paragraph, subscription, MONDAY_9 + timedelta(seconds=20))
    sender.drain(retries_too=True)
    assert ticked == [1] and len(posts(slack)) == 1
    assert post_again_next_week(sessions, sender, slack) == 2


def post_again_next_week(sessions, sender, slack) -> int:
    """The next week's digest still goes out, starting where the one posted ended."""
    assert owe_due_digests(sessions, None, MONDAY_9 + timedelta(days=7, seconds=10), sender.wake) == 1
    sender.drain(retries_too=True)
    posted = [r for r in runs(sessions) if r.posted_at]
    assert posted[-1].period_start == posted[-2].period_end
    return len(posts(slack))


@pytest.mark.parametrize("tz", ["Nowhere/Bad", "", "utc+2", "../etc/passwd"])
def test_a_subscription_written_with_a_time_zone_we_do_not_know_posts_in_utc(sessions, post, slack, tz):
    """Written by hand or by another tool: the digest goes out at its time in UTC, once, rather than never."""
    with sessions.begin() as session:
        session.add(DigestSubscription(team_id="T1", channel_id="CDIGEST", weekday=0, minute_of_day=540,
                                       timezone=tz, only_this_channel=False, created_by="UPM",
                                       created_at=MONDAY_9 - timedelta(days=9)))
    assert post(MONDAY_9 - timedelta(seconds=30)) == 0
    assert post(MONDAY_9 + timedelta(seconds=30)) == 1
    assert post(MONDAY_9 + timedelta(minutes=1)) == 0
    assert len(posts(slack)) == 1


@pytest.mark.parametrize("tz", ["america/new_york", " America/New_York ", "AMERICA/NEW_YORK"])
def test_a_time_zone_written_in_another_case_is_read_as_meant(sessions, post, slack, tz):
    """Another tool wrote the zone in its own case: Monday 09:00 is New York's 09:00 (14:00 UTC), not UTC's."""
    with sessions.begin() as session:
        session.add(DigestSubscription(team_id="T1", channel_id="CDIGEST", weekday=0, minute_of_day=540,
                                       timezone=tz, only_this_channel=False, created_by="UPM",
                                       created_at=MONDAY_9 - timedelta(days=9)))
    assert post(MONDAY_9 + timedelta(seconds=30)) == 0
    assert post(MONDAY_9 + timedelta(hours=5, seconds=30)) == 1
    assert len(posts(slack)) == 1


@pytest.mark.parametrize("period_end", [datetime(2099, 1, 5, 9, tzinfo=UTC), MONDAY_9 + timedelta(days=3)])
def test_a_run_dated_in_the_future_does_not_stop_the_digest(sessions, post, slack, period_end):
    """Written by hand, or by a process whose clock ran ahead: the weeks before it still get their digest."""
    subscription_id = subscribed(sessions)
    with sessions.begin() as session:
        session.add(DigestRun(subscription_id=subscription_id, period_start=period_end - timedelta(days=7),
                              period_end=period_end, claimed_at=period_end, posted_at=period_end))
    assert post(MONDAY_9 + timedelta(seconds=30)) == 1
    assert post(MONDAY_9 + timedelta(minutes=1)) == 0
    assert len(posts(slack)) == 1


@pytest.mark.parametrize(("weekday", "minute"), [(7, 540), (-1, 540), (0, 1440), (0, -30)])
def test_a_subscription_written_with_a_day_or_time_no_command_gives_posts_at_the_default(sessions, post, slack,
                                                                                      weekday, minute):
    """Monday 09:00, as a workspace's settings read such a value, rather than an error logged every minute."""
    with sessions.begin() as session:
        session.add(DigestSubscription(team_id="T1", channel_id="CDIGEST", weekday=weekday, minute_of_day=minute,
                                       timezone="Europe/London", only_this_channel=False, created_by="UPM",
                                       created_at=MONDAY_9 - timedelta(days=9)))
    assert post(MONDAY_9 - timedelta(seconds=30)) == 0
    assert post(MONDAY_9 + timedelta(seconds=30)) == 1
    assert len(posts(slack)) == 1


def test_digest_now_claimed_at_once_on_two_engines_goes_to_exactly_one(engine, database_url):
    """Two processes' connections claim a channel's turn at the same instant, round after round: one wins
    each time; a minute on, the turn is free again, and a claim given back frees it at once."""
    from bot.digests.runs import NOW_AGAIN, claim_now, release_now
    from models import make_engine
    from tests.flows import together

    def claim(sessions, now: datetime) -> bool:  # noqa: ANN001 - a sessionmaker
        with sessions.begin() as session:
            return claim_now(session, "T1", "CPRODUCT", now)

    other = make_engine(database_url)
    try:
        both = [make_sessions(engine), make_sessions(other)]
        for round_ in range(10):
            now = MONDAY_9 + round_ * (NOW_AGAIN + timedelta(seconds=1))
            won = together(*(lambda s=s, now=now: claim(s, now) for s in both))
            assert sorted(won) == [False, True], round_
        with both[0].begin() as session:
            release_now(session, "T1", "CPRODUCT", now)
        assert claim(both[1], now + timedelta(seconds=1))
    finally:
        other.dispose()
