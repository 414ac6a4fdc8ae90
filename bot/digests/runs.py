"""Digest subscriptions and runs: each period of each channel posts exactly once.

A run is claimed in the database first (a row unique on subscription and period, in its own
transaction); its digest is written (maybe with the model's help) outside any transaction; then, if
the claim is still ours, the run is marked owed in the same transaction as its messages, which the
sender delivers. Two schedulers racing for a period both try the insert and one wins. A claim never
marked owed (its process died) expires after CLAIM_TTL and may be taken over. A run missed by more than
CATCH_UP is skipped, and logged once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import delete, false, or_, select, update
from sqlalchemy.orm import Session

from bot.digests.compose import Digest, compose
from bot.digests.schedule import DEFAULT_MINUTE, DEFAULT_WEEKDAY, Schedule, latest_run, valid_timezone
from models import DigestNowClaim, DigestRun, DigestSubscription, dialect_insert

CLAIM_TTL = timedelta(minutes=10)
CATCH_UP = timedelta(days=1)
FIRST_PERIOD = timedelta(days=7)
logger = logging.getLogger(__name__)

def subscribe(
    session: Session, *, team_id: str, channel_id: str, schedule: Schedule, only_this_channel: bool, created_by: str,
    now: datetime,
) -> DigestSubscription:
    """Subscribes the channel, or changes its schedule when it already is.

    A new schedule starts with its next time, as the reply says: the time it last fell on, before the
    channel asked, is passed over rather than caught up on at the scheduler's next tick.
    """
    table = DigestSubscription.__table__
    # Inserted unless there is one, then held: two PMs saying it in one channel at once make one subscription,
    # and the second is answered as a change of schedule, not with a failed insert.
    added = session.scalar(
        dialect_insert(session)(table).values(
            team_id=team_id, channel_id=channel_id, created_by=created_by, weekday=schedule.weekday,
            minute_of_day=schedule.minute_of_day, timezone=schedule.timezone, only_this_channel=only_this_channel,
        ).on_conflict_do_nothing().returning(table.c.id)
    )
    subscription = session.scalar(
        select(DigestSubscription).where(DigestSubscription.team_id == team_id,
                                         DigestSubscription.channel_id == channel_id)
        .with_for_update().execution_options(populate_existing=True)
    )
    if added is None and schedule_of(subscription) == schedule:
        subscription.only_this_channel = only_this_channel
        return subscription  # the same times: a run still owed (say, missed while the bot was down) stays owed
    subscription.weekday = schedule.weekday
    subscription.minute_of_day = schedule.minute_of_day
    subscription.timezone = schedule.timezone
    subscription.only_this_channel = only_this_channel
    session.flush()
    _pass_over(session, subscription.id, latest_run(schedule, now), now)
    return subscription


def unsubscribe(session: Session, team_id: str, channel_id: str) -> bool:
    gone = session.execute(delete(DigestSubscription).where(
        DigestSubscription.team_id == team_id, DigestSubscription.channel_id == channel_id))
    return gone.rowcount == 1  # of two at once, one says it stopped and the other that it was not on


def narrowed_to_channel(session: Session, team_id: str, channel_id: str) -> DigestSubscription | None:
    """The channel was shared with another organisation: its digest, if it told the whole workspace's week, tells
    only the channel's own ideas from now on. The subscription so narrowed, or None (none, or narrow already)."""
    narrowed = session.execute(  # a compare-and-set: the event delivered twice at once narrows it, and says so, once
        update(DigestSubscription)
        .where(DigestSubscription.team_id == team_id, DigestSubscription.channel_id == channel_id,
               or_(DigestSubscription.only_this_channel.is_(false()), DigestSubscription.only_this_channel.is_(None)))
        .values(only_this_channel=True).execution_options(synchronize_session=False))
    return find_subscription(session, team_id, channel_id) if narrowed.rowcount == 1 else None


def stop_digest_of(session: Session, run_id: int) -> None:
    """The channel of this run's digest can no longer take it (archived, deleted, the bot removed): its
    subscription ends rather than fail again every week; `/idea digest here` there starts it again."""
    run = session.get(DigestRun, run_id)
    if run is not None:
        session.execute(delete(DigestSubscription).where(DigestSubscription.id == run.subscription_id))


def find_subscription(session: Session, team_id: str, channel_id: str) -> DigestSubscription | None:
    return session.scalar(
        select(DigestSubscription).where(
            DigestSubscription.team_id == team_id, DigestSubscription.channel_id == channel_id
        )
    )


def schedule_of(subscription: DigestSubscription) -> Schedule:
    """A day or minute no command could have stored (a row written by hand) is the default's, as for a
    workspace's settings: the channel gets its digest rather than an error logged every minute."""
    weekday = subscription.weekday if subscription.weekday in range(7) else DEFAULT_WEEKDAY
    minute = subscription.minute_of_day if subscription.minute_of_day in range(24 * 60) else DEFAULT_MINUTE
    return Schedule(weekday, minute, subscription.timezone)


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
    digest = compose(session, subscription.team_id, start, period_end, channel)
    return replace(digest, timezone=valid_timezone(subscription.timezone))


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
    claimed_at: datetime


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
        return Claim(inserted, subscription_id, period_end, now)
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
    return None if expired is None else Claim(expired, subscription_id, period_end, now)


def mark_posted(session: Session, run_id: int, message_ts: str | None, now: datetime) -> None:
    """The run's messages are owed (posted_at), and once the first went out, where it is (message_ts)."""
    run = session.get(DigestRun, run_id)
    if run is None:
        return
    run.posted_at = run.posted_at or now
    run.message_ts = message_ts or run.message_ts


