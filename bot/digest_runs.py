"""Digest subscriptions and runs: each period of each channel posts exactly once.

A run is claimed in the database first (a row unique on subscription and period, in its own
transaction), then posted, then marked with the message ts. Two schedulers racing for a period both
try the insert and one wins. A claim that was never marked posted (its process died) expires after
CLAIM_TTL and may be taken over. A run missed by more than CATCH_UP is skipped, and logged once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.digest import Digest, compose
from bot.schedule import Schedule, latest_run
from models import DigestRun, DigestSubscription, dialect_insert

CLAIM_TTL = timedelta(minutes=10)
CATCH_UP = timedelta(days=1)
FIRST_PERIOD = timedelta(days=7)
logger = logging.getLogger(__name__)

# Posts a digest to a channel and returns the message ts; raises when Slack refuses.
Post = Callable[[DigestSubscription, Digest], str]


def subscribe(
    session: Session, *, team_id: str, channel_id: str, schedule: Schedule, only_this_channel: bool, created_by: str
) -> DigestSubscription:
    """Subscribes the channel, or changes its schedule when it already is."""
    subscription = find_subscription(session, team_id, channel_id)
    if subscription is None:
        subscription = DigestSubscription(team_id=team_id, channel_id=channel_id, created_by=created_by)
        session.add(subscription)
    subscription.weekday = schedule.weekday
    subscription.minute_of_day = schedule.minute_of_day
    subscription.timezone = schedule.timezone
    subscription.only_this_channel = only_this_channel
    session.flush()
    return subscription


def unsubscribe(session: Session, team_id: str, channel_id: str) -> bool:
    subscription = find_subscription(session, team_id, channel_id)
    if subscription is not None:
        session.delete(subscription)
    return subscription is not None


def find_subscription(session: Session, team_id: str, channel_id: str) -> DigestSubscription | None:
    return session.scalar(
        select(DigestSubscription).where(
            DigestSubscription.team_id == team_id, DigestSubscription.channel_id == channel_id
        )
    )


def schedule_of(subscription: DigestSubscription) -> Schedule:
    return Schedule(subscription.weekday, subscription.minute_of_day, subscription.timezone)


def period_start(session: Session, subscription_id: int | None, period_end: datetime) -> datetime:
    """Since the channel's previous digest, or a week for the first."""
    previous = None
    if subscription_id is not None:
        previous = session.scalar(
            select(DigestRun.period_end)
            .where(
                DigestRun.subscription_id == subscription_id,
                DigestRun.posted_at.is_not(None),
                DigestRun.period_end < period_end,
            )
            .order_by(DigestRun.period_end.desc())
            .limit(1)
        )
    return previous or period_end - FIRST_PERIOD


def digest_for(session: Session, subscription: DigestSubscription, period_end: datetime) -> Digest:
    start = period_start(session, subscription.id, period_end)
    channel = subscription.channel_id if subscription.only_this_channel else None
    return compose(session, subscription.team_id, start, period_end, channel)


def digest_now(session: Session, team_id: str, channel_id: str, now: datetime) -> Digest:
    """What the channel's digest would say if posted now; a week of the whole workspace when unsubscribed."""
    subscription = find_subscription(session, team_id, channel_id)
    if subscription is None:
        return compose(session, team_id, now - FIRST_PERIOD, now)
    return digest_for(session, subscription, now)


@dataclass(frozen=True)
class Claim:
    run_id: int
    subscription_id: int
    period_end: datetime


def claim(session: Session, subscription_id: int, period_end: datetime, now: datetime) -> Claim | None:
    """Takes the run for this period, or None when another process has it (or posted it)."""
    runs = DigestRun.__table__
    inserted = session.scalar(
        dialect_insert(session)(runs)
        .values(
            subscription_id=subscription_id,
            period_start=period_start(session, subscription_id, period_end),
            period_end=period_end,
            claimed_at=now,
            skipped=False,
        )
        .on_conflict_do_nothing()
        .returning(runs.c.id)
    )
    if inserted is not None:
        return Claim(inserted, subscription_id, period_end)
    expired = session.scalar(
        update(DigestRun)
        .where(
            DigestRun.subscription_id == subscription_id,
            DigestRun.period_end == period_end,
            DigestRun.posted_at.is_(None),
            DigestRun.skipped.is_(False),
            DigestRun.claimed_at < now - CLAIM_TTL,
        )
        .values(claimed_at=now)
        .returning(DigestRun.id)
    )
    return None if expired is None else Claim(expired, subscription_id, period_end)


def mark_posted(session: Session, run_id: int, message_ts: str, now: datetime) -> None:
    session.execute(update(DigestRun).where(DigestRun.id == run_id).values(posted_at=now, message_ts=message_ts))


def run_due_digests(sessions: sessionmaker[Session], post: Post, now: datetime) -> int:
    """Posts every digest whose time has come and that nobody has posted; returns how many it posted.

    Called every minute by the scheduler, in as many processes as run one. One channel failing
    does not stop the others.
    """
    with sessions() as session:
        subscriptions = [(s.id, latest_run(schedule_of(s), now)) for s in session.scalars(select(DigestSubscription))]
    posted = 0
    for subscription_id, period_end in subscriptions:
        try:
            posted += _run_one(sessions, post, subscription_id, period_end, now)
        except Exception:
            logger.exception("digest for subscription %s (period ending %s) failed", subscription_id, period_end)
    return posted


def _run_one(sessions: sessionmaker[Session], post: Post, subscription_id: int, period_end: datetime,
             now: datetime) -> int:
    with sessions.begin() as session:
        if now - period_end > CATCH_UP:
            _skip_once(session, subscription_id, period_end, now)
            return 0
        taken = claim(session, subscription_id, period_end, now)
    return 0 if taken is None else int(_post_claimed(sessions, post, taken, now))


def _post_claimed(sessions: sessionmaker[Session], post: Post, taken: Claim, now: datetime) -> bool:
    """Posts a claimed run and marks it posted; a failure leaves the claim to expire and be retried."""
    with sessions() as session:
        subscription = session.get(DigestSubscription, taken.subscription_id)
        if subscription is None:
            return False
        message_ts = post(subscription, digest_for(session, subscription, taken.period_end))
    with sessions.begin() as session:
        mark_posted(session, taken.run_id, message_ts, now)
    return True


def _skip_once(session: Session, subscription_id: int, period_end: datetime, now: datetime) -> None:
    runs = DigestRun.__table__
    skipped = session.scalar(
        dialect_insert(session)(runs)
        .values(subscription_id=subscription_id, period_start=period_end - FIRST_PERIOD, period_end=period_end,
                claimed_at=now, skipped=True)
        .on_conflict_do_nothing()
        .returning(runs.c.id)
    )
    if skipped is not None:
        logger.warning("digest for subscription %s due %s was missed by more than a day: skipped",
                       subscription_id, period_end)


def post_now(sessions: sessionmaker[Session], post: Post, subscription_id: int, now: datetime) -> bool:
    """`/idea digest now`: a run like any other, so the next scheduled digest starts from here."""
    with sessions.begin() as session:
        taken = claim(session, subscription_id, now, now)
    return taken is not None and _post_claimed(sessions, post, taken, now)