def take_claimed(session: Session, taken: Claim, now: datetime) -> bool:
    """Marks a claimed run as owed, if the claim is still ours (it may have expired and been taken over
    while the digest was being written) and no other digest of the channel was owed for part of its period
    meanwhile (`/idea digest now` and the scheduled run, each written while the other was: the channel
    would read the same week twice; the later is passed over). The caller owes its messages in the same
    transaction."""
    # The channel's runs are taken one at a time (a write first: SQLite's writer, PostgreSQL's row lock),
    # so each sees what the other took.
    session.execute(update(DigestSubscription).where(DigestSubscription.id == taken.subscription_id)
                    .values(created_by=DigestSubscription.created_by).execution_options(synchronize_session=False))
    start = session.scalar(select(DigestRun.period_start).where(DigestRun.id == taken.run_id))
    if start is not None and _owed_since(session, taken, start, now):
        session.execute(
            update(DigestRun)
            .where(DigestRun.id == taken.run_id, DigestRun.posted_at.is_(None),
                   DigestRun.claimed_at == taken.claimed_at)
            .values(skipped=True)
            .execution_options(synchronize_session=False)
        )
        return False
    done = session.execute(
        update(DigestRun)
        .where(DigestRun.id == taken.run_id, DigestRun.posted_at.is_(None), DigestRun.claimed_at == taken.claimed_at)
        .values(posted_at=now)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def _owed_since(session: Session, taken: Claim, start: datetime, now: datetime) -> bool:
    """Another run of the channel owed for a period ending after this run's began: taken after this one
    was claimed (those before are where its period starts). One dated further ahead than a claim lasts (a
    process whose clock ran ahead, a row written by hand) covers nothing yet."""
    return session.scalar(
        select(DigestRun.id).where(
            DigestRun.subscription_id == taken.subscription_id, DigestRun.id != taken.run_id,
            DigestRun.posted_at.is_not(None), DigestRun.period_end > start, DigestRun.period_end <= now + CLAIM_TTL,
        ).limit(1)
    ) is not None


def due_runs(session: Session, now: datetime) -> list[tuple[int, datetime]]:
    """Each subscription with the latest time its digest was due; bad rows are skipped, not fatal."""
    runs = []
    for subscription in session.scalars(select(DigestSubscription)):
        try:
            runs.append((subscription.id, latest_run(schedule_of(subscription), now)))
        except (ValueError, KeyError, OverflowError) as error:
            logger.error("digest subscription %s has a schedule that cannot run: %s", subscription.id, error)
    return runs


def claim_due(session: Session, subscription_id: int, period_end: datetime, now: datetime) -> Claim | None:
    """The claim for a due period, or None: someone else has it, it was missed by more than a day
    (skipped, and logged once), or a digest posted since its time already covers it."""
    if now - period_end > CATCH_UP:
        _skip_once(session, subscription_id, period_end, now)
        return None
    if _covered(session, subscription_id, period_end, now):
        # `/idea digest now` just after this time, before the scheduler's tick: the channel has read this
        # week already, and a scheduled digest would only say it again.
        _pass_over(session, subscription_id, period_end, now)
        return None
    return claim(session, subscription_id, period_end, now)


def _covered(session: Session, subscription_id: int, period_end: datetime, now: datetime) -> bool:
    """A digest of this channel already went out for a period ending after this one (and by now: a run dated
    in the future, written by hand or by a process whose clock ran ahead, covers nothing yet)."""
    return session.scalar(
        select(DigestRun.id).where(DigestRun.subscription_id == subscription_id, DigestRun.posted_at.is_not(None),
                                   DigestRun.period_end > period_end, DigestRun.period_end <= now).limit(1)
    ) is not None


def _skip_once(session: Session, subscription_id: int, period_end: datetime, now: datetime) -> None:
    if _pass_over(session, subscription_id, period_end, now):
        logger.warning("digest for subscription %s due %s was missed by more than a day: skipped",
                       subscription_id, period_end)


def _pass_over(session: Session, subscription_id: int, period_end: datetime, now: datetime) -> bool:
    """Records the period as skipped unless it already has a run; True when this call recorded it."""
    runs = DigestRun.__table__
    return session.scalar(
        dialect_insert(session)(runs)
        .values(subscription_id=subscription_id, period_start=period_end - FIRST_PERIOD, period_end=period_end,
                claimed_at=now, skipped=True)
        .on_conflict_do_nothing()
        .returning(runs.c.id)
    ) is not None


NOW_AGAIN = timedelta(minutes=1)  # `/idea digest now` typed again within this posts no second digest


def claim_now(session: Session, team_id: str, channel_id: str, now: datetime) -> bool:
    """This `/idea digest now` may post: nobody took the channel's turn within NOW_AGAIN. One statement the
    database runs atomically, so of two typed at once (in two processes) exactly one gets True. A claim dated
    far ahead (a process whose clock ran ahead) holds nobody off."""
    table = DigestNowClaim.__table__
    statement = (
        dialect_insert(session)(table)
        .values(team_id=team_id, channel_id=channel_id, claimed_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.team_id, table.c.channel_id],
            set_={"claimed_at": now},
            where=or_(table.c.claimed_at <= now - NOW_AGAIN, table.c.claimed_at > now + NOW_AGAIN),
        )
        .returning(table.c.team_id)
    )
    return session.scalar(statement) is not None


def release_now(session: Session, team_id: str, channel_id: str, claimed_at: datetime) -> None:
    """A claim that posted nothing (the digest could not be written) is given back: typing it again posts."""
    session.execute(delete(DigestNowClaim).where(DigestNowClaim.team_id == team_id,
                                                 DigestNowClaim.channel_id == channel_id,
                                                 DigestNowClaim.claimed_at == claimed_at))
